/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the telnet engine (daemon/telnet.c) that transcripts
 * cannot state: where DATA events point (zero copy), the names for
 * traces, the output encoder against a reference decoder on random
 * buffers, and whole conversations with other peers: a peer that
 * mirrors every request, one that acknowledges everything, one that
 * refuses everything, and two engines with random policies and random
 * requests, which must always end in agreement (RFC 1143).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "telnet.h"

/* Events of one feed: DATA pointers and all SEND bytes. */
struct seen {
	const uint8_t	*data[16];
	size_t		 data_len[16];
	size_t		 ndata;
	uint8_t		 send[65536];
	size_t		 nsend;
	size_t		 events;
};

static void
see(void *ctx, const struct telnet_event *ev)
{
	struct seen	*s = ctx;

	s->events++;
	if (ev->kind == TELNET_EV_DATA && s->ndata < 16) {
		s->data[s->ndata] = ev->data.bytes;
		s->data_len[s->ndata++] = ev->data.len;
	}
	if (ev->kind == TELNET_EV_SEND) {
		assert_true(s->nsend + ev->data.len <= sizeof(s->send));
		memcpy(s->send + s->nsend, ev->data.bytes, ev->data.len);
		s->nsend += ev->data.len;
	}
}

static void
data_events_point_into_the_input_buffer(void **state)
{
	static const uint8_t	 in[] = "hello";
	struct telnet		 t;
	struct seen		 s = { 0 };

	(void)state;
	telnet_init(&t, see, &s);
	telnet_feed(&t, in, 5);
	assert_int_equal(s.ndata, 1);
	assert_ptr_equal(s.data[0], in);
	assert_int_equal(s.data_len[0], 5);
}

static void
iac_iac_delivers_the_second_iac_and_what_follows(void **state)
{
	static const uint8_t	 in[] = { 'a', 0xff, 0xff, 'b', 'c' };
	struct telnet		 t;
	struct seen		 s = { 0 };

	(void)state;
	telnet_init(&t, see, &s);
	telnet_feed(&t, in, sizeof(in));
	assert_int_equal(s.ndata, 2);
	assert_ptr_equal(s.data[0], in);
	assert_int_equal(s.data_len[0], 1);
	assert_ptr_equal(s.data[1], in + 2);
	assert_int_equal(s.data_len[1], 3);
}

static void
cr_is_delivered_before_its_lf_arrives(void **state)
{
	static const uint8_t	 in[] = { 'x', '\r' }, lf[] = { '\n' };
	struct telnet		 t;
	struct seen		 s = { 0 };

	(void)state;
	telnet_init(&t, see, &s);
	telnet_feed(&t, in, sizeof(in));
	assert_int_equal(s.ndata, 1);
	assert_int_equal(s.data_len[0], 2);
	assert_int_equal(t.state, TELNET_STATE_CR);
	telnet_feed(&t, lf, 1);
	assert_int_equal(s.ndata, 1);
	assert_int_equal(t.state, TELNET_STATE_DATA);
}

static void
empty_feed_produces_nothing(void **state)
{
	struct telnet	t;
	struct seen	s = { 0 };

	(void)state;
	telnet_init(&t, see, &s);
	telnet_feed(&t, NULL, 0);
	assert_int_equal(s.events, 0);
}

/* Events after telnet_set_handler() go to the new handler only. */
static void
set_handler_moves_events_to_the_new_handler(void **state)
{
	static const uint8_t	 a[] = "a", b[] = "b";
	struct telnet		 t;
	struct seen		 s1 = { 0 }, s2 = { 0 };

	(void)state;
	telnet_init(&t, see, &s1);
	telnet_feed(&t, a, 1);
	telnet_set_handler(&t, see, &s2);
	telnet_feed(&t, b, 1);
	assert_int_equal(s1.ndata, 1);
	assert_int_equal(s2.ndata, 1);
	assert_ptr_equal(s2.data[0], b);
}

static void
option_names_are_rfc_names_and_never_null(void **state)
{
	int	i;

	(void)state;
	assert_string_equal(telnet_option_name(TELNET_OPT_NAWS), "NAWS");
	assert_string_equal(telnet_option_name(TELNET_OPT_NEW_ENVIRON),
	    "NEW-ENVIRON");
	assert_string_equal(telnet_option_name(TELNET_OPT_TM),
	    "TIMING-MARK");
	assert_string_equal(telnet_option_name(TELNET_OPT_LINEMODE),
	    "LINEMODE");
	assert_string_equal(telnet_option_name(200), "UNKNOWN");
	for (i = 0; i < 256; i++)
		assert_non_null(telnet_option_name((uint8_t)i));
}

