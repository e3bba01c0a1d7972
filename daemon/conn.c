/* SPDX-License-Identifier: ISC */
/*
 * The client connection: the transport under both halves of a login.
 * Everything the client sends goes through the telnet engine, whose
 * events go to the connection's owner (preauth.c before login, relay.c
 * after); everything nvtd sends goes through one output queue, in order:
 * the engine's replies, nvtd's own text, the session's output.
 *
 * One queue, with two kinds of bytes in it: what must reach the client
 * (replies, commands, text: "kept"), and the session's output, which a
 * Synch may drop (RFC 854: an interrupt or Abort Output discards the
 * output in flight).  c->keep marks the end of the last kept bytes.
 * The queue is capped at CONN_OUT_MAX: a client that makes nvtd send
 * replies and never reads them overflows it and is let go.
 *
 * Sending never blocks (conn_send()); conn_flush() waits for the socket
 * and gives up when nothing could be sent for CONN_STALL_MS, or at the
 * connection's deadline (c->until).  conn_close() ends a connection so
 * that a client loses nothing of its output (RFC 860's TIMING-MARK as a
 * mark in the stream, then FIN).
 */
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
#include <unistd.h>

#include "clock.h"
#include "conn.h"

/* Room for n more bytes at the end of the queue, compacting it first. */
static uint8_t *
conn_reserve(struct conn *c, size_t n)
{
	if (n > sizeof(c->out) - c->len) {
		c->overflow = true;
		return NULL;
	}
	if (c->off + c->len + n > sizeof(c->out)) {
		memmove(c->out, c->out + c->off, c->len);
		c->off = 0;
	}
	return c->out + c->off + c->len;
}

void
conn_reply(struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t	*dst;

	if ((dst = conn_reserve(c, n)) == NULL)
		return;
	memcpy(dst, p, n);
	c->len += n;
	c->keep = c->len;
}

/* Queue data for the client, encoded; kept or not. */
static void
conn_encode(struct conn *c, const uint8_t *p, size_t n, bool keep)
{
	uint8_t	*dst;

	if (n == 0 || (dst = conn_reserve(c, TELNET_ENCODED_MAX(n))) == NULL)
		return;
	c->len += telnet_encode(&c->tn, p, n, dst);
	if (keep)
		c->keep = c->len;
}

void
conn_data(struct conn *c, const uint8_t *p, size_t n)
{
	ssize_t	w = 0;

	/* The common case costs one send(): nothing to escape or before. */
	if (c->len > 0 || telnet_plain_len(&c->tn, p, n) != n) {
		conn_encode(c, p, n, false);
		return;
	}
	telnet_plain_sent(&c->tn, p, n);
	if (n == 0 || c->gone)
		return;
	w = send(c->fd, p, n, MSG_NOSIGNAL);
	if (w == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			c->gone = true;
			return;
		}
		w = 0;
	}
	if (w > 0)
		c->last = p[w - 1];
	if ((size_t)w < n && conn_reserve(c, n - (size_t)w) != NULL) {
		memcpy(c->out + c->off + c->len, p + w, n - (size_t)w);
		c->len += n - (size_t)w;
	}
}

void
conn_text(struct conn *c, const char *s)
{
	const char	*nl;

	/* NVT newlines: every "\n" goes out as CR LF. */
	while ((nl = strchr(s, '\n')) != NULL) {
		if (nl > s && nl[-1] == '\r')
			conn_encode(c, (const uint8_t *)s, (size_t)(nl - s) + 1,
			    true);
		else {
			conn_encode(c, (const uint8_t *)s, (size_t)(nl - s),
			    true);
			conn_encode(c, (const uint8_t *)"\r\n", 2, true);
		}
		s = nl + 1;
	}
	conn_encode(c, (const uint8_t *)s, strlen(s), true);
}

void
conn_printf(struct conn *c, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	conn_text(c, buf);
}

