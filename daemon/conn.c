/* SPDX-License-Identifier: ISC */
/*
 * The client connection before login.  Everything the client sends goes
 * through the telnet engine; its events land here: data and the editing
 * commands become type-ahead for the PAM prompts, window size, terminal
 * type and allowed environment variables are kept for the session, and
 * replies are queued for the client.
 *
 * All of this runs as root in the monitor, under the login deadline
 * (deadline.c), with every buffer capped: a client cannot make nvtd hold
 * more than CONN_OUT_MAX bytes of output or CONN_IN_MAX of type-ahead.
 */
#include <sys/ttydefaults.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "log.h"
#include "options.h"
#include "trace.h"

#define CONN_NEGOTIATE_MS	1000	/* wait for answers to the opening */
#define CONN_READ_SIZE		4096

/* Queue bytes that are already telnet-encoded. */
static void
conn_queue(struct conn *c, const uint8_t *p, size_t n)
{
	if (n > sizeof(c->out) - c->outlen) {
		c->out_overflow = true;
		return;
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

/* Queue raw bytes for the client, telnet-encoded. */
static void
conn_queue_data(struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t	enc[2 * 512];
	size_t	chunk;

	while (n > 0) {
		chunk = n < 512 ? n : 512;
		conn_queue(c, enc, telnet_encode(&c->tn, p, chunk, enc));
		p += chunk;
		n -= chunk;
	}
}

/* Keep client data as type-ahead for the prompts (and later the pty). */
static void
conn_typeahead(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->inoff > 0) {
		memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
		c->inlen -= c->inoff;
		c->inoff = 0;
	}
	if (n > sizeof(c->in) - c->inlen)
		n = sizeof(c->in) - c->inlen;	/* beyond the cap: dropped */
	memcpy(c->in + c->inlen, p, n);
	c->inlen += n;
}

/*
 * Telnet commands at a prompt: the editing ones become the bytes a user
 * would type for them, so the line editor sees one kind of input; the
 * signal-like ones abandon the line; AYT is answered at once.
 */
static void
conn_command(struct conn *c, uint8_t cmd)
{
	uint8_t	b;

	switch (cmd) {
	case TELNET_EC:
		b = 0x7f;
		break;
	case TELNET_EL:
		b = CTRL('U');
		break;
	case TELNET_IP:
	case TELNET_BRK:
	case TELNET_ABORT:
	case TELNET_SUSP:
		b = CTRL('C');
		break;
	case TELNET_EOF:
		b = CTRL('D');
		break;
	case TELNET_AYT:
		conn_puts(c, CONN_AYT_REPLY);
		return;
	default:		/* AO NOP DM GA: nothing to do before login */
		return;
	}
	conn_typeahead(c, &b, 1);
}

/* Is name (len bytes) the client's type number i, ignoring case? */
static bool
conn_ttype_is(const struct conn *c, size_t i, const char *name, size_t len)
{
	return c->ttypes_len[i] == len &&
	    strncasecmp(c->ttypes[i], name, len) == 0;
}

/*
 * Choose TERM among the types offered, in the client's order of
 * preference: the first that terminfo knows, else the first well-formed
 * one.  Returns its index, or -1 (TERM stays "dumb").
 */
static int
conn_ttype_choose(struct conn *c)
{
	char	buf[ENV_TERM_MAX + 1];
	int	first = -1;
	size_t	i;

	for (i = 0; i < c->nttypes; i++) {
		if (env_term(c->ttypes[i], c->ttypes_len[i], buf,
		    sizeof(buf)) != buf)
			continue;
		if (env_term_known(buf))
			return (int)i;
		if (first == -1)
			first = (int)i;
	}
	return first;
}

/* Remember the type the client has just sent: it is on that one now. */
static void
conn_ttype_last(struct conn *c, const char *name, size_t len)
{
	memcpy(c->ttype_last, name, len);
	c->ttype_last[len] = '\0';
	c->ttype_last_len = len;
}

/*
 * An answer while nvtd steers the client back to the chosen type: done
 * when it is there, or when it did not move (a client that keeps
 * repeating its last type), or after too many asks.  TERM must name the
 * terminal the client emulates: a client left on another type that
 * terminfo knows gets that type as TERM.
 */
static void
conn_ttype_steer(struct conn *c, const char *name, size_t len)
{
	char	buf[ENV_TERM_MAX + 1];
	bool	stuck;

	if (conn_ttype_is(c, (size_t)c->ttype_chosen, name, len)) {
		c->ttype_state = CONN_TTYPE_DONE;
		return;
	}
	stuck = c->ttype_last_len == len &&
	    strncasecmp(c->ttype_last, name, len) == 0;
	conn_ttype_last(c, name, len);
	if (!stuck && ++c->ttype_asks <= 2 * CONN_TTYPES_MAX) {
		telnet_request_ttype(&c->tn);
		return;
	}
	c->ttype_state = CONN_TTYPE_DONE;
	if (env_term(name, len, buf, sizeof(buf)) == buf &&
	    env_term_known(buf)) {
		strlcpy(c->term, buf, sizeof(c->term));
		log_debug("%s: TERM=%s, the type the client stays on",
		    c->addr, c->term);
	}
}

/*
 * RFC 1091: ask for the next type until the client repeats itself (its
 * first type: it started over; its last: the list has ended), then
 * choose.  The client is then on its first type or on its last; when
 * that is not the chosen one, it is asked on (a client that ended its
 * list starts over when asked again) until it is.  An answer nvtd could
 * not take (empty, over TELNET_TTYPE_MAX) comes here as "": it counts as
 * a type, never chosen.
 */
static void
conn_ttype(struct conn *c, const char *name, size_t len)
{
	char	buf[ENV_TERM_MAX + 1];
	bool	wrapped, ended;
	size_t	n = c->nttypes;
	int	at;

	switch (c->ttype_state) {
	case CONN_TTYPE_DONE:
		return;
	case CONN_TTYPE_STEERING:
		conn_ttype_steer(c, name, len);
		return;
	case CONN_TTYPE_LISTING:
		break;
	}

	wrapped = n > 0 && conn_ttype_is(c, 0, name, len);
	ended = n > 0 && conn_ttype_is(c, n - 1, name, len);
	conn_ttype_last(c, name, len);
	if (!wrapped && !ended) {
		memcpy(c->ttypes[n], name, len);
		c->ttypes[n][len] = '\0';
		c->ttypes_len[n] = len;
		if (++c->nttypes < CONN_TTYPES_MAX) {
			telnet_request_ttype(&c->tn);
			return;
		}
	}

	c->ttype_chosen = conn_ttype_choose(c);
	if (c->ttype_chosen >= 0)
		strlcpy(c->term, env_term(c->ttypes[c->ttype_chosen],
		    c->ttypes_len[c->ttype_chosen], buf, sizeof(buf)),
		    sizeof(c->term));
	log_debug("%s: TERM=%s, from %zu terminal types", c->addr, c->term,
	    c->nttypes);
	at = wrapped ? 0 : (int)c->nttypes - 1;
	if (c->ttype_chosen >= 0 && c->ttype_chosen != at) {
		c->ttype_state = CONN_TTYPE_STEERING;
		telnet_request_ttype(&c->tn);
	} else
		c->ttype_state = CONN_TTYPE_DONE;
}

/* The handler for the engine's events before login. */
static void
conn_event(void *ctx, const struct telnet_event *ev)
{
	struct conn	*c = ctx;
	char		 n[LOG_ESCAPE_MAX], v[LOG_ESCAPE_MAX];

	trace_telnet(ev, -1);	/* before login: data as a count only */
	switch (ev->kind) {
	case TELNET_EV_DATA:
		conn_typeahead(c, ev->data.bytes, ev->data.len);
		break;
	case TELNET_EV_SEND:
		conn_queue(c, ev->data.bytes, ev->data.len);
		break;
	case TELNET_EV_COMMAND:
		log_debug("%s: IAC %s", c->addr,
		    telnet_command_name(ev->command));
		conn_command(c, ev->command);
		break;
	case TELNET_EV_NAWS:
		log_debug("%s: window %ux%u", c->addr, ev->naws.width,
		    ev->naws.height);
		c->ws.ws_col = ev->naws.width;
		c->ws.ws_row = ev->naws.height;
		c->have_naws = true;
		break;
	case TELNET_EV_TTYPE:
		log_debug("%s: terminal type \"%s\"", c->addr,
		    log_escape(ev->ttype.name, ev->ttype.len, n, sizeof(n)));
		conn_ttype(c, ev->ttype.name, ev->ttype.len);
		break;
	case TELNET_EV_ENV:
		if (!env_client_add(&c->env, c->opts->accept_env,
		    c->opts->naccept_env, ev->env.name, ev->env.name_len,
		    ev->env.value, ev->env.value_len))
			log_debug("%s: variable \"%s\" ignored", c->addr,
			    log_escape(ev->env.name, ev->env.name_len, n,
			    sizeof(n)));
		else
			log_debug("%s: variable %s=\"%s\" accepted", c->addr,
			    ev->env.name, log_escape(ev->env.value,
			    ev->env.value_len, v, sizeof(v)));
		break;
	case TELNET_EV_NEGOTIATION:
		log_debug("%s: RCVD %s %s", c->addr,
		    telnet_command_name(ev->negotiation.verb),
		    telnet_option_name(ev->negotiation.opt));
		break;
	case TELNET_EV_OPTION:
		log_debug("%s: %s %s %s", c->addr,
		    telnet_option_name(ev->option.opt),
		    ev->option.side == TELNET_US ? "us" : "him",
		    ev->option.on ? "on" : "off");
		break;
	case TELNET_EV_DISCARD:
		log_debug("%s: SB %s discarded: %s", c->addr,
		    telnet_option_name(ev->discard.opt), ev->discard.why);
		/* An answer to our SEND that could not be taken. */
		if (ev->discard.opt == TELNET_OPT_TTYPE &&
		    telnet_enabled(&c->tn, TELNET_OPT_TTYPE, TELNET_HIM) &&
		    !telnet_waiting(&c->tn, TELNET_OPT_TTYPE))
			conn_ttype(c, "", 0);
		break;
	case TELNET_EV_TIMING_MARK:	/* the reply follows as a SEND */
	case TELNET_EV_LFLOW:		/* nothing to control before login */
	case TELNET_EV_QSTATE:		/* for traces */
		break;
	}
}

int
conn_init(struct conn *c, int fd, const struct options *o)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct stat		 st;
	int			 on = 1, type;
	socklen_t		 tlen = sizeof(type);

	/*
	 * Not cleared (see conn.h): 80 KiB of buffers, mostly the output
	 * queue, would become the monitor's memory for the whole session.
	 */
	c->fd = fd;
	c->opts = o;
	c->ttype_chosen = -1;
	strlcpy(c->term, "dumb", sizeof(c->term));

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISSOCK(st.st_mode) || getsockopt(fd, SOL_SOCKET, SO_TYPE,
	    &type, &tlen) == -1 || type != SOCK_STREAM) {
		errno = ENOTSOCK;
		return -1;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		if (getnameinfo((struct sockaddr *)&ss, len, c->addr,
		    sizeof(c->addr), c->port, sizeof(c->port),
		    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
			return -1;
		/* An IPv4 client of an IPv6 socket: show it as IPv4. */
		if (strncmp(c->addr, "::ffff:", 7) == 0 &&
		    strchr(c->addr + 7, '.') != NULL)
			memmove(c->addr, c->addr + 7, strlen(c->addr + 7) + 1);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	} else {
		strlcpy(c->addr, "local", sizeof(c->addr));
		strlcpy(c->port, "0", sizeof(c->port));
	}
	/* Urgent data (telnet Synch) arrives inline; DM is then ignored. */
	(void)setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on));
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		return -1;

	telnet_init(&c->tn, conn_event, c);
	if (o->naccept_env > 0)
		telnet_allow(&c->tn, TELNET_OPT_NEW_ENVIRON, TELNET_ALLOW_HIM);
	return 0;
}

