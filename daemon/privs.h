/* SPDX-License-Identifier: ISC */
/*
 * Dropping root for good, and proving it.
 */
#ifndef NVTD_PRIVS_H
#define NVTD_PRIVS_H

#include <sys/types.h>

/*
 * Set real, effective and saved gid and uid to the user's, then check
 * that every one of them changed and, for a non-root user, that
 * setuid(0) and setgid(0) now fail.  Supplementary groups are left as
 * they are.  Returns 0, or -1 with errno and *what naming the failed step.
 */
int	privs_drop(uid_t uid, gid_t gid, const char **what);

#endif
