# SPDX-License-Identifier: ISC
"""A login with each of the other real clients: netkit's telnet (as
telnet-ssl), BusyBox telnet, PuTTY's plink -telnet, python's telnetlib.
Each runs on a terminal of its own (30 rows, 100 columns), logs in, and
checks what the session got from it: TERM, the window size, the tty."""

import re
import shutil
import time
import unittest
import warnings

from harness import PROMPT, SiteTest
from ptyclient import spawn

ROWS, COLS = 30, 100
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