int
conn_flush(struct conn *c)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLOUT };
	size_t		off = 0;
	ssize_t		n;

	while (off < c->outlen) {
		n = write(c->fd, c->out + off, c->outlen - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				break;
			continue;
		}
		break;
	}
	memmove(c->out, c->out + off, c->outlen - off);
	c->outlen -= off;
	if (c->outlen > 0) {
		c->eof = true;
		return -1;
	}
	return 0;
}

/*
 * Wait up to timeout_ms (-1: no limit but the login deadline) for input,
 * feed it to the engine and send the replies.  Returns 1 when something
 * was read, 0 on timeout, -1 when the client is gone or misbehaved.
 */
static int
conn_fill(struct conn *c, int timeout_ms)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLIN };
	uint8_t		buf[CONN_READ_SIZE];
	ssize_t		n;
	int		r;

	if (c->eof)
		return -1;
	r = poll(&pfd, 1, timeout_ms);
	if (r == -1)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	n = read(c->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		c->eof = true;
		return -1;
	}
	telnet_feed(&c->tn, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (c->out_overflow) {
		log_warnx("%s: output queue over %d bytes, disconnecting",
		    c->addr, CONN_OUT_MAX);
		c->eof = true;
		return -1;
	}
	return conn_flush(c) == 0 ? 1 : -1;
}

