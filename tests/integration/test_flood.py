# SPDX-License-Identifier: ISC
"""Clients that make nvtd answer and never read the answers (AYT, DO for
refused options, CA-2001-21): nvtd's memory stays flat and the client is
disconnected after a bounded time, before login by the deadline (the
monitor's output queue is capped at CONN_OUT_MAX, and it stops reading
while it cannot write) and after login by the relay (RELAY_NETQ_MAX).

NVTD_TEST_FIGURES=1 prints what was measured."""

import os
import socket
import sys
import threading
import time

from harness import SANITIZED, SiteTest, vm_rss, wait_for
from tclient import AYT, DO, IAC

LOGIN_TIMEOUT = 3
AYT_FLOOD = bytes([IAC, AYT]) * 8192
# LINEMODE, ENCRYPT, AUTHENTICATION, OLD-ENVIRON, XDISPLOC: all refused.
DO_FLOOD = bytes([IAC, DO, 34, IAC, DO, 38, IAC, DO, 37, IAC, DO, 36,
                  IAC, DO, 35]) * 1024


def figures(text):
    if os.environ.get('NVTD_TEST_FIGURES'):
        sys.__stderr__.write('figures: %s\n' % text)


class Flooder:
    """Sends one pattern over and over without ever reading, until the
    server is gone or stop() is called."""

    def __init__(self, sock, pattern):
        self.sock = sock
        self.pattern = pattern
        self.sent = 0
        self.gone = None
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                self.sent += self.sock.send(self.pattern)
            except socket.timeout:
                continue
            except OSError:
                self.gone = time.monotonic()
                return

    def stop(self):
        self._stop.set()
        self._t.join()


class FloodTest(SiteTest):

    def sample(self, pid, until):
        """VmRSS of pid every 50 ms while it lives and until has not
        passed."""
        rss = []
        while time.monotonic() < until:
            r = vm_rss(pid)
            if r is None:
                break
            rss.append(r)
            time.sleep(0.05)
        return rss

    def assert_flat(self, before, rss, what):
        """At most 512 KiB more than before the flood: the queues are
        fixed arrays, whose pages the flood may touch, and no more.
        Under ASan, freed blocks wait in a quarantine (16 MiB, see
        harness.py) before they are reused: that much more."""
        self.assertGreater(len(rss), 0, 'no sample')
        figures('%s: VmRSS %d KiB before the flood, %d..%d KiB over %d '
                'samples during it' % (what, before, min(rss), max(rss),
                                       len(rss)))
        bound = 512 + (40 * 1024 if SANITIZED else 0)
        self.assertLess(max(rss) - before, bound, '%s grew: %d KiB before, '
                        'then %s' % (what, before, rss))

    def preauth_flood(self, pattern, what):
        self.start('--login-timeout', str(LOGIN_TIMEOUT))
        t0 = time.monotonic()
        c = self.client(answer=False, rcvbuf=4096)
        monitor = self.site.wait_monitor()
        c.expect(b'login: ')
        before = vm_rss(monitor)
        f = Flooder(c.sock, pattern)
        rss = self.sample(monitor, t0 + LOGIN_TIMEOUT + 5)
        wait_for(lambda: f.gone is not None or vm_rss(monitor) is None, 5,
                 'the monitor to end')
        took = time.monotonic() - t0
        f.stop()
        figures('%s before login: %d bytes sent, monitor gone after %.1f s'
                % (what, f.sent, took))
        self.assertLess(took, LOGIN_TIMEOUT + 2)
        self.assert_flat(before, rss, what + ' monitor')

    def test_ayt_flood_before_login_never_read_ends_at_the_deadline(self):
        self.preauth_flood(AYT_FLOOD, 'AYT')

    def test_refused_option_flood_before_login_ends_at_the_deadline(self):
        self.preauth_flood(DO_FLOOD, 'DO refused')

    def session_flood(self, pattern, what):
        c, _, relay = self.session(rcvbuf=4096)
        before = vm_rss(relay)
        t0 = time.monotonic()
        f = Flooder(c.sock, pattern)
        rss = self.sample(relay, t0 + 30)
        wait_for(lambda: vm_rss(relay) is None, 5, 'the relay to end')
        took = time.monotonic() - t0
        f.stop()
        figures('%s in the session: %d bytes sent, relay gone after %.1f s'
                % (what, f.sent, took))
        self.assertLess(took, 20)
        self.assertIn('client not reading its replies, disconnecting',
                      self.site.read_log())
        self.assert_flat(before, rss, what + ' relay')

    def test_ayt_flood_in_the_session_never_read_is_disconnected(self):
        self.session_flood(AYT_FLOOD, 'AYT')

    def test_refused_option_flood_in_the_session_is_disconnected(self):
        self.session_flood(DO_FLOOD, 'DO refused')
