/* SPDX-License-Identifier: ISC */
/*
 * The connection before login.  Everything the client sends goes through
 * the telnet engine (conn.c); its events land here: data and the editing
 * commands become type-ahead for the prompts, window size, terminal type
 * and allowed environment variables are kept for the session.
 *
 * The opening negotiation asks for what a terminal session needs and
 * waits a bounded time for the answers that matter.  The terminal type
 * follows RFC 1091's cycling: every type the client offers is listed,
 * the first one terminfo knows is chosen, and the client is steered back
 * to it.  Answers to the prompts are edited by line.c.
 *
 * Every buffer is capped: a client cannot make nvtd hold more than
 * CONN_OUT_MAX bytes of output or PREAUTH_IN_MAX of type-ahead.
 */
#include <sys/ttydefaults.h>

#include <errno.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "options.h"
#include "preauth.h"
#include "trace.h"

#define PREAUTH_READ_SIZE	4096

/* Keep client data as type-ahead for the prompts (and later the pty). */
static void
preauth_keep(struct preauth *p, const uint8_t *b, size_t n)
{
	if (p->inoff > 0) {
		memmove(p->in, p->in + p->inoff, p->inlen - p->inoff);
		p->inlen -= p->inoff;
		p->inoff = 0;
	}
	if (n > sizeof(p->in) - p->inlen)
		n = sizeof(p->in) - p->inlen;	/* beyond the cap: dropped */
	memcpy(p->in + p->inlen, b, n);
	p->inlen += n;
}

/*
 * Telnet commands at a prompt: the editing ones become the bytes a user
 * would type for them, so the line editor sees one kind of input; the
 * signal-like ones abandon the line; AYT is answered at once.
 */
static void
preauth_command(struct preauth *p, uint8_t cmd)
{
	uint8_t	b;

	switch (cmd) {
	case TELNET_EC:
		b = 0x7f;
		break;
	case TELNET_EL:
		b = CTRL('U');
		break;
	case TELNET_IP:
	case TELNET_BRK:
	case TELNET_ABORT:
	case TELNET_SUSP:
		b = CTRL('C');
		break;
	case TELNET_EOF:
		b = CTRL('D');
		break;
	case TELNET_AYT:
		conn_text(&p->conn, CONN_AYT_REPLY);
		return;
	default:		/* AO NOP DM GA: nothing to do before login */
		return;
	}
	preauth_keep(p, &b, 1);
}

/* Is name (len bytes) the client's type number i, ignoring case? */
static bool
preauth_ttype_is(const struct preauth *p, size_t i, const char *name,
    size_t len)
{
	return p->ttypes_len[i] == len &&
	    strncasecmp(p->ttypes[i], name, len) == 0;
}

/*
 * Choose TERM among the types offered, in the client's order of
 * preference: the first that terminfo knows, else the first well-formed
 * one.  Returns its index, or -1 (TERM stays "dumb").
 */
static int
preauth_ttype_choose(struct preauth *p)
{
	char	buf[ENV_TERM_MAX + 1];
	int	first = -1;
	size_t	i;

	for (i = 0; i < p->nttypes; i++) {
		if (env_term(p->ttypes[i], p->ttypes_len[i], buf,
		    sizeof(buf)) != buf)
			continue;
		if (p->term_known(p->term_ctx, buf))
			return (int)i;
		if (first == -1)
			first = (int)i;
	}
	return first;
}

/* Remember the type the client has just sent: it is on that one now. */
static void
preauth_ttype_last(struct preauth *p, const char *name, size_t len)
{
	memcpy(p->ttype_last, name, len);
	p->ttype_last[len] = '\0';
	p->ttype_last_len = len;
}

/*
 * An answer while nvtd steers the client back to the chosen type: done
 * when it is there, or when it did not move (a client that keeps
 * repeating its last type), or after too many asks.  TERM must name the
 * terminal the client emulates: a client left on another type that
 * terminfo knows gets that type as TERM.
 */
