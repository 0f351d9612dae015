"""One WordPress entry (post, page, custom type) read from its HTML page, for sites whose
REST API is blocked.

Only markers that WordPress core prints are read, never generic extraction: the shortlink
``?p=ID``, the alternate-JSON ``Link`` (``…/wp/v2/<base>/ID``), ``body_class()`` (``postid-N``,
``page-id-N``, ``parent-pageid-N``), ``post_class()`` (``type-X``, ``status-X``, ``format-X``,
``category-<slug>``, ``tag-<slug>``, ``post-password-required``), ``.entry-content``,
``img.wp-post-image`` (the featured image), ``img.wp-image-N`` (the media library's images in
the content), ``rel="author"``/``rel="tag"`` links and the comment list
(``li#comment-N``, ``.fn``, ``time[datetime]``, ``.comment-content``). Theme markup
(``h1.entry-title``, ``time.published``) and SEO-plugin metadata (JSON-LD, OpenGraph) only
fill what core does not print. Sites are hostile: input is capped, lists are bounded, junk
gives ``None`` or empty facts, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import SequenceMatcher
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from .discovery import link_header_targets
from .records import web_url
from .seo import MAX_SCRIPTS, SeoDates, jsonld_dates, opengraph_dates, seo_dates

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "MAX_HTML_CHARS",
    "MAX_IMAGES",
    "MAX_PARTS",
    "EntryPage",
    "PageComment",
    "PageImage",
    "read_comment_page",
    "read_entry_page",
    "read_entry_part",
    "terms_from_classes",
]

MAX_HTML_CHARS = 4 * 1024 * 1024
"""Only this much of a page is parsed: WordPress pages are tens of KB."""

MAX_COMMENTS = 5000
"""Comments read from one page at most (``comments_per_page`` is 50 by default)."""

MAX_LINKS = 1000
"""Term links, comment page links and candidate elements read from one page at most."""

MAX_TEXT = 2000
"""Titles and names longer than this are cut: they reach feeds and logs."""

MAX_IMAGES = 200
"""Content images read from one entry's page at most."""

MAX_PARTS = 100
"""Parts of a post split with ``<!--nextpage-->`` followed at most (its first page included)."""

_PAGE_LINKS_CLASSES = ("page-links", "post-nav-links")
"""The container ``wp_link_pages()`` prints: core's default ``<p class="post-nav-links">``,
the themes' ``<nav class="page-links">`` / ``<div class="page-links">``."""
_PAGE_NUMBER_CLASS = "post-page-numbers"
"""The class of each link (and of the current page's ``<span>``) it prints since WordPress 5.1."""

_MIME_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "svg": "image/svg+xml",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "ico": "image/x-icon",
    "heic": "image/heic",
}

_ID_CLASS = re.compile(r"(?:postid|page-id)-(\d{1,18})")
_POST_CLASS = re.compile(r"post-(\d{1,18})")
_COMMENT_ID = re.compile(r"comment-(\d{1,18})")
_WP_IMAGE = re.compile(r"wp-image-(\d{1,18})")
_SIZE_SUFFIX = re.compile(r"-\d{1,5}x\d{1,5}(?=\.[A-Za-z0-9]{2,5}$)")
_REST_ROUTE = re.compile(
    r"/wp/v2/(?:sites/[^/?#]+/)?([a-z0-9_-]{1,100})/(\d{1,18})/?$", re.IGNORECASE
)
_COMMENT_PAGE = re.compile(r"^(.*?/)comment-page-(\d{1,9})/?$")
_DIGITS = re.compile(r"[0-9]{1,18}")
_SPACES = re.compile(r"\s+")
_TITLE_SEPARATORS = ("–", "—", "|", "-", "·", "•", "»", "::")


@dataclass(frozen=True)
class PageComment:
    """One approved comment as the entry's page shows it."""

    id: int
    parent: int | None  # None for a top-level comment (as the REST record's parent)
    author_name: str | None  # plain text
    date_gmt: str | None  # "YYYY-MM-DDTHH:MM:SS" in UTC (the REST spelling of date_gmt)
    content_html: str  # inner HTML of .comment-content, as the page has it


@dataclass(frozen=True)
class PageImage:
    """An image of the media library as a page shows it: the featured image
    (``img.wp-post-image``) or a content image (``img.wp-image-N``), full size when the srcset
    names it."""

    id: int | None  # only when the markup names it (wp-image-N, or a content twin of the file)
    source_url: str | None  # the full-size file: the srcset candidate without -WxH, else src
    width: int | None
    height: int | None
    alt_text: str | None
    mime_type: str | None  # from the file extension
    caption: str | None = None  # the figcaption's text, when the image is in a <figure>


