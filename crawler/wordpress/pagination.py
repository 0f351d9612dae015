"""Pagination decisions for a REST collection, made so that no record is lost silently.

The rules, each learnt from real sites:

- Pages are requested with a stable order (``orderby=id&order=asc``) and records are deduplicated
  by id, so concurrent pages and retries never double-count.
- ``X-WP-TotalPages`` is a hint. When the first page gives it, the remaining pages are requested
  concurrently, at most :data:`FAN_OUT_WINDOW` ahead of the answers (never a list the size of
  the header); when caches strip it, pages are requested one after another until an empty page
  or WordPress's 400 ``rest_post_invalid_page_number``. A full last page is followed by one more
  request, in case the header understated the count.
- Every collection is bounded, because sites lie: ``X-WP-TotalPages`` is clamped to what
  ``X-WP-Total`` allows at this page size. Full pages past that are still followed, one at a
  time (sites understate both headers, and their records must not be lost), up to
  :data:`MAX_PAGES` requests: a site with more is cut there, a lost part of the collection
  (:attr:`CollectionState.cut`, an incomplete crawl). A page whose records were all collected
  before (a cache that ignores ``?page=``) ends the collection: it is incomplete only if
  ``X-WP-Total`` says more records exist, since without the header nothing says so.
- A page the site cannot serve at this size (400 ``rest_invalid_param``, or a 5xx from PHP running
  out of memory) is split into smaller pages covering the same records: sizes step down along a
  ladder where each size divides the previous one, so offsets stay aligned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet

MAX_PER_PAGE = 100
PAGE_SIZE_LADDER = (100, 50, 10)
"""Each size divides the one before it, so a page splits into whole smaller pages. It stops at
WordPress's default page size, which every site serves; a page that fails even at 10 records
costs 13 requests before it is given up, not hundreds."""

MAX_PAGES = 10_000
"""Pages requested per collection at most (``WORDPRESS_MAX_PAGES``): a million records at 100 a
page; past it the collection is cut and the crawl incomplete, whatever the site says."""

FAN_OUT_WINDOW = 32
"""Pages of a collection scheduled ahead of the answers, when the headers say how many there are:
enough to keep Scrapy's concurrency busy, few enough that a lying header costs nothing."""

END_OF_COLLECTION_CODES = frozenset(
    {"rest_post_invalid_page_number", "rest_search_invalid_page_number", "rest_invalid_page_number"}
)
"""400 codes WordPress answers past the last page: the normal end of a collection, not an error."""


@dataclass(frozen=True, order=True)
class PageRef:
    """One page of a collection: ``page`` counted from 1 at ``per_page`` records a page."""

    page: int
    per_page: int

    @property
    def start(self) -> int:
        """Offset of the page's first record."""
        return (self.page - 1) * self.per_page

    @property
    def end(self) -> int:
        """Offset just past the page's last record."""
        return self.page * self.per_page


