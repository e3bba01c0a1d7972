/* SPDX-License-Identifier: ISC */
/*
 * The session leader: the child that becomes the user's login shell.
 */
#ifndef NVTD_SESSION_H
#define NVTD_SESSION_H

#include <sys/types.h>

struct pty;
struct user;

/*
 * Fork the user's login shell on the pty's slave: a new session whose
 * controlling terminal is the slave, on fds 0-2 and nothing else, with
 * the user's ids (checked), in the home directory, with env as its whole
 * environment.  The utmp login record is written by the child, with its
 * own pid, before it drops root.  Returns the child's pid, or -1.
 */
pid_t	session_start(const struct pty *, const struct user *, char **env,
	    const char *host);

#endif
