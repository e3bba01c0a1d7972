# SPDX-License-Identifier: ISC
"""Privileges: what the relay and the shell run as, what they hold and
inherit; and what happens when a step that gives the session its
credentials fails (tests/inject makes it fail): no shell, a message to
the client, PAM closed."""

import os
import re

from harness import (PROMPT, SiteTest, descendants, inject_lib, need_root,
                     processes, relay_of, wait_for)
from tclient import ENV_USERVAR, ENV_VAR
from test_session import environ


def status_fields(text):
    return dict(line.split(':', 1) for line in text.splitlines()
                if ':' in line)


class PrivilegesTest(SiteTest):
    """As root, with a uid that exists only in the wrapped passwd file."""

    def test_relay_and_shell_hold_only_the_users_ids_in_accept_no_mode(self):
        need_root('the session must drop from root to another uid')
        # Accept=no: the listener has LISTEN_FDS and the listening socket
        # on fd 3; the activator adds LISTEN_PID and LISTEN_FDNAMES.
        self.start('-a', 'LANG', mode='systemd')
        c = self.client(env=[(ENV_VAR, 'LANG', 'C.UTF-8'),
                             (ENV_USERVAR, 'LD_PRELOAD', '/tmp/evil.so'),
                             (ENV_USERVAR, 'LISTEN_FDS', '1'),
                             (ENV_USERVAR, 'FOO', 'bar')])
        self.login(c)
        shell = self.shell_pid(c)
        uid, gid = str(self.alice.uid), str(self.alice.gid)

        # The relay: the listener's descendant that is neither the
        # monitor (root) nor the shell.
        table = processes()
        relays = [p for p in descendants(self.site.proc.pid, table)
                  if table[p][4] == self.alice.uid and p != shell and
                  table[p][5].startswith('nvtd')]
        self.assertEqual(len(relays), 1, relays)
        with open('/proc/%d/status' % relays[0]) as f:
            relay = status_fields(f.read())
        self.assertEqual(relay['Uid'].split(), [uid] * 4)
        self.assertEqual(relay['Gid'].split(), [gid] * 4)
        self.assertEqual(int(relay['CapEff'], 16), 0)
        self.assertEqual(int(relay['CapPrm'], 16), 0)
        # Its own seccomp filter; the shell is not under it.
        self.assertEqual(relay['Seccomp'].strip(), '2')
        self.assertEqual(relay['NoNewPrivs'].strip(), '1')

        sh = status_fields(self.run_cmd(c, 'cat /proc/$$/status'))
        self.assertEqual(sh['Uid'].split(), [uid] * 4)
        self.assertEqual(sh['Gid'].split(), [gid] * 4)
        self.assertEqual(sh['Groups'].split(), [gid])
        for cap in ('CapEff', 'CapPrm', 'CapAmb'):
            self.assertEqual(int(sh[cap], 16), 0, cap)
        self.assertEqual(sh['Seccomp'].strip(), '0')
        self.assertEqual(sh['NoNewPrivs'].strip(), '0')
        # A command it runs: the same.
        cmd = status_fields(self.run_cmd(c, 'cat /proc/self/status'))
        self.assertEqual(cmd['Uid'].split(), [uid] * 4)
        self.assertEqual(int(cmd['CapEff'], 16), 0)

        # fds 0-2 (and bash's own 255): not the listening socket.
        fds = self.run_cmd(c, 'ls /proc/$$/fd').split()
        self.assertEqual(sorted(int(f) for f in fds if f != '255'),
                         [0, 1, 2])

        env = environ(self, c)
        for name in env:
            self.assertFalse(re.match(r'LISTEN_|LD_', name), name)
        for name in ('NOTIFY_SOCKET', 'CREDENTIALS_DIRECTORY', 'FOO'):
            self.assertNotIn(name, env)
        self.assertEqual(env.get('LANG'), 'C.UTF-8')

    def test_the_relay_holds_the_connection_the_master_and_its_pipe(self):
        # Nothing of the monitor's: not its channel to the pre-auth child,
        # not nvtd's binary (kept open to start that child), not PAM's.
        self.start()
        c = self.client()
        self.login(c)
        relay = relay_of(self.shell_pid(c))
        held = []
        for fd in os.listdir('/proc/%d/fd' % relay):
            target = os.readlink('/proc/%d/fd/%s' % (relay, fd))
            # fds 0-2, and the test's wrapped passwd and group files.
            if int(fd) > 2 and not target.startswith(self.site.dir):
                held.append(re.sub(r':\[\d+\]$', '', target))
        self.assertEqual(sorted(held), ['/dev/ptmx', 'pipe', 'socket'])