@dataclass(frozen=True)
class EntryPage:
    """The facts one entry's page shows. See :func:`read_entry_page`."""

    url: str
    id: int | None
    post_type: str | None
    rest_base_hint: str | None
    status: str | None
    format: str | None
    protected: bool
    parent: int | None
    title: str | None
    content_html: str | None
    teaser_html: str | None
    date_gmt: str | None
    modified_gmt: str | None
    author_url: str | None
    author_name: str | None
    classes: tuple[str, ...]
    term_links: tuple[tuple[str, str], ...]
    featured: PageImage | None
    comments_open: bool | None
    comments: tuple[PageComment, ...]
    comment_pages: tuple[str, ...]
    shortlink: str | None
    canonical: str | None
    content_images: tuple[PageImage, ...] = ()
    """``img.wp-image-N`` of ``.entry-content`` whose full-size file the markup proves, in
    page order, each file once (at most :data:`MAX_IMAGES`)."""
    seo_fields: tuple[str, ...] = ()
    """``date_gmt`` / ``modified_gmt`` when they come from SEO-plugin metadata (JSON-LD,
    OpenGraph: :mod:`.seo`) rather than the theme's markup: their provenance."""
    part_links: tuple[str, ...] = ()
    """A post split with ``<!--nextpage-->`` shows its first part only: the URLs of the other
    parts (``…/2/``, ``?p=ID&page=2``), from ``wp_link_pages()``'s navigation, in order, on
    the page's host, each once (at most :data:`MAX_PARTS` - 1). ``content_html`` is this part
    without that navigation; :func:`read_entry_part` reads the others."""


# ----------------------------------------------------------------------------- parsing


def parse_document(html: str) -> etree._Element | None:
    """The page's element tree (first :data:`MAX_HTML_CHARS` only), or None for junk.

    >>> parse_document("<html><body><p>x</p></body></html>").tag
    'html'
    >>> parse_document(" ") is None
    True
    """
    if not html or not html.strip():
        return None
    data = html[:MAX_HTML_CHARS].encode("utf-8", "replace")
    parser = lxml_html.HTMLParser(encoding="utf-8", no_network=True)
    try:
        root: etree._Element | None = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


def classes_of(el: etree._Element | None) -> tuple[str, ...]:
    """The lower-case class tokens of ``el`` (at most :data:`MAX_LINKS`)."""
    if el is None:
        return ()
    return tuple(str(el.get("class") or "").lower().split()[:MAX_LINKS])


def id_after(cls: str, prefix: str) -> int | None:
    """The positive id in a class such as ``page-id-12`` after ``prefix``, else None.

    >>> id_after("page-id-12", "page-id-"), id_after("page-id-²", "page-id-"), id_after("page-id-" + "9" * 5000, "page-id-")
    (12, None, None)
    """
    rest = cls[len(prefix) :] if cls.startswith(prefix) else ""
    return int(rest) or None if _DIGITS.fullmatch(rest) else None


def has_class(name: str) -> str:
    """An XPath predicate body: the element has class token ``name``."""
    # The plain contains() first: it rejects most elements without building strings.
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"


def first(root: etree._Element, path: str) -> etree._Element | None:
    """The first element ``path`` finds under ``root``, or None."""
    for found in _elements(root, path, 1):
        return found
    return None


def _elements(
    root: etree._Element, path: str, limit: int = MAX_COMMENTS
) -> Iterator[etree._Element]:
    """The elements ``path`` finds, the first ``limit`` only (libxml2 stops there)."""
    found = root.xpath(f"({path})[position() <= {limit}]")
    if isinstance(found, list):
        for item in found:
            if isinstance(item, etree._Element) and isinstance(item.tag, str):
                yield item


def plain_text(el: etree._Element | None) -> str | None:
    """Text of ``el``, whitespace collapsed, None when empty (entities are already decoded)."""
    if el is None:
        return None
    text = _SPACES.sub(" ", "".join(el.itertext())).strip()
    return text[:MAX_TEXT] or None


def inner_html(el: etree._Element) -> str:
    """The HTML inside ``el``, re-serialized by lxml (same markup, not the same bytes)."""
    parts = [escape(el.text, quote=False)] if el.text else []
    parts.extend(
        etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in el
    )
    return "".join(parts)


def absolute(href: str | None, base: str) -> str | None:
    """``href`` resolved against ``base``, if that is an ``http(s)`` URL."""
    if not href:
        return None
    try:
        return web_url(urljoin(base, href.strip()))
    except ValueError:
        return None


def base_url(root: etree._Element, url: str) -> str:
    """The page's ``<base href>`` if it has one, else its URL."""
    base = first(root, "//base[@href]")
    return absolute(base.get("href"), url) or url if base is not None else url


def head_links(root: etree._Element, rel: str) -> list[etree._Element]:
    """``<link>`` elements whose ``rel`` has the token ``rel``."""
    rel = rel.lower()
    return [
        el for el in _elements(root, "//link[@rel]") if rel in str(el.get("rel")).lower().split()
    ]


def header_targets(link_headers: Sequence[str], rel: str) -> list[str]:
    """Targets of ``Link`` header values with relation ``rel`` (never raises)."""
    try:
        return link_header_targets(list(link_headers)[:50], rel)
    except (TypeError, ValueError):
        return []


