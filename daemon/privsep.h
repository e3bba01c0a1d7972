/* SPDX-License-Identifier: ISC */
/*
 * Privilege separation, the monitor's side: the pre-auth child started
 * per connection, and what the login asks of it (child.c runs the other
 * side; msg.h is what they say).
 */
#ifndef NVTD_PRIVSEP_H
#define NVTD_PRIVSEP_H

#include <sys/types.h>

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "line.h"
#include "preauth.h"

struct options;

struct privsep {
	pid_t			 pid;	/* the pre-auth child, -1 once reaped */
	int			 fd;	/* our end of the channel */
	const struct options	*opts;
	bool			 gone;	/* it ended, or was ended */
	bool			 killed;	/* by us, with SIGKILL */
	char			 addr[NI_MAXHOST];	/* the client's */
	char			 port[NI_MAXSERV];
};

/*
 * Once, at start: our own binary, to execute per connection (a fresh
 * address space layout and stack canary each, as sshd re-executes), and
 * a copy of argv for the children.  Returns 0, or -1 with why: a line
 * for the operator.
 */
int	privsep_setup(int argc, char *argv[], char *why, size_t whysz);
/*
 * Once, before serving: as root, the unprivileged user must exist and
 * SANDBOX_DIR be a directory of root's that no one else may write (it
 * is made if missing).  Returns 0, or -1 with why.
 */
int	privsep_check(const struct options *, char *why, size_t whysz);
/*
 * Start the pre-auth child on the connected socket fd, whose peer's
 * address is noted.  The monitor keeps fd, but neither reads nor writes
 * it until the child is gone.  Returns 0, or -1 with errno.
 */
int	privsep_start(struct privsep *, int fd, const struct options *);
/*
 * Wait for the child's opening negotiation to end (it answers questions
 * about terminal types meanwhile).  Returns 0, or -1 when the child has
 * gone: the client left.
 */
int	privsep_negotiated(struct privsep *);
/* Show text to the client.  Returns 0, or -1 when the child is gone. */
int	privsep_say(struct privsep *, const char *);
/* Ask a prompt (see preauth_ask()); LINE_EOF when the child is gone. */
enum line_status privsep_ask(struct privsep *, const char *prompt,
	    bool echo, char *buf, size_t bufsz);
/*
 * The login succeeded: fill h with the child's handoff (checked as
 * untrusted).  The child stays, to say what a failure to start the
 * session needs said.  Returns 0, or -1 (the child has been ended).
 */
int	privsep_accept(struct privsep *, struct handoff *h);
/*
 * The login ends here: the child shows last (unless NULL), ends the
 * connection gently and exits.
 */
void	privsep_close(struct privsep *, const char *last);
/* The relay has taken over: the child is ended and reaped. */
void	privsep_end(struct privsep *);
/*
 * In the relay, just forked from the monitor: close what is the
 * monitor's alone (the channel to the pre-auth child, nvtd's binary).
 */
void	privsep_forget(void);

#endif
