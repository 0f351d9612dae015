"""What a crawl rebuilt without REST, and what it could not get: the closing coverage line.

Records built from the REST API are complete; the others (``source`` ``html``, ``feed`` or
``sitemap``) name in ``missing`` the fields their source could not tell. The user needs one
line at the end that says how much of each feed was rebuilt, which fields are null and how
often, and how many URLs failed, without reading the feeds; monitoring needs the same as stats.
Only our own names reach the line (feed names of the record classes, field names, URL kinds
the crawl names): anything else the caller passes is counted under ``other``, so no site
string is ever logged. Every count is bounded by the number of kinds, sources and field names
it keeps (:data:`MAX_NAMES` each).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from crawler.items import REST, SOURCES

if TYPE_CHECKING:
    from collections.abc import Iterable

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}(?:\.[a-z][a-z0-9_]{0,39})?")
"""A name that may be logged: a feed, a field (``featured_media.id``) or a URL kind."""
OTHER = "other"
"""What a name that is not one of ours is counted as."""
MAX_NAMES = 64
"""Distinct names kept per counter (feeds, fields, URL kinds); the rest count as ``other``."""
MAX_LISTED = 12
"""Fields the line lists, most frequent first; it says how many more there are."""
STATS_PREFIX = "wordpress/fallback"


def _name(value: object, known: Counter[str] | dict[str, Counter[str]]) -> str:
    """``value`` if it is a name we may log and the counter has room for it, else ``other``.

    >>> _name("featured_media.id", {}), _name("\\x1b[31mevil", {}), _name(7, {})
    ('featured_media.id', 'other', 'other')
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        return OTHER
    if value not in known and len(known) >= MAX_NAMES:
        return OTHER
    return value


