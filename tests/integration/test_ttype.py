# SPDX-License-Identifier: ISC
"""TTYPE cycling (RFC 1091): nvtd asks for each of the client's types,
sets TERM to the first that terminfo knows, and leaves the client on it.
A type is looked up only when its name is well-formed and within 40
bytes; nothing else ever reaches TERM."""

import re

from harness import PROMPT, SiteTest
from ptyclient import login as pty_login
from ptyclient import spawn

UNKNOWN = 'NO-SUCH-TERMINAL-NVTD'


def term_of(test, c):
    return test.run_cmd(c, 'echo "$TERM"').strip()


class TerminalTypeTest(SiteTest):

    def login_with(self, types, **kw):
        self.start()
        c = self.client(ttype=types, **kw)
        self.login(c)
        return c

    def test_cycling_client_gets_the_first_known_type_and_stays_on_it(self):
        c = self.login_with([UNKNOWN, 'VT100', 'XTERM'])
        self.assertEqual(term_of(self, c), 'vt100')
        # Three types, the first again (the list has wrapped), then once
        # more to bring the client back to VT100, where it stays.
        self.assertEqual(c.ttype_sends, 5)
        self.assertEqual(c.ttype_now, 'VT100')

    def test_client_on_its_first_choice_is_not_asked_to_move(self):
        c = self.login_with(['XTERM', 'VT100'])
        self.assertEqual(term_of(self, c), 'xterm')
        self.assertEqual(c.ttype_sends, 3)
        self.assertEqual(c.ttype_now, 'XTERM')

    def test_client_repeating_its_last_type_is_asked_back_to_the_chosen(self):
        # RFC 1091: the last type sent twice ends the list; asked again,
        # the client starts over, and is asked on to the chosen type.
        c = self.login_with([UNKNOWN, 'VT100', 'XTERM'], ttype_wrap='rfc')
        self.assertEqual(term_of(self, c), 'vt100')
        self.assertEqual(c.ttype_sends, 6)
        self.assertEqual(c.ttype_now, 'VT100')

    def test_client_that_never_leaves_its_last_type_gets_term_for_it(self):
        # This one repeats its last type every time: nvtd asks once
        # more, sees it stay, and stops there.
        c = self.login_with([UNKNOWN, 'VT100', 'XTERM'], ttype_wrap=False)
        self.assertEqual(c.ttype_sends, 5)
        # The client stays on XTERM, which terminfo knows: TERM follows
        # the terminal the client emulates.
        self.assertEqual(c.ttype_now, 'XTERM')
        self.assertEqual(term_of(self, c), 'xterm')

    def test_client_repeating_an_unknown_last_type_keeps_the_known_one(self):
        c = self.login_with(['VT100', UNKNOWN], ttype_wrap=False)
        self.assertEqual(c.ttype_sends, 4)
        self.assertEqual(term_of(self, c), 'vt100')

    def test_single_type_client_is_asked_twice(self):
        c = self.login_with(['VT220'])
        self.assertEqual(c.ttype_sends, 2)
        self.assertEqual(term_of(self, c), 'vt220')

    def test_unknown_types_only_give_the_first_well_formed_one(self):
        c = self.login_with([UNKNOWN, 'ANOTHER-UNKNOWN'])
        self.assertEqual(term_of(self, c), UNKNOWN.lower())
        self.assertEqual(c.ttype_now, UNKNOWN)

    def test_bad_or_overlong_names_never_reach_term(self):
        bad = ['vt100;rm -rf', '../../../etc/passwd', 'X' * 41,
               'xterm\x1b[31m', '-xterm']
        c = self.login_with(bad + ['VT100'])
        self.assertEqual(term_of(self, c), 'vt100')
        self.assertEqual(c.ttype_now, 'VT100')

    def test_only_bad_names_give_dumb(self):
        c = self.login_with(['vt100;id', 'Y' * 41, '.hidden'])
        self.assertEqual(term_of(self, c), 'dumb')

    def test_a_40_byte_name_is_taken(self):
        name = 'xterm-' + 'a' * 34
        c = self.login_with([name])
        self.assertEqual(term_of(self, c), name)

    def test_list_longer_than_the_cap_is_cut_and_still_chosen_from(self):
        types = ['UNKNOWN-%d' % i for i in range(12)] + ['VT100']
        c = self.login_with(types)
        # Not VT100, beyond the cap: the first of the names taken.
        self.assertEqual(term_of(self, c), 'unknown-0')


class RealClientTerminalTypeTest(SiteTest):

    def test_inetutils_telnet_sends_one_type_which_becomes_term(self):
        self.start()
        c = spawn(self, ['telnet', '-c', self.site.address,
                         str(self.site.port)], 'telnet',
                  env={'TERM': 'vt220'})
        pty_login(c, 'alice', 'secret', PROMPT)
        c.send('echo "T=$TERM"\r')
        self.assertEqual(c.expect(re.compile(rb'T=([a-z0-9]+)\r')).group(1), b'vt220')
        log = self.site.read_log()
        self.assertIn('TERM=vt220, from 1 terminal types', log)
