# SPDX-License-Identifier: ISC
"""BINARY in each direction, kept consistent with the pty's modes; 8-bit
data (UTF-8, the byte 0xff) both ways; TIMING-MARK."""

import os
import re

from harness import PROMPT, SiteTest, stopped, tcp_queues, wait_for
from ptyclient import login as pty_login
from ptyclient import spawn
from tclient import BINARY, DO, IAC, TM, WILL

STRIP = "stty -a | grep -o -e '-\\?istrip' -e 'cs[5-8]' | tr '\\n' ' '"


class BinaryTest(SiteTest):

    def binary_cmd(self, c, command):
        """Run a command with the client's input in BINARY: Enter is a
        bare CR (CR LF would be two line ends)."""
        c.send("echo B''EGIN; %s; echo E''ND\r" % command)
        m = c.expect(re.compile(rb'BEGIN\r\n(.*?)END\r\n', re.S))
        c.expect(PROMPT)
        return m.group(1).decode(errors='replace').replace('\r\n', '\n')

    def test_client_binary_on_makes_the_pty_8_bit(self):
        go = self.fifo('go.fifo')
        self.start()
        c = self.client()
        self.login(c)
        # The terminal strips; while the command waits (no line editor
        # holds the modes), the client turns BINARY on for its input.
        c.sendline("stty istrip; echo SET''TLED; read g < go.fifo; " +
                   STRIP)
        c.expect(b'SETTLED\r\n')
        c.send_will(BINARY)
        # nvtd changes the modes before it sends its answer.
        c.pump_until(lambda: ('DO', BINARY) in c.events, 'DO BINARY')
        self.release(go)
        m = c.expect(re.compile(rb'(cs\d) (-?istrip) '))
        self.assertEqual(m.groups(), (b'cs8', b'-istrip'))
        c.expect(PROMPT)

    def test_istrip_asks_binary_off_for_the_client_input_only(self):
        go = self.fifo('go.fifo')
        self.start()
        c = self.client()
        self.login(c)
        c.send_will(BINARY)
        c.send_do(BINARY)
        c.pump_until(lambda: {('DO', BINARY), ('WILL', BINARY)} <=
                     set(c.events), 'DO and WILL BINARY')
        n = len(c.events)
        # Output after the change, while the command still holds the
        # terminal (bash's readline clears ISTRIP while it reads a line,
        # and sets it again for the command it runs).  Enter is a bare
        # CR: the client's input is BINARY.
        c.send("stty istrip; echo IS''TRIP; read g < go.fifo\r")
        c.pump_until(lambda: ('DONT', BINARY) in c.events[n:], 'DONT BINARY')
        self.release(go)
        c.expect(PROMPT)
        c.pump(0.2)
        self.assertEqual([e for e in c.events[n:] if e[1:] == (BINARY,)],
                         [('DONT', BINARY)])
        # Asked once: nothing more, whatever runs next.
        c.send('true\r')
        c.expect(PROMPT)
        c.pump(0.2)
        self.assertEqual([e for e in c.events[n:] if e[1:] == (BINARY,)],
                         [('DONT', BINARY)])

    def test_binary_output_sends_a_bare_cr_without_nul(self):
        self.start()
        c = self.client()
        self.login(c)
        at = len(c.raw)
        self.run_cmd(c, "printf 'a\\rb\\n'")
        self.assertIn(b'a\r\x00b\r\n', bytes(c.raw[at:]))
        c.send_do(BINARY)
        c.pump_until(lambda: ('WILL', BINARY) in c.events, 'WILL BINARY')
        at = len(c.raw)
        self.run_cmd(c, "printf 'a\\rb\\n'")
        self.assertIn(b'a\rb\r\n', bytes(c.raw[at:]))

    def test_real_client_8bit_data_both_ways_before_and_with_binary(self):
        self.start()
        c = spawn(self, ['telnet', '-c', '-8', self.site.address,
                         str(self.site.port)], 'telnet')
        pty_login(c, 'alice', 'secret', PROMPT)
        typed = '\U0001F600\u20ac'.encode() + b'\xff'
        shown = "printf 'U8<\\360\\237\\230\\200\\342\\202\\254\\377>\\n'\r"

        def both_ways():
            c.send(b"printf %s '" + typed + b"' | od -An -tx1\r")
            got = c.expect(re.compile(
                rb'\r ((?:[0-9a-f]{2} )*[0-9a-f]{2})\r\n')).group(1)
            c.expect(PROMPT)
            c.send(shown)
            c.expect(b'U8<' + typed + b'>\r\n')
            c.expect(PROMPT)
            return got.split()

        want = [b'f0', b'9f', b'98', b'80', b'e2', b'82', b'ac', b'ff']
        self.assertEqual(both_ways(), want)
        # BINARY on both ways, from the client's command mode, while a
        # command sleeps: the terminal follows.
        c.send("stty istrip; echo SET''TLED; sleep 0.5; " + STRIP + '\r')
        c.expect(b'SETTLED\r\n')
        c.send(b'\x1d')
        c.expect(b'telnet> ')
        c.send('toggle binary\r')
        m = c.expect(re.compile(rb'(cs\d) (-?istrip) '))
        self.assertEqual(m.groups(), (b'cs8', b'-istrip'))
        c.expect(PROMPT)
        self.assertEqual(both_ways(), want)


class TimingMarkTest(SiteTest):

    def test_timing_mark_before_login_is_answered(self):
        self.start()
        c = self.client()
        c.expect(b'login: ')
        c.send_raw(bytes([IAC, DO, TM]))
        c.pump_until(lambda: ('WILL', TM) in c.events, 'WILL TM')

    def test_timing_mark_comes_after_the_output_written_before_it(self):
        # The relay is held while a program writes more than one read of
        # the pty; DO TM arrives meanwhile.  WILL TM must come after all
        # of that output, not after the first read of it.
        c, sid, relay = self.session()
        go = self.fifo('go.fifo')
        script = os.path.join(self.alice.home, 'out.sh')
        with open(script, 'w') as f:
            f.write("read g < go.fifo; head -c 8000 /dev/zero | "
                    "tr '\\0' x\necho; echo END; : > written; sleep 2\n")
        c.sendline('sh out.sh')
        c.expect(b'sh out.sh\r\n')
        with stopped(relay):
            self.release(go)
            wait_for(lambda: os.path.exists(os.path.join(self.alice.home,
                                                         'written')),
                     10, 'the output to be written')
            c.send_raw(bytes([IAC, DO, TM]))
            wait_for(lambda: tcp_queues(c.sock)[0] == 0, 10,
                     'DO TM to reach the relay\'s socket')
        c.expect(b'END\r\n')
        c.pump_until(lambda: bytes([IAC, WILL, TM]) in c.raw, 'WILL TM')
        raw = bytes(c.raw)
        will_tm = raw.rfind(bytes([IAC, WILL, TM]))
        self.assertGreater(will_tm, raw.rfind(b'END\r\n'),
                           'WILL TM came before output written earlier')
        self.assertEqual(c.data.count(b'x'), 8000)
