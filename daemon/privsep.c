/* SPDX-License-Identifier: ISC */
/*
 * Privilege separation, after OpenSSH's monitor: per connection, the
 * root monitor starts a pre-auth child (child.c) that owns the socket
 * until login and parses every byte the client sends, unprivileged and
 * sandboxed.  The monitor keeps PAM and never reads the client itself:
 * it asks the child to show text and prompts, and takes what comes back
 * as untrusted input, checked by msg_parse_child().  A message that is
 * malformed, oversized, of the wrong type or out of turn ends the child
 * and the connection, with one log line; so does a system call the
 * sandbox refused.
 *
 * The child is a fresh execution of nvtd (fexecve() of the binary
 * opened at start), so each connection gets its own address space
 * layout and stack canary, not the listener's.  Its fds: 0 the client
 * socket, 1 our channel (SOCK_SEQPACKET: one message per datagram),
 * 2 the daemon's stderr.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "banner.h"
#include "clock.h"
#include "env.h"
#include "log.h"
#include "msg.h"
#include "options.h"
#include "privsep.h"
#include "sandbox.h"
#include "trace.h"

#define PRIVSEP_ARGV_MAX	256
#define PRIVSEP_NOEXEC		127	/* the child's exit when fexecve fails */
#define PRIVSEP_CLOSE_MS	(CONN_STALL_MS + CONN_MARK_MS + \
				    CONN_LINGER_MS + 1000)

_Static_assert(BANNER_MAX <= MSG_TEXT_MAX, "a banner fits in one SAY");

static int	 privsep_exe = -1;		/* O_PATH, our binary */
static struct privsep	*privsep_live;		/* the monitor's one child */
static char	 privsep_ids[32];		/* "UID:GID" for the child */
static char	*privsep_argv[PRIVSEP_ARGV_MAX + 4];
static struct msg	privsep_out;
static struct msg_child	privsep_in;

