# SPDX-License-Identifier: ISC
"""The banner: every escape of the manual's table, the size cap, control
characters filtered, -b and -h."""

import os
import socket
import time

from harness import SiteTest


def os_pretty_name():
    for path in ('/etc/os-release', '/usr/lib/os-release'):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith('PRETTY_NAME='):
                        return line.split('=', 1)[1].strip().strip('"\'')
        except FileNotFoundError:
            continue
    return os.uname().sysname


def domain_name():
    with open('/proc/sys/kernel/domainname') as f:
        d = f.read().strip()
    return '' if d == '(none)' else d


class BannerEscapesTest(SiteTest):

    def banner(self, content, *args):
        """Start with content as the banner file; what the client shows
        before the login prompt, CR LF as LF."""
        path = os.path.join(self.site.dir, 'issue.net')
        with open(path, 'wb') as f:
            f.write(content)
        self.site.start(['-d', '--fail-delay', '0', '-b', path] +
                        list(args))
        c = self.client()
        c.expect(b'login: ')
        shown = bytes(c.data[:c.pos])
        self.assertNotIn(b'\n', shown.replace(b'\r\n', b''),
                         'a newline not sent as CR LF')
        return shown.replace(b'\r\n', b'\n')[:-len(b'login: ')]

    def test_every_escape_of_the_table(self):
        u = os.uname()
        shown = self.banner(
            b'\\s|%s\n\\n|%h\n\\r|%r\n\\v|%v\n\\m|%m\n'
            b'\\o|\\O|%D\n\\S\n\\l|%t\n\\\\|%%\n'
            b'\\q|%q|50%|\\\n')
        prompt_host = socket.gethostname().encode()
        self.assertTrue(shown.endswith(prompt_host + b' '))
        lines = shown[:-len(prompt_host) - 1].decode().split('\n')
        dom = domain_name()
        self.assertEqual(lines, [
            '%s|%s' % (u.sysname, u.sysname),
            '%s|%s' % (u.nodename, u.nodename),
            '%s|%s' % (u.release, u.release),
            '%s|%s' % (u.version, u.version),
            '%s|%s' % (u.machine, u.machine),
            '%s|%s|%s' % (dom, dom, dom),
            os_pretty_name(),
            'telnet|telnet',
            '\\|%',
            # Unknown escapes, and one at the very end, as they are.
            '\\q|%q|50%|\\',
            ''])

    def test_date_and_time_escapes(self):
        before = time.time()
        shown = self.banner(b'\\d\n\\t\n%d\n').decode()
        after = time.time()
        lines = shown.split('\n')[:3]

        def formats(fmt):
            return {time.strftime(fmt, time.localtime(t))
                    for t in (before, after)}
        self.assertIn(lines[0], formats('%a %b %e %Y'))
        self.assertIn(lines[1], formats('%H:%M:%S'))
        self.assertIn(lines[2], formats('%H:%M on %A, %d %B %Y'))

    def test_control_characters_are_dropped_tab_and_newline_kept(self):
        shown = self.banner(b'a\x1b[31mb\x07c\x00d\x7fe\rf\x08g\tT\n'
                            b'C1<\x9b31m> u<\xc2\x9b> ok<caf\xc3\xa9>'
                            b' latin1<\xe9>\n')
        host = socket.gethostname().encode()
        self.assertEqual(shown, b'a[31mbcdefg\tT\n'
                         b'C1<31m> u<> ok<caf\xc3\xa9> latin1<\xe9>\n' +
                         host + b' ')

    def test_banner_is_capped_at_4096_bytes(self):
        text = b''.join(b'line %04d ' % i + b'.' * 89 + b'\n'
                        for i in range(60))
        shown = self.banner(text)
        self.assertEqual(len(text), 6000)
        self.assertTrue(shown.startswith(text[:4096]))
        self.assertEqual(shown[4096:],
                         socket.gethostname().encode() + b' ')

    def test_a_character_cut_by_the_cap_is_not_shown_in_part(self):
        shown = self.banner(b'a' * 4094 + '\u20ac'.encode() + b'b\n')
        self.assertEqual(shown, b'a' * 4094 +
                         socket.gethostname().encode() + b' ')

    def test_expansions_count_toward_the_cap(self):
        shown = self.banner(b'\\v' * 1000)
        host = socket.gethostname().encode() + b' '
        self.assertEqual(len(shown), 4096 + len(host))
        version = os.uname().version.encode()
        self.assertTrue(shown.startswith(version * (4096 //
                                                    len(version))))

    def test_no_banner_option_shows_nothing_before_the_prompt(self):
        shown = self.banner(b'WELCOME \\n\n', '-h')
        self.assertEqual(shown, socket.gethostname().encode() + b' ')

    def test_missing_banner_file_is_not_an_error(self):
        path = os.path.join(self.site.dir, 'no-such-file')
        self.site.start(['-d', '--fail-delay', '0', '-b', path])
        c = self.client()
        c.expect(b'login: ')
        self.assertEqual(bytes(c.data[:c.pos]),
                         socket.gethostname().encode() + b' login: ')
        self.assertNotIn('banner ' + path, self.site.read_log())
