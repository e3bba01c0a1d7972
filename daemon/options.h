/* SPDX-License-Identifier: ISC */
/*
 * Command-line options: what the operator chose, parsed once at start.
 */
#ifndef NVTD_OPTIONS_H
#define NVTD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define OPTIONS_ACCEPT_ENV_MAX	32
#define OPTIONS_LISTEN_MAX	16

/*
 * One -l: a numeric address ("": every address), its family (AF_UNSPEC
 * for every address), a port, and the value as given, for messages.
 */
struct options_listen {
	const char	*arg;
	int		 family;
	char		 host[64];
	char		 port[8];
};

struct options {
	const char	*service;		/* PAM service name */
	bool		 permit_root;
	bool		 banner;		/* false with -h */
	const char	*banner_file;
	const char	*accept_env[OPTIONS_ACCEPT_ENV_MAX];
	size_t		 naccept_env;
	unsigned int	 login_timeout;		/* seconds */
	unsigned int	 max_tries;
	unsigned int	 fail_delay_ms;
	bool		 debug;
	bool		 check;			/* --check */
	const char	*privsep_user;		/* --privsep-user */

	/* Set only in the pre-auth child, from its hidden option. */
	bool		 preauth_child;
	unsigned int	 child_uid, child_gid;

	/* Teaching and operations: the trace and session recording. */
	unsigned int	 trace;			/* -D: TRACE_* bits */
	const char	*trace_file;		/* --trace-file */
	const char	*record_dir;		/* --record */
	bool		 record_input;		/* --record-input */
	unsigned long long record_limit;	/* --record-limit, bytes */

	/* The listener (-l, or systemd Accept=no). */
	struct options_listen listen[OPTIONS_LISTEN_MAX];
	size_t		 nlisten;
	unsigned int	 startups_begin;	/* --max-startups begin:rate:full */
	unsigned int	 startups_rate;
	unsigned int	 startups_full;
	unsigned int	 per_source;		/* --per-source-limit */
	unsigned int	 max_sessions;
};

/*
 * Parse argv into o.  Exits 0 after --help or --version, and 2 with one
 * line on stderr naming the bad option or value.
 */
void	options_parse(struct options *o, int argc, char *argv[]);

#endif
