# SPDX-License-Identifier: ISC
"""Session recording (--record): the file, what it holds, what it never
holds, its cap, its directory, and a relay that never waits for it."""

import fcntl
import json
import os
import re
import shutil
import stat
import subprocess
import termios

from harness import (PROMPT, CommandLineTest, SiteTest, need_root,
                     processes, stopped, wait_for, wchan)

SECRET = 'Pw-typed-at-read-s-8d21'
NAME_RE = r'^\d{8}-\d{6}-alice-pts-\d+(\.\d+)?\.cast$'


def load_cast(path):
    """(header, [events]) of an asciicast v2 file; fails on bad JSON."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    header = json.loads(lines[0])
    return header, [json.loads(line) for line in lines[1:]]


def output(events):
    return ''.join(e[2] for e in events if e[1] == 'o').encode('utf-8')


class RecordTest(SiteTest):

    def setUp(self):
        super().setUp()
        self.rec_dir = os.path.join(self.site.dir, 'rec')
        os.mkdir(self.rec_dir, 0o700)

    def start_recording(self, *args):
        self.start('--record', self.rec_dir, *args)

    def recording(self):
        """The one file, once the monitor has closed it."""
        wait_for(lambda: re.search(r'recording \S+: \d+ bytes$',
                                   self.site.read_log(), re.M), 15,
                 'the recording to be closed')
        names = os.listdir(self.rec_dir)
        self.assertEqual(len(names), 1, names)
        path = os.path.join(self.rec_dir, names[0])
        self.site.artifacts.append(path)
        return path

    def test_recording_is_asciicast_v2_with_the_output_the_client_got(self):
        self.start_recording()
        c = self.client(naws=(100, 30), ttype='XTERM-256COLOR')
        self.login(c)
        self.run_cmd(c, "printf 'caf\\303\\251 \\342\\202\\254 tab\\there\\n'")
        c.send_naws(120, 40)
        self.run_cmd(c, 'stty size')
        c.sendline('exit')
        c.read_until_eof(20)
        path = self.recording()

        self.assertRegex(os.path.basename(path), NAME_RE)
        st = os.lstat(path)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_uid, os.geteuid())

        header, events = load_cast(path)
        self.assertEqual(header['version'], 2)
        self.assertEqual((header['width'], header['height']), (100, 30))
        self.assertIsInstance(header['timestamp'], int)
        self.assertEqual(header['env'], {'TERM': 'xterm-256color',
                                         'SHELL': '/bin/bash'})
        self.assertRegex(header['title'],
                         r'^alice@pts/\d+ from 127\.0\.0\.1$')
        times = [e[0] for e in events]
        self.assertEqual(times, sorted(times))
        self.assertEqual({e[1] for e in events}, {'o', 'r'})
        self.assertEqual([e[2] for e in events if e[1] == 'r'], ['120x40'])

        # The output, as the client received it after the login.
        out = output(events)
        self.assertTrue(out.startswith(b'\x1b[?2004h' + PROMPT) or
                        out.startswith(PROMPT), out[:40])
        self.assertTrue(bytes(c.data).endswith(out))
        self.assertIn('café € tab\there'.encode(), out)
        self.assertIn(b'40 120\r\n', out)
        self.assertTrue(out.endswith(b'logout\r\n'))
        # The resize came between the two commands' output.
        r = next(i for i, e in enumerate(events) if e[1] == 'r')
        self.assertNotIn(b'40 120', output(events[:r]))

    def test_utf8_cut_between_reads_is_joined_and_invalid_bytes_replaced(
            self):
        go = self.fifo('go.fifo')
        self.start_recording()
        c = self.client()
        self.login(c)
        # One character in two writes, the second only once the client
        # has the first: two reads of the pty.
        c.sendline("printf 'A\\303'; read g < go.fifo; printf '\\251Z\\n'; "
                   "printf 'bad<\\377\\300>\\n'")
        c.expect(b'A\xc3')
        self.release(go)
        c.expect(PROMPT)
        c.sendline('exit')
        c.read_until_eof(20)
        _, events = load_cast(self.recording())
        text = output(events).decode('utf-8')
        self.assertIn('A\u00e9Z\r\n', text)
        self.assertIn('bad<\ufffd\ufffd>\r\n', text)
        self.assertTrue(any(e[1] == 'o' and e[2].endswith('A')
                            for e in events), 'the character was not cut')

    def test_no_password_is_recorded_and_no_input_without_record_input(self):
        self.start_recording()
        c = self.client()
        self.login(c)
        c.sendline("read -s -p 'Sec''ret: ' v; echo got-${#v}")
        c.expect(b'Secret: ')
        c.sendline(SECRET)
        c.expect(b'got-%d' % len(SECRET))
        c.expect(PROMPT)
        c.sendline('exit')
        c.read_until_eof(20)
        path = self.recording()
        with open(path, encoding='utf-8') as f:
            text = f.read()
        self.assertNotIn(SECRET, text)
        self.assertNotIn(self.alice.password, text)
        _, events = load_cast(path)
        self.assertNotIn('i', {e[1] for e in events})

    def test_record_input_captures_what_is_typed_even_at_echo_off(self):
        # Documented: --record-input records everything typed.
        self.start_recording('--record-input')
        c = self.client()
        self.login(c)
        c.sendline("read -s -p 'Sec''ret: ' v; echo got-${#v}")
        c.expect(b'Secret: ')
        c.sendline(SECRET)
        c.expect(PROMPT)
        c.sendline('exit')
        c.read_until_eof(20)
        _, events = load_cast(self.recording())
        typed = ''.join(e[2] for e in events if e[1] == 'i')
        self.assertIn(SECRET + '\r', typed)
        self.assertIn('exit\r', typed)
        # The login password was typed before the session: not in it.
        self.assertNotIn(self.alice.password, typed)

    def test_recording_stops_at_the_size_limit_and_says_so(self):
        self.start_recording('--record-limit', '8K')
        c = self.client()
        self.login(c)
        c.sendline('seq 1 20000; exit')
        rest = c.read_until_eof(30)
        self.assertIn(b'\r\n20000\r\n', rest)     # the session went on
        path = self.recording()
        self.assertLessEqual(os.path.getsize(path), 8192)
        _, events = load_cast(path)
        self.assertEqual(events[-1][1], 'm')
        self.assertIn('size limit of 8192 bytes', events[-1][2])
        self.assertEqual(sum(e[1] == 'm' for e in events), 1)
        self.assertTrue(bytes(c.data).find(output(events)) > 0)
        self.assertIn('stopped at the size limit', self.site.read_log())

    def test_relay_never_waits_for_a_stalled_monitor(self):
        # The monitor stopped, the pipe fills: the session's output still
        # reaches the client, and the recording notes the gap.
        self.start_recording()
        c = self.client()
        self.login(c)
        sid = self.shell_pid(c)
        monitor = processes()[sid][1]
        with stopped(monitor):
            c.sendline("seq 1 400000; echo DO''NE")
            c.expect(b'\r\n400000\r\nDONE\r\n', timeout=60)
            c.expect(PROMPT)
        # Back in poll() after it ran again, the monitor has emptied the
        # pipe (while stopped it sleeps in do_signal_stop).
        wait_for(lambda: (wchan(monitor) or '').startswith('poll'), 10,
                 'the monitor to empty the pipe')
        c.sendline('echo after')
        c.expect(b'after\r\n')
        c.sendline('exit')
        c.read_until_eof(20)
        _, events = load_cast(self.recording())
        notes = [e[2] for e in events if e[1] == 'm']
        self.assertEqual(len(notes), 1, notes)
        lost = 0
        for note in notes:
            m = re.match(r'^nvtd: (\d+) bytes not recorded here', note)
            self.assertTrue(m, note)
            lost += int(m.group(1))
        # Every byte of the session's output is either recorded or
        # counted in a note.
        out = output(events)
        start = bytes(c.data).find(out[:16])
        self.assertEqual(len(out) + lost, len(c.data) - start)
        self.assertGreater(lost, 1024 * 1024)
        self.assertTrue(out.endswith(b'logout\r\n'))

    def test_asciinema_cat_plays_the_recording_back(self):
        if shutil.which('asciinema') is None:
            self.skipTest('asciinema is not installed (Debian package '
                          'asciinema)')
        self.start_recording()
        c = self.client()
        self.login(c)
        self.run_cmd(c, "printf 'na\\303\\257ve \\033[1mbold\\033[0m\\n'")
        c.sendline('exit')
        c.read_until_eof(20)
        path = self.recording()
        _, events = load_cast(path)
        # asciinema cat needs a terminal to read from: a pty of our own.
        master, slave = os.openpty()
        env = {'PATH': '/usr/bin:/bin', 'HOME': self.site.dir,
               'LC_ALL': 'C.UTF-8', 'PYTHONIOENCODING': 'utf-8',
               'ASCIINEMA_CONFIG_HOME': os.path.join(self.site.dir, 'ac')}

        def ctty():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        try:
            r = subprocess.run(['asciinema', 'cat', path], stdin=slave,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=30,
                               start_new_session=True, preexec_fn=ctty)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, output(events))
        self.assertIn('naïve \x1b[1mbold\x1b[0m'.encode(), r.stdout)


class RecordDirTest(CommandLineTest):
    """--record DIR is refused at start, in one line, unless DIR is a
    directory of root's (ours, when not root) that no one else can
    write."""

    def refused(self, path, why):
        self.assert_refused(self.nvtd('--record', path),
                            '--record %s: ' % path, why)

    def test_a_good_directory_is_accepted(self):
        os.chmod(self.dir, 0o700)
        r = self.nvtd('--record', self.dir)
        self.assertIn(b'not a connected socket', r.stderr)
        os.chmod(self.dir, 0o755)
        r = self.nvtd('--record', self.dir, '--record-input',
                      '--record-limit', '1M')
        self.assertIn(b'not a connected socket', r.stderr)

    def test_directory_writable_by_group_or_others_is_refused(self):
        for mode in (0o770, 0o707, 0o1777):
            with self.subTest(mode=oct(mode)):
                os.chmod(self.dir, mode)
                self.refused(self.dir, 'writable by group or others')

    def test_directory_of_another_user_is_refused(self):
        need_root('only root can give a directory away')
        os.chmod(self.dir, 0o700)
        os.chown(self.dir, 4242, 4242)
        self.refused(self.dir, 'not owned by root')

    def test_symlink_missing_directory_and_file_are_refused(self):
        os.chmod(self.dir, 0o700)
        link = self.dir + '.link'
        os.symlink(self.dir, link)
        self.addCleanup(os.unlink, link)
        self.refused(link, 'symbolic link')
        self.refused(os.path.join(self.dir, 'missing'), 'No such file')
        path = os.path.join(self.dir, 'file')
        open(path, 'w').close()
        self.refused(path, 'Not a directory')

    def test_bad_record_options_are_refused(self):
        for args, named in [(['--record-input'], '--record-input'),
                            (['--record', self.dir, '--record-limit',
                              '100'], '--record-limit'),
                            (['--record', self.dir, '--record-limit',
                              'lots'], 'lots'),
                            (['--record', self.dir, '--record-limit',
                              '2T'], '2T')]:
            with self.subTest(args=args):
                self.assert_refused(self.nvtd(*args), named)
