/* SPDX-License-Identifier: ISC */
/*
 * PAM over telnet.  The conversation function asks PAM's questions on the
 * connection and reads the answers with the line editor: nvtd echoes
 * echo-on answers itself and never echoes the others; the client does not
 * echo either, because nvtd holds WILL ECHO.
 *
 * The sequence follows util-linux login(1) and sshd:
 *
 *   pam_start -> PAM_RHOST, PAM_TTY, PAM_USER_PROMPT -> pam_fail_delay
 *   -> the user name asked with PAM_USER_PROMPT, set as PAM_USER
 *   -> pam_authenticate (both up to --max-tries) -> pam_acct_mgmt
 *   (-> pam_chauthtok on an expired password) -> re-read PAM_USER
 *   -> getpwnam -> initgroups -> pam_setcred(ESTABLISH)
 *   -> pam_open_session -> pam_setcred(REINITIALIZE) -> pam_getenvlist
 *
 * Every failed attempt looks the same to the client, whatever the reason
 * (unknown user, wrong password, root not permitted): the same messages,
 * and the same time, because nvtd does the failure delay itself, counted
 * from the moment the last answer arrived.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "auth.h"
#include "log.h"
#include "options.h"
#include "privsep.h"
#include "trace.h"

/* Delay asked for by PAM modules for the current attempt (microseconds). */
static unsigned int	pam_delay_us;

/* libpam calls this instead of sleeping: nvtd sleeps in auth_pause(). */
static void
auth_delay_cb(int status, unsigned int usec, void *arg)
{
	(void)status;
	(void)arg;
	if (usec > pam_delay_us)
		pam_delay_us = usec;
}

/*
 * Ask one question and read the answer.  Returns 0 with the answer in
 * buf, or -1 (client gone, ^D, or an answer over the length cap).
 */
static int
auth_ask(struct auth *a, const char *prompt, bool echo, char *buf,
    size_t bufsz)
{
	switch (privsep_ask(a->ps, prompt, echo, buf, bufsz)) {
	case LINE_DONE:
		clock_gettime(CLOCK_MONOTONIC, &a->answered);
		trace_answer(echo, buf);	/* never echo-off ones */
		return 0;
	case LINE_TOOLONG:
		clock_gettime(CLOCK_MONOTONIC, &a->answered);
		return -1;
	case LINE_MORE:
	case LINE_CANCEL:
	case LINE_EOF:
		break;
	}
	a->gone = true;
	return -1;
}

/* Show text to the client.  Returns 0, or -1 when it has gone. */
static int
auth_say(struct auth *a, const char *text)
{
	if (privsep_say(a->ps, text) == -1) {
		a->gone = true;
		return -1;
	}
	return 0;
}

static int __attribute__((__format__(__printf__, 2, 3)))
auth_sayf(struct auth *a, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return auth_say(a, buf);
}

/*
 * The PAM conversation, after OpenSSH's auth-pam.c: bounds checked, one
 * case per message style, every response freed (and wiped) on failure.
 * resp may be NULL when a module only shows messages.
 */
static int
auth_conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct auth		*a = arg;
	struct pam_response	*r = NULL;
	char			 answer[LINE_MAX_LEN + 1];
	int			 i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG || msg == NULL)
		return PAM_CONV_ERR;
	if (resp != NULL && (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;

	for (i = 0; i < n; i++) {
		const char	*text = msg[i]->msg != NULL ? msg[i]->msg : "";

		trace_conv(msg[i]->msg_style, text);
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_ON:
		case PAM_PROMPT_ECHO_OFF:
			if (r == NULL || auth_ask(a, text,
			    msg[i]->msg_style == PAM_PROMPT_ECHO_ON, answer,
			    sizeof(answer)) == -1)
				goto fail;
			r[i].resp = strdup(answer);
			explicit_bzero(answer, sizeof(answer));
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			if (auth_sayf(a, "%s\n", text) == -1)
				goto fail;
			break;
		default:
			goto fail;
		}
	}
	if (resp != NULL)
		*resp = r;
	return PAM_SUCCESS;

fail:
	for (i = 0; r != NULL && i < n; i++) {
		if (r[i].resp == NULL)
			continue;
		explicit_bzero(r[i].resp, strlen(r[i].resp));
		free(r[i].resp);
	}
	free(r);
	return PAM_CONV_ERR;
}

