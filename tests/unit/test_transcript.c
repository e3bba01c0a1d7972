/* SPDX-License-Identifier: ISC */
/*
 * Transcript tests for the telnet engine (daemon/telnet.c).  A transcript
 * file holds cases: client bytes in hex with comments, then the events
 * and reply bytes the engine must produce, in order.  The format is
 * described in tests/unit/transcripts/README.
 *
 * Every case runs twice under cmocka: "CASE" feeds each input line with
 * one telnet_feed() call and compares the events exactly; "CASE/splits"
 * checks the property that RFC 854's byte stream has no message
 * boundaries: the input cut at every position (and byte by byte, and at
 * random points) gives the same events and replies as uncut, once
 * adjacent DATA and adjacent SEND events are merged.
 *
 * Usage: test_transcript [-f PATTERN] [--corpus DIR] [FILE|DIR ...]
 * With no FILE or DIR it reads tests/unit/transcripts (run it from the
 * top directory).  -f runs only the tests whose name matches PATTERN
 * (cmocka's * and ?); --corpus writes each case's input as a fuzzer seed
 * instead of testing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "telnet.h"
#include "fuzz_input.h"

#define TRANSCRIPT_DIR	"tests/unit/transcripts"

/* A growable byte buffer, for input bytes and rendered text alike. */
struct buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (b->len + n + 1 > cap)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL)
			abort();
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void __attribute__((__format__(__printf__, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	char	tmp[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		abort();
	buf_add(b, tmp, (size_t)n);
}

static char *
buf_text(struct buf *b)
{
	buf_add(b, "", 0);
	return (char *)b->p;
}

/* One line of a case: client bytes, a call, or an expected event. */
enum step_kind { STEP_FEED, STEP_CALL };

struct step {
	enum step_kind	 kind;
	int		 line;
	uint8_t		*bytes;		/* STEP_FEED */
	size_t		 len;
	char		*call;		/* STEP_CALL: the text after "!" */
};

/* An event as compared: DATA and SEND by bytes, the rest by text. */
enum rec_kind { REC_DATA, REC_SEND, REC_TEXT };

struct rec {
	enum rec_kind	 kind;
	int		 line;		/* expected: where it was written */
	struct buf	 b;		/* bytes, or NUL-terminated text */
};

struct tcase {
	char		*name;		/* "file.txt:case" */
	const char	*file;
	int		 line;
	struct step	*steps;
	size_t		 nsteps;
	struct rec	*expect;
	size_t		 nexpect;
	bool		 qstate;	/* it lists qstate events */
};

/* What a run of a case produced. */
struct log {
	struct rec	*recs;
	size_t		 n;
	size_t		 cap;
	bool		 merge;		/* join adjacent DATA, adjacent SEND */
	bool		 qstate;	/* record QSTATE events */
	const uint8_t	*in;		/* the buffer being fed */
	size_t		 in_len;
	char		 err[256];	/* an invariant broken by an event */
};

static struct rec *
log_new(struct log *l, enum rec_kind kind)
{
	struct rec	*r;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->recs = realloc(l->recs, l->cap * sizeof(*l->recs));
		if (l->recs == NULL)
			abort();
	}
	r = &l->recs[l->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

static void
log_bytes(struct log *l, enum rec_kind kind, const uint8_t *p, size_t n)
{
	struct rec	*r;

	if (l->merge && l->n > 0 && l->recs[l->n - 1].kind == kind)
		r = &l->recs[l->n - 1];
	else
		r = log_new(l, kind);
	buf_add(&r->b, p, n);
}

static void __attribute__((__format__(__printf__, 2, 3)))
log_text(struct log *l, const char *fmt, ...)
{
	struct rec	*r = log_new(l, REC_TEXT);
	char		 tmp[1024];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_add(&r->b, tmp, strlen(tmp));
}

static void
log_free(struct log *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->recs[i].b.p);
	free(l->recs);
	memset(l, 0, sizeof(*l));
}

/* An option as transcripts write it: its name, or its number. */
static const char *
opt_text(uint8_t opt, char *tmp, size_t sz)
{
	const char	*name = telnet_option_name(opt);

	if (strcmp(name, "UNKNOWN") != 0)
		return name;
	snprintf(tmp, sz, "%u", opt);
	return tmp;
}

/* A string as transcripts write it: quoted, \" \\ and \xNN escaped. */
static void
quote(struct buf *b, const char *s, size_t len)
{
	size_t	i;
	uint8_t	c;

	buf_add(b, "\"", 1);
	for (i = 0; i < len; i++) {
		c = (uint8_t)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			buf_add(b, &c, 1);
		else
			buf_printf(b, "\\x%02x", c);
	}
	buf_add(b, "\"", 1);
}

/* The engine's handler: checks what can be checked, records the rest. */
static void
record(void *ctx, const struct telnet_event *ev)
{
	struct log	*l = ctx;
	struct buf	 b = { 0 };
	char		 tmp[8];

	switch (ev->kind) {
	case TELNET_EV_DATA:
		if (ev->data.bytes < l->in ||
		    ev->data.bytes + ev->data.len > l->in + l->in_len)
			snprintf(l->err, sizeof(l->err),
			    "DATA does not point into the input");
		log_bytes(l, REC_DATA, ev->data.bytes, ev->data.len);
		return;
	case TELNET_EV_SEND:
		log_bytes(l, REC_SEND, ev->data.bytes, ev->data.len);
		return;
	case TELNET_EV_NEGOTIATION:
		buf_printf(&b, "negotiation %s %s",
		    telnet_command_name(ev->negotiation.verb),
		    opt_text(ev->negotiation.opt, tmp, sizeof(tmp)));
		break;
	case TELNET_EV_OPTION:
		buf_printf(&b, "option %s %s %s",
		    opt_text(ev->option.opt, tmp, sizeof(tmp)),
		    ev->option.side == TELNET_US ? "us" : "him",
		    ev->option.on ? "on" : "off");
		break;
	case TELNET_EV_QSTATE:
		/* Only cases that list them check them. */
		if (!l->qstate)
			return;
		buf_printf(&b, "qstate %s %s ",
		    opt_text(ev->qstate.opt, tmp, sizeof(tmp)),
		    ev->qstate.side == TELNET_US ? "us" : "him");
		buf_printf(&b, "%s %s", telnet_q_name(ev->qstate.from),
		    telnet_q_name(ev->qstate.to));
		break;
	case TELNET_EV_COMMAND:
		buf_printf(&b, "command %s", telnet_command_name(ev->command));
		break;
	case TELNET_EV_TIMING_MARK:
		buf_printf(&b, "timing-mark");
		break;
	case TELNET_EV_MARK:
		buf_printf(&b, "mark");
		break;
	case TELNET_EV_NAWS:
		buf_printf(&b, "naws %u %u", ev->naws.width, ev->naws.height);
		break;
	case TELNET_EV_TTYPE:
		if (ev->ttype.name[ev->ttype.len] != '\0')
			snprintf(l->err, sizeof(l->err), "TTYPE not NUL-ended");
		buf_printf(&b, "ttype ");
		quote(&b, ev->ttype.name, ev->ttype.len);
		break;
	case TELNET_EV_ENV:
		if (ev->env.name[ev->env.name_len] != '\0' ||
		    (ev->env.value != NULL &&
		    ev->env.value[ev->env.value_len] != '\0'))
			snprintf(l->err, sizeof(l->err), "ENV not NUL-ended");
		buf_printf(&b, "env %s %s ",
		    ev->env.cmd == TELNET_ENV_IS ? "IS" : "INFO",
		    ev->env.type == TELNET_ENV_VAR ? "VAR" : "USERVAR");
		quote(&b, ev->env.name, ev->env.name_len);
		buf_add(&b, " ", 1);
		if (ev->env.value == NULL)
			buf_add(&b, "-", 1);
		else
			quote(&b, ev->env.value, ev->env.value_len);
		break;
	case TELNET_EV_LFLOW:
		buf_printf(&b, "lflow %u", ev->lflow);
		break;
	case TELNET_EV_DISCARD:
		buf_printf(&b, "discard %s ",
		    opt_text(ev->discard.opt, tmp, sizeof(tmp)));
		quote(&b, ev->discard.why, strlen(ev->discard.why));
		break;
	default:
		buf_printf(&b, "unknown event %d", (int)ev->kind);
		break;
	}
	log_text(l, "%s", buf_text(&b));
	free(b.p);
}

/*
 * Split a line into words; a word may be a "quoted string".  Returns the
 * number of words, or -1 on a syntax error.  Words point into line.
 */
static int
split_words(char *line, char **w, int max)
{
	int	n = 0;
	char	*p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		if (n == max)
			return -1;
		w[n++] = p;
		if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (*p == '\0')
					return -1;
			}
			p++;
		}
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p == '#') {
			*p = '\0';
			return n;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode a "quoted string" word (with its quotes) into b.  When end is
 * not NULL it gets what follows the closing quote.
 */
static int
unquote(const char *w, struct buf *b, const char **end)
{
	const char	*p;
	uint8_t		 c;

	for (p = w + 1; *p != '"'; p++) {
		c = (uint8_t)*p;
		if (c == '\\') {
			switch (*++p) {
			case 'r':
				c = '\r';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case '0':
				c = '\0';
				break;
			case 'x':
				if (hexval(p[1]) < 0 || hexval(p[2]) < 0)
					return -1;
				c = (uint8_t)(hexval(p[1]) << 4 | hexval(p[2]));
				p += 2;
				break;
			case '\\':
			case '"':
				c = (uint8_t)*p;
				break;
			default:
				return -1;
			}
		}
		buf_add(b, &c, 1);
	}
	if (end != NULL)
		*end = p + 1;
	else if (p[1] != '\0')
		return -1;
	return 0;
}

/* A "*COUNT" suffix: how many times; 1 without one, 0 when malformed. */
static unsigned long
repeat_count(const char *p)
{
	unsigned long	 count;
	char		*end;

	if (*p == '\0')
		return 1;
	if (*p != '*')
		return 0;
	errno = 0;
	count = strtoul(p + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return count;
}

/*
 * Bytes written as hex pairs or "quoted strings", either of them with a
 * *COUNT suffix to repeat it.
 */
static int
parse_bytes(char **w, int n, struct buf *b)
{
	int		 i;
	unsigned long	 count, k;
	const char	*rest;
	struct buf	 one = { 0 };

	for (i = 0; i < n; i++) {
		one.len = 0;
		if (w[i][0] == '"') {
			if (unquote(w[i], &one, &rest) < 0)
				goto bad;
		} else {
			uint8_t	c;

			if (hexval(w[i][0]) < 0 || hexval(w[i][1]) < 0)
				goto bad;
			c = (uint8_t)(hexval(w[i][0]) << 4 | hexval(w[i][1]));
			buf_add(&one, &c, 1);
			rest = w[i] + 2;
		}
		if ((count = repeat_count(rest)) == 0)
			goto bad;
		for (k = 0; k < count; k++)
			buf_add(b, one.p, one.len);
	}
	free(one.p);
	return 0;
bad:
	free(one.p);
	return -1;
}

/*
 * An expected event line, made canonical: data/send/encoded by bytes,
 * the rest as words joined by one space, strings re-quoted.
 */
static int
parse_expect(char *line, struct rec *r)
{
	char		*w[64];
	struct buf	 s = { 0 };
	int		 n, i;

	if ((n = split_words(line, w, 64)) <= 0)
		return -1;
	if (strcmp(w[0], "data") == 0 || strcmp(w[0], "send") == 0) {
		r->kind = w[0][0] == 'd' ? REC_DATA : REC_SEND;
		return parse_bytes(w + 1, n - 1, &r->b);
	}
	r->kind = REC_TEXT;
	if (strcmp(w[0], "encoded") == 0) {
		buf_add(&r->b, "encoded", 7);
		if (parse_bytes(w + 1, n - 1, &s) < 0)
			return -1;
		for (i = 0; (size_t)i < s.len; i++)
			buf_printf(&r->b, " %02x", s.p[i]);
		free(s.p);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_add(&r->b, " ", 1);
		if (w[i][0] == '"') {
			if (unquote(w[i], &s, NULL) < 0)
				return -1;
			quote(&r->b, (const char *)s.p, s.len);
			free(s.p);
			memset(&s, 0, sizeof(s));
		} else
			buf_add(&r->b, w[i], strlen(w[i]));
	}
	return 0;
}

static struct tcase	*cases;
static size_t		 ncases;

static void
fatal_parse(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, what);
	exit(2);
}

/* Read one transcript file into cases. */
static void
load_file(const char *path)
{
	FILE		*f;
	char		*line = NULL, *p, *w[64];
	size_t		 cap = 0;
	ssize_t		 len;
	int		 lineno = 0, n;
	struct tcase	*c = NULL;
	const char	*base;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "case ", 5) == 0) {
			cases = realloc(cases, (ncases + 1) * sizeof(*cases));
			if (cases == NULL)
				abort();
			c = &cases[ncases++];
			memset(c, 0, sizeof(*c));
			if ((n = split_words(p + 5, w, 2)) != 1)
				fatal_parse(path, lineno, "case needs a name");
			if (asprintf(&c->name, "%s:%s", base, w[0]) < 0)
				abort();
			c->file = strdup(path);
			c->line = lineno;
			continue;
		}
		if (c == NULL)
			fatal_parse(path, lineno, "line before the first case");
		if (*p == '>') {
			struct buf	 b = { 0 };
			struct step	*s;

			if ((n = split_words(p + 1, w, 64)) < 0 ||
			    parse_bytes(w, n, &b) < 0)
				fatal_parse(path, lineno, "bad input bytes");
			c->steps = realloc(c->steps,
			    (c->nsteps + 1) * sizeof(*c->steps));
			s = &c->steps[c->nsteps++];
			memset(s, 0, sizeof(*s));
			s->kind = STEP_FEED;
			s->line = lineno;
			s->bytes = b.p;
			s->len = b.len;
		} else if (*p == '!') {
			struct step	*s;

			c->steps = realloc(c->steps,
			    (c->nsteps + 1) * sizeof(*c->steps));
			s = &c->steps[c->nsteps++];
			memset(s, 0, sizeof(*s));
			s->kind = STEP_CALL;
			s->line = lineno;
			s->call = strdup(p + 1);
		} else if (*p == '<') {
			struct rec	 r;
			unsigned long	 count = 1, k;
			char		*end;

			memset(&r, 0, sizeof(r));
			r.line = lineno;
			p++;
			if (*p == '*') {
				count = strtoul(p + 1, &end, 10);
				if (count == 0 || (*end != ' ' && *end != '\t'))
					fatal_parse(path, lineno, "bad <*N");
				p = end;
			}
			if (parse_expect(p, &r) < 0)
				fatal_parse(path, lineno, "bad expected event");
			if (r.kind == REC_TEXT &&
			    strncmp((const char *)r.b.p, "qstate ", 7) == 0)
				c->qstate = true;
			c->expect = realloc(c->expect,
			    (c->nexpect + count) * sizeof(*c->expect));
			for (k = 0; k < count; k++) {
				c->expect[c->nexpect] = r;
				if (k > 0) {
					memset(&c->expect[c->nexpect].b, 0,
					    sizeof(r.b));
					buf_add(&c->expect[c->nexpect].b,
					    r.b.p, r.b.len);
				}
				c->nexpect++;
			}
		} else
			fatal_parse(path, lineno, "unknown line");
	}
	free(line);
	fclose(f);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a file, or every *.txt file of a directory in name order. */