def rest_target(href: str) -> tuple[str, int] | None:
    """(rest base, id) of an alternate-JSON URL, in either REST URL spelling.

    >>> rest_target("https://e.com/wp-json/wp/v2/posts/20")
    ('posts', 20)
    >>> rest_target("https://e.com/index.php?rest_route=%2Fwp%2Fv2%2Fevents%2F597")
    ('events', 597)
    >>> rest_target("https://public-api.wordpress.com/wp/v2/sites/123/posts/5")
    ('posts', 5)
    >>> rest_target("https://e.com/wp-json/wp/v2/posts") is None
    True
    """
    try:
        parts = urlsplit(href)
        routes = parse_qs(parts.query).get("rest_route") or [unquote(parts.path)]
    except ValueError:
        return None
    match = _REST_ROUTE.search(routes[0])
    return (match.group(1).lower(), int(match.group(2))) if match else None


def json_links(
    root: etree._Element, link_headers: Sequence[str], base: str
) -> list[tuple[str, int]]:
    """(rest base, id) of the alternate-JSON links: the header first, then the ``<link>`` tag."""
    hrefs = header_targets(link_headers, "alternate")
    hrefs += [
        str(el.get("href") or "")
        for el in head_links(root, "alternate")
        if "json" in str(el.get("type"))
    ]
    found = []
    for href in hrefs:
        target = rest_target(absolute(href, base) or "")
        if target:
            found.append(target)
    return found


def utc_text(value: str | None) -> str | None:
    """A W3C date-time with an offset, in UTC, spelled as REST's ``date_gmt``; None otherwise.

    >>> utc_text("2019-01-05T20:37:19+01:00"), utc_text("2019-01-05T19:37:19Z")
    ('2019-01-05T19:37:19', '2019-01-05T19:37:19')
    >>> utc_text("2019-01-05T20:37:19"), utc_text("January 5"), utc_text("0001-01-01T00:00:00+01:00")
    (None, None, None)
    """
    if not value or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:  # a time without an offset is local time: unknown zone
            return None
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (ValueError, OverflowError):
        return None


def site_name(root: etree._Element) -> str | None:
    """The site's name, from the title of its posts feed link ("Example News » Feed")."""
    for el in head_links(root, "alternate"):
        title = str(el.get("title") or "")
        if "rss" in str(el.get("type")) and "»" in title:
            return title.split("»", maxsplit=1)[0].strip() or None
    return None


def document_title(root: etree._Element) -> str | None:
    """``<title>`` without the " – Site name" WordPress appends (``wp_get_document_title``).

    >>> document_title(parse_document('<title>France &#8211; Example News</title><link rel="alternate"'
    ...     ' type="application/rss+xml" title="Example News &raquo; Feed" href="/feed/">'))
    'France'
    """
    text = plain_text(first(root, "//title"))
    name = site_name(root)
    if not text or not name:
        return text
    for separator in _TITLE_SEPARATORS:
        tail = f" {separator} {name}"
        if text.endswith(tail) and len(text) > len(tail):
            return text[: -len(tail)].strip() or None
    return text


# ----------------------------------------------------------------------------- terms


def terms_from_classes(classes: Iterable[str], taxonomies: Iterable[str]) -> dict[str, list[str]]:
    """``post_class()`` term classes by taxonomy (``category-news`` → ``{"category": ["news"]}``).

    The class prefix of ``post_tag`` is ``tag``. A value of digits is the term *id*:
    ``sanitize_html_class()`` strips ``%xx`` octets, so a non-ASCII or numeric slug is printed
    as the id. The longest taxonomy prefix wins.

    >>> terms_from_classes(["post-7", "type-post", "category-news", "tag-city", "tag-56"],
    ...                    ["category", "post_tag"])
    {'category': ['news'], 'post_tag': ['city', '56']}
    >>> terms_from_classes(["event-type-gala", "event-x"], ["event", "event-type"])
    {'event-type': ['gala'], 'event': ['x']}
    >>> terms_from_classes(["venue-258", "hentry"], ["venue", "category"])
    {'venue': ['258']}
    """
    prefixes = sorted(
        (
            (("tag" if tax == "post_tag" else tax.lower()) + "-", tax)
            for tax in list(taxonomies)[:MAX_LINKS]
        ),
        key=lambda pair: -len(pair[0]),
    )
    found: dict[str, list[str]] = {}
    for cls in list(classes)[:MAX_LINKS]:
        value = str(cls).lower()
        for prefix, taxonomy in prefixes:
            if value.startswith(prefix) and len(value) > len(prefix):
                terms = found.setdefault(taxonomy, [])
                if value[len(prefix) :] not in terms:
                    terms.append(value[len(prefix) :])
                break
    return found


# ----------------------------------------------------------------------------- entry


