# SPDX-License-Identifier: ISC
"""The login deadline: one absolute limit on everything before the
session, whatever holds the login up (a PAM module that hangs, a signal
mask left by whoever started nvtd, clients that send nothing or trickle),
and nothing of the login left behind when it fires."""

import os
import selectors
import socket
import sys
import threading
import time

from harness import (NVTD, PAM_SECURITY, SiteTest, alive, inject_lib,
                     wait_for)

TIMEOUT = 3


class HangingModuleTest(SiteTest):

    def hanging_stack(self):
        """pam_exec runs a script that starts a grandchild and waits for
        it, in the auth stack before pam_matrix: pam_authenticate never
        returns.  Both processes write their pids to hang.pids."""
        self.pids = os.path.join(self.site.dir, 'hang.pids')
        hang = os.path.join(self.site.dir, 'hang')
        with open(hang, 'w') as f:
            f.write('#!/bin/sh\n'
                    'sleep 1000 &\n'
                    'echo $$ $! > %s\n'
                    'wait\n' % self.pids)
        os.chmod(hang, 0o755)
        stack = self.site.matrix_stack()
        return ['auth required %s/pam_exec.so %s' % (PAM_SECURITY, hang)] + \
            stack

    def hang_and_time_out(self, **start):
        self.site.set_service('nvtd', self.hanging_stack())
        self.start('--login-timeout', str(TIMEOUT), **start)
        t0 = time.monotonic()
        c = self.client()
        c.expect(b'login: ')
        c.sendline('alice')
        pids = wait_for(lambda: os.path.exists(self.pids) and
                        open(self.pids).read().split(), 10,
                        'the PAM module to start')
        pids = [int(p) for p in pids]
        self.assertTrue(all(alive(p) for p in pids))
        rest = c.read_until_eof(TIMEOUT + 5)
        took = time.monotonic() - t0
        self.assertIn(b'Login timed out after %d seconds.' % TIMEOUT, rest)
        # One line, and the password prompt never came.
        rest = rest[rest.index(b'alice\r\n') + 7:]
        self.assertEqual(rest, b'\r\nLogin timed out after %d seconds.\r\n'
                         % TIMEOUT)
        self.assertLess(took, TIMEOUT + 2.5)
        # The module's script and its own child end with the login.
        wait_for(lambda: not any(alive(p) for p in pids), 5,
                 'the PAM module processes %s to end' % pids)

    def test_pam_module_that_hangs_is_cut_at_the_deadline_with_its_children(
            self):
        self.hang_and_time_out()

    def test_pam_module_that_hangs_in_listener_mode_is_logged_as_timeout(
            self):
        self.hang_and_time_out(mode='listen')
        wait_for(lambda: 'Timeout before authentication for 127.0.0.1' in
                 self.site.read_log(), 5, 'the listener to log the timeout')

    def test_deadline_fires_even_when_started_with_sigalrm_blocked(self):
        # inetd (or anything) may start nvtd with SIGALRM blocked: the
        # mask survives execve.
        wrapper = os.path.join(self.site.dir, 'blocked-nvtd')
        with open(wrapper, 'w') as f:
            f.write('#!/usr/bin/python3\n'
                    'import os, signal, sys\n'
                    'signal.pthread_sigmask(signal.SIG_BLOCK, '
                    '[signal.SIGALRM])\n'
                    'os.execv(%r, [%r] + sys.argv[1:])\n' %
                    (NVTD, NVTD))
        os.chmod(wrapper, 0o755)
        self.start('--login-timeout', str(TIMEOUT), binary=wrapper)
        c = self.client()
        c.expect(b'login: ')
        rest = c.read_until_eof(TIMEOUT + 5)
        self.assertIn(b'Login timed out', rest)


class SlowClientsTest(SiteTest):
    """Listener mode, 200 clients that send nothing and 50 that send a
    byte every 2 s, all from 127.0.0.2; a real login from 127.0.0.3
    meanwhile.  The limits leave room for all of them: this is about
    the deadline, not the refusals.  pam_wrapper serves a few dozen
    processes at a time: here the test library points libpam at the
    site's service directory instead."""

    exclusive = True
    SILENT = 200
    TRICKLE = 50
    LOGIN_TIMEOUT = 5

    def test_silent_and_trickling_clients_all_end_at_the_deadline(self):
        n = self.SILENT + self.TRICKLE
        lib = inject_lib()
        if lib is None:
            self.skipTest('no tests/inject/libinject.so (make check builds '
                          'it)')
        env = {'LD_PRELOAD': lib + ' libnss_wrapper.so',
               'NVTD_PAM_CONFDIR': os.path.join(self.site.dir, 'svc')}
        self.start('--login-timeout', str(self.LOGIN_TIMEOUT),
                   '--max-startups', '%d:30:%d' % (n + 10, n + 20),
                   '--per-source-limit', str(n + 5),
                   '--max-sessions', str(n + 10), mode='listen', env=env)
        sel = selectors.DefaultSelector()
        opened, closed, got = {}, {}, {}
        trickling = []
        for i in range(n):
            s = socket.socket()
            s.bind(('127.0.0.2', 0))
            s.connect((self.site.address, self.site.port))
            s.setblocking(False)
            opened[s] = time.monotonic()
            got[s] = b''
            sel.register(s, selectors.EVENT_READ)
            if i >= self.SILENT:
                trickling.append(s)
        stop = threading.Event()

        def trickle():
            while not stop.wait(2.0):
                for s in list(trickling):
                    try:
                        s.send(b'a')
                    except OSError:
                        trickling.remove(s)
        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        try:
            # A real login from another address, while they wait.
            c = self.client(source='127.0.0.3')
            self.login(c)
            self.assertEqual(self.run_cmd(c, 'echo $USER').strip(), 'alice')
            end = time.monotonic() + self.LOGIN_TIMEOUT + 10
            while len(closed) < n and time.monotonic() < end:
                for key, _ in sel.select(0.5):
                    s = key.fileobj
                    try:
                        b = s.recv(65536)
                    except ConnectionResetError:
                        b = b''
                    got[s] += b
                    if not b:
                        closed[s] = time.monotonic()
                        sel.unregister(s)
        finally:
            stop.set()
            t.join()
            for s in opened:
                s.close()
        self.assertEqual(len(closed), n, '%d of %d connections still open'
                         % (n - len(closed), n))
        spans = sorted(closed[s] - opened[s] for s in opened)
        if os.environ.get('NVTD_TEST_FIGURES'):
            sys.__stderr__.write('figures: %d slow clients closed after '
                                 '%.2f..%.2f s (deadline %d s)\n' %
                                 (n, spans[0], spans[-1],
                                  self.LOGIN_TIMEOUT))
        late = [closed[s] - opened[s] for s in opened
                if closed[s] - opened[s] > self.LOGIN_TIMEOUT + 3]
        early = [closed[s] - opened[s] for s in opened
                 if closed[s] - opened[s] < self.LOGIN_TIMEOUT - 0.5]
        self.assertEqual(late, [], 'closed after the deadline')
        self.assertEqual(early, [], 'closed before the deadline')
        told = [s for s in opened if b'Login timed out' in got[s]]
        self.assertEqual(len(told), n)
        # The session from 127.0.0.3 is still there.
        self.assertEqual(self.run_cmd(c, 'echo still here').strip(),
                         'still here')
