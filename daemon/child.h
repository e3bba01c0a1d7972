/* SPDX-License-Identifier: ISC */
/*
 * The pre-auth child: the unprivileged, sandboxed process that holds the
 * connection before login (privsep.c starts it, as
 * "nvtd --preauth-child UID:GID ARGS...").
 */
#ifndef NVTD_CHILD_H
#define NVTD_CHILD_H

struct options;

/*
 * With the client socket on fd 0 and the monitor's channel on fd 1:
 * take the connection over, enter the sandbox, negotiate, then do what
 * the monitor asks until it is done.  Never returns.
 */
void	child_main(const struct options *) __attribute__((__noreturn__));

#endif