static void
command_names_are_rfc_names_and_never_null(void **state)
{
	int	i;

	(void)state;
	assert_string_equal(telnet_command_name(TELNET_AYT), "AYT");
	assert_string_equal(telnet_command_name(TELNET_IP), "IP");
	assert_string_equal(telnet_command_name(TELNET_DONT), "DONT");
	assert_string_equal(telnet_command_name(0), "UNKNOWN");
	for (i = 0; i < 256; i++)
		assert_non_null(telnet_command_name((uint8_t)i));
}

static void
state_and_q_names_cover_every_value(void **state)
{
	int	i;

	(void)state;
	for (i = TELNET_STATE_DATA; i <= TELNET_STATE_SB_IAC; i++)
		assert_string_not_equal(
		    telnet_state_name((enum telnet_state)i), "UNKNOWN");
	assert_string_equal(telnet_state_name(TELNET_STATE_SB_DATA),
	    "SB-DATA");
	assert_string_equal(telnet_q_name(TELNET_Q_WANTYES), "WANTYES");
	assert_string_equal(telnet_q_name(TELNET_Q_WANTNO |
	    TELNET_Q_OPPOSITE), "WANTNO-OPPOSITE");
	assert_string_equal(telnet_q_name(TELNET_Q_YES | TELNET_Q_OPPOSITE),
	    "UNKNOWN");
	for (i = 0; i < 256; i++)
		assert_non_null(telnet_q_name((uint8_t)i));
}

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Undo the encoding as a client would; fails on malformed output. */
static size_t
nvt_decode(const uint8_t *p, size_t n, bool binary, uint8_t *out)
{
	size_t	i = 0, o = 0;

	while (i < n) {
		if (p[i] == 0xff) {
			assert_true(i + 1 < n && p[i + 1] == 0xff);
			out[o++] = 0xff;
			i += 2;
		} else if (!binary && p[i] == '\r') {
			assert_true(i + 1 < n &&
			    (p[i + 1] == '\n' || p[i + 1] == '\0'));
			out[o++] = '\r';
			if (p[i + 1] == '\n')
				out[o++] = '\n';
			i += 2;
		} else
			out[o++] = p[i++];
	}
	return o;
}

/* Random buffers rich in CR, LF, NUL and IAC decode back to themselves. */
static void
encoder_output_decodes_to_its_input(void **state)
{
	static const uint8_t	 special[] = { '\r', '\n', 0, 0xff, 'a' };
	struct telnet		 t;
	uint8_t			 in[300], out[600], dec[600];
	size_t			 n, len, plain, i;
	uint32_t		 s = 12345;
	int			 round, binary;

	(void)state;
	for (round = 0; round < 20000; round++) {
		binary = round & 1;
		telnet_init(&t, see, NULL);
		if (binary)
			t.q[TELNET_US][TELNET_OPT_BINARY] = TELNET_Q_YES;
		n = rnd(&s) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = (rnd(&s) & 1) ? special[rnd(&s) % 5] :
			    (uint8_t)rnd(&s);
		plain = telnet_plain_len(&t, in, n);
		len = telnet_encode(&t, in, n, out);
		assert_true(len >= n && len <= 2 * n);
		assert_true(plain <= n);
		assert_memory_equal(out, in, plain);
		if (plain < n)
			assert_true(in[plain] == 0xff || (!binary &&
			    in[plain] == '\r'));
		assert_int_equal(plain == n, len == n);
		/* A CR last waits for the next byte; the end gives NUL. */
		assert_int_equal(t.cr_sent, !binary && n > 0 &&
		    in[n - 1] == '\r');
		if (t.cr_sent)
			out[len++] = 0;
		assert_int_equal(nvt_decode(out, len, binary, dec), n);
		assert_memory_equal(dec, in, n);
	}
}

/*
 * telnet_restore() takes what telnet_save() wrote, and nothing that no
 * engine under the same policy could be in.
 */
