/* SPDX-License-Identifier: ISC */
/*
 * Keystroke echo round trips, for make bench: on each connected telnet
 * session given as an inherited fd (a program that reads lines, such as
 * cat, in the foreground, terminal echo on), send one character and time
 * until its echo comes back.  The sessions take turns; every 40
 * characters a session gets an Enter (untimed), so lines stay short.
 *
 * Usage: bench_echo SAMPLES FD...
 * Prints one round trip per line, in microseconds, in sample order.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_WAIT_MS	10000	/* an echo later than this is a failure */

static long long
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Read from fd until byte c arrives.  -1 on EOF, error or timeout. */
static int
await(int fd, unsigned char c)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	unsigned char	buf[4096];
	ssize_t		n;

	for (;;) {
		/* Sockets may be nonblocking: poll only when nothing is there. */
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			if (memchr(buf, c, (size_t)n) != NULL)
				return 0;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (poll(&pfd, 1, BENCH_WAIT_MS) == 0)
			return -1;
	}
}

static int
put(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	long		 samples, i;
	int		 nfds, fd;
	unsigned int	*count;
	unsigned char	 c;
	long long	 t0;

	if (argc < 3 || (samples = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: bench_echo SAMPLES FD...\n");
		return 2;
	}
	nfds = argc - 2;
	if ((count = calloc((size_t)nfds, sizeof(*count))) == NULL)
		return 1;
	for (i = 0; i < samples; i++) {
		fd = atoi(argv[2 + i % nfds]);
		c = (unsigned char)('a' + count[i % nfds] % 26);
		t0 = now_ns();
		if (put(fd, &c, 1) == -1 || await(fd, c) == -1) {
			fprintf(stderr, "bench_echo: no echo on fd %d\n", fd);
			return 1;
		}
		printf("%.1f\n", (now_ns() - t0) / 1e3);
		if (++count[i % nfds] % 40 == 0 &&
		    (put(fd, "\r\n", 2) == -1 || await(fd, '\n') == -1)) {
			fprintf(stderr, "bench_echo: no newline on fd %d\n",
			    fd);
			return 1;
		}
	}
	return 0;
}
