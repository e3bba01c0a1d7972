# SPDX-License-Identifier: ISC
"""Login accounting: utmp while the session lives, one wtmp record with
a logout time after it, and nothing to complain about where there is no
utmp.  The daemon runs in a mount namespace of its own, where /run/utmp
and /var/log/wtmp are the test's files (harness.Site._namespace)."""

import re
import struct
import subprocess
import time

from harness import SiteTest, need_namespace, processes, wait_for

# struct utmpx on Linux (glibc, native alignment): type, pid, line, id,
# user, host, exit, session, tv_sec, tv_usec, addr_v6, unused.
UTMP_FORMAT = 'hi32s4s32s256shhiii16s20s'
UTMP_SIZE = struct.calcsize(UTMP_FORMAT)
USER_PROCESS, DEAD_PROCESS = 7, 8


class UtmpTest(SiteTest):

    def who(self):
        r = subprocess.run(['who', self.site.utmp], capture_output=True,
                           check=True)
        return [l for l in r.stdout.decode().splitlines() if l.strip()]

    def last(self):
        r = subprocess.run(['last', '-w', '-f', self.site.wtmp],
                           capture_output=True, check=True)
        return [l for l in r.stdout.decode().splitlines()
                if l.startswith('alice ')]

    def session(self, end):
        """Log in, check utmp, end the session with end(c); the line."""
        need_namespace('nvtd must write utmp and wtmp files of the test')
        self.start(accounting='utmp')
        c = self.client()
        self.login(c)
        monitor = self.site.wait_monitor()
        line = self.run_cmd(c, 'tty').strip()[len('/dev/'):]
        # Seen from the session itself, where /run/utmp is the test's...
        inside = self.run_cmd(c, 'who').splitlines()
        self.assertEqual(len(inside), 1, inside)
        self.assertRegex(inside[0], r'^alice +%s .*\(127\.0\.0\.1\)$' %
                         re.escape(line))
        # ...and in the file.
        self.assertEqual([l.split()[:2] for l in self.who()],
                         [['alice', line]])
        end(c)
        wait_for(lambda: monitor not in processes(), 10,
                 'the monitor to exit')
        return line

    def wtmp_records(self):
        """(type, pid, line, user, seconds) of every wtmp record."""
        with open(self.site.wtmp, 'rb') as f:
            data = f.read()
        self.assertEqual(len(data) % UTMP_SIZE, 0)
        out = []
        for off in range(0, len(data), UTMP_SIZE):
            f = struct.unpack_from(UTMP_FORMAT, data, off)
            t, pid, line, user, sec = f[0], f[1], f[2], f[4], f[9]
            out.append((t, pid, line.rstrip(b'\0').decode(),
                        user.rstrip(b'\0').decode(), sec))
        return out

    def check_after(self, line):
        self.assertEqual(self.who(), [], 'the utmp entry stayed behind')
        # The file: a login and then a logout record for the line.
        records = self.wtmp_records()
        self.assertEqual([(r[0], r[2], r[3]) for r in records],
                         [(USER_PROCESS, line, 'alice'),
                          (DEAD_PROCESS, line, '')])
        self.assertEqual(records[0][1], records[1][1], 'the same pid')
        # last(1) says "still running" for a logout in the current second
        # of time(2), whose coarse clock may lag a tick behind: wait for
        # the clock to pass that second.
        wait_for(lambda: time.time() >= records[1][4] + 1.05, 3,
                 'the second of the logout to pass')
        records = self.last()
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0].split()[1], line)
        self.assertNotIn('still logged in', records[0])
        self.assertRegex(records[0], r' - \d\d:\d\d +\(\d\d:\d\d\)$',
                         'no logout time')

    def test_who_lists_the_session_and_last_shows_one_closed_record(self):
        def end(c):
            c.sendline('exit')
            c.read_until_eof()
            c.close()
        self.check_after(self.session(end))

    def test_dropped_connection_leaves_no_utmp_entry(self):
        self.check_after(self.session(lambda c: c.abort()))

    def test_login_works_where_utmp_does_not_exist(self):
        need_namespace('hiding /run/utmp and /var/log/wtmp from nvtd')
        self.start(accounting='absent')
        c = self.client()
        self.answer_prompts(c)
        before = c.pos
        self.login_prompt_seen = c.expect(b'@nvtd-test> ')
        # Nothing but the shell's own output between password and prompt.
        shown = bytes(c.data[before:c.pos])
        self.assertNotIn(b'tmp', shown.lower())
        self.assertEqual(self.run_cmd(c, 'ls /run/utmp /var/log/wtmp '
                                      '2>/dev/null; echo $?').split(),
                         ['2'])
        self.assertEqual(self.run_cmd(c, 'who').strip(), '')
        c.sendline('exit')
        self.assertIn(b'logout', c.read_until_eof())
