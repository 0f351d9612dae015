"""One JSON state file per site, written atomically so a crash never leaves half a state.

JSON rather than SQLite: the state is read once and written once per run, it stays small (about
40 bytes a record), and a person can read it. It is written to a temporary file in the same
folder, flushed to disk, then renamed over the old one, so a crash at any moment leaves either
the previous state or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1


class StateError(ValueError):
    """A state file that cannot be used; the message says which and what to do."""


@dataclass
class SiteState:
    """What earlier runs exported for one site.

    ``records`` maps a collection (``posts``, ``media``, ``categories``...) to ``{id: version}``,
    where a version is the record's ``modified_gmt`` or, for records without one (terms, users,
    comments), a fingerprint of their content.
    """

    site: str
    mark: str | None = None
    """The high-water mark: the largest ``modified_gmt`` exported, ISO 8601 UTC with ``Z``."""
    records: dict[str, dict[int, str]] = field(default_factory=dict)
    runs: int = 0
    """How many runs committed this state."""
    committed_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "site": self.site,
            "mark": self.mark,
            "runs": self.runs,
            "committed_at": self.committed_at,
            "records": {
                name: {str(i): v for i, v in sorted(ids.items())}
                for name, ids in sorted(self.records.items())
            },
        }

    @classmethod
    def from_json(cls, data: Any, path: Path) -> SiteState:
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise StateError(
                f"{path} is not a state file of this crawler (format {FORMAT_VERSION})"
            )
        try:
            records = {
                str(name): {int(i): str(v) for i, v in ids.items()}
                for name, ids in (data.get("records") or {}).items()
            }
        except (AttributeError, TypeError, ValueError) as exc:
            raise StateError(f"{path} has malformed records ({exc})") from None
        return cls(
            site=str(data.get("site") or ""),
            mark=data.get("mark"),
            records=records,
            runs=int(data.get("runs") or 0),
            committed_at=data.get("committed_at"),
        )


def state_path(state_dir: str | Path, host: str) -> Path:
    """Where a site's state lives: ``<STATE_DIR>/<host>.json``."""
    return Path(state_dir) / f"{host}.json"


def load_state(path: Path, site: str) -> SiteState:
    """The state at ``path``, or an empty one for a first run.

    >>> load_state(Path("/nonexistent/x.json"), "https://e.com/").runs
    0
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SiteState(site=site)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(
            f"{path} is not valid JSON ({exc}); move it away to start over with a full crawl"
        ) from None
    return SiteState.from_json(data, path)


def save_state(path: Path, state: SiteState) -> None:
    """Replace the state at ``path`` atomically (write, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state.to_json(), handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
