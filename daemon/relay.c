/* SPDX-License-Identifier: ISC */
/*
 * The relay: bytes between the client's socket and the pty master, for
 * the whole session, running with the user's ids (a bug in the telnet
 * parser after login gives the client nothing it did not already have).
 *
 *   socket -> telnet engine -> data to the pty master, window size to
 *             TIOCSWINSZ, IP/BRK/ABORT/SUSP to TIOCSIG, EC/EL/EOF to the
 *             pty's own editing characters, AYT answered
 *   pty master (packet mode) -> IAC doubling, CR NUL -> socket
 *
 * The pty runs in packet mode, so the relay hears of what the line
 * discipline does with its queues and flow control:
 *
 *   FLUSHWRITE (^C, tcflush)      output not yet sent is dropped, and
 *                                 a Synch sent: IAC DM with the DM
 *                                 urgent, so that the client discards
 *                                 the output in flight
 *   FLUSHREAD                     client input not yet written is dropped
 *   NOSTOP / DOSTOP (IXON)        SB LFLOW OFF / ON, when the client
 *                                 agreed to LFLOW and only on a change
 *
 * Changes to the terminal modes that packet mode does not report (IXANY,
 * CS8, ISTRIP) are read with tcgetattr() after each read from the pty,
 * while LFLOW or BINARY is on: a program that changes them (stty, an
 * editor) writes something afterwards, if only the shell's next prompt.
 * LFLOW RESTART-ANY / RESTART-XON follow IXANY; ISTRIP turns BINARY off
 * for the client's input, a 7-bit terminal for both directions.  A
 * client that turns BINARY on for its input gets an 8-bit terminal (CS8,
 * no ISTRIP).
 *
 * DO TIMING-MARK is answered after the output the pty holds when it
 * comes, as far as the queue for the client has room.
 *
 * Both directions are bounded: the pty is read only while little output
 * waits for the client, the socket only while the pty's queue has room.
 * Replies the client provokes (AYT, refused options) are queued even
 * when it does not read; past RELAY_NETQ_MAX it is disconnected.
 *
 * The session ends when the pty reports EIO (no process holds the slave
 * and every byte has been read), when the monitor closes ctl (the shell
 * exited: read what is left, then stop), or when the client goes away
 * (closing the master hangs up the terminal).  The connection is then
 * closed with conn_close(): the output is sent, and a TIMING-MARK tells
 * when the client has taken it all in, so nothing the shell wrote is
 * lost.
 *
 * The connection itself, its engine and its output queue, is conn.c's;
 * the relay starts it from the state the login handed over.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "options.h"
#include "preauth.h"
#include "privs.h"
#include "privsep.h"
#include "record.h"
#include "relay.h"
#include "sandbox.h"
#include "telnet.h"
#include "trace.h"

#define RELAY_READ	16384		/* one read from the client */
#define RELAY_BATCH	(32 * 1024)	/* pty output passed on at once */
#define RELAY_PTY_FULL	4095		/* the most one read of the pty
					 * master returns (n_tty's buffer) */
#define RELAY_NETQ_LOW	(8 * 1024)	/* read the pty only below this */
#define RELAY_PTYQ_MAX	(64 * 1024)	/* input waiting for the pty */
#define RELAY_REPLY_ROOM 1024		/* netq left for replies to input */
#define RELAY_REFILL_MS	10		/* the pty refills its read buffer */

struct relay {
	struct conn	*c;
	struct telnet	*tn;
	const char	*addr;
	int		 pty;
	int		 ctl;
	int		 rec;		/* to the monitor's recording, or -1 */
	int		 rec_input;	/* the same, with --record-input */
	bool		 pty_closed;
	int		 lflow;		/* IXON as last told, -1: not told */
	int		 restart_any;	/* IXANY as last told, -1: not told */
	size_t		 ptyq_off, ptyq_len;
	uint8_t		 ptyq[RELAY_PTYQ_MAX];
};

static struct relay	relay;
static struct conn	relay_conn;

static int	relay_from_pty(struct relay *);

/* Room for n more bytes at the end of a queue, compacting it if needed. */
static uint8_t *
relay_reserve(uint8_t *q, size_t max, size_t *off, size_t len, size_t n)
{
	if (n > max - len)
		return NULL;
	if (*off + len + n > max) {
		memmove(q, q + *off, len);
		*off = 0;
	}
	return q + *off + len;
}

/* Queue bytes for the pty. */
static void
relay_queue_pty(struct relay *r, const uint8_t *p, size_t n)
{
	uint8_t	*dst;

	dst = relay_reserve(r->ptyq, sizeof(r->ptyq), &r->ptyq_off,
	    r->ptyq_len, n);
	if (dst == NULL) {
		log_warnx("%s: pty queue full, %zu bytes dropped", r->addr, n);
		return;
	}
	memcpy(dst, p, n);
	r->ptyq_len += n;
}

/* Write what waits for the pty. */
static void
relay_to_pty(struct relay *r)
{
	ssize_t	n;

	while (r->ptyq_len > 0) {
		n = write(r->pty, r->ptyq + r->ptyq_off, r->ptyq_len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)	/* EIO: the slave is gone */
				r->ptyq_len = 0;
			break;
		}
		r->ptyq_off += (size_t)n;
		r->ptyq_len -= (size_t)n;
		/* A short write: the pty is full, poll says when it is not. */
		if (r->ptyq_len > 0)
			break;
	}
	if (r->ptyq_len == 0)
		r->ptyq_off = 0;
}

