/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the telnet engine (daemon/telnet.c, RFC 854, 855,
 * 1143 and the option RFCs it follows).  The input is a small header
 * (tests/fuzz/fuzz_input.h) and the client's bytes.  The bytes are fed
 * in cuts drawn from the header's seed, and again in one piece; both runs
 * must give the same events (adjacent DATA and SEND merged), and every
 * event must keep the engine's promises: caps never exceeded, strings
 * NUL-ended, DATA inside the input, replies bounded by the input, Q
 * states valid, a mark answered once.  With FUZZ_HANDOFF the cut run
 * moves to a new engine through telnet_save() and telnet_restore() at
 * every cut, as a connection does at login, and must still agree.  The
 * output encoder is checked on the same bytes, cut the same way, by
 * decoding its output again.  A broken promise aborts, which libFuzzer
 * reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnet.h"
#include "fuzz_input.h"

/* One run of the engine over the input. */
struct run {
	struct telnet	 t;
	uint8_t		 flags;
	uint64_t	 hash;		/* digest of the merged events */
	int		 last;		/* last event's kind, for merging */
	const uint8_t	*in;		/* the cut being fed */
	size_t		 in_len;
	size_t		 data_total;
	size_t		 send_total;
	size_t		 env_total;
	size_t		 ttype_asks;
	size_t		 marks;
};

static void
hash_bytes(struct run *r, const void *p, size_t n)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < n; i++)
		r->hash = (r->hash ^ b[i]) * 0x100000001b3ULL;
}

/*
 * Fold an event into the digest.  DATA and SEND hash their kind only
 * when it changes, so that a run cut in more pieces hashes the same.
 */
static void
hash_event(struct run *r, const struct telnet_event *ev)
{
	int	kind = (int)ev->kind;

	if (ev->kind == TELNET_EV_DATA || ev->kind == TELNET_EV_SEND) {
		if (r->last != kind)
			hash_bytes(r, &kind, sizeof(kind));
		r->last = kind;
		hash_bytes(r, ev->data.bytes, ev->data.len);
		return;
	}
	r->last = kind;
	hash_bytes(r, &kind, sizeof(kind));
	switch (ev->kind) {
	case TELNET_EV_NEGOTIATION:
		hash_bytes(r, &ev->negotiation.verb, 1);
		hash_bytes(r, &ev->negotiation.opt, 1);
		break;
	case TELNET_EV_OPTION:
		hash_bytes(r, &ev->option.opt, 1);
		hash_bytes(r, &ev->option.side, sizeof(ev->option.side));
		hash_bytes(r, &ev->option.on, sizeof(ev->option.on));
		break;
	case TELNET_EV_QSTATE:
		hash_bytes(r, &ev->qstate.opt, 1);
		hash_bytes(r, &ev->qstate.side, sizeof(ev->qstate.side));
		hash_bytes(r, &ev->qstate.from, 1);
		hash_bytes(r, &ev->qstate.to, 1);
		break;
	case TELNET_EV_COMMAND:
		hash_bytes(r, &ev->command, 1);
		break;
	case TELNET_EV_NAWS:
		hash_bytes(r, &ev->naws.width, 2);
		hash_bytes(r, &ev->naws.height, 2);
		break;
	case TELNET_EV_TTYPE:
		hash_bytes(r, ev->ttype.name, ev->ttype.len);
		break;
	case TELNET_EV_ENV:
		hash_bytes(r, &ev->env.cmd, 1);
		hash_bytes(r, &ev->env.type, 1);
		hash_bytes(r, ev->env.name, ev->env.name_len + 1);
		if (ev->env.value != NULL)
			hash_bytes(r, ev->env.value, ev->env.value_len + 1);
		break;
	case TELNET_EV_LFLOW:
		hash_bytes(r, &ev->lflow, 1);
		break;
	case TELNET_EV_DISCARD:
		hash_bytes(r, &ev->discard.opt, 1);
		hash_bytes(r, ev->discard.why, strlen(ev->discard.why));
		break;
	case TELNET_EV_DATA:
	case TELNET_EV_SEND:
	case TELNET_EV_TIMING_MARK:
	case TELNET_EV_MARK:
	default:
		break;
	}
}

