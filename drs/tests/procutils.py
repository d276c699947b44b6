"""Child processes of the tests: a free port on the loopback, this
virtualenv's console scripts, and stopping a process group."""

import os
import signal
import socket
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def venv_bin(name: str) -> str:
    """A console script of the virtualenv running the tests."""
    return os.path.join(os.path.dirname(sys.executable), name)


def stop_group(process: subprocess.Popen | None) -> None:
    """SIGTERM the process group started with ``start_new_session``;
    SIGKILL it if it has not ended within 20 s."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def listening(port: int, host: str = '127.0.0.1') -> bool:
    """Whether a server accepts connections on ``host:port``.

    A port of the ephemeral range that nothing listens on yet can be
    connected to itself (TCP simultaneous open: the probe's own source
    port is the port probed), which would then keep the server from
    binding it; such a connection counts as not listening, and is closed
    at once.
    """
    with socket.socket() as sock:
        sock.settimeout(2)
        try:
            sock.connect((host, port))
        except OSError:
            return False
        return sock.getsockname() != sock.getpeername()


def wait_listening(port: int, timeout: float,
                   process: subprocess.Popen | None = None,
                   what: str = 'the server') -> None:
    """Wait until something listens on 127.0.0.1:``port``; raise
    RuntimeError after ``timeout`` seconds or when ``process`` exits."""
    deadline = time.monotonic() + timeout
    while not listening(port):
        if process is not None and process.poll() is not None:
            raise RuntimeError('%s exited (status %s) before listening on '
                               'port %d' % (what, process.returncode, port))
        if time.monotonic() > deadline:
            raise RuntimeError('%s does not listen on port %d after %ss'
                               % (what, port, timeout))
        time.sleep(0.3)
