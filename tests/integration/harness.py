# SPDX-License-Identifier: ISC
"""The world a test logs in to: users, PAM, the daemon on a loopback port.

Each test gets a Site: a temporary directory holding an nss_wrapper
passwd and group file, a pam_matrix password database and PAM service
files, the users' home directories, and the daemon's log.  Site.start()
runs the daemon under `systemd-socket-activate --inetd -a` with the cwrap
libraries preloaded, on a free port of 127.0.0.1, and returns when the
socket listens.  Site.stop() (a cleanup, always run) kills what the site
started, by PID.

As root, the daemon runs in a private mount namespace in which
/var/log/wtmp and /run are the site's own files: nvtd's login accounting
goes there, never to the machine's records.

The binary under test is $NVTD (default: ./nvtd at the top of the tree).
A sanitizer build is detected from the binary (or forced with
NVTD_SANITIZE=1/0); sanitizer reports go to files in the site, and a test
whose daemon reported anything fails.
"""

import contextlib
import glob
import grp
import itertools
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

NVTD = os.path.abspath(os.environ.get('NVTD') or os.path.join(TOP, 'nvtd'))
ACTIVATE = shutil.which('systemd-socket-activate') or \
    '/usr/bin/systemd-socket-activate'


def _first(pattern, default):
    found = sorted(glob.glob(pattern))
    return found[0] if found else default


PAM_MATRIX = _first('/usr/lib/*/pam_wrapper/pam_matrix.so',
                    '/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so')
PAM_SECURITY = os.path.dirname(_first(
    '/lib/*/security/pam_exec.so',
    '/lib/x86_64-linux-gnu/security/pam_exec.so'))
IS_ROOT = os.geteuid() == 0
TTY_GID = grp.getgrnam('tty').gr_gid
PROMPT = b'@nvtd-test> '

# As root, each daemon gets a /tmp of its own (see Site._namespace), so
# the sites live elsewhere.
SITE_PARENT = os.environ.get('NVTD_TEST_TMPDIR') or \
    ('/var/tmp' if IS_ROOT else tempfile.gettempdir())

# Variables put into the daemon's environment that must never reach a
# session: what systemd and the test set around nvtd.
DAEMON_MARKERS = {
    'NVTD_TEST_MARKER': 'daemon-only',
    'NOTIFY_SOCKET': '/run/nvtd-test/notify',
    'CREDENTIALS_DIRECTORY': '/run/credentials/nvtd-test',
    'LISTEN_FDNAMES': 'nvtd-test',
    'INVOCATION_ID': '0123456789abcdef0123456789abcdef',
}


def _is_sanitized(path):
    forced = os.environ.get('NVTD_SANITIZE')
    if forced is not None and forced != '':
        return forced not in ('0', 'no', 'false')
    try:
        with open(path, 'rb') as f:
            blob = f.read()
    except OSError:
        return False
    return b'__asan_init' in blob or b'__ubsan_handle' in blob or \
        b'__tsan_init' in blob


SANITIZED = _is_sanitized(NVTD)


