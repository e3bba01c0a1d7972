# SPDX-License-Identifier: ISC
"""A real telnet client on a terminal of its own, driven byte for byte.

expect (Tcl 8.6) cannot hold a character beyond the BMP nor send a
0xFF byte as it is; this small driver can.  It starts a program (telnet,
busybox telnet, plink...) on a new pseudo-terminal of a given size, types
exact bytes into it, and waits for patterns in what it shows.  Everything
shown is written to a transcript file for the failure report.
"""

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time

from tclient import Closed, Timeout, as_regex


class PtyClient:
    """argv running on a terminal of rows x cols, with env.

    A test reads what the program showed in .shown (bytes, as written to
    the terminal, escape sequences included).
    """

    def __init__(self, argv, transcript, env=None, rows=24, cols=80,
                 cwd=None):
        self.shown = bytearray()
        # Bytes taken per read: a small value makes a slow terminal, on
        # which the program's output backs up.
        self.chunk = 65536
        self.pos = 0
        self.eof = False
        self.status = None
        self.log = open(transcript, 'ab')
        pid, fd = pty.fork()
        if pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ,
                            struct.pack('HHHH', rows, cols, 0, 0))
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], argv, env if env is not None
                           else os.environ)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd

    def send(self, data):
        """Type bytes (str is UTF-8 encoded) on the program's terminal."""
        if isinstance(data, str):
            data = data.encode()
        while data:
            n = os.write(self.fd, data)
            data = data[n:]

    def _read_once(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if not select.select([self.fd], [], [], left)[0]:
            return False
        try:
            chunk = os.read(self.fd, self.chunk)
        except OSError:             # EIO: the program is gone
            chunk = b''
        if not chunk:
            self.eof = True
            return False
        self.shown += chunk
        self.log.write(chunk)
        self.log.flush()
        return True

    def expect(self, pattern, timeout=15.0):
        """Wait for pattern (bytes, str or compiled regex) in what the
        program shows; returns the match and consumes up to its end."""
        pattern = as_regex(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.shown, self.pos)
            if m:
                self.pos = m.end()
                return m
            rest = bytes(self.shown[self.pos:])[-2000:]
            if self.eof:
                raise Closed('the client ended while waiting for %r; '
                             'shown after the last match: %r' %
                             (pattern.pattern, rest))
            if not self._read_once(deadline) and not self.eof:
                raise Timeout('no %r within %.1f s; shown after the last '
                              'match: %r' % (pattern.pattern, timeout, rest))

    def wait(self, timeout=10.0):
        """Read until the program ends; its exit status."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self._read_once(deadline)
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                self.pid = None
                return self.status
            time.sleep(0.02)
        raise Timeout('the client did not end within %.1f s' % timeout)

    def close(self):
        """Kill the program (by its pid) if it still runs, and reap it."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = None
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.log.close()


def spawn(test, argv, name, rows=24, cols=80, env=None):
    """A PtyClient for a SiteTest, its transcript among the site's
    artifacts, killed at the end of the test.  The environment is a
    plain one (TERM=xterm, HOME the site: no ~/.telnetrc), plus env."""
    log = os.path.join(test.site.dir, name + '.log')
    test.site.artifacts.append(log)
    full = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'TERM': 'xterm', 'HOME': test.site.dir, 'LC_ALL': 'C.UTF-8'}
    full.update(env or {})
    c = PtyClient(argv, log, env=full, rows=rows, cols=cols,
                  cwd=test.site.dir)
    test.addCleanup(c.close)
    return c


def login(c, user, password, prompt):
    """Answer the two prompts as a user would, and wait for the shell."""
    c.expect(b'login: ')
    c.send(user + '\r')
    c.expect(b'Password: ')
    c.send(password + '\r')
    c.expect(prompt)