static void
preauth_ttype_steer(struct preauth *p, const char *name, size_t len)
{
	char	buf[ENV_TERM_MAX + 1];
	bool	stuck;

	if (preauth_ttype_is(p, (size_t)p->ttype_chosen, name, len)) {
		p->ttype_state = PREAUTH_TTYPE_DONE;
		return;
	}
	stuck = p->ttype_last_len == len &&
	    strncasecmp(p->ttype_last, name, len) == 0;
	preauth_ttype_last(p, name, len);
	if (!stuck && ++p->ttype_asks <= 2 * PREAUTH_TTYPES_MAX) {
		telnet_request_ttype(&p->conn.tn);
		return;
	}
	p->ttype_state = PREAUTH_TTYPE_DONE;
	if (env_term(name, len, buf, sizeof(buf)) == buf &&
	    p->term_known(p->term_ctx, buf)) {
		strlcpy(p->client.term, buf, sizeof(p->client.term));
		log_debug("%s: TERM=%s, the type the client stays on",
		    p->conn.addr, p->client.term);
	}
}

/*
 * RFC 1091: ask for the next type until the client repeats itself (its
 * first type: it started over; its last: the list has ended), then
 * choose.  The client is then on its first type or on its last; when
 * that is not the chosen one, it is asked on (a client that ended its
 * list starts over when asked again) until it is.  An answer nvtd could
 * not take (empty, over TELNET_TTYPE_MAX) comes here as "": it counts as
 * a type, never chosen.
 */
static void
preauth_ttype(struct preauth *p, const char *name, size_t len)
{
	char	buf[ENV_TERM_MAX + 1];
	bool	wrapped, ended;
	size_t	n = p->nttypes;
	int	at;

	switch (p->ttype_state) {
	case PREAUTH_TTYPE_DONE:
		return;
	case PREAUTH_TTYPE_STEERING:
		preauth_ttype_steer(p, name, len);
		return;
	case PREAUTH_TTYPE_LISTING:
		break;
	}

	wrapped = n > 0 && preauth_ttype_is(p, 0, name, len);
	ended = n > 0 && preauth_ttype_is(p, n - 1, name, len);
	preauth_ttype_last(p, name, len);
	if (!wrapped && !ended) {
		memcpy(p->ttypes[n], name, len);
		p->ttypes[n][len] = '\0';
		p->ttypes_len[n] = len;
		if (++p->nttypes < PREAUTH_TTYPES_MAX) {
			telnet_request_ttype(&p->conn.tn);
			return;
		}
	}

	p->ttype_chosen = preauth_ttype_choose(p);
	if (p->ttype_chosen >= 0)
		strlcpy(p->client.term, env_term(p->ttypes[p->ttype_chosen],
		    p->ttypes_len[p->ttype_chosen], buf, sizeof(buf)),
		    sizeof(p->client.term));
	log_debug("%s: TERM=%s, from %zu terminal types", p->conn.addr,
	    p->client.term, p->nttypes);
	at = wrapped ? 0 : (int)p->nttypes - 1;
	if (p->ttype_chosen >= 0 && p->ttype_chosen != at) {
		p->ttype_state = PREAUTH_TTYPE_STEERING;
		telnet_request_ttype(&p->conn.tn);
	} else
		p->ttype_state = PREAUTH_TTYPE_DONE;
}

