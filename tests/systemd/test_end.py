# SPDX-License-Identifier: ISC
"""Once every test has logged out: nothing of any login is left."""

import fixture
from fixture import (SystemdTest, pgrep, sessions, sh, systemctl, units,
                     wait_for)


class EndTest(SystemdTest):

    def test_after_the_last_logout_nothing_of_any_login_is_left(self):
        self.assertEqual(sessions(), {})
        self.assertEqual(units('nvtd@*'), [])
        self.assertEqual(units('session-*.scope'), [])
        self.assertEqual(pgrep("-f '^nvtd'"), [])
        self.assertEqual(sh('who'), '')
        self.assertEqual(sh('ls /dev/pts | grep -v ptmx || true').split(),
                         ['0'], 'only the console\'s pty, /dev/pts/0')
        self.assertEqual(systemctl('list-units', '--failed', '--no-legend',
                                   '--plain'), '')
        # logind stops the user's manager UserStopDelaySec (10 s) after
        # the last session.
        slice_ = 'user-%d.slice' % fixture.UID
        wait_for(lambda: not units(slice_), 15, '%s to go' % slice_)
        self.assertEqual(pgrep('-u %s' % fixture.USER), [])
