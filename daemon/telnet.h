/* SPDX-License-Identifier: ISC */
/*
 * The telnet protocol engine: a pure state machine.  Bytes from the client
 * go in through telnet_feed(); what comes out is delivered, in input order,
 * as events to one handler: data bytes for the line reader or the pty,
 * option changes, commands, subnegotiation results, and reply bytes to be
 * sent to the client.  The engine does no I/O, keeps no globals and does
 * not allocate: it can be unit-tested and fuzzed on its own.
 *
 * Options are negotiated with the Q method of RFC 1143, driven by a policy
 * set per option and side.  See daemon/telnet.c for the RFCs followed.
 */
#ifndef NVTD_TELNET_H
#define NVTD_TELNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Commands (RFC 854; EOF, SUSP and ABORT from RFC 1184). */
enum {
	TELNET_EOF = 236,
	TELNET_SUSP = 237,
	TELNET_ABORT = 238,
	TELNET_SE = 240,
	TELNET_NOP = 241,
	TELNET_DM = 242,
	TELNET_BRK = 243,
	TELNET_IP = 244,
	TELNET_AO = 245,
	TELNET_AYT = 246,
	TELNET_EC = 247,
	TELNET_EL = 248,
	TELNET_GA = 249,
	TELNET_SB = 250,
	TELNET_WILL = 251,
	TELNET_WONT = 252,
	TELNET_DO = 253,
	TELNET_DONT = 254,
	TELNET_IAC = 255,
};

/* Options, with the RFC that defines each. */
enum {
	TELNET_OPT_BINARY = 0,		/* RFC 856 */
	TELNET_OPT_ECHO = 1,		/* RFC 857 */
	TELNET_OPT_SGA = 3,		/* RFC 858 */
	TELNET_OPT_STATUS = 5,		/* RFC 859 */
	TELNET_OPT_TM = 6,		/* RFC 860 */
	TELNET_OPT_TTYPE = 24,		/* RFC 1091 */
	TELNET_OPT_NAWS = 31,		/* RFC 1073 */
	TELNET_OPT_TSPEED = 32,		/* RFC 1079 */
	TELNET_OPT_LFLOW = 33,		/* RFC 1372 */
	TELNET_OPT_LINEMODE = 34,	/* RFC 1184 */
	TELNET_OPT_XDISPLOC = 35,	/* RFC 1096 */
	TELNET_OPT_OLD_ENVIRON = 36,	/* RFC 1408 */
	TELNET_OPT_AUTHENTICATION = 37,	/* RFC 2941 */
	TELNET_OPT_ENCRYPT = 38,	/* RFC 2946 */
	TELNET_OPT_NEW_ENVIRON = 39,	/* RFC 1572 */
};

/* Subnegotiation codes. */
enum {
	TELNET_TTYPE_IS = 0,		/* RFC 1091 */
	TELNET_TTYPE_SEND = 1,
	TELNET_ENV_IS = 0,		/* RFC 1572 */
	TELNET_ENV_SEND = 1,
	TELNET_ENV_INFO = 2,
	TELNET_ENV_VAR = 0,
	TELNET_ENV_VALUE = 1,
	TELNET_ENV_ESC = 2,
	TELNET_ENV_USERVAR = 3,
	TELNET_LFLOW_OFF = 0,		/* RFC 1372 */
	TELNET_LFLOW_ON = 1,
	TELNET_LFLOW_RESTART_ANY = 2,
	TELNET_LFLOW_RESTART_XON = 3,
};

/*
 * Hard caps on everything the peer controls.  An item over its cap is
 * discarded whole (TELNET_EV_DISCARD), never processed truncated.
 */
#define TELNET_SB_MAX		512	/* bytes of one subnegotiation */
#define TELNET_TTYPE_MAX	40	/* RFC 1010 names are at most 40 */
#define TELNET_ENV_NAME_MAX	64
#define TELNET_ENV_VALUE_MAX	256
#define TELNET_ENV_COUNT_MAX	32	/* variables in one subnegotiation */

/* Which end of the connection an option applies to (RFC 1143 terms). */
enum telnet_side {
	TELNET_US,		/* our side: we WILL / WONT, he DO / DONT */
	TELNET_HIM,		/* his side: he WILL / WONT, we DO / DONT */
};

/* Policy bits, per option and side. */
#define TELNET_ALLOW_US		0x01	/* we agree to enable it on our side */
#define TELNET_ALLOW_HIM	0x02	/* we agree to let him enable it */