static void
load_path(const char *path)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, *full;
	size_t		 n = 0, i, l;

	if ((d = opendir(path)) == NULL) {
		load_file(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".txt") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (asprintf(&full, "%s/%s", path, names[i]) < 0)
			abort();
		load_file(full);
		free(full);
		free(names[i]);
	}
	free(names);
}

static int
parse_opt(const char *w)
{
	char		*end;
	unsigned long	 v;
	int		 i;

	for (i = 0; i < 256; i++)
		if (strcmp(w, telnet_option_name((uint8_t)i)) == 0)
			return i;
	v = strtoul(w, &end, 10);
	if (*end != '\0' || v > 255)
		return -1;
	return (int)v;
}

static int
parse_side(const char *w)
{
	if (strcmp(w, "us") == 0)
		return TELNET_US;
	if (strcmp(w, "him") == 0)
		return TELNET_HIM;
	return -1;
}

static int
parse_command(const char *w)
{
	int	i;

	for (i = 0; i < 256; i++)
		if (strcmp(w, telnet_command_name((uint8_t)i)) == 0)
			return i;
	return -1;
}

/*
 * Encode buf the way the relay may: as it is when telnet_plain_len()
 * says all of it is plain, else with telnet_encode().  Returns the
 * length written to out.
 */
static size_t
encode_as_relay(struct telnet *t, const uint8_t *buf, size_t len,
    uint8_t *out)
{
	if (telnet_plain_len(t, buf, len) == len) {
		if (len > 0)
			memcpy(out, buf, len);
		telnet_plain_sent(t, buf, len);
		return len;
	}
	return telnet_encode(t, buf, len, out);
}

