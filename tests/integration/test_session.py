# SPDX-License-Identifier: ISC
"""The session, seen from a byte-level client: the pty, the window size,
the terminal type, signals, 8-bit data, the environment, the end."""

import re
import time

from harness import (DAEMON_MARKERS, PROMPT, TTY_GID, SiteTest, need_root,
                     processes, stopped, wait_for, wchan)
from tclient import AYT, IP

# Waits for SIGWINCH (blocked, then sigwait: no race with the resize),
# then prints the terminal's size as the program sees it.
WINCH_WAITER = ('python3 -c \'import os,signal; '
                'signal.pthread_sigmask(signal.SIG_BLOCK,[signal.SIGWINCH]); '
                'print("WAIT"+"ING",flush=True); '
                'signal.sigwait([signal.SIGWINCH]); '
                'print("WINCH %d %d" % os.get_terminal_size(0))\'')

# Starts a long sleep in the foreground and says so first.
SLEEPER = "sh -c 'echo SLE\"\"EPING; exec sleep 30'"


def environ(test, c):
    """The environment the shell was started with."""
    out = test.run_cmd(c, "tr '\\0' '\\n' < /proc/$$/environ")
    return dict(line.split('=', 1) for line in out.splitlines() if '=' in line)


class SessionTest(SiteTest):

    def test_naws_sets_the_window_size_before_the_first_prompt(self):
        self.start()
        c = self.client(naws=(132, 43))
        self.login(c)
        # The first command of the session.
        self.assertEqual(self.run_cmd(c, 'stty size').strip(), '43 132')

    def test_client_terminal_type_becomes_TERM_lowercased(self):
        self.start()
        c = self.client(ttype='XTERM-256Color')
        self.login(c)
        self.assertEqual(environ(self, c)['TERM'], 'xterm-256color')

    def test_client_without_terminal_type_gets_TERM_dumb(self):
        self.start()
        c = self.client(ttype=None)
        self.login(c)
        self.assertEqual(environ(self, c)['TERM'], 'dumb')

    def test_session_environment_is_built_from_scratch(self):
        self.start()
        c = self.client()
        self.login(c)
        env = environ(self, c)
        # Exactly what nvtd sets, and PAM's list (pam_matrix adds CRED and
        # HOMEDIR): nothing of the daemon's environment, which held the
        # markers, LD_PRELOAD and the wrappers' variables.
        self.assertEqual(sorted(env), sorted([
            'HOME', 'SHELL', 'USER', 'LOGNAME', 'PATH', 'MAIL', 'TERM',
            'CRED', 'HOMEDIR']))
        for name in DAEMON_MARKERS:
            self.assertNotIn(name, env)
        self.assertEqual(env['HOME'], self.alice.home)
        self.assertEqual(env['USER'], 'alice')
        self.assertEqual(env['LOGNAME'], 'alice')
        self.assertEqual(env['SHELL'], '/bin/bash')
        self.assertEqual(env['MAIL'], '/var/mail/alice')
        self.assertEqual(env['PATH'], '/usr/local/bin:/usr/bin:/bin:'
                         '/usr/games')

    def test_shell_is_a_login_shell_leading_its_session_on_a_pty(self):
        self.start()
        c = self.client()
        self.login(c)
        out = self.run_cmd(c, 'tty; echo $$; ps -o sid=,tpgid= -p $$; '
                           "tr '\\0' '\\n' < /proc/$$/cmdline; pwd")
        tty, pid, ids, argv0, cwd = out.split('\n')[:5]
        sid, tpgid = ids.split()
        self.assertRegex(tty, r'^/dev/pts/[0-9]+$')
        self.assertEqual(sid, pid)
        self.assertEqual(argv0, '-bash')
        self.assertEqual(cwd, self.alice.home)
        # Its fds: 0-2 on the pty and nothing else (255 is bash's own
        # copy of the terminal).
        fds = self.run_cmd(c, 'ls /proc/$$/fd').split()
        self.assertEqual(sorted(int(f) for f in fds if f != '255'),
                         [0, 1, 2])

    def test_pty_is_owned_by_the_user_group_tty_mode_0620(self):
        need_root('only root can give the pty to another user')
        self.start()
        c = self.client()
        self.login(c)
        self.assertEqual(self.run_cmd(c, 'stat -c "%u %g %a" "$(tty)"')
                         .strip(), '%d %d 620' % (self.alice.uid, TTY_GID))

    def test_session_runs_with_the_users_ids(self):
        self.start()
        c = self.client()
        self.login(c)
        ids = self.run_cmd(c, 'id -u; id -ru; id -g; id -rg').split()
        self.assertEqual(ids, [str(self.alice.uid)] * 2 +
                         [str(self.alice.gid)] * 2)

    def test_naws_during_the_session_sends_sigwinch_with_the_new_size(self):
        self.start()
        c = self.client(naws=(80, 24))
        self.login(c)
        c.sendline(WINCH_WAITER)
        c.expect(b'WAITING')
        c.send_naws(100, 30)
        m = c.expect(re.compile(rb'WINCH (\d+) (\d+)'))
        self.assertEqual((int(m.group(1)), int(m.group(2))), (100, 30))
        c.expect(PROMPT)
        self.assertEqual(self.run_cmd(c, 'stty size').strip(), '30 100')

    def interrupt(self, c, how):
        pid = self.shell_pid(c)
        c.sendline(SLEEPER)
        c.expect(b'SLEEPING')
        t0 = time.monotonic()
        how()
        c.expect(PROMPT, timeout=10)
        self.assertLess(time.monotonic() - t0, 5)
        # Killed by SIGINT (128 + 2), and the same shell goes on.
        c.sendline('echo STATUS=$?')
        self.assertEqual(c.expect(re.compile(rb'STATUS=(\d+)')).group(1),
                         b'130')
        c.expect(PROMPT)
        self.assertEqual(self.shell_pid(c), pid)

    def test_ctrl_c_interrupts_sleep_and_the_shell_stays(self):
        self.start()
        c = self.client()
        self.login(c)
        self.interrupt(c, lambda: c.send(b'\x03'))

    def test_telnet_ip_interrupts_sleep_and_the_shell_stays(self):
        self.start()
        c = self.client()
        self.login(c)
        self.interrupt(c, lambda: c.send_command(IP))

    def test_telnet_ayt_is_answered_during_the_session(self):
        self.start()
        c = self.client()
        self.login(c)
        c.sendline(SLEEPER)
        c.expect(b'SLEEPING')
        c.send_command(AYT)
        c.expect(b'[nvtd: yes]', timeout=5)
        c.send(b'\x03')
        c.expect(PROMPT)

    def test_utf8_four_byte_character_round_trips(self):
        self.start()
        c = self.client()
        self.login(c)
        # Client to shell: the four bytes arrive as they were typed.
        out = self.run_cmd(c, "printf %s '\U0001F600' | od -An -tx1")
        self.assertEqual(out.split(), ['f0', '9f', '98', '80'])
        # Shell to client: the four bytes arrive unchanged.
        c.sendline("printf 'U8<\\360\\237\\230\\200>\\n'")
        c.expect('U8<\U0001F600>\r\n'.encode())
        c.expect(PROMPT)

    def test_byte_255_is_sent_as_iac_iac(self):
        self.start()
        c = self.client()
        self.login(c)
        start = len(c.raw)
        c.sendline("printf 'FF<\\377>\\n'")
        c.expect(b'FF<\xff>\r\n')
        self.assertIn(b'FF<\xff\xff>', bytes(c.raw[start:]))
        # And typed 0xff (sent as IAC IAC) reaches the shell as one byte.
        out = self.run_cmd(c, "printf %s \"$(printf 'x\\377y')\" | od -An "
                           "-tx1")
        self.assertEqual(out.split(), ['78', 'ff', '79'])

    def test_output_still_in_the_pty_when_the_shell_exits_is_delivered(self):
        # The relay is held (SIGSTOP) while the shell writes its last
        # lines and exits, as a busy relay would be: when it runs again,
        # the shell is gone and its output is still in the pty, to be
        # read out before the connection closes.
        c, sid, relay = self.session()
        go = self.fifo('go.fifo')
        c.sendline('cat %s; seq 1 2000; exit' % go)
        wait_for(lambda: wchan(sid) == 'do_wait', 10, 'the shell to wait')
        c.expect(b'; exit\r\n')
        with stopped(relay):
            self.release(go, '')        # cat ends: seq runs, then exit
            wait_for(lambda: processes().get(sid, 'Z')[0] == 'Z', 10,
                     'the shell to exit')
        rest = re.sub(rb'\x1b\[[0-9;?]*[A-Za-z]', b'', c.read_until_eof(20))
        lines = rest.lstrip(b'\r').split(b'\r\n')
        self.assertEqual(lines[:2000], [b'%d' % i for i in range(1, 2001)])
        self.assertEqual(lines[2000:], [b'logout', b''])

    def test_exit_after_200000_lines_delivers_every_line(self):
        self.start()
        c = self.client()
        self.login(c)
        c.sendline('seq 1 200000; exit')
        c.expect(b'seq 1 200000; exit\r\n')
        rest = c.read_until_eof(60)
        rest = re.sub(rb'\x1b\[[0-9;?]*[A-Za-z]', b'', rest)
        lines = rest.split(b'\r\n')
        if lines[0].startswith(b'\r'):
            lines[0] = lines[0][1:]
        self.assertEqual(lines[:200000],
                         [b'%d' % i for i in range(1, 200001)])
        self.assertEqual(lines[200000:], [b'logout', b''])
