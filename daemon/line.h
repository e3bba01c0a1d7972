/* SPDX-License-Identifier: ISC */
/*
 * The line editor for answers to PAM prompts: pure, one byte at a time.
 */
#ifndef NVTD_LINE_H
#define NVTD_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_MAX_LEN	255		/* longest answer accepted */
#define LINE_ECHO_MAX	(3 * (LINE_MAX_LEN + 1))	/* echo of one byte */

enum line_status {
	LINE_MORE,		/* keep feeding */
	LINE_DONE,		/* a line is complete in buf */
	LINE_CANCEL,		/* ^C or telnet IP: line abandoned, ask again */
	LINE_EOF,		/* ^D on an empty line: the user gives up */
	LINE_TOOLONG,		/* the line ended but was over LINE_MAX_LEN */
};

struct line {
	char	buf[LINE_MAX_LEN + 1];
	size_t	len;
	bool	echo;		/* echo-on prompt: nvtd echoes what is typed */
	bool	overflow;
	bool	after_cr;	/* a CR ended the last line: skip LF or NUL */
};

/* Start a new answer; after_cr carries over from the previous line. */
void	line_start(struct line *, bool echo);
/*
 * Take one byte.  What should be echoed to the client (raw, not yet
 * telnet-encoded) is written to echo, at most LINE_ECHO_MAX bytes, and its
 * length to *echolen.
 */
enum line_status line_input(struct line *, uint8_t c, uint8_t *echo,
	    size_t *echolen);
/* Forget the answer (it may be a password). */
void	line_clear(struct line *);

#endif
