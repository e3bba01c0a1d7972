/* SPDX-License-Identifier: ISC */
/*
 * Command-line parsing.  Every option and its default is here and in
 * man/nvtd.8; a bad option or value gets one line on stderr that names it,
 * and exit status 2.
 */
#include <sys/socket.h>

#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "options.h"
#include "record.h"
#include "trace.h"
#include "version.h"	/* NVTD_VERSION, written by the Makefile */

enum {
	OPT_PERMIT_ROOT = 256,
	OPT_LOGIN_TIMEOUT,
	OPT_MAX_TRIES,
	OPT_FAIL_DELAY,
	OPT_MAX_STARTUPS,
	OPT_PER_SOURCE,
	OPT_MAX_SESSIONS,
	OPT_CHECK,
	OPT_TRACE_FILE,
	OPT_RECORD,
	OPT_RECORD_INPUT,
	OPT_RECORD_LIMIT,
	OPT_PRIVSEP_USER,
	OPT_PREAUTH_CHILD,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "service",		required_argument,	NULL, 's' },
	{ "permit-root",	no_argument,		NULL, OPT_PERMIT_ROOT },
	{ "no-banner",		no_argument,		NULL, 'h' },
	{ "banner",		required_argument,	NULL, 'b' },
	{ "accept-env",		required_argument,	NULL, 'a' },
	{ "login-timeout",	required_argument,	NULL, OPT_LOGIN_TIMEOUT },
	{ "max-tries",		required_argument,	NULL, OPT_MAX_TRIES },
	{ "fail-delay",		required_argument,	NULL, OPT_FAIL_DELAY },
	{ "debug",		no_argument,		NULL, 'd' },
	{ "listen",		required_argument,	NULL, 'l' },
	{ "max-startups",	required_argument,	NULL, OPT_MAX_STARTUPS },
	{ "per-source-limit",	required_argument,	NULL, OPT_PER_SOURCE },
	{ "max-sessions",	required_argument,	NULL, OPT_MAX_SESSIONS },
	{ "check",		no_argument,		NULL, OPT_CHECK },
	{ "trace",		required_argument,	NULL, 'D' },
	{ "trace-file",		required_argument,	NULL, OPT_TRACE_FILE },
	{ "record",		required_argument,	NULL, OPT_RECORD },
	{ "record-input",	no_argument,		NULL, OPT_RECORD_INPUT },
	{ "record-limit",	required_argument,	NULL, OPT_RECORD_LIMIT },
	{ "privsep-user",	required_argument,	NULL, OPT_PRIVSEP_USER },
	{ "preauth-child",	required_argument,	NULL, OPT_PREAUTH_CHILD },
	{ "help",		no_argument,		NULL, OPT_HELP },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 },
};

static const char usage_text[] =
"usage: nvtd [options]\n"
"Serve telnet logins: one on standard input (inetd, systemd Accept=yes),\n"
"or on listening sockets from systemd (Accept=no) or -l.\n"
"\n"
"  -s, --service NAME        PAM service name (default nvtd)\n"
"      --permit-root         allow root to log in (refused by default)\n"
"  -h, --no-banner           do not print /etc/issue.net before login\n"
"  -b, --banner FILE         print FILE instead of /etc/issue.net\n"
"  -a, --accept-env NAME     accept client variable NAME (LC_* globs);\n"
"                            repeatable\n"
"      --login-timeout SECS  time allowed to log in (default 60)\n"
"      --max-tries N         password attempts per connection (default 3)\n"
"      --fail-delay SECS     delay after a failed attempt (default 2)\n"
"      --privsep-user USER   the pre-login child runs as USER (default nvtd)\n"
"  -d, --debug               log to stderr, with debug messages\n"
"  -l, --listen [ADDR:]PORT  listen on PORT (all addresses), ADDR:PORT or\n"
"                            [IPV6]:PORT, numeric addresses; repeatable\n"
"      --max-startups B:R:F  connections not yet logged in: from B on,\n"
"                            refuse R% rising to 100% at F (20:30:100)\n"
"      --per-source-limit N  connections from one address (default 16)\n"
"      --max-sessions N      connections served at once (default 256)\n"
"      --check               check that a login can work here, and exit\n"
"  -D, --trace LIST          trace options,netdata,ptydata,pam,session or\n"
"                            all to the log (never a password)\n"
"      --trace-file PATH     also to PATH, a new file (%p: the pid)\n"
"      --record DIR          record each session in DIR (asciicast v2)\n"
"      --record-input        record what the client types too, passwords\n"
"                            typed in the session included\n"
"      --record-limit SIZE   largest recording (default 64M)\n"
"      --help                show this help\n"
"      --version             show the version\n";

