/* SPDX-License-Identifier: ISC */
/*
 * nvtd --check: can a login work on this host?  One line per check, OK,
 * WARN or FAIL, with the fix.  Most of it is about pseudo-terminals,
 * because that is what goes wrong in containers: devpts must be mounted
 * on /dev/pts (newinstance, ptmxmode=0666, mode=620, gid=5), /dev/ptmx
 * must reach that mount, and the pty limits (kernel.pty.max, .reserve,
 * the mount's max=) must leave room.  The test allocation goes through
 * pty_open(), the very code a login runs.
 *
 * Exit status 0 when nothing FAILed, 1 otherwise.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "devpts.h"
#include "options.h"
#include "privsep.h"
#include "pty.h"
#include "sandbox.h"

struct check {
	int	fails;
	int	warns;
};

enum check_level { CHECK_OK, CHECK_WARN, CHECK_FAIL };

static void __attribute__((__format__(__printf__, 3, 4)))
report(struct check *ck, enum check_level level, const char *fmt, ...)
{
	static const char *const names[] = { "OK  ", "WARN", "FAIL" };
	va_list	ap;

	if (level == CHECK_FAIL)
		ck->fails++;
	else if (level == CHECK_WARN)
		ck->warns++;
	printf("%s ", names[level]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* devpts on /dev/pts, and its options. */
static void
check_devpts(struct check *ck, char *opts, size_t size)
{
	struct group	*gr = getgrnam("tty");
	char		 v[32];
	long		 max, used, more;

	if (devpts_options(opts, size) == -1) {
		opts[0] = '\0';
		report(ck, CHECK_FAIL, "devpts is not mounted on /dev/pts; fix: "
		    DEVPTS_MOUNT);
		return;
	}
	report(ck, CHECK_OK, "devpts is mounted on /dev/pts (%s)", opts);
	if (devpts_option(opts, "gid", v, sizeof(v)) == NULL)
		report(ck, geteuid() == 0 ? CHECK_OK : CHECK_WARN,
		    "devpts has no gid= option: new terminals get their "
		    "opener's group, %s; fix: mount -o remount,gid=5 /dev/pts",
		    geteuid() == 0 ? "nvtd (root) sets group tty itself" :
		    "and nvtd is not root to set group tty");
	else if (gr != NULL && (gid_t)atol(v) != gr->gr_gid)
		report(ck, CHECK_WARN, "devpts gid=%s is not the tty group "
		    "(%u); fix: mount -o remount,gid=%u /dev/pts", v,
		    (unsigned int)gr->gr_gid, (unsigned int)gr->gr_gid);
	if ((max = devpts_max()) < 0)
		return;
	used = devpts_in_use();
	more = max < 8 ? 16 : 2 * max;
	if (used >= max)
		report(ck, CHECK_FAIL, "devpts allows %ld terminals (its "
		    "option max=%ld) and all are in use; fix: mount -o "
		    "remount,max=%ld /dev/pts", max, max, more);
	else if (max < 16)
		report(ck, CHECK_WARN, "devpts allows only %ld terminals (its "
		    "option max=%ld), %ld in use; fix: mount -o "
		    "remount,max=%ld /dev/pts", max, max, used, more);
	else
		report(ck, CHECK_OK, "devpts allows %ld terminals (its option "
		    "max=%ld), %ld in use", max, max, used);
}

/*
 * /dev/ptmx: there, reaching the devpts on /dev/pts, and open to nvtd
 * (by its effective ids and capabilities: root without
 * CAP_DAC_OVERRIDE is refused a mode 0000 ptmx).
 */