/*
 * Drop the output queued behind the last kept bytes.  The head of the
 * queue is kept when a send stopped inside an escape: an odd run of
 * IACs there is the second half of an IAC IAC, a NUL or LF the second
 * half of a CR NUL or CR LF.  The encoder then learns which byte ends
 * the stream now, so that a CR there still gets its NUL.
 */
static void
conn_drop_output(struct conn *c)
{
	const uint8_t	*q = c->out + c->off;
	size_t		 run = 0;

	if (c->keep == 0 && c->len > 0) {
		while (run < c->len && q[run] == TELNET_IAC)
			run++;
		if (run % 2 == 1 || q[0] == '\0' || q[0] == '\n')
			c->keep = 1;
	}
	if (c->len <= c->keep)
		return;
	c->len = c->keep;
	telnet_plain_sent(&c->tn, c->len > 0 ? q + c->len - 1 : &c->last, 1);
}

void
conn_synch(struct conn *c)
{
	conn_drop_output(c);
	telnet_send_command(&c->tn, TELNET_DM);
	if (!c->overflow)
		c->urgent = c->len;
}

size_t
conn_queued(const struct conn *c)
{
	return c->len;
}

int
conn_send(struct conn *c)
{
	ssize_t	n;
	size_t	len;
	int	flags;

	while (c->len > 0 && !c->gone) {
		len = c->len;
		flags = MSG_NOSIGNAL;
		if (c->urgent == 1) {
			len = 1;
			flags |= MSG_OOB;
		} else if (c->urgent > 1)
			len = c->urgent - 1;
		n = send(c->fd, c->out + c->off, len, flags);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			c->gone = true;
			break;
		}
		c->last = c->out[c->off + (size_t)n - 1];
		c->off += (size_t)n;
		c->len -= (size_t)n;
		c->keep -= c->keep < (size_t)n ? c->keep : (size_t)n;
		if (c->urgent > 0)
			c->urgent -= (size_t)n;
		if ((size_t)n < len)
			return 0;
	}
	if (c->len == 0)
		c->off = 0;
	return c->gone ? -1 : 0;
}

/* Milliseconds left before c->until, capped at ms (-1: no cap). */
static int
conn_left(const struct conn *c, int ms)
{
	long long	left;

	if (c->until == 0)
		return ms;
	left = c->until - clock_ms();
	if (left < 0)
		left = 0;
	return ms >= 0 && ms < left ? ms : (int)left;
}

bool
conn_expired(const struct conn *c)
{
	return c->until != 0 && clock_ms() >= c->until;
}

int
conn_wait(struct conn *c, int ms)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLIN };
	int		r;

	if (c->len > 0)
		pfd.events |= POLLOUT;
	if ((r = poll(&pfd, 1, conn_left(c, ms))) == -1)
		return errno == EINTR ? 0 : -1;
	return r;
}

int
conn_flush(struct conn *c)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLOUT };
	long long	last = clock_ms();
	size_t		before;
	int		left;

	while (c->len > 0) {
		before = c->len;
		if (conn_send(c) == -1)
			return -1;
		if (c->len < before)
			last = clock_ms();
		if (c->len == 0)
			break;
		left = conn_left(c, (int)(last + CONN_STALL_MS - clock_ms()));
		if (left <= 0) {
			c->gone = true;
			return -1;
		}
		if (poll(&pfd, 1, left) == -1 && errno != EINTR) {
			c->gone = true;
			return -1;
		}
	}
	return 0;
}