int
privsep_setup(int argc, char *argv[], char *why, size_t whysz)
{
	int	i;

	if (argc > PRIVSEP_ARGV_MAX) {
		snprintf(why, whysz, "more than %d arguments",
		    PRIVSEP_ARGV_MAX);
		return -1;
	}
	if ((privsep_exe = open("/proc/self/exe", O_PATH | O_CLOEXEC)) ==
	    -1) {
		snprintf(why, whysz, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	/* Copies: setproctitle() may write over the strings of argv. */
	privsep_argv[0] = strdup("nvtd");
	privsep_argv[1] = strdup("--preauth-child");
	privsep_argv[2] = privsep_ids;
	for (i = 1; i < argc; i++)
		privsep_argv[i + 2] = strdup(argv[i]);
	privsep_argv[argc + 2] = NULL;
	for (i = 0; i < argc + 2; i++)
		if (privsep_argv[i] == NULL) {
			snprintf(why, whysz, "%s", strerror(ENOMEM));
			return -1;
		}
	return 0;
}

int
privsep_check(const struct options *o, char *why, size_t whysz)
{
	struct passwd	*pw;
	struct stat	 st;
	uid_t		 uid = getuid();
	gid_t		 gid = getgid();

	if (geteuid() == 0) {
		if ((pw = getpwnam(o->privsep_user)) == NULL) {
			snprintf(why, whysz, "the privilege separation user "
			    "'%s' does not exist; create it (systemd-sysusers "
			    "nvtd.conf, or useradd --system --no-create-home "
			    "%s) or name another with --privsep-user",
			    o->privsep_user, o->privsep_user);
			return -1;
		}
		if (pw->pw_uid == 0 || pw->pw_gid == 0) {
			snprintf(why, whysz, "--privsep-user %s: is root",
			    o->privsep_user);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		if (mkdir(SANDBOX_DIR, 0755) == -1 && errno != EEXIST) {
			snprintf(why, whysz, "mkdir %s: %s", SANDBOX_DIR,
			    strerror(errno));
			return -1;
		}
		if (lstat(SANDBOX_DIR, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != 0 || (st.st_mode & 022) != 0) {
			snprintf(why, whysz, "%s: must be a directory owned "
			    "by root and not writable by group or others",
			    SANDBOX_DIR);
			return -1;
		}
	}
	snprintf(privsep_ids, sizeof(privsep_ids), "%u:%u",
	    (unsigned int)uid, (unsigned int)gid);
	return 0;
}

/*
 * The child's environment, from scratch: it needs none, but the dynamic
 * loader's and the sanitizers' variables keep a test or debug build
 * working, with cwrap's switch that lets its preloaded wrappers load
 * under a sanitizer; NVTD_* are nvtd's own (the tests' fault injection).
 * Nothing of PAM's: the child never calls it.
 */
static bool
privsep_keep(const char *var)
{
	static const char *const prefix[] = {
		"LD_PRELOAD=", "LD_LIBRARY_PATH=", "ASAN_OPTIONS=",
		"UBSAN_OPTIONS=", "LSAN_OPTIONS=", "NVTD_",
	};
	const char	*eq = strchr(var, '=');
	size_t		 i, n;

	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(var, prefix[i], strlen(prefix[i])) == 0)
			return true;
	n = strlen("_DISABLE_DEEPBIND");
	return eq != NULL && (size_t)(eq - var) > n &&
	    strncmp(eq - n, "_DISABLE_DEEPBIND", n) == 0;
}

static void
privsep_environ(char **env, size_t max)
{
	extern char	**environ;
	size_t		  i, n = 0;

	for (i = 0; environ[i] != NULL && n < max - 1; i++)
		if (privsep_keep(environ[i]))
			env[n++] = environ[i];
	env[n] = NULL;
}

int
privsep_start(struct privsep *ps, int fd, const struct options *o)
{
	char		 *env[32];
	int		  sv[2];
	sigset_t	  all, old;

	ps->opts = o;
	ps->gone = false;
	ps->killed = false;
	ps->pid = -1;
	ps->fd = -1;
	if (conn_peer(fd, ps->addr, sizeof(ps->addr), ps->port,
	    sizeof(ps->port)) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((ps->pid = fork()) == -1) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (ps->pid == 0) {
		/* fd 0 the socket, fd 1 the channel: no other fd but 2. */
		if (dup2(fd, STDIN_FILENO) == -1 ||
		    dup2(sv[1], STDOUT_FILENO) == -1)
			_exit(1);
		/* The rest close at the execve; the binary's fd with them. */
		(void)close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC);
		signal(SIGALRM, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		privsep_environ(env, sizeof(env) / sizeof(env[0]));
		fexecve(privsep_exe, privsep_argv, env);
		_exit(PRIVSEP_NOEXEC);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	ps->fd = sv[0];
	privsep_live = ps;
	trace_step("fork, execve: the pre-auth child, pid %ld (%s), gets "
	    "the socket as fd 0 and our channel as fd 1", (long)ps->pid,
	    privsep_ids);
	return 0;
}

/* Reap the child, saying how it ended when that was not a plain exit. */
static void
privsep_reap(struct privsep *ps)
{
	int	status;

	if (ps->pid == -1)
		return;
	while (waitpid(ps->pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(status) && !(ps->killed &&
	    WTERMSIG(status) == SIGKILL))
		log_warnx("pre-auth child %ld killed by signal %d (%s)",
		    (long)ps->pid, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == SANDBOX_EXIT)
		log_warnx("pre-auth child %ld ended by its sandbox",
		    (long)ps->pid);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == PRIVSEP_NOEXEC)
		log_warnx("pre-auth child %ld: cannot execute nvtd",
		    (long)ps->pid);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warnx("pre-auth child %ld exited with status %d",
		    (long)ps->pid, WEXITSTATUS(status));
	trace_step("waitpid: the pre-auth child %ld ended, status %#x",
	    (long)ps->pid, (unsigned int)status);
	ps->pid = -1;
	ps->gone = true;
	if (ps->fd != -1) {
		close(ps->fd);
		ps->fd = -1;
	}
}

/* End the child now: it broke the protocol, or is no longer needed. */
static void
privsep_kill(struct privsep *ps)
{
	if (ps->pid != -1 && kill(ps->pid, SIGKILL) == 0)
		ps->killed = true;
	privsep_reap(ps);
}

/* The child said something it must not: log it, end it. */
static void
privsep_fail(struct privsep *ps, const char *why)
{
	log_warnx("pre-auth child %ld: %s: ending the connection",
	    (long)ps->pid, why);
	privsep_kill(ps);
}

/* Send the request in privsep_out.  Returns 0, or -1 (child ended). */
static int
privsep_send(struct privsep *ps)
{
	if (ps->gone)
		return -1;
	if (privsep_out.over) {
		privsep_fail(ps, "request over the message size");
		return -1;
	}
	if (send(ps->fd, privsep_out.buf, privsep_out.len, MSG_NOSIGNAL) !=
	    (ssize_t)privsep_out.len) {
		privsep_kill(ps);
		return -1;
	}
	return 0;
}

/*
 * Wait for the message of type want (0: for the child's end), handling
 * on the way what the child may send at any time: log and trace lines,
 * questions about terminal types, and the sandbox's report.  Returns 0
 * with privsep_in filled, or -1: the child has ended (EOF, with want 0,
 * is the expected end) or was ended for what it sent.
 */
static int
privsep_recv(struct privsep *ps, enum msg_type want, int ms)
{
	struct msg_child	*m = &privsep_in;
	struct pollfd		 pfd;
	uint8_t			 buf[MSG_MAX];
	const char		*why;
	char			 what[64], *name;
	long long		 end = ms < 0 ? 0 : clock_ms() + ms;
	ssize_t			 n;

	while (!ps->gone) {
		pfd.fd = ps->fd;
		pfd.events = POLLIN;
		if (end != 0 && poll(&pfd, 1, (int)(end - clock_ms() > 0 ?
		    end - clock_ms() : 0)) == 0) {
			privsep_fail(ps, "no answer in time");
			return -1;
		}
		n = recv(ps->fd, buf, sizeof(buf), MSG_TRUNC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (want != 0)
				log_debug("pre-auth child %ld: gone",
				    (long)ps->pid);
			privsep_reap(ps);
			return -1;
		}
		if ((size_t)n > sizeof(buf)) {
			privsep_fail(ps, "message over the size limit");
			return -1;
		}
		/* Its turn first: a STATE nobody asked for is not read. */
		if (buf[0] != MSG_LOG && buf[0] != MSG_TRACE &&
		    buf[0] != MSG_TERM_QUERY && buf[0] != MSG_SYSCALL &&
		    (want == 0 || buf[0] != want)) {
			snprintf(what, sizeof(what), "%s out of turn",
			    msg_name(buf[0]));
			explicit_bzero(buf, (size_t)n);
			privsep_fail(ps, what);
			return -1;
		}
		if (msg_parse_child(buf, (size_t)n, ps->opts->accept_env,
		    ps->opts->naccept_env, m, &why) == -1) {
			explicit_bzero(buf, sizeof(buf));
			privsep_fail(ps, why);
			return -1;
		}
		explicit_bzero(buf, (size_t)n);
		switch ((int)m->type) {
		case MSG_LOG:
			log_line(m->log.prio, m->log.text);
			continue;
		case MSG_TRACE:
			trace_relayed(m->trace.kind, m->trace.text);
			continue;
		case MSG_TERM_QUERY:	/* even at the close: TTYPE may come */
			msg_start(&privsep_out, MSG_TERM);
			msg_u8(&privsep_out, env_term_known(m->term));
			if (privsep_send(ps) == -1)
				return -1;
			continue;
		case MSG_SYSCALL:
			name = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, (int)m->syscall);
			snprintf(what, sizeof(what), "the sandbox refused "
			    "system call %s (%u)", name != NULL ? name : "?",
			    (unsigned int)m->syscall);
			free(name);
			privsep_fail(ps, what);
			return -1;
		default:	/* the one wanted, checked above */
			return 0;
		}
	}
	return -1;
}

int
privsep_negotiated(struct privsep *ps)
{
	return privsep_recv(ps, MSG_READY, -1);
}

int
privsep_say(struct privsep *ps, const char *text)
{
	msg_start(&privsep_out, MSG_SAY);
	msg_str16(&privsep_out, text, strnlen(text, MSG_TEXT_MAX));
	return privsep_send(ps);
}

enum line_status
privsep_ask(struct privsep *ps, const char *prompt, bool echo, char *buf,
    size_t bufsz)
{
	struct msg_child	*m = &privsep_in;
	enum line_status	 st;

	msg_start(&privsep_out, MSG_ASK);
	msg_u8(&privsep_out, echo);
	msg_str16(&privsep_out, prompt, strnlen(prompt, MSG_TEXT_MAX));
	if (privsep_send(ps) == -1 || privsep_recv(ps, MSG_ANSWER, -1) == -1)
		return LINE_EOF;
	st = m->answer.status;
	if (st == LINE_DONE)
		strlcpy(buf, m->answer.text, bufsz);
	explicit_bzero(m->answer.text, sizeof(m->answer.text));
	return st;
}

int
privsep_accept(struct privsep *ps, struct handoff *h)
{
	msg_start(&privsep_out, MSG_ACCEPT);
	if (privsep_send(ps) == -1 || privsep_recv(ps, MSG_STATE, -1) == -1)
		return -1;
	*h = privsep_in.state;
	explicit_bzero(&privsep_in.state, sizeof(privsep_in.state));
	return 0;
}

void
privsep_close(struct privsep *ps, const char *last)
{
	if (last != NULL)
		(void)privsep_say(ps, last);
	msg_start(&privsep_out, MSG_CLOSE);
	if (privsep_send(ps) == 0)
		(void)privsep_recv(ps, 0, PRIVSEP_CLOSE_MS);
	privsep_kill(ps);
}

void
privsep_end(struct privsep *ps)
{
	privsep_kill(ps);
}

void
privsep_forget(void)
{
	if (privsep_live != NULL && privsep_live->fd != -1)
		close(privsep_live->fd);
	if (privsep_exe != -1)
		close(privsep_exe);
	privsep_live = NULL;
	privsep_exe = -1;
}