enum telnet_event_kind {
	TELNET_EV_DATA,		/* data: bytes for the line reader / pty */
	TELNET_EV_SEND,		/* data: bytes to send to the client */
	TELNET_EV_NEGOTIATION,	/* negotiation: a WILL/WONT/DO/DONT received */
	TELNET_EV_OPTION,	/* option: an option was enabled or disabled */
	TELNET_EV_QSTATE,	/* qstate: an option's RFC 1143 state changed
				 * (for traces; OPTION follows when it
				 * came on or went off) */
	TELNET_EV_COMMAND,	/* command: IP AO AYT BRK EC EL EOF SUSP ABORT
				 * NOP DM GA */
	TELNET_EV_TIMING_MARK,	/* DO TIMING-MARK: flush what came before;
				 * the WILL TM reply follows as a SEND */
	TELNET_EV_NAWS,		/* naws: the client's window size */
	TELNET_EV_TTYPE,	/* ttype: a terminal type name */
	TELNET_EV_ENV,		/* env: one NEW-ENVIRON variable */
	TELNET_EV_LFLOW,	/* lflow: an LFLOW subnegotiation */
	TELNET_EV_DISCARD,	/* discard: an item dropped (over a cap,
				 * malformed, or for an option not enabled) */
	TELNET_EV_MARK,		/* the client answered our DO TIMING-MARK:
				 * it has taken in everything sent before */
};

/*
 * One event.  Pointers are valid only during the handler call: DATA
 * points into the caller's input buffer, everything else into the
 * engine.  Strings (ttype.name, env.name, env.value) are NUL-terminated
 * copies whose length is also given, since the peer may embed NULs.
 */
struct telnet_event {
	enum telnet_event_kind kind;
	union {
		struct {
			const uint8_t *bytes;
			size_t len;
		} data;
		struct {
			uint8_t verb;		/* TELNET_WILL .. TELNET_DONT */
			uint8_t opt;
		} negotiation;
		struct {
			uint8_t opt;
			enum telnet_side side;
			bool on;
		} option;
		struct {
			uint8_t opt;
			enum telnet_side side;
			uint8_t from;		/* enum telnet_q | queue bit */
			uint8_t to;
		} qstate;
		uint8_t command;
		struct {
			uint16_t width;
			uint16_t height;
		} naws;
		struct {
			const char *name;
			size_t len;
		} ttype;
		struct {
			uint8_t cmd;		/* TELNET_ENV_IS or _INFO */
			uint8_t type;		/* TELNET_ENV_VAR or _USERVAR */
			const char *name;
			size_t name_len;
			const char *value;	/* NULL: sent without VALUE */
			size_t value_len;
		} env;
		uint8_t lflow;			/* TELNET_LFLOW_* */
		struct {
			uint8_t opt;		/* subnegotiation's option, or
						 * the byte after a stray IAC */
			const char *why;	/* fixed text, for traces */
		} discard;
	};
};

typedef void telnet_handler(void *ctx, const struct telnet_event *ev);

/* The parser's states; telnet_state_name() names them for traces. */
enum telnet_state {
	TELNET_STATE_DATA,
	TELNET_STATE_CR,	/* after CR in NVT data: swallow LF or NUL */
	TELNET_STATE_IAC,
	TELNET_STATE_WILL,
	TELNET_STATE_WONT,
	TELNET_STATE_DO,
	TELNET_STATE_DONT,
	TELNET_STATE_SB,	/* IAC SB seen, option byte next */
	TELNET_STATE_SB_DATA,
	TELNET_STATE_SB_IAC,
};

/* One side of one option, RFC 1143: NO YES WANTNO WANTYES + queue bit. */
enum telnet_q {
	TELNET_Q_NO,
	TELNET_Q_YES,
	TELNET_Q_WANTNO,
	TELNET_Q_WANTYES,
};
#define TELNET_Q_OPPOSITE	0x04	/* queue bit: OPPOSITE (else EMPTY) */

/* All of the engine's state.  Treat the fields as private. */
struct telnet {
	telnet_handler	*handler;
	void		*ctx;
	enum telnet_state state;
	uint8_t		 q[2][256];	/* [side][option] enum telnet_q | bit */
	uint8_t		 allow[256];	/* TELNET_ALLOW_* */
	uint8_t		 sb_opt;
	bool		 sb_overflow;
	size_t		 sb_len;
	uint8_t		 sb[TELNET_SB_MAX];
	bool		 ttype_asked;	/* SB TTYPE SEND not answered yet */
	bool		 env_asked;	/* SB NEW-ENVIRON SEND not answered */
	bool		 mark_asked;	/* our DO TIMING-MARK not answered */
	bool		 negotiated;	/* the peer has sent a WILL/WONT/DO/DONT */
	bool		 cr_sent;	/* the last data byte out was a CR in
					 * NVT form: LF or NUL must follow */
	const uint8_t	*run;		/* DATA not yet delivered, inside */
	size_t		 run_len;	/* telnet_feed() only */
};

/* Set up the engine with nvtd's default policy (see telnet.c). */
void	telnet_init(struct telnet *, telnet_handler *, void *);
/* Point the events at another handler (the relay takes over after login). */
void	telnet_set_handler(struct telnet *, telnet_handler *, void *);
/*
 * Change the policy for one option: TELNET_ALLOW_* bits.  Future
 * negotiation only; an option already on stays on until asked off.
 */
void	telnet_allow(struct telnet *, uint8_t opt, unsigned int allow);

/*
 * Parse bytes from the client; events go to the handler, in order.  The
 * handler may call the functions below but not telnet_feed() itself.
 */
void	telnet_feed(struct telnet *, const uint8_t *, size_t);

