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
 *   dup2 to 0, 1, 2; close the rest (but the trace's own fds, which
 *                                 are close-on-exec)
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
#include "trace.h"
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
	trace_step("setsid: session %ld, no controlling terminal",
	    (long)getpid());
	if (ioctl(slave, TIOCSCTTY, 0) == -1)
		session_fail("TIOCSCTTY");
	/* Does /dev/tty open now?  Then the slave really is our ctty. */
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		session_fail("open /dev/tty");
	close(fd);
	trace_step("ioctl TIOCSCTTY: the pty slave is the controlling "
	    "terminal (/dev/tty opens)");
}

/* Close fds from lo to hi. */
static void
session_close_range(unsigned int lo, unsigned int hi)
{
	unsigned int	fd;

	if (lo > hi || close_range(lo, hi, 0) == 0)
		return;
	for (fd = lo; fd <= hi && fd < 1024; fd++)
		(void)close((int)fd);
}

/*
 * Every fd above 2: the master, the socket, PAM's fds...  The trace's
 * own stay, so that the steps up to the execve can be traced; they are
 * close-on-exec.
 */
static void
session_close_fds(void)
{
	int		keep[2], t;
	size_t		n = trace_fds(keep), i;
	unsigned int	lo = 3;

	if (n == 2 && keep[0] > keep[1]) {
		t = keep[0];
		keep[0] = keep[1];
		keep[1] = t;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > lo)
			session_close_range(lo, (unsigned int)keep[i] - 1);
		lo = (unsigned int)keep[i] + 1;
	}
	session_close_range(lo, ~0U);
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
	trace_step("utmp: login record for %s on %s", u->name, p->line);

	if (dup2(slave, STDIN_FILENO) == -1 ||
	    dup2(slave, STDOUT_FILENO) == -1 ||
	    dup2(slave, STDERR_FILENO) == -1)
		_exit(1);
	session_close_fds();
	trace_step("dup2: %s is fds 0, 1 and 2; every other fd closed",
	    p->path);

	if (privs_drop(u->uid, u->gid, &what) == -1)
		session_fail(what);
	trace_step("setresgid %u, setresuid %u: the user's ids, checked; "
	    "setuid(0) fails", (unsigned int)u->gid, (unsigned int)u->uid);

	if (chdir(u->home) == -1) {
		dprintf(STDERR_FILENO, "No directory %s, logging in with "
		    "HOME=/\r\n", u->home);
		if (chdir("/") == -1)
			session_fail("chdir /");
		for (size_t i = 0; env[i] != NULL; i++)
			if (strncmp(env[i], "HOME=", 5) == 0)
				env[i] = home_root;
		trace_step("chdir /");
	} else
		trace_step("chdir %s", u->home);

	/* A login shell: argv[0] is the shell's name after a '-'. */
	base = strrchr(u->shell, '/');
	base = base != NULL ? base + 1 : u->shell;
	snprintf(argv0, sizeof(argv0), "-%s", base);
	argv[0] = argv0;
	argv[1] = NULL;
	trace_step("execve %s, argv[0] \"%s\"", u->shell, argv0);
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
	if (pid > 0)
		trace_step("fork: the session leader, pid %ld", (long)pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}
