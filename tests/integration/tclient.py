# SPDX-License-Identifier: ISC
"""A byte-level telnet client for the tests.

It says exactly what a test tells it to, and records exactly what the
server sent: the raw bytes, the negotiation it saw, and the data with the
telnet layer taken off.  Where a real client cannot express a case
(a client that never answers, NEW-ENVIRON variables of our choosing, a
window size sent in the middle of a session, IAC IP), the tests use this.

Answers follow RFC 1143 in its simplest form: an option is answered only
when its state changes, so the client never loops.
"""

import fcntl
import re
import select
import socket
import struct
import time

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
NOP, DM, BRK, IP, AO, AYT, EC, EL, GA = range(241, 250)
EOF, SUSP, ABORT = 236, 237, 238
BINARY, ECHO, SGA, TM, TTYPE, NAWS, LFLOW, NEW_ENVIRON = \
    0, 1, 3, 6, 24, 31, 33, 39
TTYPE_IS, TTYPE_SEND = 0, 1
LFLOW_OFF, LFLOW_ON, LFLOW_RESTART_ANY, LFLOW_RESTART_XON = 0, 1, 2, 3
SIOCATMARK = 0x8905
ENV_IS, ENV_SEND, ENV_INFO = 0, 1, 2
ENV_VAR, ENV_VALUE, ENV_ESC, ENV_USERVAR = 0, 1, 2, 3

DEFAULT_TIMEOUT = 10.0


class Timeout(AssertionError):
    """The awaited bytes did not come in time."""


class Closed(AssertionError):
    """The server closed the connection before the awaited bytes came."""


def as_regex(pattern):
    """A pattern to wait for: text or bytes match as they are, a compiled
    regular expression as itself."""
    if isinstance(pattern, str):
        pattern = pattern.encode()
    if isinstance(pattern, bytes):
        pattern = re.compile(re.escape(pattern))
    return pattern


def iac_escape(data):
    """Double every IAC, as the NVT requires for data."""
    return data.replace(bytes([IAC]), bytes([IAC, IAC]))


def sb(opt, payload):
    """A subnegotiation, payload escaped."""
    return bytes([IAC, SB, opt]) + iac_escape(payload) + bytes([IAC, SE])


def naws_payload(cols, rows):
    return struct.pack('>HH', cols, rows)


def env_payload(variables):
    """NEW-ENVIRON IS payload from (kind, name, value) triples.

    kind is ENV_VAR or ENV_USERVAR; value None sends the name alone.
    """
    out = bytearray([ENV_IS])
    for kind, name, value in variables:
        out.append(kind)
        out += _env_escape(name.encode() if isinstance(name, str) else name)
        if value is not None:
            out.append(ENV_VALUE)
            out += _env_escape(value.encode() if isinstance(value, str)
                               else value)
    return bytes(out)


def _env_escape(b):
    out = bytearray()
    for ch in b:
        if ch in (ENV_VAR, ENV_VALUE, ENV_ESC, ENV_USERVAR):
            out.append(ENV_ESC)
        out.append(ch)
    return bytes(out)


