/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the session environment (daemon/env.c): built from
 * scratch, client variables only by allowlist and never the dangerous
 * ones, TERM validated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "env.h"

static const char *
get(const struct env *e, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; i < e->n; i++)
		if (strncmp(e->var[i], name, len) == 0 &&
		    e->var[i][len] == '=')
			return e->var[i] + len + 1;
	return NULL;
}

static bool
add(struct env_client *c, const char *const *pats, size_t npats,
    const char *name, const char *value)
{
	return env_client_add(c, pats, npats, name, strlen(name), value,
	    value != NULL ? strlen(value) : 0);
}

static void
patterns_are_names_or_prefixes_and_never_forbidden_names(void **state)
{
	(void)state;
	assert_null(env_pattern_check("LANG"));
	assert_null(env_pattern_check("LC_*"));
	assert_null(env_pattern_check("_X1"));
	assert_non_null(env_pattern_check("*"));
	assert_non_null(env_pattern_check("1ABC"));
	assert_non_null(env_pattern_check("A-B"));
	assert_non_null(env_pattern_check("A*B"));
	assert_non_null(env_pattern_check(""));
	assert_non_null(env_pattern_check("LD_PRELOAD"));
	assert_non_null(env_pattern_check("PATH"));
	assert_non_null(env_pattern_check("TERMCAP"));
}

static void
client_variables_pass_only_by_allowlist(void **state)
{
	static const char *const pats[] = { "LANG", "LC_*" };
	struct env_client	 c = { 0 };

	(void)state;
	assert_true(add(&c, pats, 2, "LANG", "C.UTF-8"));
	assert_true(add(&c, pats, 2, "LC_TIME", "en_GB.UTF-8"));
	assert_false(add(&c, pats, 2, "DISPLAY", ":0"));
	assert_false(add(&c, pats, 2, "LANGUAGE", "en"));
	assert_int_equal(c.n, 2);
	/* A later value replaces the earlier one. */
	assert_true(add(&c, pats, 2, "LANG", "de_DE.UTF-8"));
	assert_int_equal(c.n, 2);
	assert_string_equal(c.var[0].value, "de_DE.UTF-8");
}

static void
dangerous_names_never_pass_whatever_the_allowlist(void **state)
{
	static const char *const pats[] = { "L*", "T*", "B*", "U*", "P*",
	    "C*", "I*" };
	static const char *const bad[] = { "LD_PRELOAD", "LD_LIBRARY_PATH",
	    "TERMCAP", "TERM", "BASH_ENV", "USER", "PATH", "PS4",
	    "CREDENTIALS_DIRECTORY", "IFS", "LISTEN_FDS" };
	struct env_client	 c = { 0 };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(add(&c, pats, 7, bad[i], "x"));
	assert_int_equal(c.n, 0);
}

static void
values_with_control_characters_or_none_are_refused(void **state)
{
	static const char *const pats[] = { "X*" };
	struct env_client	 c = { 0 };

	(void)state;
	assert_false(add(&c, pats, 1, "XA", "a\nb"));
	assert_false(add(&c, pats, 1, "XB", "\x1b[2J"));
	assert_false(add(&c, pats, 1, "XC", "del\x7f"));
	assert_false(add(&c, pats, 1, "XD", NULL));
	assert_false(env_client_add(&c, pats, 1, "XE", 2, "a\0b", 3));
	assert_true(add(&c, pats, 1, "XF", "caf\xc3\xa9 ok"));
	assert_int_equal(c.n, 1);
}

static void
client_variables_are_capped_in_number(void **state)
{
	static const char *const pats[] = { "V*" };
	struct env_client	 c = { 0 };
	char			 name[16];
	int			 i;

	(void)state;
	for (i = 0; i < ENV_CLIENT_MAX; i++) {
		snprintf(name, sizeof(name), "V%d", i);
		assert_true(add(&c, pats, 1, name, "1"));
	}
	assert_false(add(&c, pats, 1, "VMORE", "1"));
	assert_int_equal(c.n, ENV_CLIENT_MAX);
}

