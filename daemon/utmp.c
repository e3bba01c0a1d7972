/* SPDX-License-Identifier: ISC */
/*
 * Login accounting with the utmpx API, as login(1) does it: a
 * USER_PROCESS entry in utmp while the session lives (who(1), w(1)) and
 * a login record in wtmp; at logout a DEAD_PROCESS entry replaces it and
 * wtmp gets the matching logout record (last(1) pairs them by line).
 *
 * Systems without /run/utmp (many containers) are normal: the calls fail
 * quietly and the login goes on.
 */
#include <sys/time.h>

#include <arpa/inet.h>

#include <string.h>
#include <utmpx.h>

#include "log.h"
#include "utmp.h"

/* Fill the fields both records share: line, id, pid, time. */
static void
utmp_fill(struct utmpx *ut, short type, pid_t pid, const char *line)
{
	struct timeval	tv;
	size_t		len = strlen(line);

	memset(ut, 0, sizeof(*ut));
	ut->ut_type = type;
	ut->ut_pid = pid;
	strncpy(ut->ut_line, line, sizeof(ut->ut_line));
	/* The id is the line's tail, as login(1) makes it ("ts/3"). */
	if (len > sizeof(ut->ut_id))
		line += len - sizeof(ut->ut_id);
	strncpy(ut->ut_id, line, sizeof(ut->ut_id));
	gettimeofday(&tv, NULL);
	ut->ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

/* Write ut to utmp (replacing the entry with its id) and append to wtmp. */
static void
utmp_write(const struct utmpx *ut)
{
	setutxent();
	if (pututxline(ut) == NULL)
		log_debug("utmp %s: %m", ut->ut_line);
	endutxent();
	updwtmpx(_PATH_WTMP, ut);
}

void
utmp_login(pid_t pid, const char *line, const char *user, const char *host)
{
	struct utmpx	ut;

	utmp_fill(&ut, USER_PROCESS, pid, line);
	strncpy(ut.ut_user, user, sizeof(ut.ut_user));
	strncpy(ut.ut_host, host, sizeof(ut.ut_host));
	if (inet_pton(AF_INET, host, &ut.ut_addr_v6[0]) != 1)
		(void)inet_pton(AF_INET6, host, ut.ut_addr_v6);
	utmp_write(&ut);
}

void
utmp_logout(pid_t pid, const char *line)
{
	struct utmpx	ut;

	utmp_fill(&ut, DEAD_PROCESS, pid, line);
	utmp_write(&ut);
}