class Coverage:
    """Counts records by feed and source, the fields rebuilt records miss, and failed URLs.

    >>> cov = Coverage()
    >>> for _ in range(3):
    ...     cov.add("posts", "html", ["featured_media.id"])
    >>> cov.add("posts", "rest", [])
    >>> cov.add("pages", "html", ["date_gmt", "modified_gmt"])
    >>> cov.add("pages", "sitemap", ["date_gmt", "title"])
    >>> cov.add_failed("page")
    >>> print(cov.line())
    Rebuilt without REST: posts 3/4 from html, pages 2/2 (1 from html, 1 from sitemap); null: featured_media.id 3 (posts), date_gmt 2 (pages), modified_gmt 1 (pages), title 1 (pages); failed URLs: 1 (page 1)
    >>> cov.stats()["wordpress/fallback/pages/sitemap"], cov.stats()["wordpress/fallback/missing/date_gmt"]
    (1, 2)
    >>> Coverage().line() is None  # nothing rebuilt, nothing failed: nothing to say
    True
    """

    def __init__(self) -> None:
        self.records: dict[str, Counter[str]] = {}
        """Feed -> source -> records (REST ones included: they make the totals)."""
        self.missing: dict[str, Counter[str]] = {}
        """Field -> feed -> rebuilt records of the feed without it."""
        self.failed: Counter[str] = Counter()
        """URL kind -> URLs lost after retries."""

    def add(self, feed: str, source: str, missing: Iterable[str] = ()) -> None:
        """Count one record of ``feed`` built from ``source``, without the fields ``missing``
        (ignored for REST records, which miss nothing; at most :data:`MAX_NAMES` read)."""
        counts = self.records.get(feed)  # a feed seen before was checked then
        if counts is None:
            feed = _name(feed, self.records)
            counts = self.records.setdefault(feed, Counter())
        if source == REST:
            counts[REST] += 1
            return
        counts[source if source in SOURCES else OTHER] += 1
        if isinstance(missing, str):  # one name, not its letters
            missing = (missing,)
        for n, raw in enumerate(missing):
            if n >= MAX_NAMES:
                break
            self.missing.setdefault(_name(raw, self.missing), Counter())[feed] += 1

    def add_failed(self, url_kind: str) -> None:
        """Count one URL of kind ``url_kind`` (``sitemap``, ``page``, ``feed``...) that failed
        after retries."""
        self.failed[_name(url_kind, self.failed)] += 1

    def rebuilt(self) -> int:
        """Records not built from REST."""
        return sum(n for counts in self.records.values() for s, n in counts.items() if s != REST)

    def stats(self) -> dict[str, int]:
        """``wordpress/fallback/<feed>/<source>`` (records rebuilt without REST),
        ``wordpress/fallback/missing/<field>`` (rebuilt records without it, every feed),
        ``wordpress/fallback/failed/<kind>`` and ``wordpress/fallback/failed`` (URLs lost)."""
        found: dict[str, int] = {}
        for feed, counts in self.records.items():
            for source, n in counts.items():
                if source != REST:
                    found[f"{STATS_PREFIX}/{feed}/{source}"] = n
        for field, feeds in self.missing.items():
            found[f"{STATS_PREFIX}/missing/{field}"] = sum(feeds.values())
        for kind, n in self.failed.items():
            found[f"{STATS_PREFIX}/failed/{kind}"] = n
        if self.failed:
            found[f"{STATS_PREFIX}/failed"] = sum(self.failed.values())
        return found

    def line(self) -> str | None:
        """The closing line; ``None`` when every record came from REST and no URL failed."""
        if not self.rebuilt() and not self.failed:
            return None
        feeds = [_feed_part(feed, counts) for feed, counts in self.records.items()]
        parts = [", ".join(part for part in feeds if part) or "no records"]
        ranked = sorted(self.missing.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        nulls = [_null_part(field, feeds_of) for field, feeds_of in ranked[:MAX_LISTED]]
        if len(ranked) > MAX_LISTED:
            nulls.append(f"and {len(ranked) - MAX_LISTED} more fields")
        parts.append("null: " + (", ".join(nulls) if nulls else "none"))
        failed = sum(self.failed.values())
        kinds = ", ".join(f"{kind} {n}" for kind, n in self.failed.most_common())
        parts.append(f"failed URLs: {failed}" + (f" ({kinds})" if kinds else ""))
        return "Rebuilt without REST: " + "; ".join(parts)


def _feed_part(feed: str, counts: Counter[str]) -> str:
    """``posts 3/4 from html``, or ``pages 2/2 (1 from html, 1 from sitemap)``; empty if every
    record of the feed came from REST."""
    rebuilt = [(source, n) for source, n in counts.most_common() if source != REST]
    if not rebuilt:
        return ""
    done, total = sum(n for _, n in rebuilt), sum(counts.values())
    if len(rebuilt) == 1:
        return f"{feed} {done}/{total} from {rebuilt[0][0]}"
    return f"{feed} {done}/{total} (" + ", ".join(f"{n} from {s}" for s, n in rebuilt) + ")"


def _null_part(field: str, feeds: Counter[str]) -> str:
    """``date_gmt 5 (pages)``, or ``title 7 (posts 5, pages 2)`` over several feeds."""
    if len(feeds) == 1:
        ((feed, n),) = feeds.items()
        return f"{field} {n} ({feed})"
    each = ", ".join(f"{feed} {n}" for feed, n in feeds.most_common())
    return f"{field} {sum(feeds.values())} ({each})"


def feed_of(item_class: type) -> str | None:
    """The feed name a record class counts under (custom types: ``custom-types``, one name for
    every type, so no type name the site chose is logged); ``None`` for what is not a record.

    >>> from crawler.items import EntryItem, PostItem, TombstoneItem
    >>> feed_of(PostItem), feed_of(EntryItem), feed_of(TombstoneItem), feed_of(dict)
    ('posts', 'custom-types', None, None)
    """
    feed = getattr(item_class, "feed", None)
    if isinstance(feed, str) and _NAME.fullmatch(feed):
        return feed
    return None