def read_entry_page(html: str, url: str, link_headers: Sequence[str] = ()) -> EntryPage | None:
    """The entry a single post/page/custom-type page shows; None when the page is not a single
    entry (an archive, the home page of posts, a 404) or is junk."""
    root = parse_document(html)
    if root is None or not url:
        return None
    body = first(root, "//body")
    body_classes = classes_of(body)
    if "error404" in body_classes or "archive" in body_classes or "blog" in body_classes:
        return None
    base = base_url(root, url)
    shortlink, short_id = _shortlink(root, link_headers, base)
    rest = json_links(root, link_headers, base)
    body_id = next((int(m.group(1)) for c in body_classes if (m := _ID_CLASS.fullmatch(c))), None)
    singular = body_id is not None or {"single", "page", "singular"} & set(body_classes)
    if not singular and short_id is None:
        return None
    entry = _entry_element(root, short_id or (rest[0][1] if rest else None) or body_id)
    classes = classes_of(entry)
    article_id = next((int(m.group(1)) for c in classes if (m := _POST_CLASS.fullmatch(c))), None)
    post_id = short_id or (rest[0][1] if rest else None) or body_id or article_id
    scope = entry if entry is not None else root
    protected = "post-password-required" in classes
    content = first(scope, f".//*[{has_class('entry-content')}]")
    canonical = canonical_of(root, base)
    part_links: tuple[str, ...] = ()
    if content is not None and not protected:
        part_links = _part_links(_drop_page_links(content), base, (url, canonical))
    content_html = inner_html(content) if content is not None and not protected else None
    comments = tuple(_comments(root))
    metadata = _seo_dates(root, [u for u in (canonical, url) if u])
    date_gmt, seo_date = _date(scope, root, metadata, published=True)
    modified_gmt, seo_modified = _date(scope, root, metadata, published=False)
    images = _content_images(content, base) if content is not None and not protected else ()
    featured = None if protected else _featured(scope, base, images)
    return EntryPage(
        url=url,
        id=post_id,
        post_type=_post_type(classes, body_classes),
        rest_base_hint=rest[0][0] if rest else None,
        status=_prefixed(classes, "status-"),
        format=_prefixed(classes, "format-"),
        protected=protected,
        parent=next((n for c in body_classes if (n := id_after(c, "parent-pageid-"))), None),
        title=_title(root, scope, protected),
        content_html=content_html,
        teaser_html=_teaser(content_html),
        date_gmt=date_gmt,
        modified_gmt=modified_gmt,
        author_url=_author_url(root, scope, base),
        author_name=_author_name(root, scope),
        classes=classes,
        term_links=_term_links(scope, base),
        featured=featured,
        comments_open=_comments_open(root),
        comments=comments,
        comment_pages=_comment_pages(root, canonical or url, base, (c.id for c in comments)),
        shortlink=shortlink,
        canonical=canonical,
        content_images=images,
        seo_fields=tuple(
            name for name, seo in (("date_gmt", seo_date), ("modified_gmt", seo_modified)) if seo
        ),
        part_links=part_links,
    )


def read_entry_part(html: str, url: str) -> str | None:
    """The content of one more part of a post split with ``<!--nextpage-->`` (``…/2/``): the
    inner HTML of its ``.entry-content`` without the page navigation; None when the page
    shows no such content (junk, an archive, a password form). Its comments are those of the
    first page again: they are not read here.

    >>> read_entry_part('<body class="single postid-7"><article class="post-7 type-post">'
    ...     '<div class="entry-content"><p>Two</p><nav class="page-links"><a href="/p/"'
    ...     ' class="post-page-numbers">Page 1</a></nav></div></article>', "https://e.com/p/2/")
    '<p>Two</p>'
    >>> read_entry_part("<p>no entry here</p>", "https://e.com/p/2/") is None
    True
    """
    root = parse_document(html)
    if root is None or not url:
        return None
    entry = _entry_element(root, None)
    if "post-password-required" in classes_of(entry):
        return None
    content = first(entry if entry is not None else root, f".//*[{has_class('entry-content')}]")
    if content is None:
        return None
    _drop_page_links(content)
    return inner_html(content)


def canonical_of(root: etree._Element, base: str) -> str | None:
    """The page's ``<link rel="canonical">``, absolute."""
    return next((absolute(el.get("href"), base) for el in head_links(root, "canonical")), None)


def _drop_page_links(content: etree._Element) -> list[etree._Element]:
    """Remove ``wp_link_pages()``'s navigation from ``.entry-content`` (REST's content has no
    such navigation) and return it: the elements with its container class that hold page
    links, else the smallest element around every ``.post-page-numbers`` (a theme's own
    ``before``/``after`` markup)."""
    found = [
        el
        for name in _PAGE_LINKS_CLASSES
        for el in _elements(content, f".//*[{has_class(name)}]", MAX_LINKS)
        if first(el, ".//a[@href]") is not None
    ]
    if not found:
        numbers = list(_elements(content, f".//*[{has_class(_PAGE_NUMBER_CLASS)}]", MAX_LINKS))
        around = numbers[0].getparent() if numbers else None
        depth = 0
        while around is not None and around is not content and depth < 20:
            if all(_inside(number, around) for number in numbers):
                found = [around]
                break
            around, depth = around.getparent(), depth + 1
    dropped = [
        el for el in found if not any(_inside(el, other) for other in found if other is not el)
    ]
    for el in dropped:
        _remove(el)
    return dropped


