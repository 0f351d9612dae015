"""A private ``redis-server`` for the tests: loopback only, a random port, no persistence.

Debian's package is installed when missing (as root, as CI runs); elsewhere the error names
the command to run. The server is stopped by its PID, never by name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Self

from wpsite.install import SiteUnavailable, apt_install
from wpsite.processes import child_env

if TYPE_CHECKING:
    from types import TracebackType

REDIS_SERVER = "/usr/bin/redis-server"


class ServerUnavailable(RuntimeError):
    """The server cannot run here; the message says why and what would fix it."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_redis_server() -> None:
    """Install Debian's ``redis-server`` when missing (root only)."""
    if Path(REDIS_SERVER).exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise ServerUnavailable(
            "redis-server is not installed; run as root: apt-get install redis-server"
        )
    try:
        apt_install(["redis-server"])
    except SiteUnavailable as exc:
        raise ServerUnavailable(str(exc)) from None
    if not Path(REDIS_SERVER).exists():
        raise ServerUnavailable("redis-server still missing after apt-get install")


class RedisServer:
    """One ``redis-server`` process; ``url`` is its ``redis://127.0.0.1:PORT/0``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="test-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> RedisServer:
        ensure_redis_server()
        log = (self.directory / "redis.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary, our own arguments
            [
                REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.directory), "--save", "", "--appendonly", "no",
                "--protected-mode", "yes", "--daemonize", "no",
            ],
            stdout=log, stderr=subprocess.STDOUT, env=child_env(), start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.directory / "redis.log").read_text(errors="replace")[-1500:]
                raise ServerUnavailable(f"redis-server exited ({self.process.returncode}):\n{tail}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise ServerUnavailable(f"redis-server did not answer on port {self.port} in {timeout} s")

    def ping(self) -> bool:
        """Whether the server answers ``PING`` (raw RESP, no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        self.stop()
