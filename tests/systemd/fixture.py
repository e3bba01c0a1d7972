# SPDX-License-Identifier: ISC
"""What the tests of nvtd under a real systemd share.

`run` boots the container (container.py), calls prepare(), which
installs nvtd from `make install DESTDIR=...` and adds the test user,
and then runs the tests; they reach the container through the module
global CT.  The test process is in the container's network namespace by
then: 127.0.0.1 and ::1 are the container's.

A test looks at a login from outside with the functions here:
properties of units (prop, units), logind's view (sessions,
session_prop, session_of), processes and cgroups (pgrep, cgroup);
SystemdTest adds the journal since the test began (journal) and logins
with the real telnet client (Telnet, driven through session.exp).
"""

import base64
import json
import os
import re
import secrets
import selectors
import shlex
import socket
import subprocess
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SESSION_EXP = os.path.join(HERE, 'session.exp')

CT = None               # the booted Container
LOGDIR = None           # transcripts and logs, kept after the run
USER = 'nvtdtest'
PASSWORD = None         # made up by prepare()
UID = None
PORT = 23               # as shipped: the units are not changed


def wait_for(cond, timeout=10.0, what='condition', interval=0.05):
    """Poll cond() until it returns something true; fail naming what."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %.1f s waiting for %s' %
                                 (timeout, what))
        time.sleep(interval)


def prepare(ct, logdir):
    """Install nvtd into the container as `make install` laid it out in
    DESTDIR, and add the test user, inside the container only."""
    global CT, LOGDIR, PASSWORD, UID
    CT, LOGDIR = ct, logdir
    PASSWORD = 'T-' + secrets.token_hex(8)
    # Anything the host's /etc could bring in that is not the project's.
    ct.sh('rm -rf /etc/default/nvtd /etc/systemd/system/nvtd*')
    # /nvtd-install is the DESTDIR, bound read-only; the container's /lib
    # is a link to usr/lib, as on the host: tar keeps it a link.
    ct.sh('tar -C /nvtd-install -cf - . | '
          'tar -C / -xf - --no-same-owner --keep-directory-symlink')
    ct.sh('systemctl daemon-reload')
    # The system users of sysusers.d, nvtd's among them once it has one.
    ct.sh('systemd-sysusers')
    ct.sh('useradd -m -s /bin/bash -c "nvtd test" %s' % USER)
    ct.run(['chpasswd'], input='%s:%s\n' % (USER, PASSWORD))
    # lib.exp waits for this prompt; nothing else in the profile.
    ct.sh("printf '%%s\\n' \"PS1='@nvtd-test> '\" > /home/%s/.bash_profile"
          % USER)
    UID = int(ct.sh('id -u %s' % USER))
    # The client lib.exp spawns as "telnet" is inetutils', whatever the
    # host's alternatives say.
    os.makedirs(os.path.join(logdir, 'bin'), exist_ok=True)
    link = os.path.join(logdir, 'bin', 'telnet')
    if not os.path.islink(link):
        os.symlink('/usr/bin/inetutils-telnet', link)


class Telnet:
    """The real telnet client, logged in through session.exp."""

    def __init__(self, name):
        self.transcript = os.path.join(LOGDIR, 'telnet-%s.log' % name)
        env = dict(os.environ)
        env.update(TERM='xterm', LC_ALL='C.UTF-8', HOME=LOGDIR,
                   PATH=os.path.join(LOGDIR, 'bin') + ':' + env['PATH'])
        self.proc = subprocess.Popen(
            ['expect', SESSION_EXP, self.transcript, str(PORT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            cwd=LOGDIR)
        self.buf = b''

    def _ask(self, line, timeout):
        self.proc.stdin.write(line.encode() + b'\n')
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b'\n' not in self.buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise AssertionError('telnet session: no answer to %r '
                                         'in %d s\n%s' %
                                         (line.split(' ')[0], timeout,
                                          self.tail()))
                data = os.read(self.proc.stdout.fileno(), 4096)
                if not data:
                    raise AssertionError('telnet session ended: %s\n%s' %
                                         (self.buf.decode(errors='replace'),
                                          self.tail()))
                self.buf += data
        answer, self.buf = self.buf.split(b'\n', 1)
        answer = answer.decode(errors='replace')
        if not answer.startswith('OK'):
            raise AssertionError('telnet session, %s: %s\n%s' %
                                 (line.split(' ')[0], answer,
                                  self.tail()))
        words = answer.split(' ', 1)
        return base64.b64decode(words[1]).decode() if len(words) > 1 else ''

    def connect(self, timeout=10):
        """Connect; return at the login prompt."""
        self._ask('connect', timeout)
        return self

    def answer(self, user=None, password=None, timeout=20):
        """Answer the prompts; return at the shell's prompt."""
        self._ask('answer %s %s' % (user or USER, password or PASSWORD),
                  timeout)
        return self

    def login(self, user=None, password=None, timeout=20):
        """Connect and log in."""
        self._ask('login %s %s' % (user or USER, password or PASSWORD),
                  timeout)
        return self

    def run(self, command, timeout=15):
        """command's output in the session (no newline in command)."""
        return self._ask('run ' + command, timeout)

    def alive(self):
        """Does the shell still answer?"""
        return self.run('echo alive-$((6*7))') == 'alive-42'

    def logout(self, timeout=15):
        self._ask('exit', timeout)
        self.proc.wait(5)

    def close(self):
        """Kill the client (by its pid) if it is still there."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self, n=15):
        try:
            with open(self.transcript, 'rb') as f:
                lines = f.read().decode(errors='replace').splitlines()
        except OSError:
            return ''
        return '\n'.join('    | ' + line for line in lines[-n:])


def connect(source=None, dest='127.0.0.1', timeout=5.0):
    """A plain TCP connection to the port, from source if given."""
    family = socket.AF_INET6 if ':' in dest else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((dest, PORT))
    return s


def first_bytes(s, timeout=5.0):
    """What the server sends first: b'' if it closes without a byte."""
    s.settimeout(timeout)
    try:
        return s.recv(4096)
    except ConnectionResetError:
        return b''


# -- the container's systemd, logind and journal -------------------------

def sh(script, check=True):
    """A shell command line in the container; its output."""
    return CT.sh(script, check=check)


def systemctl(*args, check=True):
    return CT.run(['systemctl'] + list(args), check=check).stdout


def prop(unit, name):
    """One property of a unit, as systemctl show gives it."""
    return CT.run(['systemctl', 'show', unit, '-p', name,
                   '--value']).stdout.strip()


def units(pattern):
    """The names of the loaded units matching pattern, in any state."""
    out = CT.run(['systemctl', 'list-units', '--all', '--no-legend',
                  '--plain', pattern]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


OTHER_SOCKET = {'nvtd.socket': 'nvtd-listener.socket',
                'nvtd-listener.socket': 'nvtd.socket'}


def use_socket(unit):
    """Make unit the one enabled socket, listening on port 23."""
    systemctl('disable', '--now', OTHER_SOCKET[unit])
    systemctl('enable', '--now', unit)
    wait_for(lambda: prop(unit, 'SubState') == 'listening', 5,
             '%s to listen' % unit)


def sessions():
    """logind's sessions, {id: user}."""
    out = CT.run(['loginctl', 'list-sessions', '--no-legend']).stdout
    return {f[0]: f[2] for f in (line.split() for line in out.splitlines())
            if len(f) >= 3}