/* The engine's promises about one event. */
static void
check_event(struct run *r, const struct telnet_event *ev)
{
	switch (ev->kind) {
	case TELNET_EV_DATA:
		CHECK(ev->data.len > 0);
		CHECK(ev->data.bytes >= r->in &&
		    ev->data.bytes + ev->data.len <= r->in + r->in_len);
		r->data_total += ev->data.len;
		break;
	case TELNET_EV_SEND:
		CHECK(ev->data.len > 0 && ev->data.bytes[0] == TELNET_IAC);
		r->send_total += ev->data.len;
		break;
	case TELNET_EV_MARK:
		CHECK(!telnet_waiting(&r->t, TELNET_OPT_TM));
		CHECK(++r->marks == 1);
		break;
	case TELNET_EV_NEGOTIATION:
		CHECK(ev->negotiation.verb >= TELNET_WILL &&
		    ev->negotiation.verb <= TELNET_DONT);
		break;
	case TELNET_EV_OPTION:
		CHECK(ev->option.opt != TELNET_OPT_TM);
		CHECK(ev->option.on ==
		    telnet_enabled(&r->t, ev->option.opt, ev->option.side));
		break;
	case TELNET_EV_QSTATE:
		CHECK(ev->qstate.from != ev->qstate.to);
		CHECK(ev->qstate.to == r->t.q[ev->qstate.side][ev->qstate.opt]);
		break;
	case TELNET_EV_COMMAND:
		CHECK(ev->command >= TELNET_EOF && ev->command <= TELNET_GA &&
		    ev->command != TELNET_SE && ev->command != 239);
		break;
	case TELNET_EV_TTYPE:
		CHECK(ev->ttype.len >= 1 && ev->ttype.len <= TELNET_TTYPE_MAX);
		CHECK(ev->ttype.name[ev->ttype.len] == '\0');
		break;
	case TELNET_EV_ENV:
		CHECK(ev->env.cmd == TELNET_ENV_IS ||
		    ev->env.cmd == TELNET_ENV_INFO);
		CHECK(ev->env.type == TELNET_ENV_VAR ||
		    ev->env.type == TELNET_ENV_USERVAR);
		CHECK(ev->env.name_len >= 1 &&
		    ev->env.name_len <= TELNET_ENV_NAME_MAX);
		CHECK(ev->env.name[ev->env.name_len] == '\0');
		if (ev->env.value != NULL) {
			CHECK(ev->env.value_len <= TELNET_ENV_VALUE_MAX);
			CHECK(ev->env.value[ev->env.value_len] == '\0');
		} else
			CHECK(ev->env.value_len == 0);
		r->env_total++;
		break;
	case TELNET_EV_LFLOW:
		CHECK(ev->lflow <= TELNET_LFLOW_RESTART_XON);
		break;
	case TELNET_EV_DISCARD:
		CHECK(ev->discard.why != NULL && ev->discard.why[0] != '\0');
		break;
	case TELNET_EV_NAWS:
	case TELNET_EV_TIMING_MARK:
	default:
		break;
	}
}

/*
 * The handler.  With FUZZ_CYCLE it asks for the next terminal type, with
 * FUZZ_CHAOS it starts negotiations of its own; both depend only on the
 * event, so that cut and uncut runs stay comparable.
 */
static void
handler(void *ctx, const struct telnet_event *ev)
{
	struct run	*r = ctx;

	check_event(r, ev);
	hash_event(r, ev);
	if (ev->kind == TELNET_EV_TTYPE && (r->flags & FUZZ_CYCLE) &&
	    r->ttype_asks < 8) {
		r->ttype_asks++;
		telnet_request_ttype(&r->t);
	}
	if (ev->kind == TELNET_EV_NEGOTIATION && (r->flags & FUZZ_CHAOS)) {
		uint8_t opt = ev->negotiation.opt;

		(void)telnet_request(&r->t, opt, (opt & 1) ? TELNET_US :
		    TELNET_HIM, (opt & 2) != 0);
	}
}

/* Parser state and SB buffer are consistent, after every cut. */
static void
check_state(const struct telnet *t)
{
	CHECK(t->state <= TELNET_STATE_SB_IAC);
	CHECK(t->sb_len <= TELNET_SB_MAX);
	CHECK(t->run_len == 0);
	CHECK(t->q[TELNET_US][TELNET_OPT_TM] == TELNET_Q_NO);
	CHECK(t->q[TELNET_HIM][TELNET_OPT_TM] == TELNET_Q_NO);
}

