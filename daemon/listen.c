/* SPDX-License-Identifier: ISC */
/*
 * The listener, for systemd's Accept=no sockets (sd_listen_fds(3)) and
 * for -l.  It accepts, decides within the limits whether the connection
 * may go on, and forks a monitor for it, which runs the login exactly as
 * in inetd mode; then it goes back to accepting.  It never reads from or
 * waits for a client: a refused connection gets one line, sent without
 * blocking, and is closed.
 *
 * Limits, counted over the live children:
 *   --max-startups B:R:F  connections not yet logged in: from B on, each
 *                         new one is refused with a probability rising
 *                         from R% to 100% at F (OpenSSH's MaxStartups
 *                         random early drop)
 *   --per-source-limit N  connections from one address, logged in or
 *                         not (as systemd's MaxConnectionsPerSource)
 *   --max-sessions N      connections served at once, logged in or not
 *
 * A child says it has authenticated by writing its pid to a pipe shared
 * by all children; that is how the listener tells sessions from
 * connections still at the login prompt.  Children are reaped through a
 * signalfd.  To systemd (NOTIFY_SOCKET), the listener reports READY=1
 * once its sockets listen, a STATUS= line with the counts when they
 * change, WATCHDOG=1 when the unit asks for it, and STOPPING=1.
 *
 * SIGTERM and SIGINT stop the listener: it closes its sockets and exits
 * 0, and live sessions carry on (their unit uses KillMode=process).
 * SIGHUP logs the counts and changes nothing: nvtd's configuration is its
 * command line, so a restart is how it changes.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "deadline.h"
#include "listen.h"
#include "log.h"
#include "options.h"
#include "version.h"

#define LISTEN_BACKLOG		128
#define LISTEN_ACCEPT_BURST	64	/* accepts per socket per wakeup */
#define LISTEN_BACKOFF_MS	100	/* after EMFILE and the like */

struct child {
	pid_t	pid;
	bool	authenticated;
	char	addr[NI_MAXHOST];
	char	port[NI_MAXSERV];
};

struct listener {
	const struct options	*o;
	const int		*fds;
	size_t			 nfds;
	int			 sigfd;
	int			 status[2];	/* children -> listener */
	struct child		*child;
	size_t			 nchild, maxchild;
	size_t			 nauth;
	unsigned long		 refused;
	char			 told[80];	/* the last STATUS= */
	uint64_t		 watchdog_us;
	long long		 watchdog_last;
};

/* In a child of the listener: the pipe for listen_authenticated(). */
static int	report_fd = -1;

void
listen_authenticated(void)
{
	pid_t	pid = getpid();

	if (report_fd == -1)
		return;
	(void)!write(report_fd, &pid, sizeof(pid));
	close(report_fd);
	report_fd = -1;
}

/*
 * One listening socket for ai, or -1 with errno.  IPv6 sockets take
 * IPv6 alone, so that "every address" is two sockets whose addresses
 * log as themselves, not as ::ffff:127.0.0.1.
 */
