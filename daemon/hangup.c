/* SPDX-License-Identifier: ISC */
/*
 * When the client goes, the relay's exit closes the pty master, and the
 * kernel sends SIGHUP to the session leader alone; the shell passes it on
 * to the jobs in its table, and as it exits the kernel sends one to the
 * terminal's last foreground group.  A job the shell was starting as the
 * terminal went is in neither: forked but not yet in the table, not yet
 * in the foreground.  It would run on, and a shell that took the SIGHUP
 * just before it blocked in waitpid() waits for it.
 *
 * So the monitor looks at what is left of the session, once the shell
 * has exited or has had a second to, and sends SIGHUP to each process
 * whose action for it is the default: one still alive never got one.
 * It leaves alone processes that ignore SIGHUP (nohup), which chose to
 * outlive the terminal, and those that catch it (the shell, an editor
 * saving its buffers), which may be handling one now: a second would
 * cut that short.  Processes that left the session (setsid) are not in
 * it.  A pidfd, opened before the process is looked at, makes sure the
 * signal goes to the process that was looked at.
 */
#include <sys/pidfd.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hangup.h"
#include "log.h"

/*
 * Process pid is alive, in session sid, and SIGHUP would end it; *stopped
 * says it would need a SIGCONT to see it.
 */
static bool
hangup_would_end(pid_t pid, pid_t sid, bool *stopped)
{
	char		 path[64], buf[4096], *line, *save;
	long long	 ns_sid = -1;
	uint64_t	 ign = 0, cgt = 0, hup = UINT64_C(1) << (SIGHUP - 1);
	bool		 masks = false;
	char		 state = '?';
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "State:", 6) == 0)
			state = line[6 + strspn(line + 6, " \t")];
		else if (strncmp(line, "NSsid:", 6) == 0)
			ns_sid = strtoll(line + 6, NULL, 10);
		else if (strncmp(line, "SigIgn:", 7) == 0)
			ign = strtoull(line + 7, NULL, 16);
		else if (strncmp(line, "SigCgt:", 7) == 0) {
			cgt = strtoull(line + 7, NULL, 16);
			masks = true;
		}
	}
	*stopped = state == 'T';
	return ns_sid == (long long)sid && masks && state != 'Z' &&
	    state != 'X' && ((ign | cgt) & hup) == 0;
}

int
hangup_missed(pid_t sid)
{
	struct dirent	*de;
	DIR		*d;
	char		*end;
	long		 pid;
	int		 pidfd, sent = 0;
	bool		 stopped;

	if ((d = opendir("/proc")) == NULL) {
		log_warn("hangup: /proc");
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		errno = 0;
		pid = strtol(de->d_name, &end, 10);
		if (errno != 0 || *end != '\0' || pid <= 0)
			continue;
		if ((pidfd = pidfd_open((pid_t)pid, 0)) == -1)
			continue;
		if (hangup_would_end((pid_t)pid, sid, &stopped) &&
		    pidfd_send_signal(pidfd, SIGHUP, NULL, 0) == 0) {
			if (stopped)
				(void)pidfd_send_signal(pidfd, SIGCONT, NULL,
				    0);
			sent++;
		}
		close(pidfd);
	}
	closedir(d);
	return sent;
}
