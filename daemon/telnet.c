/* SPDX-License-Identifier: ISC */
/*
 * The telnet protocol engine.  Client bytes go in through telnet_feed()
 * and come out, in input order, as events: data for the line reader or the
 * pty, option changes, commands, subnegotiation results and the reply
 * bytes the client must be sent.  It runs before login in the monitor and
 * after login in the relay, so it trusts nothing: every size the peer
 * controls is capped, and an item over its cap is dropped whole.
 *
 * RFCs followed: 854 (NVT, commands), 855 (option negotiation), 1143 (the
 * Q method, with the queue bit, for every option and both sides), 856
 * BINARY, 857 ECHO, 858 SGA, 860 TIMING-MARK, 1091 TTYPE, 1073 NAWS, 1372
 * LFLOW, 1572 NEW-ENVIRON, 1184 (EOF, SUSP, ABORT).  Every other option is
 * refused on both sides and its subnegotiation skipped unparsed, LINEMODE,
 * ENCRYPT, AUTHENTICATION, OLD-ENVIRON and XDISPLOC included.
 *
 * Deviations and choices: TIMING-MARK is answered WILL TM every time and
 * never becomes "on"; our own DO TIMING-MARK (telnet_send_mark()) is a
 * mark, not a request to enable anything, and its answer, WILL or WONT,
 * is taken as the mark reached; a CR at the end of the output given to
 * the encoder goes out at once, its NUL (when no LF follows) with the
 * next byte out, as RFC 854 allows; a subnegotiation is accepted only for an option the
 * client has enabled on its side; "IAC SB IAC" is taken as a
 * subnegotiation without an option (kept as option 255, which is never
 * accepted), so that "IAC SB" followed by a command cannot swallow it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "telnet.h"

#define CR	0x0d
#define LF	0x0a
#define NUL	0x00

/* nvtd's policy: the options each side may enable (see DESIGN.md). */
static const struct {
	uint8_t	opt;
	uint8_t	allow;
} default_policy[] = {
	{ TELNET_OPT_BINARY,	TELNET_ALLOW_US | TELNET_ALLOW_HIM },
	{ TELNET_OPT_ECHO,	TELNET_ALLOW_US },
	{ TELNET_OPT_SGA,	TELNET_ALLOW_US | TELNET_ALLOW_HIM },
	{ TELNET_OPT_TM,	TELNET_ALLOW_US },
	{ TELNET_OPT_TTYPE,	TELNET_ALLOW_HIM },
	{ TELNET_OPT_NAWS,	TELNET_ALLOW_HIM },
	{ TELNET_OPT_LFLOW,	TELNET_ALLOW_HIM },
	/* Everything else, NEW-ENVIRON included: 0, refused both ways. */
};

static void	emit(struct telnet *, const struct telnet_event *);

/* Hand the data bytes gathered so far to the handler as one DATA event. */
static void
flush_data(struct telnet *t)
{
	struct telnet_event	ev;

	if (t->run_len == 0)
		return;
	ev.kind = TELNET_EV_DATA;
	ev.data.bytes = t->run;
	ev.data.len = t->run_len;
	t->run = NULL;
	t->run_len = 0;
	t->handler(t->ctx, &ev);
}

/*
 * Deliver one event.  Data gathered before it goes out first, so that the
 * handler sees everything in input order.
 */
static void
emit(struct telnet *t, const struct telnet_event *ev)
{
	flush_data(t);
	t->handler(t->ctx, ev);
}

/* Add input bytes to the pending DATA run, which points into the input. */
static void
add_data(struct telnet *t, const uint8_t *p, size_t n)
{
	if (t->run_len > 0 && t->run + t->run_len != p)
		flush_data(t);
	if (t->run_len == 0)
		t->run = p;
	t->run_len += n;
}

/*
 * Bytes for the client, as a SEND event: a command, a negotiation, a
 * subnegotiation, at most 6 bytes.  A CR sent last gets its NUL first.
 */
static void
send_bytes(struct telnet *t, const uint8_t *p, size_t n)
{
	struct telnet_event	ev;
	uint8_t			buf[1 + 6];
	size_t			off = 0;

	if (t->cr_sent)
		buf[off++] = NUL;
	t->cr_sent = false;
	if (n > sizeof(buf) - off)
		n = sizeof(buf) - off;
	memcpy(buf + off, p, n);
	ev.kind = TELNET_EV_SEND;
	ev.data.bytes = buf;
	ev.data.len = off + n;
	emit(t, &ev);
}

/* IAC <verb> <opt>: an answer or a request of ours. */
static void
send_negotiation(struct telnet *t, uint8_t verb, uint8_t opt)
{
	uint8_t	msg[3] = { TELNET_IAC, verb, opt };

	send_bytes(t, msg, sizeof(msg));
}

/* Tell the handler an item was dropped, and why, for its traces. */
static void
discard(struct telnet *t, uint8_t opt, const char *why)
{
	struct telnet_event	ev;

	ev.kind = TELNET_EV_DISCARD;
	ev.discard.opt = opt;
	ev.discard.why = why;
	emit(t, &ev);
}

/* A fresh engine: every option NO on both sides, nvtd's policy. */
void
telnet_init(struct telnet *t, telnet_handler *handler, void *ctx)
{
	size_t	i;

	memset(t, 0, sizeof(*t));
	t->handler = handler;
	t->ctx = ctx;
	t->state = TELNET_STATE_DATA;
	for (i = 0; i < sizeof(default_policy) / sizeof(default_policy[0]);
	    i++)
		t->allow[default_policy[i].opt] = default_policy[i].allow;
}

