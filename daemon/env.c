/* SPDX-License-Identifier: ISC */
/*
 * The session environment.  It starts empty and gets, in order: HOME,
 * SHELL, USER, LOGNAME, PATH, MAIL and TERM from the account and the
 * validated terminal type; then PAM's list (pam_env and friends, which may
 * override, as with login(1)); then the client's NEW-ENVIRON variables
 * that the operator allowed with --accept-env, which never override.
 *
 * Client variables are checked three times: the name must match an
 * allowlist pattern, must not be one that changes how programs load or
 * run (LD_*, BASH_ENV, IFS, TERMCAP...; the telnetd CVEs of the 1990s and
 * CVE-2026-24061 came through such names), and the value must hold no
 * control characters.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"

#define PATH_USER	"/usr/local/bin:/usr/bin:/bin:/usr/games"
#define PATH_ROOT	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
			"/sbin:/bin"

/*
 * Names a client may never set, whatever the allowlist says: the ones
 * nvtd sets itself, and the ones that change what a program loads or
 * executes.  Patterns, matched with fnmatch().
 */
static const char *const forbidden[] = {
	"HOME", "SHELL", "USER", "LOGNAME", "PATH", "MAIL", "TERM",
	"LD_*", "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN",
	"LOCPATH", "MALLOC_*", "NLSPATH", "RESOLV_*", "RES_OPTIONS", "TMPDIR",
	"TZDIR", "GLIBC_TUNABLES",
	"BASH_ENV", "ENV", "IFS", "CDPATH", "GLOBIGNORE", "SHELLOPTS",
	"BASHOPTS", "PS4", "PROMPT_COMMAND", "BASH_FUNC_*",
	"TERMCAP", "TERMINFO", "TERMINFO_DIRS", "TERMPATH",
	"CREDENTIALS_DIRECTORY", "LISTEN_*", "NOTIFY_SOCKET", "INVOCATION_ID",
	"JOURNAL_STREAM", "SYSTEMD_*",
	"PYTHON*", "PERL*", "RUBY*", "NODE_OPTIONS", "JAVA_TOOL_OPTIONS",
};

/* Is name forbidden to clients? */
static bool
env_forbidden(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (fnmatch(forbidden[i], name, 0) == 0)
			return true;
	return false;
}

/* A shell-style variable name: [A-Za-z_][A-Za-z0-9_]*, bounded. */
static bool
env_name_valid(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || len > ENV_NAME_MAX)
		return false;
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return false;
	for (i = 1; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return false;
	return true;
}

const char *
env_pattern_check(const char *pattern)
{
	size_t	len = strlen(pattern);

	/* A name, or a name prefix followed by one '*'. */
	if (len > 1 && pattern[len - 1] == '*')
		len--;
	if (!env_name_valid(pattern, len))
		return "not a variable name, or a name prefix followed by *";
	if (len == strlen(pattern) && env_forbidden(pattern))
		return "clients may never set this variable";
	return NULL;
}

/* Does name match one of the operator's patterns? */
static bool
env_allowed(const char *const *patterns, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return true;
	return false;
}

bool
env_client_add(struct env_client *c, const char *const *patterns,
    size_t npatterns, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	size_t	i;

	if (!env_name_valid(name, namelen) || value == NULL ||
	    valuelen > ENV_VALUE_MAX)
		return false;
	for (i = 0; i < valuelen; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return false;
	/* name is NUL-terminated by the engine; namelen was checked. */
	if (!env_allowed(patterns, npatterns, name) || env_forbidden(name))
		return false;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->var[i].name, name) == 0)
			break;
	if (i == c->n) {
		if (c->n == ENV_CLIENT_MAX)
			return false;
		c->n++;
	}
	memcpy(c->var[i].name, name, namelen);
	c->var[i].name[namelen] = '\0';
	memcpy(c->var[i].value, value, valuelen);
	c->var[i].value[valuelen] = '\0';
	return true;
}

const char *
env_term(const char *name, size_t len, char *buf, size_t bufsz)
{
	size_t	i;

	if (name == NULL || len == 0 || len > ENV_TERM_MAX || len >= bufsz ||
	    !isalnum((unsigned char)name[0]))
		return "dumb";
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)name[i];

		if (!isalnum(c) && c != '-' && c != '.' && c != '+' &&
		    c != '_')
			return "dumb";
		buf[i] = (char)tolower(c);
	}
	buf[len] = '\0';
	return buf;
}

/* Where ncurses looks for compiled entries, on Debian and elsewhere. */
static const char *const terminfo_dirs[] = {
	"/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo",
};

bool
env_term_known(const char *term)
{
	char	path[128];
	size_t	i;
	size_t	len = strlen(term);

	/* Only what env_term() let through reaches a path. */
	if (len == 0 || len > ENV_TERM_MAX || strchr(term, '/') != NULL ||
	    term[0] == '.')
		return false;
	for (i = 0; i < sizeof(terminfo_dirs) / sizeof(terminfo_dirs[0]);
	    i++) {
		/* ncurses files a name under its first letter, or in hex. */
		snprintf(path, sizeof(path), "%s/%c/%s", terminfo_dirs[i],
		    term[0], term);
		if (access(path, R_OK) == 0)
			return true;
		snprintf(path, sizeof(path), "%s/%02x/%s", terminfo_dirs[i],
		    (unsigned char)term[0], term);
		if (access(path, R_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Set NAME=VALUE; an existing NAME is replaced only when overwrite is set.
 * Returns 0, or -1 with errno.
 */
static int
env_set(struct env *e, const char *name, size_t namelen, const char *value,
    bool overwrite)
{
	char	*s;
	size_t	 i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->var[i], name, namelen) == 0 &&
		    e->var[i][namelen] == '=')
			break;
	if (i < e->n && !overwrite)
		return 0;
	if (i == e->n && e->n == ENV_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (asprintf(&s, "%.*s=%s", (int)namelen, name, value) == -1)
		return -1;
	if (i < e->n)
		free(e->var[i]);
	else
		e->n++;
	e->var[i] = s;
	return 0;
}

int
env_build(struct env *e, const struct env_spec *s)
{
	char	 mail[512];
	size_t	 i;

	memset(e, 0, sizeof(*e));
	snprintf(mail, sizeof(mail), "/var/mail/%s", s->user);
	if (env_set(e, "HOME", 4, s->home, true) == -1 ||
	    env_set(e, "SHELL", 5, s->shell, true) == -1 ||
	    env_set(e, "USER", 4, s->user, true) == -1 ||
	    env_set(e, "LOGNAME", 7, s->user, true) == -1 ||
	    env_set(e, "PATH", 4, s->root ? PATH_ROOT : PATH_USER,
	    true) == -1 ||
	    env_set(e, "MAIL", 4, mail, true) == -1 ||
	    env_set(e, "TERM", 4, s->term, true) == -1)
		goto fail;

	for (i = 0; s->pam != NULL && s->pam[i] != NULL; i++) {
		const char	*eq = strchr(s->pam[i], '=');

		if (eq == NULL || eq == s->pam[i])
			continue;
		if (env_set(e, s->pam[i], (size_t)(eq - s->pam[i]), eq + 1,
		    true) == -1)
			goto fail;
	}

	for (i = 0; s->client != NULL && i < s->client->n; i++)
		if (env_set(e, s->client->var[i].name,
		    strlen(s->client->var[i].name), s->client->var[i].value,
		    false) == -1)
			goto fail;
	return 0;

fail:
	env_free(e);
	return -1;
}

void
env_free(struct env *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		free(e->var[i]);
	memset(e, 0, sizeof(*e));
}