/*
 * Has the client answered what the login needs: window size, terminal
 * type, variables?  (The answers about ECHO and SGA change nothing.)
 */
static bool
conn_settled(const struct conn *c)
{
	if (telnet_waiting(&c->tn, TELNET_OPT_NAWS) ||
	    telnet_waiting(&c->tn, TELNET_OPT_TTYPE) ||
	    telnet_waiting(&c->tn, TELNET_OPT_NEW_ENVIRON))
		return false;
	if (telnet_enabled(&c->tn, TELNET_OPT_TTYPE, TELNET_HIM) &&
	    c->ttype_state == CONN_TTYPE_LISTING)
		return false;
	if (telnet_enabled(&c->tn, TELNET_OPT_NAWS, TELNET_HIM) &&
	    !c->have_naws)
		return false;
	return true;
}

int
conn_negotiate(struct conn *c)
{
	long long	end;
	long long	left;

	/*
	 * We echo (so the client never echoes a password locally) and
	 * suppress go-ahead: character at a time.  We ask for the window
	 * size and terminal type, and for variables only when some are
	 * allowed.
	 */
	telnet_request(&c->tn, TELNET_OPT_ECHO, TELNET_US, true);
	telnet_request(&c->tn, TELNET_OPT_SGA, TELNET_US, true);
	telnet_request(&c->tn, TELNET_OPT_SGA, TELNET_HIM, true);
	telnet_request(&c->tn, TELNET_OPT_NAWS, TELNET_HIM, true);
	telnet_request(&c->tn, TELNET_OPT_TTYPE, TELNET_HIM, true);
	if (c->opts->naccept_env > 0)
		telnet_request(&c->tn, TELNET_OPT_NEW_ENVIRON, TELNET_HIM,
		    true);
	if (conn_flush(c) == -1)
		return -1;

	/* A client that never answers (netcat) still gets its prompt. */
	end = clock_ms() + CONN_NEGOTIATE_MS;
	while (!conn_settled(c) && (left = end - clock_ms()) > 0)
		if (conn_fill(c, (int)left) == -1)
			return -1;
	return 0;
}

