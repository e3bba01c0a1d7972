# SPDX-License-Identifier: ISC
"""Client variables (NEW-ENVIRON): only what the operator allows, never
what changes how programs load or who logs in."""

from harness import PROMPT, SiteTest
from tclient import (ENV_USERVAR, ENV_VAR, IAC, NEW_ENVIRON, SB, SE,
                     WILL, env_payload)
from test_session import environ


class EnvTest(SiteTest):

    def test_allowlisted_client_variables_reach_the_session(self):
        self.start('-a', 'LC_*', '-a', 'FOO')
        c = self.client(env=[
            (ENV_VAR, 'FOO', 'bar'),
            (ENV_USERVAR, 'LC_TEST', 'hello world'),
            (ENV_USERVAR, 'BAR', 'not allowed'),
            (ENV_USERVAR, 'LC_BAD', 'escape\x1b[2J'),
        ])
        self.login(c)
        env = environ(self, c)
        self.assertEqual(env.get('FOO'), 'bar')
        self.assertEqual(env.get('LC_TEST'), 'hello world')
        self.assertNotIn('BAR', env)
        self.assertNotIn('LC_BAD', env, 'a value with a control character')

    def test_without_allowlist_new_environ_is_neither_asked_nor_taken(self):
        self.start()
        c = self.client(env=[(ENV_USERVAR, 'FOO', 'bar')])
        c.expect(b'login: ')
        self.assertNotIn(('DO', NEW_ENVIRON), c.events)
        # Offered anyway, and sent: still nothing reaches the session.
        c.send_raw(bytes([IAC, WILL, NEW_ENVIRON]))
        c.send_raw(bytes([IAC, SB, NEW_ENVIRON]) +
                   env_payload([(ENV_USERVAR, 'FOO', 'bar')]) +
                   bytes([IAC, SE]))
        c.sendline('alice')
        c.expect(b'Password: ')
        c.sendline('secret')
        c.expect(PROMPT)
        self.assertIn(('DONT', NEW_ENVIRON), c.events, 'the offer refused')
        self.assertNotIn('FOO', environ(self, c))

    def test_user_variable_never_logs_anyone_in(self):
        # An allowlist that matches USER; root exists and has a password
        # nobody types here.
        self.site.add_user('root', 'r00t-pw', uid=0)
        self.start('-a', 'U*', '--permit-root')
        c = self.client(env=[(ENV_VAR, 'USER', '-f root')])
        c.expect(b'login: ')
        self.assertIn(('DO', NEW_ENVIRON), c.events)
        # The CVE-2026-24061 bytes as well, verbatim.
        c.send_raw(bytes.fromhex('fffa27000055534552012d6620726f6f74fff0'))
        # No shell without a password: the name is still asked for, and
        # the password after it.
        c.sendline('alice')
        c.expect(b'Password: ')
        c.sendline('secret')
        c.expect(PROMPT)
        env = environ(self, c)
        self.assertEqual(env['USER'], 'alice')
        self.assertEqual(env['LOGNAME'], 'alice')
        self.assertEqual(self.run_cmd(c, 'id -u').strip(),
                         str(self.alice.uid))

    def test_user_variable_alone_gets_no_shell(self):
        self.site.add_user('root', 'r00t-pw', uid=0)
        self.start('-a', 'U*', '--permit-root', '--login-timeout', '3')
        c = self.client(env=[(ENV_VAR, 'USER', '-f root')])
        c.expect(b'login: ')
        # Say nothing more: the deadline ends it, without a shell.
        rest = c.read_until_eof(10)
        self.assertNotIn(PROMPT, bytes(c.data))
        self.assertIn(b'Login timed out', rest)

    def test_dangerous_variables_never_pass_even_when_a_pattern_matches(self):
        self.start('-a', 'LD_*', '-a', 'L*', '-a', 'B*', '-a', 'T*',
                   '-a', 'C*', '-a', 'P*', '-a', 'H*', '-a', 'S*')
        sent = {
            'LD_PRELOAD': '/tmp/evil.so',
            'LD_LIBRARY_PATH': '/tmp',
            'LD_AUDIT': '/tmp/audit.so',
            'BASH_ENV': '/tmp/evil.sh',
            'TERMCAP': 'evil',
            'CREDENTIALS_DIRECTORY': '/tmp',
            'PATH': '/tmp',
            'HOME': '/tmp',
            'SHELL': '/tmp/sh',
            'LC_OK': 'fine',
        }
        c = self.client(env=[(ENV_USERVAR, k, v) for k, v in sent.items()])
        self.login(c)
        env = environ(self, c)
        # The allowlist works...
        self.assertEqual(env.get('LC_OK'), 'fine')
        # ...but none of these passes or overrides.
        for name in ('LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'BASH_ENV',
                     'TERMCAP', 'CREDENTIALS_DIRECTORY'):
            self.assertNotIn(name, env)
        self.assertEqual(env['PATH'], '/usr/local/bin:/usr/bin:/bin:'
                         '/usr/games')
        self.assertEqual(env['HOME'], self.alice.home)
        self.assertEqual(env['SHELL'], '/bin/bash')
