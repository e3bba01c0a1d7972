/* SPDX-License-Identifier: ISC */
/*
 * The line editor used at the login prompts, before any pty exists: the
 * answer to a PAM prompt is edited here, byte by byte, the way a terminal
 * in canonical mode would edit it.
 *
 *   CR, LF, CR LF, CR NUL	end the line (the byte after a CR is skipped
 *				when it is LF or NUL)
 *   DEL, BS, telnet EC	erase one character (a whole UTF-8 sequence)
 *   ^U, telnet EL		erase the line
 *   ^C, telnet IP		abandon the line (the prompt is asked again)
 *   ^D on an empty line	give up
 *   other control bytes	refused: dropped, not echoed
 *
 * The telnet commands arrive here already mapped to those bytes by the
 * connection code.  A line over LINE_MAX_LEN bytes is rejected whole at
 * its end, never passed on truncated.
 */
#include <sys/ttydefaults.h>
#include <string.h>

#include "line.h"

#define DEL		0x7f

void
line_start(struct line *l, bool echo)
{
	bool	after_cr = l->after_cr;

	line_clear(l);
	l->echo = echo;
	l->after_cr = after_cr;
}

void
line_clear(struct line *l)
{
	explicit_bzero(l->buf, sizeof(l->buf));
	l->len = 0;
	l->overflow = false;
}

/* Erase the last character (with its UTF-8 continuation bytes). */
static void
line_rubout(struct line *l, uint8_t *echo, size_t *echolen)
{
	if (l->len == 0)
		return;
	while (l->len > 1 && ((uint8_t)l->buf[l->len - 1] & 0xc0) == 0x80)
		l->buf[--l->len] = '\0';
	l->buf[--l->len] = '\0';
	if (l->echo) {
		memcpy(echo + *echolen, "\b \b", 3);
		*echolen += 3;
	}
}

enum line_status
line_input(struct line *l, uint8_t c, uint8_t *echo, size_t *echolen)
{
	*echolen = 0;

	if (l->after_cr) {
		l->after_cr = false;
		if (c == '\n' || c == '\0')
			return LINE_MORE;
	}

	switch (c) {
	case '\r':
	case '\n':
		l->after_cr = (c == '\r');
		memcpy(echo, "\r\n", 2);
		*echolen = 2;
		l->buf[l->len] = '\0';
		return l->overflow ? LINE_TOOLONG : LINE_DONE;
	case DEL:
	case CTRL('H'):
		if (!l->overflow)
			line_rubout(l, echo, echolen);
		return LINE_MORE;
	case CTRL('U'):
		if (l->overflow)
			line_clear(l);
		while (l->len > 0)
			line_rubout(l, echo, echolen);
		return LINE_MORE;
	case CTRL('C'):
		line_clear(l);
		memcpy(echo, "^C\r\n", 4);
		*echolen = 4;
		return LINE_CANCEL;
	case CTRL('D'):
		if (l->len == 0 && !l->overflow) {
			memcpy(echo, "\r\n", 2);
			*echolen = 2;
			return LINE_EOF;
		}
		return LINE_MORE;
	default:
		break;
	}

	if (c < 0x20)
		return LINE_MORE;
	if (l->len == LINE_MAX_LEN) {
		/* Over the cap: swallow the rest, reject at the line's end. */
		line_clear(l);
		l->overflow = true;
	}
	if (l->overflow)
		return LINE_MORE;
	l->buf[l->len++] = (char)c;
	if (l->echo) {
		echo[0] = c;
		*echolen = 1;
	}
	return LINE_MORE;
}