/* The handler for the engine's events before login. */
static void
preauth_event(void *ctx, const struct telnet_event *ev)
{
	struct preauth	*p = ctx;
	const char	*addr = p->conn.addr;
	char		 n[LOG_ESCAPE_MAX], v[LOG_ESCAPE_MAX];

	trace_telnet(ev, -1);	/* before login: data as a count only */
	switch (ev->kind) {
	case TELNET_EV_DATA:
		preauth_keep(p, ev->data.bytes, ev->data.len);
		break;
	case TELNET_EV_COMMAND:
		log_debug("%s: IAC %s", addr, telnet_command_name(ev->command));
		preauth_command(p, ev->command);
		break;
	case TELNET_EV_NAWS:
		log_debug("%s: window %ux%u", addr, ev->naws.width,
		    ev->naws.height);
		p->client.ws.ws_col = ev->naws.width;
		p->client.ws.ws_row = ev->naws.height;
		p->client.have_naws = true;
		break;
	case TELNET_EV_TTYPE:
		log_debug("%s: terminal type \"%s\"", addr,
		    log_escape(ev->ttype.name, ev->ttype.len, n, sizeof(n)));
		preauth_ttype(p, ev->ttype.name, ev->ttype.len);
		break;
	case TELNET_EV_ENV:
		if (!env_client_add(&p->client.env, p->opts->accept_env,
		    p->opts->naccept_env, ev->env.name, ev->env.name_len,
		    ev->env.value, ev->env.value_len))
			log_debug("%s: variable \"%s\" ignored", addr,
			    log_escape(ev->env.name, ev->env.name_len, n,
			    sizeof(n)));
		else
			log_debug("%s: variable %s=\"%s\" accepted", addr,
			    ev->env.name, log_escape(ev->env.value,
			    ev->env.value_len, v, sizeof(v)));
		break;
	case TELNET_EV_NEGOTIATION:
		log_debug("%s: RCVD %s %s", addr,
		    telnet_command_name(ev->negotiation.verb),
		    telnet_option_name(ev->negotiation.opt));
		break;
	case TELNET_EV_OPTION:
		log_debug("%s: %s %s %s", addr,
		    telnet_option_name(ev->option.opt),
		    ev->option.side == TELNET_US ? "us" : "him",
		    ev->option.on ? "on" : "off");
		break;
	case TELNET_EV_DISCARD:
		log_debug("%s: SB %s discarded: %s", addr,
		    telnet_option_name(ev->discard.opt), ev->discard.why);
		/* An answer to our SEND that could not be taken. */
		if (ev->discard.opt == TELNET_OPT_TTYPE &&
		    telnet_enabled(&p->conn.tn, TELNET_OPT_TTYPE, TELNET_HIM) &&
		    !telnet_waiting(&p->conn.tn, TELNET_OPT_TTYPE))
			preauth_ttype(p, "", 0);
		break;
	case TELNET_EV_SEND:		/* queued by conn.c */
	case TELNET_EV_TIMING_MARK:	/* the reply follows as a SEND */
	case TELNET_EV_LFLOW:		/* nothing to control before login */
	case TELNET_EV_QSTATE:		/* for traces */
	case TELNET_EV_MARK:		/* conn_close() waits for it */
		break;
	}
}

int
preauth_init(struct preauth *p, int fd, const struct options *o,
    preauth_term_fn *term_known, void *term_ctx)
{
	p->opts = o;
	p->term_known = term_known;
	p->term_ctx = term_ctx;
	p->ttype_chosen = -1;
	strlcpy(p->client.term, "dumb", sizeof(p->client.term));
	if (conn_init(&p->conn, fd, preauth_event, p) == -1)
		return -1;
	if (o->naccept_env > 0)
		telnet_allow(&p->conn.tn, TELNET_OPT_NEW_ENVIRON,
		    TELNET_ALLOW_HIM);
	return 0;
}

/*
 * Wait up to timeout_ms (-1: no limit but the deadline) for input, feed
 * it to the engine and send the replies.  Returns 1 when something was
 * read, 0 on timeout, -1 when the client is gone or misbehaved.
 */
static int
preauth_fill(struct preauth *p, int timeout_ms)
{
	struct conn	*c = &p->conn;
	uint8_t		 buf[PREAUTH_READ_SIZE];
	int		 r;

	if ((r = conn_wait(c, timeout_ms)) <= 0)
		return r;
	if ((r = conn_input(c, buf, sizeof(buf))) == -1)
		return -1;
	if (c->overflow) {
		log_warnx("%s: output queue over %d bytes, disconnecting",
		    c->addr, CONN_OUT_MAX);
		c->gone = true;
		return -1;
	}
	return conn_flush(c) == 0 ? r : -1;
}

/*
 * Has the client answered what the login needs: window size, terminal
 * type, variables?  (The answers about ECHO and SGA change nothing.)
 */
static bool
preauth_settled(const struct preauth *p)
{
	const struct telnet	*tn = &p->conn.tn;

	if (telnet_waiting(tn, TELNET_OPT_NAWS) ||
	    telnet_waiting(tn, TELNET_OPT_TTYPE) ||
	    telnet_waiting(tn, TELNET_OPT_NEW_ENVIRON))
		return false;
	if (telnet_enabled(tn, TELNET_OPT_TTYPE, TELNET_HIM) &&
	    p->ttype_state == PREAUTH_TTYPE_LISTING)
		return false;
	if (telnet_enabled(tn, TELNET_OPT_NAWS, TELNET_HIM) &&
	    !p->client.have_naws)
		return false;
	return true;
}

