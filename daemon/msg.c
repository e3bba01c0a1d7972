/* SPDX-License-Identifier: ISC */
/*
 * Building and checking the messages of the privilege separation
 * (msg.h).  Integers travel in the host's order: both ends are the same
 * binary on the same machine.  A reader never looks past the datagram:
 * every field is taken through msg_take(), which fails once the bytes run
 * out, and a message must end where its last field does.
 */
#include <string.h>
#include <syslog.h>

#include "env.h"
#include "msg.h"
#include "telnet.h"
#include "trace.h"

const char *
msg_name(int type)
{
	static const char *const names[] = {
		[MSG_SAY] = "SAY", [MSG_ASK] = "ASK", [MSG_TERM] = "TERM",
		[MSG_ACCEPT] = "ACCEPT", [MSG_CLOSE] = "CLOSE",
		[MSG_READY] = "READY", [MSG_ANSWER] = "ANSWER",
		[MSG_TERM_QUERY] = "TERM_QUERY", [MSG_LOG] = "LOG",
		[MSG_TRACE] = "TRACE", [MSG_STATE] = "STATE",
		[MSG_SYSCALL] = "SYSCALL",
	};

	if (type < 0 || (size_t)type >= sizeof(names) / sizeof(names[0]) ||
	    names[type] == NULL)
		return "a message of unknown type";
	return names[type];
}

void
msg_start(struct msg *m, enum msg_type type)
{
	m->len = 0;
	m->over = false;
	msg_u8(m, (uint8_t)type);
}

void
msg_bytes(struct msg *m, const void *p, size_t n)
{
	if (m->over || n > sizeof(m->buf) - m->len) {
		m->over = true;
		return;
	}
	if (n > 0)
		memcpy(m->buf + m->len, p, n);
	m->len += n;
}

void
msg_u8(struct msg *m, uint8_t v)
{
	msg_bytes(m, &v, sizeof(v));
}

void
msg_u16(struct msg *m, uint16_t v)
{
	msg_bytes(m, &v, sizeof(v));
}

void
msg_u32(struct msg *m, uint32_t v)
{
	msg_bytes(m, &v, sizeof(v));
}

void
msg_str8(struct msg *m, const void *p, size_t n)
{
	if (n > UINT8_MAX) {
		m->over = true;
		return;
	}
	msg_u8(m, (uint8_t)n);
	msg_bytes(m, p, n);
}

void
msg_str16(struct msg *m, const void *p, size_t n)
{
	if (n > UINT16_MAX) {
		m->over = true;
		return;
	}
	msg_u16(m, (uint16_t)n);
	msg_bytes(m, p, n);
}

void
msg_answer(struct msg *m, enum line_status st, const char *text)
{
	msg_start(m, MSG_ANSWER);
	msg_u8(m, (uint8_t)st);
	msg_str16(m, text, st == LINE_DONE ? strlen(text) : 0);
}

void
msg_state(struct msg *m, const struct handoff *h)
{
	const struct client	*cl = &h->client;
	size_t			 i;

	msg_start(m, MSG_STATE);
	msg_str16(m, h->conn, h->conn_len);
	msg_str16(m, h->typeahead, h->typeahead_len);
	msg_u8(m, cl->have_naws);
	msg_u16(m, cl->ws.ws_col);
	msg_u16(m, cl->ws.ws_row);
	msg_str8(m, cl->term, strlen(cl->term));
	msg_u8(m, (uint8_t)cl->env.n);
	for (i = 0; i < cl->env.n; i++) {
		msg_str8(m, cl->env.var[i].name, strlen(cl->env.var[i].name));
		msg_str16(m, cl->env.var[i].value,
		    strlen(cl->env.var[i].value));
	}
}

/* Reading a datagram: where it is, and whether it ran out. */
struct msg_in {
	const uint8_t	*p;
	size_t		 len, off;
	bool		 bad;
};

/* The next n bytes, or NULL (and bad) when there are fewer. */
static const uint8_t *
msg_take(struct msg_in *in, size_t n)
{
	const uint8_t	*p;

	if (in->bad || n > in->len - in->off) {
		in->bad = true;
		return NULL;
	}
	p = in->p + in->off;
	in->off += n;
	return p;
}

