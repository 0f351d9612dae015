"""What ``scrapy sitesstatus`` shows: per site, the last good run, what runs, what failed.

Pure: built from :class:`crawler.distributed.queue.JobRow` values (and, when the state lives in
Redis, the state backend's summaries), formatted as a plain text table or JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.extensions.result import one_line
from crawler.state.store import site_key

if TYPE_CHECKING:
    from crawler.distributed.queue import JobRow

MAX_SITE_WIDTH = 50


@dataclass
class SiteStatus:
    """One site's line."""

    site: str
    last_run: str = ""
    """The last run that finished clean (committed, when the state backend says so)."""
    outcome: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    running: str = ""
    """``running on <worker>``, ``queued``, ``retry scheduled`` or empty."""
    failure: str = ""
    """The latest failed run and why (only if later than the last good run)."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_PENDING = {"running": 3, "scheduled": 2, "queued": 1}


def site_statuses(
    rows: list[JobRow], summaries: dict[str, dict[str, Any]] | None = None
) -> list[SiteStatus]:
    """One :class:`SiteStatus` per site (by :func:`site_key`), sorted by site.

    ``summaries`` (by site key) are the state backend's: a committed run there wins over the
    job results, which expire.

    >>> from crawler.distributed.queue import JobRow
    >>> rows = [
    ...     JobRow("http://a/", "r1", "finished", 10.0, result={"counts": {"posts": 3}}),
    ...     JobRow("http://a/", "r2", "failed", 20.0, failure="SiteFailed: http://a/: down"),
    ...     JobRow("http://b/", "r2", "running", 30.0, worker="w1"),
    ... ]
    >>> [(s.site, s.last_run, s.outcome, s.counts, s.running, s.failure) for s in site_statuses(rows)]
    [('http://a/', 'r1', 'ok', {'posts': 3}, '', 'r2: SiteFailed: http://a/: down'), ('http://b/', '', '', {}, 'running on w1', '')]
    """
    by_site: dict[str, SiteStatus] = {}
    good: dict[str, float] = {}
    bad: dict[str, float] = {}
    pending: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r.when):
        key = site_key(row.site)
        status = by_site.setdefault(key, SiteStatus(row.site))
        if row.state == "finished":
            status.last_run, status.outcome = row.run, "ok"
            status.counts = dict((row.result or {}).get("counts") or {})
            good[key] = row.when
        elif row.state == "failed":
            status.failure = one_line(f"{row.run}: {row.failure}")
            bad[key] = row.when
        elif _PENDING[row.state] >= pending.get(key, 0):
            pending[key] = _PENDING[row.state]
            status.running = f"running on {row.worker}" if row.state == "running" else (
                "retry scheduled" if row.state == "scheduled" else "queued"
            )  # fmt: skip
    for key, summary in (summaries or {}).items():
        status = by_site.setdefault(key, SiteStatus(str(summary.get("site") or key)))
        if summary.get("run"):
            status.last_run, status.outcome = str(summary["run"]), "committed"
            counts = summary.get("counts")
            if isinstance(counts, dict):
                status.counts = {str(k): int(v) for k, v in counts.items() if isinstance(v, int)}
        holder = summary.get("lease_holder")
        if holder and not status.running:
            status.running = one_line(f"lease held by {holder}", 80)
    for key, status in by_site.items():
        if status.failure and bad.get(key, 0) < good.get(key, 0):
            status.failure = ""  # a later run of the site went well
    return [by_site[key] for key in sorted(by_site)]


def status_table(statuses: list[SiteStatus]) -> str:
    """A plain text table, one line per site.

    >>> print(status_table([SiteStatus("http://a/", "r1", "ok", {"posts": 3}, "", "")]))
    SITE       LAST RUN  OUTCOME  COUNTS   NOW  FAILED
    http://a/  r1        ok       posts 3  -    -
    <BLANKLINE>
    1 site(s): 1 ok, 0 running or waiting, 0 failed
    """
    header = ("SITE", "LAST RUN", "OUTCOME", "COUNTS", "NOW", "FAILED")
    lines = [
        (
            one_line(s.site, MAX_SITE_WIDTH),
            s.last_run or "-",
            s.outcome or "-",
            ", ".join(f"{k} {v}" for k, v in s.counts.items()) or "-",
            s.running or "-",
            s.failure or "-",
        )
        for s in statuses
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in [header, *lines]
    ]
    ok = sum(bool(s.outcome) for s in statuses)
    busy = sum(bool(s.running) for s in statuses)
    failed = sum(bool(s.failure) for s in statuses)
    text.append(f"\n{len(statuses)} site(s): {ok} ok, {busy} running or waiting, {failed} failed")
    return "\n".join(text)
