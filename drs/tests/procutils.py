"""Child processes of the tests: a free port on the loopback, this
virtualenv's console scripts, and stopping a process group."""

import os
import signal
import socket
import subprocess
import sys


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
