/* SPDX-License-Identifier: ISC */
/*
 * Pseudo-terminal allocation, the UNIX 98 way (pty(7), posix_openpt(3)):
 *
 *   posix_openpt -> grantpt -> unlockpt -> ptsname_r -> open the slave
 *   (TIOCGPTPEER) -> fchown user:tty, fchmod 0620 -> termios defaults ->
 *   window size -> TIOCPKT on the master
 *
 * All of it happens before the shell exists, so that the shell's very
 * first `stty size` already sees the client's window, and packet mode is
 * on before anything can write to the slave.
 *
 * Without /dev/ptmx, the legacy BSD ptys are tried (CONFIG_LEGACY_PTYS:
 * /dev/ptyp0 and so on, slaves /dev/ttyp0...), made the user's by hand.
 *
 * When allocation fails, pty_why() says why in words: most failures come
 * from how devpts is mounted (containers: newinstance, ptmxmode=0666,
 * mode=620, gid=5, and /dev/ptmx pointing at pts/ptmx) or from the pty
 * limits (kernel.pty.max, kernel.pty.reserve, the mount's max=).  nvtd
 * --check (check.c) looks at all of it before anyone logs in.
 */
#include <sys/ttydefaults.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "devpts.h"
#include "log.h"
#include "pty.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER	_IO('T', 0x41)
#endif


int
pty_set_defaults(int fd)
{
	struct termios	t;

	if (tcgetattr(fd, &t) == -1)
		return -1;
	/* What `stty sane` gives, with UTF-8 input and DEL as erase. */
	t.c_iflag = BRKINT | ICRNL | IXON | IMAXBEL | IUTF8;
	t.c_oflag = OPOST | ONLCR;
	t.c_cflag = (t.c_cflag & ~(CSIZE | PARENB)) | CS8 | CREAD;
	t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
	    IEXTEN;
	t.c_cc[VINTR] = CTRL('C');
	t.c_cc[VQUIT] = CTRL('\\');
	t.c_cc[VERASE] = 0x7f;
	t.c_cc[VKILL] = CTRL('U');
	t.c_cc[VEOF] = CTRL('D');
	t.c_cc[VEOL] = _POSIX_VDISABLE;
	t.c_cc[VEOL2] = _POSIX_VDISABLE;
	t.c_cc[VSTART] = CTRL('Q');
	t.c_cc[VSTOP] = CTRL('S');
	t.c_cc[VSUSP] = CTRL('Z');
	t.c_cc[VREPRINT] = CTRL('R');
	t.c_cc[VWERASE] = CTRL('W');
	t.c_cc[VLNEXT] = CTRL('V');
	t.c_cc[VDISCARD] = CTRL('O');
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, B38400);
	cfsetospeed(&t, B38400);
	return tcsetattr(fd, TCSANOW, &t);
}

/*
 * grantpt() may fork a helper and wait for it (older glibc, or a /dev/pts
 * that is not devpts): a SIGCHLD handler of ours could reap the helper
 * first and make it fail.  Keep SIGCHLD at its default meanwhile.
 */
static int
pty_grant(int master)
{
	struct sigaction	dfl, old;
	int			r, saved;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &old);
	r = grantpt(master);
	saved = errno;
	sigaction(SIGCHLD, &old, NULL);
	errno = saved;
	return r;
}

/*
 * Give the slave to the user: owner uid, group tty, mode 0620 (the owner
 * reads and writes, the tty group may write, as write(1) does).
 */
static int
pty_give(int slave, uid_t uid)
{
	struct group	*gr;
	struct stat	 st;
	gid_t		 gid;

	if (fstat(slave, &st) == -1)
		return -1;
	gid = (gr = getgrnam("tty")) != NULL ? gr->gr_gid : st.st_gid;
	/* Not root, we can only keep a slave that is ours already. */
	if (fchown(slave, uid, gid) == -1 &&
	    (errno != EPERM || geteuid() == 0 || st.st_uid != uid))
		return -1;
	return fchmod(slave, 0620);
}

