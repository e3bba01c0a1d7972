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
 *            PAM_SESSION_ERR; the real function is not called)
 *     WHERE  session: only in a session leader (the shell's child);
 *            relay: only in a process that leads no session (the relay);
 *            nothing: everywhere
 *   NVTD_INJECT_LOG=PATH
 *     one line appended per failure injected and per call of
 *     pam_open_session, pam_close_session, pam_setcred and pam_end,
 *     with the caller's pid: the tests read what nvtd did with PAM.
 *   NVTD_PAM_CONFDIR=DIR
 *     pam_start() reads its service from DIR (pam_start_confdir), in
 *     place of pam_wrapper, which can serve only a few dozen processes
 *     at a time (one /tmp/pam.X each): for the tests with hundreds of
 *     connections at the PAM prompts.
 */
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
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

/* Should call fail here? */
static bool
inject(const char *call)
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
	leader = getsid(0) == getpid();
	if (where != NULL && strcmp(where + 1, "session") == 0 && !leader)
		return false;
	if (where != NULL && strcmp(where + 1, "relay") == 0 && leader)
		return false;
	note("inject", 0);
	note(call, -1);
	return true;
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