static void
check_ptmx(struct check *ck)
{
	struct stat	 st;
	char		 what[96];
	const char	*fix;
	int		 own, usable, level;

	if (lstat("/dev/ptmx", &st) == -1) {
		if (access("/dev/ptyp0", F_OK) == 0)
			report(ck, CHECK_WARN, "/dev/ptmx does not exist, "
			    "legacy BSD ptys will be used; fix: ln -s pts/ptmx "
			    "/dev/ptmx");
		else
			report(ck, CHECK_FAIL, "/dev/ptmx does not exist; fix: "
			    "ln -s pts/ptmx /dev/ptmx");
		return;
	}
	if (stat("/dev/ptmx", &st) == -1) {
		if (devpts_mounted())
			report(ck, CHECK_FAIL, "/dev/ptmx is a link to "
			    "nothing; fix: ln -sf pts/ptmx /dev/ptmx");
		else
			report(ck, CHECK_FAIL, "/dev/ptmx is a link into "
			    "/dev/pts, where devpts is not mounted; fix: %s",
			    DEVPTS_MOUNT);
		return;
	}
	own = devpts_ptmx_is_own();
	if (!own && !(S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 &&
	    minor(st.st_rdev) == 2)) {
		report(ck, CHECK_FAIL, "/dev/ptmx is not the ptmx device "
		    "(5:2); fix: ln -sf pts/ptmx /dev/ptmx");
		return;
	}
	/* devpts's ptmx has the mode of the mount option ptmxmode=. */
	if (own) {
		snprintf(what, sizeof(what), "devpts's ptmx, mode %04o (mount "
		    "option ptmxmode=%03o)", (unsigned int)(st.st_mode & 07777),
		    (unsigned int)(st.st_mode & 0777));
		fix = "mount -o remount,ptmxmode=0666 /dev/pts";
	} else {
		snprintf(what, sizeof(what), "the ptmx device, mode %04o",
		    (unsigned int)(st.st_mode & 07777));
		fix = "chmod 0666 /dev/ptmx";
	}
	usable = faccessat(AT_FDCWD, "/dev/ptmx", R_OK | W_OK,
	    AT_EACCESS) == 0;
	if ((st.st_mode & 0666) == 0666)
		report(ck, CHECK_OK, "/dev/ptmx is %s", what);
	else {
		level = usable ? CHECK_WARN : CHECK_FAIL;
		report(ck, level, "/dev/ptmx is %s: %s; fix: %s", what,
		    usable ? "nvtd may open it, but only because it may "
		    "override file modes (screen, tmux, script run by users "
		    "cannot)" : "nvtd may not open it", fix);
	}
}

/* A real allocation, through the code a login uses. */
static void
check_allocation(struct check *ck)
{
	struct pty	p;
	struct pty_diag	d;
	int		err;

	if (pty_open(&p, geteuid(), NULL) == -1) {
		err = errno;
		pty_why(&p, err, &d);
		report(ck, CHECK_FAIL, "a test terminal cannot be allocated: "
		    "%s (%s: %s); fix: %s", d.why, p.failed, strerror(err),
		    d.fix);
		return;
	}
	report(ck, CHECK_OK, "a test terminal was allocated (%s%s)", p.path,
	    p.bsd ? ", a legacy BSD pty" : "");
	pty_release(&p);
	pty_close(&p);
}

/* Room for more terminals under the kernel's limits. */
static void
check_headroom(struct check *ck)
{
	long	nr, max, reserve;

	devpts_kernel(&nr, &max, &reserve);
	if (nr < 0 || max < 0 || reserve < 0) {
		report(ck, CHECK_WARN, "kernel.pty.nr, .max and .reserve are "
		    "not readable");
		return;
	}
	if (nr >= max)
		report(ck, CHECK_FAIL, "no terminal left: kernel.pty.nr %ld "
		    "of kernel.pty.max %ld; fix: sysctl -w kernel.pty.max=%ld "
		    "on the host", nr, max, 2 * max);
	else if (nr + 16 > max - reserve)
		report(ck, CHECK_WARN, "few terminals left for containers: "
		    "kernel.pty.nr %ld of kernel.pty.max %ld, of which %ld "
		    "(kernel.pty.reserve) only the initial devpts may use; "
		    "fix: sysctl -w kernel.pty.max=%ld on the host", nr, max,
		    reserve, 2 * max);
	else
		report(ck, CHECK_OK, "terminals in use: kernel.pty.nr %ld of "
		    "kernel.pty.max %ld (a devpts mounted in a container may "
		    "use %ld)", nr, max, max - reserve);
}

