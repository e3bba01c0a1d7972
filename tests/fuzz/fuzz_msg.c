/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the monitor's parser of what the pre-auth child
 * sends (msg_parse_child(), daemon/msg.c), and the child's parser of the
 * monitor's requests (msg_parse_request()).  The child is the one an
 * attacker may have taken over: its datagrams are any bytes.
 *
 *   byte 0   bit 0: NEW-ENVIRON allowed (-a with a pattern matching any
 *            name); bit 1: the datagram is a request, for the child
 *   then     the datagram
 *
 * Promises checked (a broken one aborts): a message taken is within
 * every cap, its strings end in NUL, its TERM is one env_term() keeps
 * as it is, its variables are allowed and unique, and a STATE or ANSWER
 * built again from what was taken is taken again, the same.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "fuzz_input.h"
#include "msg.h"

static const char *const any_env[] = { "*" };

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* What the monitor took from the child, checked against every cap. */
static void
check_child(const struct msg_child *m, bool env)
{
	static struct msg	 again;
	static struct msg_child	 back;
	const struct client	*cl;
	char			 buf[ENV_TERM_MAX + 1];
	const char		*why;
	size_t			 i, j;

	switch ((int)m->type) {
	case MSG_ANSWER:
		CHECK(terminated(m->answer.text, sizeof(m->answer.text)));
		CHECK(m->answer.status == LINE_DONE || m->answer.text[0] ==
		    '\0');
		msg_answer(&again, m->answer.status, m->answer.text);
		CHECK(msg_parse_child(again.buf, again.len, any_env, env,
		    &back, &why) == 0);
		CHECK(back.answer.status == m->answer.status &&
		    strcmp(back.answer.text, m->answer.text) == 0);
		break;
	case MSG_TERM_QUERY:
		CHECK(terminated(m->term, sizeof(m->term)));
		CHECK(strcmp(env_term(m->term, strlen(m->term), buf,
		    sizeof(buf)), m->term) == 0);
		break;
	case MSG_LOG:
	case MSG_TRACE:
		for (i = 0; m->log.text[i] != '\0'; i++)
			CHECK(m->log.text[i] >= 0x20 && m->log.text[i] < 0x7f);
		break;
	case MSG_STATE:
		cl = &m->state.client;
		CHECK(m->state.conn_len <= sizeof(m->state.conn));
		CHECK(m->state.typeahead_len <= sizeof(m->state.typeahead));
		CHECK(terminated(cl->term, sizeof(cl->term)));
		CHECK(cl->env.n <= ENV_CLIENT_MAX);
		CHECK(env || cl->env.n == 0);
		for (i = 0; i < cl->env.n; i++)
			for (j = 0; j < i; j++)
				CHECK(strcmp(cl->env.var[i].name,
				    cl->env.var[j].name) != 0);
		msg_state(&again, &m->state);
		CHECK(!again.over);
		CHECK(msg_parse_child(again.buf, again.len, any_env, env,
		    &back, &why) == 0);
		CHECK(strcmp(back.state.client.term, cl->term) == 0);
		CHECK(back.state.client.env.n == cl->env.n);
		CHECK(back.state.client.ws.ws_col == cl->ws.ws_col &&
		    back.state.client.ws.ws_row == cl->ws.ws_row &&
		    back.state.client.have_naws == cl->have_naws);
		CHECK(back.state.typeahead_len == m->state.typeahead_len);
		CHECK(back.state.conn_len == m->state.conn_len &&
		    memcmp(back.state.conn, m->state.conn,
		    m->state.conn_len) == 0);
		break;
	case MSG_READY:
	case MSG_SYSCALL:
		break;
	default:
		abort();	/* a type the parser must not take */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_child	 m;
	static struct msg_request r;
	const char		*why = NULL;
	bool			 env;

	if (size < 1)
		return 0;
	env = (data[0] & 1) != 0;
	if (data[0] & 2) {
		if (msg_parse_request(data + 1, size - 1, &r, &why) == 0)
			CHECK(terminated(r.text, sizeof(r.text)));
		else
			CHECK(why != NULL);
		return 0;
	}
	if (msg_parse_child(data + 1, size - 1, any_env, env ? 1 : 0, &m,
	    &why) == 0)
		check_child(&m, env);
	else
		CHECK(why != NULL);
	return 0;
}
