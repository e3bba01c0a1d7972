# SPDX-License-Identifier: ISC
"""A real systemd as PID 1, in a throwaway container of this host's OS.

Container.boot() starts

    systemd-nspawn --directory=/ --volatile=yes --private-network --boot
        --overlay=/etc:W/etc:/etc --overlay=/var:W/var:/var
        --overlay=/usr:W/usr:/usr --bind-ro=DESTDIR:/nvtd-install ...

and returns once the container's systemd says the system is running.
--volatile=yes gives the container a tmpfs root with the host's /usr
read-only; the three overlays put the host's /etc, /var and /usr under
upper layers in W, a tmpfs of this fixture, so that the container can
install nvtd, add a user and enable units while the host's files stay as
they are.  --private-network: the container has its own network
namespace with only a loopback interface.  The test process joins that
namespace (join_network()), so that every client it starts connects to
the container's loopback, and nothing listens on, or connects to, any
host address.

Commands run in the container through nsenter into the namespaces of its
PID 1, with a clean environment (Container.run(), .sh()).  teardown()
sends SIGTERM to the nspawn process this fixture started (the
container's systemd shuts down), SIGKILL to it and its PID 1 if that
takes too long, then unmounts W and removes the directories nspawn and
this fixture made on the host.  A workspace left by a run that was
killed with SIGKILL is removed by the next boot().

What did not work on these machines (Debian 12, systemd 252, a PID 1
that is not systemd), for the record:
  --volatile=overlay   "Spawning container on root directory is not
                       supported. Consider using --ephemeral,
                       --volatile=yes or --volatile=state."
  --volatile=state     "/run/systemd/nspawn-root/dev is pre-mounted and
                       pre-populated. If a pre-mounted /dev is provided it
                       needs to be an unpopulated file system." (the
                       host's root file system has device nodes in /dev)
  --ephemeral          copies the whole root file system (no btrfs here)
                       before it boots: gigabytes and minutes.
"""

import contextlib
import ctypes
import glob
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

CLONE_NEWNET = 0x40000000
WORK_PREFIX = 'nvtd-systemd.'
CGROUP_ROOT = '/sys/fs/cgroup'
# The host's cgroup hierarchies nspawn puts the container in: cgroup v1's
# name=systemd and the cgroup2 one (hybrid), or cgroup2 alone (unified).
CGROUP_HIERARCHIES = ('systemd', 'unified', '')

# Host services that must not start in the container: a database the
# host happens to enable, anything that could own port 23, a syslog
# daemon that would take /dev/log from journald (nvtd's syslog lines
# would then miss the journal), and the consoles' login prompts.
MASKED = ('postgresql.service', 'mariadb.service', 'e2scrub_reap.service',
          'inetutils-inetd.service', 'openbsd-inetd.service',
          'xinetd.service', 'inetutils-syslogd.service',
          'console-getty.service', 'getty@tty1.service')

PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


class BootError(Exception):
    """The container could not be started: why, with what it printed."""


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _comm(pid):
    try:
        with open('/proc/%d/comm' % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def _children(pid):
    kids = []
    for path in glob.glob('/proc/[0-9]*/stat'):
        try:
            with open(path) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(path.split('/')[2]))
    return kids


def _mounted(path):
    with open('/proc/self/mounts') as f:
        return any(line.split()[1] == path for line in f)


def _rm_cgroup(path):
    """Remove an empty cgroup and the empty cgroups below it."""
    for top, dirs, _ in os.walk(path, topdown=False):
        for d in dirs:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(top, d))
    with contextlib.suppress(OSError):
        os.rmdir(path)


def host_problem():
    """Why this host cannot boot the container, or None."""
    if os.geteuid() != 0:
        return 'needs root (systemd-nspawn, mounts, cgroups)'
    if shutil.which('systemd-nspawn') is None:
        return ('systemd-nspawn is not installed (Debian package '
                'systemd-container; .ci/deps systemd installs it)')
    for prog in ('nsenter', 'expect'):
        if shutil.which(prog) is None:
            return '%s is not installed' % prog
    if not os.path.exists('/lib/systemd/systemd'):
        return 'the host has no /lib/systemd/systemd to boot'
    return None


