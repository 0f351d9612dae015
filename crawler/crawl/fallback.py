"""The crawl of a site whose REST API is blocked: sitemaps, the Atom feed and the pages.

WordPress publishes almost every record through core markup that no plugin removes, so the
same records are rebuilt from public pages (see :mod:`crawler.wordpress.html_records`). The
order keeps the joins exact and memory bounded, the way the REST crawl lists linked
collections first:

1. **Inventory**: ``robots.txt``'s ``Sitemap:`` lines, else the usual sitemap places probed
   in order; the index's children classified by file name (posts of each type, terms of each
   taxonomy, authors). The home page once (sticky posts, the feed link). The main Atom feed
   is walked at the same time (dates to the second, authors' websites).
2. **Linked records**: every term and author archive the sitemaps list, and each custom
   type's Atom feed. Terms are held to the end, when their ``count`` is known; authors wait
   for the feeds (their website is only in Atom).
3. **Content**: every entry page of the post-type sitemaps, at most ``window`` at a time,
   each joined with the tables as it arrives; its comment pages (and the other parts of a post
   split with ``<!--nextpage-->``) are followed before the record leaves. Then the held terms.

Each answer returns a :class:`Step` of records and fetches, as :class:`crawler.crawl.run.CrawlRun`
does for REST. A URL the site lists but that fails after retries makes the crawl incomplete
(exit 1), as a lost REST page does; everything else it got is exported.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.items import TombstoneItem
from crawler.logsafety import safe_for_log
from crawler.wordpress.archives import read_archive_page, read_home_page
from crawler.wordpress.atom import atom_feed_url, read_atom
from crawler.wordpress.html_records import (
    EntryContext,
    HtmlTables,
    comment_records,
    entry_media,
    entry_record,
    finish_terms,
    resolve_parents,
    term_record,
    url_key,
    user_record,
)
from crawler.wordpress.pages import MAX_PARTS, read_comment_page, read_entry_page, read_entry_part
from crawler.wordpress.sitemaps import (
    SitemapEntry,
    classify_sitemap,
    read_sitemap,
    robots_sitemaps,
    sitemap_candidates,
    without_home,
)

from .outcome import Stop

if TYPE_CHECKING:
    from crawler.items import EntryRecord, Record, TermItem
    from crawler.wordpress.archives import ArchivePage, HomePage
    from crawler.wordpress.atom import FeedEntry
    from crawler.wordpress.pages import EntryPage, PageComment

    from .answer import Answer
    from .fallback_changes import PageChanges
    from .run import Stats

logger = logging.getLogger(__name__)

WINDOW = 16
"""Entry pages requested at a time: the scheduler holds URLs, not thousands of requests."""
MAX_URLS = 200_000
"""Entry URLs kept at most (``WORDPRESS_FALLBACK_MAX_URLS``); past it the crawl is cut."""
MAX_SITEMAPS = 1_000
"""Sitemap files read at most: 50 million URLs at the protocol's 50,000 a file."""
MAX_AUTHORS = 200_000
"""Authors hinted at most (users-only runs)."""
MAX_COMMENT_PAGES = 100
"""Comment pages followed per entry at most."""
MAX_LINKED_ARCHIVES = 100
"""Archives an entry may wait for at most (its author and terms no sitemap listed)."""
LINKED_PRIORITY = 10
"""Scrapy priority of the inventory and the archives, so the tables fill first."""
MAX_PAGE_BYTES = 4 * 1024 * 1024
"""HTML read per page at most (the readers cap it again)."""


class Want(StrEnum):
    """What a fetch of the fallback is for (its callback's ``want``)."""

    ROBOTS = "robots"
    SITEMAP = "sitemap"
    FEED = "feed"
    HOME = "home"
    ARCHIVE = "archive"
    ENTRY = "entry"
    COMMENTS = "comments"
    PART = "part"
    """Another part of a post split with ``<!--nextpage-->`` (``…/2/``, ``?p=ID&page=2``)."""
    UPDATES = "updates"
    """Incremental runs: the conditional request of the comments feed (304: nothing changed)."""
    GONE = "gone"
    """Incremental runs: a known record's old URL, which the sitemaps no longer list."""


@dataclass(frozen=True)
class Fetch:
    """A page to request, and what for (travels in ``cb_kwargs``; only plain values)."""

    url: str
    want: Want
    about: str | None = None
    """Feeds: the custom type (``None``: the posts); archives: the taxonomy (``None``: an
    author or unknown); comment pages and parts: the key of the entry they belong to."""
    page: int = 0
    """Feeds: the page number; parts: the part's number (2...); checks of a known record
    (``gone``): its id."""
    priority: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    """Request headers of a conditional request (``If-Modified-Since``...)."""


