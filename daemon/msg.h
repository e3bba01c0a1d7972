/* SPDX-License-Identifier: ISC */
/*
 * The messages between the root monitor and the unprivileged pre-auth
 * child (privsep.c, child.c): one message per datagram of a
 * SOCK_SEQPACKET socketpair, a type byte and its fields.  Strictly
 * request and answer: the monitor asks, the child answers what it was
 * asked, and may ask in turn only whether a terminal type is known.
 * Whatever the child sends is untrusted input: msg_parse_child() checks
 * every length, charset and count, and is a fuzz target.
 */
#ifndef NVTD_MSG_H
#define NVTD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line.h"
#include "preauth.h"

#define MSG_MAX		16384	/* a datagram; a STATE is the largest */
#define MSG_TEXT_MAX	4096	/* SAY (a banner), ASK, LOG, TRACE */

enum msg_type {
	/* The monitor to the child. */
	MSG_SAY = 1,		/* text: show it */
	MSG_ASK,		/* echo, prompt: answer with ANSWER */
	MSG_TERM,		/* known: the answer to TERM_QUERY */
	MSG_ACCEPT,		/* the login succeeded: answer with STATE */
	MSG_CLOSE,		/* end the connection gently, then exit */
	/* The child to the monitor. */
	MSG_READY = 16,		/* the opening negotiation is over */
	MSG_ANSWER,		/* status, the answer's text */
	MSG_TERM_QUERY,		/* name: does terminfo know it? */
	MSG_LOG,		/* priority, text: a line for the log */
	MSG_TRACE,		/* kind, text: a line for the trace (-D) */
	MSG_STATE,		/* the handoff: connection, type-ahead, client */
	MSG_SYSCALL,		/* nr: the sandbox refused a system call */
};

/* The name of a type, for logs. */
const char	*msg_name(int type);

/* A message being built; over MSG_MAX, over is set and it is not sent. */
struct msg {
	uint8_t	 buf[MSG_MAX];
	size_t	 len;
	bool	 over;
};

void	msg_start(struct msg *, enum msg_type);
void	msg_u8(struct msg *, uint8_t);
void	msg_u16(struct msg *, uint16_t);
void	msg_u32(struct msg *, uint32_t);
void	msg_bytes(struct msg *, const void *, size_t);
/* A length byte or two (wide), then the bytes. */
void	msg_str8(struct msg *, const void *, size_t);
void	msg_str16(struct msg *, const void *, size_t);

/* The messages a child sends, built. */
void	msg_answer(struct msg *, enum line_status, const char *text);
void	msg_state(struct msg *, const struct handoff *);

/* A message from the child, checked: what msg_parse_child() fills. */
struct msg_child {
	enum msg_type		 type;
	union {
		struct {
			enum line_status	status;
			char			text[LINE_MAX_LEN + 1];
		} answer;
		char		 term[ENV_TERM_MAX + 1];
		struct {
			int	 prio;		/* LOG_CRIT, _ERR, _INFO, _DEBUG */
			char	 text[MSG_TEXT_MAX + 1];
		} log;
		struct {
			unsigned int	kind;	/* one TRACE_* bit */
			char		text[MSG_TEXT_MAX + 1];
		} trace;
		struct handoff	 state;
		uint32_t	 syscall;
	};
};

/*
 * Check a datagram from the child and fill m.  The variables of a STATE
 * must pass the -a patterns again, its TERM env_term(), its connection
 * state the engine's restore under the policy (env: NEW-ENVIRON
 * allowed).  Returns 0, or -1 with *why naming what is wrong.
 */
int	msg_parse_child(const uint8_t *, size_t, const char *const *patterns,
	    size_t npatterns, struct msg_child *m, const char **why);

/* A request from the monitor, checked by the child. */
struct msg_request {
	enum msg_type	 type;
	bool		 flag;		/* ASK: echo; TERM: known */
	char		 text[MSG_TEXT_MAX + 1];
};

/* Check a datagram from the monitor.  Returns 0, or -1 with *why. */
int	msg_parse_request(const uint8_t *, size_t, struct msg_request *,
	    const char **why);

#endif
