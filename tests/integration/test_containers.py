# SPDX-License-Identifier: ISC
"""Pseudo-terminals the way containers have them: a devpts instance of
their own, /dev/ptmx reaching it, limits, modes and missing pieces.

Each test makes the setup in the daemon's private mount namespace (the
machine's /dev is never touched), logs in or fails to, and runs
`nvtd --check` in the same namespace.  A login that cannot get a pty
must say why in one line, leave no PAM session open and no process
behind; --check must FAIL the right line and exit 1, or exit 0 when a
login works.
"""

import os
import re

from harness import (NVTD, TOP, SiteTest, descendants, need_namespace,
                     processes, wait_for)

README = os.path.join(TOP, 'README.md')

# What a container runtime should do (OCI runtime spec, runc's default
# mounts), and what README.md tells users to do.
DEVPTS_OPTIONS = 'newinstance,ptmxmode=0666,mode=620,gid=5'


def devpts(options=DEVPTS_OPTIONS, ptmx=True):
    """Setup: a devpts instance of its own on /dev/pts, and (ptmx) its
    ptmx bound over /dev/ptmx, so that the mount's ptmxmode applies."""
    cmds = ['mount -t devpts -o %s devpts /dev/pts' % options]
    if ptmx:
        cmds.append('mount --bind /dev/pts/ptmx /dev/ptmx')
    return cmds


def bare_dev():
    """Setup: a /dev of the container's own, a tmpfs with the few nodes a
    login needs and an empty /dev/pts: no /dev/ptmx and, as on kernels
    without CONFIG_LEGACY_PTYS, no BSD ptys."""
    nodes = [('null', 1, 3), ('zero', 1, 5), ('random', 1, 8),
             ('urandom', 1, 9), ('tty', 5, 0)]
    return ['mount -t tmpfs -o mode=755 nvtd-dev /dev', 'mkdir /dev/pts'] + \
        ['mknod -m 666 /dev/%s c %d %d' % n for n in nodes]


# Root without the capability that lets it open a file whatever its mode,
# as in a container that drops it.
NO_DAC_OVERRIDE = ['setpriv', '--bounding-set',
                   '-dac_override,-dac_read_search', '--']


class ContainerTest(SiteTest):

    def setUp(self):
        need_namespace('a devpts instance in a private mount namespace')
        super().setUp()
        self.hook = self.site.session_hook()
        self.site.set_service('nvtd', self.site.matrix_stack(
            session_extra=[self.hook]))

    def start_in(self, setup, prefix=()):
        self.prefix = list(prefix)
        return self.start(setup=setup, prefix=prefix)

    def check(self, fix=None):
        """nvtd --check where the daemon runs (after the shell command
        fix, when given): (exit status, {line: level}, output)."""
        argv = self.prefix + [NVTD, '--check']
        if fix is not None:
            r = self.site.run_inside(['sh', '-c', fix])
            self.assertEqual(r.returncode, 0, 'the fix %r failed: %s' %
                             (fix, r.stderr.decode(errors='replace')))
        r = self.site.run_inside(argv)
        out = r.stdout.decode(errors='replace')
        self.site.artifacts.append(self._save('check.out', out))
        lines = {}
        for line in out.splitlines():
            m = re.match(r'(OK|WARN|FAIL) +(.*)', line)
            if m:
                lines[m.group(2)] = m.group(1)
        self.assertEqual(r.stderr, b'', 'nvtd --check wrote to stderr')
        self.assertIn(r.returncode, (0, 1), out)
        return r.returncode, lines, out

    def _save(self, name, text):
        path = os.path.join(self.site.dir, name)
        with open(path, 'a') as f:
            f.write(text + '\n')
        return path

    def level(self, lines, pattern):
        """The level of the one --check line matching pattern."""
        found = [(t, lvl) for t, lvl in lines.items()
                 if re.search(pattern, t)]
        self.assertEqual(len(found), 1, 'lines matching %r: %r' %
                         (pattern, found))
        return found[0][1]

    def refused(self, c=None):
        """Log in and get refused for want of a pty: the line said."""
        c = c or self.client()
        self.login_until_password(c)
        m = c.expect(re.compile(rb'no pseudo-terminal available: ([^\r\n]*)'
                                rb'\r\n'))
        c.read_until_eof()
        return m.group(1).decode()

    def login_until_password(self, c):
        c.expect(b'login: ')
        c.sendline(self.alice.name)
        c.expect(b'Password: ')
        c.sendline(self.alice.password)

    def assert_clean_after_refusal(self, sessions=0):
        """No monitor but those of live sessions, no process of the user
        outside them, every PAM session opened also closed or live."""
        wait_for(lambda: len(self.site.monitors()) == sessions,
                 what='the refused connection\'s monitor to exit')
        table = processes()
        live = set()
        for m in self.site.monitors():
            live.update(descendants(m, table))
        users = [p for p, st in table.items()
                 if st[4] == self.alice.uid and st[0] != 'Z' and
                 p not in live]
        self.assertEqual(users, [])
        events = self.site.pam_events()
        opens = [e for e in events if e.startswith('open_session')]
        closes = [e for e in events if e.startswith('close_session')]
        self.assertEqual(len(opens) - len(closes), sessions, events)

    def assert_slave_is_alices(self, c):
        """The session's terminal: alice's, group tty, mode 0620.  (The
        shell has no nss_wrapper: alice's uid has no name there.)"""
        self.assertEqual(self.run_cmd(c, "stat -c '%u:%G %a' $(tty)"),
                         '%d:tty 620\n' % self.alice.uid)

    def assert_pty_lines_ok(self, lines):
        """Every --check line about ptys is OK.  (Others depend on the
        test machine: /run/utmp, the PAM service in /etc.)"""
        for text, lvl in lines.items():
            if text.startswith(('devpts', '/dev/ptmx', 'a test terminal',
                                'terminals in use')):
                self.assertEqual(lvl, 'OK', text)

    def log_line(self, pattern):
        return wait_for(lambda: re.search(pattern, self.site.read_log()),
                        what='a log line matching %r' % pattern).group(0)