/*
 * The encoder must not care where its input is cut: buf encoded whole,
 * and cut in two at every position (each half through the plain path
 * or telnet_encode()), gives the same bytes and leaves the same state.
 * Runs on copies of t; a difference is reported as the case's error.
 */
static void
encode_splits(const struct telnet *t, struct log *l, const uint8_t *buf,
    size_t len)
{
	struct telnet	 whole = *t, cut;
	uint8_t		*a = malloc(TELNET_ENCODED_MAX(len));
	uint8_t		*b = malloc(2 * TELNET_ENCODED_MAX(len));
	size_t		 alen, blen, k;

	if (a == NULL || b == NULL)
		abort();
	alen = telnet_encode(&whole, buf, len, a);
	for (k = 0; k <= len && l->err[0] == '\0'; k++) {
		cut = *t;
		blen = encode_as_relay(&cut, buf, k, b);
		blen += encode_as_relay(&cut, buf + k, len - k, b + blen);
		if (blen != alen || memcmp(a, b, alen) != 0 ||
		    cut.cr_sent != whole.cr_sent)
			snprintf(l->err, sizeof(l->err), "encode cut at %zu "
			    "gives other bytes than uncut", k);
	}
	free(a);
	free(b);
}

/*
 * The engine handed over to another process: its state saved, restored
 * into a new engine with the same policy, which carries on the case.
 */