/* Every Q state is one of RFC 1143's six, at the end of a run. */
static void
check_q(const struct telnet *t)
{
	size_t	side, opt;
	uint8_t	q;

	for (side = 0; side < 2; side++) {
		for (opt = 0; opt < 256; opt++) {
			q = t->q[side][opt];
			CHECK(q <= TELNET_Q_WANTYES ||
			    q == (TELNET_Q_WANTNO | TELNET_Q_OPPOSITE) ||
			    q == (TELNET_Q_WANTYES | TELNET_Q_OPPOSITE));
		}
	}
	CHECK(strcmp(telnet_state_name(t->state), "UNKNOWN") != 0);
}

/* Set up a run as the flags say, opening requests included. */
static void
start(struct run *r, uint8_t flags)
{
	unsigned int	opt;

	memset(r, 0, sizeof(*r));
	r->flags = flags;
	r->hash = 0xcbf29ce484222325ULL;
	r->last = -1;
	telnet_init(&r->t, handler, r);
	if (flags & FUZZ_ALLOW_ALL)
		for (opt = 0; opt < 256; opt++)
			telnet_allow(&r->t, (uint8_t)opt,
			    TELNET_ALLOW_US | TELNET_ALLOW_HIM);
	if (flags & FUZZ_ALLOW_ENV)
		telnet_allow(&r->t, TELNET_OPT_NEW_ENVIRON, TELNET_ALLOW_HIM);
	if (flags & FUZZ_OPENING) {
		CHECK(telnet_request(&r->t, TELNET_OPT_ECHO, TELNET_US,
		    true) == 0);
		CHECK(telnet_request(&r->t, TELNET_OPT_SGA, TELNET_US,
		    true) == 0);
		CHECK(telnet_request(&r->t, TELNET_OPT_SGA, TELNET_HIM,
		    true) == 0);
		CHECK(telnet_request(&r->t, TELNET_OPT_NAWS, TELNET_HIM,
		    true) == 0);
		CHECK(telnet_request(&r->t, TELNET_OPT_TTYPE, TELNET_HIM,
		    true) == 0);
		(void)telnet_request(&r->t, TELNET_OPT_NEW_ENVIRON,
		    TELNET_HIM, true);
		CHECK(telnet_request(&r->t, TELNET_OPT_TM, TELNET_US,
		    true) == -1);
		CHECK(telnet_pending(&r->t));
	}
	if (flags & FUZZ_MARK) {
		telnet_send_mark(&r->t);
		CHECK(telnet_waiting(&r->t, TELNET_OPT_TM));
	}
	r->send_total = 0;
}

/*
 * The run's engine handed over: saved, and restored into a new one with
 * the same policy (start() again, without the opening), as the relay
 * takes the connection over from the login.
 */
static void
handoff(struct run *r)
{
	uint8_t		saved[TELNET_SAVED_MAX], again[TELNET_SAVED_MAX];
	struct telnet	t;
	size_t		len, opt;

	len = telnet_save(&r->t, saved);
	CHECK(len <= sizeof(saved));
	telnet_init(&t, handler, r);
	for (opt = 0; opt < 256; opt++)
		telnet_allow(&t, (uint8_t)opt, r->t.allow[opt]);
	CHECK(telnet_restore(&t, saved, len) == 0);
	CHECK(telnet_save(&t, again) == len && memcmp(saved, again, len) == 0);
	/* One byte off is not a state. */
	CHECK(telnet_restore(&t, saved, len - 1) == -1);
	r->t = t;
}

static void
feed(struct run *r, const uint8_t *p, size_t n)
{
	r->in = p;
	r->in_len = n;
	telnet_feed(&r->t, p, n);
	check_state(&r->t);
}

/* Undo NVT output encoding; false if out is not well formed. */
static bool
decode(const uint8_t *out, size_t len, bool binary, uint8_t *dec,
    size_t *dlen)
{
	size_t	i = 0, d = 0;

	while (i < len) {
		if (out[i] == TELNET_IAC) {
			if (i + 1 >= len || out[i + 1] != TELNET_IAC)
				return false;
			dec[d++] = TELNET_IAC;
			i += 2;
		} else if (!binary && out[i] == '\r') {
			if (i + 1 >= len || (out[i + 1] != '\n' &&
			    out[i + 1] != '\0'))
				return false;
			dec[d++] = '\r';
			if (out[i + 1] == '\n')
				dec[d++] = '\n';
			i += 2;
		} else
			dec[d++] = out[i++];
	}
	*dlen = d;
	return true;
}