static void
restore_refuses_states_no_engine_has(void **state)
{
	struct telnet	t, u;
	uint8_t		saved[TELNET_SAVED_MAX], bad[TELNET_SAVED_MAX];
	size_t		len;

	(void)state;
	telnet_init(&t, see, NULL);
	/* An engine in the middle of things: options on, an SB begun. */
	t.q[TELNET_US][TELNET_OPT_ECHO] = TELNET_Q_YES;
	t.q[TELNET_HIM][TELNET_OPT_NAWS] = TELNET_Q_YES;
	t.q[TELNET_HIM][TELNET_OPT_TTYPE] = TELNET_Q_YES;
	t.ttype_asked = true;
	t.cr_sent = true;
	telnet_feed(&t, (const uint8_t *)"\xff\xfa\x1f\x00\x50", 5);
	len = telnet_save(&t, saved);
	assert_true(len <= sizeof(saved));

	telnet_init(&u, see, NULL);
	assert_int_equal(telnet_restore(&u, saved, len), 0);
	assert_int_equal(u.state, TELNET_STATE_SB_DATA);
	assert_int_equal(u.sb_len, 2);
	assert_true(u.ttype_asked && u.cr_sent);
	assert_memory_equal(u.q, t.q, sizeof(t.q));

#define REFUSED(what) do {						\
	telnet_init(&u, see, NULL);					\
	assert_int_equal(telnet_restore(&u, bad, len), -1);		\
	assert_int_equal(u.q[TELNET_US][TELNET_OPT_ECHO], TELNET_Q_NO);	\
	(void)(what);							\
} while (0)
	memcpy(bad, saved, len);
	bad[0] = 42;					/* no such state */
	REFUSED("parser state");
	memcpy(bad, saved, len);
	bad[1 + TELNET_HIM * 256 + TELNET_OPT_LINEMODE] = TELNET_Q_YES;
	REFUSED("LINEMODE on, which the policy refuses");
	memcpy(bad, saved, len);
	bad[1 + TELNET_US * 256 + TELNET_OPT_TM] = TELNET_Q_WANTYES;
	REFUSED("TIMING-MARK on");
	memcpy(bad, saved, len);
	bad[1 + TELNET_US * 256 + TELNET_OPT_ECHO] = 0x08;
	REFUSED("a Q state that does not exist");
	memcpy(bad, saved, len);
	bad[1 + TELNET_HIM * 256 + TELNET_OPT_TTYPE] = TELNET_Q_NO;
	REFUSED("a TTYPE SEND outstanding with TTYPE off");
	memcpy(bad, saved, len);
	bad[len - 1] |= 0x80;
	REFUSED("an unknown flag");
	memcpy(bad, saved, len);
	bad[1 + 512 + 2] = 0x10;			/* sb_len 4098 */
	REFUSED("a subnegotiation over the cap");
	telnet_init(&u, see, NULL);
	assert_int_equal(telnet_restore(&u, saved, len - 1), -1);
	assert_int_equal(telnet_restore(&u, saved, 0), -1);
#undef REFUSED
}

/* The relay's usual case: text with CR LF lines needs no escaping. */
static void
encoder_plain_text_is_written_as_is(void **state)
{
	static uint8_t	buf[1 << 16];
	struct telnet	t;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (i % 80 == 78) ? '\r' : (i % 80 == 79) ? '\n' :
		    (uint8_t)('a' + i % 26);
	telnet_init(&t, see, NULL);
	assert_int_equal(telnet_plain_len(&t, buf, sizeof(buf)),
	    sizeof(buf));
}

/*
 * A conversation between our engine and a peer.  The peer is another
 * engine, or a function turning what we sent into what it answers.
 */
struct wire {
	uint8_t	buf[65536];
	size_t	len;
};

static void
to_wire(void *ctx, const struct telnet_event *ev)
{
	struct wire	*w = ctx;

	if (ev->kind != TELNET_EV_SEND)
		return;
	assert_true(w->len + ev->data.len <= sizeof(w->buf));
	memcpy(w->buf + w->len, ev->data.bytes, ev->data.len);
	w->len += ev->data.len;
}

/* Our opening, and every other option we allow, requested. */
static void
request_everything(struct telnet *t)
{
	int	opt;

	for (opt = 0; opt < 256; opt++) {
		(void)telnet_request(t, (uint8_t)opt, TELNET_US, true);
		(void)telnet_request(t, (uint8_t)opt, TELNET_HIM, true);
	}
}

