# SPDX-License-Identifier: ISC
"""Packet mode: flow control (^S and ^Q, LFLOW), the flushes of the
terminal's queues (Synch for output, dropped type-ahead for input)."""

import os
import re
import time

from harness import (IS_ROOT, PROMPT, SiteTest, processes, read_by_peer,
                     stopped, wait_for, wchan)
from tclient import (AO, DM, IAC, LFLOW, LFLOW_OFF, LFLOW_ON,
                     LFLOW_RESTART_ANY, LFLOW_RESTART_XON)

# Numbered lines, a hundred a second, until interrupted.  A process of
# its own: ^C kills it outright (an interactive bash running the loop
# itself may miss a SIGINT that comes while it starts the next sleep).
COUNTER = "sh -c 'i=0; while :; do echo N$i; i=$((i+1)); sleep 0.01; done'"
NUMBER = re.compile(rb'N(\d+)\r\n')


def numbers(data):
    return [int(n) for n in NUMBER.findall(data)]


TELNET_SEQUENCE = re.compile(rb'\xff\xff|\xff\xfa.*?\xff\xf0|'
                             rb'\xff[\xfb-\xfe].|\xff.', re.S)


def stray_nuls(raw):
    """NULs in the data that are not the NUL of a CR NUL, with what came
    before them (the telnet commands and subnegotiations taken out)."""
    data = TELNET_SEQUENCE.sub(lambda m: b'<%s>' % m.group(0).hex().encode()
                               if m.group(0) != b'\xff\xff' else b'\xff',
                               bytes(raw))
    return [data[max(0, i - 20):i + 1] for i, b in enumerate(data)
            if b == 0 and (i == 0 or data[i - 1] != 13)]


def write_program(test, name, text):
    """A file in alice's home, for the session to run."""
    path = os.path.join(test.alice.home, name)
    with open(path, 'w') as f:
        f.write(text)
    if IS_ROOT:
        os.chown(path, test.alice.uid, test.alice.gid)
    return path


class FlowControlTest(SiteTest):

    def test_ctrl_s_stops_and_ctrl_q_resumes_output_with_ixon(self):
        # A client without LFLOW sends ^S and ^Q as data: the pty's own
        # IXON stops and restarts the output.
        self.start()
        c = self.client()
        self.login(c)
        c.sendline(COUNTER)
        c.expect(NUMBER)
        c.expect(NUMBER)
        c.send(b'\x13')
        # Whatever was in flight arrives; then nothing.
        c.pump(0.3)
        stopped_at = len(c.data)
        c.pump(0.6)
        self.assertEqual(bytes(c.data[stopped_at:]), b'',
                         'output went on after ^S')
        last = numbers(c.data)[-1]
        c.send(b'\x11')
        c.expect(NUMBER)
        c.expect(NUMBER)
        seen = numbers(c.data)
        # The counter was held, not killed: it goes on from where it was.
        self.assertEqual(seen, list(range(seen[0], seen[-1] + 1)))
        self.assertGreater(seen[-1], last)
        c.send(b'\x03')
        c.expect(PROMPT)

    def test_lflow_tells_the_client_each_ixon_and_ixany_change_once(self):
        self.start()
        c = self.client(will=[LFLOW])
        self.login(c)
        c.pump_until(lambda: len(c.lflow_commands()) >= 2, 'SB LFLOW')
        c.pump(0.2)
        # Once the client agreed: the state it starts from, once.
        self.assertEqual(c.lflow_commands(), [LFLOW_ON, LFLOW_RESTART_XON])
        steps = [
            ('stty -ixon', [LFLOW_OFF]),
            ('true', []),
            ('stty -ixon', []),
            ('stty ixon', [LFLOW_ON]),
            ('stty ixany', [LFLOW_RESTART_ANY]),
            ('true', []),
            ('stty ixany ixon', []),
            ('stty -ixany', [LFLOW_RESTART_XON]),
            ('stty -ixon ixany', [LFLOW_OFF, LFLOW_RESTART_ANY]),
            ('stty ixon -ixany', [LFLOW_ON, LFLOW_RESTART_XON]),
            ('true', []),
        ]
        for command, want in steps:
            before = len(c.lflow_commands())
            self.run_cmd(c, command)
            # Told with the output that follows the change (at the
            # latest the prompt's): no later command carries it.  Then
            # a moment more, to see that nothing else comes.
            c.pump_until(lambda: len(c.lflow_commands()) - before >=
                         len(want), 'SB LFLOW after %r' % command)
            c.pump(0.1)
            self.assertEqual(c.lflow_commands()[before:], want,
                             'after %r' % command)
        # Nothing but the CR NUL of the NVT: no NUL after an SB LFLOW
        # (GNU inetutils telnetd sends one).
        self.assertEqual(stray_nuls(c.raw), [])
        for cmd in (LFLOW_OFF, LFLOW_ON):
            sb = bytes([IAC, 250, LFLOW, cmd, IAC, 240])
            self.assertIn(sb, bytes(c.raw))

    def test_client_that_refuses_lflow_is_never_told(self):
        self.start()
        c = self.client()
        self.login(c)
        self.run_cmd(c, 'stty -ixon; stty ixon ixany')
        c.pump(0.2)
        # Asked (and refused: the client answered WONT), never told.
        self.assertIn(('DO', LFLOW), c.events)
        self.assertEqual(c.lflow_commands(), [])

    def test_inbound_lflow_from_a_client_changes_nothing(self):
        # RFC 1372: the server commands, the client obeys.  A client's
        # SB LFLOW is ignored: IXANY stays as it was.
        self.start()
        c = self.client(will=[LFLOW])
        self.login(c)
        c.send_raw(bytes([IAC, 250, LFLOW, LFLOW_RESTART_ANY, IAC, 240]))
        self.assertEqual(self.run_cmd(c, "stty -a | grep -o -- '-\\?ixany'")
                         .strip(), '-ixany')