/* The user name PAM holds now, or NULL. */
static const char *
auth_pam_user(struct auth *a)
{
	const void	*item = NULL;

	if (pam_get_item(a->pamh, PAM_USER, &item) != PAM_SUCCESS)
		return NULL;
	return item;
}

static void
auth_user_free(struct user *u)
{
	free(u->name);
	free(u->home);
	free(u->shell);
	memset(u, 0, sizeof(*u));
}

/*
 * Look up the account and decide whether it may log in here.  Returns 0
 * with a->user filled in, or -1 (logged) when it may not: no passwd
 * entry, root without --permit-root, or another user than ourselves when
 * nvtd does not run as root.
 */
static int
auth_account(struct auth *a, const char *name)
{
	struct passwd	*pw;
	char		 esc[LOG_ESCAPE_MAX];

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		log_auth(LOG_NOTICE, "no passwd entry for %s from %s",
		    log_escape(name, strlen(name), esc, sizeof(esc)),
		    a->addr);
		return -1;
	}
	if (pw->pw_uid == 0 && !a->opts->permit_root) {
		log_auth(LOG_NOTICE, "refused root login for %s from %s port "
		    "%s (no --permit-root)", pw->pw_name, a->addr,
		    a->port);
		return -1;
	}
	if (geteuid() != 0 && pw->pw_uid != geteuid()) {
		log_auth(LOG_NOTICE, "refused login for %s from %s: nvtd "
		    "runs as uid %u, not root", pw->pw_name, a->addr,
		    (unsigned int)geteuid());
		return -1;
	}

	auth_user_free(&a->user);
	a->user.uid = pw->pw_uid;
	a->user.gid = pw->pw_gid;
	a->user.name = strdup(pw->pw_name);
	a->user.home = strdup(pw->pw_dir[0] != '\0' ? pw->pw_dir : "/");
	a->user.shell = strdup(pw->pw_shell[0] != '\0' ? pw->pw_shell :
	    "/bin/sh");
	if (a->user.name == NULL || a->user.home == NULL ||
	    a->user.shell == NULL) {
		log_warn("strdup");
		auth_user_free(&a->user);
		return -1;
	}
	return 0;
}

/*
 * After a failed attempt: wait until the failure delay has passed since
 * the last answer, so that every failure takes the same time.
 */
static void
auth_pause(struct auth *a)
{
	struct timespec	until = a->answered;
	unsigned long	us = a->opts->fail_delay_ms * 1000UL;

	if (pam_delay_us > us)
		us = pam_delay_us;
	pam_delay_us = 0;
	if (until.tv_sec == 0 && until.tv_nsec == 0)
		clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(us / 1000000);
	until.tv_nsec += (long)(us % 1000000) * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL) == EINTR)
		;
}

/* Log a failed attempt the way sshd does. */
static void
auth_log_failure(struct auth *a, const char *name)
{
	char	esc[LOG_ESCAPE_MAX];
	bool	invalid;

	invalid = a->status == PAM_USER_UNKNOWN || getpwnam(name) == NULL;
	log_auth(LOG_NOTICE, "Failed password for %s%s from %s port %s",
	    invalid ? "invalid user " : "",
	    log_escape(name, strlen(name), esc, sizeof(esc)), a->addr,
	    a->port);
}

/*
 * Ask for the user name.  nvtd asks itself rather than leaving it to a
 * module's pam_get_user(), because not every stack prompts for it; empty
 * answers ask again, as getty and login do.  Returns 0 or -1.
 */
static int
auth_ask_user(struct auth *a, char *name, size_t namesz)
{
	do {
		if (auth_ask(a, a->prompt, true, name, namesz) == -1)
			return -1;
	} while (name[0] == '\0');
	return 0;
}

