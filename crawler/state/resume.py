"""Resuming a long crawl after it was stopped, even by SIGKILL, without duplicates or gaps.

Scrapy's ``JOBDIR`` restores its request queue only after a clean stop; a killed process leaves
the queue's bookkeeping behind. So a job directory is used here as the job's identity: the
first start records the run's id (feeds keep going to the same run folder) and every later
start is a resume. A resume plans the crawl again, and the records already in the feed files,
read back from them, are not exported twice; a line cut off by the kill is removed first.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MARKER = "wordpress-job.json"

RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}(\.[0-9]{6})?Z(-[0-9a-f]{6})?")
"""A run id: its start in UTC, to the microsecond, and a random part (older runs: seconds)."""
GIVEN_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A run id given with ``-a run=`` (:data:`crawler.params.RUN`)."""


def new_run_id(now: datetime | None = None) -> str:
    """A unique, sortable, file-name-safe run id; it names the run's folder.

    Runs started in the same microsecond still differ by the random part.

    >>> run_id = new_run_id(datetime(2026, 11, 28, 14, 30, 0, 12345, tzinfo=UTC))
    >>> run_id[:24], RUN_ID.fullmatch(run_id) is not None
    ('20261128T143000.012345Z-', True)
    >>> new_run_id() != new_run_id()
    True
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"


class JobError(ValueError):
    """A job directory whose record cannot be used."""


@dataclass
class Job:
    """A job directory's identity: the run it belongs to and how often it was started."""

    path: Path
    run_id: str
    url: str
    starts: int

    @property
    def resuming(self) -> bool:
        return self.starts > 1


def start_job(jobdir: str | Path, run_id: str, url: str) -> Job:
    """Record one more start of the job in ``jobdir`` (creating it on the first start)."""
    path = Path(jobdir) / MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        job = Job(path, str(data["run_id"]), str(data["url"]), int(data["starts"]) + 1)
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        job = Job(path, run_id, url, 1)
    if not (RUN_ID.fullmatch(job.run_id) or GIVEN_RUN_ID.fullmatch(job.run_id)):
        raise JobError(
            f"{path} names the run {job.run_id!r}, which is not a run id; "
            "use another JOBDIR for a new job"
        )
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"run_id": job.run_id, "url": job.url, "starts": job.starts}))
    tmp.replace(path)
    return job


def job_starts(jobdir: str | Path) -> int:
    """How many times the job in ``jobdir`` was started (0 if never)."""
    try:
        return int(json.loads((Path(jobdir) / MARKER).read_text(encoding="utf-8"))["starts"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return 0


def repair_and_read(feed: Path) -> set[tuple[str, int | str]]:
    """The ``(type, id)`` of every complete record in a JSONL feed; a cut-off last line is removed.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "posts.jsonl"
    >>> _ = path.write_text('{"type": "post", "id": 1}\\n{"type": "post", "id": 2}\\n{"type": "po')
    >>> sorted(repair_and_read(path)), path.read_text().count("\\n")
    ([('post', 1), ('post', 2)], 2)
    """
    data = feed.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with feed.open("r+b") as handle:
            handle.truncate(len(complete))
    keys = set()
    for line in complete.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            key = record_key(record)
            if key is not None:
                keys.add(key)
    return keys


def record_key(record: Any) -> tuple[str, int | str] | None:
    """What tells a record apart in a feed: ``(type, id)``; a media file rebuilt without an
    id (a page showed it, not its attachment) by its URL instead.

    >>> record_key({"type": "post", "id": 3}), record_key({"type": "media", "id": None, "source_url": "u"})
    (('post', 3), ('media', 'u'))
    >>> record_key({"type": "post", "id": None}) is None
    True
    """
    record_id = record.get("id")
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        return (str(record.get("type")), record_id)
    url = record.get("source_url")
    return (str(record.get("type")), url) if record_id is None and isinstance(url, str) else None


def exported_records(folder: Path) -> set[tuple[str, int | str]]:
    """Every record already written to the JSONL feeds in ``folder``."""
    keys: set[tuple[str, int | str]] = set()
    for feed in sorted(folder.glob("*.jsonl")):
        keys |= repair_and_read(feed)
    return keys
