/* SPDX-License-Identifier: ISC */
/*
 * The banner: /etc/issue.net (or -b FILE) shown before the first prompt.
 * It understands the escapes of agetty's issue file and of netkit
 * telnetd's issue.net:
 *
 *   \s %s  system name          \n %h  host name
 *   \r %r  release              \v %v  version
 *   \m %m  machine              \o \O %D  domain name
 *   \d     date                 \t     time
 *          %d  time and date    \S     PRETTY_NAME of /etc/os-release
 *   \l %t  the terminal: "telnet", since none exists before login
 *   \\ %%  the character itself; any other escape is shown as it is
 *
 * At most BANNER_MAX bytes are read and BANNER_MAX bytes shown.  Control
 * characters other than tab and newline are dropped, so that a banner
 * cannot drive the client's terminal: C0 and DEL, and C1 both as UTF-8
 * (U+0080 to U+009F) and as single bytes 0x80 to 0x9f that do not
 * continue a UTF-8 sequence.  Other bytes pass, UTF-8 or Latin-1.  A
 * missing file is not an error.
 */
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banner.h"
#include "log.h"

struct banner {
	char	out[BANNER_MAX + 1];
	size_t	len;
	size_t	seq;		/* where the UTF-8 sequence being added began */
	int	need;		/* continuation bytes it still needs */
};

/* Append one byte within BANNER_MAX, unless it is a control character. */
static void
banner_byte(struct banner *b, unsigned char c)
{
	if (b->need > 0 && c >= 0x80 && c <= 0xbf) {
		/* C2 80 to C2 9F: a C1 control in UTF-8, lead byte too. */
		if (b->len == b->seq + 1 &&
		    (unsigned char)b->out[b->seq] == 0xc2 && c <= 0x9f) {
			b->len = b->seq;
			b->need = 0;
			return;
		}
		b->need--;
	} else {
		b->need = 0;
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ||
		    (c >= 0x80 && c <= 0x9f))
			return;
		b->seq = b->len;
		if (c >= 0xc2 && c <= 0xf4)
			b->need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
	}
	if (b->len < BANNER_MAX)
		b->out[b->len++] = (char)c;
}

/* Append text, without control characters, within BANNER_MAX. */
static void
banner_add(struct banner *b, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && b->len < BANNER_MAX; i++)
		banner_byte(b, (unsigned char)s[i]);
}

static void
banner_adds(struct banner *b, const char *s)
{
	banner_add(b, s, strlen(s));
}

/* PRETTY_NAME from os-release, unquoted; "" when there is none. */
static void
banner_os_name(char *buf, size_t bufsz)
{
	char	 line[256], *v, *end;
	FILE	*f;

	buf[0] = '\0';
	if ((f = fopen("/etc/os-release", "re")) == NULL &&
	    (f = fopen("/usr/lib/os-release", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "PRETTY_NAME=", 12) != 0)
			continue;
		v = line + 12;
		v[strcspn(v, "\n")] = '\0';
		if (*v == '"' || *v == '\'') {
			if ((end = strrchr(v + 1, *v)) != NULL)
				*end = '\0';
			v++;
		}
		strlcpy(buf, v, bufsz);
		break;
	}
	fclose(f);
}

/* The expansion of one escape, or NULL when it is not one. */
static const char *
banner_escape(char kind, char c, const struct utsname *u, char *buf,
    size_t bufsz)
{
	time_t		 now = time(NULL);
	struct tm	 tm;

	localtime_r(&now, &tm);
	switch (kind == '\\' ? c : c | 0x100) {
	case 's':
	case 's' | 0x100:
		return u->sysname;
	case 'n':
	case 'h' | 0x100:
		return u->nodename;
	case 'r':
	case 'r' | 0x100:
		return u->release;
	case 'v':
	case 'v' | 0x100:
		return u->version;
	case 'm':
	case 'm' | 0x100:
		return u->machine;
	case 'o':
	case 'O':
	case 'D' | 0x100:
		if (getdomainname(buf, bufsz) == -1 ||
		    strcmp(buf, "(none)") == 0)
			buf[0] = '\0';
		buf[bufsz - 1] = '\0';
		return buf;
	case 'd':
		strftime(buf, bufsz, "%a %b %e %Y", &tm);
		return buf;
	case 't':
		strftime(buf, bufsz, "%H:%M:%S", &tm);
		return buf;
	case 'd' | 0x100:
		strftime(buf, bufsz, "%H:%M on %A, %d %B %Y", &tm);
		return buf;
	case 'S':
		banner_os_name(buf, bufsz);
		return buf[0] != '\0' ? buf : u->sysname;
	case 'l':
	case 't' | 0x100:
		return "telnet";
	case '\\':
		return "\\";
	case '%' | 0x100:
		return "%";
	default:
		return NULL;
	}
}

void
banner_render(const char *path, char *text)
{
	struct banner	 b;
	struct utsname	 u;
	char		 in[BANNER_MAX], val[256];
	const char	*exp;
	ssize_t		 n;
	size_t		 i;
	int		 fd;

	text[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno != ENOENT)
			log_warn("banner %s", path);
		return;
	}
	n = read(fd, in, sizeof(in));
	close(fd);
	if (n <= 0)
		return;
	if (uname(&u) == -1)
		memset(&u, 0, sizeof(u));

	memset(&b, 0, sizeof(b));
	for (i = 0; i < (size_t)n; i++) {
		if ((in[i] == '\\' || in[i] == '%') && i + 1 < (size_t)n &&
		    (exp = banner_escape(in[i], in[i + 1], &u, val,
		    sizeof(val))) != NULL) {
			banner_adds(&b, exp);
			i++;
		} else
			banner_add(&b, &in[i], 1);
	}
	/* A sequence the cap cut short is not shown by halves. */
	if (b.need > 0)
		b.len = b.seq;
	b.out[b.len] = '\0';
	memcpy(text, b.out, b.len + 1);
}