/* The relay takes the events over from the login code this way. */
void
telnet_set_handler(struct telnet *t, telnet_handler *handler, void *ctx)
{
	t->handler = handler;
	t->ctx = ctx;
}

/*
 * Change what we agree to for one option.  This only steers future
 * negotiation: an option already on stays on until someone asks it off.
 */
void
telnet_allow(struct telnet *t, uint8_t opt, unsigned int allow)
{
	t->allow[opt] = allow & (TELNET_ALLOW_US | TELNET_ALLOW_HIM);
}

/* Only YES is on: WANTNO is already off, WANTYES not yet on. */
bool
telnet_enabled(const struct telnet *t, uint8_t opt, enum telnet_side side)
{
	return t->q[side][opt] == TELNET_Q_YES;
}

/* Negotiations we started and answers to our SB SEND requests. */
bool
telnet_pending(const struct telnet *t)
{
	size_t	i;

	if (t->ttype_asked || t->env_asked || t->mark_asked)
		return true;
	for (i = 0; i < 256; i++) {
		if ((t->q[TELNET_US][i] & 3) >= TELNET_Q_WANTNO ||
		    (t->q[TELNET_HIM][i] & 3) >= TELNET_Q_WANTNO)
			return true;
	}
	return false;
}

/* The same, for his side of one option only. */
bool
telnet_waiting(const struct telnet *t, uint8_t opt)
{
	if ((opt == TELNET_OPT_TTYPE && t->ttype_asked) ||
	    (opt == TELNET_OPT_NEW_ENVIRON && t->env_asked) ||
	    (opt == TELNET_OPT_TM && t->mark_asked))
		return true;
	return (t->q[TELNET_HIM][opt] & 3) >= TELNET_Q_WANTNO;
}

bool
telnet_negotiated(const struct telnet *t)
{
	return t->negotiated;
}

/* IAC SB <opt> <code> IAC SE, the request form of TTYPE and NEW-ENVIRON. */
static void
send_sb(struct telnet *t, uint8_t opt, uint8_t code)
{
	uint8_t	msg[6] = {
		TELNET_IAC, TELNET_SB, opt, code, TELNET_IAC, TELNET_SE
	};

	send_bytes(t, msg, sizeof(msg));
}

/* Ask for the terminal type, again for cycling; only once he WILL TTYPE. */
void
telnet_request_ttype(struct telnet *t)
{
	if (!telnet_enabled(t, TELNET_OPT_TTYPE, TELNET_HIM))
		return;
	t->ttype_asked = true;
	send_sb(t, TELNET_OPT_TTYPE, TELNET_TTYPE_SEND);
}

/* Ask for every variable; only once he WILL NEW-ENVIRON. */
void
telnet_request_env(struct telnet *t)
{
	if (!telnet_enabled(t, TELNET_OPT_NEW_ENVIRON, TELNET_HIM))
		return;
	t->env_asked = true;
	send_sb(t, TELNET_OPT_NEW_ENVIRON, TELNET_ENV_SEND);
}

/* RFC 1372: the server drives the client's flow control once on. */
void
telnet_send_lflow(struct telnet *t, uint8_t mode)
{
	if (mode > TELNET_LFLOW_RESTART_XON ||
	    !telnet_enabled(t, TELNET_OPT_LFLOW, TELNET_HIM))
		return;
	send_sb(t, TELNET_OPT_LFLOW, mode);
}

/*
 * RFC 860 from our side: a mark in the stream that the client answers
 * when it gets there.  Not an option that comes on: the Q state stays
 * NO, so that a WILL TM we did not ask for is refused as before.
 */
void
telnet_send_mark(struct telnet *t)
{
	t->mark_asked = true;
	send_negotiation(t, TELNET_DO, TELNET_OPT_TM);
}

void
telnet_end_output(struct telnet *t)
{
	struct telnet_event	ev;
	static const uint8_t	nul = NUL;

	if (!t->cr_sent)
		return;
	t->cr_sent = false;
	ev.kind = TELNET_EV_SEND;
	ev.data.bytes = &nul;
	ev.data.len = 1;
	emit(t, &ev);
}

/* The two-byte commands, the ones the COMMAND event carries. */
static bool
is_command(uint8_t c)
{
	switch (c) {
	case TELNET_EOF:
	case TELNET_SUSP:
	case TELNET_ABORT:
	case TELNET_NOP:
	case TELNET_DM:
	case TELNET_BRK:
	case TELNET_IP:
	case TELNET_AO:
	case TELNET_AYT:
	case TELNET_EC:
	case TELNET_EL:
	case TELNET_GA:
		return true;
	default:
		return false;
	}
}

/* IAC <cmd>, for the relay's Synch (DM) and the like. */
void
telnet_send_command(struct telnet *t, uint8_t cmd)
{
	uint8_t	msg[2] = { TELNET_IAC, cmd };

	if (is_command(cmd))
		send_bytes(t, msg, sizeof(msg));
}

/*
 * Called after every request and every negotiation received, with the
 * option's Q state and whether it was enabled before.  A change of
 * state is reported (for traces); an option that just came on may need
 * a first request (the terminal type, the environment); then the
 * handler hears of it.
 */
