/* SPDX-License-Identifier: ISC */
/*
 * systemd's daemon interface, the few calls nvtd makes, written from the
 * protocols that sd_listen_fds(3), sd_notify(3) and sd_watchdog_enabled(3)
 * document as stable: environment variables naming the passed sockets
 * and the watchdog, and datagrams of "NAME=value" lines to the socket in
 * NOTIFY_SOCKET.
 *
 * Why not libsystemd: it brings libgcrypt, liblzma, libzstd, liblz4 and
 * libgpg-error into every nvtd process.  Their relocated data, about
 * 120 KiB, is memory of its own in each monitor (one per connection), and
 * loading them is work done before every login, in inetd mode on every
 * connection, for five small functions.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"

#define SD_STATE_MAX	512	/* one notification, as nvtd sends them */

/* A whole decimal number in [min, max] from the environment, or -1. */
static long long
sd_env_number(const char *name, long long min, long long max, bool *set)
{
	const char	*v = getenv(name), *err;
	long long	 n;

	*set = v != NULL;
	if (v == NULL)
		return -1;
	n = strtonum(v, min, max, &err);
	return err == NULL ? n : -1;
}

static void
sd_unset(int unset, const char *a, const char *b, const char *c)
{
	if (!unset)
		return;
	unsetenv(a);
	unsetenv(b);
	if (c != NULL)
		unsetenv(c);
}

int
sd_listen_fds(int unset_environment)
{
	long long	pid, n;
	bool		set;
	int		fd, r = 0;

	pid = sd_env_number("LISTEN_PID", 1, INT32_MAX, &set);
	if (!set)
		goto out;
	if (pid == -1) {
		r = -EINVAL;
		goto out;
	}
	if (pid != getpid())		/* meant for the process we came from */
		goto out;
	n = sd_env_number("LISTEN_FDS", 0, INT32_MAX - SD_LISTEN_FDS_START,
	    &set);
	if (!set)
		goto out;
	if (n == -1) {
		r = -EINVAL;
		goto out;
	}
	for (fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++)
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			r = -errno;
			goto out;
		}
	r = (int)n;
out:
	sd_unset(unset_environment, "LISTEN_PID", "LISTEN_FDS",
	    "LISTEN_FDNAMES");
	return r;
}

int
sd_is_socket(int fd, int family, int type, int listening)
{
	struct sockaddr_storage	ss;
	struct stat		st;
	socklen_t		len;
	int			v;

	if (fstat(fd, &st) == -1)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return 0;
	if (type != 0) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == -1)
			return -errno;
		if (v != type)
			return 0;
	}
	if (listening >= 0) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1)
			return -errno;
		if ((v != 0) != (listening != 0))
			return 0;
	}
	if (family != AF_UNSPEC) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
			return -errno;
		if (ss.ss_family != family)
			return 0;
	}
	return 1;
}

int
sd_notify(int unset_environment, const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 len;
	size_t			 plen;
	int			 fd, r;

	if (path == NULL)
		return 0;
	/* A path, or "@name" for the abstract namespace. */
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen < 2 ||
	    plen >= sizeof(sun.sun_path)) {
		r = -EINVAL;
		goto out;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		r = -errno;
		goto out;
	}
	r = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1 ? -errno : 1;
	close(fd);
out:
	if (unset_environment)
		unsetenv("NOTIFY_SOCKET");
	return r;
}

int
sd_notifyf(int unset_environment, const char *fmt, ...)
{
	char	buf[SD_STATE_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return sd_notify(unset_environment, buf);
}

int
sd_watchdog_enabled(int unset_environment, uint64_t *usec)
{
	long long	us, pid;
	bool		set;
	int		r = 0;

	us = sd_env_number("WATCHDOG_USEC", 1, LLONG_MAX, &set);
	if (!set)
		goto out;
	if (us == -1) {
		r = -EINVAL;
		goto out;
	}
	pid = sd_env_number("WATCHDOG_PID", 1, INT32_MAX, &set);
	if (set && pid == -1) {
		r = -EINVAL;
		goto out;
	}
	if (set && pid != getpid())
		goto out;
	*usec = (uint64_t)us;
	r = 1;
out:
	sd_unset(unset_environment, "WATCHDOG_USEC", "WATCHDOG_PID", NULL);
	return r;
}