static void
handoff(struct telnet *t, struct log *l)
{
	struct telnet	fresh;
	uint8_t		saved[TELNET_SAVED_MAX];
	size_t		len, opt;

	len = telnet_save(t, saved);
	telnet_init(&fresh, record, l);
	for (opt = 0; opt < 256; opt++)
		telnet_allow(&fresh, (uint8_t)opt, t->allow[opt]);
	if (telnet_restore(&fresh, saved, len) == -1) {
		snprintf(l->err, sizeof(l->err), "telnet_restore refused "
		    "what telnet_save wrote");
		return;
	}
	*t = fresh;
}

/*
 * Run one "!" line against the engine.  What it returns or reports is
 * recorded as pseudo-events, written like events in the transcript.
 */
static void
run_call(struct telnet *t, struct log *l, const struct tcase *c,
    const struct step *s)
{
	char		*copy = strdup(s->call), *w[64];
	int		 n, opt = -1, side = -1, cmd;
	unsigned int	 allow;
	struct buf	 b = { 0 }, out = { 0 };
	size_t		 len, i;
	char		 tmp[8];

	n = split_words(copy, w, 64);
	if (n >= 2)
		opt = parse_opt(w[1]);
	if (n >= 3)
		side = parse_side(w[2]);
	if (n < 1)
		goto bad;
	if (strcmp(w[0], "allow") == 0 && n == 3 && opt >= 0) {
		if (strcmp(w[2], "us") == 0)
			allow = TELNET_ALLOW_US;
		else if (strcmp(w[2], "him") == 0)
			allow = TELNET_ALLOW_HIM;
		else if (strcmp(w[2], "both") == 0)
			allow = TELNET_ALLOW_US | TELNET_ALLOW_HIM;
		else if (strcmp(w[2], "none") == 0)
			allow = 0;
		else
			goto bad;
		telnet_allow(t, (uint8_t)opt, allow);
	} else if (strcmp(w[0], "request") == 0 && n == 4 && opt >= 0 &&
	    side >= 0 && (strcmp(w[3], "on") == 0 ||
	    strcmp(w[3], "off") == 0)) {
		if (telnet_request(t, (uint8_t)opt, (enum telnet_side)side,
		    w[3][1] == 'n') != 0)
			log_text(l, "return -1");
	} else if (strcmp(w[0], "q") == 0 && n == 3 && opt >= 0 &&
	    side >= 0) {
		log_text(l, "q %s %s %s", opt_text((uint8_t)opt, tmp,
		    sizeof(tmp)), w[2], telnet_q_name(t->q[side][opt]));
	} else if (strcmp(w[0], "pending") == 0 && n == 1) {
		log_text(l, "pending %s", telnet_pending(t) ? "yes" : "no");
	} else if (strcmp(w[0], "state") == 0 && n == 1) {
		log_text(l, "state %s", telnet_state_name(t->state));
	} else if (strcmp(w[0], "request_ttype") == 0 && n == 1) {
		telnet_request_ttype(t);
	} else if (strcmp(w[0], "request_env") == 0 && n == 1) {
		telnet_request_env(t);
	} else if (strcmp(w[0], "lflow") == 0 && n == 2) {
		telnet_send_lflow(t, (uint8_t)strtoul(w[1], NULL, 10));
	} else if (strcmp(w[0], "command") == 0 && n == 2) {
		if ((cmd = parse_command(w[1])) < 0)
			goto bad;
		telnet_send_command(t, (uint8_t)cmd);
	} else if (strcmp(w[0], "mark") == 0 && n == 1) {
		telnet_send_mark(t);
	} else if (strcmp(w[0], "end_output") == 0 && n == 1) {
		telnet_end_output(t);
	} else if (strcmp(w[0], "handoff") == 0 && n == 1) {
		handoff(t, l);
	} else if (strcmp(w[0], "encode") == 0) {
		if (parse_bytes(w + 1, n - 1, &b) < 0)
			goto bad;
		if ((out.p = malloc(TELNET_ENCODED_MAX(b.len))) == NULL)
			abort();
		log_text(l, "plain %zu", telnet_plain_len(t, b.p, b.len));
		encode_splits(t, l, b.p, b.len);
		len = telnet_encode(t, b.p, b.len, out.p);
		{
			struct buf	txt = { 0 };

			buf_add(&txt, "encoded", 7);
			for (i = 0; i < len; i++)
				buf_printf(&txt, " %02x", out.p[i]);
			log_text(l, "%s", buf_text(&txt));
			free(txt.p);
		}
	} else
		goto bad;
	free(b.p);
	free(out.p);
	free(copy);
	return;
bad:
	fatal_parse(c->file, s->line, "bad call");
}