static void
option_changed(struct telnet *t, uint8_t opt, enum telnet_side side,
    uint8_t from, bool was)
{
	struct telnet_event	ev;
	bool			now = telnet_enabled(t, opt, side);

	if (t->q[side][opt] != from) {
		ev.kind = TELNET_EV_QSTATE;
		ev.qstate.opt = opt;
		ev.qstate.side = side;
		ev.qstate.from = from;
		ev.qstate.to = t->q[side][opt];
		emit(t, &ev);
	}
	if (now == was)
		return;
	if (side == TELNET_HIM && opt == TELNET_OPT_TTYPE) {
		if (now)
			telnet_request_ttype(t);
		else
			t->ttype_asked = false;
	}
	if (side == TELNET_HIM && opt == TELNET_OPT_NEW_ENVIRON) {
		if (now)
			telnet_request_env(t);
		else
			t->env_asked = false;
	}
	ev.kind = TELNET_EV_OPTION;
	ev.option.opt = opt;
	ev.option.side = side;
	ev.option.on = now;
	emit(t, &ev);
}

/* WILL/WONT speak of our side, DO/DONT of his; these map side to verb. */
static uint8_t
verb_agree(enum telnet_side side)
{
	return side == TELNET_US ? TELNET_WILL : TELNET_DO;
}

static uint8_t
verb_refuse(enum telnet_side side)
{
	return side == TELNET_US ? TELNET_WONT : TELNET_DONT;
}

/* Would we agree to the option being on at that side? */
static bool
allowed(const struct telnet *t, uint8_t opt, enum telnet_side side)
{
	if (opt == TELNET_OPT_TM)
		return false;	/* never "on"; DO TM is answered apart */
	return (t->allow[opt] &
	    (side == TELNET_US ? TELNET_ALLOW_US : TELNET_ALLOW_HIM)) != 0;
}

/*
 * RFC 1143, "If we decide to ask him to enable / disable" (and the same
 * for us).  Redundant requests send nothing; a request against one under
 * way is queued with the OPPOSITE bit, or unqueued.
 */
int
telnet_request(struct telnet *t, uint8_t opt, enum telnet_side side, bool on)
{
	uint8_t	*q = &t->q[side][opt];
	uint8_t	 from = *q;
	bool	 was = telnet_enabled(t, opt, side);

	if (on && !allowed(t, opt, side))
		return -1;
	switch (*q) {
	case TELNET_Q_NO:
		if (on) {
			*q = TELNET_Q_WANTYES;
			send_negotiation(t, verb_agree(side), opt);
		}
		break;
	case TELNET_Q_YES:
		if (!on) {
			*q = TELNET_Q_WANTNO;
			send_negotiation(t, verb_refuse(side), opt);
		}
		break;
	case TELNET_Q_WANTNO:
		if (on)
			*q = TELNET_Q_WANTNO | TELNET_Q_OPPOSITE;
		break;
	case TELNET_Q_WANTNO | TELNET_Q_OPPOSITE:
		if (!on)
			*q = TELNET_Q_WANTNO;
		break;
	case TELNET_Q_WANTYES:
		if (!on)
			*q = TELNET_Q_WANTYES | TELNET_Q_OPPOSITE;
		break;
	case TELNET_Q_WANTYES | TELNET_Q_OPPOSITE:
		if (on)
			*q = TELNET_Q_WANTYES;
		break;
	default:
		break;
	}
	option_changed(t, opt, side, from, was);
	return 0;
}

/*
 * RFC 860: DO TIMING-MARK asks us to mark the point in the output stream
 * where everything before it has been processed.  The handler flushes
 * first, then WILL TM goes out; the option itself stays NO, so the next
 * DO TM is a new request and gets its own answer.
 */
static void
receive_do_tm(struct telnet *t)
{
	struct telnet_event	ev;

	if ((t->allow[TELNET_OPT_TM] & TELNET_ALLOW_US) == 0) {
		send_negotiation(t, TELNET_WONT, TELNET_OPT_TM);
		return;
	}
	ev.kind = TELNET_EV_TIMING_MARK;
	emit(t, &ev);
	send_negotiation(t, TELNET_WILL, TELNET_OPT_TM);
}

/*
 * RFC 1143, "Upon receipt of WILL / WONT" (and DO / DONT for our side):
 * one transition per state, answers sent only where the table says so.
 */
