# SPDX-License-Identifier: ISC
"""The hostile corpus: every tests/hostile/*.hex transcript played by a
raw client against the real daemon (tests/hostile/README has the format
and what each case must hold).  One test per file, named after it."""

import glob
import os
import random
import re
import socket
import threading
import time

from harness import (IS_ROOT, PROMPT, SANITIZED, TOP, SiteTest, holds_pty,
                     vm_rss, wait_for)
from tclient import IAC, TelnetClient

CORPUS = os.path.join(TOP, 'tests', 'hostile')
LOGIN_TIMEOUT = 3
SLACK = 2.5
RSS_MAX_KIB = (256 if SANITIZED else 16) * 1024

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([0-9a-fA-F]{2})(?![0-9a-fA-F])'
                    r'|\*\s*(\d+)\s*$)')
_ESCAPES = {'r': b'\r', 'n': b'\n', '0': b'\0', 'a': b'\a', 'e': b'\x1b',
            '\\': b'\\', '"': b'"'}


def unquote(text):
    out, i = bytearray(), 0
    while i < len(text):
        ch = text[i]
        if ch != '\\':
            out += ch.encode()
            i += 1
        elif text[i + 1] == 'x':
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            out += _ESCAPES[text[i + 1]]
            i += 2
    return bytes(out)


def parse_bytes(line, where):
    out, pos = bytearray(), 0
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        if not m:
            raise ValueError('%s: cannot read %r' % (where, line[pos:]))
        if m.group(1) is not None:
            out += unquote(m.group(1))
        elif m.group(2) is not None:
            out.append(int(m.group(2), 16))
        else:
            out = out * int(m.group(3))
        pos = m.end()
    return bytes(out)


def parse(path):
    """(options, steps): options a dict of the header directives, steps
    a list of ('send', bytes, split, every, urgent), ('wait', bytes),
    ('sleep', seconds)."""
    opts = {'args': [], 'absent': [], 'present': [], 'noecho': []}
    steps = []
    split, every, urgent = 'line', None, False
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            where = '%s:%d' % (os.path.basename(path), n)
            if not line or line.startswith('#'):
                continue
            if not line.startswith('@'):
                steps.append(('send', parse_bytes(line, where), split, every,
                              urgent))
                continue
            word, _, rest = line[1:].partition(' ')
            rest = rest.strip()
            if word == 'args':
                opts['args'] += rest.split()
            elif word == 'absent':
                opts['absent'] += rest.split()
            elif word == 'present':
                opts['present'] += rest.split()
            elif word == 'noecho':
                opts['noecho'].append(rest.encode())
            elif word in ('login', 'answer', 'mirror', 'noread'):
                opts[word] = True
            elif word == 'rcvbuf':
                opts['rcvbuf'] = int(rest)
            elif word == 'urgent':
                urgent = True
            elif word == 'split':
                split = rest
            elif word == 'every':
                every = float(rest)
            elif word == 'wait':
                steps.append(('wait', parse_bytes(rest, where)))
            elif word == 'sleep':
                steps.append(('sleep', float(rest)))
            else:
                raise ValueError('%s: unknown directive @%s' % (where, word))
    return opts, steps


class MirrorClient(TelnetClient):
    """Sends back every negotiation it receives, verb unchanged."""

    def _negotiate(self, verb, opt):
        self.events.append((verb, opt))
        try:
            self.sock.sendall(bytes([IAC, verb, opt]))
        except OSError:
            pass


class Watch:
    """Samples the monitor every 20 ms until it is gone: its peak VmRSS,
    whether it ever held a pty, and the most ptys the site's daemon had
    (as root it has a devpts of its own; else the count is the
    machine's, and not looked at)."""

    def __init__(self, pid, site):
        self.pid, self.site = pid, site
        self.peak = 0
        self.pty = False
        self.ptys = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            rss = vm_rss(self.pid)
            if rss is None:
                return
            self.peak = max(self.peak, rss)
            self.pty = self.pty or holds_pty(self.pid)
            if IS_ROOT:
                self.ptys = max(self.ptys, self.site.pty_count())
            time.sleep(0.02)

    def stop(self):
        self._stop.set()
        self._t.join()


