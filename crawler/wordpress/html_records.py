"""Records rebuilt without REST: the facts read from pages and the Atom feed, as the same items.

The readers (:mod:`.pages`, :mod:`.archives`, :mod:`.atom`, :mod:`.sitemaps`) say what a page
or a feed shows; this module decides, field by field, which source wins (core markers, then
Atom, then theme markup) and joins what a record links to through :class:`HtmlTables` (terms
by taxonomy and slug or id, authors by archive URL). A field no source gave is null and named
in the record's ``missing``, never filled with a default that reads like data. The content and
excerpt stay raw HTML: the cleaning pipeline turns them into the same ``content_html`` /
``content_text`` / Markdown as a REST record's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from w3lib.url import canonicalize_url

from crawler.cleaning.content import clean_inline_text
from crawler.items import (
    CommentItem,
    EntryItem,
    FeaturedImage,
    MediaItem,
    PageItem,
    PostItem,
    Ref,
    TermItem,
    UserItem,
    entry_class,
    missing_in_order,
)

from .excerpt import auto_excerpt_html, is_auto_excerpt
from .pages import terms_from_classes
from .records import web_url

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from crawler.items import EntryRecord

    from .archives import ArchivePage
    from .atom import FeedEntry
    from .pages import EntryPage, PageComment, PageImage

_ENTRY_FIELDS = (
    "slug", "date_gmt", "modified_gmt", "title", "content_html", "excerpt",
    "comment_status", "comment_count", "author",
)  # fmt: skip
"""Entry fields a page may not show: null then, and named in ``missing``."""
_MEDIA_UNKNOWN = (
    "id", "link", "slug", "date_gmt", "modified_gmt", "title", "mime_type", "media_type",
    "alt_text", "caption", "post", "author", "width", "height", "sizes",
)  # fmt: skip
"""Media fields a page's ``<img>`` may not tell: null (``sizes`` empty) then, in ``missing``."""

SOURCE = "html"
"""The ``source`` of every record built here: each comes from a page the crawl read."""

MAX_TERMS = 200_000
"""Terms and users the tables keep at most (a site's sitemaps could list millions)."""
MAX_FEED_ENTRIES = 200_000
"""Atom entries kept at most (as many as entry URLs, ``WORDPRESS_FALLBACK_MAX_URLS``)."""
MAX_SUMMARY = 8_192
"""Feed summaries longer than this are not kept: ~1.6 GB at most for the table otherwise."""


def url_key(url: str | None) -> str:
    """One spelling of a URL for matching the sitemap, the feed and the page's own links.

    >>> url_key("HTTP://E.com/a/b/?y=2&x=1#c") == url_key("http://e.com/a/b/?x=1&y=2")
    True
    >>> url_key(None)
    ''
    """
    if not url:
        return ""
    try:
        return canonicalize_url(url.strip(), keep_fragments=False)
    except ValueError:
        return url.strip()


def slug_of(url: str | None, post_type: str | None = None) -> str | None:
    """The slug in a record's URL: its last path segment, or ``?<post_type>=slug`` (a custom
    type under plain permalinks); ``None`` for ``?p=N`` / ``?page_id=N`` links, which have none.

    >>> slug_of("https://e.com/2024/01/hello-world/"), slug_of("https://e.com/about/team/")
    ('hello-world', 'team')
    >>> slug_of("https://e.com/?p=12"), slug_of("https://e.com/?event=gala", "event")
    (None, 'gala')
    >>> slug_of("https://e.com/%e6%97%a5%e6%9c%ac/")
    '%e6%97%a5%e6%9c%ac'
    """
    if not url:
        return None
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if post_type and query.get(post_type):
        return query[post_type]
    if parts.query and ("p" in query or "page_id" in query or "attachment_id" in query):
        return None
    segments = [s for s in parts.path.split("/") if s and s != "index.php"]
    return segments[-1].lower() if segments else None


