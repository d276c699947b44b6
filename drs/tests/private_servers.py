"""Private PostgreSQL and RabbitMQ servers for the tests that restart one.

The machine's MariaDB and RabbitMQ serve the test cloud too, and its
PostgreSQL serves the other tests: a test that restarts a server starts
its own, on 127.0.0.1, on a port outside the ephemeral range, in a
directory of its own, and removes it afterwards. Every wait is bounded.

As root (CI), the servers run as their Debian users (``postgres``,
``rabbitmq``), which own the directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import random
import shutil
import socket
import subprocess
import tempfile
import time

from drs.tests import procutils


def free_fixed_port(tries: int = 50) -> int:
    """A free port of 127.0.0.1 below the ephemeral range (32768): no
    outgoing connection of another process can hold it by chance."""
    for _ in range(tries):
        port = random.randint(20000, 32000)  # noqa: S311 (not security)
        with socket.socket() as sock:
            try:
                sock.bind(('127.0.0.1', port))
            except OSError:
                continue
        return port
    raise RuntimeError('no free port in 20000-32000')


def _own_directory(prefix: str, user: str) -> str:
    """A new directory under /tmp owned by ``user`` (when root)."""
    directory = tempfile.mkdtemp(prefix=prefix)
    if os.getuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    return directory


def _as(user: str, command: list[str]) -> list[str]:
    return (['runuser', '-u', user, '--'] + command if os.getuid() == 0
            else command)


class PrivatePostgreSQL:
    """A PostgreSQL cluster of its own (initdb), trust on 127.0.0.1."""

    def __init__(self) -> None:
        versions = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'),
                          key=lambda p: int(p.split('/')[4]))
        if not versions:
            raise RuntimeError('no PostgreSQL server (initdb) installed')
        self.bindir = os.path.dirname(versions[-1])
        self.directory = _own_directory('drs-pg-', 'postgres')
        self.data = os.path.join(self.directory, 'data')
        self.log = os.path.join(self.directory, 'postgresql.log')
        self.port = free_fixed_port()
        self._run('initdb', '-D', self.data, '-U', 'postgres', '-A',
                  'trust', '-E', 'UTF8', '--no-sync', timeout=120)

    @property
    def url(self) -> str:
        """The server URL, without a database name (db_fixtures')."""
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d' % self.port

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(_as('postgres', [os.path.join(self.bindir, tool),
                                        *args]),
                       check=True, timeout=timeout, cwd=self.directory,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _options(self) -> str:
        return ('-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off '
                '-c max_connections=200' % (self.port, self.directory))

    def start(self) -> None:
        self._run('pg_ctl', '-D', self.data, '-l', self.log, '-w', '-t',
                  '30', '-o', self._options(), 'start')

    def stop(self, mode: str = 'fast') -> None:
        """``fast``: every session is ended, as in a restart."""
        self._run('pg_ctl', '-D', self.data, '-m', mode, '-w', '-t', '30',
                  'stop')

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log) as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return '(no log)'

    def remove(self) -> None:
        try:
            self.stop('immediate')
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivateRabbitMQ:
    """A RabbitMQ node of its own: its node name, AMQP and distribution
    ports, database and logs in a directory of its own, no plugins. It
    shares the machine's epmd (a name registry: a node more changes
    nothing for the machine's broker)."""

    def __init__(self) -> None:
        self.name = 'drs-test-%s@localhost' % os.urandom(4).hex()
        self.directory = _own_directory('drs-rabbit-', 'rabbitmq')
        self.port = free_fixed_port()
        self.dist_port = free_fixed_port()
        while self.dist_port == self.port:
            self.dist_port = free_fixed_port()
        self.config = os.path.join(self.directory, 'rabbitmq.conf')
        plugins = os.path.join(self.directory, 'enabled_plugins')
        with open(self.config, 'w') as f:
            f.write('listeners.tcp.local = 127.0.0.1:%d\n' % self.port)
        with open(plugins, 'w') as f:
            f.write('[].\n')
        for path in (self.config, plugins):
            os.chmod(path, 0o644)
        self.env = dict(
            os.environ,
            RABBITMQ_NODENAME=self.name,
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=os.path.join(self.directory, 'mnesia'),
            RABBITMQ_LOG_BASE=os.path.join(self.directory, 'log'),
            RABBITMQ_CONFIG_FILE=self.config,
            RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
            # Not the machine's rabbitmq-env.conf (its node name, port).
            RABBITMQ_CONF_ENV_FILE=os.path.join(self.directory, 'none'),
            ERL_EPMD_ADDRESS='127.0.0.1',
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
                '-kernel inet_dist_use_interface {127,0,0,1}'))
        for sub in ('mnesia', 'log'):
            path = os.path.join(self.directory, sub)
            os.makedirs(path)
            if os.getuid() == 0:
                entry = pwd.getpwnam('rabbitmq')
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return 'rabbit://guest:guest@127.0.0.1:%d/' % self.port

    def ctl(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(['rabbitmqctl', '-n', self.name, *args], check=True,
                       timeout=timeout, env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self, timeout: float = 60) -> float:
        """Start the node and wait until it accepts AMQP; the seconds it
        took."""
        started = time.monotonic()
        with open(os.path.join(self.directory, 'server.out'), 'ab') as out:
            self.process = subprocess.Popen(
                ['rabbitmq-server'], env=self.env, cwd=self.directory,
                stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = started + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError('rabbitmq-server exited (%s):\n%s' % (
                    self.process.returncode, self.log_tail()))
            try:
                self.ctl('await_startup', '--timeout', '20', timeout=30)
                if procutils.listening(self.port):
                    return time.monotonic() - started
            except subprocess.SubprocessError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError('RabbitMQ %s did not start in %ss:\n%s'
                                   % (self.name, timeout, self.log_tail()))
            time.sleep(0.5)

    def log_tail(self, lines: int = 30) -> str:
        logs = glob.glob(os.path.join(self.directory, 'log', '*.log'))
        logs.append(os.path.join(self.directory, 'server.out'))
        out = []
        for path in logs:
            try:
                with open(path, errors='replace') as f:
                    out.append(''.join(f.readlines()[-lines:]))
            except OSError:
                pass
        return '\n'.join(out)

    def remove(self) -> None:
        try:
            self.ctl('stop', timeout=60)
        except subprocess.SubprocessError:
            pass
        procutils.stop_group(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)