typedef size_t peer_fn(const uint8_t *, size_t, uint8_t *);

/* Echo every byte back: WILL X comes back as WILL X. */
static size_t
mirror(const uint8_t *in, size_t n, uint8_t *out)
{
	memcpy(out, in, n);
	return n;
}

/* Say yes to everything, redundant or not, as old clients do. */
static size_t
yes_man(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t	i, o = 0;

	for (i = 0; i + 2 < n; i++) {
		if (in[i] != 0xff || in[i + 1] < TELNET_WILL)
			continue;
		out[o++] = 0xff;
		switch (in[i + 1]) {
		case TELNET_WILL:
			out[o++] = TELNET_DO;
			break;
		case TELNET_WONT:
			out[o++] = TELNET_DONT;
			break;
		case TELNET_DO:
			out[o++] = TELNET_WILL;
			break;
		default:
			out[o++] = TELNET_WONT;
			break;
		}
		out[o++] = in[i + 2];
		i += 2;
	}
	return o;
}

/* Refuse everything, every time. */
static size_t
no_man(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t	i, o = 0;

	for (i = 0; i + 2 < n; i++) {
		if (in[i] != 0xff || in[i + 1] < TELNET_WILL)
			continue;
		out[o++] = 0xff;
		out[o++] = (in[i + 1] == TELNET_WILL ||
		    in[i + 1] == TELNET_WONT) ? TELNET_DONT : TELNET_WONT;
		out[o++] = in[i + 2];
		i += 2;
	}
	return o;
}

/*
 * Run until quiet; returns the rounds it took (fails past 10).  Every
 * negotiation must have ended: no side of any option left in WANT*.
 */
static int
converse(peer_fn *peer)
{
	struct telnet	 t;
	struct wire	*w = calloc(1, sizeof(*w));
	uint8_t		*back = malloc(sizeof(w->buf));
	size_t		 n;
	int		 rounds = 0, opt;

	assert_non_null(w);
	assert_non_null(back);
	telnet_init(&t, to_wire, w);
	request_everything(&t);
	while (w->len > 0) {
		assert_true(++rounds <= 10);
		n = peer(w->buf, w->len, back);
		w->len = 0;
		telnet_feed(&t, back, n);
	}
	for (opt = 0; opt < 256; opt++) {
		assert_true((t.q[TELNET_US][opt] & 3) <= TELNET_Q_YES);
		assert_true((t.q[TELNET_HIM][opt] & 3) <= TELNET_Q_YES);
	}
	free(w);
	free(back);
	return rounds;
}

static void
mirroring_peer_converges(void **state)
{
	(void)state;
	assert_true(converse(mirror) <= 3);
}

static void
peer_acknowledging_everything_converges(void **state)
{
	(void)state;
	assert_true(converse(yes_man) <= 3);
}

static void
peer_refusing_everything_converges(void **state)
{
	(void)state;
	assert_true(converse(no_man) <= 3);
}

/*
 * Two engines with random policies; random requests on either side while
 * bytes are in flight, delivered in random pieces.  Once the wire is
 * quiet, each side of each option is YES at one end exactly when it is
 * YES at the other, and nothing is pending: RFC 1143's promise.
 */