int
pty_bsd_find(const char *dir, pty_open_fn *open_fn, char *master,
    char *slave, size_t size)
{
	static const char	 letters[] = "pqrstuvwxyzabcde";
	static const char	 digits[] = "0123456789abcdef";
	const char		*l, *d;
	int			 fd;

	for (l = letters; *l != '\0'; l++) {
		for (d = digits; *d != '\0'; d++) {
			snprintf(master, size, "%s/pty%c%c", dir, *l, *d);
			fd = open_fn(master, O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (fd != -1) {
				snprintf(slave, size, "%s/tty%c%c", dir, *l,
				    *d);
				return fd;
			}
			if (errno == ENOENT)
				return -1;	/* the last one there is */
			/* EIO: in use; anything else: try the next. */
		}
	}
	errno = ENOSPC;
	return -1;
}

/* UNIX 98: the master from /dev/ptmx, the slave from the master. */
static int
pty_open_unix98(struct pty *p)
{
	p->failed = "posix_openpt";
	if ((p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	p->failed = "grantpt";
	if (pty_grant(p->master) == -1)
		return -1;
	p->failed = "unlockpt";
	if (unlockpt(p->master) == -1)
		return -1;
	p->failed = "ptsname";
	if ((errno = ptsname_r(p->master, p->path, sizeof(p->path))) != 0)
		return -1;
	/* The slave from the master itself: no race on the path. */
	p->failed = "open slave";
	p->slave = ioctl(p->master, TIOCGPTPEER,
	    O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave == -1)
		p->slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return p->slave == -1 ? -1 : 0;
}

static int
pty_open_device(const char *path, int flags)
{
	return open(path, flags);
}

/* BSD: the first free /dev/ptyXY, then its /dev/ttyXY. */
static int
pty_open_bsd(struct pty *p)
{
	char	master[PTY_PATH_MAX];

	p->failed = "BSD pty";
	p->master = pty_bsd_find("/dev", pty_open_device, master, p->path,
	    sizeof(p->path));
	if (p->master == -1)
		return -1;
	p->bsd = 1;
	p->failed = "open slave";
	p->slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return p->slave == -1 ? -1 : 0;
}

void
pty_release(const struct pty *p)
{
	if (p->bsd && (chown(p->path, 0, 0) == -1 ||
	    chmod(p->path, 0666) == -1))
		log_warn("release %s", p->path);
}

int
pty_open(struct pty *p, uid_t uid, const struct winsize *ws)
{
	int	on = 1, saved;

	memset(p, 0, sizeof(*p));
	p->master = p->slave = -1;

	if (pty_open_unix98(p) == -1) {
		saved = errno;
		if (p->master != -1 || saved != ENOENT || pty_open_bsd(p) ==
		    -1) {
			/* Report the UNIX 98 failure, the one that matters. */
			if (p->master == -1 && saved == ENOENT)
				p->failed = "posix_openpt";
			errno = saved;
			goto fail;
		}
	}
	strlcpy(p->line, strncmp(p->path, "/dev/", 5) == 0 ? p->path + 5 :
	    p->path, sizeof(p->line));

	p->failed = "fchown";
	if (pty_give(p->slave, uid) == -1)
		goto fail;
	p->failed = "tcsetattr";
	if (pty_set_defaults(p->slave) == -1)
		goto fail;
	p->failed = "TIOCSWINSZ";
	if (ws != NULL && (ws->ws_row != 0 || ws->ws_col != 0) &&
	    ioctl(p->slave, TIOCSWINSZ, ws) == -1)
		goto fail;
	/* Packet mode before any process can touch the slave. */
	p->failed = "TIOCPKT";
	if (ioctl(p->master, TIOCPKT, &on) == -1)
		goto fail;
	p->failed = NULL;
	return 0;

fail:
	saved = errno;
	pty_close(p);
	errno = saved;
	return -1;
}

/*
 * posix_openpt() failed: which piece of the devpts setup is at fault,
 * named as the operator would see it (a mount option, a limit, a file),
 * with a command that fixes it.  0, or -1 if err is none of these.
 */
static int
pty_why_ptmx(int err, struct pty_diag *d)
{
	struct stat	st;
	long		max, used, nr, kmax, reserve;

	switch (err) {
	case ENOENT:
		/* A link to pts/ptmx, but nothing mounted on /dev/pts. */
		if (lstat("/dev/ptmx", &st) == 0 && !devpts_mounted()) {
			strlcpy(d->why, "devpts is not mounted on /dev/pts",
			    sizeof(d->why));
			strlcpy(d->fix, DEVPTS_MOUNT, sizeof(d->fix));
			return 0;
		}
		strlcpy(d->why, "/dev/ptmx does not exist", sizeof(d->why));
		snprintf(d->fix, sizeof(d->fix), "%s%sln -s pts/ptmx /dev/ptmx",
		    devpts_mounted() ? "" : DEVPTS_MOUNT,
		    devpts_mounted() ? "" : " && ");
		return 0;
	case EACCES:
	case EPERM:
		if (stat("/dev/ptmx", &st) == -1)
			return -1;
		if (devpts_ptmx_is_own()) {
			snprintf(d->why, sizeof(d->why), "/dev/ptmx refuses "
			    "access (devpts mount option ptmxmode=%03o)",
			    (unsigned int)(st.st_mode & 0777));
			strlcpy(d->fix, "mount -o remount,ptmxmode=0666 "
			    "/dev/pts", sizeof(d->fix));
		} else if ((st.st_mode & 0666) != 0666) {
			snprintf(d->why, sizeof(d->why), "/dev/ptmx refuses "
			    "access (mode %04o)", (unsigned int)(st.st_mode &
			    07777));
			strlcpy(d->fix, "chmod 0666 /dev/ptmx", sizeof(d->fix));
		} else {
			/* Not the mode: a device cgroup, a security module. */
			strlcpy(d->why, "/dev/ptmx refuses access (not by its "
			    "mode)", sizeof(d->why));
			strlcpy(d->fix, "allow the device c 5:2 rw in the "
			    "container's device cgroup and security policy",
			    sizeof(d->fix));
		}
		return 0;
	case ENOSPC:
	case EAGAIN:
		/* The mount's own limit, else the kernel's. */
		max = devpts_max();
		used = devpts_in_use();
		if (max >= 0 && used >= max) {
			snprintf(d->why, sizeof(d->why), "all %ld "
			    "pseudo-terminals of this devpts are in use "
			    "(mount option max=%ld)", max, max);
			snprintf(d->fix, sizeof(d->fix), "mount -o remount,"
			    "max=%ld /dev/pts", max < 8 ? 16 : 2 * max);
			return 0;
		}
		devpts_kernel(&nr, &kmax, &reserve);
		snprintf(d->why, sizeof(d->why), "the kernel's limit of "
		    "pseudo-terminals is reached (kernel.pty.max=%ld)", kmax);
		snprintf(d->fix, sizeof(d->fix), "sysctl -w kernel.pty.max=%ld "
		    "on the host (kernel.pty.nr is %ld; a devpts mounted in a "
		    "container may only use kernel.pty.max - "
		    "kernel.pty.reserve = %ld of them)", 2 * kmax, nr,
		    kmax - reserve);
		return 0;
	case EIO:
	case ENODEV:
		strlcpy(d->why, "devpts is not mounted on /dev/pts",
		    sizeof(d->why));
		strlcpy(d->fix, DEVPTS_MOUNT, sizeof(d->fix));
		return 0;
	default:
		return -1;
	}
}

/* The other steps: what a failure means, by step; the first match wins. */
static const struct {
	const char	*step;		/* NULL: any step */
	const char	*why;
	const char	*fix;
} pty_reasons[] = {
	{ "BSD pty", "no BSD pseudo-terminal is free",
	    "use UNIX 98 ptys: " DEVPTS_MOUNT " && ln -s pts/ptmx /dev/ptmx" },
	{ "grantpt", "the terminal's permissions cannot be set",
	    "mount -o remount,gid=5,mode=620 /dev/pts" },
	{ "fchown", "the terminal cannot be given to the user",
	    "run nvtd as root; in a user namespace, map the tty group (gid 5) "
	    "and mount devpts with gid=5" },
	{ "open slave", "the terminal cannot be opened",
	    "check the devpts mount options (nvtd --check)" },
	{ NULL, "the terminal cannot be set up", "run nvtd --check" },
};

void
pty_why(const struct pty *p, int err, struct pty_diag *d)
{
	size_t	i;

	if (p->failed != NULL && strcmp(p->failed, "posix_openpt") == 0 &&
	    pty_why_ptmx(err, d) == 0)
		return;
	for (i = 0; i < sizeof(pty_reasons) / sizeof(pty_reasons[0]) - 1;
	    i++)
		if (p->failed != NULL &&
		    strcmp(pty_reasons[i].step, p->failed) == 0)
			break;
	strlcpy(d->why, pty_reasons[i].why, sizeof(d->why));
	strlcpy(d->fix, pty_reasons[i].fix, sizeof(d->fix));
}

void
pty_close(struct pty *p)
{
	if (p->slave != -1)
		close(p->slave);
	if (p->master != -1)
		close(p->master);
	p->slave = p->master = -1;
}