/* Queue the pty's own character for an editing command (EC, EL, EOF). */
static void
relay_special(struct relay *r, int idx)
{
	struct termios	t;
	uint8_t		c;

	if (tcgetattr(r->pty, &t) == -1 || t.c_cc[idx] == _POSIX_VDISABLE)
		return;
	c = t.c_cc[idx];
	relay_queue_pty(r, &c, 1);
}

/* Signal the terminal's foreground process group, as ^C would. */
static void
relay_signal(struct relay *r, int sig)
{
	if (ioctl(r->pty, TIOCSIG, sig) == -1)
		log_debug("%s: TIOCSIG %d: %s", r->addr, sig,
		    strerror(errno));
}


/*
 * Abort Output: throw away what the shell wrote and we have not read
 * yet, and send a Synch (IAC DM, the DM urgent) so the client discards
 * what is in flight.
 */
static void
relay_abort_output(struct relay *r)
{
	(void)tcflush(r->pty, TCIFLUSH);
	conn_synch(r->c);
}

/* Tell the client about IXON and IXANY, when they changed (RFC 1372). */
static void
relay_lflow(struct relay *r, const struct termios *t)
{
	int	on = (t->c_iflag & IXON) != 0;
	int	any = (t->c_iflag & IXANY) != 0;

	if (!telnet_enabled(r->tn, TELNET_OPT_LFLOW, TELNET_HIM))
		return;
	if (r->lflow != on)
		telnet_send_lflow(r->tn, on ? TELNET_LFLOW_ON :
		    TELNET_LFLOW_OFF);
	if (r->restart_any != any)
		telnet_send_lflow(r->tn, any ? TELNET_LFLOW_RESTART_ANY :
		    TELNET_LFLOW_RESTART_XON);
	r->lflow = on;
	r->restart_any = any;
}

/*
 * The terminal's modes as the client should see them: flow control, and
 * BINARY off where the terminal is not 8-bit: for the client's input
 * when it strips the eighth bit (ISTRIP), both ways when its characters
 * have fewer than 8 bits (Linux keeps a pty at CS8, other systems may
 * not).  Nothing to read when neither LFLOW nor BINARY is on.
 */
static void
relay_modes(struct relay *r)
{
	struct termios	t;
	bool		bin_him, bin_us;

	bin_him = telnet_enabled(r->tn, TELNET_OPT_BINARY, TELNET_HIM);
	bin_us = telnet_enabled(r->tn, TELNET_OPT_BINARY, TELNET_US);
	if (!bin_him && !bin_us &&
	    !telnet_enabled(r->tn, TELNET_OPT_LFLOW, TELNET_HIM))
		return;
	if (tcgetattr(r->pty, &t) == -1)
		return;
	relay_lflow(r, &t);
	if (bin_him && ((t.c_cflag & CSIZE) != CS8 ||
	    (t.c_iflag & ISTRIP) != 0))
		(void)telnet_request(r->tn, TELNET_OPT_BINARY, TELNET_HIM,
		    false);
	if (bin_us && (t.c_cflag & CSIZE) != CS8)
		(void)telnet_request(r->tn, TELNET_OPT_BINARY, TELNET_US,
		    false);
}

