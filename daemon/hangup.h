/* SPDX-License-Identifier: ISC */
/*
 * After the terminal hangs up under a live shell: the processes of the
 * session that the hangup missed.
 */
#ifndef NVTD_HANGUP_H
#define NVTD_HANGUP_H

#include <sys/types.h>

/*
 * Send SIGHUP to each process of session sid that would die of one and
 * still lives.  Returns how many were sent one; *catching is how many
 * were left alone because they catch SIGHUP (among them, a child the
 * shell forked that has not yet reset its handlers and run its command).
 */
int	hangup_missed(pid_t sid, int *catching);

#endif
