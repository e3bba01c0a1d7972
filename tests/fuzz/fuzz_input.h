/* SPDX-License-Identifier: ISC */
/*
 * The layout of a fuzz input for tests/fuzz/fuzz_telnet.c, shared with
 * the transcript runner that writes the seed corpus: a header of
 * FUZZ_HEADER_LEN bytes, then the client's bytes.
 *
 *   byte 0   FUZZ_* flags: the policy and what the handler does
 *   byte 1   seed for the cuts: where the client's bytes are split
 *            between telnet_feed() calls
 */
#ifndef NVTD_FUZZ_INPUT_H
#define NVTD_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_HEADER_LEN	2

#define FUZZ_ALLOW_ENV	0x01	/* telnet_allow(NEW-ENVIRON, HIM) */
#define FUZZ_OPENING	0x02	/* nvtd's opening requests first */
#define FUZZ_ALLOW_ALL	0x04	/* every option allowed, both sides */
#define FUZZ_CYCLE	0x08	/* ask TTYPE again on each TTYPE event */
#define FUZZ_CHAOS	0x10	/* requests from inside the handler */
#define FUZZ_MARK	0x20	/* our DO TIMING-MARK after the opening */
#define FUZZ_HANDOFF	0x40	/* the cut run is saved and restored into
				 * a new engine at every cut */

/* An invariant of the code under test: broken, it aborts, a finding. */
#define CHECK(cond)	do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* The entry point libFuzzer calls, and tests/fuzz/replay.c too. */
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
