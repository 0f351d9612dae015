"""Incremental runs without REST: which pages changed since the last run, and what is gone.

A run without REST cannot ask ``modified_after``; WordPress publishes the same facts anyway:

- **Anything changed?** One conditional request of the comments feed
  (``?feed=atom&withcomments=1``) with the validators the last run saw: WordPress answers 304
  when no post, page, custom-type record or comment was published or edited since. Its 200
  answer is the newest comments, which say which entries got new ones.
- **What changed:** the Atom feeds ordered by modification (``orderby=modified&order=DESC``)
  read down to the mark minus the overlap: those entries' pages are read again. Pages have no
  feed: on WordPress 6.5+ and with SEO plugins the sitemap's ``lastmod`` says whether one
  changed; without it every page is read again (they are few), and its version (a
  fingerprint) says whether to export it.
- **What is gone:** the sitemaps list every published record on every run. A known id whose
  URL left them is checked at that URL: 404/410 is a tombstone; the same id still there (an SEO
  plugin leaves noindexed records out of its sitemaps) is kept. A new slug needs nothing
  special: the new URL is unknown, so it is read, and its id says it is an update.

State is keyed by id (:class:`crawler.state.store.PageState` keeps each id's URL).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from crawler.items import CommentItem, MediaItem, TermItem, UserItem
from crawler.state.changes import VERSION_EXCLUDED, RunChanges, Version, fingerprint, since
from crawler.wordpress.html_records import url_key
from crawler.wordpress.sitemaps import w3c_to_utc

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from crawler.items import Record
    from crawler.wordpress.atom import FeedEntry

TERM_VERSION_EXCLUDED = (*VERSION_EXCLUDED, "count")
"""A term's ``count`` is derived only by full runs: incremental ones export it null."""
MAX_CHECKS = 100_000
"""Known records whose URL left the sitemaps checked per run at most."""

_COMMENT_PAGE = re.compile(r"/comment-page-\d+/?$")

ENTRY_COLLECTIONS = {"post": "posts", "page": "pages"}
"""REST's collection of the core post types; a custom type's is its REST base."""


@dataclass(frozen=True)
class Check:
    """A known record whose URL the sitemaps no longer list: request ``url`` to tell."""

    collection: str
    record_id: int
    url: str


