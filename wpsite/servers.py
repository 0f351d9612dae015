"""The three `php -S` servers, one per permalink mode, sharing one database.

Why three servers rather than switching one: each test may use any mode at any time, and
a server per mode costs nothing to seed (the database is shared) and little memory. The
mode travels in the environment (WPT_PERMALINKS, WPT_ORIGIN); wp-config.php and the
mu-plugin turn it into home/siteurl, permalink_structure and per-mode rewrite rules.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import client
from .install import PHP, SiteUnavailable
from .processes import Daemon, spawn

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Mapping

MODES = ("plain", "pathinfo", "pretty")
PHP_DIR = Path(__file__).with_name("php")
HOST = "127.0.0.1"


def origin(port: int) -> str:
    """http://127.0.0.1:PORT, the origin a server is reached (and reports itself) at."""
    return f"http://{HOST}:{port}"


def mode_env(site_dir: Path, mode: str, port: int) -> dict[str, str]:
    """Environment a PHP process needs to act as the server of `mode`."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "WPT_ROOT": str(site_dir / "wordpress"),
        "WPT_ORIGIN": origin(port),
        "WPT_PERMALINKS": mode,
    }


def free_ports(preferred: Mapping[str, int] | None = None) -> dict[str, int]:
    """One free loopback port per mode, reusing `preferred` ones that are still free.

    All probe sockets stay open until every port is chosen, so no two modes share one.
    """
    ports: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        for mode in MODES:
            probe = stack.enter_context(socket.socket())
            try:
                probe.bind((HOST, (preferred or {}).get(mode, 0)))
            except OSError:
                probe.bind((HOST, 0))
            ports[mode] = probe.getsockname()[1]
    return ports


def start(
    site_dir: Path, mode: str, port: int, *, workers: int = 4
) -> tuple[Daemon, subprocess.Popen[bytes]]:
    """Start `php -S` for one mode (workers in the same process group)."""
    env = mode_env(site_dir, mode, port) | {"PHP_CLI_SERVER_WORKERS": str(workers)}
    argv = [
        PHP,
        "-q",
        "-d",
        "memory_limit=256M",
        "-d",
        "display_errors=0",
        "-S",
        f"{HOST}:{port}",
        "-t",
        str(site_dir / "wordpress"),
        str(PHP_DIR / "router.php"),
    ]
    return spawn(f"php-{mode}", argv, env=env, log=site_dir / "logs" / f"php-{mode}.log")


def wait_ready(port: int, proc: subprocess.Popen[bytes] | None, *, timeout: float = 30.0) -> None:
    """Wait until the server answers WordPress' REST index (also warms opcache)."""
    url = f"{origin(port)}/index.php?rest_route=/"
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SiteUnavailable(f"php -S on port {port} exited with {proc.returncode}")
        try:
            status = client.get(url, timeout=10).status
        except OSError as exc:
            last_error = str(exc)
        else:
            if status == 200:
                return
            last_error = f"HTTP {status}"
        time.sleep(0.1)
    raise SiteUnavailable(f"php -S on port {port} did not answer {url}: {last_error}")
