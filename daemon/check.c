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
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "options.h"
#include "pty.h"

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

/* A number from a /proc file, or -1. */
static long
proc_number(const char *path)
{
	FILE	*f;
	long	 n = -1;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* The value of option name in a comma list ("mode=620,gid=5"), or NULL. */
static const char *
mount_option(const char *opts, const char *name, char *buf, size_t bufsz)
{
	size_t		 len = strlen(name);
	const char	*p = opts;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 && (p[len] == '=' ||
		    p[len] == ',' || p[len] == '\0')) {
			p += len + (p[len] == '=');
			snprintf(buf, bufsz, "%.*s", (int)strcspn(p, ","), p);
			return buf;
		}
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return NULL;
}

/*
 * The devpts mounted last on /dev/pts (the one visible), from
 * /proc/self/mountinfo: its super options into opts.  0, or -1.
 */
static int
devpts_options(char *opts, size_t size)
{
	char	 line[1024], mnt[256], type[64], super[512];
	char	*dash;
	FILE	*f;
	int	 found = -1;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((dash = strstr(line, " - ")) == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", type, super) != 2)
			continue;
		if (strcmp(mnt, "/dev/pts") == 0 &&
		    strcmp(type, "devpts") == 0) {
			strlcpy(opts, super, size);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* devpts on /dev/pts, and its options. */
static void
check_devpts(struct check *ck, char *opts, size_t size)
{
	struct group	*gr = getgrnam("tty");
	char		 v[32];

	if (devpts_options(opts, size) == -1) {
		opts[0] = '\0';
		report(ck, CHECK_FAIL, "devpts is not mounted on /dev/pts; fix: "
		    "mount -t devpts -o newinstance,ptmxmode=0666,mode=620,"
		    "gid=5 devpts /dev/pts");
		return;
	}
	report(ck, CHECK_OK, "devpts is mounted on /dev/pts (%s)", opts);
	if (mount_option(opts, "gid", v, sizeof(v)) == NULL)
		report(ck, geteuid() == 0 ? CHECK_OK : CHECK_WARN,
		    "devpts has no gid= option: new terminals get their "
		    "opener's group, %s; fix: mount devpts with gid=5",
		    geteuid() == 0 ? "nvtd (root) sets group tty itself" :
		    "and nvtd is not root to set group tty");
	else if (gr != NULL && (gid_t)atol(v) != gr->gr_gid)
		report(ck, CHECK_WARN, "devpts gid=%s is not the tty group "
		    "(%u); fix: mount devpts with gid=%u", v,
		    (unsigned int)gr->gr_gid, (unsigned int)gr->gr_gid);
	if (mount_option(opts, "max", v, sizeof(v)) != NULL)
		report(ck, atol(v) < 16 ? CHECK_WARN : CHECK_OK,
		    "devpts allows %s terminals (max=)", v);
}

/* /dev/ptmx: there, and reaching the devpts on /dev/pts. */
static void
check_ptmx(struct check *ck, const char *opts)
{
	struct stat	st;
	char		link[64], v[32];
	ssize_t		n;

	if (lstat("/dev/ptmx", &st) == -1) {
		if (access("/dev/ptyp0", F_OK) == 0)
			report(ck, CHECK_WARN, "/dev/ptmx does not exist, "
			    "legacy BSD ptys will be used; fix: mount devpts "
			    "and link /dev/ptmx to pts/ptmx");
		else
			report(ck, CHECK_FAIL, "/dev/ptmx does not exist; fix: "
			    "ln -sf pts/ptmx /dev/ptmx (with devpts on "
			    "/dev/pts)");
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink("/dev/ptmx", link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		if (strcmp(link, "pts/ptmx") != 0 &&
		    strcmp(link, "/dev/pts/ptmx") != 0) {
			report(ck, CHECK_WARN, "/dev/ptmx links to %s; fix: "
			    "ln -sf pts/ptmx /dev/ptmx", link);
			return;
		}
		/* Then the mount's ptmxmode decides who may open it. */
		if (mount_option(opts, "ptmxmode", v, sizeof(v)) == NULL ||
		    strtol(v, NULL, 8) == 0)
			report(ck, CHECK_FAIL, "/dev/ptmx links to pts/ptmx, "
			    "whose mode is %s; fix: mount devpts with "
			    "ptmxmode=0666", mount_option(opts, "ptmxmode", v,
			    sizeof(v)) != NULL ? v : "000 (the default)");
		else
			report(ck, CHECK_OK, "/dev/ptmx links to pts/ptmx "
			    "(ptmxmode=%s)", v);
		return;
	}
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 &&
	    minor(st.st_rdev) == 2 && (st.st_mode & 0666) != 0666)
		report(ck, geteuid() == 0 ? CHECK_WARN : CHECK_FAIL,
		    "/dev/ptmx has mode %04o: only a process that may "
		    "override file modes can open it (nvtd as root can; "
		    "screen, tmux, ssh run by users cannot); fix: chmod 0666 "
		    "/dev/ptmx, or mount devpts with ptmxmode=0666",
		    (unsigned int)(st.st_mode & 07777));
	else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 &&
	    minor(st.st_rdev) == 2)
		report(ck, CHECK_OK, "/dev/ptmx is the ptmx device (mode %04o)",
		    (unsigned int)(st.st_mode & 07777));
	else
		report(ck, CHECK_FAIL, "/dev/ptmx is not the ptmx device "
		    "(5:2); fix: ln -sf pts/ptmx /dev/ptmx");
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
	long	nr = proc_number("/proc/sys/kernel/pty/nr");
	long	max = proc_number("/proc/sys/kernel/pty/max");
	long	reserve = proc_number("/proc/sys/kernel/pty/reserve");

	if (nr < 0 || max < 0) {
		report(ck, CHECK_WARN, "kernel.pty.nr and kernel.pty.max are "
		    "not readable");
		return;
	}
	if (nr >= max)
		report(ck, CHECK_FAIL, "no terminal left: kernel.pty.nr %ld "
		    "of kernel.pty.max %ld; fix: sysctl kernel.pty.max=%ld",
		    nr, max, 2 * max);
	else if (max - nr < 16)
		report(ck, CHECK_WARN, "few terminals left: kernel.pty.nr %ld "
		    "of kernel.pty.max %ld; fix: sysctl kernel.pty.max=%ld",
		    nr, max, 2 * max);
	else
		report(ck, CHECK_OK, "terminals in use: kernel.pty.nr %ld of "
		    "kernel.pty.max %ld (%ld of them reserved for the "
		    "initial devpts)", nr, max, reserve);
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
	check_ptmx(&ck, opts);
	check_allocation(&ck);
	check_headroom(&ck);
	check_tty_group(&ck);
	check_pam(&ck, o->service);
	check_utmp(&ck);
	check_shells(&ck);
	printf("%s: %d failed, %d warnings\n", ck.fails > 0 ?
	    "a login cannot work here" : "a login can work here", ck.fails,
	    ck.warns);
	return ck.fails > 0 ? 1 : 0;
}
