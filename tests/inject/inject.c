/* SPDX-License-Identifier: ISC */
/*
 * Failure injection for the integration tests, as an LD_PRELOAD library
 * (build/.../tests/inject/libinject.so; never installed, never linked).
 * It makes one call of the login fail the way the system would, so the
 * tests can check that nvtd starts no shell, tells the client, and ends
 * PAM properly.
 *
 *   NVTD_INJECT=CALL[:WHERE]
 *     CALL   initgroups, setgroups, setresgid, setresuid (EPERM);
 *            pam_setcred (PAM_ESTABLISH_CRED), pam_setcred_reinit
 *            (PAM_REINITIALIZE_CRED), pam_open_session (PAM_CRED_ERR,
 *            PAM_SESSION_ERR; the real function is not called);
 *            fork (EAGAIN), only in a process that holds a pty master
 *            but not its slave: the monitor, forking the relay
 *     WHERE  session: only in a session leader (the shell's child);
 *            relay: only in a process that leads no session (the relay);
 *            nothing: everywhere
 *   NVTD_INJECT_LOG=PATH
 *     one line appended per failure injected and per call of
 *     pam_open_session, pam_close_session, pam_setcred and pam_end,
 *     with the caller's pid: the tests read what nvtd did with PAM.
 *     preauth: only in the pre-auth child (nowhere else, and never
 *            there unless named: it may open no log file)
 *   NVTD_EVIL=ACTION
 *     the pre-auth child, once it has read "EVIL" from the client,
 *     does what an attacker who took it over would try, and tells the
 *     client how it went ("EVIL ACTION: ok" or "EVIL ACTION: -1 ERRNO"):
 *       open     read /etc/shadow and send its first line
 *       setuid   setuid(0)
 *       execve   /bin/sh
 *       socket   socket(AF_INET, SOCK_STREAM)
 *       ptrace   PTRACE_ATTACH to its parent, the root monitor
 *       write    create the file $NVTD_EVIL_FILE, outside its root
 *     or sends the monitor a message nvtd's code never would:
 *       msg-oversized   a datagram over MSG_MAX
 *       msg-type        a type that does not exist
 *       msg-order       READY again, while the monitor waits for ANSWER
 *       msg-state       a STATE (a login handed over) nobody asked for
 *       msg-answer      an ANSWER longer than any answer may be
 *   NVTD_PAM_CONFDIR=DIR
 *     pam_start() reads its service from DIR (pam_start_confdir), in
 *     place of pam_wrapper, which can serve only a few dozen processes
 *     at a time (one /tmp/pam.X each): for the tests with hundreds of
 *     connections at the PAM prompts.
 */
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

/* Note one line in NVTD_INJECT_LOG. */
static void
note(const char *what, int arg)
{
	const char	*path = getenv("NVTD_INJECT_LOG");
	char		 line[128];
	int		 fd, n;

	if (path == NULL)
		return;
	n = snprintf(line, sizeof(line), "%s %d pid=%ld\n", what, arg,
	    (long)getpid());
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0666)) == -1)
		return;
	(void)!write(fd, line, (size_t)n);
	close(fd);
}

/* Is this process the pre-auth child ("nvtd --preauth-child ...")? */
static bool	preauth_child;
static pid_t	parent;		/* known before the sandbox forbids asking */