static void
receive_negotiation(struct telnet *t, uint8_t verb, uint8_t opt)
{
	struct telnet_event	ev;
	enum telnet_side	side;
	uint8_t			*q, from;
	bool			on, was;

	ev.kind = TELNET_EV_NEGOTIATION;
	ev.negotiation.verb = verb;
	ev.negotiation.opt = opt;
	emit(t, &ev);
	t->negotiated = true;

	side = (verb == TELNET_WILL || verb == TELNET_WONT) ?
	    TELNET_HIM : TELNET_US;
	on = (verb == TELNET_WILL || verb == TELNET_DO);
	if (opt == TELNET_OPT_TM && side == TELNET_US && on) {
		receive_do_tm(t);
		return;
	}
	/* WILL or WONT TM: the answer to our mark, whichever it is. */
	if (opt == TELNET_OPT_TM && side == TELNET_HIM && t->mark_asked) {
		t->mark_asked = false;
		ev.kind = TELNET_EV_MARK;
		emit(t, &ev);
		return;
	}
	q = &t->q[side][opt];
	from = *q;
	was = telnet_enabled(t, opt, side);
	switch (*q) {
	case TELNET_Q_NO:
		if (on && allowed(t, opt, side)) {
			*q = TELNET_Q_YES;
			send_negotiation(t, verb_agree(side), opt);
		} else if (on)
			send_negotiation(t, verb_refuse(side), opt);
		break;
	case TELNET_Q_YES:
		if (!on) {
			*q = TELNET_Q_NO;
			send_negotiation(t, verb_refuse(side), opt);
		}
		break;
	case TELNET_Q_WANTNO:
		/* on: "DONT answered by WILL", an error; take it as NO. */
		*q = TELNET_Q_NO;
		break;
	case TELNET_Q_WANTNO | TELNET_Q_OPPOSITE:
		if (on)
			*q = TELNET_Q_YES;	/* error, as RFC 1143 says */
		else {
			*q = TELNET_Q_WANTYES;
			send_negotiation(t, verb_agree(side), opt);
		}
		break;
	case TELNET_Q_WANTYES:
		*q = on ? TELNET_Q_YES : TELNET_Q_NO;
		break;
	case TELNET_Q_WANTYES | TELNET_Q_OPPOSITE:
		if (on) {
			*q = TELNET_Q_WANTNO;
			send_negotiation(t, verb_refuse(side), opt);
		} else
			*q = TELNET_Q_NO;
		break;
	default:
		*q = TELNET_Q_NO;	/* cannot happen; be defined anyway */
		break;
	}
	option_changed(t, opt, side, from, was);
}

/* The window size, RFC 1073: exactly two 16-bit numbers. */
static void
sb_naws(struct telnet *t)
{
	struct telnet_event	ev;

	if (t->sb_len != 4) {
		discard(t, t->sb_opt, "NAWS length is not 4");
		return;
	}
	ev.kind = TELNET_EV_NAWS;
	ev.naws.width = (uint16_t)(t->sb[0] << 8 | t->sb[1]);
	ev.naws.height = (uint16_t)(t->sb[2] << 8 | t->sb[3]);
	emit(t, &ev);
}

/* The terminal type, RFC 1091: IS followed by a name within its cap. */
static void
sb_ttype(struct telnet *t)
{
	struct telnet_event	ev;
	char			name[TELNET_TTYPE_MAX + 1];
	size_t			len;

	t->ttype_asked = false;
	if (t->sb_len < 1 || t->sb[0] != TELNET_TTYPE_IS) {
		discard(t, t->sb_opt, "TTYPE is not IS");
		return;
	}
	len = t->sb_len - 1;
	if (len == 0 || len > TELNET_TTYPE_MAX) {
		discard(t, t->sb_opt, "TTYPE name empty or too long");
		return;
	}
	memcpy(name, t->sb + 1, len);
	name[len] = '\0';
	ev.kind = TELNET_EV_TTYPE;
	ev.ttype.name = name;
	ev.ttype.len = len;
	emit(t, &ev);
}

/* RFC 1372: the client reports a flow control mode. */
static void
sb_lflow(struct telnet *t)
{
	struct telnet_event	ev;

	if (t->sb_len != 1 || t->sb[0] > TELNET_LFLOW_RESTART_XON) {
		discard(t, t->sb_opt, "LFLOW is not one known mode");
		return;
	}
	ev.kind = TELNET_EV_LFLOW;
	ev.lflow = t->sb[0];
	emit(t, &ev);
}

/* One NEW-ENVIRON variable being decoded. */
struct env_var {
	uint8_t		type;		/* TELNET_ENV_VAR or _USERVAR */
	bool		has_value;
	const char	*bad;		/* why it is dropped, or NULL */
	size_t		name_len;
	size_t		value_len;
	char		name[TELNET_ENV_NAME_MAX + 1];
	char		value[TELNET_ENV_VALUE_MAX + 1];
};

/* Hand over a decoded variable, or drop it with the reason it is bad. */
static void
env_finish(struct telnet *t, uint8_t cmd, struct env_var *v)
{
	struct telnet_event	ev;

	if (v->bad == NULL && v->name_len == 0)
		v->bad = "NEW-ENVIRON variable without a name";
	if (v->bad != NULL) {
		discard(t, TELNET_OPT_NEW_ENVIRON, v->bad);
		return;
	}
	v->name[v->name_len] = '\0';
	v->value[v->value_len] = '\0';
	ev.kind = TELNET_EV_ENV;
	ev.env.cmd = cmd;
	ev.env.type = v->type;
	ev.env.name = v->name;
	ev.env.name_len = v->name_len;
	ev.env.value = v->has_value ? v->value : NULL;
	ev.env.value_len = v->value_len;
	emit(t, &ev);
}

/* Add one literal byte to the name or the value, within their caps. */
static void
env_add(struct env_var *v, uint8_t c)
{
	if (v->has_value) {
		if (v->value_len == TELNET_ENV_VALUE_MAX)
			v->bad = "NEW-ENVIRON value too long";
		else
			v->value[v->value_len++] = (char)c;
	} else {
		if (v->name_len == TELNET_ENV_NAME_MAX)
			v->bad = "NEW-ENVIRON name too long";
		else
			v->name[v->name_len++] = (char)c;
	}
}