/* How a run feeds a case's input. */
struct plan {
	enum { PLAN_LINES, PLAN_SEGMENTS } how;
	size_t		 cut;		/* PLAN_SEGMENTS: split here too */
	size_t		 step;		/* ... and every step bytes (0: no) */
	uint32_t	 seed;		/* ... or at random points (0: no) */
};

static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Feed len bytes at p, which start at offset base in the whole input. */
static void
feed_segment(struct telnet *t, struct log *l, const uint8_t *p, size_t len,
    size_t base, const struct plan *pl, uint32_t *rs)
{
	size_t	i = 0, n;

	while (i < len) {
		n = len - i;
		if (pl->step > 0 && n > pl->step)
			n = pl->step;
		if (pl->seed != 0)
			n = 1 + next_rand(rs) % (n < 64 ? n : 64);
		if (pl->cut > base + i && pl->cut < base + i + n)
			n = pl->cut - (base + i);
		l->in = p + i;
		l->in_len = n;
		telnet_feed(t, p + i, n);
		i += n;
	}
}

/*
 * Run a case, feeding its input as the plan says.  Consecutive input
 * lines form one segment; calls between them stay where they are.
 */
static void
run_case(const struct tcase *c, const struct plan *pl, struct log *l)
{
	struct telnet	 t;
	struct buf	 seg = { 0 };
	size_t		 i, base = 0;
	uint32_t	 rs = pl->seed;

	memset(l, 0, sizeof(*l));
	l->merge = pl->how == PLAN_SEGMENTS;
	l->qstate = c->qstate;
	telnet_init(&t, record, l);
	for (i = 0; i < c->nsteps; i++) {
		const struct step *s = &c->steps[i];

		if (s->kind == STEP_FEED && pl->how == PLAN_LINES) {
			l->in = s->bytes;
			l->in_len = s->len;
			telnet_feed(&t, s->bytes, s->len);
		} else if (s->kind == STEP_FEED) {
			buf_add(&seg, s->bytes, s->len);
			if (i + 1 < c->nsteps &&
			    c->steps[i + 1].kind == STEP_FEED)
				continue;
			feed_segment(&t, l, seg.p, seg.len, base, pl, &rs);
			base += seg.len;
			seg.len = 0;
		} else
			run_call(&t, l, c, s);
	}
	free(seg.p);
}

