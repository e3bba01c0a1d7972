/* SPDX-License-Identifier: ISC */
/*
 * The protocol trace.  With -D, each part of a login reports its events
 * here, one call per event, and this file turns them into lines such as
 *
 *   RCVD DO NAWS                     options: what the client asked,
 *   SENT WILL ECHO                   what we answered or asked,
 *   NAWS him WANTYES -> YES          the RFC 1143 state of the option,
 *   RCVD SB NAWS 120 40              its subnegotiations,
 *   RCVD IAC IP                      and its commands
 *   pam_authenticate: Success        pam: every call and its result
 *   setsid: session 4242             session: the process steps
 *
 * written to the log (syslog at LOG_DEBUG, or stderr with -d) and to the
 * trace file.  The lines go to copies of those fds taken at start, so
 * that the session leader, whose stderr becomes the pty, can still
 * report its steps up to the execve of the shell (the copies are
 * close-on-exec: the shell never holds them).
 *
 * What is never shown: anything that may be a password.  Before login,
 * data from the client is shown as a count only, answers to echo-off
 * prompts not at all; during the session, data from the client is shown
 * only while the terminal echoes (a program reading a password, such as
 * sudo, turns ECHO off first).  What was typed ahead, before a program
 * turned ECHO off, is shown: the trace cannot know what it will be.
 * Everything the peer supplied passes through log_escape(), and data is
 * bounded: TRACE_LINE_BYTES per line, TRACE_DATA_MAX per direction.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "telnet.h"
#include "trace.h"

static const struct {
	const char	*name;
	unsigned int	 kind;
} trace_names[] = {
	{ "options",	TRACE_OPTIONS },
	{ "netdata",	TRACE_NETDATA },
	{ "ptydata",	TRACE_PTYDATA },
	{ "pam",	TRACE_PAM },
	{ "session",	TRACE_SESSION },
	{ "all",	TRACE_ALL },
};

static unsigned int	trace_mask;
static int		trace_errfd = -1;	/* copy of stderr, with -d */
static int		trace_filefd = -1;	/* --trace-file */
static unsigned long	trace_lines;
static trace_sink_fn	*trace_sink;		/* the pre-auth child's */
static size_t		trace_shown_net;	/* data bytes shown so far */
static size_t		trace_shown_pty;

int
trace_parse(const char *list, unsigned int *mask, const char **bad,
    size_t *badlen)
{
	const char	*p = list, *end;
	size_t		 len, i;
	unsigned int	 m = 0;

	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < sizeof(trace_names) / sizeof(trace_names[0]);
		    i++)
			if (strlen(trace_names[i].name) == len &&
			    strncmp(trace_names[i].name, p, len) == 0)
				break;
		if (i == sizeof(trace_names) / sizeof(trace_names[0])) {
			*bad = p;
			*badlen = len;
			return -1;
		}
		m |= trace_names[i].kind;
		if (end == NULL)
			break;
		p = end + 1;
	}
	*mask = m;
	return 0;
}

/* path with "%p" as our pid and "%%" as "%", into buf.  0 or -1. */
static int
trace_path(const char *path, char *buf, size_t size)
{
	size_t	len = 0;
	int	n;

	for (; *path != '\0'; path++) {
		if (path[0] == '%' && path[1] == 'p') {
			n = snprintf(buf + len, size - len, "%ld",
			    (long)getpid());
			if (n < 0 || (size_t)n >= size - len)
				return -1;
			len += (size_t)n;
			path++;
			continue;
		}
		if (path[0] == '%' && path[1] == '%')
			path++;
		if (len + 1 >= size)
			return -1;
		buf[len++] = *path;
	}
	buf[len] = '\0';
	return 0;
}

