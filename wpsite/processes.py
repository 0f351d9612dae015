"""Start and stop the site's daemons by PID and process group, and nothing else.

Why not Popen.terminate(): `php -S` with PHP_CLI_SERVER_WORKERS leaves its forked
workers serving the port when only the master gets SIGTERM, and a daemon started by
`python -m wpsite start` outlives the Python process that started it, so it is
stopped later by a recorded PID. Each daemon therefore runs in a session (and process
group) of its own, is signalled as a group, and counts as gone only when no process of
the group is left; a zombie (state Z, reaped late by PID 1 in some sandboxes) counts as
gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


@dataclass(frozen=True)
class Daemon:
    """A started process group: its leader's PID (= PGID) and what it runs."""

    name: str
    pid: int
    executable: str

    def to_json(self) -> dict[str, object]:
        """Plain dict for the site's state file."""
        return {"name": self.name, "pid": self.pid, "executable": self.executable}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Daemon:
        """Inverse of to_json()."""
        return cls(str(data["name"]), int(str(data["pid"])), str(data["executable"]))


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, process group) of a PID, or None when it does not exist."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = raw.rsplit(")", 1)[1].split()
    return fields[0], int(fields[2])


def is_alive(pid: int) -> bool:
    """True when the PID runs and is not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == pgid and stat[0] != "Z":
                members.append(int(entry.name))
    return members


def runs(daemon: Daemon) -> bool:
    """True when the recorded daemon still runs (and the PID was not reused)."""
    if not is_alive(daemon.pid):
        return False
    try:
        cmdline = Path(f"/proc/{daemon.pid}/cmdline").read_bytes()
    except OSError:
        return False
    return Path(daemon.executable).name.encode() in cmdline


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log: Path,
    cwd: Path | None = None,
) -> tuple[Daemon, subprocess.Popen[bytes]]:
    """Start argv in a new session, output appended to log."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Daemon(name, proc.pid, argv[0]), proc


def child_env() -> dict[str, str]:
    """The environment for a child process, copied now.

    The test site starts in a background thread while tests run; a child started with the
    inherited environment reads the C ``environ`` after ``vfork``, and a test changing a
    variable meanwhile (``monkeypatch.setenv``) can free it under the child: ``exec`` then fails
    with EFAULT ("Bad address"). An explicit copy is built before the fork.
    """
    return dict(os.environ)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop(
    daemon: Daemon,
    *,
    first: signal.Signals = signal.SIGTERM,
    grace: float = 20.0,
    proc: subprocess.Popen[bytes] | None = None,
) -> None:
    """Signal the daemon's group, wait for it to empty, then SIGKILL what is left.

    Only the group the daemon was started as is signalled, and only when its leader is
    still the process we started (checked by executable name).
    """
    if not runs(daemon) and not group_members(daemon.pid):
        _reap(proc)
        return
    _signal_group(daemon.pid, first)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap(proc, block=False)
        if not group_members(daemon.pid):
            break
        time.sleep(0.05)
    else:
        _signal_group(daemon.pid, signal.SIGKILL)
        for _ in range(100):
            if not group_members(daemon.pid):
                break
            time.sleep(0.05)
    _reap(proc)


def _reap(proc: subprocess.Popen[bytes] | None, *, block: bool = True) -> None:
    """Collect our own child's exit status so it does not linger as a zombie."""
    if proc is None:
        return
    if block:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    else:
        proc.poll()
