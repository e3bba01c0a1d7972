# SPDX-License-Identifier: ISC
"""Accept=no: nvtd-listener.socket hands port 23 to one nvtd, which
accepts, forks per connection and tells systemd how it is doing.

The shipped unit leaves WatchdogSec= commented out; these tests add it
in a drop-in, short (2 s) so that three periods pass quickly.
"""

import time

import fixture
from fixture import (SystemdTest, alive, cgroup, connect, kill, prop, sh,
                     systemctl, wait_for)

SERVICE = 'nvtd-listener.service'
WATCHDOG_SEC = 2
DROPIN = '/etc/systemd/system/nvtd-listener.service.d/watchdog.conf'


def status():
    return prop(SERVICE, 'StatusText')


class ListenerTest(SystemdTest):

    @classmethod
    def setUpClass(cls):
        sh('mkdir -p %s && printf "[Service]\\nWatchdogSec=%ds\\n" > %s' %
           (DROPIN.rsplit('/', 1)[0], WATCHDOG_SEC, DROPIN))
        systemctl('daemon-reload')
        fixture.use_socket('nvtd-listener.socket')

    @classmethod
    def tearDownClass(cls):
        systemctl('disable', '--now', 'nvtd-listener.socket')
        systemctl('stop', SERVICE)
        sh('rm -rf %s' % DROPIN.rsplit('/', 1)[0])
        systemctl('daemon-reload')

    def setUp(self):
        super().setUp()
        # Each test restarts the listener: past 5 starts in 10 s, systemd
        # would refuse the next (StartLimitBurst=), the watchdog's too.
        systemctl('reset-failed', SERVICE, 'nvtd-listener.socket',
                  check=False)
        systemctl('start', SERVICE)
        self.wait_status('0 sessions, 0 authenticating, 0 refused')

    def wait_status(self, text, timeout=5):
        wait_for(lambda: status() == text, timeout,
                 'STATUS=%s (it is %s)' % (text, status()))

    def main_pid(self):
        return int(prop(SERVICE, 'MainPID'))

    def test_status_shows_the_live_counts(self):
        self.assertEqual(prop(SERVICE, 'Type'), 'notify')
        self.assertEqual(prop(SERVICE, 'SubState'), 'running')
        pending = self.connect()
        self.wait_status('0 sessions, 1 authenticating, 0 refused')
        t, _ = self.login()
        self.wait_status('1 session, 1 authenticating, 0 refused')
        shown = systemctl('status', SERVICE, '--no-pager', check=False)
        self.assertIn('Status: "1 session, 1 authenticating, 0 refused"',
                      shown)
        pending.close()
        self.wait_status('1 session, 0 authenticating, 0 refused')
        t.logout()
        self.wait_status('0 sessions, 0 authenticating, 0 refused')

    def test_the_watchdog_does_not_kill_a_listener_that_serves(self):
        self.assertEqual(prop(SERVICE, 'WatchdogUSec'), '%ds' % WATCHDOG_SEC)
        t, _ = self.login()
        pid = self.main_pid()
        restarts = prop(SERVICE, 'NRestarts')
        pets = set()
        # Three periods with nothing to do but the session: every look
        # finds the same process, and its last WATCHDOG=1 keeps moving.
        end = time.monotonic() + 3 * WATCHDOG_SEC + 0.5
        while time.monotonic() < end:
            self.assertEqual(self.main_pid(), pid)
            self.assertEqual(prop(SERVICE, 'SubState'), 'running')
            pets.add(prop(SERVICE, 'WatchdogTimestampMonotonic'))
            time.sleep(0.2)
        self.assertEqual(prop(SERVICE, 'NRestarts'), restarts)
        self.assertGreaterEqual(len(pets), 5, 'pets seen: %s' % sorted(pets))
        self.assertNotIn('Watchdog timeout', self.journal('-u', SERVICE))
        self.assertTrue(t.alive())
        t.logout()

    def test_the_watchdog_restarts_a_listener_that_stops_answering(self):
        t, _ = self.login()
        pid = self.main_pid()
        restarts = int(prop(SERVICE, 'NRestarts'))
        kill(pid, 'STOP')
        wait_for(lambda: int(prop(SERVICE, 'NRestarts')) > restarts,
                 3 * WATCHDOG_SEC, 'the watchdog to restart the listener')
        wait_for(lambda: prop(SERVICE, 'SubState') == 'running', 5,
                 'the new listener')
        self.assertIn('Watchdog timeout', self.journal('-u', SERVICE))
        self.assertFalse(alive(pid))
        self.assertNotEqual(self.main_pid(), pid)
        # KillMode=process: the session is not the listener's to kill.
        self.assertTrue(t.alive())
        t.logout()

    def test_restart_leaves_a_session_working_and_new_logins_work(self):
        t1, shell = self.login()
        self.wait_status('1 session, 0 authenticating, 0 refused')
        pid = self.main_pid()
        systemctl('restart', SERVICE)
        self.assertNotEqual(self.main_pid(), pid)
        self.assertFalse(alive(pid))
        self.assertTrue(t1.alive())
        # The new listener counts only what it accepted itself.
        self.wait_status('0 sessions, 0 authenticating, 0 refused')
        self.assertRegex(cgroup(shell), r'/session-[^/]+\.scope$')
        t2, _ = self.login()
        self.assertTrue(t2.alive())
        self.wait_status('1 session, 0 authenticating, 0 refused')
        t1.logout()
        t2.logout()
        self.wait_status('0 sessions, 0 authenticating, 0 refused')

    def test_restart_leaves_a_connection_at_the_prompt_able_to_log_in(self):
        t = self.telnet().connect()
        self.wait_status('0 sessions, 1 authenticating, 0 refused')
        systemctl('restart', SERVICE)
        # Not yet a session, the connection's process is still in the
        # service's cgroup: systemd says it leaves it there.
        self.wait_journal(r'Found left-over process [0-9]+ \(nvtd\) in '
                          r'control group while starting unit', '-u',
                          SERVICE)
        t.answer()
        self.assertTrue(t.alive())
        t.logout()

    def test_stop_ends_the_listener_alone_and_the_socket_starts_it_again(
            self):
        t1, _ = self.login()
        systemctl('stop', SERVICE)
        self.assertEqual(prop(SERVICE, 'ActiveState'), 'inactive')
        self.assertEqual(prop(SERVICE, 'Result'), 'success')
        self.assertEqual(prop(SERVICE, 'ExecMainStatus'), '0')
        self.assertIn('Terminated: no longer accepting; live sessions carry '
                      'on', self.journal('-t', 'nvtd'))
        self.assertTrue(t1.alive())
        # The socket keeps port 23: the next connection starts nvtd again.
        self.assertEqual(prop('nvtd-listener.socket', 'SubState'),
                         'listening')
        t2, _ = self.login()
        self.assertEqual(prop(SERVICE, 'SubState'), 'running')
        t1.logout()
        t2.logout()

    def test_stopping_the_socket_closes_port_23_and_sessions_carry_on(self):
        t, _ = self.login()
        self.addCleanup(systemctl, 'start', 'nvtd-listener.socket')
        systemctl('stop', 'nvtd-listener.socket')
        # Requires=nvtd-listener.socket: the listener goes with it.
        self.assertEqual(prop(SERVICE, 'ActiveState'), 'inactive')
        with self.assertRaises(ConnectionRefusedError):
            connect().close()
        self.assertTrue(t.alive())
        t.logout()