def _part_links(
    navigation: Sequence[etree._Element], base: str, here: Sequence[str | None]
) -> tuple[str, ...]:
    """The other parts' URLs the navigation links to: on the page's host, in order, each once,
    the page itself (part 1, also under its canonical URL) left out.

    >>> nav = parse_document('<nav class="page-links"><span>Page 1</span> <a href="/p/2/">2</a>'
    ...     ' <a href="/p/3/#x">3</a> <a href="/p/2/">2</a> <a href="https://x.org/p/4/">4</a>'
    ...     ' <a href="/p/">1</a></nav>')
    >>> _part_links([first(nav, "//nav")], "https://e.com/p/", ["https://e.com/p/"])
    ('https://e.com/p/2/', 'https://e.com/p/3/')
    >>> nav = parse_document('<p class="post-nav-links"><a href="/?p=5&#038;page=2">2</a></p>')
    >>> _part_links([first(nav, "//p")], "https://e.com/?p=5", ["https://e.com/?p=5"])
    ('https://e.com/?p=5&page=2',)
    """
    host = urlsplit(base).netloc.lower()
    seen = {_same_page(link) for link in here if link}
    links: list[str] = []
    for nav in navigation:
        for el in _elements(nav, ".//a[@href]", MAX_LINKS):
            link = absolute(el.get("href"), base)
            if not link or urlsplit(link).netloc.lower() != host:
                continue
            link = link.partition("#")[0]
            if _same_page(link) not in seen:
                seen.add(_same_page(link))
                links.append(link)
            if len(links) >= MAX_PARTS - 1:
                return tuple(links)
    return tuple(links)


def _same_page(url: str) -> str:
    """``url`` compared as a page: without fragment and trailing slash, host in lower case."""
    parts = urlsplit(url.partition("#")[0])
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    """Whether ``el`` is ``ancestor`` or below it (bounded walk)."""
    node: etree._Element | None = el
    depth = 0
    while node is not None and depth < 1000:
        if node is ancestor:
            return True
        node, depth = node.getparent(), depth + 1
    return False


def _remove(el: etree._Element) -> None:
    """Take ``el`` out of the tree, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def read_comment_page(html: str, url: str) -> tuple[tuple[PageComment, ...], tuple[str, ...]]:
    """A ``comment-page-N`` page: its comments and the comment page links it shows."""
    root = parse_document(html)
    if root is None or not url:
        return (), ()
    base = base_url(root, url)
    comments = tuple(_comments(root))
    return comments, _comment_pages(root, url, base, (c.id for c in comments))


def _shortlink(
    root: etree._Element, link_headers: Sequence[str], base: str
) -> tuple[str | None, int | None]:
    hrefs = header_targets(link_headers, "shortlink") + [
        str(el.get("href")) for el in head_links(root, "shortlink")
    ]
    links = [link for link in (absolute(href, base) for href in hrefs) if link]
    for link in links:
        try:
            query = parse_qs(urlsplit(link).query)
        except ValueError:
            continue
        for key in ("p", "page_id"):
            value = (query.get(key) or [""])[0]
            if _DIGITS.fullmatch(value) and int(value) > 0:
                return link, int(value)
    return (links[0] if links else None), None


def _entry_element(root: etree._Element, post_id: int | None) -> etree._Element | None:
    """The element that carries the entry's ``post_class()``: ``post-N`` and ``type-X``."""
    candidates = []
    for el in _elements(root, f"//body//*[{has_class('hentry')} or contains(@class, 'type-')]"):
        classes = classes_of(el)
        if any(c.startswith("type-") for c in classes) and any(
            _POST_CLASS.fullmatch(c) for c in classes
        ):
            if post_id is not None and f"post-{post_id}" in classes:
                return el
            candidates.append(el)
        if len(candidates) >= MAX_LINKS:
            break
    return candidates[0] if candidates else None


def _prefixed(classes: Sequence[str], prefix: str) -> str | None:
    return next(
        (c[len(prefix) :] for c in classes if c.startswith(prefix) and len(c) > len(prefix)), None
    )


def _post_type(classes: Sequence[str], body_classes: Sequence[str]) -> str | None:
    found = _prefixed(classes, "type-")
    if found:
        return found
    for cls in body_classes:
        if cls.startswith("single-") and not cls.startswith("single-format-") and len(cls) > 7:
            return cls[7:]
    return (
        "page"
        if "page" in body_classes and any(c.startswith("page-id-") for c in body_classes)
        else None
    )


def _title(root: etree._Element, scope: etree._Element, protected: bool) -> str | None:
    heading = plain_text(first(scope, f".//*[{has_class('entry-title')}]"))
    if not protected:
        return heading or document_title(root)
    # "Protected: Title" in the heading, the title alone in <title> (single_post_title).
    document = document_title(root)
    if heading and document:
        for start in [0] + [m.end() for m in re.finditer(r":\s", heading)]:
            if heading[start:] == document:
                return document
    return document or heading


def _teaser(content_html: str | None) -> str | None:
    if not content_html:
        return None
    match = re.search(r"<span id=\"?more-\d+\"?>\s*</span>", content_html)
    if not match:
        return None
    return re.sub(r"<p>\s*$", "", content_html[: match.start()])


