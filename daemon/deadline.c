/* SPDX-License-Identifier: ISC */
/*
 * The login deadline, after sshd's LoginGraceTime.  A PAM module may
 * block for any time, so the deadline cannot be a poll timeout: it is
 * SIGALRM, whose handler writes one prepared line to the client and
 * _exit()s.  Only async-signal-safe calls run in the handler (write,
 * open, read, close, kill, _exit), on data prepared when the deadline
 * was armed.
 *
 * Nothing of the pre-authentication state survives it: the process ends,
 * and so do the processes PAM modules started for this login (pam_exec's
 * command, a helper that hangs, and what they started in turn):
 *
 *   - each child, and the process group it may lead (pam_exec's command
 *     runs in a session of its own), gets SIGKILL; the children are read
 *     from /proc/self/task/PID/children with open() and read(), both
 *     async-signal-safe;
 *   - our own process group gets SIGTERM and SIGCONT, for what did not
 *     leave it.  The monitor leads a group of its own from the moment
 *     the deadline is armed (the listener's monitors and systemd's
 *     services lead a session already; under inetd a new group is
 *     made), so that this reaches no one else.  Its own copy of the
 *     signal stays blocked, as the handler runs with every signal
 *     blocked, and goes with the _exit().
 *
 * The exit status (DEADLINE_EXIT) tells the listener what happened, and
 * it logs the timeout.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "children.h"
#include "deadline.h"

static int	deadline_fd = -1;
static char	deadline_msg[80];
static size_t	deadline_len;
static int	deadline_group;		/* we lead our process group */
static char	deadline_children[64];	/* /proc/self/task/PID/children */

/* SIGKILL to a child and to the group it may lead.  Async-signal-safe. */
static void
deadline_kill(pid_t pid, void *arg)
{
	(void)arg;
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
}

static void
deadline_fired(int sig)
{
	(void)sig;
	if (deadline_fd != -1)
		(void)!write(deadline_fd, deadline_msg, deadline_len);
	children_each(deadline_children, deadline_kill, NULL);
	if (deadline_group) {
		(void)kill(0, SIGTERM);
		(void)kill(0, SIGCONT);		/* a stopped helper too */
	}
	_exit(DEADLINE_EXIT);
}

void
deadline_arm(int fd, unsigned int seconds)
{
	struct sigaction	sa;
	sigset_t		alrm;

	/* Before any child: they must land in our group. */
	if (getpgrp() != getpid())
		(void)setpgid(0, 0);
	deadline_group = getpgrp() == getpid();
	snprintf(deadline_children, sizeof(deadline_children),
	    "/proc/self/task/%ld/children", (long)getpid());

	deadline_fd = fd;
	snprintf(deadline_msg, sizeof(deadline_msg),
	    "\r\nLogin timed out after %u seconds.\r\n", seconds);
	deadline_len = strlen(deadline_msg);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = deadline_fired;
	sigfillset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	/* Whoever started us may have left SIGALRM blocked. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	alarm(seconds);
}

void
deadline_disarm(void)
{
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	deadline_fd = -1;
}