@dataclass
class HtmlTables:
    """What records link to, as the archives and the feed showed it (see the module doc)."""

    terms: dict[tuple[str, str], TermItem] = field(default_factory=dict)
    """Terms by ``(taxonomy, slug)`` and by ``(taxonomy, "#<id>")``."""
    users: dict[str, UserItem] = field(default_factory=dict)
    """Authors by :func:`url_key` of their archive, and by ``"@<slug>"``."""
    feed: dict[str, FeedEntry] = field(default_factory=dict)
    """Atom entries by :func:`url_key` of their permalink."""
    author_uris: dict[str, str | None] = field(default_factory=dict)
    """Authors' websites by display name (Atom ``<author><uri>``; ``None``: the feed shows
    the author without one)."""
    term_uses: Counter[tuple[str, int]] = field(default_factory=Counter)
    """How many exported records carry each term: the term ``count`` after a full crawl."""
    unresolved: Counter[str] = field(default_factory=Counter)
    taxonomy_names: set[str] = field(default_factory=lambda: {"category", "post_tag"})

    def add_term(self, term: TermItem) -> None:
        if len(self.terms) >= MAX_TERMS or term.taxonomy is None:
            return
        self.taxonomy_names.add(term.taxonomy)
        if term.slug:
            self.terms[(term.taxonomy, term.slug)] = term
        self.terms[(term.taxonomy, f"#{term.id}")] = term

    def add_user(self, user: UserItem, archive_url: str) -> None:
        if len(self.users) >= MAX_TERMS:
            return
        self.users[url_key(archive_url)] = user
        if user.slug:
            self.users[f"@{user.slug}"] = user

    def add_feed_entry(self, entry: FeedEntry) -> None:
        """Keep what records need of a feed entry: its dates, counts and (short) summary;
        a summary past :data:`MAX_SUMMARY` is dropped (the excerpt is then rebuilt)."""
        if entry.summary_html is not None and len(entry.summary_html) > MAX_SUMMARY:
            entry = replace(entry, summary_html=None)
        if entry.link and len(self.feed) < MAX_FEED_ENTRIES:
            self.feed[url_key(entry.link)] = entry
        name = entry.author_name
        if name and len(self.author_uris) < MAX_TERMS and self.author_uris.get(name) is None:
            self.author_uris[name] = entry.author_uri

    def term(self, taxonomy: str, value: str) -> Ref | None:
        """The term a post class names: digits are its id (see :func:`.pages.terms_from_classes`)."""
        found = self.terms.get((taxonomy, f"#{value}" if value.isdigit() else value))
        if found is None and value.isdigit():
            found = self.terms.get((taxonomy, value))  # a slug made of digits
        if found is None:
            self.unresolved["terms"] += 1  # as in a REST crawl: the id alone, or nothing
            return Ref(id=int(value)) if value.isdigit() else None
        return Ref(id=found.id, name=found.name, slug=found.slug)

    def author(self, url: str | None) -> Ref | None:
        user = self.users.get(url_key(url)) if url else None
        if user is None and url:
            user = self.users.get(f"@{slug_of(url)}")
        if user is None:
            if url:
                self.unresolved["users"] += 1
            return None
        return Ref(id=user.id, name=user.name, slug=user.slug)

    def taxonomies(self) -> set[str]:
        """The taxonomies whose terms post classes may name: core's, and every one read."""
        return self.taxonomy_names


def term_record(page: ArchivePage, *, site: str, taxonomy: str | None) -> TermItem | None:
    """A term from its archive page; ``None`` without an id (the record would have no key).

    The ``count`` is left null here: :func:`finish_terms` derives it once every record of
    the crawl is known (``missing`` says so when it cannot).
    """
    if page.id is None:
        return None
    taxonomy = page.taxonomy or taxonomy
    missing = ["count"]
    name = clean_inline_text(page.name) if page.name is not None else None
    description = (
        clean_inline_text(page.description_html) if page.description_html is not None else ""
    )
    term = TermItem(
        site=site,
        id=page.id,
        link=web_url(page.url),
        taxonomy=taxonomy,
        name=name,
        slug=page.slug,
        parent=None,
        count=None,
        description=description,
        source=SOURCE,
    )
    if name is None:
        missing.append("name")
    if taxonomy is None:
        missing.append("taxonomy")
    if page.slug is None:
        missing.append("slug")
    if urlsplit(page.url).query and taxonomy != "post_tag":
        missing.append("parent")  # plain permalinks (?cat=3): no path to read a parent from
    term.missing = missing_in_order(type(term), missing)
    return term