def _date(
    scope: etree._Element, root: etree._Element, metadata: SeoDates, *, published: bool
) -> tuple[str | None, bool]:
    """The theme's ``<time>`` (published; ``time.updated`` when it differs, for modified),
    else SEO metadata; and whether SEO metadata gave it."""
    times = [el for el in _elements(scope, ".//time[@datetime]") if not _in_comment(el)]
    if published:
        chosen = next((el for el in times if "published" in classes_of(el)), None)
        if chosen is None:
            chosen = next((el for el in times if "entry-date" in classes_of(el)), None)
        if chosen is None and scope is not root:
            chosen = times[0] if times else None
        found = utc_text(chosen.get("datetime")) if chosen is not None else None
        return (found, False) if found else (metadata.published, metadata.published is not None)
    published_at = next(
        (utc_text(el.get("datetime")) for el in times if "published" in classes_of(el)), None
    )
    for el in times:
        classes = classes_of(el)
        if "updated" in classes and "published" not in classes:
            value = utc_text(el.get("datetime"))
            if value and value != published_at:
                return value, False
    return metadata.modified, metadata.modified is not None


def _seo_dates(root: etree._Element, page_urls: Sequence[str]) -> SeoDates:
    """SEO-plugin dates of this page: JSON-LD first, then OpenGraph (see :mod:`.seo`)."""
    scripts = [
        script.text or ""
        for script in _elements(root, "//script[@type='application/ld+json']", MAX_SCRIPTS)
    ]
    properties = [
        (str(el.get("property")), str(el.get("content") or ""))
        for el in _elements(root, "//meta[@property]", MAX_LINKS)
    ]
    return seo_dates(jsonld_dates(scripts, page_urls), opengraph_dates(properties, page_urls))


def _in_comment(el: etree._Element) -> bool:
    """Whether ``el`` is inside a comment (``#comment-N``) or the comments area."""
    parent, depth = el.getparent(), 0
    while parent is not None and depth < 1000:
        ident = str(parent.get("id") or "")
        if ident == "comments" or _COMMENT_ID.fullmatch(ident):
            return True
        parent, depth = parent.getparent(), depth + 1
    return False


def _author_links(root: etree._Element, scope: etree._Element) -> list[etree._Element]:
    links = [
        el
        for el in _elements(scope, ".//a[@rel]")
        if "author" in str(el.get("rel")).lower().split() and not _in_comment(el)
    ]
    if links or scope is root:
        return links
    return [
        el
        for el in _elements(root, "//a[@rel]")
        if "author" in str(el.get("rel")).lower().split() and not _in_comment(el)
    ]


def _author_url(root: etree._Element, scope: etree._Element, base: str) -> str | None:
    return next(
        (url for el in _author_links(root, scope) if (url := absolute(el.get("href"), base))), None
    )


def _author_name(root: etree._Element, scope: etree._Element) -> str | None:
    """The author's display name: ``.vcard .fn``/``.author-name``, else what the author title
    ("By Name") and the author link ("View all of Name's posts") share, else the link's text."""
    for path in (
        f".//*[{has_class('byline')} or {has_class('author')}]//*[{has_class('fn')}]",
        f".//*[{has_class('author-name')}]",
    ):
        for el in _elements(scope, path):
            if not _in_comment(el) and (name := plain_text(el)):
                return name
    links = _author_links(root, scope)
    link_text = plain_text(links[0]) if links else None
    title = plain_text(first(scope, f".//*[{has_class('author-title')}]"))
    if link_text and title:
        a, b = link_text[:MAX_TEXT], title[:MAX_TEXT]
        match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
        shared = a[match.a : match.a + match.size].strip(" '’\"")
        if len(shared) >= 2:
            return shared
    return link_text


def _term_links(scope: etree._Element, base: str) -> tuple[tuple[str, str], ...]:
    links = []
    for el in _elements(scope, ".//a[@rel]"):
        rels = str(el.get("rel")).lower().split()
        if ("tag" in rels or "category" in rels) and (href := absolute(el.get("href"), base)):
            pair = (href, plain_text(el) or "")
            if pair not in links:
                links.append(pair)
        if len(links) >= MAX_LINKS:
            break
    return tuple(links)


def _featured(
    scope: etree._Element, base: str, content_images: Sequence[PageImage] = ()
) -> PageImage | None:
    img = first(scope, f".//img[{has_class('wp-post-image')}]")
    if img is None:
        return None
    src = absolute(img.get("src") or img.get("data-src"), base)
    width, height = _int(img.get("width")), _int(img.get("height"))
    source_url, full_width = src, width
    srcset = _srcset(img.get("srcset") or img.get("data-srcset"), base)
    for candidate, descriptor in srcset:
        if not _SIZE_SUFFIX.search(urlsplit(candidate).path):
            source_url = candidate
            full_width = _int(descriptor[:-1]) if descriptor.endswith("w") else full_width
            break
    if source_url != src:
        # A smaller size is shown: the full height only when its sizes prove it.
        sizes = [size for url, _ in srcset if (size := _size_of(url))]
        height = _full_height(full_width, sizes) if full_width else None
    image_id = _wp_image_id(img)
    if image_id is None and source_url:
        # The same file in the content, where the editor names its attachment (wp-image-N).
        image_id = next(
            (image.id for image in content_images if image.source_url == source_url), None
        )
    return PageImage(
        id=image_id,
        source_url=source_url,
        width=full_width,
        height=height,
        alt_text=img.get("alt"),
        mime_type=_mime_type(source_url),
        caption=_caption(img),
    )


