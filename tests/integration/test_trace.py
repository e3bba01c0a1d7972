# SPDX-License-Identifier: ISC
"""The protocol trace (-D, --trace-file): what it shows of a login, and
what it never shows."""

import codecs
import os
import re
import stat

from harness import PROMPT, CommandLineTest, SiteTest, wait_for
from tclient import IP

LOGIN_PASSWORD = 'Pw-login-7f3a'
WRONG_PASSWORD = 'Pw-wrong-91c2'
SESSION_SECRET = 'Pw-typed-at-read-s-55e1'


class TraceTest(SiteTest):

    def setUp(self):
        super().setUp()
        self.bob = self.site.add_user('bob', LOGIN_PASSWORD)
        self.trace_path = os.path.join(self.site.dir, 'trace.log')
        self.site.artifacts.append(self.trace_path)

    def start_traced(self, what='all'):
        self.start('-D', what, '--trace-file', self.trace_path)

    def trace(self):
        with open(self.trace_path, errors='replace') as f:
            return f.read()

    def end_session(self, c):
        c.sendline('exit')
        c.read_until_eof(20)
        # The monitor writes its last lines (pam_end) after the relay.
        wait_for(lambda: 'pam: pam_end' in self.trace(), 10,
                 'the end of the trace')

    def test_trace_shows_negotiation_q_states_pam_calls_and_session_steps(
            self):
        self.start_traced()
        c = self.client(naws=(120, 40))
        self.login(c, self.bob)
        c.sendline("sh -c 'echo SLE\"\"EPING; exec sleep 30'")
        c.expect(b'SLEEPING')
        c.send_command(IP)
        c.expect(PROMPT)
        c.send_naws(100, 30)
        self.run_cmd(c, 'true')
        self.end_session(c)
        text = self.trace()
        lines = [re.sub(r'^\S+ \[\d+\] ', '', line)
                 for line in text.splitlines()]
        for want in [
                'session: fork, execve: the pre-auth child, pid ',
                'session: pre-auth child: uid ',
                'options: SENT WILL ECHO',
                'options: ECHO us NO -> WANTYES',
                'options: RCVD DO ECHO',
                'options: ECHO us WANTYES -> YES',
                'options: SENT DO NAWS',
                'options: RCVD WILL NAWS',
                'options: NAWS him WANTYES -> YES',
                'options: RCVD SB NAWS 120 40',
                'options: SENT SB TTYPE SEND',
                'options: RCVD SB TTYPE IS "XTERM"',
                'options: RCVD IAC IP',
                'options: RCVD SB NAWS 100 30',
                'pam: pam_start: Success',
                'pam: answer "bob"',
                'pam: conversation: prompt, echo off "Password: "',
                'pam: answer not shown (echo off)',
                'pam: pam_authenticate: Success',
                'pam: pam_acct_mgmt: Success',
                'pam: pam_setcred PAM_ESTABLISH_CRED: Success',
                'pam: pam_open_session: Success',
                'session: setsid: session ',
                'session: ioctl TIOCSCTTY: ',
                'session: dup2: /dev/pts/',
                'session: setresgid %d, setresuid %d: ' %
                (self.bob.gid, self.bob.uid),
                'session: execve /bin/bash, argv[0] "-bash"',
                'session: fork: the session leader, pid ',
                'session: waitpid: the pre-auth child ',
                'session: fork: the relay, pid ',
                'session: relay: setresgid ',
                'session: waitpid: the shell ',
                'pam: pam_close_session: Success',
                'pam: pam_end: Success']:
            self.assertTrue(any(line.startswith(want) for line in lines),
                            'no line starting %r in the trace' % want)
        # In order: the offer, the answer, the state; PAM before the shell.
        def at(prefix):
            return next(i for i, line in enumerate(lines)
                        if line.startswith(prefix))
        # The child is confined before it sends a byte to the client.
        self.assertLess(at('session: pre-auth child: uid '),
                        at('options: SENT WILL ECHO'))
        self.assertLess(at('options: SENT DO NAWS'),
                        at('options: RCVD WILL NAWS'))
        self.assertLess(at('options: RCVD WILL NAWS'),
                        at('options: NAWS him WANTYES -> YES'))
        self.assertLess(at('pam: pam_open_session'),
                        at('session: execve'))
        self.assertLess(at('session: setsid'), at('session: ioctl TIOCSCTTY'))
        self.assertLess(at('session: dup2'), at('session: setresgid'))
        # With -d the same lines go to stderr, which is the test's log.
        self.assertIn('trace options: RCVD WILL NAWS', self.site.read_log())

    def test_no_password_in_the_trace_or_the_log(self):
        self.start_traced()
        c = self.client()
        c.expect(b'login: ')
        c.sendline('bob')
        c.expect(b'Password: ')
        c.sendline(WRONG_PASSWORD)
        c.expect(b'Login incorrect')
        self.login(c, self.bob)
        # An echo-off prompt in the session: typed while ECHO is off.
        c.sendline("read -s -p 'Sec''ret: ' v; echo got-${#v}")
        c.expect(b'Secret: ')
        c.sendline(SESSION_SECRET)
        c.expect(b'got-%d' % len(SESSION_SECRET))
        c.expect(PROMPT)
        # A line read with the terminal echoing is shown.
        c.sendline("echo RE''ADY; head -n1")
        c.expect(b'READY\r\n')
        c.sendline('visible-line')
        c.expect(b'visible-line\r\nvisible-line\r\n')
        c.expect(PROMPT)
        self.end_session(c)
        text = self.trace()
        log = self.site.read_log()
        for secret in (LOGIN_PASSWORD, WRONG_PASSWORD, SESSION_SECRET):
            self.assertNotIn(secret, text)
            self.assertNotIn(secret, log)
        # CR LF is one CR for the NVT.
        self.assertIn('netdata: RCVD data, %d bytes (not shown before '
                      'login)' % (len(WRONG_PASSWORD) + 1), text)
        self.assertIn('netdata: RCVD data, %d bytes (not shown: the '
                      'terminal does not echo)' % (len(SESSION_SECRET) + 1),
                      text)
        self.assertIn('netdata: RCVD data, 13 bytes "visible-line\\r"',
                      text)
        self.assertIn('pam: pam_authenticate: Authentication failure', text)
        self.assertEqual(text.count('pam: answer not shown (echo off)'), 2)

    def test_data_traces_are_bounded(self):
        self.start_traced('ptydata')
        c = self.client()
        self.login(c, self.bob)
        # Many reads of the pty, each more than a line shows.
        c.sendline('python3 -c "import sys, time\n'
                   'for i in range(600):\n'
                   ' sys.stdout.write(60 * chr(65 + i % 26) + chr(10))\n'
                   ' sys.stdout.flush(); time.sleep(0.002)"; exit')
        c.read_until_eof(30)
        wait_for(lambda: 'no more data traced' in self.trace(), 10,
                 'the data trace limit')
        lines = self.trace().splitlines()
        shown = 0
        for line in lines:
            m = re.search(r'ptydata: PTY data, (\d+) bytes "(.*)"$', line)
            if m:
                # 48 bytes at most, C-escaped, then "..." if cut.
                esc = m.group(2)
                if esc.endswith('...'):
                    esc = esc[:-3]
                n = len(codecs.escape_decode(esc.encode())[0])
                self.assertLessEqual(n, 48)
                shown += n
        self.assertGreater(shown, 15 * 1024)
        self.assertLessEqual(shown, 16 * 1024)
        self.assertEqual(sum('no more data traced' in line
                             for line in lines), 1)


