/* SPDX-License-Identifier: ISC */
/*
 * The sandboxes: the pre-auth child's (an empty root, an unprivileged
 * user, no new privileges, rlimits, a seccomp allowlist) and the relay's
 * (a seccomp allowlist).
 */
#ifndef NVTD_SANDBOX_H
#define NVTD_SANDBOX_H

#include <sys/types.h>

#define SANDBOX_DIR	"/run/nvtd"	/* the pre-auth child's root */
#define SANDBOX_EXIT	126		/* a refused system call's exit */

/*
 * Confine the calling process, which holds the client socket (fd 0) and
 * the monitor's channel (fd 1) and must open nothing more: as root,
 * chroot to SANDBOX_DIR and drop to uid and gid with no supplementary
 * groups (checked); then RLIMIT_NOFILE 1 (poll needs one), RLIMIT_NPROC
 * and RLIMIT_FSIZE 0, no_new_privs, and a seccomp filter allowing only
 * what the pre-login loop calls.  Any other system call raises SIGSYS,
 * whose handler tells the monitor its number (a MSG_SYSCALL on fd 1)
 * and exits SANDBOX_EXIT.  Returns 0, or -1 with errno and *what naming
 * the step that failed.
 */
int	sandbox_preauth(uid_t uid, gid_t gid, const char **what);
/*
 * Build the relay's filter once, at start: each relay then only loads
 * it, and none pays for libseccomp's work.  Returns 0, or -1 with errno.
 */
int	sandbox_prepare(void);
/*
 * The relay's filter, once it runs as the user: what the pty pump calls.
 * Any other call fails with EPERM: a subverted relay can no more open,
 * execute or connect than the pre-auth child, and an unforeseen call of
 * the C library fails like a refused one rather than ending a session.
 * Returns 0, or -1 with errno.
 */
int	sandbox_relay(void);

#endif