/*
 * RFC 1572 IS and INFO: a list of VAR or USERVAR, a name, and optionally
 * VALUE and a value, where ESC makes the next byte literal.  Each variable
 * is one event; a bad one is dropped alone; past TELNET_ENV_COUNT_MAX the
 * rest of the list is dropped.
 */
static void
sb_env(struct telnet *t)
{
	struct env_var	v;
	size_t		i, count = 0;
	uint8_t		cmd, c;
	bool		in_var = false, esc = false;

	t->env_asked = false;
	memset(&v, 0, sizeof(v));
	if (t->sb_len < 1 || (t->sb[0] != TELNET_ENV_IS &&
	    t->sb[0] != TELNET_ENV_INFO)) {
		discard(t, t->sb_opt, "NEW-ENVIRON is not IS or INFO");
		return;
	}
	cmd = t->sb[0];
	for (i = 1; i < t->sb_len; i++) {
		c = t->sb[i];
		if (esc) {
			esc = false;
			env_add(&v, c);
			continue;
		}
		switch (c) {
		case TELNET_ENV_VAR:
		case TELNET_ENV_USERVAR:
			if (in_var)
				env_finish(t, cmd, &v);
			if (++count > TELNET_ENV_COUNT_MAX) {
				discard(t, t->sb_opt,
				    "NEW-ENVIRON too many variables");
				return;
			}
			memset(&v, 0, sizeof(v));
			v.type = c;
			in_var = true;
			break;
		case TELNET_ENV_VALUE:
			if (!in_var) {
				discard(t, t->sb_opt,
				    "NEW-ENVIRON list does not start with VAR");
				return;
			}
			if (v.has_value)
				v.bad = "NEW-ENVIRON VALUE twice";
			v.has_value = true;
			break;
		case TELNET_ENV_ESC:
			if (!in_var) {
				discard(t, t->sb_opt,
				    "NEW-ENVIRON list does not start with VAR");
				return;
			}
			esc = true;
			break;
		default:
			if (!in_var) {
				discard(t, t->sb_opt,
				    "NEW-ENVIRON list does not start with VAR");
				return;
			}
			env_add(&v, c);
			break;
		}
	}
	if (in_var) {
		if (esc)
			v.bad = "NEW-ENVIRON ESC at the end";
		env_finish(t, cmd, &v);
	}
}

/* Does this option, on his side, have a subnegotiation we parse? */
static bool
sb_parsed(uint8_t opt)
{
	switch (opt) {
	case TELNET_OPT_TTYPE:
	case TELNET_OPT_NAWS:
	case TELNET_OPT_NEW_ENVIRON:
	case TELNET_OPT_LFLOW:
		return true;
	default:
		return false;
	}
}

/* Are the bytes of the current subnegotiation worth keeping? */
static bool
sb_accepted(const struct telnet *t)
{
	return sb_parsed(t->sb_opt) &&
	    telnet_enabled(t, t->sb_opt, TELNET_HIM);
}

/* IAC SE: the subnegotiation is complete; parse it if it is accepted. */
static void
sb_end(struct telnet *t)
{
	if (!telnet_enabled(t, t->sb_opt, TELNET_HIM)) {
		discard(t, t->sb_opt, "option not enabled");
		return;
	}
	if (!sb_parsed(t->sb_opt)) {
		discard(t, t->sb_opt, "option has no subnegotiation");
		return;
	}
	if (t->sb_overflow) {
		if (t->sb_opt == TELNET_OPT_TTYPE)
			t->ttype_asked = false;
		if (t->sb_opt == TELNET_OPT_NEW_ENVIRON)
			t->env_asked = false;
		discard(t, t->sb_opt, "subnegotiation too long");
		return;
	}
	switch (t->sb_opt) {
	case TELNET_OPT_TTYPE:
		sb_ttype(t);
		break;
	case TELNET_OPT_NAWS:
		sb_naws(t);
		break;
	case TELNET_OPT_NEW_ENVIRON:
		sb_env(t);
		break;
	case TELNET_OPT_LFLOW:
		sb_lflow(t);
		break;
	default:
		break;
	}
}

/* A subnegotiation byte, after IAC IAC undoubling; kept up to the cap. */
static void
sb_byte(struct telnet *t, uint8_t c)
{
	if (!sb_accepted(t) || t->sb_overflow)
		return;
	if (t->sb_len == TELNET_SB_MAX) {
		t->sb_overflow = true;
		return;
	}
	t->sb[t->sb_len++] = c;
}

/* Start a subnegotiation for option opt. */
static void
sb_begin(struct telnet *t, uint8_t opt)
{
	t->sb_opt = opt;
	t->sb_len = 0;
	t->sb_overflow = false;
}

/*
 * The byte after IAC, in data or after an aborted subnegotiation.
 * Returns the next state.
 */
static enum telnet_state
after_iac(struct telnet *t, uint8_t c)
{
	struct telnet_event	ev;

	switch (c) {
	case TELNET_WILL:
		return TELNET_STATE_WILL;
	case TELNET_WONT:
		return TELNET_STATE_WONT;
	case TELNET_DO:
		return TELNET_STATE_DO;
	case TELNET_DONT:
		return TELNET_STATE_DONT;
	case TELNET_SB:
		return TELNET_STATE_SB;
	case TELNET_SE:
		discard(t, c, "IAC SE outside a subnegotiation");
		return TELNET_STATE_DATA;
	default:
		if (is_command(c)) {
			ev.kind = TELNET_EV_COMMAND;
			ev.command = c;
			emit(t, &ev);
		} else
			discard(t, c, "unknown command after IAC");
		return TELNET_STATE_DATA;
	}
}