class FlushTest(SiteTest):

    def test_ctrl_c_during_bulk_output_sends_a_synch_and_stops_it(self):
        self.start()
        c = self.client()
        self.login(c)
        pid = self.shell_pid(c)
        c.sendline('yes')
        c.expect(b'y\r\ny\r\ny\r\n')
        c.pump(0.3)
        t0 = time.monotonic()
        c.send(b'\x03')
        c.expect(PROMPT, timeout=20)
        took = time.monotonic() - t0
        # The Synch: IAC DM, the DM the urgent byte.
        self.assertTrue(c.marks, 'no urgent data arrived')
        mark = c.marks[-1]
        self.assertEqual(c.raw[mark], DM)
        self.assertEqual(c.raw[mark - 1], IAC)
        run = len(c.raw[:mark]) - len(bytes(c.raw[:mark]).rstrip(b'\xff'))
        self.assertEqual(run % 2, 1, 'the DM follows an escaped 0xff')
        # Output stops promptly: little comes after the DM.
        after = bytes(c.raw[mark + 1:])
        self.assertLess(len(after), 64 * 1024)
        self.assertLess(took, 5.0)
        self.assertEqual(self.shell_pid(c), pid)

    def test_ao_discards_output_and_sends_a_synch(self):
        # The relay is held while a program writes more than the pty
        # holds: then AO comes, and the output not yet sent is lost.
        c, sid, relay = self.session()
        go = self.fifo('go.fifo')
        size = 200000
        c.sendline("echo RE''ADY; read g < go.fifo; head -c %d /dev/zero | "
                   "tr '\\0' x; echo; echo D''ONE" % size)
        # The shell's last output before the fifo has reached the client,
        # and the shell waits: the relay has nothing more to read.
        c.expect(b'READY\r\n')
        wait_for(lambda: wchan(sid) == 'wait_for_partner', 10,
                 'the shell to open the fifo')
        # Held while it waits in poll(), it sees the pty's output and the
        # AO in the same wake-up when it runs again: the AO is not left
        # for a later round, after the pty has been read empty.
        wait_for(lambda: (wchan(relay) or '').startswith('poll'), 10,
                 'the relay to wait in poll')
        with stopped(relay):
            self.release(go)
            # tr blocks once the pty is full: asleep in the line
            # discipline's write (wait_woken), not in the read of its
            # pipe, where it also sleeps before head has written.
            wait_for(lambda: any(st[5] == 'tr' and st[3] == sid and
                                 wchan(p) == 'wait_woken'
                                 for p, st in processes().items()),
                     10, 'tr to block on the full pty')
            c.send_command(AO)
        c.expect(b'DONE\r\n', timeout=20)
        c.expect(PROMPT)
        self.assertLess(c.data.count(b'x'), size,
                        'nothing of the output was discarded')
        self.assertTrue(c.marks, 'no urgent data arrived')
        self.assertEqual(bytes(c.raw[c.marks[-1] - 1:c.marks[-1] + 1]),
                         bytes([IAC, DM]))

    def test_input_flush_in_the_session_drops_input_queued_for_the_pty(self):
        # A program in raw mode does not read until told to; the client
        # types more than the pty holds, so nvtd queues the rest.  The
        # program then flushes its input (TIOCPKT_FLUSHREAD): what nvtd
        # queued is dropped too, and only what comes after arrives.
        prog = write_program(self, 'flushread.py', r'''
import os, sys, termios, tty
tty.setraw(0)
os.write(1, b"REA" b"DY\r\n")
with open(sys.argv[1]) as go:
    go.read()
termios.tcflush(0, termios.TCIFLUSH)
os.write(1, b"FLUS" b"HED\r\n")
buf = b""
while not buf.endswith(b"END"):
    buf += os.read(0, 65536)
os.write(1, b"COUNT a=%d b=%d\r\n" % (buf.count(b"a"), buf.count(b"b")))
''')
        go = self.fifo('go.fifo')
        self.start()
        c = self.client()
        self.login(c)
        c.sendline('python3 %s %s' % (prog, go))
        c.expect(b'READY')
        c.send(b'a' * 50000)
        # The program flushes once nvtd has read every byte of it.
        wait_for(lambda: read_by_peer(c.sock), 10, 'nvtd to read the input')
        self.release(go)
        c.expect(b'FLUSHED')
        c.send(b'b' * 10 + b'END')
        m = c.expect(re.compile(rb'COUNT a=(\d+) b=(\d+)'))
        self.assertEqual((int(m.group(1)), int(m.group(2))), (0, 10))
        c.expect(PROMPT)


class RealClientFlowTest(SiteTest):

    def test_real_client_flow_control_and_interrupt(self):
        self.start()
        r = self.run_expect('flow.exp', 'alice', 'secret')
        # ^S held the counter; ^Q let it go on from where it stood.
        self.assertEqual(r['leaked'], 'none')
        self.assertGreater(int(r['resumed_with']), int(r['stopped_at']))
        # With IXON, ^S and ^Q are flow control and never reach the
        # program; without it (LFLOW OFF told the client), they do.
        self.assertEqual(r['with_ixon'].split(), ['a', 'b', 'c', '\\n'])
        self.assertEqual(r['without_ixon'].split(),
                         ['a', '023', 'b', '021', 'c', '\\n'])
        self.assertEqual(r['ixon_again'].split(), ['a', 'b', 'c', '\\n'])
        # ^C in a flood of output: the prompt at once, the session on.
        self.assertLess(float(r['intr_seconds']), 5.0)
        self.assertEqual(r['still_there'], 'ALIVE')
