/* SPDX-License-Identifier: ISC */
/*
 * The devpts mounted on /dev/pts (Documentation/filesystems/devpts.rst):
 * its options from /proc/self/mountinfo, how many terminals it holds,
 * and whether /dev/ptmx is its own ptmx.
 *
 * Each devpts mount is an instance of its own, with its own numbering
 * and its own limit (max=).  Its ptmx node, /dev/pts/ptmx, has the mode
 * of the ptmxmode= option (0000 unless told), and opening it allocates
 * a terminal in that instance; so does opening the classic /dev/ptmx
 * node (5:2), which finds the instance on the pts directory next to it.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devpts.h"

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC	0x1cd1
#endif

int
devpts_mounted(void)
{
	struct statfs	sfs;

	return statfs("/dev/pts", &sfs) == 0 &&
	    sfs.f_type == DEVPTS_SUPER_MAGIC;
}

int
devpts_options(char *opts, size_t size)
{
	char		 line[1024], mnt[256], type[64], super[512];
	char		*dash;
	struct stat	 st;
	unsigned int	 maj, min;
	FILE		*f;
	int		 found = -1;

	/*
	 * The mount that /dev/pts shows is the one with its device: a
	 * devpts listed on /dev/pts may be hidden by one on /dev since.
	 */
	if (stat("/dev/pts", &st) == -1 ||
	    (f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((dash = strstr(line, " - ")) == NULL ||
		    sscanf(line, "%*s %*s %u:%u %*s %255s", &maj, &min,
		    mnt) != 3 ||
		    sscanf(dash + 3, "%63s %*s %511s", type, super) != 2)
			continue;
		if (strcmp(mnt, "/dev/pts") == 0 &&
		    strcmp(type, "devpts") == 0 &&
		    makedev(maj, min) == st.st_dev) {
			strlcpy(opts, super, size);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

const char *
devpts_option(const char *opts, const char *name, char *buf, size_t size)
{
	size_t		 len = strlen(name);
	const char	*p = opts;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 && (p[len] == '=' ||
		    p[len] == ',' || p[len] == '\0')) {
			p += len + (p[len] == '=');
			snprintf(buf, size, "%.*s", (int)strcspn(p, ","), p);
			return buf;
		}
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return NULL;
}

long
devpts_max(void)
{
	char	opts[512], v[32];

	if (devpts_options(opts, sizeof(opts)) == -1 ||
	    devpts_option(opts, "max", v, sizeof(v)) == NULL)
		return -1;
	return atol(v);
}

long
devpts_in_use(void)
{
	struct dirent	*d;
	DIR		*dir;
	long		 n = 0;

	if (!devpts_mounted() || (dir = opendir("/dev/pts")) == NULL)
		return -1;
	/* Terminals are numbers; the rest (ptmx) is not counted. */
	while ((d = readdir(dir)) != NULL)
		if (isdigit((unsigned char)d->d_name[0]))
			n++;
	closedir(dir);
	return n;
}

int
devpts_ptmx_is_own(void)
{
	struct stat	ptmx, pts;

	/* Through a link or a bind mount, it is a file of that devpts. */
	return stat("/dev/ptmx", &ptmx) == 0 && stat("/dev/pts", &pts) == 0 &&
	    devpts_mounted() && ptmx.st_dev == pts.st_dev;
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

void
devpts_kernel(long *nr, long *max, long *reserve)
{
	*nr = proc_number("/proc/sys/kernel/pty/nr");
	*max = proc_number("/proc/sys/kernel/pty/max");
	*reserve = proc_number("/proc/sys/kernel/pty/reserve");
}