/* Is client data in NVT form, with CR LF and CR NUL to undo? */
static bool
nvt_input(const struct telnet *t)
{
	return !telnet_enabled(t, TELNET_OPT_BINARY, TELNET_HIM);
}

/*
 * Data state: take the longest run of plain bytes at once.  A CR ends the
 * run (it is delivered) and moves to the CR state; IAC moves to IAC.
 * Returns how many bytes were used.
 */
static size_t
feed_data(struct telnet *t, const uint8_t *p, size_t n)
{
	size_t	i = 0;

	if (nvt_input(t)) {
		while (i < n && p[i] != TELNET_IAC && p[i] != CR)
			i++;
	} else {
		const uint8_t *iac = memchr(p, TELNET_IAC, n);

		i = iac != NULL ? (size_t)(iac - p) : n;
	}
	if (i < n && p[i] == CR) {
		add_data(t, p, i + 1);
		t->state = TELNET_STATE_CR;
		return i + 1;
	}
	if (i > 0)
		add_data(t, p, i);
	if (i < n) {
		t->state = TELNET_STATE_IAC;	/* p[i] is IAC */
		i++;
	}
	return i;
}

/* One byte in any state but DATA: one transition. */
static void
feed_byte(struct telnet *t, const uint8_t *p)
{
	uint8_t	c = *p;

	switch (t->state) {
	case TELNET_STATE_CR:
		t->state = TELNET_STATE_DATA;
		if (c == LF || c == NUL)
			break;		/* CR LF and CR NUL are CR */
		(void)feed_data(t, p, 1);
		break;
	case TELNET_STATE_IAC:
		if (c == TELNET_IAC) {
			add_data(t, p, 1);	/* IAC IAC is one 0xff */
			t->state = TELNET_STATE_DATA;
		} else
			t->state = after_iac(t, c);
		break;
	case TELNET_STATE_WILL:
		t->state = TELNET_STATE_DATA;
		receive_negotiation(t, TELNET_WILL, c);
		break;
	case TELNET_STATE_WONT:
		t->state = TELNET_STATE_DATA;
		receive_negotiation(t, TELNET_WONT, c);
		break;
	case TELNET_STATE_DO:
		t->state = TELNET_STATE_DATA;
		receive_negotiation(t, TELNET_DO, c);
		break;
	case TELNET_STATE_DONT:
		t->state = TELNET_STATE_DATA;
		receive_negotiation(t, TELNET_DONT, c);
		break;
	case TELNET_STATE_SB:
		if (c == TELNET_IAC) {
			/* No option byte: option 255, never accepted. */
			sb_begin(t, TELNET_IAC);
			t->state = TELNET_STATE_SB_IAC;
		} else {
			sb_begin(t, c);
			t->state = TELNET_STATE_SB_DATA;
		}
		break;
	case TELNET_STATE_SB_DATA:
		if (c == TELNET_IAC)
			t->state = TELNET_STATE_SB_IAC;
		else
			sb_byte(t, c);
		break;
	case TELNET_STATE_SB_IAC:
		if (c == TELNET_IAC) {
			sb_byte(t, c);
			t->state = TELNET_STATE_SB_DATA;
		} else if (c == TELNET_SE) {
			t->state = TELNET_STATE_DATA;
			sb_end(t);
		} else {
			/* IAC and a command inside SB: it never ended. */
			t->state = TELNET_STATE_DATA;
			discard(t, t->sb_opt, "subnegotiation not terminated");
			t->state = after_iac(t, c);
		}
		break;
	case TELNET_STATE_DATA:
	default:
		t->state = TELNET_STATE_DATA;
		(void)feed_data(t, p, 1);
		break;
	}
}

/*
 * Parse bytes from the client.  The state is set before any event goes
 * out, so the handler may call the request functions; it must not call
 * telnet_feed() itself.
 */
void
telnet_feed(struct telnet *t, const uint8_t *buf, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		if (t->state == TELNET_STATE_DATA)
			i += feed_data(t, buf + i, len - i);
		else
			feed_byte(t, buf + i++);
	}
	flush_data(t);
}

/*
 * The first byte at or after start that needs escaping, given iac, the
 * position of the next IAC (or len): a CR followed by a byte other than
 * LF, unless binary, or that IAC.  A CR that ends the buffer needs
 * nothing yet: what comes next decides.
 */
static size_t
next_escape(const uint8_t *buf, size_t len, size_t start, size_t iac,
    bool binary)
{
	const uint8_t	*cr;
	size_t		 i = start;

	if (binary)
		return iac;
	while (i < iac) {
		cr = memchr(buf + i, CR, iac - i);
		if (cr == NULL)
			return iac;
		i = (size_t)(cr - buf);
		if (i + 1 < len && buf[i + 1] != LF)
			return i;
		i += 2;
	}
	return iac;
}

/* Position of the next IAC at or after start, or len. */
static size_t
next_iac(const uint8_t *buf, size_t len, size_t start)
{
	const uint8_t	*p;

	if (start >= len)
		return len;
	p = memchr(buf + start, TELNET_IAC, len - start);
	return p != NULL ? (size_t)(p - buf) : len;
}

