"""Site jobs on an RQ queue: enqueue them idempotently, and read what became of them.

A job's id comes from its site and run id, so enqueuing the same run twice (a cron retry, two
schedulers) never queues a site twice; RQ's ``Retry`` runs a busy or failed site again later,
and abandoned-job recovery re-runs the site of a worker that died. Each job carries its site
and run in ``meta`` so ``scrapy sitesstatus`` can tell sites apart without reading arguments.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.distributed.jobs import DEFAULT_TIMEOUT, check_run_id, crawl_site
from crawler.extensions.result import one_line
from crawler.feeds import name_slug
from crawler.state.store import site_key

if TYPE_CHECKING:
    from redis import Redis

DEFAULT_QUEUE = "wordpress"
RETRIES = 3
"""Runs after the first: a busy site (its previous crawl still running), a site down for a
moment. A job failing every time ends in RQ's FailedJobRegistry."""
RETRY_INTERVAL = 60
"""Seconds between runs of a retried job (needs a worker started ``--with-scheduler``)."""
RESULT_TTL = 7 * 24 * 3600
"""How long finished and failed jobs (their results, their failure lines) stay readable."""
JOB_TIMEOUT_MARGIN = 600
"""RQ's own timeout is the crawl's plus this: the crawl is stopped cleanly first."""
MAX_JOBS_READ = 10_000
"""Jobs read per registry by :func:`job_rows`: status stays quick on a huge queue."""


def job_id(url: str, run_id: str) -> str:
    """The RQ job id of a site's run: the same for the same site (by :func:`site_key`) and run,
    within RQ's ``[A-Za-z0-9_-]``, bounded whatever the site's URL.

    >>> job_id("https://e.com/blog/", "2026-11-30") == job_id("https://E.com/blog", "2026-11-30")
    True
    >>> job_id("https://e.com/blog/", "2026-11-30")
    'wp-e-com-blog-0054aeba811f771f-2026-11-30'
    >>> job_id("https://e.com/shop/", "2026-11-30") != job_id("https://e.com/blog/", "2026-11-30")
    True
    """
    key = site_key(url)
    digest = hashlib.sha256(f"{key}\n{run_id}".encode()).hexdigest()[:16]
    readable = name_slug(key.replace(":", "-").replace("/", "-").replace(".", "-").strip("-"))
    run = "".join(c if c.isalnum() or c in "_-" else "-" for c in run_id)
    return f"wp-{readable[:40]}-{digest}-{run[:40]}"


@dataclass
class Enqueued:
    """What enqueuing one site did: ``queued``, or ``already <state>`` for a job already there
    (``already queued``, ``already finished``, ``already failed``, ...)."""

    url: str
    job_id: str
    status: str

    def line(self) -> str:
        """One line per site, as ``scrapy enqueue`` prints it."""
        return f"{self.status:<18}{self.url}  ({self.job_id})"


@dataclass
class JobOptions:
    """How site jobs run on the workers."""

    spider_args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    retries: int = RETRIES
    retry_interval: int = RETRY_INTERVAL
    timeout: int = DEFAULT_TIMEOUT
    result_ttl: int = RESULT_TTL


def enqueue_sites(
    connection: Redis,
    urls: list[str],
    run_id: str,
    options: JobOptions | None = None,
    queue_name: str = DEFAULT_QUEUE,
) -> list[Enqueued]:
    """One job per site on ``queue_name``; a site whose job for ``run_id`` exists is left as it
    is (whatever its state), so re-enqueuing a run is idempotent."""
    from rq import Queue, Retry  # noqa: PLC0415 - the distributed extra is optional
    from rq.exceptions import DuplicateJobError  # noqa: PLC0415
    from rq.job import Job  # noqa: PLC0415

    check_run_id(run_id)
    options = options or JobOptions()
    queue = Queue(queue_name, connection=connection)
    settings = {"WORDPRESS_JOB_TIMEOUT": str(options.timeout), **options.settings}
    done = []
    for url in urls:
        ident = job_id(url, run_id)
        existing = (
            Job.fetch(ident, connection=connection) if Job.exists(ident, connection) else None
        )
        if existing is not None:
            state = existing.get_status(refresh=False)
            done.append(Enqueued(url, ident, f"already {getattr(state, 'value', state)}"))
            continue
        try:
            queue.enqueue_call(
                crawl_site,
                args=(url, run_id),
                kwargs={"spider_args": options.spider_args, "settings": settings},
                timeout=options.timeout + JOB_TIMEOUT_MARGIN,
                result_ttl=options.result_ttl,
                failure_ttl=options.result_ttl,
                description=f"crawl {site_key(url)} run {run_id}",
                job_id=ident,
                meta={"site": url, "run": run_id},
                retry=Retry(max=options.retries, interval=options.retry_interval)
                if options.retries
                else None,
                unique=True,
            )
        except DuplicateJobError:
            done.append(Enqueued(url, ident, "already queued"))
            continue
        done.append(Enqueued(url, ident, "queued"))
    return done


def failure_of(exc_string: str | None) -> str:
    """The one line a failed job's exception says, without the traceback and class path.

    >>> failure_of("Traceback ...\\n  File x\\ncrawler.distributed.jobs.SiteFailed: e.com/: site down\\n")
    'SiteFailed: e.com/: site down'
    >>> failure_of(None)
    'unknown'
    """
    lines = [line for line in (exc_string or "").splitlines() if line.strip()]
    if not lines:
        return "unknown"
    last = lines[-1]
    name, sep, message = last.partition(": ")
    return one_line(f"{name.rpartition('.')[2]}{sep}{message}")


@dataclass
class JobRow:
    """One site job as status shows it."""

    site: str
    run: str
    state: str
    """``queued``, ``scheduled`` (waiting to retry), ``running``, ``finished`` or ``failed``."""
    when: float = 0.0
    """When it last changed (a POSIX time; 0 if unknown)."""
    worker: str = ""
    result: dict[str, Any] | None = None
    failure: str = ""


def _timestamp(value: Any) -> float:
    return float(value.timestamp()) if value is not None else 0.0


def job_rows(connection: Redis, queue_name: str = DEFAULT_QUEUE) -> list[JobRow]:
    """Every site job RQ still knows on ``queue_name`` (up to :data:`MAX_JOBS_READ` a state)."""
    from rq import Queue  # noqa: PLC0415
    from rq.job import Job  # noqa: PLC0415

    queue = Queue(queue_name, connection=connection)
    sources = {
        "queued": queue.get_job_ids(0, MAX_JOBS_READ - 1),
        "scheduled": queue.scheduled_job_registry.get_job_ids(0, MAX_JOBS_READ - 1),
        "running": queue.started_job_registry.get_job_ids(0, MAX_JOBS_READ - 1),
        "finished": queue.finished_job_registry.get_job_ids(0, MAX_JOBS_READ - 1),
        "failed": queue.failed_job_registry.get_job_ids(0, MAX_JOBS_READ - 1),
    }
    rows = []
    for state, ids in sources.items():
        for job in Job.fetch_many(ids, connection=connection):
            if job is None:
                continue
            site, run = str(job.meta.get("site", "?")), str(job.meta.get("run", "?"))
            row = JobRow(site, run, state, worker=job.worker_name or "")
            row.when = max(
                _timestamp(job.ended_at), _timestamp(job.started_at), _timestamp(job.enqueued_at)
            )
            if state == "finished":
                value = job.return_value()
                row.result = value if isinstance(value, dict) else None
            elif state in ("failed", "scheduled"):
                latest = job.latest_result()
                row.failure = failure_of(latest.exc_string if latest else job.exc_info)
            rows.append(row)
    return rows