static int
listen_socket(const struct addrinfo *ai)
{
	int	fd, on = 1, saved;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

size_t
listen_open(const struct options *o, int *fds, size_t max)
{
	struct addrinfo	 hints, *res, *ai;
	size_t		 i, n = 0;
	int		 fd, r;
	char		 host[NI_MAXHOST];

	for (i = 0; i < o->nlisten; i++) {
		const struct options_listen	*l = &o->listen[i];

		/* options.c took numeric addresses only: no resolver here. */
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = l->family;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
		r = getaddrinfo(l->host[0] != '\0' ? l->host : NULL, l->port,
		    &hints, &res);
		if (r != 0) {
			fprintf(stderr, "nvtd: --listen %s: %s\n", l->arg,
			    gai_strerror(r));
			exit(1);
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (n == max) {
				fprintf(stderr, "nvtd: --listen %s: more than "
				    "%zu sockets\n", l->arg, max);
				exit(1);
			}
			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host,
			    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
				strlcpy(host, "?", sizeof(host));
			if ((fd = listen_socket(ai)) != -1) {
				log_debug("listening on %s port %s", host,
				    l->port);
				fds[n++] = fd;
				continue;
			}
			/* No IPv6 here: every address is every IPv4 one. */
			if (errno == EAFNOSUPPORT && l->host[0] == '\0')
				continue;
			/* One line; for every address, say which failed. */
			if (l->host[0] == '\0')
				fprintf(stderr, "nvtd: --listen %s: %s port "
				    "%s: %s\n", l->arg, host, l->port,
				    strerror(errno));
			else
				fprintf(stderr, "nvtd: --listen %s: %s\n",
				    l->arg, strerror(errno));
			exit(1);
		}
		freeaddrinfo(res);
	}
	return n;
}

/* The counts, as STATUS= and SIGHUP show them. */
static void
listen_counts(const struct listener *l, char *buf, size_t size)
{
	snprintf(buf, size, "%zu session%s, %zu authenticating, %lu refused",
	    l->nauth, l->nauth == 1 ? "" : "s", l->nchild - l->nauth,
	    l->refused);
}

/*
 * Tell systemd the counts when they changed (sd_notify is a no-op
 * without NOTIFY_SOCKET, and -l may run under a Type=notify unit too).
 */
static void
listen_status(struct listener *l)
{
	char	now[sizeof(l->told)];

	listen_counts(l, now, sizeof(now));
	if (strcmp(now, l->told) == 0)
		return;
	strlcpy(l->told, now, sizeof(l->told));
	sd_notifyf(0, "STATUS=%s", now);
}

/*
 * Refuse a connection: one line, without waiting, and close it.  What
 * the client already sent (a telnet client may open with its own
 * negotiation) is read first: closing a socket with unread input resets
 * the connection, and the client may then lose the line.
 */
static void
listen_refuse(struct listener *l, int fd, const char *addr, const char *why)
{
	char	line[128], junk[512];
	int	len, n;

	for (n = 0; n < 8; n++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
	len = snprintf(line, sizeof(line), "nvtd: %s; try again later\r\n",
	    why);
	(void)send(fd, line, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
	l->refused++;
	log_info("refused connection from %s: %s", addr, why);
}

/* OpenSSH's random early drop, for connections not yet logged in. */
static bool
listen_drop_startup(const struct listener *l)
{
	const struct options	*o = l->o;
	size_t			 startups = l->nchild - l->nauth;
	unsigned int		 p;

	if (startups >= o->startups_full)
		return true;
	if (startups < o->startups_begin)
		return false;
	p = 100 - o->startups_rate;
	p *= (unsigned int)(startups - o->startups_begin);
	p /= o->startups_full - o->startups_begin;
	p += o->startups_rate;
	return arc4random_uniform(100) < p;
}

/* May a new connection from addr go on?  NULL if so, else why not. */
static const char *
listen_limit(const struct listener *l, const char *addr)
{
	size_t	i, same = 0;

	if (l->nchild >= l->o->max_sessions)
		return "too many sessions";
	if (listen_drop_startup(l))
		return "too many connections";
	for (i = 0; i < l->nchild; i++)
		if (strcmp(l->child[i].addr, addr) == 0)
			same++;
	if (same >= l->o->per_source)
		return "too many connections from your address";
	return NULL;
}

/* Fork the monitor for one connection. */
static void
listen_fork(struct listener *l, int fd, const char *addr, const char *port,
    listen_serve_fn *serve)
{
	struct child	*c;
	sigset_t	 none;
	pid_t		 pid;
	size_t		 i;

	if ((pid = fork()) == -1) {
		log_warn("fork");
		listen_refuse(l, fd, addr, "out of resources");
		return;
	}
	if (pid == 0) {
		/* The child: only its connection and the status pipe. */
		for (i = 0; i < l->nfds; i++)
			close(l->fds[i]);
		close(l->sigfd);
		close(l->status[0]);
		report_fd = l->status[1];
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Out of the listener's process group: ^C on it is not ours. */
		(void)setsid();
		exit(serve(fd, l->o));
	}
	close(fd);
	c = &l->child[l->nchild++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	strlcpy(c->addr, addr, sizeof(c->addr));
	strlcpy(c->port, port, sizeof(c->port));
}

/* Accept what is waiting on one listening socket. */
static void
listen_accept(struct listener *l, int lfd, listen_serve_fn *serve,
    bool *backoff)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 addr[NI_MAXHOST], port[NI_MAXSERV];
	const char		*why;
	int			 fd, n;

	for (n = 0; n < LISTEN_ACCEPT_BURST; n++) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept");
				*backoff = true;
			}
			return;		/* EAGAIN, ECONNABORTED, ... */
		}
		if (getnameinfo((struct sockaddr *)&ss, len, addr,
		    sizeof(addr), port, sizeof(port),
		    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
			strlcpy(addr, "?", sizeof(addr));
			strlcpy(port, "0", sizeof(port));
		}
		if (strncmp(addr, "::ffff:", 7) == 0 &&
		    strchr(addr + 7, '.') != NULL)
			memmove(addr, addr + 7, strlen(addr + 7) + 1);
		if ((why = listen_limit(l, addr)) != NULL)
			listen_refuse(l, fd, addr, why);
		else
			listen_fork(l, fd, addr, port, serve);
	}
}

static struct child *
listen_find(struct listener *l, pid_t pid)
{
	size_t	i;

	for (i = 0; i < l->nchild; i++)
		if (l->child[i].pid == pid)
			return &l->child[i];
	return NULL;
}

/* Children that said they have authenticated. */
static void
listen_read_status(struct listener *l)
{
	pid_t		 pids[64];
	struct child	*c;
	ssize_t		 n;
	size_t		 i;

	while ((n = read(l->status[0], pids, sizeof(pids))) > 0)
		for (i = 0; i < (size_t)n / sizeof(pid_t); i++)
			if ((c = listen_find(l, pids[i])) != NULL &&
			    !c->authenticated) {
				c->authenticated = true;
				l->nauth++;
			}
}

/* Reap children, and say why the ones that failed did. */
static void
listen_reap(struct listener *l)
{
	struct child	*c;
	pid_t		 pid;
	int		 st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((c = listen_find(l, pid)) == NULL)
			continue;
		if (WIFEXITED(st) && WEXITSTATUS(st) == DEADLINE_EXIT)
			log_info("Timeout before authentication for %s port "
			    "%s", c->addr, c->port);
		else if (WIFSIGNALED(st))
			log_warnx("monitor for %s port %s: killed by signal "
			    "%d", c->addr, c->port, WTERMSIG(st));
		if (c->authenticated)
			l->nauth--;
		*c = l->child[--l->nchild];
	}
}

