# SPDX-License-Identifier: ISC
"""Accept=yes: nvtd.socket starts an nvtd@ instance per connection.

Each test logs in with the real telnet client and looks at the login
from outside, through systemctl, loginctl, the journal, who and last.
"""

import re

import fixture
from fixture import (SystemdTest, alive, cgroup, cgroup_pids, pgrep, prop,
                     session_of, session_prop, sessions, sh, systemctl, units,
                     wait_for)

INSTANCE = re.compile(r'^nvtd@[0-9]+-127\.0\.0\.1:23-127\.0\.0\.1:'
                      r'([0-9]+)\.service$')


# The pre-auth child, as pgrep finds it.
PREAUTH_CHILD = '-u nvtd -f -- --preauth-child'


class AcceptYesTest(SystemdTest):

    @classmethod
    def setUpClass(cls):
        fixture.use_socket('nvtd.socket')

    @classmethod
    def tearDownClass(cls):
        systemctl('disable', '--now', 'nvtd.socket')

    def login_and_look(self):
        """Log in; the client, the shell's pid, its tty (pts/N), its
        logind session and its nvtd@ instance."""
        t, shell = self.login()
        tty = t.run('tty')
        self.assertRegex(tty, r'^/dev/pts/[0-9]+$')
        sid = session_of(shell)
        self.assertIsNotNone(sid, 'the shell is in no logind session: %s'
                             % cgroup(shell))
        inst = units('nvtd@*')
        self.assertEqual(len(inst), 1, inst)
        return t, shell, tty[len('/dev/'):], sid, inst[0]

    def test_a_login_is_an_nvtd_instance_whose_main_pid_leads_the_session(
            self):
        t, shell, tty, sid, inst = self.login_and_look()
        self.assertRegex(inst, INSTANCE)
        self.assertEqual(prop(inst, 'ActiveState') + '/' +
                         prop(inst, 'SubState'), 'active/running')
        listed = systemctl('list-units', '--no-legend', 'nvtd@*')
        self.assertIn(inst, listed)
        # The instance's main process is the monitor, which opened the
        # PAM session: logind's leader of the session.
        self.assertEqual(prop(inst, 'MainPID'), session_prop(sid, 'Leader'))
        t.logout()

    def test_the_instance_is_described_by_its_peer(self):
        t, shell, tty, sid, inst = self.login_and_look()
        port = INSTANCE.match(inst).group(1)
        # systemd adds " (PEER)" to an Accept=yes instance's description.
        self.assertEqual(prop(inst, 'Description'),
                         'Telnet login served by nvtd (127.0.0.1:%s)' % port)
        t.logout()

    def test_a_login_is_a_logind_session_on_its_pty_from_its_address(self):
        t, shell, tty, sid, inst = self.login_and_look()
        status = fixture.CT.run(['loginctl', 'session-status', sid,
                                 '--no-pager']).stdout
        self.assertRegex(status, r'(?m)^\s+TTY: %s$' % tty)
        self.assertRegex(status, r'(?m)^\s+Remote: 127\.0\.0\.1$')
        self.assertRegex(status, r'(?m)^\s+Service: nvtd; type tty; '
                         r'class user$')
        self.assertRegex(status, r'(?m)^\s+State: active$')
        for name, want in (('Name', fixture.USER), ('TTY', tty),
                           ('Remote', 'yes'), ('RemoteHost', '127.0.0.1'),
                           ('Service', 'nvtd'), ('Type', 'tty'),
                           ('Class', 'user')):
            self.assertEqual(session_prop(sid, name), want, name)
        t.logout()

    def test_the_sessions_processes_are_in_the_users_slice(self):
        t, shell, tty, sid, inst = self.login_and_look()
        # (bash says "[1] PID" first: job control is on.)
        bg = int(t.run('sleep 600 >/dev/null 2>&1 & echo $!').split()[-1])
        monitor = int(prop(inst, 'MainPID'))
        relay = pgrep("-f '^nvtd: %s \\[relay\\]$'" % fixture.USER)
        self.assertEqual(len(relay), 1, 'one relay')
        scope = '/user.slice/user-%d.slice/session-%s.scope' % (fixture.UID,
                                                                 sid)
        for name, pid in (('monitor', monitor), ('relay', relay[0]),
                          ('shell', shell), ('its background job', bg)):
            self.assertEqual(cgroup(pid), scope, name)
        # Nothing of the login stays in the instance's own cgroup.
        self.assertEqual(cgroup_pids(prop(inst, 'ControlGroup')), [])
        t.run('kill %d' % bg)
        t.logout()

    def test_who_and_last_show_the_login_then_the_logout(self):
        t, shell, tty, sid, inst = self.login_and_look()
        user = fixture.USER
        self.assertRegex(sh('who'), r'(?m)^%s +%s .*\(127\.0\.0\.1\)$' %
                         (user, tty))
        self.assertRegex(sh('last -n 1 %s' % user),
                         r'^%s +%s +127\.0\.0\.1 .* still logged in' %
                         (user, tty))
        t.logout()
        wait_for(lambda: user not in sh('who'), 5, 'who to forget the login')
        # "- HH:MM (00:00)": the logout time in wtmp (last says "still
        # running" until the second of the logout has passed).
        logout = re.compile(r'^%s +%s +127\.0\.0\.1 .* - [0-9]{2}:[0-9]{2} '
                            r'+\(00:0[0-9]\)' % (user, tty))
        wait_for(lambda: logout.match(sh('last -n 1 %s' % user)), 3,
                 'last to show the logout')

    def test_the_journal_has_the_login_and_the_logout(self):
        t, shell, tty, sid, inst = self.login_and_look()
        user = fixture.USER
        port = INSTANCE.match(inst).group(1)
        nvtd = self.journal('-t', 'nvtd')
        self.assertIn('Connection from 127.0.0.1 port %s' % port, nvtd)
        self.assertIn('Accepted password for %s from 127.0.0.1 port %s' %
                      (user, port), nvtd)
        self.assertIn('session opened for %s on %s from 127.0.0.1' %
                      (user, tty), nvtd)
        self.assertIn('New session %s of user %s.' % (sid, user),
                      self.journal('-u', 'systemd-logind'))
        t.logout()
        self.wait_journal(r'^session closed for %s on %s$' % (user, tty),
                          '-t', 'nvtd')
        self.wait_journal(r'^Removed session %s\.$' % sid,
                          '-u', 'systemd-logind')
        # journalctl -t nvtd, not -u: pam_systemd moves the monitor into
        # the session's scope, and journald soon counts its lines there.

    def test_after_logout_no_unit_process_pty_or_session_is_left(self):
        t, shell, tty, sid, inst = self.login_and_look()
        monitor = int(prop(inst, 'MainPID'))
        relay = pgrep("-f '^nvtd: %s \\[relay\\]$'" % fixture.USER)[0]
        t.logout()
        wait_for(lambda: not units('nvtd@*'), 5, 'the nvtd@ unit to go')
        wait_for(lambda: sid not in sessions(), 5, 'the session to end')
        self.assertEqual(units('session-%s.scope' % sid), [])
        for name, pid in (('monitor', monitor), ('relay', relay),
                          ('shell', shell)):
            self.assertFalse(alive(pid), '%s %d still runs' % (name, pid))
        self.assertEqual(pgrep("-f '^nvtd'"), [])
        # Of the user's processes only the user manager remains, until
        # logind's UserStopDelaySec (test_end waits for it).
        for pid in pgrep('-u %s' % fixture.USER):
            self.assertRegex(cgroup(pid), r'/user@%d\.service/' % fixture.UID)
        self.assertEqual(sh('test -e /dev/%s || echo gone' % tty), 'gone\n')
        self.assertEqual(sh('who'), '')
        self.assertEqual(systemctl('list-units', '--failed', '--no-legend',
                                   'nvtd*'), '')

    def test_stopping_an_instance_ends_its_session_cleanly(self):
        t, shell, tty, sid, inst = self.login_and_look()
        systemctl('stop', inst)
        self.assertIn('Terminated: ending the session',
                      self.journal('-t', 'nvtd'))
        self.wait_journal(r'^session closed for %s on %s$' %
                          (fixture.USER, tty), '-t', 'nvtd')
        wait_for(lambda: sid not in sessions(), 5, 'the session to end')
        self.assertFalse(alive(shell))
        self.assertEqual(units('nvtd@*'), [])
        self.assertEqual(sh('who'), '')

    def test_stopping_the_socket_closes_port_23_and_sessions_carry_on(self):
        t, shell, tty, sid, inst = self.login_and_look()
        self.addCleanup(systemctl, 'start', 'nvtd.socket')
        systemctl('stop', 'nvtd.socket')
        with self.assertRaises(ConnectionRefusedError):
            fixture.connect().close()
        self.assertEqual(prop(inst, 'SubState'), 'running')
        self.assertTrue(t.alive())
        t.logout()
        wait_for(lambda: not units('nvtd@*'), 5, 'the nvtd@ unit to go')

    def test_before_login_the_client_meets_the_sandboxed_nvtd_user(self):
        # The user comes from the installed sysusers.d file, the root
        # from nvtd itself; the child holds the connection until login.
        t = self.telnet().connect()
        inst = wait_for(lambda: (units('nvtd@*') or [None])[0], 5,
                        'the instance')
        children = wait_for(lambda: pgrep(PREAUTH_CHILD), 5,
                            'the pre-auth child')
        self.assertEqual(len(children), 1, children)
        status = sh('cat /proc/%d/status' % children[0])
        self.assertRegex(status, r'Seccomp:\s+2')
        self.assertRegex(status, r'NoNewPrivs:\s+1')
        self.assertEqual(sh('ls -A /proc/%d/root' % children[0]), '')
        self.assertEqual(sh('stat -c %U:%a /run/nvtd').strip(), 'root:755')
        # It is in the instance's cgroup, which ends with the login.
        self.assertIn(children[0], cgroup_pids(cgroup(int(prop(
            inst, 'MainPID')))))
        t.answer()
        wait_for(lambda: not pgrep(PREAUTH_CHILD),
                 5, 'the pre-auth child to go at login')
        t.logout()
