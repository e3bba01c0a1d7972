# SPDX-License-Identifier: ISC
"""A whole login with the real telnet client: what "works" means."""

import base64
import re

from harness import (DAEMON_MARKERS, IS_ROOT, TTY_GID, SiteTest, in_session,
                     wait_for)

ANSI = re.compile(rb'\x1b\[[0-9;?]*[A-Za-z]')


def session_lines(transcript, after):
    """The lines the client showed after the last echo of `after`."""
    rest = transcript[transcript.rindex(after) + len(after):]
    lines = []
    for line in ANSI.sub(b'', rest).split(b'\n'):
        # What a terminal shows: the text after the last carriage return.
        line = line.rstrip(b'\r')
        lines.append(line[line.rfind(b'\r') + 1:].decode(errors='replace'))
    return lines[1:]


class RealClientLoginTest(SiteTest):

    def test_successful_login_with_the_real_client_passes_every_check(self):
        rows, cols, rows2, cols2 = 40, 120, 50, 100
        self.start()
        monitor_before = set(self.site.monitors())
        r = self.run_expect('login_session.exp', 'alice', 'secret', rows,
                            cols, rows2, cols2)
        # The window size at the very first prompt is the client's.
        self.assertEqual(r['first_size'], '%d %d' % (rows, cols))
        # A pty of its own, whose session the shell leads.
        self.assertRegex(r['tty'], r'^/dev/pts/[0-9]+$')
        self.assertEqual(r['sid'], r['pid'], 'the shell leads its session')
        # Given to the user: owner, group tty, rw--w----.
        if IS_ROOT:
            self.assertEqual(r['tty_stat'], '%d %d 620' % (self.alice.uid,
                                                           TTY_GID))
        # A login shell.
        self.assertEqual(r['argv0'], '-bash')

        env = {}
        for item in base64.b64decode(r['environ']).split(b'\0'):
            if b'=' in item:
                k, v = item.decode().split('=', 1)
                env[k] = v
        # TERM is what the client said ($TERM of telnet), lowercased.
        self.assertEqual(env.get('TERM'), 'xterm')
        self.assertEqual(env.get('USER'), 'alice')
        self.assertEqual(env.get('LOGNAME'), 'alice')
        self.assertEqual(env.get('HOME'), self.alice.home)
        self.assertEqual(env.get('SHELL'), '/bin/bash')
        # Nothing of the daemon's own environment: what systemd sets, the
        # markers put there by the test (they travel with -E, like the
        # PAM_WRAPPER_* variables without which this login could not have
        # happened), the preload.
        for name in env:
            self.assertFalse(name.startswith(('LD_', 'LISTEN_', 'PAM_WRAPPER',
                                              'NSS_WRAPPER')),
                             'the session got %s from the daemon' % name)
        for name in DAEMON_MARKERS:
            self.assertNotIn(name, env)

        # Resizing the client's window reached the program as SIGWINCH,
        # with the new size.
        self.assertEqual(r['winch'], '%d %d' % (rows2, cols2))
        self.assertEqual(r['size_after'], '%d %d' % (rows2, cols2))

        # ^C killed the sleep (128 + SIGINT) at once; same shell after.
        self.assertLess(float(r['intr_seconds']), 5.0)
        self.assertEqual(r['status_after_intr'], '130')
        self.assertEqual(r['pid_after_intr'], r['pid'])

        # UTF-8 through the real client, typed and shown.
        self.assertEqual(r['utf8_in'].split(), ['e2', '82', 'ac'])
        with open(self.site.artifacts[-1], 'rb') as f:
            transcript = f.read()
        self.assertIn('U8<\U0001F600>\r\n'.encode(), transcript)

        # All of a long output, in order, nothing lost or damaged.
        lines = session_lines(transcript, b'seq 1 200000')
        self.assertEqual(lines[:200000], [str(i) for i in range(1, 200001)],
                         'seq output lost or damaged')
        # exit: the last output, then the connection closed, and the
        # client ended normally.
        lines = session_lines(transcript, b"LAST''WORDS; exit")
        self.assertEqual(lines[:2], ['LASTWORDS', 'logout'])
        self.assertEqual(r['client_status'], '0')

        # And nothing of the session is left.
        sid = int(r['sid'])
        wait_for(lambda: not in_session(sid), 10,
                 'the processes of session %d to end' % sid)
        wait_for(lambda: not (set(self.site.monitors()) - monitor_before),
                 10, 'the monitor to exit')
