"""An RQ worker class with the settings that make a dead worker's site run again in about a
minute and a half, for ``rq worker-pool`` (which has no options for them)::

    rq worker-pool -n 4 wordpress -w crawler.distributed.worker.SiteWorker --url redis://…
    rq worker wordpress -w crawler.distributed.worker.SiteWorker --with-scheduler --url redis://…

RQ's defaults (a 420 s worker TTL, registries cleaned every 10 minutes) leave the site of a
SIGKILLed worker waiting 10 minutes or more; a value given on the command line still wins.
"""

from __future__ import annotations

from typing import Any

from rq import Worker
from rq.defaults import (
    DEFAULT_JOB_MONITORING_INTERVAL,
    DEFAULT_MAINTENANCE_TASK_INTERVAL,
    DEFAULT_WORKER_TTL,
)

RECOMMENDED = {
    # A worker that stops heart-beating is known dead after this long.
    "worker_ttl": (DEFAULT_WORKER_TTL, 30),
    # A running job's heartbeat: RQ counts its entry abandoned 60 s after the last one.
    "job_monitoring_interval": (DEFAULT_JOB_MONITORING_INTERVAL, 5),
    # How often a worker looks for abandoned jobs (and retries them).
    "maintenance_interval": (DEFAULT_MAINTENANCE_TASK_INTERVAL, 15),
}
"""Setting: (RQ's default, the one recommended for site jobs)."""


def recommended(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with RQ's defaults (or no value) replaced by :data:`RECOMMENDED`.

    >>> recommended({"worker_ttl": 420, "job_monitoring_interval": 7})
    {'worker_ttl': 30, 'job_monitoring_interval': 7, 'maintenance_interval': 15}
    """
    result = dict(kwargs)
    for name, (rq_default, ours) in RECOMMENDED.items():
        if result.get(name) in (None, rq_default):
            result[name] = ours
    return result


class SiteWorker(Worker):
    """RQ's worker with :data:`RECOMMENDED` settings for long site jobs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("default_worker_ttl", None)  # a deprecated alias rq's CLI still passes
        super().__init__(*args, **recommended(kwargs))