def resolve_parents(terms: Sequence[TermItem], parent_slugs: dict[int, str | None]) -> None:
    """Term parents, from the parent slug in each archive's URL path (pretty permalinks)."""
    by_slug = {(t.taxonomy, t.slug): t.id for t in terms if t.slug}
    for term in terms:
        parent_slug = parent_slugs.get(term.id)
        if parent_slug:
            term.parent = by_slug.get((term.taxonomy, parent_slug))
            if term.parent is None and "parent" not in term.missing:
                term.missing = missing_in_order(type(term), [*term.missing, "parent"])


def finish_terms(terms: Iterable[TermItem], uses: Counter[tuple[str, int]], *, full: bool) -> None:
    """Term counts: records carrying each term, when every post type was crawled (``full``)."""
    for term in terms:
        if full and term.taxonomy is not None:
            term.count = uses.get((term.taxonomy, term.id), 0)
            term.missing = [name for name in term.missing if name != "count"]


def user_record(page: ArchivePage, *, site: str, tables: HtmlTables) -> UserItem | None:
    """An author from their archive page; the website comes from the Atom ``<author><uri>``."""
    if page.id is None:
        return None
    name = clean_inline_text(page.name) if page.name is not None else None
    description = (
        clean_inline_text(page.description_html) if page.description_html is not None else ""
    )
    in_feed = page.name is not None and page.name in tables.author_uris
    url = web_url(tables.author_uris[page.name]) if in_feed and page.name else None
    user = UserItem(
        site=site,
        id=page.id,
        link=web_url(page.url),
        name=name,
        slug=page.slug,
        url=url,
        description=description,
        source=SOURCE,
    )
    missing = [] if name is not None else ["name"]
    if not in_feed:  # only Atom shows the website: an author of pages alone has no entry
        missing.append("url")
    user.missing = missing_in_order(type(user), missing)
    return user


@dataclass(frozen=True)
class EntryContext:
    """What an entry's record needs beyond its own page."""

    site: str
    sitemap_type: str | None
    """The post type its sitemap file named (``None`` for Yoast's unknown names)."""
    sticky_ids: frozenset[int]
    lastmod: str | None = None
    """The sitemap's ``lastmod`` (``modified_gmt`` on WordPress 6.5+ and with Yoast)."""


NEXTPAGE = "\n<p><!--nextpage--></p>\n"
"""What separates the parts of a split post in REST's ``content.rendered`` (the cleaner drops
the comment and the paragraph it leaves empty)."""


def joined_content(first: str | None, parts: Sequence[str] | None) -> str | None:
    r"""A split post's whole content, as REST renders it: its first page's content and the
    other parts' in order, each pair separated by :data:`NEXTPAGE`. None when the first part
    is unknown or ``parts`` is None (a part could not be read: the content is not whole).

    >>> joined_content("<p>One</p>\n", ["<p>Two</p>", " <p>Three</p>"])
    '<p>One</p>\n<p><!--nextpage--></p>\n<p>Two</p>\n<p><!--nextpage--></p>\n<p>Three</p>'
    >>> joined_content("<p>One</p>", []), joined_content("<p>One</p>", None)
    ('<p>One</p>', None)
    """
    if first is None or parts is None:
        return None
    if not parts:
        return first
    return NEXTPAGE.join(part.strip() for part in [first, *parts])


