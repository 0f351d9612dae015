"""What one answer to a page of a collection means: records, the end, a refusal, or a loss.

Every page answer goes through :func:`classify_page` once, so the rules of what a status, a
header or a body means live here in one table-tested function, and the run
(:mod:`crawler.crawl.run`) only acts on the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from crawler.wordpress.errors import Problem, diagnose, edit_refused, error_code
from crawler.wordpress.jsonbody import NotJsonError, parse_json
from crawler.wordpress.pagination import END_OF_COLLECTION_CODES, header_int

from .answer import Answer  # noqa: TC001 - the doctests use it

if TYPE_CHECKING:
    from collections.abc import Mapping


class Verdict(Enum):
    """What a page answer means."""

    RECORDS = "records"
    """A JSON list of records (possibly empty: the end of a header-less listing)."""
    END = "end"
    """WordPress's 400 past the last page: the normal end of a collection."""
    REFUSED = "refused"
    """The whole collection is not public (401/403/404 on its first page)."""
    TOO_LARGE = "too_large"
    """The site failed on this many records a page; fewer a page might work."""
    EDIT_REFUSED = "edit_refused"
    """An authenticated listing's first page: the user may not list this post type with
    every status in the edit context (see :func:`~crawler.wordpress.errors.edit_refused`);
    it can be listed as an anonymous run does."""
    LOST = "lost"
    """The page failed for good; ``problem.blocks_crawl`` says whether the whole API is blocked."""


@dataclass(frozen=True)
class PageOutcome:
    """The verdict on one page answer, with what the run needs to act on it."""

    verdict: Verdict
    records: list[Any] = field(default_factory=list)
    """For ``RECORDS``: the JSON objects of the page, as sent (validated one by one later)."""
    total: int | None = None
    """``X-WP-Total``, when the site sent a usable one."""
    total_pages: int | None = None
    """``X-WP-TotalPages``, when the site sent a usable one."""
    problem: Problem | None = None
    """For every other verdict: what went wrong, as one line for the user."""

    @classmethod
    def lost(cls, problem: Problem) -> PageOutcome:
        """A page that could not be had at all (a download error after retries)."""
        return cls(Verdict.LOST, problem=problem)


@dataclass(frozen=True)
class Stop:
    """The crawl cannot go on: ``reason`` for the stats, ``message`` for the user."""

    reason: str
    message: str

    @classmethod
    def blocked(cls, problem: Problem) -> Stop:
        """The API is blocked (a plugin, a firewall, a challenge)."""
        return cls(f"api_{problem.kind}", problem.message)


def classify_page(answer: Answer, *, page: int, edit: bool = False) -> PageOutcome:
    """The verdict on one answer to page ``page`` of a collection (``edit``: one asked with
    every status, in an authenticated crawl).

    >>> def verdict(status, body, page=1):
    ...     return classify_page(Answer(status, {}, body, "u"), page=page).verdict.name
    >>> classify_page(Answer(200, {"x-wp-total": "2"}, b'[{"id": 1}, {"id": 2}]', "u"), page=1).total
    2
    >>> verdict(400, b'{"code": "rest_post_invalid_page_number", "message": "", "data": {}}', page=3)
    'END'
    >>> verdict(401, b'{"code": "rest_forbidden", "message": "no"}'), verdict(401, b'{"code": "rest_forbidden", "message": "no"}', page=2)
    ('REFUSED', 'LOST')
    >>> verdict(500, b"<b>Fatal error</b>", page=2)
    'TOO_LARGE'
    >>> classify_page(Answer(200, {}, b'{"id": 1}', "u"), page=1).problem.message
    'expected a JSON list of records from u'
    >>> forbidden = b'{"code": "rest_invalid_param", "message": "", "data": {"params": {"status": ""}}}'
    >>> verdict(400, forbidden), classify_page(Answer(400, {}, forbidden, "u"), page=1, edit=True).verdict.name
    ('TOO_LARGE', 'EDIT_REFUSED')
    """
    status, headers, body, url = answer.status, answer.headers, answer.body, answer.url
    if status != 200:
        problem = diagnose(status, headers, body, url)
        if edit and page == 1 and _edit_refused(status, body):
            return PageOutcome(Verdict.EDIT_REFUSED, problem=problem)
        if status == 400 and problem.code in END_OF_COLLECTION_CODES:
            return PageOutcome(Verdict.END, problem=problem)
        if status in (401, 403, 404) and page == 1 and not problem.blocks_crawl:
            return PageOutcome(Verdict.REFUSED, problem=problem)
        if _might_fit_smaller(status, problem):
            return PageOutcome(Verdict.TOO_LARGE, problem=problem)
        return PageOutcome(Verdict.LOST, problem=problem)
    try:
        data = parse_json(body)
    except NotJsonError:
        data = None
    if isinstance(data, list):
        return PageOutcome(
            Verdict.RECORDS,
            records=data,
            total=_header_int(headers, "x-wp-total"),
            total_pages=_header_int(headers, "x-wp-totalpages"),
        )
    problem = diagnose(200, headers, body, url)
    if data is not None and error_code(data) is None:
        problem = Problem("not_json", f"expected a JSON list of records from {url}")
    return PageOutcome(Verdict.LOST, problem=problem)


def _edit_refused(status: int, body: bytes) -> bool:
    try:
        return edit_refused(status, parse_json(body))
    except NotJsonError:
        return False


def _might_fit_smaller(status: int, problem: Problem) -> bool:
    """Whether a failed page might succeed with fewer records a page."""
    if status == 400:
        return problem.code == "rest_invalid_param"
    return status >= 500 and problem.kind in {"server_error", "http_error"}


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    """The first value of a counting header (a cache may repeat it), or ``None``."""
    return header_int(headers.get(name, "").split(",")[0] or None)


def read_catalog(answer: Answer) -> tuple[dict[str, Any] | None, Problem | None]:
    """``/types`` or ``/taxonomies``: the JSON object, or ``None`` and what was wrong.

    >>> read_catalog(Answer(200, {}, b'{"post": {}}', "u"))
    ({'post': {}}, None)
    >>> read_catalog(Answer(401, {}, b'{"code": "rest_cannot_view", "message": "no"}', "u"))[1].code
    'rest_cannot_view'
    """
    data = answer.json()
    if isinstance(data, dict) and not error_code(data):
        return data, None
    return None, answer.problem()