/* BINARY came on for one direction: make the terminal 8-bit for it. */
static void
relay_binary_on(struct relay *r, enum telnet_side side)
{
	struct termios	t;

	if (tcgetattr(r->pty, &t) == -1)
		return;
	t.c_cflag = (t.c_cflag & ~(tcflag_t)(CSIZE | PARENB)) | CS8;
	if (side == TELNET_HIM)
		t.c_iflag &= ~(tcflag_t)ISTRIP;
	if (tcsetattr(r->pty, TCSANOW, &t) == -1)
		log_debug("%s: tcsetattr: %s", r->addr, strerror(errno));
}

/* A packet mode control byte from the pty. */
static void
relay_packet(struct relay *r, uint8_t ctl)
{
	if (ctl & TIOCPKT_FLUSHREAD)
		r->ptyq_off = r->ptyq_len = 0;
	if (ctl & TIOCPKT_FLUSHWRITE)
		conn_synch(r->c);
	/*
	 * NOSTOP and DOSTOP: IXON changed; relay_modes(), after every read,
	 * tells the client.  STOP and START: the line discipline holds the
	 * output itself.
	 */
}

static void
relay_command(struct relay *r, uint8_t cmd)
{
	switch (cmd) {
	case TELNET_IP:
	case TELNET_BRK:
		relay_signal(r, SIGINT);
		break;
	case TELNET_ABORT:
		relay_signal(r, SIGQUIT);
		break;
	case TELNET_SUSP:
		relay_signal(r, SIGTSTP);
		break;
	case TELNET_AO:
		relay_abort_output(r);
		break;
	case TELNET_AYT:
		conn_text(r->c, CONN_AYT_REPLY);
		break;
	case TELNET_EC:
		relay_special(r, VERASE);
		break;
	case TELNET_EL:
		relay_special(r, VKILL);
		break;
	case TELNET_EOF:
		relay_special(r, VEOF);
		break;
	default:		/* NOP, DM (urgent data is inline), GA */
		break;
	}
}

/*
 * How much pty output may be gathered now: encoded, it may double, and
 * the queue for the client keeps RELAY_REPLY_ROOM for replies to input.
 */
static size_t
relay_pty_room(const struct relay *r)
{
	size_t	used = conn_queued(r->c) + RELAY_REPLY_ROOM;

	if (used >= CONN_OUT_MAX)
		return 0;
	return (CONN_OUT_MAX - used) / 2 < RELAY_BATCH ?
	    (CONN_OUT_MAX - used) / 2 : RELAY_BATCH;
}

/*
 * Read what the pty holds now into the queue for the client, as far as
 * the queue has room, so that a reply queued next comes after the output
 * written before it.  A read empties the line discipline's buffer (4 KiB
 * on Linux), which the kernel then refills from the pty's own buffers a
 * moment later: an empty read is trusted only after a short wait.
 */
static void
relay_catch_up(struct relay *r)
{
	struct pollfd	pfd = { .fd = r->pty, .events = POLLIN };
	int		n;

	while (!r->pty_closed && !r->c->overflow && relay_pty_room(r) > 0) {
		if ((n = relay_from_pty(r)) == -1)
			break;
		if (n == 0 && poll(&pfd, 1, RELAY_REFILL_MS) <= 0)
			break;
	}
}

/* The handler for the engine's events during the session. */
static void
relay_event(void *ctx, const struct telnet_event *ev)
{
	struct relay	*r = ctx;
	struct winsize	 ws;
	uint16_t	 size[2];

	trace_telnet(ev, r->pty);	/* data only while the pty echoes */
	switch (ev->kind) {
	case TELNET_EV_DATA:
		relay_queue_pty(r, ev->data.bytes, ev->data.len);
		if (r->rec_input != -1)
			record_send(r->rec_input, RECORD_INPUT,
			    ev->data.bytes, ev->data.len);
		break;
	case TELNET_EV_COMMAND:
		relay_command(r, ev->command);
		break;
	case TELNET_EV_NAWS:
		/* The kernel sends SIGWINCH to the foreground group. */
		memset(&ws, 0, sizeof(ws));
		ws.ws_col = ev->naws.width;
		ws.ws_row = ev->naws.height;
		if (ioctl(r->pty, TIOCSWINSZ, &ws) == -1)
			log_debug("%s: TIOCSWINSZ: %s", r->addr,
			    strerror(errno));
		if (r->rec != -1) {
			size[0] = ev->naws.width;
			size[1] = ev->naws.height;
			record_send(r->rec, RECORD_RESIZE, size, sizeof(size));
		}
		break;
	case TELNET_EV_OPTION:
		if (ev->option.opt == TELNET_OPT_LFLOW && ev->option.on) {
			/* Tell the client the state it starts from. */
			r->lflow = r->restart_any = -1;
			relay_modes(r);
		} else if (ev->option.opt == TELNET_OPT_BINARY &&
		    ev->option.on)
			relay_binary_on(r, ev->option.side);
		break;
	case TELNET_EV_TIMING_MARK:
		/* The WILL TM follows as a SEND: after the output before. */
		relay_catch_up(r);
		break;
	case TELNET_EV_SEND:		/* queued by conn.c */
	case TELNET_EV_MARK:		/* conn_close() waits for it */
	case TELNET_EV_NEGOTIATION:
	case TELNET_EV_TTYPE:		/* too late to change TERM */
	case TELNET_EV_ENV:		/* too late to change the env */
	case TELNET_EV_LFLOW:		/* servers send these, clients not */
	case TELNET_EV_DISCARD:
	case TELNET_EV_QSTATE:		/* for traces */
		break;
	}
}