def entry_record(
    page: EntryPage,
    comments: Sequence[PageComment],
    context: EntryContext,
    tables: HtmlTables,
    parts: Sequence[str] | None = (),
) -> EntryRecord | None:
    """A post, page or custom type's record from its page, its Atom entry and the tables.

    ``parts``: the content of the other parts of a post split with ``<!--nextpage-->``
    (:attr:`EntryPage.part_links`, in order), joined to the page's as REST joins them; None
    when one could not be read (the content is then null and named in ``missing``: part of
    it would read like all of it). The excerpt comes from the first part, as REST's does.
    """
    post_type = page.post_type or context.sitemap_type
    if page.id is None or post_type is None:
        return None
    link = web_url(page.canonical) or web_url(page.url)
    feed = tables.feed.get(url_key(link)) or tables.feed.get(url_key(page.url))
    missing: list[str] = []
    date_gmt = _utc(feed.published_gmt if feed else None) or _utc(page.date_gmt)
    modified_gmt = (
        _utc(feed.updated_gmt if feed else None) or _utc(page.modified_gmt) or _utc(context.lastmod)
    )
    title = clean_inline_text(page.title) if page.title is not None else None
    if title is None and feed is not None and feed.title is not None and not page.protected:
        title = feed.title
    fields: dict[str, Any] = {
        "site": context.site,
        "id": page.id,
        "link": link,
        "type": post_type,
        "slug": slug_of(link, post_type),
        "status": page.status,
        "date_gmt": date_gmt,
        "modified_gmt": modified_gmt,
        "title": title,
        "content_html": "" if page.protected else joined_content(page.content_html, parts),
        "excerpt": "" if page.protected else _excerpt(page, feed),
        "protected": page.protected,
        "comment_status": _comment_status(page, feed, post_type),
        "source": SOURCE,
    }
    item_class = entry_class(post_type)
    record: EntryRecord
    if item_class is PostItem:
        record = PostItem(**fields, sticky=page.id in context.sticky_ids, format=page.format)
    elif item_class is PageItem:
        record = PageItem(**fields, parent=page.parent, menu_order=None)
        missing.append("menu_order")
    else:
        record = EntryItem(**fields, parent=page.parent, menu_order=None)
        missing.append("menu_order")
    _join(record, page, tables, missing)
    record.comment_count = _comment_count(page, comments, feed)
    optional = [*_ENTRY_FIELDS, *(("format",) if isinstance(record, PostItem) else ())]
    missing += [name for name in optional if getattr(record, name) is None]
    record.missing = missing_in_order(type(record), missing)
    return record


def _join(record: EntryRecord, page: EntryPage, tables: HtmlTables, missing: list[str]) -> None:
    """Author, terms and featured image, as the tables know them."""
    record.author = tables.author(page.author_url)
    terms: dict[str, list[Ref]] = {}
    for taxonomy, values in terms_from_classes(page.classes, tables.taxonomies()).items():
        refs = [ref for value in values if (ref := tables.term(taxonomy, value)) is not None]
        for ref in refs:
            tables.term_uses[(taxonomy, ref.id)] += 1
        terms[taxonomy] = refs  # post_class lists them as REST does (get_the_terms order)
    record.categories = terms.pop("category", [])
    record.tags = terms.pop("post_tag", [])
    record.terms = terms
    image = page.featured
    if image is not None:
        record.featured_media = FeaturedImage(
            id=image.id,
            source_url=web_url(image.source_url),
            alt_text=image.alt_text,
            mime_type=image.mime_type,
            width=image.width,
            height=image.height,
        )
        if image.id is None:
            missing.append("featured_media.id")


def _excerpt(page: EntryPage, feed: FeedEntry | None) -> str | None:
    """REST's ``excerpt.rendered``: the author's own excerpt (the feed's ``<summary>``), or
    WordPress's automatic one rebuilt from the teaser (what REST builds it from; the feed
    builds its own from the whole content, so it differs when there is a more tag)."""
    content = page.content_html
    summary = feed.summary_html if feed is not None else None
    manual = summary is not None and content is not None
    if manual and not is_auto_excerpt(summary or "", content or ""):
        return f"<p>{summary}</p>\n"
    if content is None:
        return None
    return auto_excerpt_html(page.teaser_html if page.teaser_html is not None else content)


def _comment_status(page: EntryPage, feed: FeedEntry | None, post_type: str) -> str | None:
    """``open`` when the page shows the comment form, ``closed`` when it says so.

    Themes show no comment area at all when comments are closed and there are none
    (``comments_open() || get_comments_number()``), and none on a password-protected post:
    then, for posts, the feed's replies link says (present only when comments are open or
    there are some); a page without one is closed. A custom type may not support comments
    at all (REST then has no ``comment_status``), which no page or feed tells apart: null.
    """
    if page.comments_open is not None and not page.protected:
        return "open" if page.comments_open else "closed"
    if post_type == "post" and feed is not None and (feed.comment_count or 0) == 0:
        return "open" if feed.replies_link else "closed"
    if post_type == "page" and not page.protected and not page.comments:
        return "closed"
    return None