def _wp_image_id(img: etree._Element) -> int | None:
    """The attachment id the editor wrote into the image's class (``wp-image-N``)."""
    return next((int(m.group(1)) for c in classes_of(img) if (m := _WP_IMAGE.fullmatch(c))), None)


def _content_images(content: etree._Element, base: str) -> tuple[PageImage, ...]:
    """The attachments ``.entry-content`` shows (``img.wp-image-N``, in a block or classic
    ``<figure>`` or not), each file once, when the markup proves the full-size file."""
    found: dict[str, PageImage] = {}
    for img in _elements(content, ".//img[contains(@class, 'wp-image-')]", MAX_IMAGES * 2):
        image = _content_image(img, base)
        if image is not None and image.source_url and image.source_url not in found:
            found[image.source_url] = image
        if len(found) >= MAX_IMAGES:
            break
    return tuple(found.values())


def _content_image(img: etree._Element, base: str) -> PageImage | None:
    """One content image: its attachment id, and its full-size file.

    The file is the ``src`` when that has no ``-WxH`` size suffix, else the srcset candidate
    that is the same file without the suffix (or its ``-scaled``/``-rotated`` copy, which is
    what WordPress serves as the full size of a large upload); without one the full file is
    unknown and the image is skipped. The width is the full file's ``w`` descriptor; the
    height is the ``height`` attribute of a full-size ``<img>``, or the one full height that
    every ``-WxH`` size of the srcset is a rounding of (:func:`_full_height`).
    """
    image_id = _wp_image_id(img)
    src = absolute(img.get("src") or img.get("data-src"), base)
    if image_id is None or src is None:
        return None
    src_path = urlsplit(src).path
    candidates = _srcset(img.get("srcset") or img.get("data-srcset"), base)
    source_url, width = None, None
    if not _SIZE_SUFFIX.search(src_path):
        source_url = src
    for candidate, descriptor in candidates:
        path = urlsplit(candidate).path
        if _is_full_of(path, src_path) and (source_url is None or candidate == source_url):
            source_url = candidate
            width = _int(descriptor[:-1]) if descriptor.endswith("w") else None
            break
    if source_url is None:
        return None
    height = None
    if width is not None:
        if source_url == src and _int(img.get("width")) == width:
            height = _int(img.get("height"))
        else:
            sizes = [size for url, _ in candidates if (size := _size_of(url))]
            height = _full_height(width, sizes)
    return PageImage(
        id=image_id,
        source_url=source_url,
        width=width,
        height=height,
        alt_text=img.get("alt"),
        mime_type=_mime_type(source_url),
        caption=_caption(img),
    )


def _is_full_of(full_path: str, src_path: str) -> bool:
    """Whether ``full_path`` is the full-size file of which ``src_path`` is a size.

    >>> _is_full_of("/u/a.jpg", "/u/a-300x188.jpg"), _is_full_of("/u/a-scaled.jpg", "/u/a-300x188.jpg")
    (True, True)
    >>> _is_full_of("/u/b.jpg", "/u/a-300x188.jpg"), _is_full_of("/u/a-300x188.jpg", "/u/a-300x188.jpg")
    (False, False)
    """
    if _SIZE_SUFFIX.search(full_path):
        return False
    stem = _SIZE_SUFFIX.sub("", src_path)
    if full_path == stem:
        return True
    root, dot, extension = stem.rpartition(".")
    return bool(dot) and full_path in (f"{root}-scaled.{extension}", f"{root}-rotated.{extension}")


def _size_of(url: str) -> tuple[int, int] | None:
    """(width, height) that a ``-WxH`` file name says."""
    match = _SIZE_SUFFIX.search(urlsplit(url).path)
    if not match:
        return None
    width, _, height = match.group(0)[1:].partition("x")
    return int(width), int(height)


def _full_height(full_width: int, sizes: Sequence[tuple[int, int]]) -> int | None:
    """The full height every size is a rounding of, when only one is (else None).

    WordPress scales a size from the full file (``wp_constrain_dimensions``): limited by
    width, ``h = round(H * w / W)``; limited by height, ``w = round(W * h / H)``. One size
    of 300x188 from a 400-wide file fits H = 250 and 251; more sizes may leave one.

    >>> _full_height(400, [(300, 188)]) is None
    True
    >>> _full_height(1600, [(300, 188), (768, 480), (1024, 640), (1536, 960)])
    1000
    >>> _full_height(400, []) is None
    True
    """
    possible: set[int] | None = None
    for w, h in list(sizes)[:50]:
        if not 0 < w < full_width or h <= 0:
            continue
        centre = h * full_width / w
        low, high = max(1, int(centre - full_width / w) - 2), int(centre + full_width / w) + 3
        fits = {
            full
            for full in range(low, min(high, low + 10_000))
            if _round(full * w / full_width) == h or _round(full_width * h / full) == w
        }
        possible = fits if possible is None else possible & fits
    return next(iter(possible)) if possible and len(possible) == 1 else None