/*
 * Ask for an option to be enabled or disabled on one side, by the Q
 * method: sends nothing when the request is redundant or already under
 * way.  Returns -1 when the policy does not allow enabling it, and
 * always for enabling TIMING-MARK, which is never "on".  Asking an
 * enabled option off reports it off (TELNET_EV_OPTION) at once; an
 * option comes on only when the peer agrees, after our reply and any
 * first SB request have been sent.
 */
int	telnet_request(struct telnet *, uint8_t opt, enum telnet_side, bool on);
/* Is the option enabled (state YES) on that side? */
bool	telnet_enabled(const struct telnet *, uint8_t opt, enum telnet_side);
/*
 * Is anything we started still waiting for the peer's answer: an option
 * negotiation, a DO TIMING-MARK, or an SB TTYPE SEND / SB NEW-ENVIRON
 * SEND (answered by any complete subnegotiation of that option, or by
 * the option going off)?
 */
bool	telnet_pending(const struct telnet *);
/*
 * The same for his side of one option: our DO or DONT unanswered, or
 * our SB SEND for it.  A client that never answers one request (BusyBox
 * leaves DO SGA unanswered) need not hold up the options that matter.
 */
bool	telnet_waiting(const struct telnet *, uint8_t opt);
/*
 * Has the peer sent any WILL, WONT, DO or DONT?  One that never has
 * (netcat, a raw socket) does not speak telnet, and would not answer a
 * DO TIMING-MARK.
 */
bool	telnet_negotiated(const struct telnet *);

/* Send IAC <cmd> (DM for Synch, GA, NOP); nothing for non-commands. */
void	telnet_send_command(struct telnet *, uint8_t cmd);
/*
 * SB TTYPE SEND: ask for (the next) terminal type, for cycling.  The
 * engine sends the first one itself when TTYPE comes on; the same for
 * NEW-ENVIRON.  These three send nothing unless he has the option on.
 */
void	telnet_request_ttype(struct telnet *);
/* SB NEW-ENVIRON SEND with no list: ask for all variables. */
void	telnet_request_env(struct telnet *);
/* SB LFLOW <mode>: tell the client to change its flow control (0..3). */
void	telnet_send_lflow(struct telnet *, uint8_t mode);
/*
 * IAC DO TIMING-MARK (RFC 860): the client answers WILL or WONT once it
 * has processed everything sent before, and TELNET_EV_MARK reports it;
 * telnet_waiting(TELNET_OPT_TM) is true until then.  The answer changes
 * no option state and gets no reply.  Before the connection closes, so
 * that a client which exits at end of file has written out all it got.
 */
void	telnet_send_mark(struct telnet *);
/*
 * The end of the output: the NUL owed to a CR sent last, if it is (a
 * SEND event), so that the stream does not end in a bare CR.
 */
void	telnet_end_output(struct telnet *);

/*
 * Output encoding for bytes going to the client: IAC is doubled and,
 * unless our side is BINARY, a CR not followed by LF is followed by NUL
 * (RFC 854).  The encoder remembers whether the last data byte it let
 * out was a CR: a CR that ends a buffer goes out at once, and the next
 * byte decides, an LF going out as it is and anything else (data, a
 * command from the engine, the end of the output) after a NUL.
 *
 * telnet_plain_len() returns how many leading bytes need no escaping,
 * so that a caller may write them as they are; it must then tell the
 * encoder with telnet_plain_sent().  telnet_encode() writes the encoded
 * form of a whole buffer to out, which must hold TELNET_ENCODED_MAX(len)
 * bytes, and returns its length.  telnet_plain_sent() also tells the
 * encoder the stream ends elsewhere than it thought: after output queued
 * for the client was dropped (a Synch), with the byte now last.
 */
#define TELNET_ENCODED_MAX(len)	(2 * (len) + 1)
size_t	telnet_plain_len(const struct telnet *, const uint8_t *, size_t);
void	telnet_plain_sent(struct telnet *, const uint8_t *, size_t);
size_t	telnet_encode(struct telnet *, const uint8_t *, size_t,
	    uint8_t *out);

/*
 * The engine's state, as bytes, for another process to take over the
 * connection: negotiation (the Q method state of every option), the
 * parser (in the middle of a subnegotiation too) and the encoder.  The
 * handler and the policy are not part of it: telnet_restore() runs on an
 * engine that telnet_init() and telnet_allow() set up with the policy of
 * the process restoring it, and refuses state that policy would not
 * have produced.  telnet_save() writes at most TELNET_SAVED_MAX bytes and
 * returns how many; telnet_restore() returns 0, or -1 when the bytes are
 * not a state the engine can be in (nothing is changed then).
 */
#define TELNET_SAVED_MAX	(1 + 2 * 256 + 4 + TELNET_SB_MAX + 1)
size_t	telnet_save(const struct telnet *, uint8_t *buf);
int	telnet_restore(struct telnet *, const uint8_t *buf, size_t len);

/* Names for traces: RFC names of options and commands, parser states. */
const char	*telnet_option_name(uint8_t opt);
const char	*telnet_command_name(uint8_t cmd);
const char	*telnet_state_name(enum telnet_state);
const char	*telnet_q_name(uint8_t q);

#endif