void
conn_puts(struct conn *c, const char *s)
{
	const char	*nl;

	/* NVT newlines: every "\n" goes out as CR LF. */
	while ((nl = strchr(s, '\n')) != NULL) {
		if (nl > s && nl[-1] == '\r')
			conn_queue_data(c, (const uint8_t *)s,
			    (size_t)(nl - s) + 1);
		else {
			conn_queue_data(c, (const uint8_t *)s,
			    (size_t)(nl - s));
			conn_queue_data(c, (const uint8_t *)"\r\n", 2);
		}
		s = nl + 1;
	}
	conn_queue_data(c, (const uint8_t *)s, strlen(s));
}

void
conn_printf(struct conn *c, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	conn_puts(c, buf);
}

enum line_status
conn_getline(struct conn *c, bool echo, char *buf, size_t bufsz)
{
	uint8_t			e[LINE_ECHO_MAX];
	size_t			elen;
	enum line_status	st;

	line_start(&c->line, echo);
	for (;;) {
		while (c->inoff < c->inlen) {
			st = line_input(&c->line, c->in[c->inoff], e, &elen);
			c->in[c->inoff++] = 0;
			conn_queue_data(c, e, elen);
			if (st == LINE_MORE)
				continue;
			if (st == LINE_DONE)
				strlcpy(buf, c->line.buf, bufsz);
			/*
			 * ^D or EOF on an empty answer: the user gives up,
			 * and the connection ends, as at a terminal's
			 * login prompt.
			 */
			if (st == LINE_EOF)
				c->eof = true;
			line_clear(&c->line);
			(void)conn_flush(c);
			return st;
		}
		c->inoff = c->inlen = 0;
		if (conn_flush(c) == -1 || conn_fill(c, -1) == -1) {
			line_clear(&c->line);
			return LINE_EOF;
		}
	}
}
