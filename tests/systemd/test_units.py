# SPDX-License-Identifier: ISC
"""The four units as installed: verified, and the two sockets taking
port 23 from each other as the README says."""

import fixture
from fixture import (SystemdTest, connect, first_bytes, prop, sh, systemctl,
                     units, wait_for)


def served(dest='127.0.0.1'):
    """Does a connection to port 23 get nvtd's opening negotiation?"""
    s = connect(dest=dest)
    try:
        return first_bytes(s).startswith(b'\xff')
    finally:
        s.close()


def until(s, pattern, timeout=5.0):
    """What the server sent until pattern (a client that never answers
    the negotiation: nvtd goes on after a second)."""
    s.settimeout(timeout)
    got = b''
    while pattern not in got:
        data = s.recv(4096)
        if not data:
            break
        got += data
    return got


class UnitsTest(SystemdTest):

    def test_installed_units_pass_systemd_analyze_verify(self):
        r = fixture.CT.run(['sh', '-c', 'cd /lib/systemd/system && '
                            'systemd-analyze verify nvtd.socket '
                            'nvtd@.service nvtd-listener.socket '
                            'nvtd-listener.service'], check=False)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ''))

    def test_enable_now_moves_port_23_from_one_socket_to_the_other(self):
        # As the README has it: `systemctl enable --now` of either, with
        # the other one running.  The sockets conflict; the one stopped
        # must close port 23 before the one started binds it.
        self.addCleanup(systemctl, 'disable', '--now', 'nvtd.socket',
                        'nvtd-listener.socket', check=False)
        for unit, other in (('nvtd.socket', 'nvtd-listener.socket'),
                            ('nvtd-listener.socket', 'nvtd.socket'),
                            ('nvtd.socket', 'nvtd-listener.socket')):
            with self.subTest(enable=unit):
                r = fixture.CT.run(['systemctl', 'enable', '--now', unit],
                                   check=False)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(prop(unit, 'ActiveState') + '/' +
                                 prop(unit, 'SubState'), 'active/listening')
                self.assertEqual(prop(other, 'ActiveState'), 'inactive')
                self.assertEqual(prop(other, 'Result'), 'success')
                self.assertTrue(served(), 'port 23 served by %s' % unit)
                systemctl('disable', other)

    def test_nvtd_socket_listens_on_port_23_for_ipv4_and_ipv6(self):
        fixture.use_socket('nvtd.socket')
        self.addCleanup(systemctl, 'disable', '--now', 'nvtd.socket')
        self.assertEqual(prop('nvtd.socket', 'Listen'), '[::]:23 (Stream)')
        self.assertTrue(served('127.0.0.1'))
        self.assertTrue(served('::1'))
        # Each of those was an instance, gone once the client closed.
        wait_for(lambda: not units('nvtd@*'), 5, 'no nvtd@ instance left')

    def test_options_in_etc_default_nvtd_reach_both_units(self):
        sh('echo "banner of the options test" > /etc/nvtd-test.banner && '
           'echo \'NVTD_OPTIONS="--banner /etc/nvtd-test.banner"\' '
           '> /etc/default/nvtd')
        self.addCleanup(sh, 'rm -f /etc/default/nvtd /etc/nvtd-test.banner')
        self.addCleanup(systemctl, 'stop', 'nvtd-listener.service')
        self.addCleanup(systemctl, 'disable', '--now', 'nvtd.socket',
                        'nvtd-listener.socket')
        for unit in ('nvtd.socket', 'nvtd-listener.socket'):
            with self.subTest(socket=unit):
                fixture.use_socket(unit)
                s = self.connect()
                shown = until(s, b'login: ')
                self.assertIn(b'banner of the options test\r\n', shown)
                self.assertTrue(shown.endswith(b'login: '), shown)
                s.close()
