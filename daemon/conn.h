/* SPDX-License-Identifier: ISC */
/*
 * The client connection before login: the socket, the telnet engine, the
 * output queue, type-ahead, and what the client told us about itself.
 */
#ifndef NVTD_CONN_H
#define NVTD_CONN_H

#include <sys/ioctl.h>

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "line.h"
#include "telnet.h"

struct options;

#define CONN_OUT_MAX	(64 * 1024)	/* queued output before login */
#define CONN_IN_MAX	1024		/* type-ahead kept before login */
#define CONN_TTYPES_MAX	8		/* terminal types a client may offer */
#define CONN_AYT_REPLY	"\r\n[nvtd: yes]\r\n"	/* answer to IAC AYT */

struct conn {
	int			 fd;
	const struct options	*opts;
	struct telnet		 tn;
	char			 addr[NI_MAXHOST];	/* numeric */
	char			 port[NI_MAXSERV];

	uint8_t			 out[CONN_OUT_MAX];	/* telnet-encoded */
	size_t			 outlen;
	bool			 out_overflow;
	uint8_t			 in[CONN_IN_MAX];	/* type-ahead */
	size_t			 inoff, inlen;
	bool			 eof;
	struct line		 line;

	/* What the client said about itself. */
	struct winsize		 ws;
	bool			 have_naws;
	struct env_client	 env;

	/* Terminal types, RFC 1091 cycling, and the one chosen as TERM. */
	char			 ttypes[CONN_TTYPES_MAX][TELNET_TTYPE_MAX + 1];
	size_t			 ttypes_len[CONN_TTYPES_MAX];
	size_t			 nttypes;
	enum {
		CONN_TTYPE_LISTING,	/* asking for the next type */
		CONN_TTYPE_STEERING,	/* cycling back to the chosen one */
		CONN_TTYPE_DONE,
	}			 ttype_state;
	int			 ttype_chosen;	/* index, -1 for none */
	unsigned int		 ttype_asks;
	/* The type the client sent last, and is on now. */
	char			 ttype_last[TELNET_TTYPE_MAX + 1];
	size_t			 ttype_last_len;
	char			 term[ENV_TERM_MAX + 1];	/* TERM */
};

/*
 * Take over a connected stream socket: nonblocking, TCP_NODELAY, urgent
 * data inline, keepalive; note the peer's numeric address.  The struct
 * must be zero, as a static is: it is not cleared here, so that the
 * pages of its buffers are touched only as far as they are used.
 * Returns 0, or -1 with errno (ENOTSOCK when fd is not a connected
 * socket).
 */
int	conn_init(struct conn *, int fd, const struct options *);
/* Send the opening negotiation in one write, wait a bounded time. */
int	conn_negotiate(struct conn *);
/* Queue text for the client, NVT-encoded ("\n" becomes CR LF). */
void	conn_puts(struct conn *, const char *);
void	conn_printf(struct conn *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
/* Write the whole output queue; -1 if the client is gone. */
int	conn_flush(struct conn *);
/*
 * Read one answer into buf (at most LINE_MAX_LEN bytes and a NUL),
 * echoing it when echo is set.  Returns LINE_DONE, LINE_CANCEL,
 * LINE_TOOLONG or LINE_EOF (also when the client is gone).
 */
enum line_status conn_getline(struct conn *, bool echo, char *buf,
	    size_t bufsz);

#endif
