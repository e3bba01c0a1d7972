/* SPDX-License-Identifier: ISC */
/*
 * The relay: socket <-> pty master, for the life of the session.
 */
#ifndef NVTD_RELAY_H
#define NVTD_RELAY_H

#include <sys/types.h>

struct handoff;
struct options;
struct user;

/*
 * Fork the relay.  The child takes over the connection on fd from the
 * state the login handed over (h: the engine's state, the type-ahead),
 * drops to the user's ids, and relays between it and the pty master
 * until the session ends: the pty closes, the client goes away, or the
 * monitor closes *ctl, which it must do when the shell has exited (the
 * relay then drains the pty and stops).  Returns the child's pid, or -1.
 * The relay exits 0 when the session ended on the shell's side (the pty
 * closed, or *ctl did); any other end means the connection ended it
 * first, and its exit hung up the terminal under the shell.
 */
pid_t	relay_start(const struct handoff *h, int fd, int master,
	    const struct user *, const struct options *, int *ctl);

#endif