@dataclass
class Step:
    """What the spider does next (the fallback's :class:`crawler.crawl.run.Step`)."""

    records: list[Record | TombstoneItem] = field(default_factory=list)
    fetches: list[Fetch] = field(default_factory=list)
    stop: Stop | None = None
    custom_types: list[tuple[str, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """What each URL lost after retries was (``sitemap``, ``entry``...), for the coverage line."""


@dataclass
class _Entry:
    """An entry URL from a post-type sitemap, and its page once read (comments and parts
    pending)."""

    url: str
    post_type: str | None
    lastmod: str | None
    page: EntryPage | None = None
    comments: list[PageComment] = field(default_factory=list)
    waiting: set[str] = field(default_factory=set)
    comments_lost: bool = False
    parts: dict[int, str] = field(default_factory=dict)
    """The content of the other parts of a split post, by part number (2...)."""
    parts_lost: bool = False


class FallbackRun:
    """One crawl without REST (see the module docstring)."""

    def __init__(  # noqa: PLR0915 - one attribute per fact of the run, each documented
        self,
        home_url: str,
        stats: Stats,
        *,
        types: str | None = None,
        home: HomePage | None = None,
        window: int = WINDOW,
        max_urls: int = MAX_URLS,
        max_feed_pages: int = 10_000,
        users_only: bool = False,
        why: str = "",
        changes: PageChanges | None = None,
    ) -> None:
        self.home_url = home_url
        self.users_only = users_only
        """Only the authors: REST gives the rest but hides its users (Wordfence's user block,
        which also drops them from the sitemaps), so for each author id REST names, one of
        their records' pages says where their archive is (:meth:`author_hint`)."""
        self.hinted: set[int] = set()
        self.why = why
        """Why REST could not be used (the discovery's line), for a stop with nothing listed."""
        self.site = home_url
        self.stats = stats
        self.wanted = _wanted_types(types)
        self.home = home
        self.window = max(1, window)
        self.max_urls = max_urls
        self.max_feed_pages = max_feed_pages
        self.tables = HtmlTables()
        self.probes: list[str] = []
        """The usual sitemap places not tried yet (when robots.txt names none)."""
        self.listed: set[str] = set()
        """Sitemaps that robots.txt or an index named: losing one makes the crawl incomplete."""
        self.home_read = home is not None
        self.feed_inventory = False
        self.sitemap_found = False
        """No sitemap: the main Atom feed lists the posts (pages and custom types are lost)."""
        self.archives_read: set[str] = set()
        self.archive_waiters: dict[str, set[str]] = {}
        """Archives read on demand, and the entries waiting for each."""
        self.linked_pending: set[tuple[Want, str]] = set()
        """Inventory, feed and archive fetches not answered yet: content waits for them."""
        self.inventory_done = False
        self.content_started = False
        self.entries: dict[str, _Entry] = {}
        self.queue: deque[str] = deque()
        self.in_flight: dict[str, _Entry] = {}
        self.exported_ids: set[int] = set()
        self.media_urls: set[str] = set()
        """Media files exported (the images pages show), once each."""
        self.terms: list[TermItem] = []
        self.parent_slugs: dict[int, str | None] = {}
        self.user_pages: list[ArchivePage] = []
        """Author archives read before the feeds are complete (their website is in Atom)."""
        self.term_archives: list[tuple[str, str | None]] = []
        self.user_archives: list[str] = []
        self.post_types: set[str] = set()
        self.announced: set[str] = set()
        self.sitemaps_read = 0
        self.failed = 0
        self.gone = 0
        self.gone_entries = 0
        """Entry pages among them: the term counts of such a crawl are not derived."""
        self.stopped = False
        self.finished = False
        self.changes = changes
        """Incremental runs: what changed since the last run (:mod:`.fallback_changes`)."""
        self.since_last = changes is not None and not changes.first_run
        """An incremental run after a first one: only the changes are read."""
        self.rest_bases: dict[str, str] = {}
        """Custom types' REST bases, as their pages name them (their state collection)."""
        self.detected_at = ""

    # --- the start ------------------------------------------------------------------------

    def start(self) -> Step:
        """The inventory, the home page (unless already read) and the main feed, at once."""
        step = Step()
        if self.users_only:  # no inventory: the REST records say which pages to read
            self.inventory_done = self.content_started = self.home_read = True
            return step
        step.fetches.append(self._fetch(_root(self.home_url) + "robots.txt", Want.ROBOTS))
        if self.home is None:
            step.fetches.append(self._fetch(self.home_url, Want.HOME))
        else:
            step.fetches += self._main_feed()
        return step

    def _main_feed(self) -> list[Fetch]:
        if self.changes is not None:
            # "Anything changed?" first (a first run keeps the answer's validators for the
            # next); the feeds follow unless the answer is 304.
            rss = self.home.rss_href if self.home else None
            url = atom_feed_url(self.home_url, rss, with_comments=True)
            headers = tuple(self.changes.check_headers().items())
            return [self._fetch(url, Want.UPDATES, headers=headers)]
        return self._post_feed()

    def _post_feed(self) -> list[Fetch]:
        if self.wanted is not None and "post" not in self.wanted:
            return []
        return [self._feed(None, 1)]

    def _feed(self, post_type: str | None, page: int) -> Fetch:
        rss = self.home.rss_href if self.home else None
        url = atom_feed_url(
            self.home_url, rss, page=page, post_type=post_type, modified_order=self.since_last
        )
        return self._fetch(url, Want.FEED, about=post_type, page=page)

    def _fetch(self, url: str, want: Want, **extra: Any) -> Fetch:
        linked = want not in (Want.ENTRY, Want.COMMENTS)
        fetch = Fetch(url, want, priority=LINKED_PRIORITY if linked else 0, **extra)
        if linked:
            self.linked_pending.add((want, url))
        self.stats.inc_value(f"wordpress/fallback/requests/{want}")
        return fetch

    # --- answers --------------------------------------------------------------------------

    def on_answer(self, fetch: Fetch, answer: Answer | None, error: str | None = None) -> Step:
        """One answer (or ``error``, a download that never got one), and what comes next."""
        if self.stopped:
            return Step()
        self.linked_pending.discard((fetch.want, fetch.url))
        handler = getattr(self, f"_on_{fetch.want}")
        failed = self.failed
        step = handler(fetch, answer, error)
        step.failed += [str(fetch.want)] * (self.failed - failed)
        step = self._advance(step)
        if self.changes is not None:
            for record in step.records:
                if not isinstance(record, TombstoneItem):
                    self.changes.note(record, self.rest_bases.get(record.type))
        return step

    def _ok(self, answer: Answer | None) -> bool:
        return answer is not None and 200 <= answer.status < 300

    def _lost(self, fetch: Fetch, answer: Answer | None, error: str | None) -> None:
        """A URL the site listed could not be read: the crawl is incomplete."""
        why = error or (f"HTTP {answer.status}" if answer is not None else "no answer")
        self.failed += 1
        self.stats.inc_value("wordpress/fallback/failed_urls")
        self.stats.set_value("wordpress/incomplete", True)
        logger.warning(
            "Could not read %s (%s) after retries: its records are not in the feeds, so the "
            "crawl is incomplete; run it again later",
            safe_for_log(fetch.url), safe_for_log(why),
        )  # fmt: skip

    def _gone(self, fetch: Fetch) -> None:
        """A listed URL the site answers 404: unpublished since it was listed, or a link the
        site prints but does not serve. Crawling again would not bring it: counted, and
        said once at the end, not a failure."""
        self.gone += 1
        self.stats.inc_value("wordpress/fallback/gone")
        if self.gone <= 3:
            self.stats.set_value(f"wordpress/fallback/gone_example/{self.gone}", fetch.url[:300])

    def _on_updates(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        """The conditional request of the comments feed: 304 (nothing was published or
        edited since the last run), else the newest comments and, next, the changed posts."""
        assert self.changes is not None
        step = Step()
        if answer is None or answer.status >= 500:
            self._lost(fetch, answer, error)
            return step
        if answer.status >= 400:  # feeds switched off: every entry is read, as without state
            step.fetches += self._post_feed()
            return step
        self.changes.on_check(answer.status, dict(answer.headers))
        if self.changes.unchanged:
            self.stats.set_value("wordpress/fallback/unchanged", True)
            logger.info(
                "Nothing published or edited since the last run (the feed answered 304); "
                "checking the sitemaps for deletions only"
            )
            return step
        page = read_atom(answer.body) if self._ok(answer) else None
        if page is not None:
            self.changes.on_comments(page.entries)
        step.fetches += self._post_feed()
        return step

    def _on_robots(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        step = Step()
        listed = []
        if self._ok(answer) and answer is not None:
            text = answer.body[:MAX_PAGE_BYTES].decode("utf-8", "replace")
            listed = robots_sitemaps(text, answer.url)
        if listed:
            self.listed.update(listed)
            step.fetches += [self._sitemap(url) for url in listed]
        else:
            self.probes = sitemap_candidates(self.home_url)
            step.fetches.append(self._sitemap(self.probes.pop(0)))
        return step

    def _sitemap(self, url: str) -> Fetch:
        self.sitemaps_read += 1
        return self._fetch(url, Want.SITEMAP)

    def _on_sitemap(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        step = Step()
        doc = read_sitemap(answer.body) if self._ok(answer) and answer is not None else None
        if doc is None:
            if fetch.url in self.listed:
                self._lost(fetch, answer, error)
            elif self.probes:  # not a sitemap here: the next usual place
                step.fetches.append(self._sitemap(self.probes.pop(0)))
            else:
                self._without_sitemap()
        elif doc.kind == "sitemapindex":
            self.sitemap_found = True
            self.probes = []
            step.fetches += self._children(doc.entries)
        else:
            self.sitemap_found = True
            self.probes = []
            self._read_urlset(fetch.url, doc.entries)
        return step

    def _children(self, entries: tuple[SitemapEntry, ...]) -> list[Fetch]:
        """The sitemaps an index lists that this crawl needs, each once."""
        fetches = []
        for item in entries:
            if self.sitemaps_read >= MAX_SITEMAPS:
                self._cut("sitemap files", MAX_SITEMAPS)
                break
            child = classify_sitemap(item.loc)
            if child.provider == "posts" and not self._wants(child.subtype):
                continue
            if item.loc not in self.listed:
                self.listed.add(item.loc)
                fetches.append(self._sitemap(item.loc))
        return fetches

    def _without_sitemap(self) -> None:
        """No sitemap anywhere (pathinfo permalinks break core's): posts from the main feed."""
        self.feed_inventory = True
        self.stats.set_value("wordpress/fallback/inventory", "atom")
        for entry in list(self.tables.feed.values()):  # the feed pages read so far
            if entry.link:
                self._add_entry(entry.link, "post", entry.updated_gmt)
        logger.warning(
            "%s publishes no sitemap (tried robots.txt, /wp-sitemap.xml, /?sitemap=index, "
            "/sitemap_index.xml, /sitemap.xml): posts are listed from the Atom feed instead; "
            "pages and custom types, which no feed lists, cannot be crawled",
            safe_for_log(self.home_url),
        )

    def _read_urlset(self, url: str, entries: tuple[SitemapEntry, ...]) -> None:
        """A sitemap of URLs: entries, term archives or author archives, by its file name."""
        child = classify_sitemap(url)
        if child.provider == "taxonomies":
            self.term_archives += [(e.loc, child.subtype) for e in entries]
        elif child.provider == "users":
            self.user_archives += [e.loc for e in entries]
        else:  # posts, or a name only the pages can tell (Yoast's custom names, Jetpack)
            post_type = child.subtype if child.provider == "posts" else None
            if post_type is not None:
                self.post_types.add(post_type)
            for entry in without_home(entries, self.home_url):
                if not self._add_entry(entry.loc, post_type, entry.lastmod):
                    break

    def _add_entry(self, url: str, post_type: str | None, lastmod: str | None) -> bool:
        """Plan an entry page once (``False``: the limit of entry URLs is reached)."""
        key = url_key(url)
        if key in self.entries:
            return True
        if len(self.entries) >= self.max_urls:
            self._cut("entry URLs", self.max_urls)
            return False
        self.entries[key] = _Entry(url, post_type, lastmod)
        self.queue.append(key)
        return True

    def _cut(self, what: str, limit: int) -> None:
        if self.stats.get_value("wordpress/fallback/cut"):
            return
        self.stats.set_value("wordpress/fallback/cut", what)
        self.stats.set_value("wordpress/incomplete", True)
        logger.warning(
            "The site lists more than %d %s; the rest are not crawled and the crawl is "
            "incomplete (raise WORDPRESS_FALLBACK_MAX_URLS if that is expected)",
            limit, what,
        )  # fmt: skip

    def _on_home(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        step = Step()
        self.home_read = True
        if self._ok(answer) and answer is not None:
            self.home = read_home_page(_text(answer), answer.url, answer.link_headers)
        else:
            self._lost(fetch, answer, error)
        step.fetches += self._main_feed()
        return step

    def _on_feed(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        """An Atom page: its entries, then the next page, until a 404 or an empty page."""
        step = Step()
        page = read_atom(answer.body) if self._ok(answer) and answer is not None else None
        if page is None:
            # A 404 ends the feed (WordPress's answer past the last page); a first page that
            # is no feed means the site has none; anything else lost a page of it.
            ended = answer is not None and answer.status in (404, 410)
            if not ended and (fetch.page > 1 or answer is None or answer.status >= 500):
                self._lost(fetch, answer, error)
            return step
        more = True
        if self.since_last and self.changes is not None:
            post_type = fetch.about or "post"
            if fetch.about is None or fetch.page > 1 or self._feed_of(post_type, page.entries):
                more = self.changes.on_feed_page(post_type, page.entries)
            else:
                more = False  # the site ignored post_type (a type without a feed)
        fresh = 0
        for entry in page.entries:
            key = url_key(entry.link)
            if key and key not in self.tables.feed:
                fresh += 1
                if self.feed_inventory and entry.link and fetch.about is None:
                    self._add_entry(entry.link, "post", entry.updated_gmt)
            self.tables.add_feed_entry(entry)
        self.stats.inc_value("wordpress/fallback/feed_entries", fresh)
        if fresh and more and fetch.page < self.max_feed_pages:
            step.fetches.append(self._feed(fetch.about, fetch.page + 1))
        return step

    def _feed_of(self, post_type: str, entries: tuple[FeedEntry, ...]) -> bool:
        """Whether a custom type's feed lists that type (WordPress serves the posts' feed for
        a type that is not publicly queryable): every entry is one its sitemap listed."""
        return bool(entries) and all(
            (known := self.entries.get(url_key(entry.link))) is not None
            and known.post_type == post_type
            for entry in entries
        )

    def _on_archive(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        step = Step()
        self.archives_read.add(url_key(fetch.url))
        self._read_archive(fetch, answer, error, step)
        for key in self.archive_waiters.pop(fetch.url, set()):
            entry = self.in_flight.get(key)
            if entry is not None:
                entry.waiting.discard(fetch.url)
                if not entry.waiting:
                    self.in_flight.pop(key, None)
                    self._finish_entry(key, entry, step)
        return step

    def _read_archive(
        self, fetch: Fetch, answer: Answer | None, error: str | None, step: Step
    ) -> None:
        """A term or author archive into the tables (authors on demand leave at once)."""
        if not (self._ok(answer) and answer is not None):
            if answer is not None and answer.status in (404, 410):
                self._gone(fetch)  # the records linking to it keep its id alone, if known
            else:
                self._lost(fetch, answer, error)
            return
        page = read_archive_page(_text(answer), answer.url, answer.link_headers)
        if page is None:
            self.stats.inc_value("wordpress/fallback/unreadable_archives")
            return
        if fetch.about is None and page.kind == "author":
            if self.content_started:  # read on demand: the feeds are complete
                user = user_record(page, site=self.site, tables=self.tables)
                if user is not None:
                    self.tables.add_user(user, fetch.url)
                    self.tables.add_user(user, page.url)
                    step.records.append(user)
            else:
                self.user_pages.append(page)
        elif page.kind == "term":
            term = term_record(page, site=self.site, taxonomy=fetch.about)
            if term is not None:
                self.tables.add_term(term)
                self.terms.append(term)
                self.parent_slugs[term.id] = page.parent_slug
                if self.since_last and page.parent_slug:
                    step.fetches += self._parent_archive(page.url, term.taxonomy)

    def _parent_archive(self, url: str, taxonomy: str | None) -> list[Fetch]:
        """The archive of a term's parent, one path segment up (pretty permalinks print
        parents in the path): incremental runs read terms on demand, and the parent's id
        comes from its own archive."""
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) < 3 or _host(url) != _host(self.home_url):
            return []
        parent = parts._replace(path="/" + "/".join(segments[:-1]) + "/", query="").geturl()
        if url_key(parent) in self.archives_read or (Want.ARCHIVE, parent) in self.linked_pending:
            return []
        return [self._fetch(parent, Want.ARCHIVE, about=taxonomy)]

    def _on_entry(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        step = Step()
        key = url_key(fetch.url)
        entry = self.in_flight.pop(key, None) or self.entries.get(key)
        if entry is None:
            return step
        if not (self._ok(answer) and answer is not None):
            if answer is not None and answer.status in (404, 410):
                self._gone(fetch)
                self.gone_entries += 1
            else:
                self._lost(fetch, answer, error)
            self.entries.pop(key, None)
            return step
        page = read_entry_page(_text(answer), answer.url, answer.link_headers)
        if page is None or page.id is None:
            self.stats.inc_value("wordpress/fallback/not_entries")
            self.entries.pop(key, None)
            return step
        entry.page = page
        entry.comments = list(page.comments)
        for url in page.comment_pages[:MAX_COMMENT_PAGES]:
            if url_key(url) != key:
                entry.waiting.add(url)
                step.fetches.append(self._comments(url, key))
        step.fetches += self._parts(key, entry, page)
        for url in self._unknown_archives(page):
            entry.waiting.add(url)
            waiters = self.archive_waiters.setdefault(url, set())
            if not waiters:
                step.fetches.append(self._fetch(url, Want.ARCHIVE))
            waiters.add(key)
        if not entry.waiting:
            self._finish_entry(key, entry, step)
        else:
            self.in_flight[key] = entry
        return step

    def author_hint(self, author: int, link: str | None) -> Step:
        """A REST record by ``author`` at ``link``: its page leads to the author's archive,
        read once per author (users-only runs)."""
        if (
            not self.users_only
            or author in self.hinted
            or not link
            or len(self.hinted) >= MAX_AUTHORS
        ):
            return Step()
        if _host(link) != _host(self.home_url):
            return Step()
        self.hinted.add(author)
        self._add_entry(link, None, None)
        return self._advance(Step())

    def commit_problems(self, close_reason: str) -> list[str]:
        """Why an incremental run's state may not be committed (nothing: it may); as
        :meth:`crawler.crawl.run.CrawlRun.commit_problems`, so the next run covers the gap."""
        problems = []
        if close_reason != "finished":
            problems.append(f"the crawl ended with {close_reason!r}")
        if self.stats.get_value("wordpress/incomplete"):
            problems.append("pages were lost")
        if not self.done:
            problems.append("pages were still to read")
        if self.changes is not None and self.changes.changes.pending:
            problems.append(f"{len(self.changes.changes.pending)} records did not reach the feeds")
        return problems

    @property
    def done(self) -> bool:
        """Every planned page answered (users-only runs never end by themselves)."""
        return self.finished or (self.users_only and not self.queue and not self.in_flight)

    def _unknown_archives(self, page: EntryPage) -> list[str]:
        """Archives of the author and terms an entry links to that no sitemap listed (a
        site without taxonomy or author sitemaps, or one that leaves some out): read before
        its record leaves, once each, on the site's own host only."""
        urls = [page.author_url] if page.author_url else []
        if not self.users_only:
            urls += [href for href, _ in page.term_links]
        unknown = []
        for url in urls:
            known = url_key(url) in self.archives_read or url in unknown
            if not known and _host(url) == _host(self.home_url):
                unknown.append(url)
        return unknown[:MAX_LINKED_ARCHIVES]

    def _wants_content(self, key: str, entry: _Entry) -> bool:
        """Whether the entry's record will leave (users-only runs, and incremental runs that
        read an entry again for its comments only, export none): its parts are read then."""
        if self.users_only:
            return False
        changes = self.changes
        return not (self.since_last and changes and changes.comments_only(key, entry.post_type))

    def _parts(self, key: str, entry: _Entry, page: EntryPage) -> list[Fetch]:
        """The other parts of a split post, each awaited before its record leaves."""
        if not self._wants_content(key, entry):
            return []
        fetches = []
        for number, url in enumerate(page.part_links[: MAX_PARTS - 1], start=2):
            entry.waiting.add(url)
            self.stats.inc_value("wordpress/fallback/requests/part")
            fetches.append(Fetch(url, Want.PART, about=key, page=number))
        return fetches

    def _on_part(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        """Another part of a split post: its content, by number (its comments are the first
        page's again, so they are not read)."""
        entry = self._awaited(fetch)
        if entry is None:
            return Step()
        if self._ok(answer) and answer is not None:
            content = read_entry_part(_text(answer), answer.url)
            if content is None:
                entry.parts_lost = True
                self.stats.inc_value("wordpress/fallback/unreadable_parts")
            else:
                entry.parts[fetch.page] = content
        else:
            entry.parts_lost = True
            self._lost(fetch, answer, error)
        return self._when_complete(fetch.about or "", entry)

    def _awaited(self, fetch: Fetch) -> _Entry | None:
        """The entry in flight a comment or part page belongs to (``about``), no longer
        waiting for it; ``None`` once the entry left."""
        entry = self.in_flight.get(fetch.about or "")
        if entry is not None:
            entry.waiting.discard(fetch.url)
        return entry

    def _when_complete(self, key: str, entry: _Entry) -> Step:
        """The entry's records, once no page it waits for is outstanding."""
        step = Step()
        if not entry.waiting:
            self.in_flight.pop(key, None)
            self._finish_entry(key, entry, step)
        return step

    def _comments(self, url: str, entry_key: str) -> Fetch:
        self.stats.inc_value("wordpress/fallback/requests/comments")
        return Fetch(url, Want.COMMENTS, about=entry_key)

    def _on_comments(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        entry = self._awaited(fetch)
        if entry is None:
            return Step()
        if self._ok(answer) and answer is not None:
            comments, _ = read_comment_page(_text(answer), answer.url)
            known = {comment.id for comment in entry.comments}
            entry.comments += [c for c in comments if c.id not in known]
        else:
            entry.comments_lost = True
            self._lost(fetch, answer, error)
        return self._when_complete(fetch.about or "", entry)

    def _finish_entry(self, key: str, entry: _Entry, step: Step) -> None:
        """The entry's record and its comments, once every comment page is in."""
        self.entries.pop(key, None)
        page = entry.page
        assert page is not None
        if self.users_only:
            return  # REST exported it: only its author's archive was wanted
        if page.id in self.exported_ids:
            self.stats.inc_value("wordpress/fallback/duplicate_urls")
            return
        context = EntryContext(
            site=self.site,
            sitemap_type=entry.post_type,
            sticky_ids=self.home.sticky_ids if self.home else frozenset(),
            lastmod=entry.lastmod,
        )
        parts = None if entry.parts_lost else [entry.parts[n] for n in sorted(entry.parts)]
        record = entry_record(page, entry.comments, context, self.tables, parts)
        if record is None:
            self.stats.inc_value("wordpress/fallback/not_entries")
            return
        if not self._wants(record.type):
            return
        self.exported_ids.add(record.id)
        changes = self.changes
        if not (self.since_last and changes and changes.comments_only(key, entry.post_type)):
            self._entry_records(record, page, step)
        if not page.protected:
            step.records += comment_records(
                entry.comments, post=record.id, link=record.link, site=self.site
            )
            if self.since_last and changes is not None and not entry.comments_lost:
                shown = {comment.id for comment in entry.comments}
                for comment_id in sorted(changes.comments_of(record.link or entry.url)):
                    if comment_id not in shown:
                        step.records.append(self._tombstone("comments", comment_id))

    def _entry_records(self, record: EntryRecord, page: EntryPage, step: Step) -> None:
        """An entry's record and its media (an incremental run may read an entry again for
        its comments alone: then neither leaves)."""
        if record.type not in ("post", "page") and record.type not in self.announced:
            self.announced.add(record.type)
            self.rest_bases[record.type] = page.rest_base_hint or record.type
            step.custom_types.append((self.rest_bases[record.type], record.type))
        step.records.append(record)
        for media in entry_media(page, site=self.site):
            url = media.source_url
            if url and url not in self.media_urls and len(self.media_urls) < MAX_URLS:
                self.media_urls.add(url)
                step.records.append(media)

    # --- phases ---------------------------------------------------------------------------

    def _advance(self, step: Step) -> Step:
        """Start what the answers so far allow: linked records, then content, then the end."""
        if step.stop is not None:
            self.stopped = True
            return step
        inventory = {Want.ROBOTS, Want.SITEMAP, Want.HOME, Want.UPDATES}
        listing = any(want in inventory for want, _ in self.linked_pending)
        if not self.inventory_done and self.home_read and not listing:
            self.inventory_done = True
            step.fetches += self._linked_fetches()
        if self.inventory_done and not self.linked_pending and not self.content_started:
            if not self.sitemap_found and not self.entries:
                self.stopped = True
                step.stop = Stop(
                    "nothing_listed",
                    f"{self.why or 'the REST API cannot be used'}; without it, neither a "
                    "sitemap nor the Atom feed lists any record of the site, so there is "
                    "nothing to crawl",
                )
                return step
            self.content_started = True
            step.records += self._release_users()
            resolve_parents(self.terms, self.parent_slugs)
            if self.since_last:
                step.fetches += self._select_changes()
        if self.users_only:
            step.fetches += self._next_entries()
        elif self.content_started and not self.finished:
            step.fetches += self._next_entries()
            if not self.queue and not self.in_flight and not self.linked_pending:
                self.finished = True
                resolve_parents(self.terms, self.parent_slugs)  # also those read on demand
                full = self.wanted is None and not self.feed_inventory and not self.gone_entries
                full = full and not self.failed and not self.since_last
                finish_terms(self.terms, self.tables.term_uses, full=full)
                step.records += self.terms
                self._report()
        return step

    # --- incremental runs -----------------------------------------------------------------

    def _select_changes(self) -> list[Fetch]:
        """Keep only the entries that changed (or may have); check the known records whose
        URL the sitemaps no longer list, when the sitemaps were read whole."""
        changes = self.changes
        assert changes is not None
        listed = set(self.entries)
        listed |= {url_key(url) for url, _ in self.term_archives}
        listed |= {url_key(url) for url in self.user_archives}
        if changes.overflow:
            logger.info("More new comments than the comments feed shows: every entry is read again")
        kept: deque[str] = deque()
        for key in self.queue:
            entry = self.entries.get(key)
            if entry is not None and changes.wants(key, entry.post_type, entry.lastmod):
                kept.append(key)
            elif entry is not None:
                del self.entries[key]
                self.stats.inc_value("wordpress/fallback/unchanged_skipped")
        self.queue = kept
        complete = self.sitemap_found and not self.feed_inventory and not self.failed
        if not complete or self.stats.get_value("wordpress/fallback/cut"):
            logger.warning(
                "The sitemaps were not read whole this run, so deleted records cannot be told "
                "from unlisted ones: no deletions are reported (the next run checks again)"
            )
            return []
        checks = changes.checks(listed, self._checked_collections())
        self.stats.inc_value("wordpress/fallback/gone_checks", len(checks))
        return [
            self._fetch(check.url, Want.GONE, about=check.collection, page=check.record_id)
            for check in checks
        ]

    def _checked_collections(self) -> set[str] | None:
        """With ``-a types=``, only the collections of those types are checked."""
        if self.wanted is None or self.changes is None:
            return None
        return {
            name
            for name in self.changes.changes.previous.pages.places
            if self.changes.type_of(name) in self.wanted
        }

    def _on_gone(self, fetch: Fetch, answer: Answer | None, error: str | None) -> Step:
        """A known record's old URL: 404/410 is a deletion; the same id still there (a new
        slug redirects to it; SEO plugins leave some records out of their sitemaps) is not."""
        assert self.changes is not None
        step = Step()
        collection, record_id = fetch.about or "", fetch.page
        if answer is not None and answer.status in (404, 410):
            step.records += self._deletion(collection, record_id, fetch.url)
        elif self._ok(answer) and answer is not None:
            if self.changes.type_of(collection) in ("term", "user"):
                archive = read_archive_page(_text(answer), answer.url, answer.link_headers)
                found = archive.id if archive is not None else None
            else:
                entry = read_entry_page(_text(answer), answer.url, answer.link_headers)
                found = entry.id if entry is not None else None
            if found is None:
                self.stats.inc_value("wordpress/fallback/gone_unverified")
            elif found == record_id:
                self.stats.inc_value("wordpress/fallback/unlisted_kept")
            else:  # WordPress guessed another record for the old URL
                step.records += self._deletion(collection, record_id, fetch.url)
        else:
            self._lost(fetch, answer, error)
        return step

    def _deletion(self, collection: str, record_id: int, url: str) -> list[TombstoneItem]:
        """Tombstones of a record gone from the site, and of the comments it had."""
        assert self.changes is not None
        gone = [self._tombstone(collection, record_id)]
        if self.changes.type_of(collection) not in ("term", "user"):
            gone += [self._tombstone("comments", i) for i in sorted(self.changes.comments_of(url))]
        return gone

    def _tombstone(self, collection: str, record_id: int) -> TombstoneItem:
        assert self.changes is not None
        self.changes.changes.record_removed(collection, record_id)
        self.stats.inc_value(f"wordpress/{collection}/deleted")
        if not self.detected_at:
            self.detected_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return TombstoneItem(
            type=self.changes.type_of(collection),
            id=record_id,
            site=self.site,
            detected_at=self.detected_at,
        )

    def _linked_fetches(self) -> list[Fetch]:
        """Every archive the sitemaps list, and each custom type's feed. With ``-a types=``
        categories and tags are read on demand instead, only those the crawled records link
        to (themes print their links; custom taxonomies' terms only show as classes)."""
        linked = ("category", "post_tag")
        fetches = []
        if not self.since_last:  # later incremental runs read those the changes link to
            terms = [t for t in self.term_archives if self.wanted is None or t[1] not in linked]
            fetches += [self._fetch(url, Want.ARCHIVE, about=tax) for url, tax in terms]
            fetches += [self._fetch(url, Want.ARCHIVE) for url in self.user_archives]
        if self.changes is not None and self.changes.unchanged:
            return fetches
        for post_type in sorted(self.post_types - {"post", "page"}):
            if self._wants(post_type):
                fetches.append(self._feed(post_type, 1))
        return fetches

    def _release_users(self) -> list[Record]:
        users: list[Record] = []
        for page in self.user_pages:
            user = user_record(page, site=self.site, tables=self.tables)
            if user is not None:
                self.tables.add_user(user, page.url)
                users.append(user)
        self.user_pages = []
        return users

    def _next_entries(self) -> list[Fetch]:
        fetches = []
        while self.queue and len(self.in_flight) < self.window:
            key = self.queue.popleft()
            entry = self.entries.get(key)
            if entry is None:
                continue
            self.in_flight[key] = entry
            self.stats.inc_value("wordpress/fallback/requests/entry")
            fetches.append(Fetch(entry.url, Want.ENTRY))
        return fetches

    def _wants(self, post_type: str | None) -> bool:
        return post_type is None or self.wanted is None or post_type in self.wanted

    def _report(self) -> None:
        self.stats.set_value("wordpress/fallback/entries", len(self.exported_ids))
        if self.gone:
            logger.warning(
                "%d URL%s that the site lists answered 404 (unpublished since, or links the "
                "site prints but does not serve, e.g. %s); their records are not in the feeds",
                self.gone, "s" if self.gone > 1 else "",
                safe_for_log(str(self.stats.get_value("wordpress/fallback/gone_example/1"))),
            )  # fmt: skip
        for name, count in self.tables.unresolved.items():
            self.stats.set_value(f"wordpress/fallback/unresolved_links/{name}", count)


def _wanted_types(types: str | None) -> set[str] | None:
    """Post type names from ``-a types=`` (names or REST bases such as ``posts``).

    >>> sorted(_wanted_types("posts, events"))
    ['event', 'events', 'post', 'posts']
    >>> _wanted_types(None) is None
    True
    """
    if types is None:
        return None
    names = {name.strip().lower() for name in types.split(",") if name.strip()}
    return names | {name[:-1] for name in names if name.endswith("s")}


def home_of(url: str) -> str:
    """The site's home as the crawl without REST reads it: the URL given when it names a
    folder (``https://e.com/blog/``), else the site's root.

    >>> home_of("https://e.com/blog/"), home_of("https://e.com/2024/01/hello/?x=1")
    ('https://e.com/blog/', 'https://e.com/')
    >>> home_of("https://e.com/wp-json/"), home_of("https://e.com/index.php?rest_route=/")
    ('https://e.com/', 'https://e.com/')
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    rest = "wp-json" in path or "rest_route" in parts.query or "index.php" in path
    if parts.query or rest or path.count("/") > 2 or not path.endswith("/"):
        path = "/"
    return parts._replace(path=path, query="", fragment="").geturl()


def home_page(answer: Answer | None, home_url: str) -> HomePage | None:
    """The home page's facts, when ``answer`` (the page the user gave) is the home page: it
    is then not requested again."""
    if answer is None or not 200 <= answer.status < 300:
        return None
    if answer.url.rstrip("/") != home_url.rstrip("/"):
        return None
    return read_home_page(_text(answer), answer.url, answer.link_headers)


def _root(url: str) -> str:
    """The origin of ``url`` with a slash: where ``robots.txt`` lives.

    >>> _root("https://e.com:8080/blog/?x=1")
    'https://e.com:8080/'
    """
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/"


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _text(answer: Answer) -> str:
    """An HTML answer as text (WordPress sends UTF-8), capped."""
    return answer.body[:MAX_PAGE_BYTES].decode("utf-8", "replace")
