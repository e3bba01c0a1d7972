/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of pseudo-terminal allocation (daemon/pty.c).
 *
 * The BSD scan runs over a fake device directory: an opener that fails
 * with EIO for masters in use, as the kernel does, and ENOENT past the
 * last one.  The grantpt() caveat is shown with a grantpt() of our own,
 * which, like glibc's helper path, forks a child and waits for it: a
 * SIGCHLD handler that reaps every child would take it first, unless
 * pty_open() keeps SIGCHLD at its default around the call.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "pty.h"

/* The fake /dev: ptyp0 up to fake_last exist, fake_in_use are taken. */
static const char	*fake_in_use[8];
static const char	*fake_last;
static int		 fake_opens;

static int
fake_open(const char *path, int flags)
{
	const char	*name = strrchr(path, '/') + 1;
	size_t		 i;

	(void)flags;
	fake_opens++;
	if (name[3] != 'p' || strcmp(name, fake_last) > 0) {
		errno = ENOENT;
		return -1;
	}
	for (i = 0; i < 8 && fake_in_use[i] != NULL; i++)
		if (strcmp(name, fake_in_use[i]) == 0) {
			errno = EIO;
			return -1;
		}
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static void
bsd_scan_skips_masters_in_use(void **state)
{
	char	master[64], slave[64];
	int	fd;

	(void)state;
	fake_in_use[0] = "ptyp0";
	fake_in_use[1] = "ptyp1";
	fake_in_use[2] = NULL;
	fake_last = "ptypf";
	fake_opens = 0;
	fd = pty_bsd_find("/fake/dev", fake_open, master, slave,
	    sizeof(master));
	assert_true(fd >= 0);
	close(fd);
	assert_string_equal(master, "/fake/dev/ptyp2");
	assert_string_equal(slave, "/fake/dev/ttyp2");
	assert_int_equal(fake_opens, 3);
}

static void
bsd_scan_stops_at_the_first_master_missing(void **state)
{
	char	master[64], slave[64];

	(void)state;
	fake_in_use[0] = "ptyp0";
	fake_in_use[1] = "ptyp1";
	fake_in_use[2] = NULL;
	fake_last = "ptyp1";		/* only two exist, both in use */
	fake_opens = 0;
	assert_int_equal(pty_bsd_find("/fake/dev", fake_open, master, slave,
	    sizeof(master)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fake_opens, 3);
}

/* Every master in use: 16 letters of 16 digits, in p-z then a-e order. */
static int
all_in_use(const char *path, int flags)
{
	static const char	*expect = "pqrstuvwxyzabcde";
	static int		 n;
	const char		*name = strrchr(path, '/') + 1;

	(void)flags;
	assert_int_equal(name[3], expect[n / 16]);
	assert_int_equal(name[4], "0123456789abcdef"[n % 16]);
	n++;
	errno = EIO;
	return -1;
}

static void
bsd_scan_goes_p_to_z_then_a_to_e(void **state)
{
	char	master[64], slave[64];

	(void)state;
	assert_int_equal(pty_bsd_find("/fake/dev", all_in_use, master, slave,
	    sizeof(master)), -1);
	assert_int_equal(errno, ENOSPC);
}

/*
 * grantpt() as glibc's helper path does it: fork, then wait for the
 * child.  The helper finishes before the wait here (waitid WNOWAIT sees
 * it exit without reaping it), as it often does for real: the SIGCHLD
 * that comes with its exit is delivered before waitpid() runs.
 */
static int	grantpt_forks;

int
grantpt(int fd)
{
	siginfo_t	info;
	pid_t		pid;
	int		status;

	(void)fd;
	if (!grantpt_forks)
		return 0;
	if ((pid = fork()) == 0)
		_exit(0);
	if (pid == -1 || waitid(P_PID, (id_t)pid, &info, WEXITED |
	    WNOWAIT) == -1)
		return -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;	/* a handler reaped our helper */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static volatile sig_atomic_t	reaped;

static void
reap_everything(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		reaped++;
}

static void
allocation_works_with_a_sigchld_handler_installed(void **state)
{
	struct sigaction	sa, old;
	struct winsize		ws = { .ws_row = 33, .ws_col = 101 }, got;
	struct termios		t;
	struct stat		st;
	struct pty		p;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reap_everything;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &old);

	/* The handler is there and reaps (the test of the test). */
	if (fork() == 0)
		_exit(0);
	while (reaped == 0)
		pause();

	grantpt_forks = 1;
	assert_int_equal(pty_open(&p, geteuid(), &ws), 0);
	grantpt_forks = 0;
	sigaction(SIGCHLD, &old, NULL);

	/* And what pty_open() promises about the terminal. */
	assert_int_equal(fstat(p.slave, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 0777, 0620);
	assert_int_equal(ioctl(p.slave, TIOCGWINSZ, &got), 0);
	assert_int_equal(got.ws_row, 33);
	assert_int_equal(got.ws_col, 101);
	assert_int_equal(tcgetattr(p.slave, &t), 0);
	assert_true(t.c_lflag & ECHO);
	assert_true(t.c_lflag & ICANON);
	assert_true(t.c_iflag & IUTF8);
	assert_int_equal(t.c_cc[VERASE], 0x7f);
	assert_string_equal(p.line, p.path + 5);
	pty_close(&p);
}

/*
 * The words depend on this host's devpts (integration tests set up each
 * case); what holds anywhere: each failure is named, with a fix.
 */
static void
failures_are_explained_by_step_and_errno(void **state)
{
	struct pty	p = { .failed = "posix_openpt" };
	struct pty_diag	d;

	(void)state;
	pty_why(&p, ENOSPC, &d);
	assert_non_null(strstr(d.why, "pseudo-terminals"));
	assert_non_null(strstr(d.fix, "max="));
	pty_why(&p, EACCES, &d);
	assert_non_null(strstr(d.why, "/dev/ptmx refuses access"));
	assert_true(d.fix[0] != '\0');
	pty_why(&p, EIO, &d);
	assert_string_equal(d.why, "devpts is not mounted on /dev/pts");
	assert_non_null(strstr(d.fix, "mount -t devpts"));
	p.failed = "fchown";
	pty_why(&p, EINVAL, &d);
	assert_string_equal(d.why, "the terminal cannot be given to the user");
	p.failed = "no such step";
	pty_why(&p, EIO, &d);
	assert_non_null(strstr(d.fix, "--check"));
	p.failed = NULL;
	pty_why(&p, EIO, &d);
	assert_non_null(strstr(d.fix, "--check"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bsd_scan_skips_masters_in_use),
		cmocka_unit_test(bsd_scan_stops_at_the_first_master_missing),
		cmocka_unit_test(bsd_scan_goes_p_to_z_then_a_to_e),
		cmocka_unit_test(
		    allocation_works_with_a_sigchld_handler_installed),
		cmocka_unit_test(failures_are_explained_by_step_and_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