int
trace_init(unsigned int mask, bool to_stderr, const char *path)
{
	char	name[PATH_MAX];
	int	fd;

	trace_mask = mask;
	if (mask == 0)
		return 0;
	if (path != NULL) {
		if (trace_path(path, name, sizeof(name)) == -1) {
			errno = ENAMETOOLONG;
			return -1;
		}
		/* A new file only: never one that exists, nor a symlink. */
		fd = open(name, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1)
			return -1;
		/* The umask may have taken bits away, never added any. */
		if (fchmod(fd, 0600) == -1) {
			close(fd);
			return -1;
		}
		trace_filefd = fd;
	}
	if (to_stderr &&
	    (trace_errfd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	return 0;
}

bool
trace_on(unsigned int kinds)
{
	return (trace_mask & kinds) != 0;
}

size_t
trace_fds(int fds[2])
{
	size_t	n = 0;

	if (trace_errfd != -1)
		fds[n++] = trace_errfd;
	if (trace_filefd != -1)
		fds[n++] = trace_filefd;
	return n;
}

/* Write all of buf to fd, as one write when it can. */
static void
trace_write(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* One line of kind to every destination. */
static void __attribute__((__format__(__printf__, 2, 0)))
trace_vline(unsigned int kind, const char *fmt, va_list ap)
{
	const char	*name = "trace";
	char		 msg[512], line[640], when[32];
	struct timeval	 tv;
	struct tm	 tm;
	size_t		 i;
	int		 saved = errno, n;

	if ((trace_mask & kind) == 0 || trace_lines > TRACE_LINES_MAX)
		return;
	if (++trace_lines > TRACE_LINES_MAX)
		snprintf(msg, sizeof(msg), "limit of %d lines reached: no "
		    "more tracing in this process", TRACE_LINES_MAX);
	else
		vsnprintf(msg, sizeof(msg), fmt, ap);
	if (trace_sink != NULL) {
		trace_sink(kind, msg);
		errno = saved;
		return;
	}
	for (i = 0; i < sizeof(trace_names) / sizeof(trace_names[0]); i++)
		if (trace_names[i].kind == kind)
			name = trace_names[i].name;

	if (trace_errfd != -1) {
		n = snprintf(line, sizeof(line), "nvtd[%ld]: trace %s: %s\n",
		    (long)getpid(), name, msg);
		if (n > 0)
			trace_write(trace_errfd, line, (size_t)n <
			    sizeof(line) ? (size_t)n : sizeof(line) - 1);
	} else
		syslog(LOG_DAEMON | LOG_DEBUG, "trace %s: %s", name, msg);

	if (trace_filefd != -1) {
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%06ldZ [%ld] %s: %s\n",
		    when, (long)tv.tv_usec, (long)getpid(), name, msg);
		if (n > 0)
			trace_write(trace_filefd, line, (size_t)n <
			    sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	errno = saved;
}

static void __attribute__((__format__(__printf__, 2, 3)))
trace_line(unsigned int kind, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	trace_vline(kind, fmt, ap);
	va_end(ap);
}

void
trace_set_sink(unsigned int mask, trace_sink_fn *sink)
{
	trace_mask = mask;
	trace_sink = sink;
}

void
trace_relayed(unsigned int kind, const char *line)
{
	trace_line(kind, "%s", line);
}

/*
 * Data bytes: how many, and the first TRACE_LINE_BYTES of them escaped,
 * until TRACE_DATA_MAX bytes have been shown in that direction.
 */
static void
trace_data(unsigned int kind, const char *what, const uint8_t *p, size_t n,
    size_t *shown)
{
	char	esc[4 * TRACE_LINE_BYTES + 4];
	size_t	k = n < TRACE_LINE_BYTES ? n : TRACE_LINE_BYTES;

	if (*shown >= TRACE_DATA_MAX || n == 0)
		return;
	if (k > TRACE_DATA_MAX - *shown)
		k = TRACE_DATA_MAX - *shown;
	*shown += k;
	trace_line(kind, "%s %zu bytes \"%s\"", what, n,
	    log_escape(p, n, esc, 4 * k + 4));
	if (*shown >= TRACE_DATA_MAX)
		trace_line(kind, "%s: %d bytes shown, no more data traced",
		    what, TRACE_DATA_MAX);
}

/* Client data: a count before login, the bytes while the pty echoes. */
static void
trace_netdata(const uint8_t *p, size_t n, int pty)
{
	struct termios	t;

	if (pty == -1)
		trace_line(TRACE_NETDATA, "RCVD data, %zu bytes (not shown "
		    "before login)", n);
	else if (tcgetattr(pty, &t) == -1 || (t.c_lflag & ECHO) == 0)
		trace_line(TRACE_NETDATA, "RCVD data, %zu bytes (not shown: "
		    "the terminal does not echo)", n);
	else
		trace_data(TRACE_NETDATA, "RCVD data,", p, n,
		    &trace_shown_net);
}

/* Our own replies and requests, decoded from the bytes of a SEND. */
static void
trace_sent(const uint8_t *p, size_t n)
{
	const char	*what;
	size_t		 end;

	while (n > 0) {
		if (n >= 3 && p[0] == TELNET_IAC && p[1] >= TELNET_WILL) {
			trace_line(TRACE_OPTIONS, "SENT %s %s",
			    telnet_command_name(p[1]),
			    telnet_option_name(p[2]));
			end = 3;
		} else if (n >= 3 && p[0] == TELNET_IAC &&
		    p[1] == TELNET_SB) {
			for (end = 3; end + 1 < n; end++)
				if (p[end] == TELNET_IAC &&
				    p[end + 1] == TELNET_SE)
					break;
			end = end + 1 < n ? end + 2 : n;
			what = NULL;
			if (end > 4 && (p[2] == TELNET_OPT_TTYPE ||
			    p[2] == TELNET_OPT_NEW_ENVIRON) &&
			    p[3] == TELNET_TTYPE_SEND)
				what = "SEND";
			else if (end > 4 && p[2] == TELNET_OPT_LFLOW)
				what = p[3] == TELNET_LFLOW_OFF ? "OFF" :
				    p[3] == TELNET_LFLOW_ON ? "ON" :
				    p[3] == TELNET_LFLOW_RESTART_ANY ?
				    "RESTART-ANY" : "RESTART-XON";
			if (what != NULL)
				trace_line(TRACE_OPTIONS, "SENT SB %s %s",
				    telnet_option_name(p[2]), what);
			else
				trace_line(TRACE_OPTIONS, "SENT SB %s, %zu "
				    "bytes", telnet_option_name(p[2]), end);
		} else if (n >= 2 && p[0] == TELNET_IAC) {
			trace_line(TRACE_OPTIONS, "SENT IAC %s",
			    telnet_command_name(p[1]));
			end = 2;
		} else {
			trace_line(TRACE_OPTIONS, "SENT %zu bytes", n);
			end = n;
		}
		p += end;
		n -= end;
	}
}

void
trace_telnet(const struct telnet_event *ev, int pty)
{
	char	a[LOG_ESCAPE_MAX], b[LOG_ESCAPE_MAX];

	if (trace_mask == 0)
		return;
	switch (ev->kind) {
	case TELNET_EV_DATA:
		if (trace_mask & TRACE_NETDATA)
			trace_netdata(ev->data.bytes, ev->data.len, pty);
		break;
	case TELNET_EV_SEND:
		if (trace_mask & TRACE_OPTIONS)
			trace_sent(ev->data.bytes, ev->data.len);
		break;
	case TELNET_EV_NEGOTIATION:
		trace_line(TRACE_OPTIONS, "RCVD %s %s",
		    telnet_command_name(ev->negotiation.verb),
		    telnet_option_name(ev->negotiation.opt));
		break;
	case TELNET_EV_QSTATE:
		trace_line(TRACE_OPTIONS, "%s %s %s -> %s",
		    telnet_option_name(ev->qstate.opt),
		    ev->qstate.side == TELNET_US ? "us" : "him",
		    telnet_q_name(ev->qstate.from),
		    telnet_q_name(ev->qstate.to));
		break;
	case TELNET_EV_COMMAND:
		trace_line(TRACE_OPTIONS, "RCVD IAC %s",
		    telnet_command_name(ev->command));
		break;
	case TELNET_EV_NAWS:
		trace_line(TRACE_OPTIONS, "RCVD SB NAWS %u %u",
		    ev->naws.width, ev->naws.height);
		break;
	case TELNET_EV_TTYPE:
		trace_line(TRACE_OPTIONS, "RCVD SB TTYPE IS \"%s\"",
		    log_escape(ev->ttype.name, ev->ttype.len, a, sizeof(a)));
		break;
	case TELNET_EV_ENV:
		trace_line(TRACE_OPTIONS,
		    "RCVD SB NEW-ENVIRON %s %s \"%s\"%s%s%s",
		    ev->env.cmd == TELNET_ENV_IS ? "IS" : "INFO",
		    ev->env.type == TELNET_ENV_VAR ? "VAR" : "USERVAR",
		    log_escape(ev->env.name, ev->env.name_len, a, sizeof(a)),
		    ev->env.value != NULL ? " VALUE \"" : "",
		    ev->env.value != NULL ? log_escape(ev->env.value,
		    ev->env.value_len, b, sizeof(b)) : "",
		    ev->env.value != NULL ? "\"" : "");
		break;
	case TELNET_EV_LFLOW:
		trace_line(TRACE_OPTIONS, "RCVD SB LFLOW %u", ev->lflow);
		break;
	case TELNET_EV_DISCARD:
		trace_line(TRACE_OPTIONS, "discarded (%s): %s",
		    telnet_option_name(ev->discard.opt), ev->discard.why);
		break;
	case TELNET_EV_MARK:
		trace_line(TRACE_OPTIONS, "TIMING-MARK answered: the client "
		    "has taken in the output before it");
		break;
	case TELNET_EV_OPTION:		/* the QSTATE before it says it */
	case TELNET_EV_TIMING_MARK:	/* RCVD DO TIMING-MARK said it */
		break;
	}
}

void
trace_ptydata(const uint8_t *p, size_t n)
{
	if (trace_mask & TRACE_PTYDATA)
		trace_data(TRACE_PTYDATA, "PTY data,", p, n,
		    &trace_shown_pty);
}

void
trace_pam(pam_handle_t *pamh, const char *call, int status)
{
	if (trace_mask & TRACE_PAM)
		trace_line(TRACE_PAM, "%s: %s", call,
		    pam_strerror(pamh, status));
}

void
trace_conv(int style, const char *text)
{
	char		 esc[LOG_ESCAPE_MAX];
	const char	*what;

	if ((trace_mask & TRACE_PAM) == 0)
		return;
	switch (style) {
	case PAM_PROMPT_ECHO_OFF:
		what = "prompt, echo off";
		break;
	case PAM_PROMPT_ECHO_ON:
		what = "prompt, echo on";
		break;
	case PAM_ERROR_MSG:
		what = "error message";
		break;
	case PAM_TEXT_INFO:
		what = "text";
		break;
	default:
		what = "unknown style";
		break;
	}
	trace_line(TRACE_PAM, "conversation: %s \"%s\"", what,
	    log_escape(text, strlen(text), esc, sizeof(esc)));
}

void
trace_answer(bool echo, const char *answer)
{
	char	esc[LOG_ESCAPE_MAX];

	if ((trace_mask & TRACE_PAM) == 0)
		return;
	if (echo)
		trace_line(TRACE_PAM, "answer \"%s\"", log_escape(answer,
		    strlen(answer), esc, sizeof(esc)));
	else
		trace_line(TRACE_PAM, "answer not shown (echo off)");
}

void
trace_step(const char *fmt, ...)
{
	va_list	ap;

	if ((trace_mask & TRACE_SESSION) == 0)
		return;
	va_start(ap, fmt);
	trace_vline(TRACE_SESSION, fmt, ap);
	va_end(ap);
}