def _round(value: float) -> int:
    """PHP's ``round()``: halves away from zero (Python's rounds them to even)."""
    return int(value + 0.5)


def _caption(img: etree._Element) -> str | None:
    """The text of the ``<figcaption>`` of the ``<figure>`` that holds ``img``, if any."""
    parent, depth = img.getparent(), 0
    while parent is not None and depth < 4 and parent.tag != "figure":
        parent, depth = parent.getparent(), depth + 1
    if parent is None or parent.tag != "figure":
        return None
    caption = next((child for child in parent if child.tag == "figcaption"), None)
    return plain_text(caption)


def _srcset(value: str | None, base: str) -> list[tuple[str, str]]:
    found = []
    for part in (value or "")[:20_000].split(",")[:100]:
        words = part.split()
        if words and (url := absolute(words[0], base)):
            found.append((url, words[1].lower() if len(words) > 1 else ""))
    return found


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if _DIGITS.fullmatch(text) and 0 < int(text) < 1_000_000 else None


def _mime_type(url: str | None) -> str | None:
    """The MIME type WordPress gives a file of that extension.

    >>> _mime_type("https://e.com/a/b.JPG?x=1"), _mime_type("https://e.com/a/b"), _mime_type(None)
    ('image/jpeg', None, None)
    """
    if not url:
        return None
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return _MIME_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


def _comments_open(root: etree._Element) -> bool | None:
    if first(root, "//*[@id='commentform' or @id='respond']") is not None:
        return True
    if (
        first(root, f"//*[{has_class('no-comments')} or {has_class('comments-closed')}]")
        is not None
    ):
        return False
    return None


def _comments(root: etree._Element) -> Iterator[PageComment]:
    """Each ``#comment-N`` element once, in page order, with its parent from the nesting."""
    seen: set[int] = set()
    for el in _elements(root, "//*[starts-with(@id, 'comment-')]"):
        match = _COMMENT_ID.fullmatch(str(el.get("id")))
        if not match or int(match.group(1)) in seen or el.tag not in ("li", "article", "div"):
            continue
        seen.add(int(match.group(1)))
        if len(seen) > MAX_COMMENTS:
            return
        yield PageComment(
            id=int(match.group(1)),
            parent=_comment_parent(el),
            author_name=plain_text(_own(el, f".//*[{has_class('fn')}]")),
            date_gmt=utc_text(time.get("datetime"))
            if (time := _own(el, ".//time[@datetime]")) is not None
            else None,
            content_html=inner_html(body)
            if (body := _own(el, f".//*[{has_class('comment-content')}]")) is not None
            else "",
        )


def _comment_of(el: etree._Element) -> etree._Element | None:
    """The nearest ancestor that is a comment (``id="comment-N"``)."""
    parent, depth = el.getparent(), 0
    while parent is not None and depth < 1000:
        if _COMMENT_ID.fullmatch(str(parent.get("id") or "")):
            return parent
        parent, depth = parent.getparent(), depth + 1
    return None


def _comment_parent(el: etree._Element) -> int | None:
    parent = _comment_of(el)
    match = _COMMENT_ID.fullmatch(str(parent.get("id"))) if parent is not None else None
    return int(match.group(1)) if match else None


def _own(comment: etree._Element, path: str) -> etree._Element | None:
    """The first match of ``path`` that belongs to ``comment`` itself, not to a reply."""
    for el in _elements(comment, path):
        if _comment_of(el) is comment:
            return el
    return None


def _comment_pages(
    root: etree._Element, url: str, base: str, shown: Iterable[int] = ()
) -> tuple[str, ...]:
    """The other comment pages of this entry that the page links to, by page number.

    The entry's own URL may show the last comment page (``default_comments_page=newest``):
    the permalinks of the comments ``shown`` (``…/comment-page-2/#comment-253``) tell which
    page this is, so it is not listed again.
    """
    here_path, here_page, here_query = _comment_page_of(url)
    if here_path is None:
        return ()
    shown_fragments = {f"comment-{ident}" for ident in shown}
    current = {here_page} if here_page else set()
    pages: dict[int, str] = {}
    for el in _elements(root, "//a[@href]"):
        link = absolute(el.get("href"), base)
        if not link:
            continue
        link, _, fragment = link.partition("#")
        path, number, query = _comment_page_of(link)
        if path != here_path or not number or query != here_query:
            continue
        if fragment in shown_fragments:
            current.add(number)
        pages.setdefault(number, link)
        if len(pages) >= MAX_LINKS:
            break
    return tuple(pages[n] for n in sorted(pages) if n not in current)


def _comment_page_of(url: str) -> tuple[str | None, int | None, dict[str, list[str]]]:
    """(entry path, comment page number, other query) of a URL: ``…/comment-page-2/`` or
    ``?p=5&cpage=2``."""
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
    except ValueError:
        return None, None, {}
    origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    match = _COMMENT_PAGE.match(parts.path)
    if match:
        return origin + match.group(1), int(match.group(2)), query
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    cpage = (query.pop("cpage", None) or [""])[0]
    number = int(cpage) if _DIGITS.fullmatch(cpage) else None
    return origin + path, number, query
