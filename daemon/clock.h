/* SPDX-License-Identifier: ISC */
/*
 * Time for waits and deadlines: the monotonic clock, which no change of
 * the wall clock moves.
 */
#ifndef NVTD_CLOCK_H
#define NVTD_CLOCK_H

#include <time.h>

/* Milliseconds on the monotonic clock. */
static inline long long
clock_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
