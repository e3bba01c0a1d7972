# SPDX-License-Identifier: ISC
"""Privilege separation: before login, the client's bytes are parsed by
a pre-auth child that runs as the nvtd user, chrooted to an empty
directory, with no_new_privs and a seccomp allowlist; the root monitor
believes nothing it says without checking.

The boundary is proven with tests/inject: once the child has read
"EVIL" from the client, it does what an attacker who had taken it over
would try (NVTD_EVIL=ACTION), or sends the monitor messages nvtd's code
never would.  Each attempt must fail, be logged, and end the connection
with no session.
"""

import os
import re
import socket
import subprocess

from harness import (NVTD, PROMPT, SiteTest, descendants, inject_lib,
                     need_root, processes, wait_for)


def status_fields(pid):
    with open('/proc/%d/status' % pid) as f:
        return dict(line.split(':', 1) for line in f.read().splitlines()
                    if ':' in line)


class PreauthChildTest(SiteTest):
    """What the pre-auth child is, seen from outside while it runs."""

    def setUp(self):
        super().setUp()
        need_root('the child drops from root to the nvtd user')

    def child(self):
        """The pid of the one pre-auth child, once it exists."""
        def find():
            table = processes()
            found = [p for p in descendants(self.site.proc.pid, table)
                     if table[p][4] == self.site.privsep_uid]
            return found[0] if len(found) == 1 else None
        return wait_for(find, 10, 'the pre-auth child')

    def test_the_child_is_the_nvtd_user_sandboxed_in_an_empty_root(self):
        self.start()
        c = self.client()
        c.expect(b'login: ')
        pid = self.child()
        st = status_fields(pid)
        uid = str(self.site.privsep_uid)
        self.assertEqual(st['Uid'].split(), [uid] * 4)
        self.assertEqual(st['Gid'].split(), [uid] * 4)
        self.assertEqual(st['Groups'].split(), [])
        self.assertEqual(int(st['CapEff'], 16), 0)
        self.assertEqual(int(st['CapPrm'], 16), 0)
        self.assertEqual(st['Seccomp'].strip(), '2')
        self.assertEqual(st['NoNewPrivs'].strip(), '1')
        self.assertEqual(os.listdir('/proc/%d/root' % pid), [])
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            argv = f.read().split(b'\0')
        self.assertEqual(argv[1], b'--preauth-child')
        # It holds the client's socket, the channel and stderr: no more.
        fds = sorted(int(f) for f in os.listdir('/proc/%d/fd' % pid))
        self.assertEqual(fds, [0, 1, 2])
        self.assertTrue(os.readlink('/proc/%d/fd/0' % pid)
                        .startswith('socket:'))
        with open('/proc/%d/limits' % pid) as f:
            limits = f.read()
        self.assertRegex(limits, r'Max open files\s+1\s+1')
        self.assertRegex(limits, r'Max processes\s+0\s+0')
        self.assertRegex(limits, r'Max file size\s+0\s+0')
        # Its parent, the monitor, stays root and holds PAM.
        self.assertEqual(processes()[processes()[pid][1]][4], 0)

    def test_the_child_is_gone_once_the_session_runs(self):
        self.start()
        c = self.client()
        self.login(c)
        table = processes()
        self.assertEqual([p for p in descendants(self.site.proc.pid, table)
                          if table[p][4] == self.site.privsep_uid and
                          table[p][0] != 'Z'], [])

    def test_a_child_that_cannot_drop_its_ids_gets_no_prompt(self):
        lib = inject_lib()
        if lib is None:
            self.skipTest('no tests/inject/libinject.so (make check '
                          'builds it)')
        log = os.path.join(self.site.dir, 'inject.log')
        self.start(env={'LD_PRELOAD': lib + ' libpam_wrapper.so '
                        'libnss_wrapper.so', 'NVTD_INJECT':
                        'setresuid:preauth', 'NVTD_INJECT_LOG': log})
        c = self.client()
        c.read_until_eof(10)
        self.assertNotIn(b'login: ', c.data)
        wait_for(lambda: 'pre-auth child: setresuid: Operation not '
                 'permitted' in self.site.read_log(), 10, 'the log line')

    def test_a_missing_privsep_user_is_refused_in_one_line(self):
        self.site._write_files()
        env = dict(os.environ)
        env.update(self.site.daemon_env())
        env['LD_PRELOAD'] = 'libnss_wrapper.so'     # no PAM is reached
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        r = subprocess.run(
            [NVTD, '--privsep-user', 'nosuchuser', '-l',
             '127.0.0.1:%d' % port], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.count(b'\n'), 1, r.stderr)
        self.assertIn(b"nvtd: the privilege separation user 'nosuchuser' "
                      b"does not exist", r.stderr)


    def test_check_names_a_missing_privsep_user(self):
        self.site._write_files()
        env = dict(os.environ)
        env.update(self.site.daemon_env())
        env['LD_PRELOAD'] = 'libnss_wrapper.so'
        r = subprocess.run([NVTD, '--check', '--privsep-user', 'nosuchuser'],
                           env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"FAIL the privilege separation user 'nosuchuser' "
                      b"does not exist", r.stdout)


