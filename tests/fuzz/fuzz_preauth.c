/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for everything a client reaches before it has logged
 * in, above the telnet engine: the opening negotiation and type-ahead
 * (daemon/conn.c), the prompt line editor (daemon/line.c) and the PAM
 * conversation with its retries, failure delay and account checks
 * (daemon/auth.c).  The daemon's code runs unchanged on one end of a
 * socketpair; the client's bytes wait on the other end, which is then
 * shut for writing, so every read ends.
 *
 * PAM is a fake, defined here: the libpam functions auth.c calls, driven
 * by a script from the input's header.  Each script byte is one message
 * of a conversation call: its style, whether the call passes resp ==
 * NULL (as pam_matrix's "verbose" does), whether the text is NULL, and
 * whether the next message goes into the same call.
 *
 *   byte 0   FUZZ_PA_* flags (FUZZ_PA_ANSWER: a client's answers to
 *            the opening negotiation come before the input's bytes)
 *   byte 1   the failure delay modules ask for (microseconds)
 *   byte 2-9 the script: 4 bytes for pam_authenticate, 4 for
 *            pam_chauthtok
 *   then     the client's bytes
 *
 * Promises checked (a broken one aborts): the queues stay under their
 * caps; a conversation that fails leaves *resp alone and one that
 * succeeds answers every prompt with at most LINE_MAX_LEN bytes; a
 * prompt with resp == NULL fails; nvtd accepts a login only when the
 * fake PAM did.  ASan and LeakSanitizer watch the rest: every answer is
 * freed, every handle ended.  The log and the protocol trace format
 * every line they are given, and send none; FUZZ_PREAUTH_LOG=1 in the
 * environment shows them on stderr, to follow a replay.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "auth.h"
#include "env.h"
#include "line.h"
#include "log.h"
#include "msg.h"
#include "options.h"
#include "preauth.h"
#include "privsep.h"
#include "trace.h"
#include "fuzz_input.h"

#define FUZZ_PA_HEADER		10
#define FUZZ_PA_SCRIPT		4	/* messages per script */

#define FUZZ_PA_ROOT		0x01	/* --permit-root */
#define FUZZ_PA_EXPIRED		0x02	/* acct_mgmt: new token required */
#define FUZZ_PA_DENY		0x04	/* acct_mgmt: account expired */
#define FUZZ_PA_RENAME		0x08	/* acct_mgmt changes PAM_USER */
#define FUZZ_PA_ENV		0x10	/* -a '*': NEW-ENVIRON allowed */
#define FUZZ_PA_TRIES		0x20	/* --max-tries 1 instead of 3 */
#define FUZZ_PA_MAXTRIES	0x40	/* authenticate says PAM_MAXTRIES */
#define FUZZ_PA_ANSWER		0x80	/* a client's answers come first */

/* Script byte: bits 0-1 the style, then these. */
#define FUZZ_MSG_NORESP		0x04	/* the call passes resp == NULL */
#define FUZZ_MSG_NOTEXT		0x08	/* msg == NULL */
#define FUZZ_MSG_JOIN		0x10	/* the next message, same call */
#define FUZZ_MSG_END		0x20	/* the script stops here */

/* The one account the fake PAM lets in: root exists everywhere. */
#define FUZZ_USER		"root"
#define FUZZ_PASSWORD		"fuzz-pw"

struct pam_handle {
	struct pam_conv	 conv;
	char		*user;
	char		*tty;
	char		*rhost;
	char		*user_prompt;
	void		(*delay_fn)(int, unsigned int, void *);
	unsigned int	 delay;
};

/* What this run's fake PAM does and said. */
static struct {
	uint8_t		 flags;
	uint8_t		 delay;
	const uint8_t	*script;	/* 2 * FUZZ_PA_SCRIPT bytes */
	int		 peer;		/* the client's end */
	bool		 accepted;	/* authenticate and acct said yes */
	int		 handles;	/* started, not ended */
} fz;

static struct preauth	pre;
static struct privsep	ps;
static struct options	*fz_opts;

/*
 * The monitor's side of privilege separation, in-process: each request
 * auth.c makes goes through the real messages, both ways, to the real
 * pre-login code.  The parsers must take whatever the other side built.
 */
static struct msg	 fz_msg;
static struct msg_child	 fz_child;

int
privsep_say(struct privsep *p, const char *text)
{
	struct msg_request	r;
	const char		*why;

	(void)p;
	msg_start(&fz_msg, MSG_SAY);
	msg_str16(&fz_msg, text, strnlen(text, MSG_TEXT_MAX));
	if (msg_parse_request(fz_msg.buf, fz_msg.len, &r, &why) == -1)
		abort();
	return preauth_say(&pre, r.text);
}

enum line_status
privsep_ask(struct privsep *p, const char *prompt, bool echo, char *buf,
    size_t bufsz)
{
	struct msg_request	r;
	char			answer[LINE_MAX_LEN + 1] = "";
	enum line_status	st;
	const char		*why;

	(void)p;
	msg_start(&fz_msg, MSG_ASK);
	msg_u8(&fz_msg, echo);
	msg_str16(&fz_msg, prompt, strnlen(prompt, MSG_TEXT_MAX));
	if (msg_parse_request(fz_msg.buf, fz_msg.len, &r, &why) == -1)
		abort();
	st = preauth_ask(&pre, r.text, r.flag, answer, sizeof(answer));
	msg_answer(&fz_msg, st, answer);
	if (msg_parse_child(fz_msg.buf, fz_msg.len, fz_opts->accept_env,
	    fz_opts->naccept_env, &fz_child, &why) == -1)
		abort();
	if (fz_child.answer.status == LINE_DONE)
		strlcpy(buf, fz_child.answer.text, bufsz);
	return fz_child.answer.status;
}

/* A login handed over: the monitor must take what the child exports. */
static void
fz_handoff(void)
{
	static struct handoff	h;
	const char		*why;

	if (preauth_handoff(&pre, &h) == -1)
		return;
	msg_state(&fz_msg, &h);
	if (fz_msg.over || msg_parse_child(fz_msg.buf, fz_msg.len,
	    fz_opts->accept_env, fz_opts->naccept_env, &fz_child, &why) == -1)
		abort();
}

static bool
term_known(void *ctx, const char *term)
{
	(void)ctx;
	return env_term_known(term);
}

/*
 * What inetutils telnet answers to nvtd's opening: without answers the
 * negotiation waits for them until the input ends, and nothing else
 * runs.
 */
static const uint8_t	answers[] = {
	255, 253, 1, 255, 253, 3, 255, 251, 3, 255, 251, 31, 255, 251, 24,
	255, 250, 31, 0, 80, 0, 24, 255, 240,
	255, 250, 24, 0, 'X', 'T', 'E', 'R', 'M', 255, 240,
	255, 250, 24, 0, 'X', 'T', 'E', 'R', 'M', 255, 240,
};

/* Read and throw away what nvtd sent, so its writes never block. */
static void
drain(void)
{
	uint8_t	buf[65536];

	while (read(fz.peer, buf, sizeof(buf)) > 0)
		;
}

static int
set_string(char **dst, const void *src)
{
	char	*s = NULL;

	if (src != NULL && (s = strdup(src)) == NULL)
		return PAM_BUF_ERR;
	free(*dst);
	*dst = s;
	return PAM_SUCCESS;
}

int
pam_start(const char *service, const char *user,
    const struct pam_conv *conv, pam_handle_t **pamh)
{
	pam_handle_t	*h;

	(void)service;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return PAM_BUF_ERR;
	h->conv = *conv;
	if (set_string(&h->user, user) != PAM_SUCCESS) {
		free(h);
		return PAM_BUF_ERR;
	}
	*pamh = h;
	fz.handles++;
	return PAM_SUCCESS;
}

int
pam_end(pam_handle_t *h, int status)
{
	(void)status;
	free(h->user);
	free(h->tty);
	free(h->rhost);
	free(h->user_prompt);
	free(h);
	fz.handles--;
	return PAM_SUCCESS;
}

int
pam_set_item(pam_handle_t *h, int type, const void *item)
{
	switch (type) {
	case PAM_USER:
		return set_string(&h->user, item);
	case PAM_TTY:
		return set_string(&h->tty, item);
	case PAM_RHOST:
		return set_string(&h->rhost, item);
	case PAM_USER_PROMPT:
		return set_string(&h->user_prompt, item);
	case PAM_FAIL_DELAY:
		/* libpam's own cast: the item is a function. */
		h->delay_fn = (void (*)(int, unsigned int, void *))
		    (uintptr_t)item;
		return PAM_SUCCESS;
	default:
		return PAM_BAD_ITEM;
	}
}

int
pam_get_item(const pam_handle_t *h, int type, const void **item)
{
	switch (type) {
	case PAM_USER:
		*item = h->user;
		return PAM_SUCCESS;
	case PAM_TTY:
		*item = h->tty;
		return PAM_SUCCESS;
	default:
		return PAM_BAD_ITEM;
	}
}

int
pam_fail_delay(pam_handle_t *h, unsigned int usec)
{
	if (usec > h->delay)
		h->delay = usec;
	return PAM_SUCCESS;
}

const char *
pam_strerror(pam_handle_t *h, int status)
{
	(void)h;
	return status == PAM_SUCCESS ? "Success" : "Failure";
}

/*
 * Run one script through the application's conversation function, a
 * call per group of joined messages.  *password gets the last answer to
 * a prompt (or NULL).  Returns PAM_SUCCESS or the conversation's error.
 */
static int
converse(pam_handle_t *h, const uint8_t *script, char **password)
{
	static const int	 styles[] = { PAM_PROMPT_ECHO_OFF,
	    PAM_PROMPT_ECHO_ON, PAM_ERROR_MSG, PAM_TEXT_INFO };
	static const char	*texts[] = { "Password: ", "Token: ",
	    "Sorry.", "You have mail." };
	struct pam_message	 m[FUZZ_PA_SCRIPT];
	const struct pam_message *mp[FUZZ_PA_SCRIPT];
	static struct pam_response poison_resp;
	struct pam_response	*resp, *const poison = &poison_resp;
	size_t			 i = 0, start, n, j;
	bool			 noresp, prompts;
	int			 r;

	*password = NULL;
	while (i < FUZZ_PA_SCRIPT && !(script[i] & FUZZ_MSG_END)) {
		start = i;
		noresp = (script[i] & FUZZ_MSG_NORESP) != 0;
		prompts = false;
		do {
			m[i].msg_style = styles[script[i] & 3];
			m[i].msg = script[i] & FUZZ_MSG_NOTEXT ? NULL :
			    texts[script[i] & 3];
			mp[i - start] = &m[i];
			prompts |= (script[i] & 3) < 2;
		} while (script[i++] & FUZZ_MSG_JOIN && i < FUZZ_PA_SCRIPT);
		n = i - start;

		drain();
		resp = poison;
		r = h->conv.conv((int)n, mp, noresp ? NULL : &resp,
		    h->conv.appdata_ptr);
		drain();
		if (noresp && prompts)
			CHECK(r != PAM_SUCCESS);
		if (r != PAM_SUCCESS) {
			CHECK(resp == poison);
			if (*password != NULL)
				free(*password);
			*password = NULL;
			return r;
		}
		if (noresp)
			continue;
		CHECK(resp != poison && resp != NULL);
		for (j = 0; j < n; j++) {
			if ((script[start + j] & 3) < 2) {
				CHECK(resp[j].resp != NULL);
				CHECK(strlen(resp[j].resp) <= LINE_MAX_LEN);
				free(*password);
				*password = resp[j].resp;
			} else
				free(resp[j].resp);
		}
		free(resp);
	}
	return PAM_SUCCESS;
}

int
pam_authenticate(pam_handle_t *h, int flags)
{
	char	*pw;
	int	 r;

	(void)flags;
	fz.accepted = false;
	if ((r = converse(h, fz.script, &pw)) != PAM_SUCCESS)
		return r;
	r = PAM_AUTH_ERR;
	if (h->user != NULL && strcmp(h->user, FUZZ_USER) == 0 &&
	    pw != NULL && strcmp(pw, FUZZ_PASSWORD) == 0)
		r = PAM_SUCCESS;
	else if (fz.flags & FUZZ_PA_MAXTRIES)
		r = PAM_MAXTRIES;
	free(pw);
	/* libpam calls the application's delay function on failure. */
	if (r != PAM_SUCCESS && h->delay_fn != NULL)
		h->delay_fn(r, fz.delay, NULL);
	return r;
}

int
pam_acct_mgmt(pam_handle_t *h, int flags)
{
	(void)flags;
	if (fz.flags & FUZZ_PA_DENY)
		return PAM_ACCT_EXPIRED;
	if (fz.flags & FUZZ_PA_RENAME)
		(void)set_string(&h->user, "nobody");
	if (fz.flags & FUZZ_PA_EXPIRED)
		return PAM_NEW_AUTHTOK_REQD;
	fz.accepted = true;
	return PAM_SUCCESS;
}

int
pam_chauthtok(pam_handle_t *h, int flags)
{
	char	*pw;
	int	 r;

	(void)flags;
	if ((r = converse(h, fz.script + FUZZ_PA_SCRIPT, &pw)) !=
	    PAM_SUCCESS)
		return r;
	r = pw != NULL && pw[0] != '\0' ? PAM_SUCCESS : PAM_AUTHTOK_ERR;
	free(pw);
	fz.accepted = r == PAM_SUCCESS;
	return r;
}

/* The session is never reached here: these only satisfy the linker. */
int
pam_setcred(pam_handle_t *h, int flags)
{
	(void)h;
	(void)flags;
	abort();
}

int
pam_open_session(pam_handle_t *h, int flags)
{
	(void)h;
	(void)flags;
	abort();
}

int
pam_close_session(pam_handle_t *h, int flags)
{
	(void)h;
	(void)flags;
	abort();
}

char **
pam_getenvlist(pam_handle_t *h)
{
	(void)h;
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*any_env[] = { "*" };
	static bool		 once;
	struct options		 o;
	struct auth		 a;
	int			 sv[2], big = 4 << 20, r;
	size_t			 off;
	ssize_t			 n;

	if (!once) {
		/* Format every message; send none, unless asked to. */
		if (getenv("FUZZ_PREAUTH_LOG") != NULL)
			log_init("fuzz_preauth", 1);
		else {
			log_init("fuzz_preauth", 0);
			setlogmask(LOG_UPTO(LOG_EMERG));
		}
		log_set_debug(1);
		/* The protocol trace formats every event it is told of. */
		if (trace_init(TRACE_ALL, getenv("FUZZ_PREAUTH_LOG") != NULL,
		    NULL) == -1)
			abort();
		once = true;
	}
	if (size < FUZZ_PA_HEADER)
		return 0;
	memset(&fz, 0, sizeof(fz));
	fz.flags = data[0];
	fz.delay = data[1];
	fz.script = data + 2;
	data += FUZZ_PA_HEADER;
	size -= FUZZ_PA_HEADER;

	memset(&o, 0, sizeof(o));
	o.service = "nvtd";
	o.permit_root = (fz.flags & FUZZ_PA_ROOT) != 0;
	o.max_tries = fz.flags & FUZZ_PA_TRIES ? 1 : 3;
	o.fail_delay_ms = 0;
	o.login_timeout = 60;
	if (fz.flags & FUZZ_PA_ENV) {
		o.accept_env[0] = any_env[0];
		o.naccept_env = 1;
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	/* Room for everything nvtd may send before the next drain. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big,
	    sizeof(big)) == -1)
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big,
		    sizeof(big));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (fz.flags & FUZZ_PA_ANSWER &&
	    write(sv[1], answers, sizeof(answers)) != sizeof(answers))
		abort();
	for (off = 0; off < size; off += (size_t)n)
		if ((n = write(sv[1], data + off, size - off)) <= 0)
			abort();
	(void)shutdown(sv[1], SHUT_WR);
	(void)fcntl(sv[1], F_SETFL, O_NONBLOCK);
	fz.peer = sv[1];

	/* preauth_init() expects a struct that is all zeros (conn.h). */
	memset(&pre, 0, sizeof(pre));
	CHECK(preauth_init(&pre, sv[0], &o, term_known, NULL) == 0);
	fz_opts = &o;
	strlcpy(ps.addr, pre.conn.addr, sizeof(ps.addr));
	strlcpy(ps.port, pre.conn.port, sizeof(ps.port));
	if (preauth_negotiate(&pre) == 0) {
		r = auth_login(&a, &ps, &o);
		CHECK(r == -1 || fz.accepted);
		CHECK(r == -1 || a.user.name != NULL);
		if (r == 0)
			fz_handoff();
		auth_close(&a);
	}
	CHECK(pre.conn.len <= sizeof(pre.conn.out));
	CHECK(pre.inoff <= pre.inlen && pre.inlen <= sizeof(pre.in));
	CHECK(fz.handles == 0);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
