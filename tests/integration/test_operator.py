# SPDX-License-Identifier: ISC
"""What the operator sees and sets: the banner, the command line."""

import os
import socket

from harness import CommandLineTest, SiteTest


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

    def test_standard_input_not_a_socket_is_refused_with_status_2(self):
        r = self.nvtd('-d')
        self.assertEqual(r.returncode, 2)
        self.assertIn(b'not a connected socket', r.stderr)
