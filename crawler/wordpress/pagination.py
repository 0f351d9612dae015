"""Pagination decisions for a REST collection, made so that no record is lost silently.

The rules, each learnt from real sites:

- Pages are requested with a stable order (``orderby=id&order=asc``) and records are deduplicated
  by id, so concurrent pages and retries never double-count.
- ``X-WP-TotalPages`` is a hint. When the first page gives it, the remaining pages are requested
  at once (concurrently); when caches strip it, pages are requested one after another until an
  empty page or WordPress's 400 ``rest_post_invalid_page_number``. A full last page is followed
  by one more request, in case the header understated the count.
- A page the site cannot serve at this size (400 ``rest_invalid_param``, or a 5xx from PHP running
  out of memory) is split into smaller pages covering the same records: sizes step down along a
  ladder where each size divides the previous one, so offsets stay aligned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PER_PAGE = 100
PAGE_SIZE_LADDER = (100, 50, 10)
"""Each size divides the one before it, so a page splits into whole smaller pages. It stops at
WordPress's default page size, which every site serves; a page that fails even at 10 records
costs 13 requests before it is given up, not hundreds."""

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
    """

    route: str
    per_page: int = MAX_PER_PAGE
    frontier: int = 0
    """Offset up to which pages have been scheduled; nothing below it is requested twice."""
    total: int | None = None
    """``X-WP-Total`` as first reported, if the site sent it."""
    seen: set[int] = field(default_factory=set)
    """Ids of the records collected, for de-duplication and the final count."""
    failed_pages: list[PageRef] = field(default_factory=list)
    """Pages given up on: the collection is then incomplete."""
    in_flight: int = 0
    """Pages requested and not answered yet."""

    def first_page(self) -> PageRef:
        """The first page to request."""
        return self._schedule([PageRef(1, self.per_page)])[0]

    def after_page(self, ref: PageRef, *, count: int, total_pages: int | None) -> list[PageRef]:
        """The pages to request after ``ref`` answered ``count`` records.

        ``total_pages`` is ``X-WP-TotalPages`` of that response, or ``None`` without it.
        """
        self.in_flight -= 1
        if count == 0:
            return []
        if total_pages:  # 0 is a plugin's no_found_rows, not an empty collection
            last = (
                ref.page + 1 if ref.page >= total_pages and count >= ref.per_page else total_pages
            )
        else:
            last = ref.page + 1
        first = self.frontier // ref.per_page + 1
        return self._schedule([PageRef(page, ref.per_page) for page in range(first, last + 1)])

    def after_end(self, ref: PageRef) -> None:
        """``ref`` was past the last page (WordPress's 400): that branch of paging is done."""
        self.in_flight -= 1

    def after_too_large(self, ref: PageRef) -> list[PageRef]:
        """``ref`` failed at its size: the smaller pages to try instead (none left: it failed)."""
        self.in_flight -= 1
        pages = smaller_pages(ref)
        if not pages:
            self.failed_pages.append(ref)
            return []
        self.per_page = min(self.per_page, pages[0].per_page)
        self.in_flight += len(pages)
        return pages

    def after_failure(self, ref: PageRef) -> None:
        """``ref`` failed for good (not a size problem): the collection is incomplete."""
        self.in_flight -= 1
        self.failed_pages.append(ref)

    def accept(self, record_id: int) -> bool:
        """Record ``record_id`` as collected; ``False`` if it was already."""
        if record_id in self.seen:
            return False
        self.seen.add(record_id)
        return True

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

    def _schedule(self, pages: list[PageRef]) -> list[PageRef]:
        pages = [p for p in pages if p.start >= self.frontier]
        if pages:
            self.frontier = max(p.end for p in pages)
            self.in_flight += len(pages)
        return pages
