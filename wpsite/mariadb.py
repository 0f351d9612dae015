"""A private MariaDB for the test site: own data directory, unix socket only.

Why private: the tests must not touch a system MariaDB (or need one). This server reads
only its own --defaults-file (nothing from /etc/mysql), listens on no TCP port
(skip-networking), and trades durability for speed, since the site is thrown away.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from typing import TYPE_CHECKING

from .install import MARIADBD, SiteUnavailable
from .processes import Daemon, child_env, spawn

if TYPE_CHECKING:
    from pathlib import Path

SOCKET_PATH_MAX = 107  # sun_path is 108 bytes including the NUL


def socket_path(site_dir: Path) -> Path:
    """Where the server listens; wp-config.php computes the same path."""
    return site_dir / "mysql" / "mysqld.sock"


def _config(site_dir: Path) -> str:
    mysql = site_dir / "mysql"
    lines = [
        "[mariadbd]",
        f"datadir={mysql / 'data'}",
        f"socket={socket_path(site_dir)}",
        f"pid-file={mysql / 'mariadbd.pid'}",
        f"tmpdir={mysql / 'tmp'}",
        f"log-error={site_dir / 'logs' / 'mariadb.err'}",
        "skip-networking",
        "skip-name-resolve",
        "skip-log-bin",
        "character-set-server=utf8mb4",
        "collation-server=utf8mb4_unicode_ci",
        "innodb_buffer_pool_size=128M",
        "innodb_log_file_size=16M",
        "innodb_flush_log_at_trx_commit=0",
        "innodb_doublewrite=0",
        "max_connections=64",
        "performance_schema=OFF",
    ]
    if os.geteuid() == 0:
        lines.append("user=root")  # mariadb-server-core creates no mysql user
    return "\n".join(lines) + "\n"


def initialise(site_dir: Path) -> None:
    """Create the config and an empty data directory (root without password)."""
    sock = socket_path(site_dir)
    if len(str(sock).encode()) > SOCKET_PATH_MAX:
        raise SiteUnavailable(f"site directory too deep for a unix socket: {sock}")
    mysql = site_dir / "mysql"
    for sub in ("data", "tmp"):
        (mysql / sub).mkdir(parents=True, exist_ok=True)
    cnf = mysql / "my.cnf"
    cnf.write_text(_config(site_dir))
    proc = subprocess.run(
        [
            "mariadb-install-db",
            f"--defaults-file={cnf}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SiteUnavailable(f"mariadb-install-db failed:\n{(proc.stdout + proc.stderr)[-2000:]}")


def start(site_dir: Path, *, timeout: float = 30.0) -> tuple[Daemon, subprocess.Popen[bytes]]:
    """Start mariadbd and wait until its socket accepts connections."""
    sock = socket_path(site_dir)
    sock.unlink(missing_ok=True)
    daemon, proc = spawn(
        "mariadbd",
        [MARIADBD, f"--defaults-file={site_dir / 'mysql' / 'my.cnf'}"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC"},
        log=site_dir / "logs" / "mariadbd.out",
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if sock.exists():
            with socket.socket(socket.AF_UNIX) as client:
                try:
                    client.connect(str(sock))
                except OSError:
                    pass
                else:
                    return daemon, proc
        time.sleep(0.05)
    log = site_dir / "logs" / "mariadb.err"
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise SiteUnavailable(f"mariadbd did not start (exit {proc.poll()}):\n{tail}")
