/* SPDX-License-Identifier: ISC */
/*
 * Before login: the opening negotiation, what the client tells about
 * itself, type-ahead and the answers to the prompts, on the connection.
 */
#ifndef NVTD_PREAUTH_H
#define NVTD_PREAUTH_H

#include <sys/ioctl.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "env.h"
#include "line.h"
#include "telnet.h"

struct options;

#define PREAUTH_IN_MAX		1024	/* type-ahead kept before login */
#define PREAUTH_TTYPES_MAX	8	/* terminal types a client may offer */
#define PREAUTH_NEGOTIATE_MS	1000	/* wait for answers to the opening */

/* What the client said about itself, for the session. */
struct client {
	struct winsize		 ws;
	bool			 have_naws;
	char			 term[ENV_TERM_MAX + 1];	/* TERM */
	struct env_client	 env;
};

/* Is this terminal type (a name env_term() let through) known? */
typedef bool	preauth_term_fn(void *ctx, const char *term);

struct preauth {
	struct conn		 conn;
	const struct options	*opts;
	preauth_term_fn		*term_known;
	void			*term_ctx;
	struct client		 client;
	uint8_t			 in[PREAUTH_IN_MAX];	/* type-ahead */
	size_t			 inoff, inlen;
	struct line		 line;

	/* Terminal types, RFC 1091 cycling, and the one chosen as TERM. */
	char			 ttypes[PREAUTH_TTYPES_MAX][TELNET_TTYPE_MAX + 1];
	size_t			 ttypes_len[PREAUTH_TTYPES_MAX];
	size_t			 nttypes;
	enum {
		PREAUTH_TTYPE_LISTING,	/* asking for the next type */
		PREAUTH_TTYPE_STEERING,	/* cycling back to the chosen one */
		PREAUTH_TTYPE_DONE,
	}			 ttype_state;
	int			 ttype_chosen;	/* index, -1 for none */
	unsigned int		 ttype_asks;
	/* The type the client sent last, and is on now. */
	char			 ttype_last[TELNET_TTYPE_MAX + 1];
	size_t			 ttype_last_len;
};

/*
 * Take the connected socket fd over for the login: the connection, the
 * engine with NEW-ENVIRON allowed when -a named a variable.  term_known
 * says which terminal types exist.  The struct must be zero, as a static
 * is (see conn_init()).  Returns 0, or -1 with errno.
 */
int	preauth_init(struct preauth *, int fd, const struct options *,
	    preauth_term_fn *term_known, void *term_ctx);
/*
 * Send the opening negotiation in one write, and wait for the answers
 * that matter (window size, terminal type, variables) up to
 * PREAUTH_NEGOTIATE_MS.  Returns 0, or -1 when the client has gone.
 */
int	preauth_negotiate(struct preauth *);
/* Show text ("\n" as CR LF) and send it.  -1 when the client has gone. */
int	preauth_say(struct preauth *, const char *);
/*
 * Show a prompt and read the answer into buf (at most LINE_MAX_LEN
 * bytes and a NUL), echoing it when echo is set; a line abandoned (^C,
 * IP) is asked again.  Returns LINE_DONE, LINE_TOOLONG, or LINE_EOF
 * when the user gave up (^D) or the client has gone (c->gone).
 */
enum line_status preauth_ask(struct preauth *, const char *prompt, bool echo,
	    char *buf, size_t bufsz);
/*
 * What the session takes over from the login: the connection's state
 * (conn_save()), the type-ahead, what the client said about itself.
 */
struct handoff {
	uint8_t		 conn[CONN_SAVED_MAX];
	size_t		 conn_len;
	uint8_t		 typeahead[PREAUTH_IN_MAX];
	size_t		 typeahead_len;
	struct client	 client;
};

/*
 * Once the login succeeded: send what is queued (-1 when the client has
 * gone), then fill h.  The rest of the line ending the last answer (the
 * LF after its CR) is not type-ahead.
 */
int	preauth_handoff(struct preauth *, struct handoff *h);

#endif