class HostileTest(SiteTest):

    def play(self, name):
        opts, steps = parse(os.path.join(CORPUS, name + '.hex'))
        login = opts.get('login', False)
        self.site.set_service('nvtd', self.site.matrix_stack(
            session_extra=[self.site.session_hook()]))
        self.start('--login-timeout', str(LOGIN_TIMEOUT), *opts['args'])
        cls = MirrorClient if opts.get('mirror') else TelnetClient
        c = cls(self.site.port, host=self.site.address,
                answer=opts.get('answer', False) or opts.get('mirror', False),
                rcvbuf=opts.get('rcvbuf'))
        self.addCleanup(c.close)
        t0 = time.monotonic()
        end = t0 + LOGIN_TIMEOUT + SLACK
        monitor = self.site.wait_monitor()
        watch = Watch(monitor, self.site)
        self.addCleanup(watch.stop)
        rng = random.Random(name)
        reading = not opts.get('noread')
        c.sock.settimeout(max(0.1, end - time.monotonic()))
        try:
            for step in steps:
                if step[0] == 'wait':
                    c.expect(step[1], timeout=max(0.1, end - time.monotonic()))
                elif step[0] == 'sleep':
                    time.sleep(step[1])
                else:
                    self.send(c, step, rng, reading)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass            # the server ended it while we were sending

        if login:
            c.expect(PROMPT, timeout=15)
            env = self.run_cmd(c, 'env').splitlines()
            for var in opts['absent']:
                self.assertFalse([v for v in env
                                  if v.startswith(var + '=')], var)
            for var in opts['present']:
                self.assertIn(var, env)
            c.sendline('exit')
            c.read_until_eof(10)
        else:
            c.read_until_eof(max(0.1, end - time.monotonic()))
            took = time.monotonic() - t0
            self.assertLess(took, LOGIN_TIMEOUT + SLACK)
        wait_for(lambda: vm_rss(monitor) is None, 10, 'the monitor to end')
        watch.stop()

        # No crash: the monitor's own exit status, seen by the activator.
        m = wait_for(lambda: re.search(r'Child %d died with code (\d+)' %
                                       monitor, self.site.read_log()),
                     5, 'the activator to reap the monitor')
        self.assertIn(int(m.group(1)), (0, 1, 3), 'exit status')
        self.assertLess(watch.peak, RSS_MAX_KIB, 'VmRSS peak (KiB)')
        for secret in opts['noecho']:
            self.assertNotIn(secret, bytes(c.data), 'echoed')
        events = [e.split()[0] for e in self.site.pam_events()]
        if login:
            self.assertIn(PROMPT, bytes(c.data))
            self.assertEqual(events.count('open_session'),
                             events.count('close_session'))
            return
        self.assertNotIn(PROMPT, bytes(c.data))
        self.assertNotIn('open_session', events)
        self.assertNotIn('session opened', self.site.read_log())
        self.assertFalse(watch.pty, 'the monitor held a pty')
        self.assertEqual(watch.ptys, 0, 'a pty was allocated')

    def send(self, c, step, rng, reading):
        _, data, split, every, urgent = step
        if every is not None or split == '1':
            chunks = [data[i:i + 1] for i in range(len(data))]
        elif split == 'random':
            cuts = sorted(rng.sample(range(1, len(data)),
                                     min(len(data) - 1, 8)))
            chunks = [data[a:b] for a, b in zip([0] + cuts,
                                                cuts + [len(data)])]
        else:
            chunks = [data]
        for chunk in chunks:
            if urgent and len(chunk) > 1:
                c.sock.sendall(chunk[:-1])
                c.sock.send(chunk[-1:], socket.MSG_OOB)
            elif urgent:
                c.sock.send(chunk, socket.MSG_OOB)
            else:
                c.sock.sendall(chunk)
            if every is not None:
                time.sleep(every)
            if reading:
                c.pump(0)


def _add_cases():
    for path in sorted(glob.glob(os.path.join(CORPUS, '*.hex'))):
        name = os.path.basename(path)[:-4]

        def test(self, name=name):
            self.play(name)
        test.__doc__ = 'tests/hostile/%s.hex' % name
        setattr(HostileTest, 'test_' + re.sub(r'\W', '_', name), test)


_add_cases()
