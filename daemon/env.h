/* SPDX-License-Identifier: ISC */
/*
 * The session's environment, built from scratch: nothing of nvtd's own
 * environment reaches the shell, and client variables only by allowlist.
 */
#ifndef NVTD_ENV_H
#define NVTD_ENV_H

#include <stdbool.h>
#include <stddef.h>

#define ENV_MAX			128	/* variables in a session environment */
#define ENV_CLIENT_MAX		32	/* variables kept from one client */
#define ENV_NAME_MAX		64
#define ENV_VALUE_MAX		256
#define ENV_TERM_MAX		40

/* Variables the client sent that passed the allowlist and validation. */
struct env_client {
	struct {
		char	name[ENV_NAME_MAX + 1];
		char	value[ENV_VALUE_MAX + 1];
	} var[ENV_CLIENT_MAX];
	size_t	n;
};

/* A NULL-terminated "NAME=VALUE" vector for execve(). */
struct env {
	char	*var[ENV_MAX + 1];
	size_t	 n;
};

/* What the session environment is made of. */
struct env_spec {
	const char		*user;
	const char		*home;
	const char		*shell;
	bool			 root;
	const char		*term;		/* validated */
	char			**pam;		/* pam_getenvlist(), may be NULL */
	const struct env_client	*client;
};

/* Is pattern usable with --accept-env?  NULL if so, else why not. */
const char	*env_pattern_check(const char *pattern);

/*
 * Keep a client variable if its name matches one of the patterns, is not
 * one nvtd sets or forbids, and name and value are well-formed.  Returns
 * true when kept (a later value replaces an earlier one).
 */
bool	env_client_add(struct env_client *, const char *const *patterns,
	    size_t npatterns, const char *name, size_t namelen,
	    const char *value, size_t valuelen);

/*
 * A terminal type from the client, lowercased into buf when it is a
 * plausible terminfo name; else "dumb".  Returns buf or "dumb".
 */
const char	*env_term(const char *name, size_t len, char *buf,
		    size_t bufsz);

/* Does terminfo have an entry for term (a name env_term() returned)? */
bool	env_term_known(const char *term);

/* Build the session environment.  Returns 0, or -1 with errno. */
int	env_build(struct env *, const struct env_spec *);
void	env_free(struct env *);

#endif
