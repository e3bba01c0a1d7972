/* SPDX-License-Identifier: ISC */
/*
 * Logging, after OpenBSD's log.c: log_warn() appends the errno text,
 * log_warnx() does not; fatal() and fatalx() log and exit.  Messages go to
 * syslog, or to stderr with -d.  Authentication events go to LOG_AUTHPRIV.
 */
#ifndef NVTD_LOG_H
#define NVTD_LOG_H

#include <stddef.h>
#include <syslog.h>

#define LOG_PRINTF(a, b)	__attribute__((__format__(__printf__, a, b)))

void	log_init(const char *ident, int to_stderr);
void	log_set_debug(int);
/*
 * Hand every line (LOG_ERR, LOG_INFO... with the errno text) to sink
 * instead: the pre-auth child's lines go to the monitor.
 */
typedef void	log_sink_fn(int prio, const char *line);
void	log_set_sink(log_sink_fn *);
/* A line that is ready (checked printable), at priority prio. */
void	log_line(int prio, const char *line);
void	log_warn(const char *, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *, ...) LOG_PRINTF(1, 2);
void	log_info(const char *, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *, ...) LOG_PRINTF(1, 2);
/* An authentication event (LOG_AUTHPRIV), at priority LOG_INFO etc. */
void	log_auth(int prio, const char *, ...) LOG_PRINTF(2, 3);
void	fatal(const char *, ...) LOG_PRINTF(1, 2) __attribute__((__noreturn__));
void	fatalx(const char *, ...) LOG_PRINTF(1, 2) __attribute__((__noreturn__));

/*
 * Make a peer-supplied string safe to log: C-style escapes for anything
 * not printable, cut to fit buf (with "..." when cut).  Returns buf.
 */
const char	*log_escape(const void *, size_t, char *buf, size_t bufsz);
#define LOG_ESCAPE_MAX	(4 * 64 + 4)	/* buffer for a 64-byte string */

#endif