static void
check_tty_group(struct check *ck)
{
	struct group	*gr = getgrnam("tty");

	if (gr == NULL)
		report(ck, CHECK_WARN, "there is no tty group: terminals keep "
		    "the group they are created with; fix: groupadd -g 5 "
		    "tty");
	else
		report(ck, CHECK_OK, "the tty group is gid %u",
		    (unsigned int)gr->gr_gid);
}

static void
check_pam(struct check *ck, const char *service)
{
	char	etc[128], usr[128];

	snprintf(etc, sizeof(etc), "/etc/pam.d/%s", service);
	snprintf(usr, sizeof(usr), "/usr/lib/pam.d/%s", service);
	if (access(etc, R_OK) == 0)
		report(ck, CHECK_OK, "PAM service %s: %s", service, etc);
	else if (access(usr, R_OK) == 0)
		report(ck, CHECK_OK, "PAM service %s: %s", service, usr);
	else
		report(ck, CHECK_WARN, "no PAM service %s, PAM will use "
		    "\"other\"; fix: make install, or -s SERVICE", service);
}

static void
check_utmp(struct check *ck)
{
	if (access("/run/utmp", W_OK) == 0)
		report(ck, CHECK_OK, "/run/utmp: sessions are listed by who(1)");
	else
		report(ck, CHECK_WARN, "no writable /run/utmp: who(1) will not "
		    "list sessions (logins still work); fix: "
		    "systemd-tmpfiles --create, or create it mode 0664 group "
		    "utmp");
}

/* The shells users may have: each one listed should exist. */
static void
check_shells(struct check *ck)
{
	char	 line[256];
	FILE	*f;
	int	 ok = 0, missing = 0;

	if ((f = fopen("/etc/shells", "re")) == NULL) {
		report(ck, CHECK_WARN, "no /etc/shells");
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '/')
			continue;
		if (access(line, X_OK) == 0)
			ok++;
		else {
			missing++;
			report(ck, CHECK_WARN, "/etc/shells lists %s, which is "
			    "not an executable", line);
		}
	}
	fclose(f);
	report(ck, ok > 0 ? CHECK_OK : CHECK_FAIL, "/etc/shells: %d "
	    "shell%s present, %d missing", ok, ok == 1 ? "" : "s", missing);
}

/* The pre-auth child's user and root (privsep_check(), as a login does). */
static void
check_privsep(struct check *ck, const struct options *o)
{
	char	why[512];

	if (privsep_check(o, why, sizeof(why)) == -1)
		report(ck, CHECK_FAIL, "%s", why);
	else if (geteuid() == 0)
		report(ck, CHECK_OK, "privilege separation: user %s, root %s",
		    o->privsep_user, SANDBOX_DIR);
}

int
check_run(const struct options *o)
{
	struct check	ck = { 0, 0 };
	char		opts[512];

	if (geteuid() == 0)
		report(&ck, CHECK_OK, "running as root");
	else
		report(&ck, CHECK_WARN, "not running as root: only uid %u can "
		    "log in", (unsigned int)geteuid());
	check_devpts(&ck, opts, sizeof(opts));
	check_ptmx(&ck);
	check_allocation(&ck);
	check_headroom(&ck);
	check_tty_group(&ck);
	check_pam(&ck, o->service);
	check_privsep(&ck, o);
	check_utmp(&ck);
	check_shells(&ck);
	printf("%s: %d failed, %d warnings\n", ck.fails > 0 ?
	    "a login cannot work here" : "a login can work here", ck.fails,
	    ck.warns);
	return ck.fails > 0 ? 1 : 0;
}