/* Output read from the pty: to the client, the recording, the trace. */
static void
relay_pty_data(struct relay *r, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	conn_data(r->c, p, n);
	/* Recording off: this test is all it costs. */
	if (r->rec != -1)
		record_send(r->rec, RECORD_OUTPUT, p, n);
	trace_ptydata(p, n);
}

/*
 * Read what the pty has now, up to RELAY_BATCH bytes, and pass it on in
 * one piece.  One read of the master returns at most RELAY_PTY_FULL
 * bytes (the line discipline's buffer): one poll, read and send for each
 * would cost three system calls per 4 KiB, most of it in sending, where
 * the work per call is the whole TCP path.  So while reads come back
 * full, output is streaming and more is on its way: the next read waits
 * in the kernel for the pty to refill its buffer, and the batch goes out
 * in one send.  A read that is not full had all there was, and it goes
 * out at once: a keystroke's echo costs one read and one send.
 *
 * In packet mode every read starts with a control byte; it lands on the
 * last data byte gathered, which is put back, so the data stays in one
 * piece.  No more is read than the queue for the client has room for
 * (relay_pty_room()).
 *
 * Returns 1 when something was read, 0 when nothing is there (or no
 * room), -1 when the pty is closed (EIO: no slave left, all read).
 */
static int
relay_from_pty(struct relay *r)
{
	/* Static: its pages are touched only as far as output fills it. */
	static uint8_t	buf[1 + RELAY_BATCH];
	size_t		len = 0;	/* data gathered, at buf + 1 */
	size_t		room = relay_pty_room(r);
	uint8_t		saved, ctl;
	ssize_t		n;
	int		got = 0;

	while (len < room) {
		saved = buf[len];
		n = read(r->pty, buf + len, room - len + 1);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == 0 || errno != EAGAIN)
				r->pty_closed = true;
			break;
		}
		ctl = buf[len];
		buf[len] = saved;
		got = 1;
		if (ctl == TIOCPKT_DATA) {
			len += (size_t)n - 1;
			if ((size_t)n - 1 < RELAY_PTY_FULL)
				break;
			continue;
		}
		/* A control byte takes effect after the data before it. */
		relay_pty_data(r, buf + 1, len);
		len = 0;
		relay_packet(r, ctl);
		room = relay_pty_room(r);
	}
	relay_pty_data(r, buf + 1, len);
	if (got)
		relay_modes(r);
	return r->pty_closed ? -1 : got;
}

/* The shell has exited: read whatever is left on the pty. */
static void
relay_drain(struct relay *r)
{
	while (!r->pty_closed && !r->c->gone && !r->c->overflow) {
		if (conn_queued(r->c) >= RELAY_NETQ_LOW &&
		    conn_flush(r->c) == -1)
			return;
		if (relay_from_pty(r) <= 0)
			return;
	}
}

/*
 * The relay's loop, until the session ends; then the terminal is hung
 * up (the master closed) and the connection closed, its output sent.
 * Returns the exit status: 0 if the shell's side ended the session.
 */
