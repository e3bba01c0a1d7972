# SPDX-License-Identifier: ISC
"""`systemd-analyze security` of the units, and why they have no
sandboxing: the user's shell inherits whatever the unit sets."""

import os
import re

import fixture
from fixture import SystemdTest, sh, systemctl

README = os.path.join(os.path.dirname(os.path.dirname(fixture.HERE)),
                      'README.md')
DROPIN = '/etc/systemd/system/nvtd@.service.d/sandbox.conf'


def exposure(unit):
    """The overall exposure systemd-analyze security gives unit."""
    out = sh('systemd-analyze security --no-pager %s' % unit)
    m = re.search(r'Overall exposure level for \S+: ([0-9.]+ [A-Z]+)', out)
    return m.group(1) if m else out


class SecurityTest(SystemdTest):

    def test_the_exposure_is_the_one_the_readme_gives(self):
        with open(README) as f:
            text = ' '.join(f.read().split())
        for unit in ('nvtd@.service', 'nvtd-listener.service'):
            with self.subTest(unit=unit):
                m = re.search(r'`systemd-analyze security %s` gives ([0-9.]+ '
                              r'[A-Z]+)' % re.escape(unit), text)
                self.assertTrue(m, 'README.md gives no score for %s' % unit)
                self.assertEqual(exposure(unit), m.group(1))
        # "as getty@.service, which also starts login shells": so it is.
        self.assertIn('as for `getty@.service`', text)
        self.assertEqual(exposure('getty@tty2.service'),
                         exposure('nvtd@.service'))

    def test_the_shell_inherits_the_units_sandbox(self):
        fixture.use_socket('nvtd.socket')
        self.addCleanup(systemctl, 'disable', '--now', 'nvtd.socket')
        # chage -l reads /etc/shadow through its setgid bit: it works in a
        # login as nvtd@.service ships.
        t, _ = self.login()
        self.assertEqual(t.run("awk '/^NoNewPrivs/ {print $2}' "
                               "/proc/self/status"), '0')
        self.assertRegex(t.run('chage -l %s 2>&1' % fixture.USER),
                         r'Password expires\s*: never')
        t.logout()
        # One directive that systemd-analyze asks for, and the same
        # shell can no longer use a setgid program.
        sh('mkdir -p %s && printf "[Service]\\nNoNewPrivileges=yes\\n" '
           '> %s' % (os.path.dirname(DROPIN), DROPIN))
        self.addCleanup(systemctl, 'daemon-reload')
        self.addCleanup(sh, 'rm -rf %s' % os.path.dirname(DROPIN))
        systemctl('daemon-reload')
        t, _ = self.login()
        self.assertEqual(t.run("awk '/^NoNewPrivs/ {print $2}' "
                               "/proc/self/status"), '1')
        self.assertEqual(t.run('chage -l %s 2>&1' % fixture.USER),
                         'chage: cannot open /etc/shadow')
        t.logout()
