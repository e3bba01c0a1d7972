/* SPDX-License-Identifier: ISC */
/*
 * Session recording (--record DIR): script(1) for network logins, one
 * asciicast v2 file per session, written by the monitor (root) from
 * what the relay (the user) passes it through a pipe.
 */
#ifndef NVTD_RECORD_H
#define NVTD_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* What the relay passes to the monitor: a type byte, then its data. */
enum record_kind {
	RECORD_OUTPUT = 'o',	/* the session's output, from the pty */
	RECORD_INPUT = 'i',	/* the client's data (--record-input only) */
	RECORD_RESIZE = 'r',	/* two uint16_t: columns, rows */
	RECORD_GAP = 'g',	/* a uint64_t: bytes the relay dropped */
};

#define RECORD_LIMIT_DEFAULT	(64ULL * 1024 * 1024)	/* --record-limit */
#define RECORD_LIMIT_MIN	4096ULL
#define RECORD_MSG_MAX		(PIPE_BUF - 4)	/* data in one message */

/* What the file's header says about the session. */
struct record_info {
	const char	*user;
	const char	*line;		/* "pts/3" */
	const char	*addr;		/* the client's address */
	const char	*term;		/* TERM */
	const char	*shell;
	unsigned int	 width, height;
};

/*
 * At start, as root, before any fork: check that dir is a directory
 * owned by root (by us, when not root) and not writable by group or
 * others, and keep it open.  Returns 0, or -1 with the reason in *why.
 */
int	record_setup(const char *dir, unsigned long long limit, bool input,
	    const char **why);
/* Is recording on? */
bool	record_enabled(void);
/*
 * The monitor, before it forks the relay: make the pipe.  0, or -1 (the
 * session goes on unrecorded, logged).  Nothing when recording is off.
 */
int	record_prepare(void);
/*
 * The relay, before it reads anything from the client: close what only
 * the monitor may hold (the directory, the reading end).  Returns the
 * non-blocking fd to pass the session to, or -1 when recording is off;
 * *input says whether the client's data is wanted too.
 */
int	record_relay(bool *input);
/*
 * The monitor, after it forked the relay: create the file (never an
 * existing one, mode 0600) and write its header.  The relay holds no
 * fd of it, at any time.
 */
void	record_start(const struct record_info *);
/* The fd the monitor polls, -1 when none. */
int	record_fd(void);
/* Read what the relay sent and record it.  0 at the end, else 1. */
int	record_read(void);
/* After the relay exited: read the rest, close the file, log. */
void	record_finish(void);

/*
 * The relay: pass data to the monitor.  Never blocks: when the pipe is
 * full, the data is dropped and the next message that fits reports the
 * gap.
 */
void	record_send(int fd, enum record_kind, const void *, size_t);
/* The relay, at its end: report what it could not pass, if it can. */
void	record_relay_end(int fd);

#endif
