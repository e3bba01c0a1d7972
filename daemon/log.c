/* SPDX-License-Identifier: ISC */
/*
 * Logging to syslog, or to stderr when running in the foreground with -d.
 * Helpers elsewhere return errors and do not log; the caller that knows
 * the context logs once, through these functions.  Peer-supplied strings
 * pass through log_escape() before they reach a log line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "log.h"

static int log_stderr;
static int log_debugging;
static log_sink_fn *log_sink;

/* Open the log: syslog under ident, or stderr when to_stderr is set. */
void
log_init(const char *ident, int to_stderr)
{
	log_stderr = to_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_debug(int on)
{
	log_debugging = on;
}

void
log_set_sink(log_sink_fn *sink)
{
	log_sink = sink;
}

void
log_line(int prio, const char *line)
{
	if (log_stderr)
		dprintf(STDERR_FILENO, "nvtd[%ld]: %s\n", (long)getpid(), line);
	else
		syslog(LOG_DAEMON | prio, "%s", line);
}

/* Write one line at priority prio (facility included), with errno text. */
static void LOG_PRINTF(3, 0)
vlog(int prio, int errnum, const char *fmt, va_list ap)
{
	char	msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink != NULL) {
		char	line[1024 + 128];

		if (errnum)
			snprintf(line, sizeof(line), "%s: %s", msg,
			    strerror(errnum));
		else
			strlcpy(line, msg, sizeof(line));
		log_sink(LOG_PRI(prio), line);
	} else if (log_stderr) {
		if (errnum)
			dprintf(STDERR_FILENO, "nvtd[%ld]: %s: %s\n",
			    (long)getpid(), msg, strerror(errnum));
		else
			dprintf(STDERR_FILENO, "nvtd[%ld]: %s\n",
			    (long)getpid(), msg);
	} else if (errnum)
		syslog(prio, "%s: %s", msg, strerror(errnum));
	else
		syslog(prio, "%s", msg);
}

void
log_warn(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_DAEMON | LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_DAEMON | LOG_ERR, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_DAEMON | LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_debugging)
		return;
	va_start(ap, fmt);
	vlog(LOG_DAEMON | LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
log_auth(int prio, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_AUTHPRIV | prio, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_DAEMON | LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_DAEMON | LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
log_escape(const void *s, size_t len, char *buf, size_t bufsz)
{
	size_t	fit;

	if (bufsz < 8) {
		if (bufsz)
			buf[0] = '\0';
		return buf;
	}
	/* Each byte takes at most 4 characters escaped. */
	fit = len;
	if (fit > (bufsz - 4) / 4)
		fit = (bufsz - 4) / 4;
	strnvisx(buf, bufsz, s, fit, VIS_CSTYLE | VIS_OCTAL | VIS_TAB |
	    VIS_NL | VIS_DQ);
	if (fit < len)
		strlcat(buf, "...", bufsz);
	return buf;
}