def _can_unshare():
    if not IS_ROOT or shutil.which('unshare') is None:
        return False
    r = subprocess.run(['unshare', '-m', '--propagation', 'private', 'true'],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


CAN_UNSHARE = _can_unshare()

# -- requirements, as skips with a reason ---------------------------------


def need_root(why):
    if not IS_ROOT:
        raise unittest.SkipTest('needs root: %s' % why)


def need_namespace(why):
    need_root(why)
    if not CAN_UNSHARE:
        raise unittest.SkipTest('needs a private mount namespace '
                                '(unshare -m failed): %s' % why)


def check_environment():
    """Why no test can run here, or None."""
    if not os.access(NVTD, os.X_OK):
        return '%s is not an executable (set NVTD or run make)' % NVTD
    for prog in ('systemd-socket-activate', 'expect', 'telnet'):
        if shutil.which(prog) is None:
            return '%s is not installed' % prog
    for lib in ('libpam_wrapper.so', 'libnss_wrapper.so'):
        if not glob.glob('/usr/lib/*/' + lib) and \
                not glob.glob('/usr/lib/' + lib):
            return '%s is not installed' % lib
    if not os.path.exists(PAM_MATRIX):
        return '%s is not installed' % PAM_MATRIX
    return None


# -- processes -------------------------------------------------------------

def proc_stat(pid):
    """(state, ppid, pgrp, sid, uid, comm) of pid, or None if it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
        with open('/proc/%d/status' % pid) as f:
            status = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    comm = stat[stat.index('(') + 1:stat.rindex(')')]
    fields = stat[stat.rindex(')') + 2:].split()
    uid = int(re.search(r'^Uid:\s+(\d+)', status, re.M).group(1))
    return (fields[0], int(fields[1]), int(fields[2]), int(fields[3]), uid,
            comm)


def processes():
    """{pid: (state, ppid, pgrp, sid, uid, comm)} of every process now."""
    table = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            st = proc_stat(int(name))
            if st is not None:
                table[int(name)] = st
    return table


def relay_of(sid):
    """The relay process of the session whose shell is sid: the other
    child of its monitor (waited for: it may still be starting)."""
    monitor = processes()[sid][1]
    return wait_for(lambda: [p for p, st in processes().items()
                             if st[1] == monitor and p != sid], 10,
                    'the relay of session %d' % sid)[0]


@contextlib.contextmanager
def stopped(pid):
    """pid held with SIGSTOP for the length of the block."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def descendants(pid, table=None):
    """Every process below pid, children first."""
    table = table if table is not None else processes()
    children = {}
    for p, st in table.items():
        children.setdefault(st[1], []).append(p)
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def in_session(sid, table=None):
    """The live processes of session sid.  (Zombies are dead: once their
    parent is gone, reaping them is init's business.)"""
    table = table if table is not None else processes()
    return sorted(p for p, st in table.items()
                  if st[3] == sid and st[0] != 'Z')


def wchan(pid):
    """Where pid sleeps in the kernel ('do_wait': in waitpid)."""
    try:
        with open('/proc/%d/wchan' % pid) as f:
            return f.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return None


def live_environ(pid):
    """The environment pid has now: the strings its libc's environ points
    to, read from /proc/PID/mem (root only).  /proc/PID/environ shows
    instead the memory the environment started in, which unsetenv(3)
    leaves alone and setproctitle(3) writes over."""
    # environ is libc's, or the executable's when it refers to environ
    # itself (the linker then copies it there): the first that defines it.
    exe = os.readlink('/proc/%d/exe' % pid)
    bases = {}
    with open('/proc/%d/maps' % pid) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and fields[2] == '00000000' and \
                    fields[5] not in bases:
                bases[fields[5]] = int(fields[0].split('-')[0], 16)
    libcs = [p for p in bases if os.path.basename(p).startswith('libc.so')]
    if not libcs:
        raise AssertionError('no libc in the maps of %d' % pid)
    base = offset = None
    for obj in ([exe] if exe in bases else []) + libcs[:1]:
        nm = subprocess.run(['nm', '-D', '/proc/%d/root%s' % (pid, obj)],
                            capture_output=True, text=True,
                            check=True).stdout
        m = re.search(r'^([0-9a-f]+) \w environ@', nm, re.M)
        if m:
            base, offset = bases[obj], int(m.group(1), 16)
            break
    if base is None:
        raise AssertionError('no environ in the maps of %d' % pid)
    names = {}
    with open('/proc/%d/mem' % pid, 'rb') as mem:
        def word(addr):
            mem.seek(addr)
            return struct.unpack('<Q', mem.read(8))[0]
        array = word(base + offset)
        for i in range(10000):
            ptr = word(array + 8 * i)
            if ptr == 0:
                break
            mem.seek(ptr)
            entry = mem.read(4096).split(b'\0', 1)[0].decode(
                errors='replace')
            name, _, value = entry.partition('=')
            names[name] = value
    return names


def pty_count():
    with open('/proc/sys/kernel/pty/nr') as f:
        return int(f.read())


def vm_rss(pid):
    """Resident memory of pid in KiB, or None if it is gone."""
    try:
        with open('/proc/%d/status' % pid) as f:
            m = re.search(r'^VmRSS:\s+(\d+) kB', f.read(), re.M)
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(m.group(1)) if m else None


def alive(pid):
    """Is pid a live process (not gone, not a zombie)?"""
    st = proc_stat(pid)
    return st is not None and st[0] != 'Z'


def holds_pty(pid):
    """Does pid have a pty master or slave open?"""
    try:
        fds = os.listdir('/proc/%d/fd' % pid)
    except (FileNotFoundError, ProcessLookupError):
        return False
    for fd in fds:
        try:
            target = os.readlink('/proc/%d/fd/%s' % (pid, fd))
        except OSError:
            continue
        if target == '/dev/ptmx' or target.startswith('/dev/pts/'):
            return True
    return False


def inject_lib():
    """The failure injection library (tests/inject), or None."""
    path = os.environ.get('NVTD_INJECT_LIB')
    if path and os.path.exists(path):
        return path
    for d in (os.path.dirname(NVTD), os.path.join(TOP, 'build', 'cc')):
        p = os.path.join(d, 'tests', 'inject', 'libinject.so')
        if os.path.exists(p):
            return p
    return None


# The devpts a site's daemon gets by default, in its mount namespace.
PRIVATE_DEVPTS = ('mount -t devpts -o newinstance,ptmxmode=0666,mode=620,'
                  'gid=%d devpts /dev/pts && '
                  'mount --bind /dev/pts/ptmx /dev/ptmx' % TTY_GID)


def wait_for(cond, timeout=10.0, what='condition', interval=0.02):
    """Poll cond() until it is true; fail naming what after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %.1f s waiting for %s' %
                                 (timeout, what))
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def listening(port):
    """Is something listening on port of a loopback address, IPv4 or IPv6
    (seen in /proc/net/tcp and tcp6, so that no probe connection starts
    a login)?"""
    want = ':%04X' % port
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[1].endswith(want) and fields[3] == '0A':
                        return True
        except OSError:
            pass
    return False



def tcp_queues(sock):
    """(bytes sent on sock and not yet acknowledged, bytes arrived at the
    other end and not yet read by its process): tx_queue and rx_queue in
    /proc/net/tcp and tcp6, for the two ends of the connection."""
    mine = ':%04X' % sock.getsockname()[1]
    peer = ':%04X' % sock.getpeername()[1]
    unacked = unread = None
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                tx, rx = (int(v, 16) for v in fields[4].split(':'))
                if fields[1].endswith(mine) and fields[2].endswith(peer):
                    unacked = tx
                elif fields[1].endswith(peer) and fields[2].endswith(mine):
                    unread = rx
    return unacked, unread


def read_by_peer(sock):
    """Has the process at the other end of sock read every byte sent?"""
    return tcp_queues(sock) == (0, 0)

# Distinct ids per test, so that tests running side by side never see
# each other's processes when they look for a user's processes.
_uids = itertools.count(42000 + (os.getpid() % 500) * 40)
_uid_lock = threading.Lock()


def alloc_uid():
    with _uid_lock:
        return next(_uids)


class User:
    def __init__(self, name, password, uid, gid, home, shell):
        self.name = name
        self.password = password
        self.uid = uid
        self.gid = gid
        self.home = home
        self.shell = shell


class Site:
    """Users, PAM service files and a daemon, in one temporary directory."""

    def __init__(self, test_name='site'):
        short = re.sub(r'[^A-Za-z0-9]+', '-', test_name)[-40:]
        self.dir = tempfile.mkdtemp(prefix='nvtd-it-%s-' % short,
                                    dir=SITE_PARENT)
        # Users must reach their homes below it.
        os.chmod(self.dir, 0o755)
        self.users = {}
        # The pre-auth child's user (nvtd's --privsep-user, "nvtd"): an
        # id of this site's own, so its processes are found like users'.
        self.privsep_uid = alloc_uid() if IS_ROOT else os.getuid()
        self.sessions = set()       # session ids of shells seen
        self.services = {}
        self.proc = None
        self.port = None
        self.address = '127.0.0.1'
        self.failed = False
        self.log_path = os.path.join(self.dir, 'daemon.log')
        self.artifacts = [self.log_path]
        self.wtmp = os.path.join(self.dir, 'wtmp')
        self.rundir = os.path.join(self.dir, 'run')
        self.utmp = os.path.join(self.rundir, 'utmp')
        self.sanitizer_dir = os.path.join(self.dir, 'sanitizer')
        os.mkdir(self.sanitizer_dir, 0o777)
        os.chmod(self.sanitizer_dir, 0o1777)
        self.set_service('nvtd', self.matrix_stack())

    # -- users and PAM --------------------------------------------------

    def add_user(self, name='alice', password='secret', uid=None,
                 shell='/bin/bash'):
        """An account in the wrapped user database and pam_matrix.

        As root every user gets its own uid; as another user, nvtd can
        only log in the invoking user, so the account gets our uid.
        """
        if uid is None:
            uid = alloc_uid() if IS_ROOT else os.getuid()
        gid = uid if IS_ROOT or uid == 0 else os.getgid()
        home = os.path.join(self.dir, 'home', name)
        os.makedirs(home)
        with open(os.path.join(home, '.bash_profile'), 'w') as f:
            # A prompt the tests can wait for; nothing else.
            f.write("PS1='%s'\n" % PROMPT.decode())
        if IS_ROOT:
            for path in (home, os.path.join(home, '.bash_profile')):
                os.chown(path, uid, gid)
        u = User(name, password, uid, gid, home, shell)
        self.users[name] = u
        return u

    def matrix_stack(self, account=None, session_extra=()):
        """Service lines: pam_matrix for everything, plus extras."""
        m = '%s passdb=%s' % (PAM_MATRIX, os.path.join(self.dir, 'passdb'))
        lines = ['auth required %s' % m]
        lines += account if account is not None else \
            ['account required %s' % m]
        lines += ['password required %s' % m]
        lines += ['session required %s' % m]
        lines += list(session_extra)
        return lines

    def session_hook(self):
        """A pam_exec session line that records each open and close,
        with the ids it ran as, in self.events_path."""
        self.events_path = os.path.join(self.dir, 'pam-events')
        hook = os.path.join(self.dir, 'pam-hook')
        with open(hook, 'w') as f:
            f.write('#!/bin/sh\n'
                    'echo "$PAM_TYPE user=$PAM_USER tty=$PAM_TTY '
                    'ruid=$(id -ru) euid=$(id -u)" >> %s\n' %
                    self.events_path)
        os.chmod(hook, 0o755)
        return 'session required %s/pam_exec.so %s' % (PAM_SECURITY, hook)

    def pam_events(self):
        try:
            with open(self.events_path) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def set_service(self, name, lines):
        self.services[name] = lines

    def _write_files(self):
        with open(os.path.join(self.dir, 'passwd'), 'w') as f:
            for u in self.users.values():
                f.write('%s:x:%d:%d:%s:%s:%s\n' % (u.name, u.uid, u.gid,
                                                    u.name, u.home, u.shell))
            if 'nvtd' not in self.users:
                f.write('nvtd:x:%d:%d:nvtd pre-login:/run/nvtd:'
                        '/usr/sbin/nologin\n' % ((self.privsep_uid,) * 2))
        with open(os.path.join(self.dir, 'group'), 'w') as f:
            seen = {TTY_GID, self.privsep_uid}
            f.write('tty:x:%d:\n' % TTY_GID)
            f.write('nvtd:x:%d:\n' % self.privsep_uid)
            if 0 not in seen:
                f.write('root:x:0:\n')
                seen.add(0)
            for u in self.users.values():
                if u.gid not in seen:
                    f.write('%s:x:%d:\n' % (u.name, u.gid))
                    seen.add(u.gid)
        passdb = os.path.join(self.dir, 'passdb')
        # Written once: a password change by PAM must survive a restart.
        with open(passdb, 'x') if not os.path.exists(passdb) else \
                open(os.devnull, 'w') as f:
            for u in self.users.values():
                f.write('%s:%s:%s\n' % (u.name, u.password, 'nvtd'))
                for svc in self.services:
                    if svc != 'nvtd':
                        f.write('%s:%s:%s\n' % (u.name, u.password, svc))
        svcdir = os.path.join(self.dir, 'svc')
        os.makedirs(svcdir, exist_ok=True)
        for name, lines in self.services.items():
            with open(os.path.join(svcdir, name), 'w') as f:
                f.write('\n'.join(lines) + '\n')

    # -- the daemon -----------------------------------------------------

    def daemon_env(self, extra=None, leak_check=True):
        env = {
            'LD_PRELOAD': 'libpam_wrapper.so libnss_wrapper.so',
            'PAM_WRAPPER': '1',
            'PAM_WRAPPER_SERVICE_DIR': os.path.join(self.dir, 'svc'),
            'NSS_WRAPPER_PASSWD': os.path.join(self.dir, 'passwd'),
            'NSS_WRAPPER_GROUP': os.path.join(self.dir, 'group'),
        }
        env.update(DAEMON_MARKERS)
        if SANITIZED:
            # The sanitizer runtimes refuse RTLD_DEEPBIND, which both
            # wrappers use to load the real libraries.  pam_wrapper 1.1.4
            # (Debian 12) reads the uid_wrapper name of its switch.
            env['PAM_WRAPPER_DISABLE_DEEPBIND'] = '1'
            env['UID_WRAPPER_DISABLE_DEEPBIND'] = '1'
            env['NSS_WRAPPER_DISABLE_DEEPBIND'] = '1'
            sp = os.path.join(self.sanitizer_dir, 'report')
            # pam_wrapper's constructor leaks a few strings in processes
            # forked after it ran (a listener's monitors): its leak, not
            # nvtd's.
            supp = os.path.join(self.dir, 'lsan.supp')
            with open(supp, 'w') as f:
                f.write('leak:libpam_wrapper.so\n')
            env['LSAN_OPTIONS'] = ('suppressions=%s:print_suppressions=0' %
                                   supp)
            # The preloaded wrappers come before the ASan runtime.
            # The quarantine of freed blocks (256 MiB by default) would
            # count as the daemon's memory in the tests that measure it:
            # every log line mallocs and frees in glibc.
            env['ASAN_OPTIONS'] = ('log_path=%s:verify_asan_link_order=0:'
                                   'detect_leaks=%d:quarantine_size_mb=16'
                                   % (sp, leak_check))
            env['UBSAN_OPTIONS'] = 'log_path=%s:print_stacktrace=1' % sp
        env.update(extra or {})
        return env

    def start(self, args=(), env=None, accounting='isolated',
              binary=None, leak_check=True, mode='inetd', address=None,
              listen=None, pid_env=(), setup=(), prefix=()):
        """Serve nvtd ARGS on a free loopback port; return the port.

        mode: how nvtd is started, on address (default 127.0.0.1):
          'inetd'    systemd-socket-activate --inetd -a: a connection on
                     stdin per process (systemd Accept=yes, inetd)
          'accept'   systemd-socket-activate -a: a connection as fd 3 in
                     LISTEN_FDS per process (Accept=yes without
                     StandardInput=socket)
          'systemd'  systemd-socket-activate without -a: the listening
                     socket in LISTEN_FDS (systemd Accept=no); the
                     activator execs nvtd when the first connection
                     comes, and self.proc is the listener from then on
          'listen'   nvtd -l ADDRESS:PORT, its own listener
        listen: with mode 'listen', the -l values instead, each with
        '{port}' standing for the port (e.g. ['{port}'] for every
        address); the site waits for the first to listen.
        pid_env: names of variables set to the daemon's own pid (as
        systemd sets WATCHDOG_PID).
        accounting: 'isolated' (root: the site's empty wtmp, no utmp),
        'utmp' (root: the site's utmp and wtmp files, both present),
        'absent' (root: neither /run/utmp nor /var/log/wtmp exists).
        leak_check=False turns LeakSanitizer off, for the rare test where
        a PAM module leaks.
        setup: shell commands run in the daemon's mount namespace (root
        only) before the daemon starts, e.g. a devpts of its own; one that
        fails stops the start.  prefix: a command the daemon (with its
        activator) runs under, e.g. setpriv to drop a capability.
        """
        self._kill_tree()       # a restart: the previous daemon goes
        self._write_files()
        binary = binary or NVTD
        if not IS_ROOT and os.access('/var/log/wtmp', os.W_OK):
            raise unittest.SkipTest('/var/log/wtmp is writable by us and '
                                    'there is no private mount namespace: '
                                    'a login would write to it')
        address = address or '127.0.0.1'
        hostport = '[%s]:%%d' % address if ':' in address else \
            address + ':%d'
        for attempt in range(5):
            port = free_port()
            denv = self.daemon_env(env, leak_check)
            penv = {'PATH': os.environ.get('PATH', '/usr/bin:/bin')}
            if mode == 'listen':
                specs = [v.replace('{port}', str(port)) for v in listen] \
                    if listen else [hostport % port]
                argv = [binary] + list(args)
                for v in specs:
                    argv += ['-l', v]
                penv.update(denv)
            else:
                argv = [ACTIVATE, '-l', hostport % port]
                if mode == 'inetd':
                    argv += ['--inetd', '-a']
                elif mode == 'accept':
                    argv += ['-a']
                elif mode != 'systemd':
                    raise ValueError('mode %r' % mode)
                for k, v in denv.items():
                    argv += ['-E', '%s=%s' % (k, v)]
                # Without a value: the activator passes on its own.
                argv += ['-E' + k for k in pid_env]
                argv += [binary] + list(args)
            if pid_env:
                # Every step from here to nvtd is an exec: $$ is its pid.
                argv = ['/bin/sh', '-c', 'for v in %s; do export $v=$$; '
                        'done; exec "$@"' % ' '.join(pid_env), 'sh'] + argv
            argv = self._namespace(list(prefix) + argv, accounting,
                                   binary, setup)
            log = open(self.log_path, 'ab')
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log,
                                         env=penv,
                                         start_new_session=True)
            log.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if listening(port):
                    self.port = port
                    self.address = address
                    return port
                if self.proc.poll() is not None:
                    break
                time.sleep(0.01)
            self._kill_tree()
        raise AssertionError('the daemon did not listen; log:\n' +
                             self.read_log())

    def _namespace(self, argv, accounting, binary, setup=()):
        """As root: the command, in a mount namespace of its own.

        There, /var/log/wtmp and /run are the site's, and /tmp is an empty
        tmpfs: pam_wrapper copies the service files to /tmp/pam.X, and in
        a shared /tmp, daemons of tests running side by side can take
        each other's copy for a stale one and remove it.  Then the setup
        commands run, each echoed to the log.
        """
        if not IS_ROOT:
            if setup:
                raise unittest.SkipTest('needs root: setup commands run '
                                        'in a private mount namespace')
            return argv
        if not CAN_UNSHARE:
            raise unittest.SkipTest('running as root, but unshare -m '
                                    'failed: a login would write the '
                                    "machine's wtmp")
        os.makedirs(self.rundir, exist_ok=True)
        empty = os.path.join(self.dir, 'empty')
        os.makedirs(empty, exist_ok=True)
        if accounting == 'absent':
            script = ('mount --bind "$E" /run && '
                      'mount --bind "$E" /var/log && exec "$@"')
        else:
            open(self.wtmp, 'ab').close()
            if accounting == 'utmp':
                open(self.utmp, 'ab').close()
            script = ('mount --bind "$W" /var/log/wtmp && '
                      'mount --bind "$R" /run && exec "$@"')
        # What lives under /tmp and the daemon needs (the tree, when it
        # was checked out there) is bound back into the private /tmp.
        keep = sorted({p for p in (TOP, os.path.dirname(binary))
                       if p == '/tmp' or p.startswith('/tmp/')})
        hosttmp = os.path.join(self.dir, 'host-tmp')
        os.makedirs(hosttmp, exist_ok=True)
        rebind = ''.join(' && mkdir -p "%s" && mount --bind "$H/%s" "%s"' %
                         (p, os.path.relpath(p, '/tmp'), p) for p in keep)
        script = ('mount --bind /tmp "$H" && '
                  'mount -t tmpfs -o mode=1777 nvtd-tmp /tmp' + rebind +
                  ' && ' + script)
        # A devpts of the site's own, as a container has: its ptys are
        # the site's alone (pty_count() counts them), whatever else runs
        # on the machine.  A setup that mounts its own replaces it.
        if not setup:
            setup = [PRIVATE_DEVPTS]
        if setup:
            script = script.replace(' && exec "$@"', '')
            for cmd in setup:
                script += " && echo setup: %s && %s" % (shlex.quote(cmd),
                                                        cmd)
            script += ' && exec "$@"'
        return ['unshare', '-m', '--propagation', 'private', '--',
                'env', 'W=' + self.wtmp, 'R=' + self.rundir, 'E=' + empty,
                'H=' + hosttmp, '/bin/sh', '-c', script, 'sh'] + argv

    def run_inside(self, argv, env=None, timeout=30):
        """Run argv where the daemon runs: in its mount namespace (as
        root), with its environment (the wrappers, sanitizer options)."""
        if self.proc is None:
            raise AssertionError('run_inside: the daemon is not running')
        if IS_ROOT and CAN_UNSHARE:
            argv = ['nsenter', '-t', str(self.proc.pid), '-m', '--'] + \
                list(argv)
        penv = {'PATH': os.environ.get('PATH', '/usr/bin:/bin')}
        penv.update(self.daemon_env(env))
        return subprocess.run(argv, stdin=subprocess.DEVNULL,
                              capture_output=True, env=penv,
                              timeout=timeout)

    def pty_count(self):
        """The ptys the daemon has: as root, those of its own devpts
        (seen through /proc/PID/root); else every pty on the machine."""
        if IS_ROOT and CAN_UNSHARE and self.proc is not None:
            try:
                names = os.listdir('/proc/%d/root/dev/pts' % self.proc.pid)
                return sum(1 for n in names if n.isdigit())
            except OSError:
                pass
        return pty_count()

    def monitors(self):
        """The nvtd processes the activator started, one per connection."""
        if self.proc is None:
            return []
        table = processes()
        return [p for p, st in table.items()
                if st[1] == self.proc.pid and st[5].startswith('nvtd')]

    def wait_monitor(self, timeout=10.0):
        """The pid of the (one) connection's monitor, once it exists."""
        return wait_for(lambda: (self.monitors() or [None])[0], timeout,
                        'the daemon to accept the connection')

    def read_log(self):
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def sanitizer_reports(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.sanitizer_dir, '*'))):
            with open(path, errors='replace') as f:
                out.append('%s:\n%s' % (path, f.read()))
        return out

    def _kill_tree(self):
        if self.proc is None:
            return
        pids = descendants(self.proc.pid)
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None

    def _kill_leftovers(self):
        """Session processes that outlived their session: started by this
        site's daemon for this site's users (as root their uids are this
        site's alone), or found in a session a test recorded."""
        uids = {u.uid for u in self.users.values()} | \
            {self.privsep_uid} if IS_ROOT else set()
        uids.discard(0)
        for pid, st in processes().items():
            if st[0] != 'Z' and (st[4] in uids or st[3] in self.sessions):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def stop(self):
        """Kill what this site started (by PID) and remove the directory
        unless the test failed."""
        self._kill_tree()
        self._kill_leftovers()
        if not self.failed and not os.environ.get('NVTD_KEEP'):
            shutil.rmtree(self.dir, ignore_errors=True)