class FailureInjectionTest(SiteTest):
    """Each step that gives the session its credentials, made to fail."""

    def setUp(self):
        super().setUp()
        need_root('the ids can only fail to change when there is a change')
        self.lib = inject_lib()
        if self.lib is None:
            self.skipTest('no tests/inject/libinject.so (make check builds '
                          'it)')
        # The shell, if it ever ran, would leave this file.
        self.marker = os.path.join(self.alice.home, 'shell-started')
        with open(os.path.join(self.alice.home, '.bash_profile'), 'a') as f:
            f.write(': > %s\n' % self.marker)
        self.inject_log = os.path.join(self.site.dir, 'inject.log')
        self.site.artifacts.append(self.inject_log)

    def injected(self, call, says, opened):
        """Log in with call failing; the client must be told says, no
        shell start, and PAM end with every opened session closed."""
        self.site.set_service('nvtd', self.site.matrix_stack(
            session_extra=[self.site.session_hook()]))
        env = {'LD_PRELOAD': self.lib + ' libpam_wrapper.so '
               'libnss_wrapper.so', 'NVTD_INJECT': call,
               'NVTD_INJECT_LOG': self.inject_log}
        self.start(env=env)
        c = self.client()
        self.answer_prompts(c)
        c.expect(says, timeout=10)
        c.read_until_eof(10)
        self.assertNotIn(PROMPT, c.data)
        with open(self.inject_log) as f:
            self.assertIn('inject', f.read(), 'the failure was never injected')
        # The monitor ended PAM; the hook saw as many closes as opens.
        wait_for(lambda: 'pam_end' in open(self.inject_log).read(), 10,
                 'pam_end')
        events = [e.split()[0] for e in self.site.pam_events()]
        self.assertEqual(events.count('open_session'), opened, events)
        self.assertEqual(events.count('close_session'), opened, events)
        # Nothing of the session is left.
        wait_for(lambda: not [p for p, st in processes().items()
                              if st[4] == self.alice.uid and st[0] != 'Z'],
                 10, "alice's processes to end")

    def test_initgroups_failure_gives_no_shell_and_says_so(self):
        self.injected('initgroups', b'Cannot set groups', 0)
        self.assertFalse(os.path.exists(self.marker))

    def test_pam_setcred_failure_gives_no_shell_and_says_so(self):
        self.injected('pam_setcred', b'Cannot set credentials', 0)
        self.assertFalse(os.path.exists(self.marker))

    def test_pam_open_session_failure_gives_no_shell_and_says_so(self):
        self.injected('pam_open_session', b'Cannot open session', 0)
        self.assertFalse(os.path.exists(self.marker))

    def test_pam_setcred_reinitialize_failure_closes_the_open_session(self):
        self.injected('pam_setcred_reinit', b'Cannot set credentials', 1)
        self.assertFalse(os.path.exists(self.marker))

    def test_setresgid_failure_in_the_session_gives_no_shell(self):
        self.injected('setresgid:session', b'nvtd: setresgid: Operation '
                      b'not permitted', 1)
        self.assertFalse(os.path.exists(self.marker))

    def test_setresuid_failure_in_the_session_gives_no_shell(self):
        self.injected('setresuid:session', b'nvtd: setresuid: Operation '
                      b'not permitted', 1)
        self.assertFalse(os.path.exists(self.marker))

    def test_setresgid_failure_in_the_relay_tells_the_client(self):
        self.injected('setresgid:relay', b'nvtd: cannot run the session '
                      b'as alice: setresgid', 1)

    def test_setresuid_failure_in_the_relay_tells_the_client(self):
        self.injected('setresuid:relay', b'nvtd: cannot run the session '
                      b'as alice: setresuid', 1)

    def test_no_relay_tells_the_client_through_the_pre_auth_child(self):
        # fork() fails for the relay: the shell has started, the pre-auth
        # child is still there to say so, and the session is closed.
        self.injected('fork', b'System error', 1)
        self.assertIn('fork: Resource temporarily unavailable',
                      self.site.read_log())
