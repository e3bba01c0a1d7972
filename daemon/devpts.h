/* SPDX-License-Identifier: ISC */
/*
 * The devpts file system on /dev/pts, as it is mounted here: what pty.c
 * needs to explain a failed allocation and check.c to judge the host.
 */
#ifndef NVTD_DEVPTS_H
#define NVTD_DEVPTS_H

#include <stddef.h>

/* The options a container runtime should mount devpts with. */
#define DEVPTS_MOUNT	"mount -t devpts -o newinstance,ptmxmode=0666," \
			"mode=620,gid=5 devpts /dev/pts"

/* Is /dev/pts a devpts (the one last mounted there is what counts)? */
int	devpts_mounted(void);
/*
 * The options of the devpts on /dev/pts from /proc/self/mountinfo
 * ("rw,gid=5,mode=620,ptmxmode=666,max=3") into opts.  0, or -1.
 */
int	devpts_options(char *opts, size_t size);
/*
 * The value of option name in the comma list opts into buf ("" for a
 * flag without a value).  Returns buf, or NULL when opts lacks it.
 */
const char	*devpts_option(const char *opts, const char *name, char *buf,
		    size_t size);
/* The devpts mount's max= option, or -1 when it has none. */
long	devpts_max(void);
/* How many terminals exist in the devpts on /dev/pts, or -1. */
long	devpts_in_use(void);
/* Is /dev/ptmx the devpts's own ptmx (a link to it, or bound over it)? */
int	devpts_ptmx_is_own(void);
/*
 * The kernel's pty counters (kernel.pty.nr, .max, .reserve), each -1
 * when unreadable.  A devpts mounted outside the initial mount namespace
 * may hold at most max - reserve of them, all such mounts together.
 */
void	devpts_kernel(long *nr, long *max, long *reserve);

#endif
