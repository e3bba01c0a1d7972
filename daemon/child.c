/* SPDX-License-Identifier: ISC */
/*
 * The pre-auth child (privilege separation, after OpenSSH's): the telnet
 * engine, the opening negotiation, the banner's and prompts' output and
 * the line editor run here, in a process that is not root, whose root is
 * an empty directory and whose system calls are an allowlist (sandbox.c).
 * A bug in any of them gives a client that process and nothing else.
 *
 * The root monitor keeps PAM and drives the login with requests (msg.h):
 * SAY a text, ASK a prompt (the answer goes back, then is wiped), ACCEPT
 * (the login succeeded: send the connection's state and what the client
 * said about itself), CLOSE (end the connection gently).  The child asks
 * back only whether terminfo knows a terminal type, which it cannot look
 * up from its empty root.  Its log and trace lines go to the monitor.
 *
 * The child never returns into main(): every end is an _exit(), so no
 * exit handler runs under the sandbox.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "msg.h"
#include "options.h"
#include "preauth.h"
#include "sandbox.h"
#include "trace.h"

#define CHILD_CHANNEL	STDOUT_FILENO

static struct preauth	child_pre;
static struct msg	child_out;

/* Send a message built in child_out; the monitor gone ends the child. */
static void
child_send(void)
{
	if (child_out.over || send(CHILD_CHANNEL, child_out.buf,
	    child_out.len, MSG_NOSIGNAL) != (ssize_t)child_out.len)
		_exit(1);
}

/* The next request from the monitor; its end, or nonsense, ends us. */
static void
child_recv(struct msg_request *r)
{
	uint8_t		 buf[MSG_MAX];
	const char	*why;
	ssize_t		 n;

	while ((n = recv(CHILD_CHANNEL, buf, sizeof(buf), 0)) == -1 &&
	    errno == EINTR)
		;
	if (n <= 0)
		_exit(0);
	if (msg_parse_request(buf, (size_t)n, r, &why) == -1) {
		log_warnx("pre-auth child: %s", why);
		_exit(1);
	}
}

/* Log lines go to the monitor, which writes them. */
static void
child_log(int prio, const char *line)
{
	msg_start(&child_out, MSG_LOG);
	msg_u8(&child_out, (uint8_t)prio);
	msg_str16(&child_out, line, strnlen(line, MSG_TEXT_MAX));
	child_send();
}

/* So do trace lines. */
static void
child_trace(unsigned int kind, const char *line)
{
	msg_start(&child_out, MSG_TRACE);
	msg_u8(&child_out, (uint8_t)kind);
	msg_str16(&child_out, line, strnlen(line, MSG_TEXT_MAX));
	child_send();
}

/* Does terminfo know term?  The monitor looks, outside the chroot. */
static bool
child_term_known(void *ctx, const char *term)
{
	struct msg_request	r;

	(void)ctx;
	msg_start(&child_out, MSG_TERM_QUERY);
	msg_str8(&child_out, term, strlen(term));
	child_send();
	child_recv(&r);
	if (r.type != MSG_TERM) {
		log_warnx("pre-auth child: request %d while asking about a "
		    "terminal type", (int)r.type);
		_exit(1);
	}
	return r.flag;
}

/* Ask, answer, wipe. */
static void
child_ask(struct preauth *p, const struct msg_request *r)
{
	char			answer[LINE_MAX_LEN + 1];
	enum line_status	st;

	answer[0] = '\0';
	st = preauth_ask(p, r->text, r->flag, answer, sizeof(answer));
	msg_answer(&child_out, st, answer);
	explicit_bzero(answer, sizeof(answer));
	child_send();
	explicit_bzero(child_out.buf, child_out.len);
}

/* The login succeeded: the state for the relay, then wait for the end. */
static void
child_accept(struct preauth *p)
{
	static struct handoff	h;

	if (preauth_handoff(p, &h) == -1)
		_exit(0);	/* the client has gone: the monitor sees EOF */
	msg_state(&child_out, &h);
	explicit_bzero(&h, sizeof(h));
	child_send();
	explicit_bzero(child_out.buf, child_out.len);
}

void
child_main(const struct options *o)
{
	struct preauth		*p = &child_pre;
	struct msg_request	 r;
	const char		*what;
	bool			 root = geteuid() == 0;
	unsigned int		 uid = root ? o->child_uid : getuid();
	unsigned int		 gid = root ? o->child_gid : getgid();

	log_set_sink(child_log);
	trace_set_sink(o->trace, child_trace);
	if (preauth_init(p, STDIN_FILENO, o, child_term_known, NULL) == -1) {
		log_warn("pre-auth child: the connection");
		_exit(1);
	}
	if (sandbox_preauth(o->child_uid, o->child_gid, &what) == -1) {
		log_warn("pre-auth child: %s", what);
		_exit(1);
	}
	trace_step("pre-auth child: uid %u gid %u, chroot %s, rlimits, "
	    "no_new_privs, seccomp: the sandbox is on", uid, gid,
	    root ? SANDBOX_DIR : "none (not root)");

	/* 2. Options in one write; answers awaited a bounded time. */
	if (preauth_negotiate(p) == -1)
		_exit(0);
	msg_start(&child_out, MSG_READY);
	child_send();
	for (;;) {
		child_recv(&r);
		switch ((int)r.type) {
		case MSG_SAY:
			(void)preauth_say(p, r.text);
			break;
		case MSG_ASK:
			child_ask(p, &r);
			break;
		case MSG_ACCEPT:
			child_accept(p);
			break;
		case MSG_CLOSE:
			conn_close(&p->conn, -1);
			_exit(0);
		default:
			log_warnx("pre-auth child: request %d out of turn",
			    (int)r.type);
			_exit(1);
		}
	}
}