int
preauth_negotiate(struct preauth *p)
{
	struct telnet	*tn = &p->conn.tn;
	long long	 end;
	long long	 left;

	/*
	 * We echo (so the client never echoes a password locally) and
	 * suppress go-ahead: character at a time.  We ask for the window
	 * size and terminal type, and for variables only when some are
	 * allowed.
	 */
	telnet_request(tn, TELNET_OPT_ECHO, TELNET_US, true);
	telnet_request(tn, TELNET_OPT_SGA, TELNET_US, true);
	telnet_request(tn, TELNET_OPT_SGA, TELNET_HIM, true);
	telnet_request(tn, TELNET_OPT_NAWS, TELNET_HIM, true);
	telnet_request(tn, TELNET_OPT_TTYPE, TELNET_HIM, true);
	if (p->opts->naccept_env > 0)
		telnet_request(tn, TELNET_OPT_NEW_ENVIRON, TELNET_HIM, true);
	if (conn_flush(&p->conn) == -1)
		return -1;

	/* A client that never answers (netcat) still gets its prompt. */
	end = clock_ms() + PREAUTH_NEGOTIATE_MS;
	while (!preauth_settled(p) && (left = end - clock_ms()) > 0)
		if (preauth_fill(p, (int)left) == -1)
			return -1;
	return 0;
}

int
preauth_say(struct preauth *p, const char *text)
{
	conn_text(&p->conn, text);
	return conn_flush(&p->conn);
}

/*
 * Read one answer into buf, echoing it when echo is set.  Returns
 * LINE_DONE, LINE_CANCEL, LINE_TOOLONG or LINE_EOF (also when the
 * client is gone).
 */
static enum line_status
preauth_getline(struct preauth *p, bool echo, char *buf, size_t bufsz)
{
	struct conn		*c = &p->conn;
	uint8_t			 e[LINE_ECHO_MAX];
	size_t			 elen;
	enum line_status	 st;
	int			 r;

	line_start(&p->line, echo);
	for (;;) {
		while (p->inoff < p->inlen) {
			st = line_input(&p->line, p->in[p->inoff], e, &elen);
			p->in[p->inoff++] = 0;
			conn_data(c, e, elen);
			if (st == LINE_MORE)
				continue;
			if (st == LINE_DONE)
				strlcpy(buf, p->line.buf, bufsz);
			/*
			 * ^D or EOF on an empty answer: the user gives up,
			 * and the connection ends, as at a terminal's
			 * login prompt.
			 */
			line_clear(&p->line);
			(void)conn_flush(c);
			return st;
		}
		p->inoff = p->inlen = 0;
		if (conn_flush(c) == 0 && (r = preauth_fill(p, -1)) >= 0 &&
		    (r == 1 || !conn_expired(c)))
			continue;
		/* Gone, or the deadline: either way, no more answers. */
		line_clear(&p->line);
		return LINE_EOF;
	}
}

enum line_status
preauth_ask(struct preauth *p, const char *prompt, bool echo, char *buf,
    size_t bufsz)
{
	enum line_status	st;

	do {
		conn_text(&p->conn, prompt);
		st = preauth_getline(p, echo, buf, bufsz);
	} while (st == LINE_CANCEL);
	return st;
}

int
preauth_handoff(struct preauth *p, struct handoff *h)
{
	if (conn_flush(&p->conn) == -1)
		return -1;
	if (p->line.after_cr && p->inoff < p->inlen &&
	    (p->in[p->inoff] == '\n' || p->in[p->inoff] == '\0'))
		p->inoff++;
	h->typeahead_len = p->inlen - p->inoff;
	memcpy(h->typeahead, p->in + p->inoff, h->typeahead_len);
	explicit_bzero(p->in, sizeof(p->in));
	h->conn_len = conn_save(&p->conn, h->conn);
	h->client = p->client;
	return 0;
}
