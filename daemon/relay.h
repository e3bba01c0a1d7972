/* SPDX-License-Identifier: ISC */
/*
 * The relay: socket <-> pty master, for the life of the session.
 */
#ifndef NVTD_RELAY_H
#define NVTD_RELAY_H

#include <sys/types.h>

struct conn;
struct user;

/*
 * Fork the relay.  The child drops to the user's ids, takes over the
 * connection (its telnet state, queued output and type-ahead) and the pty
 * master, and relays until the session ends: the pty closes, the client
 * goes away, or the monitor closes *ctl, which it must do when the shell
 * has exited (the relay then drains the pty and stops).  Returns the
 * child's pid, or -1.
 */
pid_t	relay_start(struct conn *, int master, const struct user *, int *ctl);

#endif
