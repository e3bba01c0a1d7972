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
	int		 master;	/* packet mode, close-on-exec */
	int		 slave;		/* for the shell; -1 once handed over */
	char		 path[PTY_PATH_MAX];	/* "/dev/pts/3" */
	char		 line[PTY_PATH_MAX];	/* "pts/3", for utmp, logs */
	const char	*failed;	/* the step that failed, for pty_why() */
	int		 bsd;		/* a legacy BSD pty */
};

/* Opens a BSD master; open(2) but for the unit tests' fake devices. */
typedef int	pty_open_fn(const char *path, int flags);

/*
 * Allocate a pty for user uid: the slave owned by uid, group tty, mode
 * 0620, login termios, window size ws (when it has one), packet mode on
 * the master.  UNIX 98 ptys, or BSD ones when /dev/ptmx does not exist.
 * Returns 0, or -1 with errno, p->failed naming the step, and nothing
 * left open.
 */
int	pty_open(struct pty *, uid_t uid, const struct winsize *ws);
/* Why an allocation failed: words for the client, a fix for the log. */
struct pty_diag {
	char	why[128];	/* "all 3 pseudo-terminals ... (max=3)" */
	char	fix[256];	/* "mount -o remount,max=16 /dev/pts" */
};

/*
 * Why pty_open() failed with err, looking at the devpts mount and
 * /dev/ptmx to name the option, limit or file at fault.
 */
void	pty_why(const struct pty *, int err, struct pty_diag *);
/*
 * Find a free BSD master in dir: /dev/pty[p-za-e][0-9a-f] in order, in
 * use (EIO) skipped, stopping at the first that does not exist.  Returns
 * the master fd with its path and the slave's (pty -> tty), or -1.
 */
int	pty_bsd_find(const char *dir, pty_open_fn *, char *master,
	    char *slave, size_t size);
/*
 * After the session: give a BSD slave back to root, mode 0666, as the
 * next login expects it.  (UNIX 98 slaves vanish with the master.)
 */
void	pty_release(const struct pty *);
/* Set the termios a login starts with on fd (a terminal). */
int	pty_set_defaults(int fd);
void	pty_close(struct pty *);

#endif