def smaller_pages(ref: PageRef) -> list[PageRef]:
    """The pages of the next smaller size that cover exactly the records of ``ref``.

    >>> smaller_pages(PageRef(3, 100))
    [PageRef(page=5, per_page=50), PageRef(page=6, per_page=50)]
    >>> [r.page for r in smaller_pages(PageRef(2, 50))]
    [6, 7, 8, 9, 10]
    >>> smaller_pages(PageRef(7, 10))
    []
    """
    smaller = [
        size for size in PAGE_SIZE_LADDER if size < ref.per_page and ref.per_page % size == 0
    ]
    if not smaller:
        return []
    size = smaller[0]
    first = ref.start // size + 1
    return [PageRef(first + i, size) for i in range(ref.per_page // size)]


def header_int(value: str | bytes | None) -> int | None:
    """A non-negative integer header such as ``X-WP-Total``, or ``None`` if absent or garbled.

    >>> header_int(b"42"), header_int(" 7 "), header_int("n/a"), header_int(None), header_int("-1")
    (42, 7, None, None, None)
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    return int(value) if value.isdigit() else None


class Cut(Enum):
    """Why paging of a collection stopped before the site's last page."""

    MAX_PAGES = "max_pages"
    """:data:`MAX_PAGES` requests and the site still had more: the rest is lost."""
    REPEATED = "repeated"
    """A page brought only records collected before: a cache that ignores ``?page=``."""


@dataclass
class CollectionState:
    """What the crawler knows about one collection (``wp/v2/posts``...) while paging through it.

    >>> state = CollectionState("wp/v2/posts")
    >>> first = state.first_page()
    >>> first
    PageRef(page=1, per_page=100)
    >>> [r.page for r in state.after_page(first, count=100, total_pages=3)]  # fan out
    [2, 3]
    >>> state.after_page(PageRef(2, 100), count=100, total_pages=3)
    []
    >>> state.after_page(PageRef(3, 100), count=100, total_pages=3)  # full last page: check
    [PageRef(page=4, per_page=100)]
    >>> state.after_page(PageRef(4, 100), count=0, total_pages=3)
    []

    A lying ``X-WP-TotalPages`` is clamped by ``X-WP-Total``, and costs a window, not a list:

    >>> state = CollectionState("wp/v2/posts")
    >>> state.after_page(state.first_page(), count=100, total_pages=10**9, total=150)
    [PageRef(page=2, per_page=100)]
    >>> state.after_page(PageRef(2, 100), count=100, total_pages=10**9, total=150)  # one by one
    [PageRef(page=3, per_page=100)]
    >>> state = CollectionState("wp/v2/posts")
    >>> len(state.after_page(state.first_page(), count=100, total_pages=10**9))
    32
    """

    route: str
    per_page: int = MAX_PER_PAGE
    max_pages: int = MAX_PAGES
    """Pages requested at most; see :data:`MAX_PAGES`."""
    window: int = FAN_OUT_WINDOW
    """Pages in flight at most when fanning out; see :data:`FAN_OUT_WINDOW`."""
    frontier: int = 0
    """Offset up to which pages have been scheduled; nothing below it is requested twice."""
    target: int = 0
    """Offset up to which the site says there are records: pages still to schedule, lazily."""
    requested: int = 0
    """Pages scheduled so far, smaller pages of a split included."""
    total: int | None = None
    """``X-WP-Total`` as first reported, if the site sent it."""
    seen: set[int] = field(default_factory=set)
    """Ids of the records collected, for de-duplication and the final count."""
    failed_pages: list[PageRef] = field(default_factory=list)
    """Pages given up on: the collection is then incomplete."""
    in_flight: int = 0
    """Pages requested and not answered yet."""
    cut: Cut | None = None
    """Why paging stopped before the site's end, if it did: no deletion can be concluded."""
    lost: bool = False
    """The cut lost records the site has: the crawl is incomplete."""
    first_answered: bool = False
    """The first page was answered (records, the end or a refusal): the collection's size, or
    that the site will not show it, is known."""

    def first_page(self) -> PageRef:
        """The first page to request."""
        return self._schedule([PageRef(1, self.per_page)])[0]

    def after_page(
        self,
        ref: PageRef,
        *,
        count: int,
        total_pages: int | None,
        total: int | None = None,
        fresh: int | None = None,
    ) -> list[PageRef]:
        """The pages to request after ``ref`` answered ``count`` records.

        ``total_pages`` and ``total`` are ``X-WP-TotalPages`` and ``X-WP-Total`` of that
        response, or ``None`` without them; ``fresh`` is how many of its record ids were not
        collected before (``None``: unknown, e.g. no record had an id).
        """
        self.in_flight -= 1
        if count == 0 or self.cut is not None:
            self.target = min(self.target, self.frontier)
            return []
        if fresh == 0:
            self._cut(Cut.REPEATED, lost=self.shortfall > 0)
            return []
        total = total or self.total  # 0 next to records is a plugin's no_found_rows
        total_pages = _clamp(total_pages, total, ref.per_page)
        if total_pages:  # 0 is a plugin's no_found_rows, not an empty collection
            last = (
                ref.page + 1 if ref.page >= total_pages and count >= ref.per_page else total_pages
            )
        else:
            last = ref.page + 1
        self.target = max(self.target, last * ref.per_page)
        return self._fill()

    def after_end(self, ref: PageRef) -> None:
        """``ref`` was past the last page (WordPress's 400): that branch of paging is done."""
        self.in_flight -= 1
        self.target = min(self.target, self.frontier)  # pages past this one are past it too

    def after_too_large(self, ref: PageRef) -> list[PageRef]:
        """``ref`` failed at its size: the smaller pages to try instead (none left: it failed)."""
        self.in_flight -= 1
        pages = smaller_pages(ref)
        if not pages:
            self.failed_pages.append(ref)
            return []
        self.per_page = min(self.per_page, pages[0].per_page)
        self.in_flight += len(pages)
        self.requested += len(pages)
        return pages

    def after_failure(self, ref: PageRef) -> None:
        """``ref`` failed for good (not a size problem): the collection is incomplete."""
        self.in_flight -= 1
        self.failed_pages.append(ref)

    def more(self) -> list[PageRef]:
        """Pages still to request now that a page failed and freed its place in the window."""
        return self._fill()

    def accept(self, record_id: int) -> bool:
        """Record ``record_id`` as collected; ``False`` if it was already."""
        if record_id in self.seen:
            return False
        self.seen.add(record_id)
        return True

    def fresh(self, ids: list[int], also: AbstractSet[int] = frozenset()) -> int | None:
        """How many of a page's record ``ids`` were not collected before (``None``: no ids);
        ``also``: ids collected but not accepted yet (pages held for the join).

        >>> state = CollectionState("wp/v2/posts", seen={1, 2})
        >>> state.fresh([1, 2]), state.fresh([2, 3]), state.fresh([]), state.fresh([2, 3], {3})
        (0, 1, None, 0)
        """
        return len(set(ids) - self.seen - also) if ids else None

    def note_total(self, total: int | None) -> None:
        """Keep the first ``X-WP-Total`` the site reported."""
        if self.total is None and total is not None:
            self.total = total

    @property
    def done(self) -> bool:
        """No page of this collection is waiting for an answer."""
        return self.in_flight <= 0

    @property
    def shortfall(self) -> int:
        """How many records ``X-WP-Total`` promised that were not collected (0 if unknown)."""
        return max(0, (self.total or 0) - len(self.seen))

    def _fill(self) -> list[PageRef]:
        """Schedule pages from the frontier towards the target, as the window and cap allow."""
        if self.cut is not None:
            return []
        size = self.per_page
        room = max(0, self.window - self.in_flight)
        pages: list[PageRef] = []
        while self.frontier + size * len(pages) < self.target and len(pages) < room:
            if self.requested + len(pages) >= self.max_pages:
                self._cut(Cut.MAX_PAGES, lost=True)
                break
            pages.append(PageRef((self.frontier + size * len(pages)) // size + 1, size))
        return self._schedule(pages)

    def _cut(self, cut: Cut, *, lost: bool) -> None:
        self.cut, self.lost, self.target = cut, lost, self.frontier

    def _schedule(self, pages: list[PageRef]) -> list[PageRef]:
        pages = [p for p in pages if p.start >= self.frontier]
        if pages:
            self.frontier = max(p.end for p in pages)
            self.in_flight += len(pages)
            self.requested += len(pages)
        return pages


def _clamp(total_pages: int | None, total: int | None, per_page: int) -> int | None:
    """``X-WP-TotalPages`` at most what ``X-WP-Total`` allows at ``per_page`` records a page.

    >>> _clamp(10**9, 150, 100), _clamp(10**9, None, 100), _clamp(None, 150, 100), _clamp(3, 1000, 100)
    (2, 1000000000, None, 3)
    """
    if not total_pages or not total:
        return total_pages
    return min(total_pages, -(-total // per_page))
