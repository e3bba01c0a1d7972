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
 * has exited or has had a second to.  It is the session's subreaper: an
 * orphan becomes the monitor's child, not init's, so the session is all
 * below it, and only that is read, not the whole of /proc.  It sends
 * SIGHUP to each process
 * whose action for it is the default: one still alive never got one.
 * It leaves alone processes that ignore SIGHUP (nohup), which chose to
 * outlive the terminal, and those that catch it (the shell, an editor
 * saving its buffers), which may be handling one now: a second would
 * cut that short.  Processes that left the session (setsid) are not in
 * it.  A process that passes is looked at again through a pidfd, which
 * makes sure the signal goes to the process that was looked at.
 */
#include <sys/pidfd.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "children.h"
#include "hangup.h"
#include "log.h"

enum hangup_kind {
	HANGUP_OTHER,		/* gone, or not in the session */
	HANGUP_DEFAULT,		/* SIGHUP would end it */
	HANGUP_STOPPED,		/* the same, once a SIGCONT wakes it */
	HANGUP_CATCHES,		/* it has a handler for SIGHUP */
	HANGUP_IGNORES		/* SIGHUP does nothing to it */
};

/* The processes to look at; past HANGUP_MAX, a fork bomb's, no more. */
#define HANGUP_MAX	65536

struct hangup_list {
	pid_t	*pid;
	size_t	 n, size;
};

static void
hangup_add(pid_t pid, void *arg)
{
	struct hangup_list	*l = arg;
	pid_t			*grown;
	size_t			 size;

	if (pid <= 0 || l->n == HANGUP_MAX)
		return;
	if (l->n == l->size) {
		size = l->size == 0 ? 64 : l->size * 2;
		if ((grown = reallocarray(l->pid, size, sizeof(*grown))) ==
		    NULL)
			return;
		l->pid = grown;
		l->size = size;
	}
	l->pid[l->n++] = pid;
}

/*
 * What SIGHUP would do to process pid, if it is alive in session sid.
 * From /proc/PID/stat, the cheapest file that has it all: after
 * "PID (COMM) ", field 3 is the state, 6 the session, 33 and 34 the
 * ignored and caught signals.
 */
static enum hangup_kind
hangup_kind(pid_t pid, pid_t sid)
{
	char			 path[64], buf[1024], *p, *end;
	unsigned long long	 v[35], hup = 1ULL << (SIGHUP - 1);
	char			 state;
	ssize_t			 n;
	int			 fd, i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return HANGUP_OTHER;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return HANGUP_OTHER;
	buf[n] = '\0';
	/* COMM may hold anything, ")" too: the last one ends it. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return HANGUP_OTHER;
	state = p[2];
	p += 3;
	for (i = 4; i <= 34; i++) {
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (end == p || errno != 0)
			return HANGUP_OTHER;
		p = end;
	}
	if (v[6] != (unsigned long long)sid || state == 'Z' || state == 'X')
		return HANGUP_OTHER;
	if (v[33] & hup)
		return HANGUP_IGNORES;
	if (v[34] & hup)
		return HANGUP_CATCHES;
	return state == 'T' ? HANGUP_STOPPED : HANGUP_DEFAULT;
}

/* The children of pid, of each of its threads, appended to l. */
static void
hangup_children(pid_t pid, struct hangup_list *l)
{
	char		 path[96];
	struct dirent	*de;
	DIR		*d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/children",
		    (long)pid, de->d_name);
		children_each(path, hangup_add, l);
	}
	closedir(d);
}

int
hangup_missed(pid_t sid, int *catching)
{
	struct hangup_list	 l = { NULL, 0, 0 };
	enum hangup_kind	 kind;
	size_t			 i;
	pid_t			 pid;
	int			 pidfd, sent = 0;

	/*
	 * The monitor's descendants, breadth first: the monitor is the
	 * session's subreaper, so an orphan of the session is among them.
	 */
	hangup_children(getpid(), &l);
	for (i = 0; i < l.n; i++)
		hangup_children(l.pid[i], &l);

	*catching = 0;
	for (i = 0; i < l.n; i++) {
		pid = l.pid[i];
		kind = hangup_kind(pid, sid);
		if (kind == HANGUP_CATCHES)
			(*catching)++;
		if (kind != HANGUP_DEFAULT && kind != HANGUP_STOPPED)
			continue;
		/* Looked at again once the pidfd holds it: the same one. */
		if ((pidfd = pidfd_open(pid, 0)) == -1)
			continue;
		kind = hangup_kind(pid, sid);
		if ((kind == HANGUP_DEFAULT || kind == HANGUP_STOPPED) &&
		    pidfd_send_signal(pidfd, SIGHUP, NULL, 0) == 0) {
			if (kind == HANGUP_STOPPED)
				(void)pidfd_send_signal(pidfd, SIGCONT, NULL,
				    0);
			sent++;
		}
		close(pidfd);
	}
	free(l.pid);
	return sent;
}