/* Text of a record for messages, cut to a readable length. */
static void
rec_show(const struct rec *r, struct buf *b)
{
	size_t	i;

	if (r->kind == REC_TEXT) {
		buf_add(b, r->b.p, r->b.len);
		return;
	}
	buf_printf(b, "%s", r->kind == REC_DATA ? "data" : "send");
	for (i = 0; i < r->b.len && i < 32; i++)
		buf_printf(b, " %02x", r->b.p[i]);
	if (r->b.len > 32)
		buf_printf(b, " ... (%zu bytes)", r->b.len);
}

static bool
rec_equal(const struct rec *a, const struct rec *b)
{
	return a->kind == b->kind && a->b.len == b->b.len &&
	    (a->b.len == 0 || memcmp(a->b.p, b->b.p, a->b.len) == 0);
}

/* Compare two records lists; on a difference, say where and fail. */
static void
compare(const struct tcase *c, const char *what, const struct rec *want,
    size_t nwant, const struct rec *got, size_t ngot)
{
	struct buf	 w = { 0 }, g = { 0 };
	size_t		 i;

	for (i = 0; i < nwant && i < ngot; i++)
		if (!rec_equal(&want[i], &got[i]))
			break;
	if (i == nwant && i == ngot)
		return;
	if (i < nwant)
		rec_show(&want[i], &w);
	else
		buf_printf(&w, "(no more events)");
	if (i < ngot)
		rec_show(&got[i], &g);
	else
		buf_printf(&g, "(no more events)");
	print_error("%s:%d: %s, event %zu:\n  expected: %s\n  got:      %s\n",
	    c->file, want != NULL && i < nwant && want[i].line ? want[i].line :
	    c->line, what, i + 1, buf_text(&w), buf_text(&g));
	free(w.p);
	free(g.p);
	fail();
}

