/* SPDX-License-Identifier: ISC */
/*
 * The part of systemd's daemon interface nvtd uses, with libsystemd's
 * names and results (sd-daemon(3)), implemented in sd.c.
 */
#ifndef NVTD_SD_H
#define NVTD_SD_H

#include <stdint.h>

#define SD_LISTEN_FDS_START	3

/* Sockets passed by systemd: how many from fd 3 on (sd_listen_fds(3)). */
int	sd_listen_fds(int unset_environment);
/*
 * Is fd a socket of this family (AF_UNSPEC: any), type (0: any) and,
 * unless listening is negative, listening or not?  1, 0, or -errno.
 */
int	sd_is_socket(int fd, int family, int type, int listening);
/* A state line for the service manager (sd_notify(3)): 1 sent, 0 no
 * manager, -errno. */
int	sd_notify(int unset_environment, const char *state);
int	sd_notifyf(int unset_environment, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
/* Does the manager want WATCHDOG=1, every *usec / 2 (sd_watchdog_enabled(3))? */
int	sd_watchdog_enabled(int unset_environment, uint64_t *usec);

#endif
