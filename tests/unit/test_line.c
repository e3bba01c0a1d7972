/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the login prompts' line editor (daemon/line.c): what a
 * user types becomes an answer, is echoed only at echo-on prompts, and is
 * never passed on truncated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "line.h"

/* Feed bytes until the line ends; the echo is gathered in echo[]. */
struct typed {
	enum line_status	st;
	size_t			used;		/* bytes taken */
	char			echo[4096];
	size_t			echolen;
};

static struct typed
type(struct line *l, const char *in, size_t n)
{
	struct typed	t = { LINE_MORE, 0, { 0 }, 0 };
	uint8_t		e[LINE_ECHO_MAX];
	size_t		elen;

	while (t.used < n && t.st == LINE_MORE) {
		t.st = line_input(l, (uint8_t)in[t.used++], e, &elen);
		assert_true(elen <= LINE_ECHO_MAX);
		assert_true(t.echolen + elen < sizeof(t.echo));
		memcpy(t.echo + t.echolen, e, elen);
		t.echolen += elen;
	}
	return t;
}

#define TYPE(l, s)	type((l), (s), sizeof(s) - 1)

static void
echo_on_answer_is_echoed_and_ends_with_crlf(void **state)
{
	struct line	l = { 0 };
	struct typed	t;

	(void)state;
	line_start(&l, true);
	t = TYPE(&l, "alice\r");
	assert_int_equal(t.st, LINE_DONE);
	assert_string_equal(l.buf, "alice");
	assert_int_equal(t.echolen, 7);
	assert_memory_equal(t.echo, "alice\r\n", 7);
}

static void
echo_off_answer_is_never_echoed(void **state)
{
	struct line	l = { 0 };
	struct typed	t;

	(void)state;
	line_start(&l, false);
	t = TYPE(&l, "s3cret\x7f" "T\r");
	assert_int_equal(t.st, LINE_DONE);
	assert_string_equal(l.buf, "s3creT");
	/* Only the line end, so the next output starts on a new line. */
	assert_int_equal(t.echolen, 2);
	assert_memory_equal(t.echo, "\r\n", 2);
}

static void
every_line_ending_ends_the_line_and_the_byte_after_cr_is_skipped(void **state)
{
	static const char *const endings[] = { "\r\n", "\r", "\n" };
	struct line		 l = { 0 };
	struct typed		 t;
	size_t			 i;
	char			 in[32];

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(in, sizeof(in), "ab%sc\r", endings[i]);
		line_start(&l, true);
		t = type(&l, in, strlen(in));
		assert_int_equal(t.st, LINE_DONE);
		assert_string_equal(l.buf, "ab");
		/* The rest is the next answer: no empty line in between. */
		line_start(&l, true);
		t = type(&l, in + t.used, strlen(in) - t.used);
		assert_int_equal(t.st, LINE_DONE);
		assert_string_equal(l.buf, "c");
	}
	/* CR NUL, the NVT form, across two answers. */
	line_start(&l, true);
	t = type(&l, "x\r\0y\r", 5);
	assert_string_equal(l.buf, "x");
	line_start(&l, true);
	t = type(&l, "\0y\r", 3);
	assert_int_equal(t.st, LINE_DONE);
	assert_string_equal(l.buf, "y");
}

static void
erase_removes_a_whole_utf8_character(void **state)
{
	struct line	l = { 0 };
	struct typed	t;

	(void)state;
	line_start(&l, true);
	/* "aé😀" then two erases: the emoji (4 bytes), then é (2 bytes). */
	t = TYPE(&l, "a\xc3\xa9\xf0\x9f\x98\x80\x7f\x08\r");
	assert_int_equal(t.st, LINE_DONE);
	assert_string_equal(l.buf, "a");
	/* One "\b \b" per character erased. */
	assert_non_null(memmem(t.echo, t.echolen, "\b \b\b \b\r\n", 8));
}

static void
kill_erases_the_line_and_erase_on_empty_does_nothing(void **state)
{
	struct line	l = { 0 };
	struct typed	t;

	(void)state;
	line_start(&l, true);
	t = TYPE(&l, "\x7fwrong\x15right\r");
	assert_int_equal(t.st, LINE_DONE);
	assert_string_equal(l.buf, "right");
	assert_memory_equal(t.echo, "wrong\b \b\b \b\b \b\b \b\b \bright\r\n",
	    t.echolen);
}

static void
interrupt_abandons_the_line(void **state)
{
	struct line	l = { 0 };
	struct typed	t;

	(void)state;
	line_start(&l, false);
	t = TYPE(&l, "half\x03");
	assert_int_equal(t.st, LINE_CANCEL);
	assert_int_equal(l.len, 0);
	assert_memory_equal(t.echo, "^C\r\n", 4);
}

static void
eof_gives_up_only_on_an_empty_line(void **state)
{
	struct line	l = { 0 };
	struct typed	t;

	(void)state;
	line_start(&l, true);
	t = TYPE(&l, "ab\x04" "c\r");
	assert_int_equal(t.st, LINE_DONE);
	assert_string_equal(l.buf, "abc");
	line_start(&l, true);
	t = TYPE(&l, "\x04");
	assert_int_equal(t.st, LINE_EOF);
}

static void
control_bytes_are_refused_not_typed(void **state)
{
	struct line	l = { 0 };
	struct typed	t;

	(void)state;
	line_start(&l, true);
	t = type(&l, "ro\0ot\x1b[A\t\x01\r", 12);
	assert_int_equal(t.st, LINE_DONE);
	assert_string_equal(l.buf, "root[A");
	assert_memory_equal(t.echo, "root[A\r\n", t.echolen);
}

static void
a_line_over_the_cap_is_rejected_whole(void **state)
{
	struct line	l = { 0 };
	struct typed	t;
	char		in[LINE_MAX_LEN + 3];

	(void)state;
	memset(in, 'A', LINE_MAX_LEN + 1);
	in[LINE_MAX_LEN + 1] = '\r';
	line_start(&l, true);
	t = type(&l, in, LINE_MAX_LEN + 2);
	assert_int_equal(t.st, LINE_TOOLONG);
	assert_int_equal(l.len, 0);

	/* Exactly the cap is fine. */
	in[LINE_MAX_LEN] = '\r';
	line_start(&l, true);
	t = type(&l, in, LINE_MAX_LEN + 1);
	assert_int_equal(t.st, LINE_DONE);
	assert_int_equal(strlen(l.buf), LINE_MAX_LEN);
}

static void
clear_wipes_the_answer(void **state)
{
	struct line	l = { 0 };
	size_t		i;

	(void)state;
	line_start(&l, false);
	(void)TYPE(&l, "password\r");
	line_clear(&l);
	for (i = 0; i < sizeof(l.buf); i++)
		assert_int_equal(l.buf[i], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(echo_on_answer_is_echoed_and_ends_with_crlf),
		cmocka_unit_test(echo_off_answer_is_never_echoed),
		cmocka_unit_test(
	    every_line_ending_ends_the_line_and_the_byte_after_cr_is_skipped),
		cmocka_unit_test(erase_removes_a_whole_utf8_character),
		cmocka_unit_test(
		    kill_erases_the_line_and_erase_on_empty_does_nothing),
		cmocka_unit_test(interrupt_abandons_the_line),
		cmocka_unit_test(eof_gives_up_only_on_an_empty_line),
		cmocka_unit_test(control_bytes_are_refused_not_typed),
		cmocka_unit_test(a_line_over_the_cap_is_rejected_whole),
		cmocka_unit_test(clear_wipes_the_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
