# SPDX-License-Identifier: ISC
"""The listener (systemd Accept=no, and -l): how it is started, what it
tells systemd, its limits, its signals, and what it leaves behind.

Clients bind 127.0.0.2, 127.0.0.3, ... to be different sources: every
127.0.0.0/8 address is loopback.
"""

import os
import re
import signal
import socket
import struct
import subprocess
import time
import unittest

from harness import (IS_ROOT, NVTD, PROMPT, SiteTest, check_environment,
                     descendants, free_port, live_environ, processes,
                     stopped, tcp_queues, wait_for)
from tclient import IAC

# What the listener says to a connection it refuses, and nothing else.
REFUSAL = re.compile(rb'nvtd: ([^\r\n]*); try again later\r\n')
RESET = b'<connection reset>'

# What no process of a login may have in its environment: the listener's
# dealings with systemd are its own.
LISTENER_ONLY = ('LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES',
                 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID')


class Notify:
    """A datagram socket standing in for systemd's notify socket.

    Each message is kept with the pid of its sender (the kernel's
    SCM_CREDENTIALS, so a monitor cannot pass for the listener).
    """

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX,
                                  socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(path)
        self.messages = []          # (pid, 'KEY=VALUE'), in order
        self.pos = 0                # start of unread messages for expect()
        self._filler = None

    def close(self):
        self.sock.close()
        if self._filler is not None:
            self._filler.close()

    def fill(self):
        """Fill the queue: the next sender blocks until drain()."""
        self._filler = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._junk = 0
        while True:
            try:
                self._filler.sendto(b'JUNK=1', socket.MSG_DONTWAIT,
                                    self.path)
            except BlockingIOError:
                return
            self._junk += 1

    def drain(self):
        for _ in range(self._junk):
            self.sock.recv(64)
        self._junk = 0

    def _read(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data, anc, _, _ = self.sock.recvmsg(
                4096, socket.CMSG_SPACE(struct.calcsize('iII')))
        except socket.timeout:
            return False
        pid = None
        for level, kind, blob in anc:
            if level == socket.SOL_SOCKET and \
                    kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack('iII', blob)[0]
        for line in data.decode(errors='replace').splitlines():
            self.messages.append((pid, line))
        return True

    def pump(self, seconds):
        """Read what comes within seconds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._read(deadline - time.monotonic())

    def expect(self, line, timeout=10.0):
        """Wait for the message line; return its sender's pid."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(self.pos, len(self.messages)):
                if self.messages[i][1] == line:
                    self.pos = i + 1
                    return self.messages[i][0]
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(left) and
                             time.monotonic() >= deadline):
                raise AssertionError('no %r within %.1f s; messages: %r' %
                                     (line, timeout, self.messages))

    def lines(self, prefix=''):
        return [m for _, m in self.messages if m.startswith(prefix)]

    def senders(self):
        return {pid for pid, _ in self.messages}


def environ(pid):
    """The names in /proc/PID/environ."""
    with open('/proc/%d/environ' % pid, 'rb') as f:
        return {e.split(b'=', 1)[0].decode(errors='replace')
                for e in f.read().split(b'\0') if e}


def raw_connect(port, host='127.0.0.1', source=None, timeout=5.0):
    return socket.create_connection(
        (host, port), timeout, source_address=(source, 0) if source else None)


def first_bytes(sock, timeout=5.0):
    """What a new connection hears first: the opening negotiation (IAC)
    if it was accepted, the refusal line then EOF if it was refused.  A
    reset is shown as RESET after what came before it."""
    sock.settimeout(timeout)
    data = b''
    while True:
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:
            return data + RESET
        data += chunk
        if not chunk or data[:1] == bytes([IAC]):
            return data


class ListenerTest(SiteTest):

    def notify(self):
        n = Notify(os.path.join(self.site.dir, 'notify'))
        self.addCleanup(n.close)
        return n

    def listener_start(self, *args, **kw):
        kw.setdefault('mode', 'listen')
        return self.start(*args, **kw)

    def login_and_check(self, **kw):
        c = self.client(**kw)
        self.login(c)
        out = self.run_cmd(c, 'echo "user=$USER tty=$(tty)"')
        self.assertRegex(out, r'user=alice tty=/dev/pts/[0-9]+')
        return c

    def log_has(self, text, timeout=10.0):
        wait_for(lambda: text in self.site.read_log(), timeout,
                 '%r in the log' % text)

    def refused(self, why, **kw):
        """Connect and be refused for reason why, at once."""
        t0 = time.monotonic()
        s = raw_connect(self.site.port, **kw)
        data = first_bytes(s)
        took = time.monotonic() - t0
        s.close()
        m = REFUSAL.fullmatch(data)
        self.assertIsNotNone(m, 'not a refusal: %r' % data)
        self.assertEqual(m.group(1).decode(), why)
        self.assertLess(took, 1.0, 'refused after %.2f s' % took)

    def accepted(self, **kw):
        """Connect and be served (the opening negotiation comes)."""
        s = raw_connect(self.site.port, **kw)
        self.addCleanup(s.close)
        data = first_bytes(s)
        self.assertTrue(data.startswith(bytes([IAC])),
                        'not served: %r' % data)
        return s


class ListenerModesTest(ListenerTest):
    """Ways to start the listener, and the one-connection fd 3 case."""

    def test_listen_on_ipv6_address_in_brackets_serves_only_it(self):
        port = self.listener_start(listen=['[::1]:{port}'])
        self.login_and_check(host='::1')
        self.assertIn('Connection from ::1 port', self.site.read_log())
        with self.assertRaises(ConnectionRefusedError):
            raw_connect(port, '127.0.0.1')

    def test_two_listen_options_serve_both_addresses_at_once(self):
        self.listener_start(listen=['127.0.0.1:{port}', '[::1]:{port}'])
        c4 = self.login_and_check(host='127.0.0.1')
        c6 = self.login_and_check(host='::1')
        # Both sessions live side by side.
        self.assertIn('tty=', self.run_cmd(c4, 'echo tty=$(tty)'))
        self.assertIn('tty=', self.run_cmd(c6, 'echo tty=$(tty)'))

    def test_listen_port_alone_binds_every_ipv4_and_ipv6_address(self):
        self.listener_start(listen=['{port}'])
        # 127.0.0.2 reaches only a socket bound to every IPv4 address.
        self.login_and_check(host='127.0.0.2')
        self.login_and_check(host='::1')
        self.login_and_check(host='127.0.0.1')

    def test_accept_yes_connection_as_fd_3_is_served_as_one_login(self):
        # systemd-socket-activate -a without --inetd: LISTEN_FDS=1, and
        # fd 3 is the connection itself, not a listening socket.
        self.start(mode='accept')
        c = self.login_and_check()
        env = self.run_cmd(c, 'env')
        for name in LISTENER_ONLY:
            self.assertNotIn(name + '=', env)
        # The process serving it is the one the activator started for
        # this connection: no listener of ours in between.
        monitor = self.site.wait_monitor()
        self.assertEqual(processes()[monitor][1], self.site.proc.pid)


class ListenerEnvironmentTest(ListenerTest):
    """What nvtd got from systemd stays with the listener: neither the
    processes of a login (monitor, relay) nor the shell have it.

    As root, the monitor's and relay's environments are read from their
    memory (harness.live_environ); /proc/PID/environ, checked too, shows
    what ps e shows, which setproctitle writes over anyway.
    """

    def assert_clean(self, mode):
        env = {'WATCHDOG_USEC': '600000000', 'LISTEN_FDNAMES': 'telnet'}
        self.start(mode=mode, env=env, pid_env=['WATCHDOG_PID'])
        c = self.client()
        self.login(c)
        shell_env = self.run_cmd(c, 'env')
        for name in LISTENER_ONLY:
            self.assertNotIn(name + '=', shell_env)
        monitor = self.site.wait_monitor()
        table = processes()
        nvtds = [monitor] + [p for p in descendants(monitor, table)
                             if table[p][5].startswith('nvtd')]
        self.assertEqual(len(nvtds), 2, 'monitor and relay: %r' % nvtds)
        for pid in nvtds:
            self.assertEqual(environ(pid) & set(LISTENER_ONLY), set(),
                             '/proc/%d/environ' % pid)
            if IS_ROOT:
                live = live_environ(pid)
                # The test's own marker is there: the check can see.
                self.assertIn('NVTD_TEST_MARKER', live)
                self.assertEqual(set(live) & set(LISTENER_ONLY), set(),
                                 'the environment of %d' % pid)

    def test_systemd_listener_keeps_listen_notify_watchdog_to_itself(self):
        self.assert_clean('systemd')

    def test_l_listener_keeps_notify_watchdog_to_itself(self):
        self.assert_clean('listen')

    def test_accept_yes_on_fd_3_drops_listen_notify_watchdog(self):
        self.assert_clean('accept')

    def test_inetd_mode_drops_notify_watchdog(self):
        self.assert_clean('inetd')


class NotifyTest(ListenerTest):
    """sd_notify(3): READY, STATUS, WATCHDOG and STOPPING."""

    def test_ready_is_sent_only_once_the_sockets_listen(self):
        n = self.notify()
        # With the queue full, the listener blocks in sending its first
        # message until the test reads: Site.start() returns only if the
        # port listens by then, so READY=1 cannot have come before.
        n.fill()
        self.listener_start(listen=['127.0.0.1:{port}', '[::1]:{port}'],
                            env={'NOTIFY_SOCKET': n.path})
        n.drain()
        self.assertEqual(n.expect('READY=1'), self.site.proc.pid)
        self.assertEqual(n.lines()[0], 'READY=1')
        self.login_and_check(host='::1')

    def test_status_counts_sessions_authenticating_and_refused(self):
        n = self.notify()
        self.start('--max-sessions', '2', mode='systemd',
                   env={'NOTIFY_SOCKET': n.path})
        # The activator starts nvtd when the first connection comes.
        a = self.client()
        n.expect('READY=1')
        n.expect('STATUS=0 sessions, 0 authenticating, 0 refused')
        n.expect('STATUS=0 sessions, 1 authenticating, 0 refused')
        self.login(a)
        n.expect('STATUS=1 session, 0 authenticating, 0 refused')
        b = self.client(source='127.0.0.2')
        b.expect(b'login: ')
        n.expect('STATUS=1 session, 1 authenticating, 0 refused')
        self.refused('too many sessions', source='127.0.0.3')
        n.expect('STATUS=1 session, 1 authenticating, 1 refused')
        b.close()
        n.expect('STATUS=1 session, 0 authenticating, 1 refused')
        a.sendline('exit')
        a.read_until_eof()
        n.expect('STATUS=0 sessions, 0 authenticating, 1 refused')
        os.kill(self.site.proc.pid, signal.SIGTERM)
        n.expect('STOPPING=1')
        self.assertEqual(self.site.proc.wait(10), 0)
        # Only the listener speaks to systemd, never a monitor.
        self.assertEqual(n.senders(), {self.site.proc.pid})

    def watchdogs(self, pid_env=(), env=None, seconds=1.0):
        n = self.notify()
        e = {'NOTIFY_SOCKET': n.path, 'WATCHDOG_USEC': '100000'}
        e.update(env or {})
        self.start(mode='systemd', env=e, pid_env=pid_env)
        # A session is live meanwhile: its monitor must not pet the
        # watchdog in the listener's name.
        c = self.client()
        n.expect('READY=1')
        self.login(c)
        n.pump(seconds)
        self.assertEqual(n.senders(), {self.site.proc.pid})
        return len(n.lines('WATCHDOG=1'))

    def test_watchdog_is_petted_every_half_period_for_our_pid(self):
        count = self.watchdogs(pid_env=['WATCHDOG_PID'])
        # Every 50 ms for a second, give or take the start.
        self.assertGreaterEqual(count, 10)
        self.assertLessEqual(count, 30)

    def test_watchdog_without_watchdog_pid_is_petted_too(self):
        self.assertGreaterEqual(self.watchdogs(), 10)

    def test_watchdog_meant_for_another_process_is_left_alone(self):
        self.assertEqual(self.watchdogs(env={'WATCHDOG_PID': '1'},
                                        seconds=0.5), 0)


class LimitsTest(ListenerTest):

    def test_per_source_limit_refuses_the_next_from_that_source_only(self):
        self.listener_start('--per-source-limit', '2')
        self.accepted(source='127.0.0.2')
        second = self.accepted(source='127.0.0.2')
        self.refused('too many connections from your address',
                     source='127.0.0.2')
        # Another address is still served, and logs in.
        self.login_and_check(source='127.0.0.3')
        # Once one of the two from 127.0.0.2 is gone, there is room again.
        second.close()
        wait_for(lambda: len(self.site.monitors()) == 2, 10,
                 'the monitor of the closed connection to be reaped')
        self.accepted(source='127.0.0.2')
        self.assertIn('refused connection from 127.0.0.2: too many '
                      'connections from your address', self.site.read_log())

    def test_max_sessions_counts_logged_in_and_authenticating_alike(self):
        self.listener_start('--max-sessions', '2', '--per-source-limit', '5')
        self.login_and_check(source='127.0.0.2')
        self.accepted(source='127.0.0.3')
        self.refused('too many sessions', source='127.0.0.4')
        self.refused('too many sessions', source='127.0.0.4')

    def test_flood_of_300_idle_connections_does_not_keep_a_real_login_out(
            self):
        # 4 sources, at most 10 each served: 40 startups, below where
        # random early drop begins (50).  The rest is refused at once.
        self.listener_start('--per-source-limit', '10',
                            '--max-startups', '50:30:100',
                            '--login-timeout', '30')
        sources = ['127.0.0.%d' % i for i in range(2, 6)]
        flood, t0 = [], time.monotonic()
        for i in range(300):
            flood.append(raw_connect(self.site.port,
                                     source=sources[i % len(sources)]))
            self.addCleanup(flood[-1].close)
        answers = [first_bytes(s, 10) for s in flood]
        took = time.monotonic() - t0
        served = [a for a in answers if a.startswith(bytes([IAC]))]
        refused = [REFUSAL.fullmatch(a) for a in answers
                   if not a.startswith(bytes([IAC]))]
        self.assertEqual(len(served), 40)
        self.assertEqual(len(refused), 260)
        self.assertTrue(all(m is not None and m.group(1) ==
                            b'too many connections from your address'
                            for m in refused))
        self.assertLess(took, 10.0, '300 connections took %.1f s' % took)
        # The flood is still connected; someone else logs in.
        t0 = time.monotonic()
        self.login_and_check(source='127.0.0.9')
        self.assertLess(time.monotonic() - t0, 5.0)

    def test_random_early_drop_refuses_some_but_not_all_from_begin_to_full(
            self):
        self.listener_start('--per-source-limit', '1000',
                            '--max-startups', '5:50:25')
        outcomes = []
        for i in range(60):
            s = raw_connect(self.site.port, source='127.0.0.%d' % (2 + i % 8))
            self.addCleanup(s.close)
            data = first_bytes(s)
            if data.startswith(bytes([IAC])):
                outcomes.append('served')
            else:
                m = REFUSAL.fullmatch(data)
                self.assertIsNotNone(m, data)
                self.assertEqual(m.group(1), b'too many connections')
                outcomes.append('refused')
        served = outcomes.count('served')
        # Up to begin, all are served; at full, none.  Between the two,
        # each is refused with a probability from 50% to 100%: that all
        # or none of them were is odds of about 2^-20 or less.
        self.assertEqual(outcomes[:5], ['served'] * 5)
        self.assertGreater(served, 5)
        self.assertLessEqual(served, 25)
        # Refusals before full was reached, if it was.
        upto = [i for i in range(len(outcomes))
                if outcomes[:i + 1].count('served') == 25] or [len(outcomes)]
        self.assertIn('refused', outcomes[5:upto[0]])
        # Once at full, nothing more gets in.
        self.assertEqual(len(self.site.monitors()), served)

    def test_refused_client_that_spoke_first_gets_the_line_and_no_reset(
            self):
        # A telnet client may open with its own negotiation.  Closing a
        # socket with unread input resets the connection, and on a real
        # network the reset can overtake the line.  The listener is
        # stopped while the client speaks, so that its words are there
        # when the listener accepts.
        self.listener_start('--per-source-limit', '1')
        self.accepted(source='127.0.0.2')
        with stopped(self.site.proc.pid):
            # The kernel completes the connection; the listener accepts
            # it only when it runs again.
            s = raw_connect(self.site.port, source='127.0.0.2')
            self.addCleanup(s.close)
            s.sendall(bytes([IAC, 253, 3, IAC, 251, 24, IAC, 251, 31]))
            wait_for(lambda: tcp_queues(s)[0] == 0, 10,
                     'the words to reach the listener\'s side')
        data = first_bytes(s)
        self.assertIsNotNone(REFUSAL.fullmatch(data), data)


class SignalsTest(ListenerTest):

    def test_sigterm_stops_the_listener_and_the_session_carries_on(self):
        n = self.notify()
        port = self.listener_start(env={'NOTIFY_SOCKET': n.path})
        c = self.login_and_check()
        monitor = self.site.wait_monitor()
        sid = self.shell_pid(c)
        # And one still at the prompt: it tells a listener that is gone
        # that it has logged in.
        late = self.client(source='127.0.0.2')
        late.expect(b'login: ')
        listener = self.site.proc
        os.kill(listener.pid, signal.SIGTERM)
        self.assertEqual(listener.wait(10), 0)
        n.expect('STOPPING=1')
        self.assertIn('no longer accepting', self.site.read_log())
        with self.assertRaises(ConnectionRefusedError):
            raw_connect(port)
        late.sendline('alice')
        late.expect(b'Password: ')
        late.sendline('secret')
        late.expect(PROMPT)
        self.assertIn('tty=/dev/pts/', self.run_cmd(late, 'echo tty=$(tty)'))
        late.sendline('exit')
        late.read_until_eof()
        # The session works as before, and ends normally.
        self.assertEqual(self.run_cmd(c, 'echo $((6 * 7))').strip(), '42')
        c.sendline('echo last words; exit')
        self.assertIn(b'last words', c.read_until_eof(10))
        wait_for(lambda: processes().get(monitor, 'Z')[0] == 'Z', 10,
                 'the monitor %d to exit' % monitor)
        table = processes()
        self.assertEqual([p for p, st in table.items()
                          if st[3] == sid and st[0] != 'Z'], [])
        if IS_ROOT:
            self.assertEqual([p for p, st in table.items()
                              if st[4] == self.alice.uid and st[0] != 'Z'],
                             [])

    def test_sighup_logs_the_counts_and_changes_nothing(self):
        self.listener_start()
        self.login_and_check()
        os.kill(self.site.proc.pid, signal.SIGHUP)
        self.log_has('1 session, 0 authenticating, 0 refused')
        self.assertIsNone(self.site.proc.poll())
        self.login_and_check()

    def test_login_deadline_is_logged_by_the_listener(self):
        self.listener_start('--login-timeout', '1')
        c = self.client()
        c.expect(b'login: ')
        c.read_until_eof(10)
        port = c.sock.getsockname()[1]
        self.log_has('Timeout before authentication for 127.0.0.1 port %d'
                     % port)


class ReapTest(ListenerTest):

    def test_monitors_ending_together_are_all_reaped(self):
        # SIGCHLDs that arrive together are one signal: the listener
        # must reap every child that has ended, not one per signal.
        self.listener_start('--per-source-limit', '100',
                            '--max-startups', '100')
        listener = self.site.proc.pid
        conns = [self.accepted(source='127.0.0.%d' % (2 + i % 4))
                 for i in range(40)]
        for s in conns:
            s.close()
        wait_for(lambda: not descendants(listener), 10,
                 'every monitor to be reaped')
        os.kill(listener, signal.SIGHUP)
        self.log_has('0 sessions, 0 authenticating, 0 refused')


class ManyLoginsTest(ListenerTest):

    LOGINS = int(os.environ.get('NVTD_TEST_LOGINS', '1000'))

    def test_1000_sequential_logins_leave_no_zombie_fd_or_pty_behind(self):
        # A plain sh session: the login is what is tested, not bash.
        self.alice.shell = '/bin/sh'
        with open(os.path.join(self.alice.home, '.profile'), 'w') as f:
            f.write("PS1='%s'\n" % PROMPT.decode())
        self.listener_start('--login-timeout', '10')
        listener = self.site.proc.pid
        # Its socket listens before its pipe and signalfd exist: count
        # its files once it says it accepts.
        self.log_has('accepting connections on')
        fds = os.listdir('/proc/%d/fd' % listener)
        ptys = self.site.pty_count()
        t0 = time.monotonic()
        for i in range(self.LOGINS):
            c = self.client()
            self.login(c)
            c.sendline('echo o''k; exit')
            self.assertIn(b'ok', c.read_until_eof(10), 'login %d' % i)
            c.close()
        took = time.monotonic() - t0
        print('%d logins in %.1f s' % (self.LOGINS, took))

        def settled():
            table = processes()
            return not [p for p in descendants(listener, table)]
        wait_for(settled, 10, 'every child of the listener to be reaped')
        self.assertEqual(sorted(os.listdir('/proc/%d/fd' % listener)),
                         sorted(fds))
        wait_for(lambda: self.site.pty_count() == ptys, 10,
                 'the pty count back to %d' % ptys)
        self.assertIn('0 sessions, 0 authenticating, 0 refused',
                      self.sighup_counts())

    def sighup_counts(self):
        os.kill(self.site.proc.pid, signal.SIGHUP)
        wait_for(lambda: 'authenticating' in self.site.read_log()[-300:],
                 5, 'the counts in the log')
        return self.site.read_log()[-300:]


class OperatorTest(unittest.TestCase):
    """Mistakes on the command line: one line naming the option and
    the value; status 2 for a bad value, 1 when the socket fails."""

    def setUp(self):
        why = check_environment()
        if why:
            self.skipTest(why)

    def nvtd(self, *args):
        return subprocess.run([NVTD] + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=10,
                              env={'PATH': '/usr/bin:/bin'})

    def assert_one_line(self, r, status, *named):
        err = r.stderr.decode()
        self.assertEqual(r.returncode, status, err)
        self.assertEqual(r.stdout, b'')
        self.assertEqual(err.count('\n'), 1, err)
        self.assertTrue(err.startswith('nvtd: --listen '), err)
        for text in named:
            self.assertIn(text, err)
        return err

    def test_bad_listen_values_get_status_2_naming_the_value(self):
        for value in ['', 'abc', '0', '65536', '23x', '127.0.0.1:',
                      '127.0.0.1:abc', ':', '[::1]', '[::1]:', '[::1',
                      '[::1]2323', '::1:2323', '[127.0.0.1]:2323',
                      '1.2.3.4.5:2323', '127.1:2323x', 'localhost.:2323',
                      '[::1%nosuchif]:2323', 'x' * 100 + ':2323']:
            with self.subTest(value=value):
                self.assert_one_line(self.nvtd('-l', value), 2, value)

    def test_too_many_listen_options_get_status_2(self):
        args = []
        for i in range(17):
            args += ['-l', '127.0.0.1:%d' % (20000 + i)]
        self.assert_one_line(self.nvtd(*args), 2, '127.0.0.1:20016')

    def test_address_in_use_gets_status_1_naming_the_value(self):
        with socket.socket() as busy:
            busy.bind(('127.0.0.1', 0))
            busy.listen()
            port = busy.getsockname()[1]
            for value in ['127.0.0.1:%d' % port, str(port)]:
                with self.subTest(value=value):
                    err = self.assert_one_line(self.nvtd('-l', value), 1,
                                               value)
                    self.assertIn('Address already in use', err)

    def test_address_not_here_gets_status_1(self):
        port = free_port()
        err = self.assert_one_line(self.nvtd('-l', '192.0.2.1:%d' % port),
                                   1, '192.0.2.1:%d' % port)
        self.assertIn('Cannot assign requested address', err)

    def test_second_listen_failing_says_which(self):
        with socket.socket(socket.AF_INET6) as busy:
            busy.bind(('::1', 0))
            busy.listen()
            port = busy.getsockname()[1]
            r = self.nvtd('-l', '127.0.0.1:%d' % port, '-l',
                          '[::1]:%d' % port)
            self.assert_one_line(r, 1, '[::1]:%d' % port)