@dataclass
class PageChanges:
    """The change bookkeeping of one run without REST against the previous state."""

    changes: RunChanges
    overlap: float = 3600.0
    unchanged: bool = False
    """The feed answered 304: nothing was published or edited since the last run."""
    changed: set[str] = field(default_factory=set)
    """URL keys of entries the modification-ordered feeds list as changed."""
    commented: set[str] = field(default_factory=set)
    """URL keys of entries with new comments."""
    new_comments: int = 0
    """Comments the comments feed shows, when all of them are new (else 0)."""
    feed_page_size: int | None = None
    """Entries on the first page of the posts' feed: the site's feed page size (the
    comments feed shows as many), unless the site has fewer posts."""
    feed_types: set[str] = field(default_factory=set)
    """Post types whose modification-ordered feed was read: their unchanged entries are
    skipped; others (pages, types without a feed) are read again."""

    @property
    def first_run(self) -> bool:
        return not self.changes.previous.runs

    @property
    def since(self) -> str | None:
        """Changes since: the mark minus the overlap (``YYYY-MM-DDTHH:MM:SS``, UTC), or
        ``None`` on a first run (everything is new)."""
        if self.first_run:
            return None
        value = since(self.changes.previous.mark, self.overlap)
        return (value or "1970-01-01T00:00:00Z")[:19]

    @property
    def comments_since(self) -> str | None:
        """New comments since: the feed's ``Last-Modified`` the last run saw (the site's own
        clock, covering comments too) minus the overlap, else :attr:`since`."""
        seen = _http_date(self.changes.previous.pages.last_modified)
        if seen is None:
            return self.since
        return (seen - timedelta(seconds=self.overlap)).strftime("%Y-%m-%dT%H:%M:%S")

    # --- the conditional request ----------------------------------------------------------

    def check_headers(self) -> dict[str, str]:
        """``If-Modified-Since``/``If-None-Match`` from the last run, if it saw any.

        >>> from crawler.state.changes import RunChanges
        >>> from crawler.state.store import PageState, SiteState
        >>> state = SiteState("s", runs=1, pages=PageState(last_modified="Mon, 01 Jan 2024 00:00:00 GMT"))
        >>> PageChanges(RunChanges(state)).check_headers()
        {'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT'}
        """
        if self.first_run:
            return {}
        pages = self.changes.previous.pages
        headers = {}
        if pages.last_modified and _http_date(pages.last_modified) is not None:
            headers["If-Modified-Since"] = pages.last_modified
        if pages.etag and _ETAG.fullmatch(pages.etag):
            headers["If-None-Match"] = pages.etag
        return headers

    def on_check(self, status: int, headers: dict[str, str]) -> None:
        """The comments feed's answer: 304 (nothing changed) or its validators to keep."""
        if status == 304 and self.check_headers():
            self.unchanged = True
            return
        last_modified = headers.get("last-modified", "")
        etag = headers.get("etag", "")
        if 200 <= status < 300:
            self.changes.validators = (
                last_modified if _http_date(last_modified) else None,
                etag if _ETAG.fullmatch(etag) else None,
            )

    def on_comments(self, entries: Iterable[FeedEntry]) -> None:
        """The newest comments: their entries are read again; when even the oldest shown is
        new, more may be hidden, and every entry is read again."""
        cutoff = self.comments_since
        if cutoff is None:
            return
        seen = 0
        old = False
        for entry in entries:
            seen += 1
            when = entry.published_gmt or entry.updated_gmt
            if when is not None and when < cutoff:
                old = True
            elif entry.link:
                self.commented.add(entry_key_of_comment(entry.link))
        self.new_comments = 0 if old else seen

    @property
    def overflow(self) -> bool:
        """More new comments than the comments feed shows (every one it shows is new, and it
        shows a full page): every entry is read again.

        >>> from crawler.state.changes import RunChanges
        >>> from crawler.state.store import SiteState
        >>> changes = PageChanges(RunChanges(SiteState("s")), new_comments=10, feed_page_size=10)
        >>> changes.overflow, PageChanges(RunChanges(SiteState("s")), new_comments=3, feed_page_size=10).overflow
        (True, False)
        """
        if not self.new_comments:
            return False
        return self.feed_page_size is None or self.new_comments >= self.feed_page_size

    # --- the modification-ordered feeds ---------------------------------------------------

    def on_feed_page(self, post_type: str, entries: Sequence[FeedEntry]) -> bool:
        """A page of a modification-ordered feed: note the changed entries; ``False`` once
        it reached entries older than :attr:`since` (no later page holds a change)."""
        self.feed_types.add(post_type)
        if post_type == "post" and self.feed_page_size is None and entries:
            self.feed_page_size = len(entries)
        cutoff = self.since
        if cutoff is None:
            return True
        for entry in entries:
            if entry.updated_gmt is not None and entry.updated_gmt < cutoff:
                return False
            if entry.link:
                self.changed.add(url_key(entry.link))
        return True

    # --- which entries to read ------------------------------------------------------------

    def wants(self, key: str, post_type: str | None, lastmod: str | None) -> bool:
        """Whether this run reads the entry at ``key`` (listed by a sitemap)."""
        if self.first_run or self.overflow or key not in self.known_urls:
            return True  # new (or a new slug: its id tells)
        if key in self.commented:
            return True
        if self.unchanged:
            return False
        if post_type in self.feed_types:
            return key in self.changed
        lastmod_utc = w3c_to_utc(lastmod)
        cutoff = self.since
        if lastmod_utc is not None and cutoff is not None:
            return lastmod_utc >= cutoff
        return True  # no feed, no lastmod (pages before WordPress 6.5): read it again

    def comments_only(self, key: str, post_type: str | None) -> bool:
        """Whether a known entry was read again for its comments alone: the feed of its type
        lists its changes and does not list it, so the record is as the last run exported it
        (as with REST, a new comment does not make its post an update).

        >>> from crawler.state.changes import RunChanges
        >>> from crawler.state.store import PageState, SiteState
        >>> state = SiteState("s", runs=1, pages=PageState(places={"posts": {5: "https://e.com/a/"}}))
        >>> changes = PageChanges(RunChanges(state), feed_types={"post"})
        >>> changes.comments_only("https://e.com/a/", "post"), changes.comments_only("https://e.com/a/", "page")
        (True, False)
        """
        return (
            not self.first_run
            and key in self.known_urls
            and post_type in self.feed_types
            and key not in self.changed
        )

    @property
    def known_urls(self) -> dict[str, tuple[str, int]]:
        """The entries and archives of the previous state by URL key."""
        if self._known is None:
            self._known = {
                url_key(url): (collection, record_id)
                for collection, ids in self.changes.previous.pages.places.items()
                if collection != "comments"
                for record_id, url in ids.items()
            }
        return self._known

    _known: dict[str, tuple[str, int]] | None = field(default=None, repr=False)

    def checks(self, listed: set[str], collections: set[str] | None) -> list[Check]:
        """Known records whose URL the sitemaps no longer list (of ``collections``, or all
        but the comments), to request at their old URL."""
        found = []
        for collection, ids in self.changes.previous.pages.places.items():
            if collection == "comments" or (
                collections is not None and collection not in collections
            ):
                continue
            for record_id, url in ids.items():
                if url_key(url) not in listed:
                    found.append(Check(collection, record_id, url))
        return found[:MAX_CHECKS]

    def comments_of(self, entry_url: str) -> set[int]:
        """Known comments of the entry at ``entry_url``."""
        key = url_key(entry_url)
        places = self.changes.previous.pages.places.get("comments", {})
        if self._comments is None:
            self._comments = {}
            for comment_id, url in places.items():
                self._comments.setdefault(url_key(url), set()).add(comment_id)
        return self._comments.get(key, set())

    _comments: dict[str, set[int]] | None = field(default=None, repr=False)

    def type_of(self, collection: str) -> str:
        """The record type of a collection, for its tombstones."""
        known = self.changes.types.get(collection)
        return known or self.changes.previous.pages.types.get(collection, collection)

    # --- what the run exports -------------------------------------------------------------

    def note(self, record: Record, collection: str | None = None) -> None:
        """A record on its way to the feeds: its version, and the page it was read from (an
        entry's, an archive's; a comment's entry's)."""
        record_id = getattr(record, "id", None)
        if not isinstance(record_id, int):
            return  # a media file without an id: no state can tell whether it is new
        collection = collection or collection_of(record)
        self.changes.note_listed((record.type, record_id), version_of(record, collection))
        link = getattr(record, "link", None)
        if isinstance(link, str) and link and not isinstance(record, MediaItem):
            place = entry_key_of_comment(link) if isinstance(record, CommentItem) else link
            self.changes.note_place(collection, record_id, place, record.type)


