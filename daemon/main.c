/* SPDX-License-Identifier: ISC */
/*
 * nvtd - network virtual terminal daemon: a telnet login server.
 *
 * main() finds out how nvtd was started (systemd Accept=no sockets, a
 * connection on stdin, or -l) and serve() reads as the steps of one
 * login (see man/nvtd.8, LOGIN PROCESS):
 *
 *   negotiate -> banner -> authenticate -> pty -> PAM session
 *   -> fork the shell -> fork the relay -> wait -> close the session
 *
 * The process running serve() is the monitor: it stays root and keeps
 * the PAM handle until the session is over.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "auth.h"
#include "banner.h"
#include "check.h"
#include "child.h"
#include "deadline.h"
#include "env.h"
#include "listen.h"
#include "log.h"
#include "monitor.h"
#include "options.h"
#include "preauth.h"
#include "privsep.h"
#include "pty.h"
#include "record.h"
#include "relay.h"
#include "sandbox.h"
#include "session.h"
#include "trace.h"
#include "utmp.h"

/* Make sure fds 0, 1 and 2 are open, so no socket or pty lands there. */
static void
fds_sanitize(void)
{
	int	fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/*
 * The connection on stdin (inetd, systemd Accept=yes), moved to a fd of
 * its own; 0 and 1 become /dev/null so that closing the socket later
 * really closes the connection.  Returns the fd, or -1 with errno.
 */
static int
stdin_connection(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	struct stat		st;
	int			fd, null;

	if (fstat(STDIN_FILENO, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return -1;
	}
	if (getpeername(STDIN_FILENO, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if ((fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	if ((null = open("/dev/null", O_RDWR)) == -1)
		return -1;
	(void)dup2(null, STDIN_FILENO);
	(void)dup2(null, STDOUT_FILENO);
	close(null);
	return fd;
}

/*
 * A monitor has nothing to tell systemd: the notify socket and the
 * watchdog belong to the listener (sd_listen_fds(1) already took the
 * LISTEN_* variables away).  Nor should a PAM module find them.
 */
static void
systemd_env_drop(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/*
 * Tell the client last (unless NULL), close the connection gently, close
 * what was opened, give up the login.
 */
static int
refuse(struct privsep *ps, struct auth *a, struct pty *pty, const char *last)
{
	privsep_close(ps, last);
	if (pty != NULL)
		pty_close(pty);
	auth_close(a);
	return 1;
}

/* Start the session's recording: what its header says. */
static void
record_begin(const struct client *cl, const char *addr, const struct user *u,
    const char *line)
{
	struct record_info	 ri;

	ri.user = u->name;
	ri.line = line;
	ri.addr = addr;
	ri.term = cl->term;
	ri.shell = u->shell;
	ri.width = cl->have_naws && cl->ws.ws_col > 0 ? cl->ws.ws_col : 80;
	ri.height = cl->have_naws && cl->ws.ws_row > 0 ? cl->ws.ws_row : 24;
	record_start(&ri);
}

/* Serve one login on the connected socket fd.  Returns the exit status. */
static int
serve(int fd, const struct options *o)
{
	struct privsep	 ps;
	struct auth	 a;
	struct pty	 pty;
	struct env	 env;
	struct env_spec	 spec;
	struct handoff	 h;
	struct client	*cl = &h.client;
	char		 text[BANNER_MAX + 1];
	pid_t		 shell, relay;
	int		 ctl = -1;

	/*
	 * 1. The pre-auth child, which takes the connection and parses all
	 * the client sends, sandboxed; the deadline for all before login.
	 */
	systemd_env_drop();
	if (privsep_start(&ps, fd, o) == -1)
		fatal("pre-auth child");
	setproctitle("%s [auth]", ps.addr);
	log_info("Connection from %s port %s", ps.addr, ps.port);
	deadline_arm(fd, o->login_timeout);

	/* 2. (In the child:) options in one write; answers awaited. */
	if (privsep_negotiated(&ps) == -1)
		return 1;

	/* 3. Banner, then PAM: prompts, attempts, account checks. */
	if (o->banner) {
		banner_render(o->banner_file, text);
		if (text[0] != '\0')
			(void)privsep_say(&ps, text);
	}
	if (auth_login(&a, &ps, o) == -1)
		return refuse(&ps, &a, NULL, NULL);
	/* What the client said about itself, checked, and its connection. */
	if (privsep_accept(&ps, &h) == -1) {
		auth_close(&a);
		return 1;
	}
	listen_authenticated();

	/* 4. The pty, only now, given to the user, window size set. */
	if (pty_open(&pty, a.user.uid, cl->have_naws ? &cl->ws : NULL) ==
	    -1) {
		int		err = errno;
		struct pty_diag	d;

		pty_why(&pty, err, &d);
		log_warnx("no pseudo-terminal for %s: %s (%s: %s); fix: %s",
		    a.user.name, d.why, pty.failed, strerror(err), d.fix);
		snprintf(text, sizeof(text), "no pseudo-terminal available: "
		    "%s\n", d.why);
		return refuse(&ps, &a, NULL, text);
	}
	trace_step("pty %s: %s; the slave given to uid %u, group tty, mode "
	    "0620; termios and window size set; TIOCPKT on the master",
	    pty.path, pty.bsd ? "a BSD pty" : "posix_openpt, grantpt, "
	    "unlockpt, ptsname", (unsigned int)a.user.uid);

	/* 5. The PAM session, on that tty. */
	if (auth_open_session(&a, pty.path) == -1)
		return refuse(&ps, &a, &pty, NULL);
	log_auth(LOG_INFO, "session opened for %s on %s from %s",
	    a.user.name, pty.line, ps.addr);
	setproctitle("%s@%s", a.user.name, pty.line);

	/* 6. The environment, from scratch. */
	memset(&spec, 0, sizeof(spec));
	spec.user = a.user.name;
	spec.home = a.user.home;
	spec.shell = a.user.shell;
	spec.root = a.user.uid == 0;
	spec.term = cl->term;
	spec.pam = a.env;
	spec.client = &cl->env;
	if (env_build(&env, &spec) == -1) {
		log_warn("environment");
		return refuse(&ps, &a, &pty, "System error\n");
	}

	/* 7. The shell, a session leader on the pty; then the relay. */
	deadline_disarm();
	monitor_prepare();
	shell = session_start(&pty, &a.user, env.var, ps.addr);
	env_free(&env);
	if (shell == -1) {
		log_warn("fork");
		return refuse(&ps, &a, &pty, "System error\n");
	}
	close(pty.slave);
	pty.slave = -1;
	/*
	 * What PAM and the name service freed goes back before the relay
	 * is forked: the monitor and the relay hold the heap for the whole
	 * session, so its free pages would cost memory per session.
	 */
	malloc_trim(0);
	(void)record_prepare();		/* the pipe, if recording */
	/*
	 * The relay takes the connection over, and the pre-auth child goes;
	 * if there is no relay, the child is still there to tell the client.
	 */
	if ((relay = relay_start(&h, fd, pty.master, &a.user, o, &ctl)) ==
	    -1) {
		log_warn("fork");
		kill(shell, SIGHUP);
		privsep_close(&ps, "System error\n");
	} else {
		trace_step("fork: the relay, pid %ld", (long)relay);
		privsep_end(&ps);
	}
	explicit_bzero(h.typeahead, sizeof(h.typeahead));
	/* The relay alone holds the master and the socket now. */
	pty_close(&pty);
	close(fd);
	/* The recording, created only now: the relay never holds it. */
	if (relay != -1 && record_enabled())
		record_begin(cl, ps.addr, &a.user, pty.line);

	/* 8. Wait; then the logout, as root, in the process that opened. */
	(void)monitor_wait(shell, relay, ctl);
	record_finish();
	utmp_logout(shell, pty.line);
	pty_release(&pty);
	log_auth(LOG_INFO, "session closed for %s on %s", a.user.name,
	    pty.line);
	auth_close(&a);
	return 0;
}

/*
 * About to serve: the pre-auth child's user and root must be there.  A
 * listener checks once, before its first connection.
 */
static void
ready(const struct options *o)
{
	char	why[512];

	if (privsep_check(o, why, sizeof(why)) == -1) {
		fprintf(stderr, "nvtd: %s\n", why);
		exit(2);
	}
}

int
main(int argc, char *argv[])
{
	struct options	o;
	const char	*why;
	char		why_buf[512];
	int		fds[LISTEN_FDS_MAX];
	size_t		nfds;
	int		fd, n;

	options_parse(&o, argc, argv);
	if (o.preauth_child) {
		/* Started by privsep_start(): fds 0, 1 and 2 are set. */
		signal(SIGPIPE, SIG_IGN);
		log_set_debug(o.debug);
		child_main(&o);
	}
	if (o.check)
		return check_run(&o);
	fds_sanitize();
	log_init("nvtd", o.debug);
	log_set_debug(o.debug);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * The pre-auth child's binary, before anything else runs; the
	 * relay's seccomp filter, built once for every session.
	 */
	if (privsep_setup(argc, argv, why_buf, sizeof(why_buf)) == -1) {
		fprintf(stderr, "nvtd: %s\n", why_buf);
		return 2;
	}
	if (sandbox_prepare() == -1) {
		fprintf(stderr, "nvtd: the relay's seccomp filter: %s\n",
		    strerror(errno));
		return 2;
	}

	/* The trace file and the recordings' directory: as root, once. */
	if (trace_init(o.trace, o.debug, o.trace_file) == -1) {
		fprintf(stderr, "nvtd: --trace-file %s: %s\n", o.trace_file,
		    errno == EEXIST ? "exists; nvtd writes a trace only to "
		    "a new file" : strerror(errno));
		return 2;
	}
	if (o.record_dir != NULL && record_setup(o.record_dir,
	    o.record_limit, o.record_input, &why) == -1) {
		fprintf(stderr, "nvtd: --record %s: %s\n", o.record_dir, why);
		return 2;
	}

	/* systemd's sockets (LISTEN_FDS, removed from our environment). */
	if ((n = sd_listen_fds(1)) < 0)
		fatalx("sd_listen_fds: %s", strerror(-n));
	if (n > LISTEN_FDS_MAX)
		fatalx("%d sockets from systemd, at most %d", n,
		    LISTEN_FDS_MAX);
	for (nfds = 0; nfds < (size_t)n; nfds++) {
		fds[nfds] = SD_LISTEN_FDS_START + (int)nfds;
		/* Accept=yes without StandardInput=socket: one connection. */
		if (n == 1 && sd_is_socket(fds[0], AF_UNSPEC, SOCK_STREAM,
		    0) > 0) {
			ready(&o);
			return serve(fds[0], &o);
		}
		if (sd_is_socket(fds[nfds], AF_UNSPEC, SOCK_STREAM, 1) <= 0)
			fatalx("fd %d from systemd is not a listening stream "
			    "socket", fds[nfds]);
		(void)fcntl(fds[nfds], F_SETFD, FD_CLOEXEC);
		(void)fcntl(fds[nfds], F_SETFL, O_NONBLOCK);
	}
	if (nfds > 0) {
		ready(&o);
		return listen_run(&o, fds, nfds, serve);
	}

	/* inetd, or systemd Accept=yes with StandardInput=socket. */
	if ((fd = stdin_connection()) != -1) {
		ready(&o);
		return serve(fd, &o);
	}

	/* Our own listener. */
	if (o.nlisten > 0) {
		nfds = listen_open(&o, fds, LISTEN_FDS_MAX);
		ready(&o);
		return listen_run(&o, fds, nfds, serve);
	}

	fprintf(stderr, "nvtd: standard input is not a connected socket and "
	    "no -l was given; run nvtd from inetd or a systemd socket, or "
	    "with -l PORT\n");
	return 2;
}
