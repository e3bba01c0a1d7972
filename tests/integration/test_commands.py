# SPDX-License-Identifier: ISC
"""The telnet commands (IP, BRK, ABORT, SUSP, AO, AYT, EC, EL, EOF, NOP,
GA, DM) in every state: at the login prompt, at the password prompt, in
the session.  None of them ever becomes a byte of an answer to PAM."""

import os

from harness import PAM_SECURITY, PROMPT, SiteTest
from tclient import ABORT, AYT, BRK, DM, EC, EL, EOF, GA, IP, NOP, SUSP


class RealClientCommandsTest(SiteTest):

    def test_real_client_commands_in_every_state(self):
        self.start()
        r = self.run_expect('commands.exp', 'alice', 'secret')
        # At the prompts: AYT answered, the answers edited, IP abandons.
        self.assertEqual(r['ayt_login'], 'yes')
        self.assertEqual(r['ayt_password'], 'yes')
        self.assertEqual(r['ip_password'], 'asked_again')
        self.assertEqual(r['logged_in'], 'yes')
        # In the session: IP and BRK are SIGINT, ABORT SIGQUIT (128 + n).
        self.assertEqual(r['status_ip'], '130')
        self.assertEqual(r['status_brk'], '130')
        self.assertEqual(r['status_abort'], '131')
        for cmd in ('ip', 'brk', 'abort'):
            self.assertLess(float(r['seconds_' + cmd]), 5.0)
        self.assertEqual(r['pid_after'], r['pid'], 'the shell stays')
        # SUSP stops the job, which the shell lists.
        self.assertRegex(r['jobs'], r'^\[1\]\+ +Stopped +sh -c')
        self.assertEqual(r['ayt_session'], 'yes')
        # EL and EC as the terminal's kill and erase characters.
        self.assertEqual(r['read_line'], 'abc')
        # EOF as its end-of-file character: cat ends, its input kept.
        self.assertEqual(r['eof_ends_cat'], 'yes')
        self.assertEqual(r['typed'].split(), ['h', 'e', 'l', 'l', 'o', '\\n'])
        self.assertEqual(r['after_nop_ga'], 'OK')


def hexs(s):
    return s.encode().hex()


class PromptCommandsTest(SiteTest):
    """At the prompts, with the byte client.  What PAM receives is seen by
    the module that authenticates: pam_exec, whose script records every
    user name and password it is given (in hex) and accepts alice's."""

    def setUp(self):
        super().setUp()
        self.record = os.path.join(self.site.dir, 'auth-record')
        hook = os.path.join(self.site.dir, 'auth-hook')
        # pam_exec writes the password to standard input.
        with open(hook, 'w') as f:
            f.write('#!/bin/sh\n'
                    'u=$(printf %%s "$PAM_USER" | od -An -tx1 | tr -d " \\n")\n'
                    'p=$(od -An -tx1 | tr -d " \\n")\n'
                    'echo "user=$u pass=$p" >> %s\n'
                    '[ "$u" = %s ] && [ "$p" = %s ]\n' %
                    (self.record, hexs('alice'), hexs('secret')))
        os.chmod(hook, 0o755)
        lines = self.site.matrix_stack()
        # pam_exec ignores pam_setcred(), which pam_permit allows.
        lines[0:1] = ['auth required %s/pam_exec.so expose_authtok %s' %
                      (PAM_SECURITY, hook),
                      'auth optional %s/pam_permit.so' % PAM_SECURITY]
        self.site.set_service('nvtd', lines)

    def attempts(self):
        try:
            with open(self.record) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def cmd(self, c, command):
        c.send_command(command)

    def test_edit_commands_at_both_prompts_edit_what_pam_receives(self):
        self.start()
        c = self.client()
        c.expect(b'login: ')
        c.send('bob')
        self.cmd(c, EL)
        c.send('alix')
        self.cmd(c, EC)
        c.send('c')
        for harmless in (NOP, GA, DM):
            self.cmd(c, harmless)
        c.sendline('e')
        c.expect(b'Password: ')
        c.send('junk')
        self.cmd(c, EL)
        c.send('secrex')
        self.cmd(c, EC)
        self.cmd(c, NOP)
        c.sendline('t')
        c.expect(PROMPT)
        self.assertEqual(self.attempts(), ['user=%s pass=%s' %
                                           (hexs('alice'), hexs('secret'))])

    def test_interrupt_commands_abandon_the_answer_and_ask_again(self):
        self.start()
        c = self.client()
        for command in (IP, BRK, ABORT, SUSP):
            c.expect(b'login: ')
            c.send('mallory')
            self.cmd(c, command)
            c.expect(b'^C\r\n')
        c.expect(b'login: ')
        c.sendline('alice')
        for command in (IP, BRK, ABORT, SUSP):
            c.expect(b'Password: ')
            c.send('wrong')
            self.cmd(c, command)
        c.expect(b'Password: ')
        c.sendline('secret')
        c.expect(PROMPT)
        # One attempt, with the answers given after the last interrupt.
        self.assertEqual(self.attempts(), ['user=%s pass=%s' %
                                           (hexs('alice'), hexs('secret'))])

    def test_ayt_is_answered_at_both_prompts_and_leaves_the_answer(self):
        self.start()
        c = self.client()
        c.expect(b'login: ')
        c.send('ali')
        self.cmd(c, AYT)
        c.expect(b'[nvtd: yes]')
        c.sendline('ce')
        c.expect(b'Password: ')
        c.send('sec')
        self.cmd(c, AYT)
        c.expect(b'[nvtd: yes]')
        c.sendline('ret')
        c.expect(PROMPT)
        self.assertEqual(self.attempts(), ['user=%s pass=%s' %
                                           (hexs('alice'), hexs('secret'))])

    def test_eof_ends_the_connection_on_an_empty_answer_only(self):
        self.start()
        c = self.client()
        c.expect(b'login: ')
        c.send('ali')
        self.cmd(c, EOF)
        c.sendline('ce')
        c.expect(b'Password: ')
        c.sendline('secret')
        c.expect(PROMPT)
        c2 = self.client()
        c2.expect(b'login: ')
        self.cmd(c2, EOF)
        c2.read_until_eof(10)
        self.assertEqual(self.attempts(), ['user=%s pass=%s' %
                                           (hexs('alice'), hexs('secret'))])


class SessionCommandsTest(SiteTest):
    """In the session, with the byte client: the commands a real client
    cannot send in the middle of the data it types."""

    def test_suspend_stops_the_foreground_job_which_jobs_lists(self):
        self.start()
        c = self.client()
        self.login(c)
        c.sendline("sh -c 'echo SLE\"\"EPING; exec sleep 100'")
        c.expect(b'SLEEPING')
        c.send_command(SUSP)
        c.expect(PROMPT)
        self.assertRegex(self.run_cmd(c, 'jobs'), r'^\[1\]\+ +Stopped ')
        self.run_cmd(c, 'kill -9 %1')

    def test_commands_inside_typed_data_leave_the_data_whole(self):
        self.start()
        c = self.client()
        self.login(c)
        c.send('echo A')
        for harmless in (NOP, GA, DM, AYT):
            c.send_command(harmless)
        c.sendline('B')
        c.expect(b'\rAB\r\n')
        c.expect(PROMPT)