def collection_of(record: Record) -> str:
    """The REST collection a record rebuilt from pages belongs to, so a state carries over
    between runs with and without REST (custom types: their REST base when the page named it).

    >>> from crawler.items import TermItem
    >>> collection_of(TermItem(id=1, taxonomy="post_tag", name="x", slug="x", site="https://e.com/"))
    'tags'
    """
    if isinstance(record, TermItem):
        taxonomy = record.taxonomy or "terms"
        return {"category": "categories", "post_tag": "tags"}.get(taxonomy, taxonomy)
    if isinstance(record, UserItem):
        return "users"
    if isinstance(record, CommentItem):
        return "comments"
    if isinstance(record, MediaItem):
        return "media"
    return ENTRY_COLLECTIONS.get(record.type, record.type)


def version_of(record: Record, collection: str) -> Version:
    """A record's version: ``modified_gmt`` when the feed gave it, else a fingerprint."""
    modified = getattr(record, "modified_gmt", None)
    if isinstance(modified, str) and modified:
        return Version(collection, modified, modified)
    excluded = TERM_VERSION_EXCLUDED if isinstance(record, TermItem) else VERSION_EXCLUDED
    fields: dict[str, Any] = {k: v for k, v in asdict(record).items() if k not in excluded}
    return Version(collection, fingerprint(fields))


def entry_key_of_comment(link: str) -> str:
    """The URL key of the entry a comment's link points into (``comment-page-N`` and
    ``cpage`` removed, as the entry's own URL has neither).

    >>> entry_key_of_comment("https://e.com/2024/01/hello/comment-page-2/#comment-5")
    'https://e.com/2024/01/hello/'
    >>> entry_key_of_comment("http://e.com/?p=5&cpage=2#comment-9")
    'http://e.com/?p=5'
    """
    parts = urlsplit(link)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cpage"]
    )
    path = _COMMENT_PAGE.sub("/", parts.path)
    return url_key(parts._replace(path=path, query=query, fragment="").geturl())


_ETAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e]{1,200}"')
"""An entity tag as RFC 9110 spells it, bounded: anything else is not sent back."""


def _http_date(value: str | None) -> datetime | None:
    """An HTTP date (``Last-Modified``) as an aware UTC datetime, or ``None``.

    >>> _http_date("Mon, 01 Jan 2024 10:00:00 GMT").isoformat()
    '2024-01-01T10:00:00+00:00'
    >>> _http_date("yesterday") is None, _http_date(None) is None
    (True, True)
    """
    if not value or len(value) > 64:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)
