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
 */
#include <sys/ttydefaults.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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
 * reads and writes, the tty group may write, as write(1) does).  Not
 * running as root, we can only keep a slave that is already ours.
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
	if (fchown(slave, uid, gid) == -1) {
		if (errno != EPERM || geteuid() == 0 || st.st_uid != uid)
			return -1;
		gid = st.st_gid;	/* ours already; keep its group */
	}
	return fchmod(slave, 0620);
}

int
pty_open(struct pty *p, uid_t uid, const struct winsize *ws)
{
	int	on = 1, saved;

	memset(p, 0, sizeof(*p));
	p->master = p->slave = -1;

	if ((p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (pty_grant(p->master) == -1 || unlockpt(p->master) == -1 ||
	    (errno = ptsname_r(p->master, p->path, sizeof(p->path))) != 0)
		goto fail;
	strlcpy(p->line, strncmp(p->path, "/dev/", 5) == 0 ? p->path + 5 :
	    p->path, sizeof(p->line));

	/* The slave from the master itself: no race on the path. */
	p->slave = ioctl(p->master, TIOCGPTPEER,
	    O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave == -1)
		p->slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave == -1)
		goto fail;

	if (pty_give(p->slave, uid) == -1 || pty_set_defaults(p->slave) == -1)
		goto fail;
	if (ws != NULL && (ws->ws_row != 0 || ws->ws_col != 0) &&
	    ioctl(p->slave, TIOCSWINSZ, ws) == -1)
		goto fail;
	/* Packet mode before any process can touch the slave. */
	if (ioctl(p->master, TIOCPKT, &on) == -1)
		goto fail;
	return 0;

fail:
	saved = errno;
	pty_close(p);
	errno = saved;
	return -1;
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