/* Complain about one option in one line and exit 2. */
static void __attribute__((__noreturn__))
bad(const char *opt, const char *arg, const char *why)
{
	if (arg != NULL)
		fprintf(stderr, "nvtd: %s %s: %s\n", opt, arg, why);
	else
		fprintf(stderr, "nvtd: %s: %s\n", opt, why);
	exit(2);
}

/* A whole number in [min, max], or exit 2 naming the option. */
static unsigned int
number(const char *opt, const char *arg, long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(arg, min, max, &errstr);
	if (errstr != NULL)
		bad(opt, arg, errstr);
	return (unsigned int)n;
}

/*
 * -l PORT, ADDR:PORT, *:PORT or [IPV6]:PORT into l, or exit 2.  The
 * address must be numeric: a name would need the resolver at boot,
 * before the network may be up, and could stand for another address
 * at the next start.
 */
static void
listen_spec(struct options_listen *l, const char *arg)
{
	struct addrinfo	 hints, *res;
	const char	*colon, *port, *errstr;
	size_t		 hostlen = 0;
	const char	*host = arg;

	l->arg = arg;
	l->family = AF_INET;
	if (arg[0] == '[') {
		const char	*end = strchr(arg, ']');

		if (end == NULL || end[1] != ':')
			bad("--listen", arg, "expected [IPV6-ADDRESS]:PORT");
		host = arg + 1;
		hostlen = (size_t)(end - host);
		port = end + 2;
		l->family = AF_INET6;
	} else if ((colon = strrchr(arg, ':')) != NULL) {
		if (strchr(arg, ':') != colon)
			bad("--listen", arg, "an IPv6 address goes in brackets");
		hostlen = (size_t)(colon - arg);
		port = colon + 1;
	} else
		port = arg;
	if (hostlen >= sizeof(l->host))
		bad("--listen", arg, "address too long");
	memcpy(l->host, host, hostlen);
	l->host[hostlen] = '\0';
	if (strtonum(port, 1, 65535, &errstr) == 0 && errstr != NULL)
		bad("--listen", arg, "the port must be a number from 1 to "
		    "65535");
	strlcpy(l->port, port, sizeof(l->port));
	if (l->host[0] == '\0' || strcmp(l->host, "*") == 0) {
		l->host[0] = '\0';
		l->family = AF_UNSPEC;
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = l->family;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(l->host, NULL, &hints, &res) != 0)
		bad("--listen", arg, l->family == AF_INET6 ?
		    "not a numeric IPv6 address" :
		    "not a numeric IPv4 address");
	freeaddrinfo(res);
}

/* -D LIST: names from trace.c, or exit 2 naming the first unknown one. */
static unsigned int
trace_spec(const char *arg)
{
	const char	*badname;
	char		 name[64];
	size_t		 len;
	unsigned int	 mask;

	if (trace_parse(arg, &mask, &badname, &len) == 0)
		return mask;
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, badname, len);
	name[len] = '\0';
	bad("-D", name, "unknown trace; expected options, netdata, ptydata, "
	    "pam, session or all, separated by commas");
}

/* --record-limit SIZE: bytes, with K, M or G for powers of 1024. */
static unsigned long long
size_spec(const char *opt, const char *arg)
{
	char			 digits[24], *suffix;
	const char		*errstr;
	unsigned long long	 mult = 1;
	long long		 n;
	size_t			 len = strlen(arg);

	if (len == 0 || len >= sizeof(digits))
		bad(opt, arg, "expected a size such as 64M");
	strlcpy(digits, arg, sizeof(digits));
	suffix = digits + len - 1;
	switch (*suffix) {
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		suffix = NULL;
		break;
	}
	if (suffix != NULL)
		*suffix = '\0';
	if (digits[0] == '\0')
		bad(opt, arg, "expected a size such as 64M");
	n = strtonum(digits, 1, (1LL << 40) / (long long)mult, &errstr);
	if (errstr != NULL)
		bad(opt, arg, errstr);
	return mult * (unsigned long long)n;
}

/* --max-startups BEGIN:RATE:FULL, as OpenSSH's MaxStartups. */
static void
startups_spec(struct options *o, const char *arg)
{
	unsigned int	begin, rate, full;
	char		tail;

	if (sscanf(arg, "%u:%u:%u%c", &begin, &rate, &full, &tail) == 3) {
		if (begin < 1 || rate > 100 || full < begin || full > 100000)
			bad("--max-startups", arg,
			    "need 1 <= begin <= full and rate <= 100");
	} else if (sscanf(arg, "%u%c", &full, &tail) == 1 && full >= 1 &&
	    full <= 100000) {
		begin = full;
		rate = 100;
	} else
		bad("--max-startups", arg, "expected BEGIN:RATE:FULL or N");
	o->startups_begin = begin;
	o->startups_rate = rate;
	o->startups_full = full;
}

