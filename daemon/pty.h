/* SPDX-License-Identifier: ISC */
/*
 * The session's pseudo-terminal: allocated after authentication, owned by
 * the user, set up before the shell exists.
 */
#ifndef NVTD_PTY_H
#define NVTD_PTY_H

#include <sys/ioctl.h>
#include <sys/types.h>

#define PTY_PATH_MAX	64

struct pty {
	int	master;			/* packet mode, close-on-exec */
	int	slave;			/* for the shell; -1 once handed over */
	char	path[PTY_PATH_MAX];	/* "/dev/pts/3" */
	char	line[PTY_PATH_MAX];	/* "pts/3", for utmp and logs */
};

/*
 * Allocate a pty for user uid: the slave owned by uid, group tty, mode
 * 0620, login termios, window size ws (when it has one), packet mode on
 * the master.  Returns 0, or -1 with errno and nothing left open.
 */
int	pty_open(struct pty *, uid_t uid, const struct winsize *ws);
/* Set the termios a login starts with on fd (a terminal). */
int	pty_set_defaults(int fd);
void	pty_close(struct pty *);

#endif
