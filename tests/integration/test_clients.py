# SPDX-License-Identifier: ISC
"""A login with each of the other real clients: netkit's telnet (as
telnet-ssl), BusyBox telnet, PuTTY's plink -telnet, python's telnetlib.
Each runs on a terminal of its own (30 rows, 100 columns), logs in, and
checks what the session got from it: TERM, the window size, the tty."""

import os
import re
import shutil
import time
import unittest
import warnings

from harness import PROMPT, SiteTest
from ptyclient import spawn

ROWS, COLS = 30, 100
SEQ = 200000
# Runs of the long-output test with inetutils telnet, the client that
# loses what it still holds when it reads end of file.
LONG_RUNS = int(os.environ.get('NVTD_TEST_LONG_RUNS', '10'))
REPORT = 'echo "T=$TERM S=$(stty size) Y=$(tty)"\r'
REPORTED = re.compile(rb'T=(\S+) S=(\d+ \d+) Y=(/dev/pts/\d+)\r\n')


def need(prog):
    path = shutil.which(prog)
    if path is None:
        raise unittest.SkipTest('%s is not installed' % prog)
    return path


class OtherClientsTest(SiteTest):

    def session(self, argv, name):
        """Log in with the client, report, log out; what was reported
        and how long the login prompt took."""
        t0 = time.monotonic()
        c = spawn(self, argv, name, rows=ROWS, cols=COLS)
        c.expect(b'login: ')
        took = time.monotonic() - t0
        c.send('alice\r')
        c.expect(b'Password: ')
        c.send('secret\r')
        c.expect(PROMPT)
        c.send(REPORT)
        m = c.expect(REPORTED)
        c.expect(PROMPT)
        c.send("echo B''YE; exit\r")
        c.expect(b'BYE')
        c.wait(15)
        return m.groups(), took

    def test_netkit_telnet(self):
        need('telnet-ssl')
        (term, size, tty), _ = self.session(
            ['telnet-ssl', '127.0.0.1', str(self.start())], 'netkit')
        self.assertEqual((term, size), (b'xterm', b'%d %d' % (ROWS, COLS)))

    def test_busybox_telnet_which_leaves_do_sga_unanswered(self):
        need('busybox')
        (term, size, tty), took = self.session(
            ['busybox', 'telnet', '127.0.0.1', str(self.start())],
            'busybox')
        self.assertEqual((term, size), (b'xterm', b'%d %d' % (ROWS, COLS)))
        # It never answers DO SGA: the opening wait does not hang on it
        # (it would last a second).
        self.assertLess(took, 0.9)
        self.assertNotIn('RCVD WILL SGA', self.site.read_log())

    def test_plink_telnet(self):
        need('plink')
        (term, size, tty), _ = self.session(
            ['plink', '-telnet', '-P', str(self.start()), '127.0.0.1'],
            'plink')
        self.assertEqual((term, size), (b'xterm', b'%d %d' % (ROWS, COLS)))

    def test_python_telnetlib(self):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            try:
                import telnetlib
            except ImportError:
                self.skipTest('python has no telnetlib (gone in 3.13)')
        self.start()
        # telnetlib refuses every option: no window size, no terminal
        # type, and it sends what it is given, here LF line ends.
        tn = telnetlib.Telnet(self.site.address, self.site.port, 10)
        self.addCleanup(tn.close)
        tn.read_until(b'login: ', 10)
        tn.write(b'alice\n')
        tn.read_until(b'Password: ', 10)
        tn.write(b'secret\n')
        tn.read_until(PROMPT, 10)
        tn.write(REPORT.replace('\r', '\n').encode())
        _, m, _ = tn.expect([REPORTED], 10)
        self.assertIsNotNone(m)
        self.assertEqual(m.group(1), b'dumb')
        tn.read_until(PROMPT, 10)
        tn.write(b'exit\n')
        rest = tn.read_all()
        self.assertIn(b'logout', rest)


class NothingLostAtLogoutTest(SiteTest):
    """`seq 1 200000; exit` with each real client: every line reaches
    its terminal.  A client that exits as soon as it reads end of file
    (inetutils telnet) would lose what it had not yet written out, if
    nvtd closed at once: it first asks IAC DO TIMING-MARK, and closes
    once the answer shows that the client has taken in everything."""

    def seq_then_exit(self, argv, name):
        c = spawn(self, argv, name, rows=ROWS, cols=COLS)
        c.expect(b'login: ')
        c.send('alice\r')
        c.expect(b'Password: ')
        c.send('secret\r')
        c.expect(PROMPT)
        c.send('seq 1 %d; exit\r' % SEQ)
        c.expect(b'seq 1 %d; exit' % SEQ)
        # A terminal slower than the network, as expect is: the client
        # holds output it has not written out when the connection ends.
        c.chunk = 256
        c.wait(60)
        # The lines, without the terminal controls readline adds.
        shown = re.sub(rb'\x1b\[[0-9;?]*[A-Za-z]', b'', bytes(c.shown[c.pos:]))
        lines = [ln.strip(b'\r') for ln in shown.split(b'\n')[1:SEQ + 1]]
        first_bad = next((i for i, ln in enumerate(lines)
                          if ln != b'%d' % (i + 1)), None)
        self.assertIsNone(first_bad, '%s: line %s is %r' % (
            name, first_bad, lines[first_bad] if first_bad is not None
            and first_bad < len(lines) else None))
        self.assertEqual(len(lines), SEQ, '%s: %d lines' % (name,
                                                           len(lines)))

    def test_inetutils_telnet_shows_every_line_10_runs_of_10(self):
        need('inetutils-telnet')
        port = str(self.start())
        for run in range(LONG_RUNS):
            with self.subTest(run=run):
                self.seq_then_exit(['inetutils-telnet', '127.0.0.1', port],
                                   'inetutils-%d' % run)

    def test_netkit_telnet_shows_every_line(self):
        need('telnet-ssl')
        self.seq_then_exit(['telnet-ssl', '127.0.0.1', str(self.start())],
                           'netkit')

    def test_busybox_telnet_shows_every_line(self):
        need('busybox')
        self.seq_then_exit(['busybox', 'telnet', '127.0.0.1',
                            str(self.start())], 'busybox')

    def test_plink_shows_every_line(self):
        need('plink')
        self.seq_then_exit(['plink', '-telnet', '-P', str(self.start()),
                            '127.0.0.1'], 'plink')