/*
 * The encoder, fed the input in the cuts the seed gives, each through
 * the plain path when telnet_plain_len() allows it, else telnet_encode(),
 * then ended with telnet_end_output(): the output is well formed NVT
 * (every CR followed by LF or NUL, IAC doubled), decodes to the input,
 * and is the same as the input encoded in one piece.
 */
static void
end_output(void *ctx, const struct telnet_event *ev)
{
	uint8_t	*tail = ctx;

	CHECK(ev->kind == TELNET_EV_SEND && ev->data.len == 1 &&
	    ev->data.bytes[0] == 0);
	*tail = 1;
}

static size_t
encode_all(const uint8_t *in, size_t n, bool binary, uint32_t seed,
    uint8_t *out)
{
	struct telnet	t;
	size_t		i, k, o = 0;
	uint8_t		tail = 0;

	telnet_init(&t, end_output, &tail);
	if (binary)
		t.q[TELNET_US][TELNET_OPT_BINARY] = TELNET_Q_YES;
	for (i = 0; i < n; i += k) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		k = seed == 0 ? n - i : 1 + seed % 64;
		if (k > n - i)
			k = n - i;
		if (telnet_plain_len(&t, in + i, k) == k) {
			memcpy(out + o, in + i, k);
			telnet_plain_sent(&t, in + i, k);
			o += k;
		} else {
			size_t	len = telnet_encode(&t, in + i, k, out + o);

			CHECK(len >= k && len <= TELNET_ENCODED_MAX(k));
			o += len;
		}
	}
	telnet_end_output(&t);
	if (tail)
		out[o++] = 0;
	CHECK(!t.cr_sent);
	return o;
}

static void
check_encoder(const uint8_t *in, size_t n, uint32_t seed)
{
	uint8_t		*out, *one, *dec;
	size_t		 len, onelen, dlen;
	int		 binary;

	out = malloc(2 * n + 2);
	one = malloc(2 * n + 2);
	dec = malloc(2 * n + 2);
	CHECK(out != NULL && one != NULL && dec != NULL);
	for (binary = 0; binary < 2; binary++) {
		len = encode_all(in, n, binary, seed, out);
		onelen = encode_all(in, n, binary, 0, one);
		CHECK(len == onelen && memcmp(out, one, len) == 0);
		CHECK(len <= 2 * n + 1 && len >= n);
		CHECK(decode(out, len, binary, dec, &dlen));
		CHECK(dlen == n && memcmp(dec, in, n) == 0);
	}
	free(out);
	free(one);
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run	*cut, *whole;
	const uint8_t	*in;
	size_t		 n, i, k, se = 0;
	uint32_t	 s;

	if (size < FUZZ_HEADER_LEN)
		return 0;
	in = data + FUZZ_HEADER_LEN;
	n = size - FUZZ_HEADER_LEN;
	cut = malloc(sizeof(*cut));
	whole = malloc(sizeof(*whole));
	CHECK(cut != NULL && whole != NULL);

	start(cut, data[0]);
	s = data[1] * 2654435761u + 1;
	for (i = 0; i < n; i += k) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		k = 1 + s % (data[1] & 0x80 ? 3 : 64);
		if (k > n - i)
			k = n - i;
		feed(cut, in + i, k);
		if (data[0] & FUZZ_HANDOFF)
			handoff(cut);
	}
	start(whole, data[0]);
	feed(whole, in, n);

	check_q(&cut->t);
	check_q(&whole->t);
	CHECK(memcmp(cut->t.q, whole->t.q, sizeof(cut->t.q)) == 0);
	CHECK(cut->t.state == whole->t.state);
	CHECK(cut->hash == whole->hash);
	CHECK(cut->data_total == whole->data_total);
	CHECK(cut->data_total <= n);
	for (i = 0; i < n; i++)
		se += in[i] == TELNET_SE;
	CHECK(cut->env_total <= se * TELNET_ENV_COUNT_MAX);
	if ((data[0] & (FUZZ_CHAOS | FUZZ_CYCLE)) == 0)
		CHECK(cut->send_total <= 3 * n);
	else
		CHECK(cut->send_total <= 5 * n + 64);
	free(cut);
	free(whole);

	check_encoder(in, n, data[1] * 2654435761u + 1);
	return 0;
}