def session_prop(sid, name):
    return CT.run(['loginctl', 'show-session', sid, '-p', name,
                   '--value']).stdout.strip()


def pgrep(args):
    """The pids `pgrep ARGS` finds in the container."""
    r = CT.run(['pgrep'] + shlex.split(args), check=False)
    return [int(p) for p in r.stdout.split()]


def alive(pid):
    return CT.run(['kill', '-0', str(pid)], check=False).returncode == 0


def kill(pid, sig):
    """Signal a process of the container, by its pid."""
    CT.run(['kill', '-s', sig, str(pid)])


def cgroup(pid):
    """A process's cgroup in the container: the name=systemd hierarchy's
    (where systemd keeps its units on a hybrid host), else cgroup2's."""
    text = sh('cat /proc/%d/cgroup' % pid)
    paths = dict(line.split(':', 2)[1:] for line in text.splitlines())
    return paths.get('name=systemd') or paths.get('')


def cgroup_pids(path):
    """The pids in a cgroup of the container (a path as cgroup() and
    systemctl's ControlGroup give it)."""
    out = sh('cat /sys/fs/cgroup/systemd%s/cgroup.procs 2>/dev/null || '
             'cat /sys/fs/cgroup%s/cgroup.procs' % (path, path))
    return [int(p) for p in out.split()]


def session_of(pid):
    """The id of the logind session whose scope holds pid, or None."""
    m = re.search(r'/session-([^/]+)\.scope$', cgroup(pid))
    return m.group(1) if m else None


def journal_cursor():
    out = CT.run(['journalctl', '-n', '0', '--show-cursor', '-q']).stdout
    m = re.search(r'cursor: (\S+)', out)
    return m.group(1) if m else None


class SystemdTest(unittest.TestCase):
    """A test against the container's systemd.  The clients it opens are
    closed when it ends (a telnet still running is killed by its pid);
    journal() is what the journal got since the test began."""

    def setUp(self):
        self.clients = []
        self.cursor = journal_cursor()
        self.addCleanup(self._close_clients)

    def _close_clients(self):
        for c in self.clients:
            c.close()

    def telnet(self):
        name = '%s-%d' % (self.id().rsplit('.', 1)[-1], len(self.clients))
        t = Telnet(name)
        self.clients.append(t)
        return t

    def login(self):
        """A logged-in telnet session, and the shell's pid."""
        t = self.telnet().login()
        return t, int(t.run('echo $$'))

    def connect(self, source=None, dest='127.0.0.1'):
        s = connect(source, dest)
        self.clients.append(s)
        return s

    def journal(self, *args):
        """The journal's messages since the test began, one a line, with
        journalctl's args for a filter."""
        cmd = ['journalctl', '--no-pager', '-o', 'json']
        # Not --after-cursor: with a filter that the cursor's own entry
        # does not match, systemd 252 skips the first entry that does.
        if self.cursor:
            cmd.append('--cursor=' + self.cursor)
        lines = []
        for line in CT.run(cmd + list(args)).stdout.splitlines():
            entry = json.loads(line)
            if entry.get('__CURSOR') == self.cursor:
                continue
            msg = entry.get('MESSAGE', '')
            if isinstance(msg, list):           # not UTF-8: bytes
                msg = bytes(msg).decode(errors='replace')
            lines.append(msg)
        return ''.join(m + '\n' for m in lines)

    def wait_journal(self, regex, *args, timeout=5.0):
        """Wait for a line matching regex in journal(*args)."""
        return wait_for(lambda: re.search(regex, self.journal(*args), re.M),
                        timeout, 'the journal to show /%s/' % regex)
