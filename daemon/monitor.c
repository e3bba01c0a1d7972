/* SPDX-License-Identifier: ISC */
/*
 * What the monitor does while a session runs: nothing but wait.  It keeps
 * the PAM handle, because pam_close_session must run in the process that
 * opened the session, as root ("we must fork before setuid(), because we
 * need to call pam_close_session() as root", login.c).  It keeps no copy
 * of the pty master nor of the socket, so that the relay's exit really
 * hangs up the terminal and really closes the connection.
 *
 * That hangup is the only one the shell gets: when the last master fd
 * closes, the kernel sends SIGHUP and SIGCONT to the session leader, and
 * the shell passes SIGHUP on to its jobs.  The monitor sends the shell
 * no SIGHUP of its own: a second one that lands while bash is still
 * handling the first makes it exit at once, and its background jobs then
 * outlive the session.  What it does send, when the terminal hung up
 * under a live shell, goes to the processes the hangup missed
 * (hangup.c): once the shell has exited, or a second after the hangup
 * if it has not.
 *
 * Signals arrive through a signalfd; they are blocked from before the
 * children are forked, so no SIGCHLD can be missed.  With --record, the
 * monitor also reads what the relay passes it and writes the recording
 * (record.c).
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "hangup.h"
#include "log.h"
#include "monitor.h"
#include "record.h"
#include "trace.h"

/*
 * How long the shell has, after a hangup, to pass it on to its jobs; how
 * often, until then, the session is looked at again while a process in it
 * catches SIGHUP (it may be a child of the shell, not yet its command).
 */
#define MONITOR_HANGUP_GRACE_MS	1000
#define MONITOR_HANGUP_LOOK_MS	100

static void
monitor_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGINT);
}

/*
 * The processes of session sid that the hangup (at hangup_ms) missed get
 * SIGHUP; looked for again while one catches SIGHUP, until the grace ends.
 */
static void
monitor_hangup(pid_t sid, long long hangup_ms, const char *when)
{
	int	n, sent = 0, catching;

	for (;;) {
		n = hangup_missed(sid, &catching);
		sent += n;
		trace_step("%s: SIGHUP to the %d process%s of session %ld "
		    "that the hangup missed; %d catch%s it", when, n,
		    n == 1 ? "" : "es", (long)sid, catching,
		    catching == 1 ? "es" : "");
		if (catching == 0 || clock_ms() + MONITOR_HANGUP_LOOK_MS >
		    hangup_ms + MONITOR_HANGUP_GRACE_MS)
			break;
		(void)poll(NULL, 0, MONITOR_HANGUP_LOOK_MS);
	}
	if (sent > 0)
		log_debug("%s: SIGHUP to %d process%s the hangup missed",
		    when, sent, sent == 1 ? "" : "es");
}

void
monitor_prepare(void)
{
	sigset_t	set;

	monitor_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* What the session leaves behind stays below the monitor. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		log_warn("prctl PR_SET_CHILD_SUBREAPER");
}

int
monitor_wait(pid_t shell, pid_t relay, int ctl)
{
	struct signalfd_siginfo	si;
	struct pollfd		pfd[2];
	sigset_t		set;
	pid_t			pid, sid = shell;
	long long		hangup = 0;	/* the terminal went, shell alive */
	bool			reminded = false;
	int			fd, status, shell_status = 0, timeout, n;

	monitor_signals(&set);
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = record_fd();	/* -1 (ignored) when not recording */
	pfd[1].events = POLLIN;

	while (shell != -1 || relay != -1) {
		timeout = -1;
		if (hangup != 0 && !reminded) {
			timeout = (int)(hangup + MONITOR_HANGUP_GRACE_MS -
			    clock_ms());
			if (timeout < 0)
				timeout = 0;
		}
		if ((n = poll(pfd, 2, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (n == 0) {
			/* The shell is still there: what holds it up? */
			monitor_hangup(sid, hangup, "the shell still runs a "
			    "second after the hangup");
			reminded = true;
			continue;
		}
		if (pfd[1].revents != 0 && record_read() == 0)
			pfd[1].fd = -1;
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		if (read(fd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			fatal("read signalfd");
		}
		if (si.ssi_signo != SIGCHLD) {
			log_info("%s: ending the session", strsignal(
			    (int)si.ssi_signo));
			/* The relay's exit hangs up the terminal. */
			if (relay != -1)
				(void)kill(relay, SIGTERM);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			trace_step("waitpid: %s %ld ended, status %#x",
			    pid == shell ? "the shell" : pid == relay ?
			    "the relay" : "process", (long)pid,
			    (unsigned int)status);
			if (pid == shell) {
				shell = -1;
				shell_status = status;
				/* The relay drains the pty, then stops. */
				close(ctl);
				ctl = -1;
			} else if (pid == relay) {
				/*
				 * Its exit closed the master: hung up.  Under
				 * the shell, unless the shell's end ended it.
				 */
				relay = -1;
				if (!WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0)
					hangup = clock_ms();
			}
		}
	}
	if (hangup != 0)
		monitor_hangup(sid, hangup, "the shell exited after the "
		    "hangup");
	if (ctl != -1)
		close(ctl);
	close(fd);
	return shell_status;
}
