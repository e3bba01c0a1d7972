# SPDX-License-Identifier: ISC
"""What a PAM session module (pam_systemd, for logind) sees of an nvtd
session.  systemd-logind is not running where the tests run, so a
pam_exec module stands in for pam_systemd and records what nvtd controls:
PAM_RHOST, PAM_TTY, PAM_USER and PAM_SERVICE at pam_open_session, the
process that opens the session (which must stay, as root, until it
closes it), and the close when the connection ends."""

import os

from harness import PAM_SECURITY, SiteTest, processes, wait_for


class PamSessionTest(SiteTest):

    def setUp(self):
        super().setUp()
        self.record = os.path.join(self.site.dir, 'session-record')
        hook = os.path.join(self.site.dir, 'session-hook')
        # $PPID is the process that called PAM: pam_exec forks the hook.
        with open(hook, 'w') as f:
            f.write('#!/bin/sh\n'
                    'echo "$PAM_TYPE service=$PAM_SERVICE user=$PAM_USER '
                    'rhost=$PAM_RHOST tty=$PAM_TTY caller=$PPID '
                    'uid=$(id -u)" >> %s\n' % self.record)
        os.chmod(hook, 0o755)
        self.site.set_service('nvtd', self.site.matrix_stack(
            session_extra=['session required %s/pam_exec.so %s' %
                           (PAM_SECURITY, hook)]))

    def events(self):
        try:
            with open(self.record) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return []
        return [dict([('type', line.split()[0])] +
                     [kv.split('=', 1) for kv in line.split()[1:]])
                for line in lines]

    def check_session(self, address, end):
        c = self.client()
        self.login(c)
        tty = self.run_cmd(c, 'tty').strip()
        shell = self.shell_pid(c)
        opened = self.events()
        self.assertEqual(len(opened), 1, opened)
        ev = opened[0]
        self.assertEqual(ev['type'], 'open_session')
        self.assertEqual(ev['service'], 'nvtd')
        self.assertEqual(ev['user'], 'alice')
        # The numeric address of the peer, never a name.
        self.assertEqual(ev['rhost'], address)
        # The terminal of the session, which exists by then.
        self.assertEqual(ev['tty'], tty)
        self.assertRegex(tty, r'^/dev/pts/\d+$')
        self.assertEqual(ev['uid'], str(os.getuid()))
        # Opened by the shell's parent, the monitor, which keeps the
        # daemon's ids (root, in production) for the whole session.
        caller = int(ev['caller'])
        table = processes()
        self.assertEqual(table[shell][1], caller)
        self.assertEqual(table[caller][4], os.getuid())
        end(c)
        wait_for(lambda: len(self.events()) == 2, 10,
                 'pam_close_session')
        closed = self.events()[1]
        self.assertEqual(closed['type'], 'close_session')
        self.assertEqual((closed['caller'], closed['uid'], closed['tty'],
                          closed['rhost']),
                         (ev['caller'], '0', tty, address))

    def test_session_items_and_close_after_exit(self):
        self.start()

        def logout(c):
            c.sendline('exit')
            c.read_until_eof()
            c.close()
        self.check_session('127.0.0.1', logout)

    def test_session_items_and_close_when_the_client_goes(self):
        self.start()
        self.check_session('127.0.0.1', lambda c: c.abort())

    def test_ipv6_peer_is_given_as_its_numeric_address(self):
        self.start(mode='listen', address='::1')

        def logout(c):
            c.sendline('exit')
            c.read_until_eof()
            c.close()
        self.check_session('::1', logout)
