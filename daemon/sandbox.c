/* SPDX-License-Identifier: ISC */
/*
 * Sandboxes, after OpenSSH's sandbox-seccomp-filter.c: an allowlist of
 * system calls per process, built with libseccomp.  The pre-auth child
 * parses everything an unauthenticated client sends; what it may still
 * do if that parser is subverted is what is allowed here: read and write
 * the two fds it holds, wait on them, allocate memory, keep time, and
 * exit.  It cannot open a file (and its root is an empty directory it
 * cannot write), make a socket, execute, fork, signal or trace another
 * process, or regain root: the ids are dropped and checked first, and
 * no_new_privs keeps setuid binaries from giving any back.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "msg.h"
#include "privs.h"
#include "sandbox.h"

/* What the pre-login loop calls: conn.c, preauth.c, line.c, msg.c. */
static const int sandbox_preauth_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(shutdown), SCMP_SYS(close),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getpid),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/*
 * The pty pump's: relay.c and conn.c after login, record.c's pipe, and
 * the log (dprintf() looks at stderr with fstat and lseek first).
 */
static const int sandbox_relay_calls[] = {
	SCMP_SYS(newfstatat), SCMP_SYS(fstat), SCMP_SYS(lseek),
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(ioctl), SCMP_SYS(fcntl), SCMP_SYS(shutdown), SCMP_SYS(close),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getpid),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/*
 * SIGSYS from the filter: tell the monitor which call it was, and exit.
 * Async-signal-safe: one write of a message built on the stack.
 */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
	uint8_t		msg[1 + sizeof(uint32_t)];
	uint32_t	nr = (uint32_t)si->si_syscall;

	(void)sig;
	(void)uc;
	msg[0] = MSG_SYSCALL;
	memcpy(msg + 1, &nr, sizeof(nr));
	(void)!write(STDOUT_FILENO, msg, sizeof(msg));
	_exit(SANDBOX_EXIT);
}

/* The relay's filter as BPF, built once by sandbox_prepare(). */
static struct sock_filter	sandbox_relay_bpf[256];
static unsigned short		sandbox_relay_len;

/* A filter allowing calls, with action for anything else. */
static scmp_filter_ctx
sandbox_filter(const int *calls, size_t n, uint32_t action)
{
	scmp_filter_ctx	ctx;
	size_t		i;
	int		r;

	if ((ctx = seccomp_init(action)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i],
		    0)) < 0) {
			seccomp_release(ctx);
			errno = -r;
			return NULL;
		}
	return ctx;
}

/* Load a filter allowing calls, with action for anything else. */
static int
sandbox_load(const int *calls, size_t n, uint32_t action)
{
	scmp_filter_ctx	ctx;
	int		r;

	if ((ctx = sandbox_filter(calls, n, action)) == NULL)
		return -1;
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int
sandbox_prepare(void)
{
	scmp_filter_ctx	ctx;
	ssize_t		n;
	int		fd, r;

	if ((ctx = sandbox_filter(sandbox_relay_calls,
	    sizeof(sandbox_relay_calls) / sizeof(sandbox_relay_calls[0]),
	    SCMP_ACT_ERRNO(EPERM))) == NULL)
		return -1;
	/* libseccomp 2.5 exports to a file descriptor only. */
	if ((fd = memfd_create("nvtd-relay-filter", MFD_CLOEXEC)) == -1) {
		seccomp_release(ctx);
		return -1;
	}
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (r < 0 || lseek(fd, 0, SEEK_SET) == -1 ||
	    (n = read(fd, sandbox_relay_bpf, sizeof(sandbox_relay_bpf))) <= 0 ||
	    n % (ssize_t)sizeof(sandbox_relay_bpf[0]) != 0 ||
	    (size_t)n == sizeof(sandbox_relay_bpf)) {
		close(fd);
		errno = r < 0 ? -r : EOVERFLOW;
		return -1;
	}
	close(fd);
	sandbox_relay_len = (unsigned short)((size_t)n /
	    sizeof(sandbox_relay_bpf[0]));
	return 0;
}

int
sandbox_preauth(uid_t uid, gid_t gid, const char **what)
{
	const struct rlimit	one = { 1, 1 }, zero = { 0, 0 };
	struct sigaction	sa;

	/* As root: the empty root, then the ids, in that order. */
	if (geteuid() == 0) {
		if (chroot(SANDBOX_DIR) == -1 || chdir("/") == -1) {
			*what = "chroot " SANDBOX_DIR;
			return -1;
		}
		if (setgroups(0, NULL) == -1) {
			*what = "setgroups";
			return -1;
		}
		if (privs_drop(uid, gid, what) == -1)
			return -1;
	}
	if (setrlimit(RLIMIT_NOFILE, &one) == -1 ||
	    setrlimit(RLIMIT_NPROC, &zero) == -1 ||
	    setrlimit(RLIMIT_FSIZE, &zero) == -1) {
		*what = "setrlimit";
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		*what = "prctl PR_SET_NO_NEW_PRIVS";
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		*what = "sigaction SIGSYS";
		return -1;
	}
	if (sandbox_load(sandbox_preauth_calls, sizeof(sandbox_preauth_calls) /
	    sizeof(sandbox_preauth_calls[0]), SCMP_ACT_TRAP) == -1) {
		*what = "seccomp";
		return -1;
	}
	return 0;
}

int
sandbox_relay(void)
{
	struct sock_fprog	prog = { sandbox_relay_len, sandbox_relay_bpf };

	if (sandbox_relay_len == 0) {
		errno = EINVAL;
		return -1;
	}
	/* The shell is not under it: the relay never executes anything. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