class DevptsLimitTest(ContainerTest):

    def test_devpts_max_3_serves_three_and_refuses_the_fourth_naming_max(self):
        self.start_in(devpts(DEVPTS_OPTIONS + ',max=3'))
        status, lines, out = self.check()
        self.assertEqual(status, 0, out)
        self.assertEqual(self.level(lines, r'^devpts allows'), 'WARN')

        clients = []
        for _ in range(3):
            c = self.client()
            self.login(c)
            self.shell_pid(c)
            clients.append(c)
        ttys = {self.run_cmd(c, 'tty').strip() for c in clients}
        self.assertEqual(ttys, {'/dev/pts/0', '/dev/pts/1', '/dev/pts/2'})

        why = self.refused()
        self.assertIn('max=3', why)
        self.assertIn('all 3', why)
        line = self.log_line(r'no pseudo-terminal for alice: .*')
        self.assertIn('posix_openpt', line)
        self.assertIn('fix: mount -o remount,max=', line)
        self.assert_clean_after_refusal(sessions=3)

        for i, c in enumerate(clients):
            self.assertEqual(self.run_cmd(c, 'echo still $((%d + 1))' % i),
                             'still %d\n' % (i + 1))

        status, lines, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertEqual(self.level(lines, r'^devpts allows'), 'FAIL')
        self.assertEqual(self.level(lines, r'test terminal'), 'FAIL')

        # The fix the log gave works, on the live mount.
        fix = re.search(r'fix: (mount -o remount,max=\d+ /dev/pts)',
                        line).group(1)
        status, lines, out = self.check(fix)
        self.assertEqual(status, 0, out)
        c = self.client()
        self.login(c)
        self.assertEqual(self.run_cmd(c, 'tty'), '/dev/pts/3\n')

        for c in clients:
            c.sendline('exit')
            c.read_until_eof()
        wait_for(lambda: len([e for e in self.site.pam_events()
                              if e.startswith('close_session')]) == 3,
                 what='three PAM session closes')


