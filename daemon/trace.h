/* SPDX-License-Identifier: ISC */
/*
 * The protocol trace (-D): a login seen from the inside, one readable
 * line per event, for people learning how it works and for operators
 * finding out why a client misbehaves.  Each part of the daemon calls
 * one function per event; this module decides what is shown, what is
 * redacted, and where it goes.
 */
#ifndef NVTD_TRACE_H
#define NVTD_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <security/pam_appl.h>

struct telnet_event;

/* What -D can ask for: a comma list of these names, or "all". */
#define TRACE_OPTIONS	0x01	/* "options": negotiation, SB, commands,
				 * RFC 1143 state changes */
#define TRACE_NETDATA	0x02	/* "netdata": data from the client */
#define TRACE_PTYDATA	0x04	/* "ptydata": the session's output */
#define TRACE_PAM	0x08	/* "pam": PAM calls, the conversation */
#define TRACE_SESSION	0x10	/* "session": fork, setsid, TIOCSCTTY,
				 * dup2, setuid, execve... */
#define TRACE_ALL	0x1f

#define TRACE_LINE_BYTES	48		/* data bytes shown per line */
#define TRACE_DATA_MAX		(16 * 1024)	/* ... in all, per direction
						 * and process */
#define TRACE_LINES_MAX		100000		/* lines per process */

/*
 * Parse a -D list into *mask.  Returns 0, or -1 with the first unknown
 * name in *bad (not NUL-terminated: *badlen bytes).
 */
int	trace_parse(const char *list, unsigned int *mask, const char **bad,
	    size_t *badlen);
/*
 * Start tracing what mask selects, to the log (syslog at LOG_DEBUG, or
 * a copy of stderr when to_stderr) and to the file path when it is not
 * NULL; "%p" in path becomes the process id.  The file is created, never
 * opened if it exists or is a symlink, mode 0600.  Call as root, before
 * any fork.  Returns 0, or -1 with errno.
 */
int	trace_init(unsigned int mask, bool to_stderr, const char *path);
/*
 * Trace what mask selects by handing each line to sink: the pre-auth
 * child's lines go to the monitor, which passes them to trace_relayed().
 */
typedef void	trace_sink_fn(unsigned int kind, const char *line);
void	trace_set_sink(unsigned int mask, trace_sink_fn *sink);
void	trace_relayed(unsigned int kind, const char *line);
/* Is any of kinds being traced? */
bool	trace_on(unsigned int kinds);
/*
 * The fds the trace writes to (close-on-exec), at most 2: a process that
 * closes every other fd before it executes keeps these.  Returns how
 * many were stored in fds.
 */
size_t	trace_fds(int fds[2]);

/*
 * An event of the telnet engine (options; netdata for DATA).  pty is -1
 * before login: data is then shown only as a count, since it may be a
 * password.  During the session pty is the master, and data is shown
 * unless the terminal has ECHO off (a program is reading a password).
 */
void	trace_telnet(const struct telnet_event *, int pty);
/* Output of the session, from the pty master to the client. */
void	trace_ptydata(const uint8_t *, size_t);
/* A PAM call and its result, as pam_strerror() words it. */
void	trace_pam(pam_handle_t *, const char *call, int status);
/* A message from a PAM module (its style and text). */
void	trace_conv(int style, const char *text);
/* The answer to a prompt: shown for echo-on prompts, never otherwise. */
void	trace_answer(bool echo, const char *answer);
/* A step of the login's processes: fork, setsid, TIOCSCTTY... */
void	trace_step(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

#endif