void
options_parse(struct options *o, int argc, char *argv[])
{
	const char	*why;
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->service = "nvtd";
	o->banner = true;
	o->banner_file = "/etc/issue.net";
	o->login_timeout = 60;
	o->max_tries = 3;
	o->fail_delay_ms = 2000;
	o->startups_begin = 20;
	o->startups_rate = 30;
	o->startups_full = 100;
	o->per_source = 16;
	o->max_sessions = 256;
	o->record_limit = RECORD_LIMIT_DEFAULT;
	o->privsep_user = "nvtd";

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:hb:a:dl:D:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL ||
			    strlen(optarg) > 64)
				bad("--service", optarg, "not a PAM service name");
			o->service = optarg;
			break;
		case OPT_PERMIT_ROOT:
			o->permit_root = true;
			break;
		case 'h':
			o->banner = false;
			break;
		case 'b':
			o->banner_file = optarg;
			o->banner = true;
			break;
		case 'a':
			if ((why = env_pattern_check(optarg)) != NULL)
				bad("--accept-env", optarg, why);
			if (o->naccept_env == OPTIONS_ACCEPT_ENV_MAX)
				bad("--accept-env", optarg, "too many patterns");
			o->accept_env[o->naccept_env++] = optarg;
			break;
		case OPT_LOGIN_TIMEOUT:
			o->login_timeout = number("--login-timeout", optarg, 1,
			    3600);
			break;
		case OPT_MAX_TRIES:
			o->max_tries = number("--max-tries", optarg, 1, 100);
			break;
		case OPT_FAIL_DELAY:
			o->fail_delay_ms = 1000 * number("--fail-delay",
			    optarg, 0, 60);
			break;
		case 'd':
			o->debug = true;
			break;
		case 'l':
			if (o->nlisten == OPTIONS_LISTEN_MAX)
				bad("--listen", optarg, "too many addresses");
			listen_spec(&o->listen[o->nlisten++], optarg);
			break;
		case OPT_MAX_STARTUPS:
			startups_spec(o, optarg);
			break;
		case OPT_PER_SOURCE:
			o->per_source = number("--per-source-limit", optarg, 1,
			    100000);
			break;
		case OPT_MAX_SESSIONS:
			o->max_sessions = number("--max-sessions", optarg, 1,
			    100000);
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case 'D':
			o->trace |= trace_spec(optarg);
			break;
		case OPT_TRACE_FILE:
			o->trace_file = optarg;
			break;
		case OPT_RECORD:
			o->record_dir = optarg;
			break;
		case OPT_RECORD_INPUT:
			o->record_input = true;
			break;
		case OPT_RECORD_LIMIT:
			o->record_limit = size_spec("--record-limit", optarg);
			if (o->record_limit < RECORD_LIMIT_MIN)
				bad("--record-limit", optarg, "at least 4K");
			break;
		case OPT_PRIVSEP_USER:
			if (optarg[0] == '\0' || strlen(optarg) > 32)
				bad("--privsep-user", optarg, "not a user name");
			o->privsep_user = optarg;
			break;
		case OPT_PREAUTH_CHILD: {
			char	tail;

			/* Internal: how the monitor starts the child. */
			if (sscanf(optarg, "%u:%u%c", &o->child_uid,
			    &o->child_gid, &tail) != 2)
				bad("--preauth-child", optarg, "internal");
			o->preauth_child = true;
			break;
		}
		case OPT_HELP:
			fputs(usage_text, stdout);
			exit(0);
		case OPT_VERSION:
			puts("nvtd " NVTD_VERSION);
			exit(0);
		case ':':
			bad(argv[optind - 1], NULL, "needs a value");
		default:
			if (optopt != 0) {
				char	s[3] = { '-', (char)optopt, '\0' };

				bad(s, NULL, "unknown option; see nvtd --help");
			}
			bad(argv[optind - 1], NULL,
			    "unknown option; see nvtd --help");
		}
	}
	if (optind < argc)
		bad(argv[optind], NULL, "unexpected argument");
	if (o->trace_file != NULL && o->trace == 0)
		bad("--trace-file", o->trace_file, "needs -D to say what to "
		    "trace");
	if (o->record_input && o->record_dir == NULL)
		bad("--record-input", NULL, "needs --record DIR");
}
