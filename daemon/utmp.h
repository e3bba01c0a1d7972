/* SPDX-License-Identifier: ISC */
/*
 * Login accounting: utmp (who is logged in) and wtmp (last).
 */
#ifndef NVTD_UTMP_H
#define NVTD_UTMP_H

#include <sys/types.h>

/* Record the login of user on line ("pts/3") from host, for process pid. */
void	utmp_login(pid_t pid, const char *line, const char *user,
	    const char *host);
/* Record the logout on line: the utmp entry ends, wtmp gets the logout. */
void	utmp_logout(pid_t pid, const char *line);

#endif