/* Authenticate, up to --max-tries times.  Returns 0 or -1. */
static int
auth_authenticate(struct auth *a)
{
	char		 name[LINE_MAX_LEN + 1];
	unsigned int	 tries;

	for (tries = 1;; tries++) {
		memset(&a->answered, 0, sizeof(a->answered));
		/* A name over the cap is never copied: log an empty one. */
		name[0] = '\0';
		if (auth_ask_user(a, name, sizeof(name)) == 0) {
			a->status = pam_set_item(a->pamh, PAM_USER, name);
			trace_pam(a->pamh, "pam_set_item PAM_USER", a->status);
			if (a->status == PAM_SUCCESS) {
				a->status = pam_authenticate(a->pamh, 0);
				trace_pam(a->pamh, "pam_authenticate",
				    a->status);
			}
		} else
			a->status = PAM_CONV_ERR;
		if (a->gone) {
			log_info("Connection closed by %s port %s [preauth]",
			    a->addr, a->port);
			return -1;
		}
		/* Refusals after a good password look like a bad one. */
		if (a->status == PAM_SUCCESS && auth_account(a, name) == -1)
			a->status = PAM_AUTH_ERR;
		if (a->status == PAM_SUCCESS)
			return 0;

		auth_log_failure(a, name);
		auth_pause(a);
		if (a->status == PAM_ABORT || a->status == PAM_MAXTRIES ||
		    tries >= a->opts->max_tries) {
			(void)auth_sayf(a, "\nMaximum number of tries "
			    "exceeded (%u)\n", a->opts->max_tries);
			return -1;
		}
		(void)auth_say(a, "\nLogin incorrect\n");
	}
}

/* Account checks, and the change of an expired password.  0 or -1. */
static int
auth_check_account(struct auth *a)
{
	const char	*name;

	a->status = pam_acct_mgmt(a->pamh, 0);
	trace_pam(a->pamh, "pam_acct_mgmt", a->status);
	if (a->status == PAM_NEW_AUTHTOK_REQD) {
		a->status = pam_chauthtok(a->pamh,
		    PAM_CHANGE_EXPIRED_AUTHTOK);
		trace_pam(a->pamh, "pam_chauthtok", a->status);
		if (a->status != PAM_SUCCESS) {
			log_auth(LOG_NOTICE, "password change failed for %s "
			    "from %s: %s", a->user.name, a->addr,
			    pam_strerror(a->pamh, a->status));
			(void)auth_sayf(a, "Password change failed: %s\n",
			    pam_strerror(a->pamh, a->status));
			return -1;
		}
	} else if (a->status != PAM_SUCCESS) {
		log_auth(LOG_NOTICE, "account check failed for %s from %s: %s",
		    a->user.name, a->addr, pam_strerror(a->pamh, a->status));
		(void)auth_sayf(a, "Access denied: %s\n",
		    pam_strerror(a->pamh, a->status));
		return -1;
	}

	/* A module may have changed the user: the new one counts. */
	name = auth_pam_user(a);
	if (name == NULL)
		return -1;
	if (strcmp(name, a->user.name) != 0 && auth_account(a, name) == -1) {
		(void)auth_say(a, "Access denied\n");
		return -1;
	}
	return 0;
}

int
auth_login(struct auth *a, struct privsep *ps, const struct options *o)
{
	struct pam_conv	conv = { auth_conv, a };
	char		host[HOST_NAME_MAX + 1];
	int		r;

	memset(a, 0, sizeof(*a));
	a->ps = ps;
	a->addr = ps->addr;
	a->port = ps->port;
	a->opts = o;

	a->status = pam_start(o->service, NULL, &conv, &a->pamh);
	trace_pam(a->pamh, "pam_start", a->status);
	if (a->status != PAM_SUCCESS) {
		log_warnx("pam_start %s: %s", o->service,
		    pam_strerror(a->pamh, a->status));
		(void)auth_say(a, "System error\n");
		a->pamh = NULL;
		return -1;
	}

	if (gethostname(host, sizeof(host)) == -1)
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(a->prompt, sizeof(a->prompt), "%s login: ", host);

	/*
	 * PAM_TTY says "telnet" until the pty exists (sshd says "ssh"), so
	 * that modules looking at it during authentication see a network
	 * login; it becomes the pty's path before the session opens.
	 */
	if ((r = pam_set_item(a->pamh, PAM_RHOST, a->addr)) != PAM_SUCCESS ||
	    (r = pam_set_item(a->pamh, PAM_TTY, "telnet")) != PAM_SUCCESS ||
	    (r = pam_set_item(a->pamh, PAM_USER_PROMPT, a->prompt)) !=
	    PAM_SUCCESS ||
	    (r = pam_set_item(a->pamh, PAM_FAIL_DELAY,
	    (const void *)auth_delay_cb)) != PAM_SUCCESS) {
		trace_pam(a->pamh, "pam_set_item", r);
		log_warnx("pam_set_item: %s", pam_strerror(a->pamh, r));
		(void)auth_say(a, "System error\n");
		return -1;
	}
	trace_pam(a->pamh, "pam_set_item PAM_RHOST, PAM_TTY, "
	    "PAM_USER_PROMPT, PAM_FAIL_DELAY", r);
	(void)pam_fail_delay(a->pamh, o->fail_delay_ms * 1000U);

	if (auth_authenticate(a) == -1 || auth_check_account(a) == -1)
		return -1;
	log_auth(LOG_INFO, "Accepted password for %s from %s port %s",
	    a->user.name, a->addr, a->port);
	return 0;
}

