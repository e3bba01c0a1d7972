/* SPDX-License-Identifier: ISC */
/*
 * Authentication and the PAM session, with the conversation carried over
 * the telnet connection.
 */
#ifndef NVTD_AUTH_H
#define NVTD_AUTH_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <time.h>

#include <security/pam_appl.h>

struct options;
struct privsep;

/* The account that logged in, copied out of getpwnam(). */
struct user {
	char	*name;
	uid_t	 uid;
	gid_t	 gid;
	char	*home;
	char	*shell;
};

struct auth {
	pam_handle_t		*pamh;
	int			 status;	/* last PAM result */
	struct privsep		*ps;		/* the pre-auth child */
	const char		*addr;		/* its address and port */
	const char		*port;
	bool			 gone;		/* it left, or gave up (^D) */
	const struct options	*opts;
	struct user		 user;
	bool			 cred;		/* setcred(ESTABLISH) done */
	bool			 session;	/* open_session done */
	char			**env;		/* pam_getenvlist() */
	struct timespec		 answered;	/* when the last answer came */
	char			 prompt[HOST_NAME_MAX + 16];	/* "host login: " */
};

/*
 * Start PAM and authenticate the user over the connection: the prompts,
 * up to --max-tries attempts, root refused unless permitted, account
 * checks and the change of an expired password.  Returns 0 with
 * a->user filled in, or -1 when the login is refused or the client left
 * (the client has been told, the log written).
 */
int	auth_login(struct auth *, struct privsep *, const struct options *);
/*
 * Open the PAM session on tty (a path such as /dev/pts/3): groups,
 * credentials, session, the PAM environment.  Runs as root, before the
 * shell starts.  Returns 0, or -1 with the client told.
 */
int	auth_open_session(struct auth *, const char *tty);
/* Close whatever was opened, in reverse order, and end PAM.  As root. */
void	auth_close(struct auth *);

#endif
