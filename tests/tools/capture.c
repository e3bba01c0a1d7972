/* SPDX-License-Identifier: ISC */
/*
 * Records what a real telnet client sends at the start of a connection,
 * as a transcript case (tests/unit/transcripts/README): the engine
 * (daemon/telnet.c) answers the client as nvtd would, every read from
 * the client becomes a "> bytes" line and every event a "< event" line.
 * The events are the engine's own and must be reviewed before a trace
 * goes into a transcript.  tests/tools/capture-clients drives it.
 *
 * Usage: capture [-eu] [-m MS] [-p PORT]
 * Listens on 127.0.0.1 at PORT (default: a free one; BSD-derived
 * clients negotiate unprompted only on port 23) and prints "port N",
 * takes one
 * connection and, unless -u (unprompted), sends nvtd's opening: WILL
 * ECHO, WILL SGA, DO SGA, DO NAWS, DO TTYPE, and with -e (as with an
 * environment allowlist) DO NEW-ENVIRON.  Stops MS milliseconds
 * (default 1500) after the connection came in.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "telnet.h"

static int	sock = -1;

static void
hex(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		printf(" %02x", p[i]);
}

static void
quoted(const char *s, size_t n)
{
	size_t	i;

	putchar('"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	putchar('"');
}

static const char *
opt(uint8_t o)
{
	static char	num[8];

	if (strcmp(telnet_option_name(o), "UNKNOWN") != 0)
		return telnet_option_name(o);
	snprintf(num, sizeof(num), "%u", o);
	return num;
}

/* Print the event as a transcript line; SEND also goes to the client. */
static void
handler(void *ctx, const struct telnet_event *ev)
{
	(void)ctx;
	switch (ev->kind) {
	case TELNET_EV_DATA:
		printf("< data");
		hex(ev->data.bytes, ev->data.len);
		break;
	case TELNET_EV_SEND:
		if (write(sock, ev->data.bytes, ev->data.len) < 0)
			perror("write");
		printf("< send");
		hex(ev->data.bytes, ev->data.len);
		break;
	case TELNET_EV_NEGOTIATION:
		printf("< negotiation %s %s",
		    telnet_command_name(ev->negotiation.verb),
		    opt(ev->negotiation.opt));
		break;
	case TELNET_EV_OPTION:
		printf("< option %s %s %s", opt(ev->option.opt),
		    ev->option.side == TELNET_US ? "us" : "him",
		    ev->option.on ? "on" : "off");
		break;
	case TELNET_EV_QSTATE:
		return;		/* transcripts list them only on purpose */
	case TELNET_EV_COMMAND:
		printf("< command %s", telnet_command_name(ev->command));
		break;
	case TELNET_EV_TIMING_MARK:
		printf("< timing-mark");
		break;
	case TELNET_EV_NAWS:
		printf("< naws %u %u", ev->naws.width, ev->naws.height);
		break;
	case TELNET_EV_TTYPE:
		printf("< ttype ");
		quoted(ev->ttype.name, ev->ttype.len);
		break;
	case TELNET_EV_ENV:
		printf("< env %s %s ", ev->env.cmd == TELNET_ENV_IS ? "IS" :
		    "INFO", ev->env.type == TELNET_ENV_VAR ? "VAR" : "USERVAR");
		quoted(ev->env.name, ev->env.name_len);
		putchar(' ');
		if (ev->env.value == NULL)
			putchar('-');
		else
			quoted(ev->env.value, ev->env.value_len);
		break;
	case TELNET_EV_LFLOW:
		printf("< lflow %u", ev->lflow);
		break;
	case TELNET_EV_DISCARD:
		printf("< discard %s ", opt(ev->discard.opt));
		quoted(ev->discard.why, strlen(ev->discard.why));
		break;
	default:
		printf("# unknown event");
		break;
	}
	putchar('\n');
}

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	struct telnet		 t;
	struct pollfd		 pfd;
	uint8_t			 buf[4096];
	ssize_t			 n;
	long			 start, left, ms = 1500;
	int			 ls, ch, prompted = 1, env = 0, one = 1;

	memset(&sin, 0, sizeof(sin));
	while ((ch = getopt(argc, argv, "eum:p:")) != -1) {
		switch (ch) {
		case 'e':
			env = 1;
			break;
		case 'u':
			prompted = 0;
			break;
		case 'm':
			ms = atol(optarg);
			break;
		case 'p':
			sin.sin_port = htons((uint16_t)atoi(optarg));
			break;
		default:
			fprintf(stderr,
			    "usage: capture [-eu] [-m MS] [-p PORT]\n");
			return 2;
		}
	}
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, 1) == -1 ||
	    getsockname(ls, (struct sockaddr *)&sin, &slen) == -1) {
		perror("listen");
		return 1;
	}
	printf("port %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	if ((sock = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		perror("accept");
		return 1;
	}
	start = now_ms();
	telnet_init(&t, handler, NULL);
	if (env) {
		printf("! allow NEW-ENVIRON him\n");
		telnet_allow(&t, TELNET_OPT_NEW_ENVIRON, TELNET_ALLOW_HIM);
	}
	if (prompted) {
		printf("! request ECHO us on\n");
		telnet_request(&t, TELNET_OPT_ECHO, TELNET_US, true);
		printf("! request SGA us on\n");
		telnet_request(&t, TELNET_OPT_SGA, TELNET_US, true);
		printf("! request SGA him on\n");
		telnet_request(&t, TELNET_OPT_SGA, TELNET_HIM, true);
		printf("! request NAWS him on\n");
		telnet_request(&t, TELNET_OPT_NAWS, TELNET_HIM, true);
		printf("! request TTYPE him on\n");
		telnet_request(&t, TELNET_OPT_TTYPE, TELNET_HIM, true);
		if (env) {
			printf("! request NEW-ENVIRON him on\n");
			telnet_request(&t, TELNET_OPT_NEW_ENVIRON, TELNET_HIM,
			    true);
		}
	}
	pfd.fd = sock;
	pfd.events = POLLIN;
	while ((left = start + ms - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if ((n = read(sock, buf, sizeof(buf))) <= 0)
			break;
		printf(">");
		hex(buf, (size_t)n);
		printf("\t# after %ld ms\n", now_ms() - start);
		telnet_feed(&t, buf, (size_t)n);
		fflush(stdout);
	}
	printf("! pending\n# pending: %s\n", telnet_pending(&t) ? "yes" :
	    "no");
	return 0;
}