int
conn_input(struct conn *c, uint8_t *buf, size_t size)
{
	ssize_t	n;

	if (c->gone)
		return -1;
	n = read(c->fd, buf, size);
	if (n > 0) {
		telnet_feed(&c->tn, buf, (size_t)n);
		/* Before login, that may have been a password. */
		explicit_bzero(buf, (size_t)n);
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	c->gone = true;
	return -1;
}

/*
 * Wait for the answer to our DO TIMING-MARK, for CONN_MARK_MS at most,
 * sending what the client's bytes meanwhile make the engine reply.
 */
static void
conn_await_mark(struct conn *c)
{
	long long	end = clock_ms() + CONN_MARK_MS;
	uint8_t		buf[512];
	long long	left;

	while (telnet_waiting(&c->tn, TELNET_OPT_TM) && !c->gone &&
	    (left = end - clock_ms()) > 0) {
		if (conn_wait(c, (int)left) <= 0)
			return;
		if (conn_input(c, buf, sizeof(buf)) == -1 ||
		    conn_send(c) == -1)
			return;
	}
}

void
conn_close(struct conn *c, int budget_ms)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLIN };
	uint8_t		buf[512];
	long long	end;
	int		left;

	if (budget_ms >= 0 && (c->until == 0 ||
	    clock_ms() + budget_ms < c->until))
		c->until = clock_ms() + budget_ms;
	c->closing = true;
	if (!c->gone && !c->overflow) {
		/* The mark goes after everything queued, or the CR's NUL. */
		if (telnet_negotiated(&c->tn))
			telnet_send_mark(&c->tn);
		else
			telnet_end_output(&c->tn);
		if (conn_flush(c) == 0)
			conn_await_mark(c);
	}
	/* A client flooding us with what it will not read: no linger. */
	if (!c->gone && !c->overflow && shutdown(c->fd, SHUT_WR) == 0) {
		end = clock_ms() + CONN_LINGER_MS;
		while ((left = conn_left(c, (int)(end - clock_ms()))) > 0 &&
		    poll(&pfd, 1, left) > 0)
			if (read(c->fd, buf, sizeof(buf)) <= 0 &&
			    errno != EAGAIN && errno != EINTR)
				break;
	}
	explicit_bzero(buf, sizeof(buf));
	close(c->fd);
	c->fd = -1;
	c->gone = true;
}

/* The engine's events: replies are queued here, all go to the owner. */
static void
conn_event(void *ctx, const struct telnet_event *ev)
{
	struct conn	*c = ctx;

	if (ev->kind == TELNET_EV_SEND)
		conn_reply(c, ev->data.bytes, ev->data.len);
	if (!c->closing)
		c->handler(c->ctx, ev);
}

int
conn_peer(int fd, char *addr, size_t addrsz, char *port, size_t portsz)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss), tlen;
	struct stat		 st;
	int			 type;

	tlen = sizeof(type);
	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISSOCK(st.st_mode) || getsockopt(fd, SOL_SOCKET, SO_TYPE,
	    &type, &tlen) == -1 || type != SOCK_STREAM) {
		errno = ENOTSOCK;
		return -1;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
		strlcpy(addr, "local", addrsz);
		strlcpy(port, "0", portsz);
		return 0;
	}
	if (getnameinfo((struct sockaddr *)&ss, len, addr, (socklen_t)addrsz,
	    port, (socklen_t)portsz, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	/* An IPv4 client of an IPv6 socket: show it as IPv4. */
	if (strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.') != NULL)
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
	return 0;
}

int
conn_init(struct conn *c, int fd, telnet_handler *handler, void *ctx)
{
	int	on = 1;

	/*
	 * Not cleared (see conn.h): the 128 KiB queue would become memory
	 * of the process for the whole session.
	 */
	c->fd = fd;
	c->handler = handler;
	c->ctx = ctx;
	if (conn_peer(fd, c->addr, sizeof(c->addr), c->port,
	    sizeof(c->port)) == -1)
		return -1;
	if (strcmp(c->addr, "local") != 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	/* Urgent data (telnet Synch) arrives inline; DM is then ignored. */
	(void)setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on));
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		return -1;
	telnet_init(&c->tn, conn_event, c);
	return 0;
}

size_t
conn_save(const struct conn *c, uint8_t *buf)
{
	return telnet_save(&c->tn, buf);
}

int
conn_restore(struct conn *c, const uint8_t *buf, size_t len)
{
	if (telnet_restore(&c->tn, buf, len) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