def _comment_count(
    page: EntryPage, comments: Sequence[PageComment], feed: FeedEntry | None
) -> int | None:
    """Approved comments shown, over every comment page; the feed's count (which includes
    pingbacks) only where the page hides them (password-protected posts)."""
    if not page.protected:
        return len(comments)
    return feed.comment_count if feed is not None else None


def media_record(image: PageImage, *, site: str) -> MediaItem | None:
    """A media file as a page shows it (a featured or content image): its file, size, alt
    text and caption; the attachment's id when the markup names it (``wp-image-N``), else
    null. What only the media library knows (title, dates, uploader, the post it belongs to,
    other sizes) is null and in ``missing``, and so is what this page did not prove."""
    source_url = web_url(image.source_url)
    if source_url is None:
        return None
    mime = image.mime_type
    record = MediaItem(
        site=site,
        id=image.id,
        source_url=source_url,
        mime_type=mime,
        media_type=("image" if mime.startswith("image/") else "file") if mime else None,
        alt_text=image.alt_text,
        title=None,
        caption=clean_inline_text(image.caption) if image.caption is not None else None,
        width=image.width,
        height=image.height,
        source=SOURCE,
    )
    missing = [name for name in _MEDIA_UNKNOWN if getattr(record, name) in (None, {})]
    record.missing = missing_in_order(MediaItem, missing)
    return record


MAX_PAGE_MEDIA = 201
"""Media records from one page at most: the featured image and :data:`.pages.MAX_IMAGES`."""


def entry_media(page: EntryPage, *, site: str) -> list[MediaItem]:
    """The media files an entry's page shows: the featured image, then the content images
    (``img.wp-image-N``), each file once.

    When the featured image and a content image are the same file they make one record:
    the featured image's values first (WordPress prints its alt text and caption from the
    media library), the content image's for what it lacks (the id: the featured image's
    class seldom names it). Only published pages are read, so each file is one REST shows
    unless it is attached to an unpublished post (which no page tells)."""
    merged: dict[str, PageImage] = {}
    for image in ([page.featured] if page.featured else []) + list(page.content_images):
        url = web_url(image.source_url)
        if url is None:
            continue
        known = merged.get(url)
        merged[url] = image if known is None else _merge_images(known, image)
        if len(merged) >= MAX_PAGE_MEDIA:
            break
    return [record for image in merged.values() if (record := media_record(image, site=site))]


def _merge_images(first: PageImage, second: PageImage) -> PageImage:
    """``first``, with ``second``'s values where ``first`` has none."""
    return replace(
        first,
        **{
            name: getattr(second, name)
            for name in ("id", "width", "height", "alt_text", "mime_type", "caption")
            if getattr(first, name) is None
        },
    )


def comment_records(
    comments: Iterable[PageComment], *, post: int, link: str | None, site: str
) -> list[CommentItem]:
    """The comments of an entry's pages as records (their HTML is cleaned later)."""
    records = []
    for comment in comments:
        record = CommentItem(
            site=site,
            id=comment.id,
            link=f"{link}#comment-{comment.id}" if link else None,
            post=post,
            parent=comment.parent,
            author_name=(
                clean_inline_text(comment.author_name) if comment.author_name is not None else None
            ),
            date_gmt=_utc(comment.date_gmt),
            content_html=comment.content_html,
            source=SOURCE,
        )
        missing = [name for name in ("author_name", "date_gmt") if getattr(record, name) is None]
        record.missing = missing_in_order(type(record), missing)
        records.append(record)
    return records


def _utc(value: str | None) -> str | None:
    """A reader's UTC time (``YYYY-MM-DDTHH:MM:SS``) in the records' spelling, with ``Z``.

    >>> _utc("2024-01-02T03:04:05"), _utc(None), _utc("2024-01-02T03:04:05Z")
    ('2024-01-02T03:04:05Z', None, '2024-01-02T03:04:05Z')
    """
    if not value:
        return None
    return value if value.endswith("Z") else f"{value}Z"