int
auth_open_session(struct auth *a, const char *tty)
{
	a->status = pam_set_item(a->pamh, PAM_TTY, tty);
	trace_pam(a->pamh, "pam_set_item PAM_TTY", a->status);
	if (a->status != PAM_SUCCESS) {
		log_warnx("pam_set_item PAM_TTY: %s",
		    pam_strerror(a->pamh, a->status));
		(void)auth_say(a, "System error\n");
		return -1;
	}

	/*
	 * The groups come first, so that pam_group can add to them in
	 * setcred; the shell inherits them from here.
	 */
	if (geteuid() == 0 && initgroups(a->user.name, a->user.gid) == -1) {
		log_warn("initgroups %s", a->user.name);
		(void)auth_say(a, "Cannot set groups\n");
		return -1;
	}
	trace_step("initgroups %s", a->user.name);
	a->status = pam_setcred(a->pamh, PAM_ESTABLISH_CRED);
	trace_pam(a->pamh, "pam_setcred PAM_ESTABLISH_CRED", a->status);
	if (a->status != PAM_SUCCESS) {
		log_warnx("pam_setcred %s: %s", a->user.name,
		    pam_strerror(a->pamh, a->status));
		(void)auth_sayf(a, "Cannot set credentials: %s\n",
		    pam_strerror(a->pamh, a->status));
		return -1;
	}
	a->cred = true;

	/* Credentials before the session; the session before the shell. */
	a->status = pam_open_session(a->pamh, 0);
	trace_pam(a->pamh, "pam_open_session", a->status);
	if (a->status != PAM_SUCCESS) {
		log_warnx("pam_open_session %s: %s", a->user.name,
		    pam_strerror(a->pamh, a->status));
		(void)auth_sayf(a, "Cannot open session: %s\n",
		    pam_strerror(a->pamh, a->status));
		return -1;
	}
	a->session = true;

	a->status = pam_setcred(a->pamh, PAM_REINITIALIZE_CRED);
	trace_pam(a->pamh, "pam_setcred PAM_REINITIALIZE_CRED", a->status);
	if (a->status != PAM_SUCCESS) {
		log_warnx("pam_setcred reinitialize %s: %s", a->user.name,
		    pam_strerror(a->pamh, a->status));
		(void)auth_sayf(a, "Cannot set credentials: %s\n",
		    pam_strerror(a->pamh, a->status));
		return -1;
	}
	a->env = pam_getenvlist(a->pamh);
	trace_pam(a->pamh, "pam_getenvlist", a->env != NULL ? PAM_SUCCESS :
	    PAM_BUF_ERR);
	return 0;
}

void
auth_close(struct auth *a)
{
	size_t	i;

	if (a->pamh != NULL) {
		if (a->session) {
			a->status = pam_close_session(a->pamh, 0);
			trace_pam(a->pamh, "pam_close_session", a->status);
			if (a->status != PAM_SUCCESS)
				log_warnx("pam_close_session %s: %s",
				    a->user.name,
				    pam_strerror(a->pamh, a->status));
		}
		if (a->cred)
			trace_pam(a->pamh, "pam_setcred PAM_DELETE_CRED",
			    pam_setcred(a->pamh, PAM_DELETE_CRED));
		/* pam_strerror() needs no handle, which is gone now. */
		trace_pam(NULL, "pam_end", pam_end(a->pamh, a->status));
	}
	for (i = 0; a->env != NULL && a->env[i] != NULL; i++)
		free(a->env[i]);
	free(a->env);
	auth_user_free(&a->user);
	memset(a, 0, sizeof(*a));
}
