# SPDX-License-Identifier: ISC
"""The limits of nvtd.socket (Accept=yes), which systemd enforces:
MaxConnectionsPerSource=16 and MaxConnections=64.  A connection past
either is accepted and closed at once, before any nvtd runs: the client
gets no byte, and systemd logs why."""

import fixture
from fixture import SystemdTest, first_bytes, prop, systemctl, units, wait_for

PER_SOURCE = 16
MAX = 64


class SocketLimitsTest(SystemdTest):

    @classmethod
    def setUpClass(cls):
        fixture.use_socket('nvtd.socket')

    @classmethod
    def tearDownClass(cls):
        systemctl('disable', '--now', 'nvtd.socket')

    def tearDown(self):
        for c in self.clients:
            c.close()
        wait_for(lambda: not units('nvtd@*'), 10, 'every nvtd@ to end')

    def open_served(self, source, n):
        """n connections from source, each served by an nvtd (its opening
        negotiation arrives)."""
        conns = []
        for _ in range(n):
            s = self.connect(source)
            self.assertTrue(first_bytes(s).startswith(b'\xff'),
                            'connection %d from %s served' %
                            (len(conns) + 1, source))
            conns.append(s)
        return conns

    def connections(self):
        return int(prop('nvtd.socket', 'NConnections'))

    def test_past_16_from_one_address_a_connection_is_closed_unserved(self):
        conns = self.open_served('127.0.0.1', PER_SOURCE)
        self.assertEqual(self.connections(), PER_SOURCE)
        self.assertEqual(len(units('nvtd@*')), PER_SOURCE)
        extra = self.connect('127.0.0.1')
        self.assertEqual(first_bytes(extra), b'', 'closed without a byte')
        self.wait_journal(r'^nvtd\.socket: Too many incoming connections '
                          r'\([0-9]+\) from source 127\.0\.0\.1, dropping '
                          r'connection\.$', '-u', 'nvtd.socket')
        self.assertEqual(len(units('nvtd@*')), PER_SOURCE)
        # What a person sees: telnet connects, and is closed at once.
        t = self.telnet()
        with self.assertRaisesRegex(AssertionError,
                                    'closed before the login prompt'):
            t.connect()
        self.assertIn('Connected to 127.0.0.1.', t.tail())
        self.assertIn('Connection closed by foreign host.', t.tail())
        # Another address is served, and the first one again as soon as
        # one of its connections has ended.
        self.open_served('127.0.0.2', 1)
        conns[0].close()
        wait_for(lambda: self.connections() == PER_SOURCE, 5,
                 'the closed connection\'s nvtd@ to end')
        self.open_served('127.0.0.1', 1)

    def test_past_64_in_all_a_connection_is_closed_unserved(self):
        for i in range(MAX // PER_SOURCE):
            self.open_served('127.0.0.%d' % (10 + i), PER_SOURCE)
        self.assertEqual(self.connections(), MAX)
        extra = self.connect('127.0.0.99')
        self.assertEqual(first_bytes(extra), b'', 'closed without a byte')
        self.wait_journal(r'^nvtd\.socket: Too many incoming connections '
                          r'\(64\), dropping connection\.$', '-u',
                          'nvtd.socket')
        self.assertEqual(len(units('nvtd@*')), MAX)
        # The socket stays up: no trigger limit (TriggerLimitIntervalSec=0).
        self.assertEqual(prop('nvtd.socket', 'SubState'), 'listening')