class PtmxModeTest(ContainerTest):

    def test_ptmxmode_000_without_dac_override_names_the_mount_option(self):
        self.start_in(devpts('newinstance,ptmxmode=000,mode=620,gid=5'),
                      prefix=NO_DAC_OVERRIDE)
        why = self.refused()
        self.assertIn('ptmxmode=000', why)
        line = self.log_line(r'no pseudo-terminal for alice: .*')
        self.assertIn('Permission denied', line)
        self.assertIn('fix: mount -o remount,ptmxmode=0666 /dev/pts', line)
        self.assert_clean_after_refusal()

        status, lines, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertEqual(self.level(lines, r'^/dev/ptmx'), 'FAIL')
        self.assertIn('ptmxmode=000',
                      [t for t in lines if t.startswith('/dev/ptmx')][0])
        self.assertEqual(self.level(lines, r'test terminal'), 'FAIL')

        status, lines, out = self.check(
            'mount -o remount,ptmxmode=0666 /dev/pts')
        self.assertEqual(status, 0, out)
        self.assertEqual(self.level(lines, r'^/dev/ptmx'), 'OK')
        # Without the capability, nvtd still gives the slave away
        # (CAP_CHOWN, CAP_FOWNER).
        c = self.client()
        self.login(c)
        self.assert_slave_is_alices(c)

    def test_ptmxmode_000_is_a_warning_for_root_that_may_override_it(self):
        self.start_in(devpts('newinstance,ptmxmode=000,mode=620,gid=5'))
        status, lines, out = self.check()
        self.assertEqual(status, 0, out)
        self.assertEqual(self.level(lines, r'^/dev/ptmx'), 'WARN')
        c = self.client()
        self.login(c)
        self.assertRegex(self.run_cmd(c, 'tty'), r'^/dev/pts/\d+\n$')


class DevptsGidTest(ContainerTest):

    def test_devpts_without_gid_5_still_gives_alice_a_tty_group_slave(self):
        # No gid=, and the kernel's default mode=600.
        self.start_in(devpts('newinstance,ptmxmode=0666'))
        status, lines, out = self.check()
        self.assertEqual(status, 0, out)
        self.assertEqual(self.level(lines, r'no gid='), 'OK')
        c = self.client()
        self.login(c)
        self.assert_slave_is_alices(c)


class MissingPiecesTest(ContainerTest):

    def test_missing_dev_ptmx_without_bsd_ptys_is_named(self):
        self.start_in(bare_dev() + devpts(ptmx=False))
        why = self.refused()
        self.assertEqual(why, '/dev/ptmx does not exist')
        self.log_line(r'no pseudo-terminal for alice: .*fix: ln -s '
                      r'pts/ptmx /dev/ptmx')
        self.assert_clean_after_refusal()

        status, lines, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertEqual(self.level(lines, r'^/dev/ptmx does not exist'),
                         'FAIL')
        status, lines, out = self.check('ln -s pts/ptmx /dev/ptmx')
        self.assertEqual(status, 0, out)
        self.assertEqual(self.level(lines, r'^/dev/ptmx'), 'OK')
        c = self.client()
        self.login(c)
        self.assertEqual(self.run_cmd(c, 'tty'), '/dev/pts/0\n')

    def test_devpts_not_mounted_is_named_and_the_mount_given_works(self):
        self.start_in(bare_dev() + ['ln -s pts/ptmx /dev/ptmx'])
        why = self.refused()
        self.assertEqual(why, 'devpts is not mounted on /dev/pts')
        self.assert_clean_after_refusal()

        status, lines, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertEqual(self.level(lines, r'^devpts is not mounted'),
                         'FAIL')
        fix = re.search(r'fix: (mount -t devpts .*)',
                        [t for t in lines if t.startswith('devpts')][0])
        status, lines, out = self.check(fix.group(1))
        self.assertEqual(status, 0, out)
        self.assert_pty_lines_ok(lines)
        c = self.client()
        self.login(c)
        self.assert_slave_is_alices(c)


class RecipeTest(ContainerTest):
    """README's recipe for a container, as written there."""

    def test_readme_recipe_gives_a_clean_check_and_a_login(self):
        with open(README) as f:
            readme = f.read()
        for cmd in devpts():
            self.assertTrue(cmd in readme, 'README.md lacks ' + cmd)
        self.start_in(devpts())
        status, lines, out = self.check()
        self.assertEqual(status, 0, out)
        self.assert_pty_lines_ok(lines)
        c = self.client()
        self.login(c)
        self.assert_slave_is_alices(c)
        c.sendline('exit')
        c.read_until_eof()