__attribute__((constructor)) static void
inject_init(void)
{
	char	buf[64];
	ssize_t	n;
	int	fd;

	parent = getppid();
	/* Before main(): the child's sandbox forbids open() later. */
	if ((fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		preauth_child = strcmp(buf + strlen(buf) + 1,
		    "--preauth-child") == 0 && (size_t)n > strlen(buf) + 1;
	}
}

/*
 * Should call fail here?  When it is the call named, and only then, cond
 * (unless NULL) has the last word.
 */
static bool
inject_if(const char *call, bool (*cond)(void))
{
	const char	*spec = getenv("NVTD_INJECT"), *where;
	size_t		 len;
	bool		 leader;

	if (spec == NULL)
		return false;
	where = strchr(spec, ':');
	len = where != NULL ? (size_t)(where - spec) : strlen(spec);
	if (strlen(call) != len || strncmp(spec, call, len) != 0)
		return false;
	if (preauth_child != (where != NULL &&
	    strcmp(where + 1, "preauth") == 0))
		return false;
	leader = getsid(0) == getpid();
	if (where != NULL && strcmp(where + 1, "session") == 0 && !leader)
		return false;
	if (where != NULL && strcmp(where + 1, "relay") == 0 && leader)
		return false;
	if (cond != NULL && !cond())
		return false;
	note("inject", 0);
	note(call, -1);
	return true;
}

static bool
inject(const char *call)
{
	return inject_if(call, NULL);
}

/* The next definition of name: libc's, pam_wrapper's or libpam's. */
static void *
next(const char *name)
{
	void	*f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

int
pam_start(const char *service, const char *user,
    const struct pam_conv *conv, pam_handle_t **pamh)
{
	int		(*real)(const char *, const char *,
			    const struct pam_conv *, pam_handle_t **);
	const char	*dir = getenv("NVTD_PAM_CONFDIR");

	if (dir != NULL)
		return pam_start_confdir(service, user, conv, dir, pamh);
	real = (int (*)(const char *, const char *, const struct pam_conv *,
	    pam_handle_t **))next("pam_start");
	return real(service, user, conv, pamh);
}

int
initgroups(const char *user, gid_t group)
{
	int	(*real)(const char *, gid_t);

	if (inject("initgroups")) {
		errno = EPERM;
		return -1;
	}
	real = (int (*)(const char *, gid_t))next("initgroups");
	return real(user, group);
}

int
setgroups(size_t size, const gid_t *list)
{
	int	(*real)(size_t, const gid_t *);

	if (inject("setgroups")) {
		errno = EPERM;
		return -1;
	}
	real = (int (*)(size_t, const gid_t *))next("setgroups");
	return real(size, list);
}

int
setresgid(gid_t r, gid_t e, gid_t s)
{
	int	(*real)(gid_t, gid_t, gid_t);

	if (inject("setresgid")) {
		errno = EPERM;
		return -1;
	}
	real = (int (*)(gid_t, gid_t, gid_t))next("setresgid");
	return real(r, e, s);
}

int
setresuid(uid_t r, uid_t e, uid_t s)
{
	int	(*real)(uid_t, uid_t, uid_t);

	if (inject("setresuid")) {
		errno = EPERM;
		return -1;
	}
	real = (int (*)(uid_t, uid_t, uid_t))next("setresuid");
	return real(r, e, s);
}

/* Does this process hold a pty master, and no pty slave? */
static bool
master_only(void)
{
	struct dirent	*e;
	DIR		*d;
	char		 target[64];
	ssize_t		 n;
	bool		 master = false, slave = false;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return false;
	while ((e = readdir(d)) != NULL) {
		if ((n = readlinkat(dirfd(d), e->d_name, target,
		    sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "/dev/ptmx") == 0)
			master = true;
		else if (strncmp(target, "/dev/pts/", 9) == 0)
			slave = true;
	}
	closedir(d);
	return master && !slave;
}

pid_t
fork(void)
{
	pid_t	(*real)(void);

	if (inject_if("fork", master_only)) {
		errno = EAGAIN;
		return -1;
	}
	real = (pid_t (*)(void))next("fork");
	return real();
}

int
pam_setcred(pam_handle_t *pamh, int flags)
{
	int	(*real)(pam_handle_t *, int);

	note("pam_setcred", flags);
	if ((flags & PAM_ESTABLISH_CRED && inject("pam_setcred")) ||
	    (flags & PAM_REINITIALIZE_CRED && inject("pam_setcred_reinit")))
		return PAM_CRED_ERR;
	real = (int (*)(pam_handle_t *, int))next("pam_setcred");
	return real(pamh, flags);
}

int
pam_open_session(pam_handle_t *pamh, int flags)
{
	int	(*real)(pam_handle_t *, int);

	note("pam_open_session", flags);
	if (inject("pam_open_session"))
		return PAM_SESSION_ERR;
	real = (int (*)(pam_handle_t *, int))next("pam_open_session");
	return real(pamh, flags);
}

int
pam_close_session(pam_handle_t *pamh, int flags)
{
	int	(*real)(pam_handle_t *, int);

	note("pam_close_session", flags);
	real = (int (*)(pam_handle_t *, int))next("pam_close_session");
	return real(pamh, flags);
}

int
pam_end(pam_handle_t *pamh, int status)
{
	int	(*real)(pam_handle_t *, int);

	note("pam_end", status);
	real = (int (*)(pam_handle_t *, int))next("pam_end");
	return real(pamh, status);
}

/* Tell the client how the attempt went. */
static void
evil_report(const char *action, int r, const char *extra)
{
	char	line[256];
	int	n;

	if (r >= 0)
		n = snprintf(line, sizeof(line), "\r\nEVIL %s: ok %s\r\n",
		    action, extra != NULL ? extra : "");
	else
		n = snprintf(line, sizeof(line), "\r\nEVIL %s: -1 %s\r\n",
		    action, strerror(errno));
	(void)!write(STDIN_FILENO, line, (size_t)n);
}

/* Send the monitor n bytes of a message. */
static void
evil_message(const uint8_t *msg, size_t n)
{
	(void)!send(STDOUT_FILENO, msg, n, MSG_NOSIGNAL);
}

/* What an attacker in control of the pre-auth child would try. */
static void
evil(const char *action)
{
	static uint8_t	big[20000];
	static char	sh[] = "sh", c[] = "-c", cmd[] =
			    "echo EVIL execve: ok >&0";
	char		buf[128], *argv[] = { sh, c, cmd, NULL };
	const char	*path;
	ssize_t		n;
	int		fd, r;

	if (strcmp(action, "open") == 0) {
		if ((fd = open("/etc/shadow", O_RDONLY)) == -1) {
			evil_report(action, -1, NULL);
			return;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? strcspn(buf, "\n") : 0] = '\0';
		evil_report(action, 0, buf);
	} else if (strcmp(action, "setuid") == 0) {
		r = setuid(0);
		evil_report(action, r, NULL);
	} else if (strcmp(action, "execve") == 0) {
		execve("/bin/sh", argv, NULL);
		evil_report(action, -1, NULL);
	} else if (strcmp(action, "socket") == 0) {
		r = socket(AF_INET, SOCK_STREAM, 0);
		evil_report(action, r, NULL);
	} else if (strcmp(action, "ptrace") == 0) {
		r = (int)ptrace(PTRACE_ATTACH, parent, NULL, NULL);
		evil_report(action, r, NULL);
	} else if (strcmp(action, "write") == 0) {
		if ((path = getenv("NVTD_EVIL_FILE")) == NULL)
			return;
		r = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (r >= 0 && write(r, "EVIL\n", 5) != 5)
			r = -1;
		evil_report(action, r, NULL);
	} else if (strcmp(action, "msg-oversized") == 0) {
		big[0] = 17;				/* MSG_ANSWER */
		evil_message(big, sizeof(big));
	} else if (strcmp(action, "msg-type") == 0) {
		evil_message((const uint8_t *)"\x63", 1);
	} else if (strcmp(action, "msg-order") == 0) {
		evil_message((const uint8_t *)"\x10", 1);	/* MSG_READY */
	} else if (strcmp(action, "msg-state") == 0) {
		/* MSG_STATE: no connection state, no type-ahead, "dumb". */
		evil_message((const uint8_t *)"\x15\0\0\0\0\0\0\0\0\0"
		    "\x04" "dumb\0", 16);
	} else if (strcmp(action, "msg-answer") == 0) {
		memset(big, 'a', 1 + 1 + 2 + 300);
		big[0] = 17;				/* MSG_ANSWER */
		big[1] = 1;				/* LINE_DONE */
		big[2] = 300 & 0xff;			/* its length */
		big[3] = 300 >> 8;
		evil_message(big, 1 + 1 + 2 + 300);
	}
}

ssize_t
read(int fd, void *buf, size_t count)
{
	static ssize_t	(*real)(int, void *, size_t);
	static bool	done;
	const char	*action = getenv("NVTD_EVIL");
	ssize_t		 n;

	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))next("read");
	n = real(fd, buf, count);
	if (preauth_child && fd == STDIN_FILENO && n > 0 && action != NULL &&
	    !done && memmem(buf, (size_t)n, "EVIL", 4) != NULL) {
		done = true;
		evil(action);
	}
	return n;
}