static int
relay_run(struct relay *r)
{
	struct conn	*c = r->c;
	struct pollfd	 pfd[3];
	uint8_t		 buf[RELAY_READ];
	int		 n;
	bool		 shell_ended = false;

	for (;;) {
		if (c->overflow) {
			log_warnx("%s: client not reading its replies, "
			    "disconnecting", r->addr);
			return 1;
		}
		if (c->gone || r->pty_closed)
			break;

		pfd[0].fd = c->fd;
		pfd[0].events = conn_queued(c) > 0 ? POLLOUT : 0;
		if (sizeof(r->ptyq) - r->ptyq_len >= RELAY_READ)
			pfd[0].events |= POLLIN;
		pfd[1].fd = r->pty;
		pfd[1].events = r->ptyq_len > 0 ? POLLOUT : 0;
		if (conn_queued(c) < RELAY_NETQ_LOW)
			pfd[1].events |= POLLIN;
		if (pfd[1].events == 0)
			pfd[1].fd = -1;		/* POLLHUP would spin */
		pfd[2].fd = r->ctl;
		pfd[2].events = POLLIN;

		n = poll(pfd, 3, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return 1;
		}
		if (pfd[2].revents != 0) {
			relay_drain(r);
			shell_ended = true;
			break;
		}
		/*
		 * The client first: an AO or IP that came with output takes
		 * effect before that output is read and sent.
		 */
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) &&
		    conn_input(c, buf, sizeof(buf)) == -1)
			break;
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			(void)relay_from_pty(r);
		if (pfd[1].revents & POLLOUT || r->ptyq_len > 0)
			relay_to_pty(r);
		if (conn_queued(c) > 0)
			(void)conn_send(c);
	}
	close(r->pty);
	r->pty = -1;
	conn_close(c, -1);
	return shell_ended || r->pty_closed ? 0 : 1;
}

pid_t
relay_start(const struct handoff *h, int fd, int master,
    const struct user *u, const struct options *o, int *ctl)
{
	struct relay	*r = &relay;
	struct conn	*c = &relay_conn;
	const char	*what;
	sigset_t	 all, old;
	pid_t		 pid;
	int		 saved, fds[2], rec;
	bool		 input;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) != 0) {
		saved = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(fds[0]);
		if (pid == -1)
			close(fds[1]);
		else
			*ctl = fds[1];
		errno = saved;
		return pid;
	}
	close(fds[1]);
	/*
	 * Only the monitor may hold the recording's directory and file, its
	 * channel to the pre-auth child and nvtd's binary.
	 */
	rec = record_relay(&input);
	privsep_forget();

	/* The child: default signals, except that a dead socket is EPIPE. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	/*
	 * The connection, as the login left it; under the same policy,
	 * which the state must agree with.  No memset: the struct is a
	 * static this new process has not touched, so it is zero, and its
	 * queue takes memory only once output fills it.
	 */
	if (conn_init(c, fd, relay_event, r) == -1) {
		log_warn("relay: the connection");
		_exit(1);
	}
	if (o->naccept_env > 0)
		telnet_allow(&c->tn, TELNET_OPT_NEW_ENVIRON, TELNET_ALLOW_HIM);
	if (conn_restore(c, h->conn, h->conn_len) == -1) {
		log_warnx("relay: the connection's state does not hold");
		_exit(1);
	}

	if (privs_drop(u->uid, u->gid, &what) == -1) {
		log_warn("relay: %s", what);
		/* One try, never waiting: the client may not be reading. */
		conn_printf(c, "\nnvtd: cannot run the session as %s: %s\n",
		    u->name, what);
		(void)conn_send(c);
		_exit(1);
	}
	trace_step("relay: setresgid %u, setresuid %u: the user's ids, "
	    "checked", (unsigned int)u->gid, (unsigned int)u->uid);
	if (sandbox_relay() == -1) {
		log_warn("relay: seccomp");
		_exit(1);
	}
	trace_step("relay: no_new_privs, seccomp: the pty pump's calls only");
	setproctitle("%s [relay]", u->name);

	r->c = c;
	r->tn = &c->tn;
	r->addr = c->addr;
	r->rec = rec;
	r->rec_input = input ? rec : -1;
	r->pty = master;
	r->ctl = fds[0];
	if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) == -1)
		log_warn("fcntl O_NONBLOCK pty");
	r->lflow = r->restart_any = -1;

	/* What was typed ahead for the shell. */
	relay_queue_pty(r, h->typeahead, h->typeahead_len);
	/* Remote flow control, now that there is a terminal to follow. */
	(void)telnet_request(r->tn, TELNET_OPT_LFLOW, TELNET_HIM, true);

	saved = relay_run(r);
	if (r->rec != -1)
		record_relay_end(r->rec);
	/*
	 * The status tells the monitor who ended the session.  In a
	 * sanitizer build, _exit() runs the leak check first, which cannot
	 * work under the filter (it needs ptrace and sigaltstack) and then
	 * turns a 0 into a 1: the relay leaves by the system call itself.
	 */
	syscall(SYS_exit_group, saved);
	_exit(saved);
}