class TraceOptionsTest(CommandLineTest):
    """The trace file and the -D list, without a connection: nvtd
    creates the file before it looks for one, then exits 2."""

    def test_trace_file_is_created_new_with_mode_0600(self):
        path = os.path.join(self.dir, 'trace')
        r = self.nvtd('-D', 'all', '--trace-file', path, umask=0)
        self.assertIn(b'not a connected socket', r.stderr)
        st = os.lstat(path)
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_uid, os.geteuid())

    def test_trace_file_percent_p_is_the_pid(self):
        r = self.nvtd('-D', 'pam', '--trace-file',
                      os.path.join(self.dir, 'trace.%p'))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(os.listdir(self.dir), ['trace.%d' % r.pid])

    def test_existing_trace_file_is_refused_and_left_alone(self):
        path = os.path.join(self.dir, 'trace')
        with open(path, 'w') as f:
            f.write('precious\n')
        r = self.nvtd('-D', 'all', '--trace-file', path)
        self.assert_refused(r, '--trace-file')
        with open(path) as f:
            self.assertEqual(f.read(), 'precious\n')

    def test_symlink_as_trace_file_is_refused(self):
        target = os.path.join(self.dir, 'target')
        for existing in (False, True):
            with self.subTest(target_exists=existing):
                if existing:
                    with open(target, 'w') as f:
                        f.write('precious\n')
                link = os.path.join(self.dir, 'link%d' % existing)
                os.symlink(target, link)
                r = self.nvtd('-D', 'all', '--trace-file', link)
                self.assert_refused(r, '--trace-file')
                self.assertTrue(os.path.islink(link))
                if existing:
                    with open(target) as f:
                        self.assertEqual(f.read(), 'precious\n')
                else:
                    self.assertFalse(os.path.exists(target))

    def test_unknown_trace_names_are_refused_naming_them(self):
        for arg, named in [('bogus', 'bogus'), ('pam,bogus2', 'bogus2'),
                           ('options,,pam', '-D'), ('', '-D'),
                           ('ALL', 'ALL')]:
            with self.subTest(arg=arg):
                self.assert_refused(self.nvtd('-D', arg), named)
        self.assert_refused(
            self.nvtd('--trace-file', os.path.join(self.dir, 't')),
            '--trace-file')
        self.assertEqual(os.listdir(self.dir), [])

    def test_every_trace_name_is_accepted(self):
        for arg in ('options', 'netdata', 'ptydata', 'pam', 'session',
                    'all', 'options,netdata,ptydata,pam,session'):
            with self.subTest(arg=arg):
                r = self.nvtd('-D', arg)
                self.assertIn(b'not a connected socket', r.stderr)
