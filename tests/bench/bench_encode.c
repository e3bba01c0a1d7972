/* SPDX-License-Identifier: ISC */
/*
 * Speed of the telnet engine's hot paths (daemon/telnet.c): the output
 * encoder the relay runs on every buffer read from the pty (RFC 854 NVT:
 * IAC doubling, bare CR to CR NUL), and telnet_feed() on client data.
 * Prints MB/s for buffers of the sizes a relay reads.
 *
 * Usage: bench_encode (make bench)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telnet.h"

#define TOTAL	(256u << 20)	/* bytes processed per measurement */

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
ignore(void *ctx, const struct telnet_event *ev)
{
	size_t	*n = ctx;

	*n += ev->kind == TELNET_EV_DATA ? ev->data.len : 0;
}

/* Text lines of 80 columns ending in CR LF, as a pty with ONLCR writes. */
static void
fill_text(uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (i % 80 == 78) ? '\r' : (i % 80 == 79) ? '\n' :
		    (uint8_t)(' ' + (i * 7) % 95);
}

/* Random bytes: about 1 in 256 an IAC, 1 in 256 a bare CR. */
static void
fill_binary(uint8_t *p, size_t n)
{
	size_t		i;
	uint32_t	s = 1;

	for (i = 0; i < n; i++) {
		s = s * 1103515245 + 12345;
		p[i] = (uint8_t)(s >> 16);
	}
}

/* A byte at a time, the obvious way: what memchr scanning is worth. */
static size_t
naive_encode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		out[o++] = in[i];
		if (in[i] == 0xff)
			out[o++] = 0xff;
		else if (in[i] == '\r' && (i + 1 == n || in[i + 1] != '\n'))
			out[o++] = 0;
	}
	return o;
}

enum what { PLAIN_LEN, ENCODE, NAIVE, FEED };

static void
measure(const char *name, enum what what, const uint8_t *buf, size_t bsz,
    int binary)
{
	struct telnet	 t;
	uint8_t		*out = malloc(2 * bsz);
	size_t		 done = 0, sink = 0;
	double		 t0, dt;

	telnet_init(&t, ignore, &sink);
	if (binary) {
		t.q[TELNET_US][TELNET_OPT_BINARY] = TELNET_Q_YES;
		t.q[TELNET_HIM][TELNET_OPT_BINARY] = TELNET_Q_YES;
	}
	t0 = now();
	while (done < TOTAL) {
		switch (what) {
		case PLAIN_LEN:
			sink += telnet_plain_len(&t, buf, bsz);
			break;
		case ENCODE:
			sink += telnet_encode(&t, buf, bsz, out);
			break;
		case NAIVE:
			sink += naive_encode(buf, bsz, out);
			break;
		case FEED:
			telnet_feed(&t, buf, bsz);
			break;
		}
		done += bsz;
	}
	dt = now() - t0;
	printf("%-44s %6zu B buffers %8.0f MB/s  (%zu)\n", name, bsz,
	    done / dt / 1e6, sink % 10);
	free(out);
}

int
main(void)
{
	static uint8_t	text[65536], bin[65536];
	size_t		sizes[] = { 4096, 65536 };
	size_t		i;

	fill_text(text, sizeof(text));
	fill_binary(bin, sizeof(bin));
	for (i = 0; i < 2; i++) {
		measure("plain_len, text with CR LF (nothing to do)",
		    PLAIN_LEN, text, sizes[i], 0);
		measure("encode, text with CR LF (nothing to do)", ENCODE,
		    text, sizes[i], 0);
		measure("naive byte loop, same text (comparison)", NAIVE,
		    text, sizes[i], 0);
		measure("encode, random bytes, NVT", ENCODE, bin, sizes[i],
		    0);
		measure("encode, random bytes, BINARY", ENCODE, bin,
		    sizes[i], 1);
		measure("feed, client text with CR LF", FEED, text, sizes[i],
		    0);
		measure("feed, client random bytes, BINARY", FEED, bin,
		    sizes[i], 1);
	}
	return 0;
}