static void
two_engines_with_random_requests_always_agree(void **state)
{
	struct telnet	 a, b;
	struct wire	*ab = calloc(1, sizeof(*ab)), *ba = calloc(1,
			    sizeof(*ba));
	uint8_t		 tmp[65536];
	uint32_t	 s = 777;
	size_t		 n;
	int		 round, step, opt, moves;
	const uint8_t	 opts[] = { 0, 1, 3, 5, 24, 31, 33, 34, 39 };

	(void)state;
	assert_non_null(ab);
	assert_non_null(ba);
	for (round = 0; round < 2000; round++) {
		ab->len = ba->len = 0;
		telnet_init(&a, to_wire, ab);
		telnet_init(&b, to_wire, ba);
		for (opt = 0; opt < 9; opt++) {
			telnet_allow(&a, opts[opt], rnd(&s) & 3);
			telnet_allow(&b, opts[opt], rnd(&s) & 3);
		}
		moves = 1 + rnd(&s) % 40;
		for (step = 0; step < moves || ab->len || ba->len; step++) {
			struct telnet	*who = (rnd(&s) & 1) ? &a : &b;
			struct wire	*w = who == &a ? ab : ba;
			struct telnet	*peer = who == &a ? &b : &a;

			assert_true(step < 10000);
			if (step < moves && rnd(&s) % 3 == 0) {
				(void)telnet_request(who,
				    opts[rnd(&s) % 9], rnd(&s) & 1 ?
				    TELNET_US : TELNET_HIM, rnd(&s) & 1);
				continue;
			}
			if (w->len == 0)
				continue;
			/* Deliver a random prefix, as TCP may. */
			n = 1 + rnd(&s) % w->len;
			memcpy(tmp, w->buf, n);
			memmove(w->buf, w->buf + n, w->len - n);
			w->len -= n;
			telnet_feed(peer, tmp, n);
		}
		for (opt = 0; opt < 256; opt++) {
			assert_int_equal(
			    telnet_enabled(&a, (uint8_t)opt, TELNET_US),
			    telnet_enabled(&b, (uint8_t)opt, TELNET_HIM));
			assert_int_equal(
			    telnet_enabled(&a, (uint8_t)opt, TELNET_HIM),
			    telnet_enabled(&b, (uint8_t)opt, TELNET_US));
			assert_true((a.q[0][opt] & 3) <= TELNET_Q_YES);
			assert_true((a.q[1][opt] & 3) <= TELNET_Q_YES);
			assert_true((b.q[0][opt] & 3) <= TELNET_Q_YES);
			assert_true((b.q[1][opt] & 3) <= TELNET_Q_YES);
		}
	}
	free(ab);
	free(ba);
}

/*
 * The queue bit at work: one engine makes random requests, the other
 * only answers by its policy, bytes arrive in random pieces.  Once quiet,
 * each option is on exactly when the last request asked for it and the
 * peer agrees to it: a request made while another is under way is never
 * lost, whatever the timing.
 */
static void
last_request_wins_whatever_the_timing(void **state)
{
	struct telnet	 a, b;
	struct wire	*ab = calloc(1, sizeof(*ab)), *ba = calloc(1,
			    sizeof(*ba));
	uint8_t		 tmp[65536];
	uint32_t	 s = 4242;
	size_t		 n;
	int		 round, step, i, moves, side, want[2][9];
	unsigned int	 ballow[9];
	const uint8_t	 opts[] = { 0, 1, 3, 5, 24, 31, 33, 34, 39 };

	(void)state;
	assert_non_null(ab);
	assert_non_null(ba);
	for (round = 0; round < 3000; round++) {
		ab->len = ba->len = 0;
		telnet_init(&a, to_wire, ab);
		telnet_init(&b, to_wire, ba);
		for (i = 0; i < 9; i++) {
			telnet_allow(&a, opts[i], rnd(&s) & 3);
			ballow[i] = rnd(&s) & 3;
			telnet_allow(&b, opts[i], ballow[i]);
			want[0][i] = want[1][i] = 0;
		}
		moves = 1 + rnd(&s) % 60;
		for (step = 0; step < moves || ab->len || ba->len; step++) {
			struct wire	*w = (rnd(&s) & 1) ? ab : ba;

			assert_true(step < 10000);
			if (step < moves && rnd(&s) % 2 == 0) {
				bool	on = rnd(&s) & 1;

				i = (int)(rnd(&s) % 9);
				side = (int)(rnd(&s) & 1);
				if (telnet_request(&a, opts[i],
				    (enum telnet_side)side, on) == 0)
					want[side][i] = on;
				continue;
			}
			if (w->len == 0)
				continue;
			n = 1 + rnd(&s) % w->len;
			memcpy(tmp, w->buf, n);
			memmove(w->buf, w->buf + n, w->len - n);
			w->len -= n;
			telnet_feed(w == ab ? &b : &a, tmp, n);
		}
		for (i = 0; i < 9; i++) {
			/* Our side needs his DO: his HIM policy, and back. */
			assert_int_equal(
			    telnet_enabled(&a, opts[i], TELNET_US),
			    want[TELNET_US][i] &&
			    (ballow[i] & TELNET_ALLOW_HIM) != 0);
			assert_int_equal(
			    telnet_enabled(&a, opts[i], TELNET_HIM),
			    want[TELNET_HIM][i] &&
			    (ballow[i] & TELNET_ALLOW_US) != 0 &&
			    opts[i] != TELNET_OPT_TM);
		}
		assert_false(telnet_pending(&a) &&
		    !telnet_enabled(&a, TELNET_OPT_TTYPE, TELNET_HIM) &&
		    !telnet_enabled(&a, TELNET_OPT_NEW_ENVIRON, TELNET_HIM));
	}
	free(ab);
	free(ba);
}

