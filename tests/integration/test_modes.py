# SPDX-License-Identifier: ISC
"""The three ways nvtd is started, each serving a whole login."""

from harness import SiteTest


class ModesTest(SiteTest):

    def login_and_check(self):
        c = self.client()
        self.login(c)
        out = self.run_cmd(c, 'echo "user=$USER tty=$(tty)"')
        self.assertRegex(out, r'user=alice tty=/dev/pts/[0-9]+')
        return c

    def test_inetd_mode_serves_the_connection_on_stdin(self):
        self.start(mode='inetd')
        self.login_and_check()

    def test_systemd_accept_no_mode_serves_from_listen_fds(self):
        self.start(mode='systemd')
        self.login_and_check()
        # The activator exec'd nvtd: the process it started listens.
        self.assertEqual(self.site.monitors(),
                         [self.site.wait_monitor()])

    def test_listen_mode_serves_ipv4_and_ipv6(self):
        self.start(mode='listen')
        self.login_and_check()
        self.start(mode='listen', address='::1')
        self.login_and_check()
