# SPDX-License-Identifier: ISC
"""What the operator sees and sets: the banner, the command line, the
version."""

import os
import re
import socket
import subprocess

from harness import NVTD, TOP, CommandLineTest, SiteTest, wait_for

# How nvtd says its version: VERSION's, then the commit when it was built
# from a git checkout (the Makefile's git describe --always --dirty).
VERSION = r'(?P<version>[^ ()\n]+)(?P<git> \(git [^ ()\n]+\))?'


def declared_version():
    """What the file VERSION at the top of the tree says."""
    with open(os.path.join(TOP, 'VERSION')) as f:
        return f.read().strip()


def built_from_git():
    """Whether the Makefile's git describe answers in this tree."""
    if not os.path.exists(os.path.join(TOP, '.git')):
        return False
    try:
        r = subprocess.run(['git', 'describe', '--always', '--dirty'],
                           cwd=TOP, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
    except OSError:
        return False
    return r.returncode == 0


class BannerTest(SiteTest):

    def write_banner(self):
        path = os.path.join(self.site.dir, 'issue.net')
        with open(path, 'wb') as f:
            # Control bytes other than tab and newline must not reach the
            # client's terminal.
            f.write(b'Welcome to the nvtd tests\n\x1b[2Jcleared?\x07\n'
                    b'\tlast line\n')
        return path

    def before_prompt(self, c):
        c.expect(b'login: ')
        return bytes(c.data[:c.pos])

    def test_banner_file_is_shown_before_the_prompt(self):
        path = self.write_banner()
        self.site.start(['-d', '--fail-delay', '0', '-b', path])
        c = self.client()
        self.assertEqual(self.before_prompt(c),
                         b'Welcome to the nvtd tests\r\n[2Jcleared?\r\n'
                         b'\tlast line\r\n' +
                         socket.gethostname().encode() + b' login: ')

    def test_no_banner_option_hides_it(self):
        path = self.write_banner()
        self.site.start(['-d', '--fail-delay', '0', '-b', path, '-h'])
        c = self.client()
        self.assertEqual(self.before_prompt(c),
                         socket.gethostname().encode() + b' login: ')


class OptionsTest(CommandLineTest):

    def test_bad_option_gets_one_line_naming_it_and_status_2(self):
        cases = [
            (['--bogus'], '--bogus'),
            (['-x'], '-x'),
            (['--max-tries', 'zero'], 'zero'),
            (['--max-tries', '0'], '--max-tries'),
            (['--login-timeout', '0'], '--login-timeout'),
            (['--fail-delay', '61'], '--fail-delay'),
            (['--login-timeout'], '--login-timeout'),
            (['-s', 'a/b'], 'a/b'),
            (['-a', 'LD_PRELOAD'], 'LD_PRELOAD'),
            (['-a', 'not a name'], 'not a name'),
            (['extra-argument'], 'extra-argument'),
        ]
        for args, named in cases:
            with self.subTest(args=args):
                self.assert_refused(self.nvtd(*args), named)

    def test_help_and_version_exit_0(self):
        r = self.nvtd('--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn(b'--login-timeout', r.stdout)
        r = self.nvtd('--version')
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith(b'nvtd '))

    def test_version_is_what_the_VERSION_file_says(self):
        r = self.nvtd('--version')
        self.assertEqual((r.returncode, r.stderr), (0, b''))
        out = r.stdout.decode()
        m = re.fullmatch('nvtd ' + VERSION + '\n', out)
        self.assertIsNotNone(m, out)
        self.assertEqual(m.group('version'), declared_version())
        # The commit exactly when the tree is a git checkout: a tarball of
        # make dist has no .git, and says the plain version.
        self.assertEqual(m.group('git') is not None, built_from_git(), out)

    def test_man_page_os_line_is_what_the_VERSION_file_says(self):
        with open(os.path.join(TOP, 'man', 'nvtd.8')) as f:
            os_lines = [ln for ln in f if ln.startswith('.Os')]
        self.assertEqual(os_lines, ['.Os nvtd %s\n' % declared_version()])

    def test_standard_input_not_a_socket_is_refused_with_status_2(self):
        r = self.nvtd('-d')
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'not a connected socket', r.stderr)


class StartLogTest(SiteTest):

    def test_listener_logs_its_version_when_it_starts_accepting(self):
        self.start(mode='listen')
        line = re.compile('version ' + VERSION +
                          ': accepting connections on 1 socket\n')
        m = wait_for(lambda: line.search(self.site.read_log()), 10,
                     "the listener's accepting line")
        # The whole of what --version says, commit included.
        r = subprocess.run([NVTD, '--version'], stdout=subprocess.PIPE,
                           check=True, timeout=10)
        self.assertEqual(r.stdout.decode(), 'nvtd %s%s\n' % (
            m.group('version'), m.group('git') or ''))
        self.assertEqual(m.group('version'), declared_version())
