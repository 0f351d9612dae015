"""Clean records in batches, in whatever process runs this: the cleaning pool's unit of work.

A worker process gets a batch of :class:`Job` (only what cleaning needs: the capped HTML, the
record's URL, whether it wants Markdown, its excerpt) and sends back, in the same order, only
the outputs (:class:`Cleaned`), plus the CPU seconds the batch cost in that process. Everything
here is picklable and module-level, so ``spawn``/``forkserver`` workers can import it; no
Scrapy. One record whose cleaning raises does not fail its batch: it comes back as its error,
``Type: message``, for the caller to fail that record alone.
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
import signal
import sys
import time
from typing import NamedTuple

from .content import CleanOptions, clean_content, clean_excerpt


class Job(NamedTuple):
    """What cleaning one record needs (and nothing else crosses to the worker)."""

    html: str | None  # None: the record's source could not tell its content
    base_url: str | None
    markdown: bool
    excerpt: str | None  # None: no excerpt field, or its source could not tell it


class Cleaned(NamedTuple):
    """The outputs of one record (``error`` set: cleaning it raised, the rest is empty).

    ``html``, ``text`` and ``word_count`` are None when the record's content was (a record
    rebuilt without REST whose source could not tell it): nothing is invented for it."""

    html: str | None = ""
    text: str | None = ""
    markdown: str | None = None
    raw: str | None = None
    word_count: int | None = 0
    links: list[str] = []  # noqa: RUF012 - a NamedTuple default, never mutated
    images: list[dict[str, str]] = []  # noqa: RUF012
    excerpt: str | None = None
    error: str | None = None


def untold(excerpt: str | None = None) -> Cleaned:
    """The outputs of a record whose content is null: all null, no links, no images (new
    lists: each record gets its own).

    >>> untold().html, untold().word_count, untold().links, untold("x").excerpt
    (None, None, [], 'x')
    """
    return Cleaned(None, None, None, None, None, [], [], excerpt)


def clean_job(job: Job, options: CleanOptions) -> Cleaned:
    """Clean one record; Markdown only if both the options and the job want it.

    >>> c = clean_job(Job("<p>Hi <b>you</b></p>", None, True, "<p>Teaser [&hellip;]</p>"),
    ...               CleanOptions())
    >>> c.html, c.markdown, c.word_count, c.excerpt
    ('<p>Hi <b>you</b></p>', 'Hi **you**', 2, 'Teaser…')
    >>> clean_job(Job("<p>Hi</p>", None, False, None), CleanOptions()).markdown is None
    True
    >>> clean_job(Job(None, None, True, "<p>Teaser</p>"), CleanOptions())[:8]
    (None, None, None, None, None, [], [], 'Teaser')
    """
    excerpt = None if job.excerpt is None else clean_excerpt(job.excerpt)
    if job.html is None:
        return untold(excerpt)
    if options.markdown and not job.markdown:
        options = dataclasses.replace(options, markdown=False)
    content = clean_content(job.html, job.base_url, options)
    return Cleaned(
        content.html,
        content.text,
        content.markdown,
        content.raw,
        content.word_count,
        content.links,
        content.images,
        excerpt,
    )


def clean_batch(jobs: list[Job], options: CleanOptions) -> tuple[list[Cleaned], float]:
    """Clean ``jobs`` in order: their outputs, and the CPU seconds this process spent on them.

    >>> results, seconds = clean_batch([Job("<p>a b</p>", None, True, None),
    ...                                 Job("<p>c</p>", None, True, None)], CleanOptions())
    >>> [r.text for r in results], seconds >= 0
    (['a b', 'c'], True)
    """
    started = time.process_time()
    results = []
    for job in jobs:
        try:
            results.append(clean_job(job, options))
        except Exception as exc:  # noqa: BLE001 - that record fails, not its batch
            results.append(Cleaned(error=f"{type(exc).__name__}: {exc}"))
    return results, time.process_time() - started


def start_worker(parent: int) -> None:
    """A worker's start. Ctrl-C is the crawl's to handle (it stops gracefully, then closes the
    pool): a worker killed by it would break the pool mid-shutdown. And a worker ends with the
    crawl process even if that is killed outright (Linux): an idle worker would otherwise wait
    for work forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:  # the crawl died before the line above
            os._exit(1)
