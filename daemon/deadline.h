/* SPDX-License-Identifier: ISC */
/*
 * The login deadline: one absolute limit on everything before the
 * session starts (negotiation, banner, the whole PAM conversation).
 */
#ifndef NVTD_DEADLINE_H
#define NVTD_DEADLINE_H

#define DEADLINE_EXIT	3	/* exit status when the deadline fires */

/* Arm it: after seconds, tell the client on fd and exit. */
void	deadline_arm(int fd, unsigned int seconds);
/* The login is over (or failed): the deadline no longer applies. */
void	deadline_disarm(void);

#endif