static void
term_is_lowercased_when_plausible_else_dumb(void **state)
{
	char	buf[ENV_TERM_MAX + 1];

	(void)state;
	assert_string_equal(env_term("XTERM-256COLOR", 14, buf, sizeof(buf)),
	    "xterm-256color");
	assert_string_equal(env_term("vt100", 5, buf, sizeof(buf)), "vt100");
	assert_string_equal(env_term("../../etc/x", 11, buf, sizeof(buf)),
	    "dumb");
	assert_string_equal(env_term("-f", 2, buf, sizeof(buf)), "dumb");
	assert_string_equal(env_term("xt\0rm", 5, buf, sizeof(buf)), "dumb");
	assert_string_equal(env_term("x y", 3, buf, sizeof(buf)), "dumb");
	assert_string_equal(env_term("", 0, buf, sizeof(buf)), "dumb");
	assert_string_equal(env_term(NULL, 0, buf, sizeof(buf)), "dumb");
	assert_string_equal(env_term("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    41, buf, sizeof(buf)), "dumb");
}

static void
terminfo_is_asked_only_about_plain_names(void **state)
{
	(void)state;
	assert_true(env_term_known("xterm"));
	assert_true(env_term_known("vt100"));
	assert_false(env_term_known("no-such-terminal-here"));
	assert_false(env_term_known("../x/xterm"));
	assert_false(env_term_known(""));
}

static void
session_environment_is_built_from_scratch_in_order(void **state)
{
	static const char *const pats[] = { "LANG", "LC_*" };
	char			 p1[] = "PATH=/pam/bin";
	char			 p2[] = "XDG_SESSION_ID=7";
	char			 p3[] = "LANG=pam";
	char			 p4[] = "broken";
	char			*pam[] = { p1, p2, p3, p4, NULL };
	struct env_client	 c = { 0 };
	struct env_spec		 s = { 0 };
	struct env		 e;

	(void)state;
	setenv("NVTD_TEST_DAEMON_ONLY", "1", 1);
	assert_true(add(&c, pats, 2, "LANG", "client"));
	assert_true(add(&c, pats, 2, "LC_ALL", "C"));
	s.user = "alice";
	s.home = "/home/alice";
	s.shell = "/bin/sh";
	s.term = "xterm";
	s.pam = pam;
	s.client = &c;
	assert_int_equal(env_build(&e, &s), 0);
	assert_string_equal(get(&e, "HOME"), "/home/alice");
	assert_string_equal(get(&e, "USER"), "alice");
	assert_string_equal(get(&e, "LOGNAME"), "alice");
	assert_string_equal(get(&e, "SHELL"), "/bin/sh");
	assert_string_equal(get(&e, "MAIL"), "/var/mail/alice");
	assert_string_equal(get(&e, "TERM"), "xterm");
	/* PAM may override; a client never does. */
	assert_string_equal(get(&e, "PATH"), "/pam/bin");
	assert_string_equal(get(&e, "XDG_SESSION_ID"), "7");
	assert_string_equal(get(&e, "LANG"), "pam");
	assert_string_equal(get(&e, "LC_ALL"), "C");
	assert_null(get(&e, "NVTD_TEST_DAEMON_ONLY"));
	assert_null(get(&e, "broken"));
	assert_int_equal(e.n, 10);
	assert_null(e.var[e.n]);
	env_free(&e);
}

static void
root_gets_the_sbin_path(void **state)
{
	struct env_spec	s = { 0 };
	struct env	e;

	(void)state;
	s.user = "root";
	s.home = "/root";
	s.shell = "/bin/sh";
	s.term = "dumb";
	s.root = true;
	assert_int_equal(env_build(&e, &s), 0);
	assert_non_null(strstr(get(&e, "PATH"), "/usr/sbin"));
	env_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    patterns_are_names_or_prefixes_and_never_forbidden_names),
		cmocka_unit_test(client_variables_pass_only_by_allowlist),
		cmocka_unit_test(
		    dangerous_names_never_pass_whatever_the_allowlist),
		cmocka_unit_test(
		    values_with_control_characters_or_none_are_refused),
		cmocka_unit_test(client_variables_are_capped_in_number),
		cmocka_unit_test(term_is_lowercased_when_plausible_else_dumb),
		cmocka_unit_test(terminfo_is_asked_only_about_plain_names),
		cmocka_unit_test(
		    session_environment_is_built_from_scratch_in_order),
		cmocka_unit_test(root_gets_the_sbin_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