/*
 * BusyBox answers DO SGA with nothing (and WILL SGA with DONT): SGA stays
 * unanswered, but NAWS and TTYPE are settled, which is all the opening
 * wait looks at.
 */
static void
waiting_is_per_option_so_one_unanswered_request_does_not_block(void **state)
{
	static const uint8_t	 answer[] = {
		0xff, 0xfd, 0x01, 0xff, 0xfe, 0x03,	/* DO ECHO, DONT SGA */
		0xff, 0xfb, 0x1f,			/* WILL NAWS */
		0xff, 0xfa, 0x1f, 0x00, 0x50, 0x00, 0x18, 0xff, 0xf0,
		0xff, 0xfb, 0x18,			/* WILL TTYPE */
	};
	static const uint8_t	 ttype[] = {
		0xff, 0xfa, 0x18, 0x00, 'x', 't', 'e', 'r', 'm', 0xff, 0xf0,
	};
	struct telnet		 t;
	struct seen		 s = { 0 };

	(void)state;
	telnet_init(&t, see, &s);
	telnet_request(&t, TELNET_OPT_ECHO, TELNET_US, true);
	telnet_request(&t, TELNET_OPT_SGA, TELNET_US, true);
	telnet_request(&t, TELNET_OPT_SGA, TELNET_HIM, true);
	telnet_request(&t, TELNET_OPT_NAWS, TELNET_HIM, true);
	telnet_request(&t, TELNET_OPT_TTYPE, TELNET_HIM, true);
	assert_true(telnet_waiting(&t, TELNET_OPT_NAWS));
	assert_true(telnet_waiting(&t, TELNET_OPT_TTYPE));

	telnet_feed(&t, answer, sizeof(answer));
	assert_false(telnet_waiting(&t, TELNET_OPT_NAWS));
	/* WILL TTYPE came; the SB TTYPE SEND is not answered yet. */
	assert_true(telnet_waiting(&t, TELNET_OPT_TTYPE));
	telnet_feed(&t, ttype, sizeof(ttype));
	assert_false(telnet_waiting(&t, TELNET_OPT_TTYPE));
	assert_false(telnet_waiting(&t, TELNET_OPT_NEW_ENVIRON));
	/* His SGA is still unanswered, so the engine as a whole pends. */
	assert_true(telnet_waiting(&t, TELNET_OPT_SGA));
	assert_true(telnet_pending(&t));
}

/* Usage: test_telnet [-f PATTERN], PATTERN over test names (* and ?). */
int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_events_point_into_the_input_buffer),
		cmocka_unit_test(
		    iac_iac_delivers_the_second_iac_and_what_follows),
		cmocka_unit_test(cr_is_delivered_before_its_lf_arrives),
		cmocka_unit_test(empty_feed_produces_nothing),
		cmocka_unit_test(set_handler_moves_events_to_the_new_handler),
		cmocka_unit_test(option_names_are_rfc_names_and_never_null),
		cmocka_unit_test(command_names_are_rfc_names_and_never_null),
		cmocka_unit_test(state_and_q_names_cover_every_value),
		cmocka_unit_test(encoder_output_decodes_to_its_input),
		cmocka_unit_test(encoder_plain_text_is_written_as_is),
		cmocka_unit_test(restore_refuses_states_no_engine_has),
		cmocka_unit_test(mirroring_peer_converges),
		cmocka_unit_test(peer_acknowledging_everything_converges),
		cmocka_unit_test(peer_refusing_everything_converges),
		cmocka_unit_test(
		    two_engines_with_random_requests_always_agree),
		cmocka_unit_test(last_request_wins_whatever_the_timing),
		cmocka_unit_test(
		    waiting_is_per_option_so_one_unanswered_request_does_not_block),
	};

	if (argc == 3 && strcmp(argv[1], "-f") == 0)
		cmocka_set_test_filter(argv[2]);
	return cmocka_run_group_tests_name("telnet", tests, NULL, NULL);
}
