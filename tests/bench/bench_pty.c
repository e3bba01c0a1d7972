/* SPDX-License-Identifier: ISC */
/*
 * The pty's own limit, for make bench: cat FILE on a pty set up exactly
 * as nvtd sets up a session's (daemon/pty.c: login termios, packet
 * mode), read from the master by a reader that does nothing else:
 * blocking reads of 64 KiB until the slave is gone.  No daemon can relay
 * faster than this reader receives.
 *
 * Usage: bench_pty FILE
 * Prints: <data bytes> <seconds> <reader CPU seconds>
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pty.h"

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	static unsigned char	buf[1 + 65536];
	struct pty		p;
	struct rusage		ru;
	long long		total = 0;
	double			t0, dt;
	ssize_t			n;
	pid_t			pid;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_pty FILE\n");
		return 2;
	}
	if (pty_open(&p, getuid(), NULL) == -1) {
		perror("pty_open");
		return 1;
	}
	t0 = now();
	if ((pid = fork()) == -1) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		/* As the session's shell would be: the pty is its ctty. */
		if (setsid() == -1 || ioctl(p.slave, TIOCSCTTY, 0) == -1 ||
		    dup2(p.slave, 1) == -1)
			_exit(127);
		execlp("cat", "cat", argv[1], (char *)NULL);
		_exit(127);
	}
	close(p.slave);
	for (;;) {
		n = read(p.master, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* EIO: no slave left, all read */
		if (buf[0] == TIOCPKT_DATA)
			total += n - 1;
	}
	dt = now() - t0;
	(void)waitpid(pid, NULL, 0);
	getrusage(RUSAGE_SELF, &ru);
	printf("%lld %.6f %.6f\n", total, dt, ru.ru_utime.tv_sec +
	    ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) /
	    1e6);
	return 0;
}
