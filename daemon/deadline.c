/* SPDX-License-Identifier: ISC */
/*
 * The login deadline, after sshd's LoginGraceTime.  A PAM module may
 * block for any time, so the deadline cannot be a poll timeout: it is
 * SIGALRM, whose handler writes one prepared line to the client and
 * _exit()s.  Only async-signal-safe calls run in the handler; nothing of
 * the pre-authentication state survives it, because the whole process
 * ends.  The exit status (DEADLINE_EXIT) tells the listener what happened,
 * and it logs the timeout.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"

static int	deadline_fd = -1;
static char	deadline_msg[80];
static size_t	deadline_len;

static void
deadline_fired(int sig)
{
	(void)sig;
	if (deadline_fd != -1)
		(void)!write(deadline_fd, deadline_msg, deadline_len);
	_exit(DEADLINE_EXIT);
}

void
deadline_arm(int fd, unsigned int seconds)
{
	struct sigaction	sa;

	deadline_fd = fd;
	snprintf(deadline_msg, sizeof(deadline_msg),
	    "\r\nLogin timed out after %u seconds.\r\n", seconds);
	deadline_len = strlen(deadline_msg);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = deadline_fired;
	sigfillset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
}

void
deadline_disarm(void)
{
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	deadline_fd = -1;
}