static uint8_t
msg_get_u8(struct msg_in *in)
{
	const uint8_t	*p = msg_take(in, 1);

	return p != NULL ? *p : 0;
}

static uint16_t
msg_get_u16(struct msg_in *in)
{
	const uint8_t	*p = msg_take(in, 2);
	uint16_t	 v = 0;

	if (p != NULL)
		memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t
msg_get_u32(struct msg_in *in)
{
	const uint8_t	*p = msg_take(in, 4);
	uint32_t	 v = 0;

	if (p != NULL)
		memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * A string of a length given by its first one (wide: two) bytes, at most
 * max, into buf (max + 1 bytes) with a NUL.  It may hold no NUL of its
 * own.  Returns its length, or 0 with bad set.
 */
static size_t
msg_get_str(struct msg_in *in, bool wide, char *buf, size_t max)
{
	size_t		 n = wide ? msg_get_u16(in) : msg_get_u8(in);
	const uint8_t	*p;

	buf[0] = '\0';
	if (n > max)
		in->bad = true;
	if ((p = msg_take(in, n)) == NULL)
		return 0;
	if (memchr(p, '\0', n) != NULL) {
		in->bad = true;
		return 0;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}

/* A line for the log or trace: anything not printable becomes '?'. */
static void
msg_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* Nothing for the events of the engine that checks a STATE. */
static void
msg_no_event(void *ctx, const struct telnet_event *ev)
{
	(void)ctx;
	(void)ev;
}

/* The handoff of a STATE, each field checked. */
static int
msg_get_state(struct msg_in *in, const char *const *patterns,
    size_t npatterns, struct handoff *h, const char **why)
{
	struct client	*cl = &h->client;
	struct telnet	 tn;
	char		 name[ENV_NAME_MAX + 1], value[ENV_VALUE_MAX + 1];
	char		 term[ENV_TERM_MAX + 1], buf[ENV_TERM_MAX + 1];
	const uint8_t	*p;
	size_t		 i, n, nlen, vlen;

	memset(h, 0, sizeof(*h));
	if ((n = msg_get_u16(in)) > sizeof(h->conn) ||
	    (p = msg_take(in, n)) == NULL) {
		*why = "connection state too long";
		return -1;
	}
	memcpy(h->conn, p, n);
	h->conn_len = n;
	telnet_init(&tn, msg_no_event, NULL);
	if (npatterns > 0)
		telnet_allow(&tn, TELNET_OPT_NEW_ENVIRON, TELNET_ALLOW_HIM);
	if (telnet_restore(&tn, h->conn, h->conn_len) == -1) {
		*why = "connection state the engine cannot be in";
		return -1;
	}
	if ((n = msg_get_u16(in)) > sizeof(h->typeahead) ||
	    (p = msg_take(in, n)) == NULL) {
		*why = "type-ahead too long";
		return -1;
	}
	if (n > 0)
		memcpy(h->typeahead, p, n);
	h->typeahead_len = n;

	n = msg_get_u8(in);
	cl->ws.ws_col = msg_get_u16(in);
	cl->ws.ws_row = msg_get_u16(in);
	if (n > 1) {
		*why = "window size flag";
		return -1;
	}
	cl->have_naws = n == 1;

	/* TERM must be what env_term() makes of itself. */
	n = msg_get_str(in, false, term, ENV_TERM_MAX);
	if (in->bad || env_term(term, n, buf, sizeof(buf)) != buf ||
	    strcmp(buf, term) != 0) {
		*why = "terminal type";
		return -1;
	}
	strlcpy(cl->term, term, sizeof(cl->term));

	/* Variables: each allowed by -a, and within the caps, again. */
	if ((n = msg_get_u8(in)) > ENV_CLIENT_MAX) {
		*why = "too many variables";
		return -1;
	}
	for (i = 0; i < n; i++) {
		nlen = msg_get_str(in, false, name, ENV_NAME_MAX);
		vlen = msg_get_str(in, true, value, ENV_VALUE_MAX);
		if (in->bad || !env_client_add(&cl->env, patterns, npatterns,
		    name, nlen, value, vlen)) {
			*why = "a variable not allowed";
			return -1;
		}
	}
	if (cl->env.n != n) {
		*why = "a variable twice";
		return -1;
	}
	return 0;
}

int
msg_parse_child(const uint8_t *buf, size_t len, const char *const *patterns,
    size_t npatterns, struct msg_child *m, const char **why)
{
	struct msg_in	in = { buf, len, 0, false };
	unsigned int	v;

	*why = "malformed";
	m->type = msg_get_u8(&in);
	switch ((int)m->type) {
	case MSG_ANSWER:
		v = msg_get_u8(&in);
		if (v != LINE_DONE && v != LINE_TOOLONG && v != LINE_EOF) {
			*why = "answer status";
			return -1;
		}
		m->answer.status = v;
		if (msg_get_str(&in, true, m->answer.text, LINE_MAX_LEN) > 0 &&
		    v != LINE_DONE)
			in.bad = true;
		break;
	case MSG_TERM_QUERY: {
		char	buf2[ENV_TERM_MAX + 1];
		size_t	n;

		n = msg_get_str(&in, false, m->term, ENV_TERM_MAX);
		if (in.bad || env_term(m->term, n, buf2, sizeof(buf2)) !=
		    buf2 || strcmp(buf2, m->term) != 0) {
			*why = "terminal type";
			return -1;
		}
		break;
	}
	case MSG_LOG:
		v = msg_get_u8(&in);
		if (v != LOG_CRIT && v != LOG_ERR && v != LOG_INFO &&
		    v != LOG_DEBUG) {
			*why = "log priority";
			return -1;
		}
		m->log.prio = (int)v;
		(void)msg_get_str(&in, true, m->log.text, MSG_TEXT_MAX);
		msg_printable(m->log.text);
		break;
	case MSG_TRACE:
		v = msg_get_u8(&in);
		if (v == 0 || (v & (v - 1)) != 0 || (v & ~TRACE_ALL) != 0) {
			*why = "trace kind";
			return -1;
		}
		m->trace.kind = v;
		(void)msg_get_str(&in, true, m->trace.text, MSG_TEXT_MAX);
		msg_printable(m->trace.text);
		break;
	case MSG_STATE:
		if (msg_get_state(&in, patterns, npatterns, &m->state,
		    why) == -1) {
			explicit_bzero(&m->state, sizeof(m->state));
			return -1;
		}
		break;
	case MSG_SYSCALL:
		m->syscall = msg_get_u32(&in);
		break;
	case MSG_READY:
		break;
	default:
		*why = "unknown message type";
		return -1;
	}
	if (in.bad || in.off != in.len) {
		*why = in.bad ? "truncated or over a length cap" :
		    "bytes after the message";
		if (m->type == MSG_STATE)
			explicit_bzero(&m->state, sizeof(m->state));
		return -1;
	}
	return 0;
}

int
msg_parse_request(const uint8_t *buf, size_t len, struct msg_request *r,
    const char **why)
{
	struct msg_in	in = { buf, len, 0, false };
	unsigned int	v = 0;

	*why = "malformed";
	r->type = msg_get_u8(&in);
	r->flag = false;
	r->text[0] = '\0';
	switch ((int)r->type) {
	case MSG_SAY:
		(void)msg_get_str(&in, true, r->text, MSG_TEXT_MAX);
		break;
	case MSG_ASK:
		v = msg_get_u8(&in);
		(void)msg_get_str(&in, true, r->text, MSG_TEXT_MAX);
		break;
	case MSG_TERM:
		v = msg_get_u8(&in);
		break;
	case MSG_ACCEPT:
	case MSG_CLOSE:
		break;
	default:
		*why = "unknown request";
		return -1;
	}
	if (v > 1 || in.bad || in.off != in.len) {
		*why = "malformed request";
		return -1;
	}
	r->flag = v == 1;
	return 0;
}
