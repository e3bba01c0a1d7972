/* SPDX-License-Identifier: ISC */
/*
 * The client connection, for the life of the session: the socket, the
 * telnet engine and one output queue.  Before login it belongs to the
 * pre-login code (preauth.c), after login to the relay (relay.c); what
 * one hands to the other is conn_save()'s state.
 */
#ifndef NVTD_CONN_H
#define NVTD_CONN_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "telnet.h"

#define CONN_OUT_MAX	(128 * 1024)	/* output waiting for the client */
#define CONN_STALL_MS	60000	/* a blocking flush gives up when nothing
				 * could be sent for this long */
#define CONN_MARK_MS	2000	/* at the close: wait this long for the
				 * answer to DO TIMING-MARK */
#define CONN_LINGER_MS	2000	/* then for the client's FIN */
#define CONN_AYT_REPLY	"\r\n[nvtd: yes]\r\n"	/* answer to IAC AYT */

struct conn {
	int		 fd;
	struct telnet	 tn;
	telnet_handler	*handler;	/* the owner's, for every event */
	void		*ctx;
	char		 addr[NI_MAXHOST];	/* numeric */
	char		 port[NI_MAXSERV];
	bool		 gone;		/* EOF or an error: nothing more to do */
	bool		 overflow;	/* the queue would have gone over */
	bool		 closing;	/* in conn_close(): events dropped */
	long long	 until;		/* no wait past this (ms), 0: none */
	uint8_t		 last;		/* the last byte sent */
	size_t		 urgent;	/* 1 + offset of a DM to send urgent */
	size_t		 keep;		/* head of the queue a Synch keeps */
	size_t		 off, len;	/* the queue: out + off, len bytes */
	uint8_t		 out[CONN_OUT_MAX];	/* telnet-encoded */
};

/*
 * The peer of a connected stream socket, as numeric strings; "local"
 * and "0" for a socket that is not TCP.  Returns 0, or -1 with errno
 * (ENOTSOCK when fd is not a connected stream socket).
 */
int	conn_peer(int fd, char *addr, size_t addrsz, char *port, size_t portsz);
/*
 * Take over a connected stream socket: nonblocking, TCP_NODELAY, urgent
 * data inline, keepalive; the peer's address; the engine with nvtd's
 * policy, its events going to handler.  The struct must be zero, as a
 * static is: it is not cleared here, so that the pages of the queue are
 * touched only as far as it is used.  Returns 0, or -1 with errno.
 */
int	conn_init(struct conn *, int fd, telnet_handler *, void *ctx);

/*
 * Queue bytes for the client:
 *   conn_data()   the session's output, encoded; a Synch may drop it
 *   conn_text()   text of nvtd's own, "\n" as CR LF, encoded; kept
 *   conn_reply()  bytes already telnet-encoded (the engine's replies);
 *                 kept
 * Over CONN_OUT_MAX, nothing is queued and c->overflow is set: the
 * client is not reading what it makes nvtd send, and must be let go.
 * conn_data() sends at once what needs no escaping when nothing waits.
 */
void	conn_data(struct conn *, const uint8_t *, size_t);
void	conn_text(struct conn *, const char *);
void	conn_printf(struct conn *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
void	conn_reply(struct conn *, const uint8_t *, size_t);
/*
 * The Synch of RFC 854: drop the output queued after what must be kept,
 * and send IAC DM with the DM as urgent data.
 */
void	conn_synch(struct conn *);
/* Bytes waiting for the client. */
size_t	conn_queued(const struct conn *);

/* Send what the socket takes now.  0, or -1 when the client is gone. */
int	conn_send(struct conn *);
/*
 * Send everything queued, waiting as needed, and give up when nothing
 * could be sent for CONN_STALL_MS or at c->until.  0, or -1 (the client
 * is gone, or not reading: c->gone is set).
 */
int	conn_flush(struct conn *);
/*
 * Read what the client sent, once, into buf, and feed it to the engine.
 * Returns 1 when something was read, 0 when nothing was there, -1 when
 * the client is gone (c->gone).
 */
int	conn_input(struct conn *, uint8_t *buf, size_t size);
/*
 * Wait up to ms (-1: no limit but c->until) for the socket to be
 * readable, or, with out, writable while output waits.  Returns 1 when
 * it is, 0 on timeout, -1 on error.
 */
int	conn_wait(struct conn *, int ms);
/* Is c->until set and past? */
bool	conn_expired(const struct conn *);

/*
 * End the connection so that the client has everything: send what is
 * queued (within CONN_STALL_MS, or budget_ms when it is not -1), then
 * IAC DO TIMING-MARK, and wait up to CONN_MARK_MS for the answer, which
 * comes once the client has taken in all the output before it (a client
 * that exits at end of file, as inetutils telnet does, would otherwise
 * lose what it had not yet written out); then FIN, and wait up to
 * CONN_LINGER_MS for the client's, so that its last bytes are not
 * answered with a reset.  A client that never negotiated gets no mark; a
 * client that has gone makes none of this wait.  The fd is closed.
 */
void	conn_close(struct conn *, int budget_ms);

/*
 * The state another process needs to carry on with the connection: the
 * engine's (telnet_save()), with the queue empty.  conn_save() writes at
 * most CONN_SAVED_MAX bytes and returns how many.  conn_restore() takes
 * them into a connection that conn_init() set up, after the policy of
 * the process restoring it has been set (telnet_allow()), and returns 0,
 * or -1 with errno EINVAL when they are not a state the engine can be in
 * under that policy.
 */
#define CONN_SAVED_MAX	TELNET_SAVED_MAX
size_t	conn_save(const struct conn *, uint8_t *buf);
int	conn_restore(struct conn *, const uint8_t *, size_t);

#endif
