/* SPDX-License-Identifier: ISC */
/*
 * Privilege dropping, used by the two children of the monitor: the
 * session leader before it executes the shell, and the relay before it
 * parses a single byte from the client after login.  A security-relevant
 * result is never assumed: every id is read back.
 */
#include <errno.h>
#include <unistd.h>

#include "privs.h"

int
privs_drop(uid_t uid, gid_t gid, const char **what)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;

	/* The gid first: once the uid is gone, setresgid is refused. */
	if (setresgid(gid, gid, gid) == -1) {
		*what = "setresgid";
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		*what = "setresuid";
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1) {
		*what = "getresuid";
		return -1;
	}
	if (ruid != uid || euid != uid || suid != uid || rgid != gid ||
	    egid != gid || sgid != gid) {
		*what = "ids did not change";
		errno = EPERM;
		return -1;
	}
	if (uid != 0 && (setuid(0) != -1 || setgid(0) != -1)) {
		*what = "root privileges could be regained";
		errno = EPERM;
		return -1;
	}
	return 0;
}