/* "CASE": the events for input fed line by line, exactly as written. */
static void
test_case(void **state)
{
	const struct tcase	*c = *state;
	struct plan		 pl = { .how = PLAN_LINES };
	struct log		 l;

	run_case(c, &pl, &l);
	if (l.err[0] != '\0') {
		print_error("%s:%d: %s\n", c->file, c->line, l.err);
		fail();
	}
	compare(c, "events differ", c->expect, c->nexpect, l.recs, l.n);
	log_free(&l);
}

static size_t
case_input_len(const struct tcase *c)
{
	size_t	i, n = 0;

	for (i = 0; i < c->nsteps; i++)
		n += c->steps[i].kind == STEP_FEED ? c->steps[i].len : 0;
	return n;
}

/* Run a plan and compare with the reference (merged) events. */
static void
check_plan(const struct tcase *c, const struct plan *pl,
    const struct log *ref, const char *what)
{
	struct log	l;
	char		msg[128];

	run_case(c, pl, &l);
	if (l.err[0] != '\0') {
		print_error("%s:%d: %s\n", c->file, c->line, l.err);
		fail();
	}
	snprintf(msg, sizeof(msg), "%s (cut %zu, step %zu, seed %u)", what,
	    pl->cut, pl->step, (unsigned)pl->seed);
	compare(c, msg, ref->recs, ref->n, l.recs, l.n);
	log_free(&l);
}

/*
 * "CASE/splits": the same events whatever the cuts.  Inputs longer than
 * 4 KiB are cut at each of their first and last 64 positions and at 32
 * points between, so that the 1 MiB cases stay fast.
 */