/*
 * Close the sockets, so that new connections are refused by the kernel
 * from now on, and let go of the rest.  The children are not waited for:
 * they are sessions that carry on without us.
 */
static void
listen_stop(struct listener *l)
{
	size_t	i;

	for (i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	close(l->sigfd);
	close(l->status[0]);
	close(l->status[1]);
	free(l->child);
	l->child = NULL;
	l->nchild = 0;
}

/* Pet systemd's watchdog when it is due.  Returns ms to the next one. */
static int
listen_watchdog(struct listener *l)
{
	long long	now, every;

	if (l->watchdog_us == 0)
		return -1;
	every = (long long)(l->watchdog_us / 2000);
	now = clock_ms();
	if (now - l->watchdog_last >= every) {
		sd_notify(0, "WATCHDOG=1");
		l->watchdog_last = now;
	}
	return (int)(l->watchdog_last + every - now);
}

int
listen_run(const struct options *o, const int *fds, size_t nfds,
    listen_serve_fn *serve)
{
	struct listener		 l;
	struct pollfd		 pfd[LISTEN_FDS_MAX + 2];
	struct signalfd_siginfo	 si;
	sigset_t		 set;
	bool			 backoff = false;
	size_t			 i;
	int			 timeout;
	char			 counts[80];

	memset(&l, 0, sizeof(l));
	l.o = o;
	l.fds = fds;
	l.nfds = nfds;
	l.maxchild = o->max_sessions;
	if ((l.child = calloc(l.maxchild, sizeof(*l.child))) == NULL)
		fatal("calloc");
	if (pipe2(l.status, O_CLOEXEC) == -1)
		fatal("pipe");
	if (fcntl(l.status[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((l.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");

	/* The sockets listen: connections wait in the backlog from now. */
	if (sd_watchdog_enabled(1, &l.watchdog_us) <= 0)
		l.watchdog_us = 0;
	l.watchdog_last = clock_ms();
	sd_notify(0, "READY=1");
	listen_status(&l);
	log_info("version %s: accepting connections on %zu socket%s",
	    NVTD_VERSION, nfds, nfds == 1 ? "" : "s");

	for (;;) {
		/*
		 * Even when full, accept: a connection over a limit is told
		 * why at once, rather than left waiting in the backlog.
		 */
		for (i = 0; i < nfds; i++) {
			pfd[i].fd = backoff ? -1 : fds[i];
			pfd[i].events = POLLIN;
		}
		pfd[nfds].fd = l.sigfd;
		pfd[nfds].events = POLLIN;
		pfd[nfds + 1].fd = l.status[0];
		pfd[nfds + 1].events = POLLIN;
		timeout = listen_watchdog(&l);
		if (backoff && (timeout == -1 || timeout > LISTEN_BACKOFF_MS))
			timeout = LISTEN_BACKOFF_MS;
		backoff = false;

		if (poll(pfd, nfds + 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[nfds + 1].revents & POLLIN)
			listen_read_status(&l);
		while (read(l.sigfd, &si, sizeof(si)) == sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGCHLD:
				listen_reap(&l);
				break;
			case SIGHUP:
				listen_counts(&l, counts, sizeof(counts));
				log_info("%s", counts);
				break;
			default:
				log_info("%s: no longer accepting; live "
				    "sessions carry on",
				    strsignal((int)si.ssi_signo));
				sd_notify(0, "STOPPING=1");
				listen_stop(&l);
				return 0;
			}
		}
		for (i = 0; i < nfds; i++)
			if (pfd[i].revents & POLLIN)
				listen_accept(&l, fds[i], serve, &backoff);
		listen_status(&l);
	}
}
