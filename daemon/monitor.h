/* SPDX-License-Identifier: ISC */
/*
 * The monitor's wait: root holds the PAM session while the user's shell
 * and the relay run.
 */
#ifndef NVTD_MONITOR_H
#define NVTD_MONITOR_H

#include <sys/types.h>

/*
 * Before forking the shell: block the signals the monitor waits for, and
 * make it the session's subreaper, so that a process of the session whose
 * parent exits becomes the monitor's child (and is reaped by its wait).
 */
void	monitor_prepare(void);
/*
 * Wait until both the shell and the relay have exited.  When the shell
 * exits first, close ctl so the relay drains the pty and stops; when the
 * relay exits first (the client left), its exit has hung up the terminal,
 * and the shell follows; what the hangup missed is sent a SIGHUP of its
 * own (hangup.c).  SIGTERM, SIGHUP and SIGINT end the relay, and
 * so the session, the same way.  Returns the shell's wait status.
 */
int	monitor_wait(pid_t shell, pid_t relay, int ctl);

#endif
