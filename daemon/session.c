/* SPDX-License-Identifier: ISC */
/*
 * The session leader, after OpenSSH's sshpty.c and util-linux login(1).
 * The child forked here never returns into the daemon's code: it ends in
 * execve() of the user's shell, or in _exit().  Each step is checked
 * after it runs:
 *
 *   default signal dispositions and an empty mask
 *   setsid()                      a new session, no controlling tty
 *   ioctl(slave, TIOCSCTTY)       the pty slave becomes its ctty,
 *                                 checked by opening /dev/tty
 *   utmp login record             still root, with our own pid
 *   dup2 to 0, 1, 2; close the rest
 *   setgid, setuid                the groups were set by the monitor
 *                                 (initgroups before pam_setcred);
 *                                 checked: every id is the user's, and
 *                                 setuid(0) fails for a non-root user
 *   chdir home (or /)
 *   execve the shell as a login shell: argv[0] is "-bash"
 *
 * Errors after dup2 are written to fd 2, which is the pty: the user sees
 * them through the relay.
 */
#include <sys/ioctl.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "log.h"
#include "privs.h"
#include "pty.h"
#include "session.h"
#include "utmp.h"

/* Say what went wrong on the terminal and in the log, then give up. */
static void __attribute__((__noreturn__))
session_fail(const char *what)
{
	int	saved = errno;

	dprintf(STDERR_FILENO, "nvtd: %s: %s\r\n", what, strerror(saved));
	errno = saved;
	log_warn("session: %s", what);
	_exit(1);
}

/* Every signal back to its default, nothing blocked. */
static void
session_signals(void)
{
	struct sigaction	sa;
	sigset_t		set;
	int			sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/* Make slave our controlling terminal, in a session of our own. */
static void
session_ctty(int slave)
{
	int	fd;

	if (setsid() == -1)
		session_fail("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) == -1)
		session_fail("TIOCSCTTY");
	/* Does /dev/tty open now?  Then the slave really is our ctty. */
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		session_fail("open /dev/tty");
	close(fd);
}

/* The child's whole life: never returns. */
static void __attribute__((__noreturn__))
session_child(const struct pty *p, const struct user *u, char **env,
    const char *host)
{
	static char	 home_root[] = "HOME=/";
	char		 argv0[NAME_MAX + 2];
	char		*argv[2];
	const char	*base, *what;
	int		 slave = p->slave;

	session_signals();
	session_ctty(slave);
	utmp_login(getpid(), p->line, u->name, host);

	if (dup2(slave, STDIN_FILENO) == -1 ||
	    dup2(slave, STDOUT_FILENO) == -1 ||
	    dup2(slave, STDERR_FILENO) == -1)
		_exit(1);
	/* fds 0-2 and nothing else: the master, the socket, PAM's fds... */
	if (close_range(3, ~0U, 0) == -1) {
		int	fd;

		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
	}

	if (privs_drop(u->uid, u->gid, &what) == -1)
		session_fail(what);

	if (chdir(u->home) == -1) {
		dprintf(STDERR_FILENO, "No directory %s, logging in with "
		    "HOME=/\r\n", u->home);
		if (chdir("/") == -1)
			session_fail("chdir /");
		for (size_t i = 0; env[i] != NULL; i++)
			if (strncmp(env[i], "HOME=", 5) == 0)
				env[i] = home_root;
	}

	/* A login shell: argv[0] is the shell's name after a '-'. */
	base = strrchr(u->shell, '/');
	base = base != NULL ? base + 1 : u->shell;
	snprintf(argv0, sizeof(argv0), "-%s", base);
	argv[0] = argv0;
	argv[1] = NULL;
	execve(u->shell, argv, env);
	session_fail(u->shell);
}

pid_t
session_start(const struct pty *p, const struct user *u, char **env,
    const char *host)
{
	sigset_t	all, old;
	pid_t		pid;
	int		saved;

	/* No signal handler of ours may run in the child before exec. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		session_child(p, u, env, host);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}