class TelnetClient:
    """One connection to the daemon.

    answer=False makes a client that never answers any negotiation (a raw
    TCP client such as netcat).  naws is (cols, rows) or None (refuse
    NAWS); ttype a string or None (refuse TTYPE), or a list of types
    offered in turn, one per SB TTYPE SEND: after the last, the list
    starts over (ttype_wrap True), the last is repeated for ever (False),
    or repeated once before the list starts over ('rfc', RFC 1091);
    env a list of (kind, name, value) to send when asked, or None (refuse
    NEW-ENVIRON).  will and do are further options the client agrees to
    enable on its side (LFLOW, BINARY) and on the server's (BINARY).
    rcvbuf sets a small receive buffer, for a client slow to read.
    answer_mark=False makes a client that negotiates but leaves the
    server's DO TIMING-MARK unanswered, as some clients do.
    source is the local address to connect from (127.0.0.2 is as much
    loopback as 127.0.0.1, and another source to the server).

    The socket reads urgent data inline; the offsets in raw at which the
    server's urgent mark stood (the DM of a Synch) are kept in marks.
    """

    def __init__(self, port, host='127.0.0.1', answer=True, naws=(80, 24),
                 ttype='XTERM', env=None, connect_timeout=5.0,
                 source=None, will=(), do=(), ttype_wrap=True, rcvbuf=None,
                 answer_mark=True):
        self.answer = answer
        self.answer_mark = answer_mark
        self.naws = naws
        self.ttype = ttype
        self.ttype_wrap = ttype_wrap
        self.ttype_sends = 0            # SB TTYPE SEND received
        self.ttype_now = None           # the type last sent
        self.env = env
        self.will = set(will)
        self.do = set(do)
        self.marks = []                 # offsets in raw of urgent bytes
        self.raw = bytearray()          # every byte the server sent
        self.data = bytearray()         # the data, telnet layer removed
        self.pos = 0                    # start of unread data for expect()
        self.events = []                # ('DO', opt), ('SB', opt, payload)...
        self.eof = False
        self.us = {}                    # options on at our side
        self.him = {}                   # options on at the server's side
        self._state = 'data'
        self._sb = bytearray()
        self._cr = False
        if rcvbuf is None:
            self.sock = socket.create_connection(
                (host, port), connect_timeout,
                source_address=(source, 0) if source else None)
        else:
            # Set before connect: the window offered is fixed by then.
            self.sock = socket.socket(
                socket.AF_INET6 if ':' in host else socket.AF_INET,
                socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                 rcvbuf)
            if source:
                self.sock.bind((source, 0))
            self.sock.settimeout(connect_timeout)
            self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
        self.opened = time.monotonic()

    # -- sending ---------------------------------------------------------

    def send_raw(self, b):
        self.sock.sendall(b)

    def send(self, data):
        """Send data bytes (str is UTF-8 encoded), IAC doubled."""
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(iac_escape(data))

    def sendline(self, line):
        """Send a line the way a telnet client sends Enter: CR LF."""
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b'\r\n')

    def send_command(self, cmd):
        self.sock.sendall(bytes([IAC, cmd]))

    def send_naws(self, cols, rows):
        self.sock.sendall(sb(NAWS, naws_payload(cols, rows)))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Drop the connection with a reset, as a crashed client would."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.close()

    # -- negotiation -----------------------------------------------------

    def _reply(self, b):
        if self.answer:
            try:
                self.sock.sendall(b)
            except (BrokenPipeError, ConnectionResetError):
                pass        # the server has closed: its loss

    def _negotiate(self, verb, opt):
        self.events.append(({DO: 'DO', DONT: 'DONT', WILL: 'WILL',
                             WONT: 'WONT'}[verb], opt))
        if opt == TM:
            # A DO TM asks "have you seen all I sent?": like the real
            # clients, say yes at once.  WILL or WONT TM answers our own
            # DO TM and gets no reply.
            if verb == DO and self.answer_mark:
                self._reply(bytes([IAC, WILL, TM]))
            return
        if verb == DO:
            want = ((opt == NAWS and self.naws is not None) or
                    (opt == TTYPE and self.ttype is not None) or
                    (opt == NEW_ENVIRON and self.env is not None) or
                    opt == SGA or opt in self.will)
            if want:
                if not self.us.get(opt):
                    self.us[opt] = True
                    self._reply(bytes([IAC, WILL, opt]))
                    if opt == NAWS:
                        self._reply(sb(NAWS, naws_payload(*self.naws)))
            elif self.us.get(opt, None) is not False:
                self.us[opt] = False
                self._reply(bytes([IAC, WONT, opt]))
        elif verb == DONT:
            if self.us.get(opt):
                self.us[opt] = False
                self._reply(bytes([IAC, WONT, opt]))
        elif verb == WILL:
            if opt in (ECHO, SGA) or opt in self.do:
                if not self.him.get(opt):
                    self.him[opt] = True
                    self._reply(bytes([IAC, DO, opt]))
            elif self.him.get(opt, None) is not False:
                self.him[opt] = False
                self._reply(bytes([IAC, DONT, opt]))
        elif verb == WONT:
            if self.him.get(opt):
                self.him[opt] = False
                self._reply(bytes([IAC, DONT, opt]))

    def _subnegotiation(self, payload):
        if not payload:
            return
        opt, rest = payload[0], bytes(payload[1:])
        self.events.append(('SB', opt, rest))
        if opt == TTYPE and rest[:1] == bytes([TTYPE_SEND]) and \
                self.ttype is not None:
            self._reply(sb(TTYPE, bytes([TTYPE_IS]) + self._next_ttype()))
        elif opt == NEW_ENVIRON and rest[:1] == bytes([ENV_SEND]) and \
                self.env is not None:
            self._reply(sb(NEW_ENVIRON, env_payload(self.env)))

    def _next_ttype(self):
        """The type to send for this SB TTYPE SEND, as bytes."""
        types = [self.ttype] if isinstance(self.ttype, (str, bytes)) \
            else list(self.ttype)
        if self.ttype_wrap == 'rfc':
            types = types + types[-1:]
        i = self.ttype_sends
        if i >= len(types):
            i = i % len(types) if self.ttype_wrap else len(types) - 1
        self.ttype_sends += 1
        self.ttype_now = types[i]
        t = types[i]
        return t.encode() if isinstance(t, str) else t

    def send_will(self, opt):
        """Offer an option on our side (WILL), remembering it."""
        self.will.add(opt)
        self.us[opt] = True
        self.sock.sendall(bytes([IAC, WILL, opt]))

    def send_do(self, opt):
        """Ask for an option on the server's side (DO)."""
        self.do.add(opt)
        self.sock.sendall(bytes([IAC, DO, opt]))

    def lflow_commands(self):
        """The SB LFLOW commands the server sent, in order."""
        return [e[2][0] for e in self.events
                if e[0] == 'SB' and e[1] == LFLOW and len(e[2]) == 1]

    _SPECIAL = re.compile(rb'[\r\xff]')

    def _feed(self, chunk):
        self.raw += chunk
        i, n = 0, len(chunk)
        while i < n:
            # Plain data, up to the next CR or IAC, in one piece.
            if self._state == 'data' and not self._cr:
                m = self._SPECIAL.search(chunk, i)
                end = m.start() if m else n
                self.data += chunk[i:end]
                i = end
                if i == n:
                    break
            ch = chunk[i]
            i += 1
            st = self._state
            if st == 'data':
                if ch == IAC:
                    self._state = 'iac'
                elif self._cr and ch == 0:
                    self._cr = False    # CR NUL is a bare CR
                else:
                    self._cr = ch == 13
                    self.data.append(ch)
            elif st == 'iac':
                if ch == IAC:
                    self.data.append(IAC)
                    self._state = 'data'
                elif ch in (DO, DONT, WILL, WONT):
                    self._verb = ch
                    self._state = 'opt'
                elif ch == SB:
                    self._sb = bytearray()
                    self._state = 'sb'
                else:
                    self.events.append(('CMD', ch))
                    self._state = 'data'
            elif st == 'opt':
                self._negotiate(self._verb, ch)
                self._state = 'data'
            elif st == 'sb':
                if ch == IAC:
                    self._state = 'sb-iac'
                else:
                    self._sb.append(ch)
            elif st == 'sb-iac':
                if ch == SE:
                    self._subnegotiation(self._sb)
                    self._state = 'data'
                else:
                    self._sb.append(ch)     # IAC IAC inside SB
                    self._state = 'sb'

    # -- reading ---------------------------------------------------------

    def _read_once(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            # A read stops at the urgent mark; note where it stands.  The
            # mark is known once the data that holds it is readable.
            if not select.select([self.sock], [], [], left)[0]:
                return False
            at_mark = struct.unpack('i', fcntl.ioctl(
                self.sock, SIOCATMARK, b'\0' * 4))[0]
            chunk = self.sock.recv(65536)
            if at_mark and chunk:
                self.marks.append(len(self.raw))
        except socket.timeout:
            return False
        except ConnectionResetError:
            chunk = b''
        if not chunk:
            self.eof = True
            return False
        self._feed(chunk)
        return True

    def pump(self, timeout=0.0):
        """Read whatever arrives within timeout seconds."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self._read_once(deadline)

    def pump_until(self, cond, what, timeout=DEFAULT_TIMEOUT):
        """Read until cond() holds; raises Timeout naming what."""
        deadline = time.monotonic() + timeout
        while not cond():
            if self.eof or time.monotonic() >= deadline:
                raise Timeout('%s did not come within %.1f s' %
                              (what, timeout))
            self._read_once(deadline)

    def expect(self, pattern, timeout=DEFAULT_TIMEOUT):
        """Wait for pattern (bytes, str or compiled regex) in the data.

        Returns the match (the text before it is consumed too); raises
        Timeout or Closed with what was received, for the failure message.
        """
        pattern = as_regex(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.data, self.pos)
            if m:
                self.pos = m.end()
                return m
            if self.eof:
                raise Closed('connection closed while waiting for %r; '
                             'received after the last match: %r' %
                             (pattern.pattern, bytes(self.data[self.pos:])
                              [-2000:]))
            if not self._read_once(deadline) and not self.eof:
                raise Timeout('no %r within %.1f s; received after the '
                              'last match: %r' %
                              (pattern.pattern, timeout,
                               bytes(self.data[self.pos:])[-2000:]))

    def read_until_eof(self, timeout=DEFAULT_TIMEOUT):
        """Everything until the server closes; Timeout if it does not."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not self._read_once(deadline) and not self.eof:
                raise Timeout('connection still open after %.1f s; last '
                              'bytes: %r' % (timeout,
                                             bytes(self.data[-500:])))
        rest = bytes(self.data[self.pos:])
        self.pos = len(self.data)
        return rest

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