class BoundaryTest(SiteTest):
    """An attacker in the pre-auth child gets nothing more."""

    def setUp(self):
        super().setUp()
        need_root('the child drops from root to the nvtd user')
        self.lib = inject_lib()
        if self.lib is None:
            self.skipTest('no tests/inject/libinject.so (make check builds '
                          'it)')
        self.evil_file = os.path.join(self.site.dir, 'evil-written')

    def attack(self, action):
        """Take the child over with action; return what the client got
        and the log, once the connection has closed."""
        self.start(env={'LD_PRELOAD': self.lib + ' libpam_wrapper.so '
                        'libnss_wrapper.so', 'NVTD_EVIL': action,
                        'NVTD_EVIL_FILE': self.evil_file})
        c = self.client()
        c.expect(b'login: ')
        c.sendline('EVIL')
        c.read_until_eof(10)
        self.assertNotIn(b'EVIL %s: ok' % action.encode(), c.data)
        self.assertNotIn(b'Password: ', c.data)
        self.assertNotIn(PROMPT, c.data)
        self.assertFalse(os.path.exists(self.evil_file))
        wait_for(lambda: 'ending the connection' in self.site.read_log(),
                 10, 'the monitor to log the end')
        log = self.site.read_log()
        self.assertNotIn('session opened', log)
        return c, log

    def refused(self, action, call):
        _, log = self.attack(action)
        self.assertRegex(log, r'pre-auth child \d+: the sandbox refused '
                         r'system call %s \(\d+\): ending the connection' %
                         call)

    def test_reading_etc_shadow_is_refused(self):
        self.refused('open', 'openat')

    def test_setuid_0_is_refused(self):
        self.refused('setuid', 'setuid')

    def test_executing_a_shell_is_refused(self):
        self.refused('execve', 'execve')

    def test_making_a_socket_is_refused(self):
        self.refused('socket', 'socket')

    def test_tracing_the_monitor_is_refused(self):
        self.refused('ptrace', 'ptrace')

    def test_writing_outside_the_root_is_refused(self):
        self.refused('write', 'openat')

    def malformed(self, action, why):
        _, log = self.attack(action)
        self.assertRegex(log, r'pre-auth child \d+: %s: ending the '
                         r'connection' % re.escape(why))

    def test_an_oversized_message_ends_the_connection(self):
        self.malformed('msg-oversized', 'message over the size limit')

    def test_a_message_of_no_known_type_ends_the_connection(self):
        self.malformed('msg-type', 'a message of unknown type out of turn')

    def test_a_message_out_of_order_ends_the_connection(self):
        self.malformed('msg-order', 'READY out of turn')

    def test_a_handoff_never_asked_for_ends_the_connection(self):
        self.malformed('msg-state', 'STATE out of turn')

    def test_an_answer_over_the_length_cap_ends_the_connection(self):
        self.malformed('msg-answer', 'truncated or over a length cap')
