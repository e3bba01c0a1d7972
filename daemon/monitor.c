/* SPDX-License-Identifier: ISC */
/*
 * What the monitor does while a session runs: nothing but wait.  It keeps
 * the PAM handle, because pam_close_session must run in the process that
 * opened the session, as root ("we must fork before setuid(), because we
 * need to call pam_close_session() as root", login.c).  It keeps no copy
 * of the pty master nor of the socket, so that the relay's exit really
 * hangs up the terminal and really closes the connection.
 *
 * That hangup is the only one: when the last master fd closes, the
 * kernel sends SIGHUP and SIGCONT to the session leader, and the shell
 * passes SIGHUP on to its jobs.  The monitor sends no SIGHUP of its own:
 * a second one that lands while bash is still handling the first makes
 * it exit at once, and its background jobs then outlive the session.
 *
 * Signals arrive through a signalfd; they are blocked from before the
 * children are forked, so no SIGCHLD can be missed.  With --record, the
 * monitor also reads what the relay passes it and writes the recording
 * (record.c).
 */
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "monitor.h"
#include "record.h"
#include "trace.h"

static void
monitor_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGINT);
}

void
monitor_block_signals(void)
{
	sigset_t	set;

	monitor_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int
monitor_wait(pid_t shell, pid_t relay, int ctl)
{
	struct signalfd_siginfo	si;
	struct pollfd		pfd[2];
	sigset_t		set;
	pid_t			pid;
	int			fd, status, shell_status = 0;

	monitor_signals(&set);
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = record_fd();	/* -1 (ignored) when not recording */
	pfd[1].events = POLLIN;

	while (shell != -1 || relay != -1) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
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
				/* Its exit closed the master: hung up. */
				relay = -1;
			}
		}
	}
	if (ctl != -1)
		close(ctl);
	close(fd);
	return shell_status;
}
