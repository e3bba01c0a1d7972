# SPDX-License-Identifier: ISC
"""Before the login and after the session: deadlines, the end of a
session from either side, and the PAM session close."""

import os
import re
import time

from harness import (IS_ROOT, PROMPT, SiteTest, descendants, in_session,
                     processes, relay_of, stopped, wait_for, wchan)
from tclient import AYT


def end(pid):
    """Kill pid, which the test started, if it still runs."""
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


def cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().split(b'\0')[:-1]
    except OSError:
        return None


def alive(pid):
    return processes().get(pid, ('Z',))[0] != 'Z'


def serve_fifo(path, pid, timeout=10):
    """Be the other end of every open of the FIFO path by pid (which
    blocks in 'wait_for_partner'), reading what it writes, until it
    stops opening it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wchan(pid) != 'wait_for_partner':
            if processes().get(pid, 'Z')[0] == 'Z':
                return
            time.sleep(0.01)
            continue
        # It may be opening to write: a reader lets it, and we read until
        # it closes.  (With no writer, the read ends at once.)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(fd, True)
        while os.read(fd, 65536):
            pass
        os.close(fd)
        # Or to read: a writer that closes at once gives it an empty file.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
    raise AssertionError('%d kept opening %s' % (pid, path))


class PreauthTest(SiteTest):

    def test_raw_client_that_never_answers_gets_a_prompt_within_a_second(self):
        self.start()
        t0 = time.monotonic()
        c = self.client(answer=False)
        c.expect(b'login: ', timeout=10)
        took = time.monotonic() - t0
        self.assertLess(took, 3.0, 'prompt after %.2f s' % took)
        # It can log in all the same.
        c.sendline('alice')
        c.expect(b'Password: ')
        c.sendline('secret')
        c.expect(PROMPT)

    def test_silent_client_is_disconnected_at_the_login_deadline(self):
        self.start('--login-timeout', '2')
        t0 = time.monotonic()
        c = self.client()
        c.expect(b'login: ')
        rest = c.read_until_eof(10)
        took = time.monotonic() - t0
        self.assertIn(b'Login timed out after 2 seconds.', rest)
        self.assertGreater(took, 1.5)
        self.assertLess(took, 5.0)

    def test_silent_client_at_the_password_prompt_is_disconnected_too(self):
        self.start('--login-timeout', '2')
        t0 = time.monotonic()
        c = self.client()
        c.expect(b'login: ')
        c.sendline('alice')
        c.expect(b'Password: ')
        rest = c.read_until_eof(10)
        self.assertIn(b'Login timed out after 2 seconds.', rest)
        self.assertLess(time.monotonic() - t0, 5.0)

    def test_ayt_before_login_is_answered(self):
        self.start()
        c = self.client()
        c.expect(b'login: ')
        c.send_command(AYT)
        c.expect(b'[nvtd: yes]')
        # And the login goes on.
        c.sendline('alice')
        c.expect(b'Password: ')


class SessionEndTest(SiteTest):

    def events_after(self, what, timeout=10):
        return wait_for(lambda: [e for e in self.site.pam_events()
                                 if e.startswith(what)], timeout,
                        'a PAM %s event' % what)

    def check_close(self, tty):
        closes = self.events_after('close_session')
        self.assertEqual(len(closes), 1, closes)
        fields = dict(f.split('=', 1) for f in closes[0].split()[1:])
        self.assertEqual(fields['user'], 'alice')
        self.assertEqual(fields['tty'], tty)
        # In the monitor, which keeps the daemon's ids: root, when nvtd
        # runs as root (as it does in production and in CI).
        self.assertEqual((fields['ruid'], fields['euid']),
                         (str(os.getuid()),) * 2,
                         'pam_close_session must run with the daemon\'s ids')

    def test_pam_session_is_closed_by_the_monitor_after_exit(self):
        self.site.set_service('nvtd', self.site.matrix_stack(
            session_extra=[self.site.session_hook()]))
        self.start()
        c = self.client()
        self.login(c)
        tty = self.run_cmd(c, 'tty').strip()
        self.assertEqual(len(self.site.pam_events()), 1)   # the open
        c.sendline('exit')
        c.read_until_eof()
        c.close()
        self.check_close(tty)

    def test_pam_session_is_closed_by_the_monitor_when_the_client_goes(self):
        self.site.set_service('nvtd', self.site.matrix_stack(
            session_extra=[self.site.session_hook()]))
        self.start()
        c = self.client()
        self.login(c)
        tty = self.run_cmd(c, 'tty').strip()
        c.sendline('sleep 300')
        c.abort()
        self.check_close(tty)

    def test_background_jobs_run_on_after_exit(self):
        # A logout is not a hangup: what the shell leaves running goes on.
        self.start()
        c = self.client()
        self.login(c)
        monitor = self.site.wait_monitor()
        job = int(self.run_cmd(
            c, 'sleep 305 </dev/null >/dev/null 2>&1 & echo $!')
            .split()[-1])
        self.addCleanup(end, job)
        c.sendline('exit')
        c.read_until_eof()
        wait_for(lambda: monitor not in processes(), 10,
                 'the monitor %d to exit' % monitor)
        self.assertTrue(alive(job))
        self.assertNotIn('the hangup missed', self.site.read_log())


class DisconnectTest(SiteTest):
    # Without root, the pty count is the machine's: then it runs alone.
    exclusive = not IS_ROOT

    def assert_nothing_left(self, sid, monitor, ptys):
        """The session's processes, the monitor and the pty all go."""
        wait_for(lambda: not in_session(sid), 10,
                 'the processes of session %d to end' % sid)
        wait_for(lambda: monitor not in processes(), 10,
                 'the monitor %d to exit' % monitor)
        wait_for(lambda: self.site.pty_count() == ptys, 10,
                 'the pty count to return to %d (now %d)' %
                 (ptys, self.site.pty_count()))
        if IS_ROOT:
            table = processes()
            left = [p for p, st in table.items()
                    if st[4] == self.alice.uid and st[0] != 'Z']
            self.assertEqual(left, [], 'processes of the user remain')
        table = processes()
        zombies = [p for p in descendants(self.site.proc.pid, table)
                   if table[p][0] == 'Z']
        self.assertEqual(zombies, [])

    def test_client_disconnect_ends_the_session_and_frees_the_pty(self):
        self.start()
        # Several times: the end of a session races with the shell's
        # handling of SIGHUP, and a single run can be lucky.
        for attempt in range(5):
            with self.subTest(attempt=attempt):
                self.disconnect_once()

    def disconnect_once(self):
        ptys = self.site.pty_count()
        c = self.client()
        self.login(c)
        monitor = self.site.wait_monitor()
        self.assertEqual(self.site.pty_count(), ptys + 1)
        sid = self.shell_pid(c)
        c.sendline("sleep 300 & sh -c 'echo FORE''GROUND; exec sleep 301'")
        bg = int(c.expect(re.compile(rb'\[1\] (\d+)')).group(1))
        c.expect(b'FOREGROUND')
        self.assertEqual(processes()[bg][3], sid)
        # Drop the connection once the shell waits for its foreground
        # job: what is tested is the hangup, not the shell's own window
        # between starting a job and entering it in its job table.
        wait_for(lambda: wchan(sid) == 'do_wait', 10,
                 'the shell to wait for its foreground job')
        c.abort()
        self.assert_nothing_left(sid, monitor, ptys)

    def test_hangup_reaches_background_jobs_while_bash_saves_history(self):
        # The shell's history file is a FIFO: on SIGHUP bash blocks
        # saving its history, before it passes SIGHUP on to its jobs,
        # until the test reads it (a slow home directory, deterministic).
        # A second SIGHUP from nvtd in that window would make bash exit
        # at once and leave its jobs running.
        self.start()
        ptys = self.site.pty_count()
        fifo = self.fifo('history.fifo')
        c = self.client()
        self.login(c)
        sid = self.shell_pid(c)
        monitor = processes()[sid][1]
        relay = relay_of(sid)
        # Set after start-up, so that bash does not read it at login.
        self.run_cmd(c, 'HISTFILE=%s' % fifo)
        c.sendline("sleep 300 & sh -c 'echo FORE''GROUND; exec sleep 301'")
        c.expect(re.compile(rb'\[1\] (\d+)'))
        c.expect(b'FOREGROUND')
        wait_for(lambda: wchan(sid) == 'do_wait', 10,
                 'the shell to wait for its foreground job')
        # The monitor is held while the client goes: the relay's exit
        # hangs up the terminal, bash gets the kernel's SIGHUP and blocks
        # on the FIFO.  Then the monitor learns that the relay is gone,
        # and whatever it does about it, it does now.
        with stopped(monitor):
            c.abort()
            wait_for(lambda: wchan(sid) == 'wait_for_partner', 10,
                     'the shell to save its history')
        wait_for(lambda: relay not in processes(), 10, 'the relay to exit')
        serve_fifo(fifo, sid)
        self.assert_nothing_left(sid, monitor, ptys)

    def test_killed_real_client_leaves_no_process_pty_or_zombie(self):
        self.start()
        ptys = self.site.pty_count()
        r = self.run_expect('drop.exp', 'alice', 'secret')
        self.site.sessions.add(int(r['sid']))
        self.assert_nothing_left(int(r['sid']), int(r['monitor']), ptys)


    # What the kernel's and the shell's SIGHUP do not reach, nvtd does
    # when the client goes: nothing that would die of a SIGHUP outlives
    # the connection; what ignores SIGHUP or left the session does.

    def test_jobs_the_shell_does_not_hang_up_end_with_the_connection(self):
        # Neither is in the shell's job table for SIGHUP: an orphan of a
        # job that has ended, and a job marked not to be hung up.  (As a
        # job the shell was starting when the terminal went.)
        self.start()
        ptys = self.site.pty_count()
        c = self.client()
        self.login(c)
        monitor = self.site.wait_monitor()
        sid = self.shell_pid(c)
        orphan = int(self.run_cmd(
            c, "sh -c 'sleep 300 </dev/null >/dev/null 2>&1 & echo $!'"))
        # (Its pid, after the shell's "[1] PID".)
        marked = int(self.run_cmd(c, 'sleep 301 & disown -h; echo $!')
                     .split()[-1])
        self.assertEqual(in_session(sid), sorted([sid, orphan, marked]))
        c.abort()
        self.assert_nothing_left(sid, monitor, ptys)
        self.assertIn('the shell exited after the hangup: SIGHUP to 2 '
                      'processes the hangup missed', self.site.read_log())

    def test_a_job_that_catches_sighup_until_it_execs_is_looked_at_again(self):
        # As a child the shell has forked and not yet exec'd: it catches
        # SIGHUP when the session is first looked at, and would die of
        # one a moment later.  (Its "sleep 29" dies at the first look.)
        self.start()
        ptys = self.site.pty_count()
        c = self.client()
        self.login(c)
        monitor = self.site.wait_monitor()
        sid = self.shell_pid(c)
        job = int(self.run_cmd(
            c, "sh -c '(trap : HUP; sleep 29; exec sleep 306) "
            "</dev/null >/dev/null 2>&1 & echo $!'"))
        self.addCleanup(end, job)
        wait_for(lambda: [p for p in processes()
                          if cmdline(p) == [b'sleep', b'29']],
                 10, 'the job to wait for its first command')
        c.abort()
        self.assert_nothing_left(sid, monitor, ptys)
        self.assertIn('the shell exited after the hangup: SIGHUP to 2 '
                      'processes the hangup missed', self.site.read_log())

    def test_a_shell_that_waits_through_the_hangup_is_let_go(self):
        # A shell that took the SIGHUP but acts on it only once its
        # foreground job ends (as bash does when the SIGHUP lands just
        # before it waits for a job it has just started): the job gets
        # the SIGHUP the terminal's end did not send it.
        u = self.site.add_user('carol', 'pw-carol')
        u.shell = os.path.join(u.home, 'waits-through-hangups')
        with open(u.shell, 'w') as f:
            f.write("#!/bin/sh\ntrap 'echo HUP' HUP\necho READY\n"
                    "sleep 302\n")
        os.chmod(u.shell, 0o755)
        self.start()
        ptys = self.site.pty_count()
        c = self.client()
        self.answer_prompts(c, u.name, u.password)
        c.expect(b'READY')
        monitor = self.site.wait_monitor()
        job = wait_for(lambda: [p for p in processes()
                                if cmdline(p) == [b'sleep', b'302']],
                       10, 'the login shell\'s job')[0]
        self.addCleanup(end, job)
        sid = processes()[job][3]
        c.abort()
        wait_for(lambda: not in_session(sid), 10,
                 'the processes of session %d to end' % sid)
        wait_for(lambda: monitor not in processes(), 10,
                 'the monitor %d to exit' % monitor)
        self.assertEqual(self.site.pty_count(), ptys)
        self.assertIn('the shell still runs a second after the hangup: '
                      'SIGHUP to 1 process the hangup missed',
                      self.site.read_log())

    def test_nohup_and_setsid_jobs_outlive_the_connection(self):
        self.start()
        c = self.client()
        self.login(c)
        monitor = self.site.wait_monitor()
        sid = self.shell_pid(c)
        kept = int(self.run_cmd(
            c, 'nohup sleep 303 </dev/null >/dev/null 2>&1 & echo $!')
            .split()[-1])
        self.addCleanup(end, kept)
        c.sendline('setsid -f sleep 304 </dev/null >/dev/null 2>&1')
        gone = wait_for(lambda: [p for p in processes()
                                 if cmdline(p) == [b'sleep', b'304']],
                        10, 'the setsid job')[0]
        self.addCleanup(end, gone)
        c.expect(PROMPT)
        c.abort()
        wait_for(lambda: monitor not in processes(), 10,
                 'the monitor %d to exit' % monitor)
        self.assertEqual(in_session(sid), [kept])
        self.assertTrue(alive(gone))
