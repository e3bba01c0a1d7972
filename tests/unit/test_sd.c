/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of systemd's daemon interface as nvtd implements it
 * (daemon/sd.c), against the protocols of sd_listen_fds(3),
 * sd_notify(3) and sd_watchdog_enabled(3): the environment a service
 * manager sets, and a datagram socket standing in for it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sd.h"

static void
setenv_pid(const char *name, pid_t pid)
{
	char	v[32];

	snprintf(v, sizeof(v), "%d", (int)pid);
	setenv(name, v, 1);
}

static void
listen_fds_counts_the_sockets_meant_for_this_process(void **state)
{
	int	null = open("/dev/null", O_RDWR);

	(void)state;
	/* Whatever fds 3 and 4 are, they stand for the passed sockets. */
	assert_int_equal(dup2(null, SD_LISTEN_FDS_START), SD_LISTEN_FDS_START);
	assert_int_equal(dup2(null, SD_LISTEN_FDS_START + 1),
	    SD_LISTEN_FDS_START + 1);
	if (null > SD_LISTEN_FDS_START + 1)
		close(null);
	setenv_pid("LISTEN_PID", getpid());
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "a:b", 1);
	assert_int_equal(sd_listen_fds(0), 2);
	/* They become close-on-exec. */
	assert_true(fcntl(SD_LISTEN_FDS_START, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(sd_listen_fds(1), 2);
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
	assert_int_equal(sd_listen_fds(1), 0);
}

static void
listen_fds_ignores_another_process_and_refuses_garbage(void **state)
{
	(void)state;
	setenv_pid("LISTEN_PID", getpid() + 1);
	setenv("LISTEN_FDS", "1", 1);
	assert_int_equal(sd_listen_fds(1), 0);
	setenv("LISTEN_PID", "12x", 1);
	setenv("LISTEN_FDS", "1", 1);
	assert_int_equal(sd_listen_fds(1), -EINVAL);
	setenv_pid("LISTEN_PID", getpid());
	setenv("LISTEN_FDS", "-1", 1);
	assert_int_equal(sd_listen_fds(1), -EINVAL);
	setenv_pid("LISTEN_PID", getpid());
	assert_int_equal(sd_listen_fds(1), 0);		/* no LISTEN_FDS */
}

static void
is_socket_checks_type_and_listening(void **state)
{
	int	sv[2], l;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(sd_is_socket(sv[0], AF_UNSPEC, SOCK_STREAM, 0), 1);
	assert_int_equal(sd_is_socket(sv[0], AF_UNSPEC, SOCK_STREAM, 1), 0);
	assert_int_equal(sd_is_socket(sv[0], AF_UNSPEC, SOCK_DGRAM, -1), 0);
	assert_int_equal(sd_is_socket(sv[0], AF_INET, 0, -1), 0);
	assert_int_equal(sd_is_socket(sv[0], AF_UNIX, 0, -1), 1);
	l = socket(AF_INET, SOCK_STREAM, 0);	/* listen() binds it */
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(sd_is_socket(l, AF_UNSPEC, SOCK_STREAM, 1), 1);
	assert_int_equal(sd_is_socket(l, AF_INET, SOCK_STREAM, 1), 1);
	close(l);
	assert_int_equal(sd_is_socket(STDIN_FILENO + 100, AF_UNSPEC, 0, -1),
	    -EBADF);
	l = open("/dev/null", O_RDONLY);
	assert_int_equal(sd_is_socket(l, AF_UNSPEC, 0, -1), 0);
	close(l);
	close(sv[0]);
	close(sv[1]);
}

/* A manager's socket: abstract when name starts with '@'. */
static int
manager(const char *name)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, name, sizeof(sun.sun_path) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	return fd;
}

static void
notify_reaches_path_and_abstract_sockets(void **state)
{
	char	path[64], name[64], got[128];
	ssize_t	n;
	int	fd;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sd_notify(0, "READY=1"), 0);	/* no manager */

	snprintf(path, sizeof(path), "/tmp/nvtd-test-sd.%d", (int)getpid());
	fd = manager(path);
	assert_int_equal(sd_notify(0, "READY=1"), 1);
	n = recv(fd, got, sizeof(got), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(got, "READY=1", 7);
	close(fd);
	unlink(path);

	snprintf(name, sizeof(name), "@nvtd-test-sd.%d", (int)getpid());
	fd = manager(name);
	assert_int_equal(sd_notifyf(1, "STATUS=%d sessions", 3), 1);
	n = recv(fd, got, sizeof(got), 0);
	assert_int_equal(n, 17);
	assert_memory_equal(got, "STATUS=3 sessions", 17);
	assert_null(getenv("NOTIFY_SOCKET"));
	close(fd);

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(sd_notify(1, "READY=1"), -EINVAL);
}

static void
watchdog_is_for_this_process_only(void **state)
{
	uint64_t	us = 0;

	(void)state;
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(sd_watchdog_enabled(0, &us), 0);
	setenv("WATCHDOG_USEC", "3000000", 1);
	setenv_pid("WATCHDOG_PID", getpid());
	assert_int_equal(sd_watchdog_enabled(0, &us), 1);
	assert_int_equal(us, 3000000);
	setenv_pid("WATCHDOG_PID", getpid() + 1);
	assert_int_equal(sd_watchdog_enabled(0, &us), 0);
	unsetenv("WATCHDOG_PID");
	assert_int_equal(sd_watchdog_enabled(1, &us), 1);
	assert_null(getenv("WATCHDOG_USEC"));
	setenv("WATCHDOG_USEC", "0", 1);
	assert_int_equal(sd_watchdog_enabled(1, &us), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    listen_fds_counts_the_sockets_meant_for_this_process),
		cmocka_unit_test(
		    listen_fds_ignores_another_process_and_refuses_garbage),
		cmocka_unit_test(is_socket_checks_type_and_listening),
		cmocka_unit_test(notify_reaches_path_and_abstract_sockets),
		cmocka_unit_test(watchdog_is_for_this_process_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