/* Does a CR sent last want a NUL before buf? */
static bool
nul_owed(const struct telnet *t, const uint8_t *buf, size_t len)
{
	return t->cr_sent && len > 0 && buf[0] != LF;
}

/*
 * How much of buf the relay may write as it is.  In the usual case, text
 * with CR LF line ends, this is all of it, found with two memchr() passes.
 */
size_t
telnet_plain_len(const struct telnet *t, const uint8_t *buf, size_t len)
{
	if (nul_owed(t, buf, len))
		return 0;
	return next_escape(buf, len, 0, next_iac(buf, len, 0),
	    telnet_enabled(t, TELNET_OPT_BINARY, TELNET_US));
}

void
telnet_plain_sent(struct telnet *t, const uint8_t *buf, size_t len)
{
	if (len > 0)
		t->cr_sent = buf[len - 1] == CR &&
		    !telnet_enabled(t, TELNET_OPT_BINARY, TELNET_US);
}

/*
 * Copy buf to out in NVT form: plain runs with memcpy(), then one escape
 * (IAC IAC, or CR NUL) at a time.  The next IAC is looked up once per
 * IAC, not once per escape, so a buffer of bare CRs stays linear.
 */
size_t
telnet_encode(struct telnet *t, const uint8_t *buf, size_t len,
    uint8_t *out)
{
	bool	binary = telnet_enabled(t, TELNET_OPT_BINARY, TELNET_US);
	size_t	i = 0, o = 0, iac, e;

	if (len == 0)
		return 0;
	if (nul_owed(t, buf, len))
		out[o++] = NUL;
	iac = next_iac(buf, len, 0);
	while (i < len) {
		if (iac < i)
			iac = next_iac(buf, len, i);
		e = next_escape(buf, len, i, iac, binary);
		memcpy(out + o, buf + i, e - i);
		o += e - i;
		if (e == len)
			break;
		out[o++] = buf[e];
		out[o++] = buf[e] == TELNET_IAC ? TELNET_IAC : NUL;
		i = e + 1;
	}
	telnet_plain_sent(t, buf, len);
	return o;
}

/*
 * The state for telnet_restore(), in this order: the parser state, the
 * Q state of every option (ours, then his), the subnegotiation being
 * read (option, overflow, length in two bytes, its bytes), then one byte
 * of flags.
 */
#define SAVED_TTYPE_ASKED	0x01
#define SAVED_ENV_ASKED		0x02
#define SAVED_MARK_ASKED	0x04
#define SAVED_NEGOTIATED	0x08
#define SAVED_CR_SENT		0x10
#define SAVED_FLAGS		0x1f

size_t
telnet_save(const struct telnet *t, uint8_t *buf)
{
	size_t	n = 0;

	buf[n++] = (uint8_t)t->state;
	memcpy(buf + n, t->q, sizeof(t->q));
	n += sizeof(t->q);
	buf[n++] = t->sb_opt;
	buf[n++] = t->sb_overflow;
	buf[n++] = (uint8_t)(t->sb_len >> 8);
	buf[n++] = (uint8_t)t->sb_len;
	memcpy(buf + n, t->sb, t->sb_len);
	n += t->sb_len;
	buf[n++] = (t->ttype_asked ? SAVED_TTYPE_ASKED : 0) |
	    (t->env_asked ? SAVED_ENV_ASKED : 0) |
	    (t->mark_asked ? SAVED_MARK_ASKED : 0) |
	    (t->negotiated ? SAVED_NEGOTIATED : 0) |
	    (t->cr_sent ? SAVED_CR_SENT : 0);
	return n;
}

/*
 * Every byte is checked before anything is taken: a state the parser
 * has, Q states that exist, an option on (or being negotiated) only
 * where this engine's policy allows it, a subnegotiation within its
 * cap, requests outstanding only for options that are on.
 */
int
telnet_restore(struct telnet *t, const uint8_t *buf, size_t len)
{
	const uint8_t	*q = buf + 1, *sb;
	size_t		 sb_len, side, opt;
	uint8_t		 flags;

	if (len < 1 + sizeof(t->q) + 4 + 1 ||
	    buf[0] > TELNET_STATE_SB_IAC)
		return -1;
	for (side = 0; side < 2; side++)
		for (opt = 0; opt < 256; opt++) {
			uint8_t	v = q[side * 256 + opt];

			if ((v & ~(3 | TELNET_Q_OPPOSITE)) != 0)
				return -1;
			if (v != TELNET_Q_NO && !allowed(t, (uint8_t)opt,
			    (enum telnet_side)side))
				return -1;
		}
	sb = q + sizeof(t->q);
	sb_len = (size_t)sb[2] << 8 | sb[3];
	if (sb[1] > 1 || sb_len > TELNET_SB_MAX ||
	    len != 1 + sizeof(t->q) + 4 + sb_len + 1)
		return -1;
	flags = sb[4 + sb_len];
	if ((flags & ~SAVED_FLAGS) != 0)
		return -1;
	if (((flags & SAVED_TTYPE_ASKED) && q[TELNET_HIM * 256 +
	    TELNET_OPT_TTYPE] != TELNET_Q_YES) ||
	    ((flags & SAVED_ENV_ASKED) && q[TELNET_HIM * 256 +
	    TELNET_OPT_NEW_ENVIRON] != TELNET_Q_YES))
		return -1;

	t->state = (enum telnet_state)buf[0];
	memcpy(t->q, q, sizeof(t->q));
	t->sb_opt = sb[0];
	t->sb_overflow = sb[1] != 0;
	t->sb_len = sb_len;
	memcpy(t->sb, sb + 4, sb_len);
	t->ttype_asked = (flags & SAVED_TTYPE_ASKED) != 0;
	t->env_asked = (flags & SAVED_ENV_ASKED) != 0;
	t->mark_asked = (flags & SAVED_MARK_ASKED) != 0;
	t->negotiated = (flags & SAVED_NEGOTIATED) != 0;
	t->cr_sent = (flags & SAVED_CR_SENT) != 0;
	return 0;
}