static void
test_splits(void **state)
{
	const struct tcase	*c = *state;
	struct plan		 pl = { .how = PLAN_SEGMENTS };
	struct plan		 lines = { .how = PLAN_LINES };
	struct log		 ref, l;
	size_t			 n = case_input_len(c), k, i;
	uint32_t		 seed;

	run_case(c, &pl, &ref);
	/* Fed line by line, then merged: the same again. */
	run_case(c, &lines, &l);
	{
		struct log	m = { .merge = true };

		for (i = 0; i < l.n; i++) {
			if (l.recs[i].kind == REC_TEXT)
				log_text(&m, "%s", (char *)l.recs[i].b.p);
			else
				log_bytes(&m, l.recs[i].kind, l.recs[i].b.p,
				    l.recs[i].b.len);
		}
		compare(c, "lines vs whole", ref.recs, ref.n, m.recs, m.n);
		log_free(&m);
	}
	log_free(&l);
	for (k = 1; k < n; k++) {
		if (n > 4096 && k > 64 && k < n - 64 && k % (n / 32) != 0)
			continue;
		pl.cut = k;
		check_plan(c, &pl, &ref, "cut in two");
	}
	pl.cut = 0;
	pl.step = 1;
	check_plan(c, &pl, &ref, "byte by byte");
	pl.step = 0;
	for (seed = 1; seed <= 20; seed++) {
		pl.seed = seed * 2654435761u;
		check_plan(c, &pl, &ref, "random cuts");
	}
	log_free(&ref);
}

/* Write each case's input, behind the fuzz target's header, to dir. */
static int
write_corpus(const char *dir)
{
	size_t	 i, j;
	char	*path, *p;
	FILE	*f;
	uint8_t	 hdr[FUZZ_HEADER_LEN];

	for (i = 0; i < ncases; i++) {
		const struct tcase *c = &cases[i];

		memset(hdr, 0, sizeof(hdr));
		for (j = 0; j < c->nsteps; j++) {
			if (c->steps[j].kind != STEP_CALL)
				continue;
			if (strstr(c->steps[j].call, "NEW-ENVIRON him"))
				hdr[0] |= FUZZ_ALLOW_ENV;
			if (strstr(c->steps[j].call, "request "))
				hdr[0] |= FUZZ_OPENING;
		}
		if (asprintf(&path, "%s/%s", dir, c->name) < 0)
			abort();
		for (p = path + strlen(dir) + 1; *p != '\0'; p++)
			if (*p == ':' || *p == '/')
				*p = '-';
		if ((f = fopen(path, "w")) == NULL) {
			perror(path);
			return 1;
		}
		fwrite(hdr, 1, sizeof(hdr), f);
		for (j = 0; j < c->nsteps; j++)
			if (c->steps[j].kind == STEP_FEED)
				fwrite(c->steps[j].bytes, 1, c->steps[j].len,
				    f);
		if (fclose(f) != 0) {
			perror(path);
			return 1;
		}
		free(path);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct CMUnitTest	*tests;
	const char		*corpus = NULL;
	size_t			 i;
	int			 a, paths = 0;
	char			*name;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-f") == 0 && a + 1 < argc)
			cmocka_set_test_filter(argv[++a]);
		else if (strcmp(argv[a], "--corpus") == 0 && a + 1 < argc)
			corpus = argv[++a];
		else {
			load_path(argv[a]);
			paths++;
		}
	}
	if (paths == 0)
		load_path(TRANSCRIPT_DIR);
	if (ncases == 0) {
		fprintf(stderr, "test_transcript: no cases found\n");
		return 2;
	}
	if (corpus != NULL)
		return write_corpus(corpus);
	tests = calloc(2 * ncases, sizeof(*tests));
	for (i = 0; i < ncases; i++) {
		tests[2 * i].name = cases[i].name;
		tests[2 * i].test_func = test_case;
		tests[2 * i].initial_state = &cases[i];
		if (asprintf(&name, "%s/splits", cases[i].name) < 0)
			abort();
		tests[2 * i + 1].name = name;
		tests[2 * i + 1].test_func = test_splits;
		tests[2 * i + 1].initial_state = &cases[i];
	}
	return _cmocka_run_group_tests("transcripts", tests, 2 * ncases,
	    NULL, NULL);
}