def remove_stale(parent, say=print):
    """Clean up the workspaces of runs that died without teardown()."""
    for w in sorted(glob.glob(os.path.join(parent, WORK_PREFIX + '*'))):
        pid = None
        with contextlib.suppress(OSError, ValueError):
            with open(os.path.join(w, 'nspawn.pid')) as f:
                pid = int(f.read())
        if pid and _alive(pid) and _comm(pid) == 'systemd-nspawn':
            say('note: %s belongs to a running container (nspawn pid %d); '
                'left alone' % (w, pid))
            continue
        say('removing the stale workspace %s' % w)
        cgroups = []
        with contextlib.suppress(OSError):
            with open(os.path.join(w, 'cgroups')) as f:
                cgroups = f.read().split()
        for cg in cgroups:
            _rm_cgroup(cg)
        if _mounted(w):
            subprocess.run(['umount', '-l', w])
        shutil.rmtree(w, ignore_errors=True)


class Container:
    """This host's OS booted in a container, with nvtd's install tree
    (make install DESTDIR=...) bound read-only at /nvtd-install."""

    def __init__(self, destdir, logdir, parent='/tmp', boot_timeout=30,
                 say=print):
        self.destdir = os.path.abspath(destdir)
        self.logdir = logdir
        self.parent = parent
        self.boot_timeout = boot_timeout
        self.say = say
        self.name = 'nvtd-test-%d' % os.getpid()
        self.work = None
        self.proc = None
        self.leader = None
        self.nsenter = []
        self.cgroups = []
        self.run_dirs = []
        self.boot_seconds = None
        self.state = None
        self.console = os.path.join(logdir, 'console.log')
        # On a host whose PID 1 is systemd, nspawn registers the machine
        # with machined and gets a scope of its own.  Without systemd on
        # the host (these machines), it runs in a cgroup of this fixture.
        self.host_systemd = os.path.isdir('/run/systemd/system')

    # -- boot --------------------------------------------------------------

    def command(self):
        w = self.work
        argv = ['systemd-nspawn', '--directory=/', '--volatile=yes',
                '--overlay=/etc:%s/etc:/etc' % w,
                '--overlay=/var:%s/var:/var' % w,
                '--overlay=/usr:%s/usr:/usr' % w,
                '--bind-ro=%s:/nvtd-install' % self.destdir,
                '--private-network', '--boot', '--console=read-only',
                '--machine=%s' % self.name]
        if not self.host_systemd:
            argv += ['--register=no', '--keep-unit']
        argv += ['--', 'systemd.unit=multi-user.target',
                 'systemd.log_color=0']
        argv += ['systemd.mask=%s' % u for u in MASKED]
        return argv

    def _make_cgroups(self):
        """A cgroup of our own in each hierarchy for nspawn (which, with
        --keep-unit, splits the cgroup it runs in into 'supervisor' and
        'payload'): without one it would take the host's root cgroup."""
        if self.host_systemd:
            return
        for h in CGROUP_HIERARCHIES:
            top = os.path.join(CGROUP_ROOT, h)
            if not os.path.exists(os.path.join(top, 'cgroup.procs')):
                continue
            cg = os.path.join(top, self.name)
            os.mkdir(cg)
            self.cgroups.append(cg)
        with open(os.path.join(self.work, 'cgroups'), 'w') as f:
            f.write('\n'.join(self.cgroups) + '\n')

    def _enter_cgroups(self):
        """In the child, before exec: move into the cgroups made above."""
        for cg in self.cgroups:
            with open(os.path.join(cg, 'cgroup.procs'), 'w') as f:
                f.write('0\n')

    def boot(self):
        remove_stale(self.parent, self.say)
        for d in ('/run/systemd/nspawn', '/run/systemd/nspawn-root'):
            if not os.path.exists(d):
                self.run_dirs.append(d)
        self.work = tempfile.mkdtemp(prefix=WORK_PREFIX, dir=self.parent)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'mode=0700,size=2g',
                        'nvtd-systemd', self.work], check=True)
        for d in ('etc', 'var', 'usr'):
            os.mkdir(os.path.join(self.work, d))
        self._make_cgroups()
        argv = self.command()
        self.say('# ' + ' '.join(shlex.quote(a) for a in argv))
        t0 = time.monotonic()
        with open(self.console, 'wb') as log:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=self._enter_cgroups)
        with open(os.path.join(self.work, 'nspawn.pid'), 'w') as f:
            f.write('%d\n' % self.proc.pid)
        self._find_leader(t0 + 10)
        self._wait_running(t0 + self.boot_timeout)
        self.boot_seconds = time.monotonic() - t0

    def _find_leader(self, deadline):
        """The container's PID 1 is nspawn's child named systemd."""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BootError('systemd-nspawn exited %d:\n%s' %
                                (self.proc.returncode, self.console_tail()))
            for kid in _children(self.proc.pid):
                if _comm(kid) == 'systemd':
                    self.leader = kid
                    break
            if self.leader:
                break
            time.sleep(0.05)
        else:
            raise BootError('no systemd under nspawn in 10 s:\n%s' %
                            self.console_tail())
        # Enter the namespaces the container does not share with us.
        flags = {'mnt': '-m', 'uts': '-u', 'ipc': '-i', 'net': '-n',
                 'pid': '-p', 'cgroup': '-C'}
        self.nsenter = ['nsenter', '--target', str(self.leader)]
        for ns, flag in flags.items():
            theirs = os.readlink('/proc/%d/ns/%s' % (self.leader, ns))
            if theirs != os.readlink('/proc/self/ns/%s' % ns):
                self.nsenter.append(flag)

    def _wait_running(self, deadline):
        """Poll `systemctl is-system-running` until the boot is done
        (it fails while the container's manager has no bus yet)."""
        state = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BootError('systemd-nspawn exited %d during the boot:'
                                '\n%s' % (self.proc.returncode,
                                          self.console_tail()))
            r = self.run(['systemctl', 'is-system-running'], check=False)
            state = r.stdout.strip()
            if state in ('running', 'degraded'):
                self.state = state
                return
            time.sleep(0.1)
        raise BootError('the container did not finish booting in %d s '
                        '(last state: %s):\n%s' %
                        (self.boot_timeout, state, self.console_tail()))

    def console_tail(self, lines=40):
        with contextlib.suppress(OSError):
            with open(self.console, errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        return ''

    # -- inside ------------------------------------------------------------

    def run(self, argv, check=True, timeout=60, input=None):
        """argv in the container, as root, with a clean environment;
        stdout and stderr as text."""
        env = ['env', '-i', 'PATH=' + PATH, 'LANG=C.UTF-8', 'TERM=dumb',
               'SYSTEMD_COLORS=0', 'SYSTEMD_PAGER=', 'SYSTEMD_LESS=',
               'COLUMNS=200']
        r = subprocess.run(self.nsenter + ['--'] + env + list(argv),
                           input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError('in the container: %s exited %d\n%s%s' %
                                 (' '.join(argv), r.returncode, r.stdout,
                                  r.stderr))
        return r

    def sh(self, script, check=True, timeout=60):
        """A shell command line in the container; its stdout."""
        return self.run(['sh', '-c', script], check=check,
                        timeout=timeout).stdout

    def join_network(self):
        """Move this process into the container's network namespace:
        from now on its sockets, and those of every program it starts,
        see only the container's loopback."""
        fd = os.open('/proc/%d/ns/net' % self.leader, os.O_RDONLY)
        try:
            if _libc().setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, 'setns(net): %s' % os.strerror(e))
        finally:
            os.close(fd)

    # -- teardown ----------------------------------------------------------

    def teardown(self, stop_timeout=15):
        """Stop the container and remove what boot() made.  Returns the
        seconds the container took to shut down, or None."""
        seconds = None
        if self.proc is not None and self.proc.poll() is None:
            t0 = time.monotonic()
            if self.host_systemd:
                subprocess.run(['machinectl', 'terminate', self.name])
            else:
                # nspawn passes SIGTERM on: the container shuts down.
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(stop_timeout)
            except subprocess.TimeoutExpired:
                self.say('the container did not stop in %d s: SIGKILL to '
                         'its PID 1 (%s) and to nspawn (%d)' %
                         (stop_timeout, self.leader, self.proc.pid))
                if self.leader and _alive(self.leader):
                    os.kill(self.leader, signal.SIGKILL)
                self.proc.kill()
                self.proc.wait()
            seconds = time.monotonic() - t0
        for cg in self.cgroups:
            _rm_cgroup(cg)
        if self.work:
            if _mounted(self.work):
                subprocess.run(['umount', self.work])
                if _mounted(self.work):
                    subprocess.run(['umount', '-l', self.work])
            with contextlib.suppress(OSError):
                os.rmdir(self.work)
        # nspawn leaves these on a /run that is no tmpfs ("Attempted to
        # remove disk file system ..., and we can't allow that").
        with contextlib.suppress(OSError):
            os.rmdir('/run/systemd/nspawn/propagate/' + self.name)
        for d in ('/run/systemd/nspawn/propagate', '/run/systemd/nspawn',
                  '/run/systemd/nspawn-root'):
            if any(d == r or d.startswith(r + '/') for r in self.run_dirs):
                with contextlib.suppress(OSError):
                    os.rmdir(d)
        return seconds