/* Option names as RFCs and traces spell them; the rest are UNKNOWN. */
static const char *const option_names[] = {
	[0] = "BINARY",
	[1] = "ECHO",
	[2] = "RCP",
	[3] = "SGA",
	[4] = "NAMS",
	[5] = "STATUS",
	[6] = "TIMING-MARK",
	[7] = "RCTE",
	[8] = "NAOL",
	[9] = "NAOP",
	[10] = "NAOCRD",
	[11] = "NAOHTS",
	[12] = "NAOHTD",
	[13] = "NAOFFD",
	[14] = "NAOVTS",
	[15] = "NAOVTD",
	[16] = "NAOLFD",
	[17] = "EXTEND-ASCII",
	[18] = "LOGOUT",
	[19] = "BM",
	[20] = "DET",
	[21] = "SUPDUP",
	[22] = "SUPDUP-OUTPUT",
	[23] = "SEND-LOCATION",
	[24] = "TTYPE",
	[25] = "EOR",
	[26] = "TUID",
	[27] = "OUTMRK",
	[28] = "TTYLOC",
	[29] = "3270-REGIME",
	[30] = "X.3-PAD",
	[31] = "NAWS",
	[32] = "TSPEED",
	[33] = "LFLOW",
	[34] = "LINEMODE",
	[35] = "XDISPLOC",
	[36] = "OLD-ENVIRON",
	[37] = "AUTHENTICATION",
	[38] = "ENCRYPT",
	[39] = "NEW-ENVIRON",
	[40] = "TN3270E",
	[41] = "XAUTH",
	[42] = "CHARSET",
	[43] = "RSP",
	[44] = "COM-PORT-OPTION",
	[45] = "SUPPRESS-LOCAL-ECHO",
	[46] = "START-TLS",
	[47] = "KERMIT",
	[48] = "SEND-URL",
	[49] = "FORWARD-X",
	[138] = "PRAGMA-LOGON",
	[139] = "SSPI-LOGON",
	[140] = "PRAGMA-HEARTBEAT",
	[255] = "EXOPL",
};

/* Names for traces; never NULL. */
const char *
telnet_option_name(uint8_t opt)
{
	const char	*name = option_names[opt];

	return name != NULL ? name : "UNKNOWN";
}

const char *
telnet_command_name(uint8_t cmd)
{
	switch (cmd) {
	case TELNET_EOF:
		return "EOF";
	case TELNET_SUSP:
		return "SUSP";
	case TELNET_ABORT:
		return "ABORT";
	case 239:
		return "EOR";
	case TELNET_SE:
		return "SE";
	case TELNET_NOP:
		return "NOP";
	case TELNET_DM:
		return "DM";
	case TELNET_BRK:
		return "BRK";
	case TELNET_IP:
		return "IP";
	case TELNET_AO:
		return "AO";
	case TELNET_AYT:
		return "AYT";
	case TELNET_EC:
		return "EC";
	case TELNET_EL:
		return "EL";
	case TELNET_GA:
		return "GA";
	case TELNET_SB:
		return "SB";
	case TELNET_WILL:
		return "WILL";
	case TELNET_WONT:
		return "WONT";
	case TELNET_DO:
		return "DO";
	case TELNET_DONT:
		return "DONT";
	case TELNET_IAC:
		return "IAC";
	default:
		return "UNKNOWN";
	}
}

const char *
telnet_state_name(enum telnet_state state)
{
	switch (state) {
	case TELNET_STATE_DATA:
		return "DATA";
	case TELNET_STATE_CR:
		return "CR";
	case TELNET_STATE_IAC:
		return "IAC";
	case TELNET_STATE_WILL:
		return "WILL";
	case TELNET_STATE_WONT:
		return "WONT";
	case TELNET_STATE_DO:
		return "DO";
	case TELNET_STATE_DONT:
		return "DONT";
	case TELNET_STATE_SB:
		return "SB";
	case TELNET_STATE_SB_DATA:
		return "SB-DATA";
	case TELNET_STATE_SB_IAC:
		return "SB-IAC";
	default:
		return "UNKNOWN";
	}
}

const char *
telnet_q_name(uint8_t q)
{
	switch (q) {
	case TELNET_Q_NO:
		return "NO";
	case TELNET_Q_YES:
		return "YES";
	case TELNET_Q_WANTNO:
		return "WANTNO";
	case TELNET_Q_WANTYES:
		return "WANTYES";
	case TELNET_Q_WANTNO | TELNET_Q_OPPOSITE:
		return "WANTNO-OPPOSITE";
	case TELNET_Q_WANTYES | TELNET_Q_OPPOSITE:
		return "WANTYES-OPPOSITE";
	default:
		return "UNKNOWN";
	}
}
