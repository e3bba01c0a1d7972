/* SPDX-License-Identifier: ISC */
/*
 * The listener: accept connections, fork a monitor for each, within
 * limits, and tell systemd how it goes.
 */
#ifndef NVTD_LISTEN_H
#define NVTD_LISTEN_H

#include <stddef.h>

struct options;

#define LISTEN_FDS_MAX	32

typedef int	listen_serve_fn(int fd, const struct options *);

/*
 * Open the sockets that -l names: bound, listening, nonblocking,
 * close-on-exec.  Returns how many were opened into fds; exits with one
 * line naming the address when one cannot be opened.
 */
size_t	listen_open(const struct options *, int *fds, size_t max);
/*
 * Serve connections on the listening sockets until SIGTERM or SIGINT:
 * each accepted connection gets a child running serve().  Returns the
 * exit status.
 */
int	listen_run(const struct options *, const int *fds, size_t nfds,
	    listen_serve_fn *serve);
/*
 * In a child of the listener, tell it that the user has authenticated
 * (the connection now counts as a session).  Does nothing otherwise.
 */
void	listen_authenticated(void);

#endif