class CommandLineTest(unittest.TestCase):
    """nvtd run as a command, with no connection to serve: what it says
    of its options.  self.dir is a directory of the test's own."""

    def setUp(self):
        why = check_environment()
        if why:
            self.skipTest(why)
        self.dir = tempfile.mkdtemp(prefix='nvtd-cmd-')
        self.addCleanup(shutil.rmtree, self.dir, True)

    def nvtd(self, *args, stdin=subprocess.DEVNULL, umask=None):
        """Run nvtd; returncode, stdout, stderr and its pid."""
        p = subprocess.Popen(
            [NVTD] + list(args), stdin=stdin, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env={'PATH': '/usr/bin:/bin'},
            preexec_fn=(lambda: os.umask(umask)) if umask is not None
            else None)
        out, err = p.communicate(timeout=10)
        return types.SimpleNamespace(returncode=p.returncode, stdout=out,
                                     stderr=err, pid=p.pid)

    def assert_refused(self, r, *named):
        """Exit status 2 and one line on stderr, naming each of named."""
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, b'')
        err = r.stderr.decode()
        self.assertEqual(err.count('\n'), 1, err)
        self.assertTrue(err.endswith('\n'), err)
        for what in named:
            self.assertIn(what, err)


class SiteTest(unittest.TestCase):
    """A test with a Site, a user alice, and helpers to log in."""

    # Tests that read system-wide counters (the number of ptys) set this:
    # the runner runs them alone.
    exclusive = False

    def setUp(self):
        why = check_environment()
        if why:
            self.skipTest(why)
        self.site = Site(self.id())
        self.addCleanup(self.site.stop)
        self.addCleanup(self._check_sanitizers)
        self.alice = self.site.add_user('alice', 'secret')

    def _check_sanitizers(self):
        reports = self.site.sanitizer_reports()
        if reports:
            self.site.failed = True
            self.fail('the daemon reported sanitizer errors:\n' +
                      '\n'.join(reports))

    def start(self, *args, **kw):
        """Start the daemon with the tests' usual options plus args."""
        base = ['-d', '--fail-delay', '0', '-h']
        return self.site.start(base + list(args), **kw)

    def client(self, **kw):
        from tclient import TelnetClient
        kw.setdefault('host', self.site.address)
        c = TelnetClient(self.site.port, **kw)
        self.addCleanup(c.close)
        return c

    def fifo(self, name):
        """A fifo in alice's home, hers: a command in her session waits
        on it until the test release()s it."""
        path = os.path.join(self.alice.home, name)
        os.mkfifo(path)
        if IS_ROOT:
            os.chown(path, self.alice.uid, self.alice.gid)
        return path

    @staticmethod
    def release(fifo, line='go\n'):
        """Let the command waiting on fifo go on: it reads line (or, with
        line '', end of file)."""
        with open(fifo, 'w') as f:
            f.write(line)

    def session(self, **client):
        """Start the daemon and log in: (client, shell pid, relay pid)."""
        self.start()
        c = self.client(**client)
        self.login(c)
        sid = self.shell_pid(c)
        return c, sid, relay_of(sid)

    def answer_prompts(self, c, name=None, password=None):
        """Answer the login and password prompts (alice's, by default)."""
        c.expect(b'login: ')
        c.sendline(name if name is not None else self.alice.name)
        c.expect(b'Password: ')
        c.sendline(password if password is not None else
                   self.alice.password)

    def login(self, c, user=None, password=None):
        """Answer the prompts and wait for the shell's first prompt."""
        user = user or self.alice
        self.answer_prompts(c, user.name, password if password is not None
                            else user.password)
        c.expect(PROMPT, timeout=15)

    _marks = itertools.count(1)

    def run_cmd(self, c, command, timeout=10.0):
        """Run command in the session; its output between two markers.

        The markers are typed with an empty quote inside, so the
        terminal's echo of the command line never matches them.
        """
        n = next(self._marks)
        c.sendline("echo B''EGIN%d; %s; echo E''ND%d" % (n, command, n))
        m = c.expect(re.compile(rb'BEGIN%d\r\n(.*?)END%d\r\n' % (n, n),
                                re.S), timeout)
        c.expect(PROMPT)
        return m.group(1).decode(errors='replace').replace('\r\n', '\n')

    def shell_pid(self, c):
        """The shell's pid, which is also its session id."""
        pid = int(self.run_cmd(c, 'echo $$').strip())
        self.site.sessions.add(pid)
        return pid

    def run_expect(self, script, *args, timeout=60):
        """Run an expect script; its RESULT lines as a dict."""
        log = os.path.join(self.site.dir, script + '.log')
        self.site.artifacts.append(log)
        env = dict(os.environ)
        env['TERM'] = env.get('NVTD_TEST_TERM', 'xterm')
        env['HOME'] = self.site.dir   # no ~/.telnetrc of the tester
        env['LC_ALL'] = 'C.UTF-8'     # Tcl sends what it types as UTF-8
        r = subprocess.run(['expect', os.path.join(HERE, script), log,
                            str(self.site.port)] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env, cwd=self.site.dir)
        out = r.stdout.decode(errors='replace')
        results = {}
        for line in out.splitlines():
            if line.startswith('RESULT '):
                parts = line.split(' ', 2)
                results[parts[1]] = parts[2] if len(parts) > 2 else ''
        if r.returncode != 0:
            self.fail('%s exited %d\nstdout:\n%s\nstderr:\n%s' %
                      (script, r.returncode, out[-3000:],
                       r.stderr.decode(errors='replace')[-3000:]))
        return results
