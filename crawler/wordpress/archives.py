"""Term archives, author archives and the home page read from their HTML, for sites whose
REST API is blocked.

The facts come from core markers: ``body_class()`` (``category-N``, ``tag-N``, ``term-N``,
``tax-<taxonomy>``, ``author-N``, ``home``, ``page-id-N``), the alternate-JSON link
(``…/wp/v2/categories/9``), ``post_class()``'s ``sticky`` on the first page of the posts home,
and the archive title core wraps in a ``<span>`` (``the_archive_title()``). Junk gives None or
empty facts, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .pages import (
    MAX_LINKS,
    absolute,
    base_url,
    classes_of,
    document_title,
    first,
    has_class,
    head_links,
    header_targets,
    id_after,
    inner_html,
    json_links,
    parse_document,
    plain_text,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lxml import etree

__all__ = ["ArchivePage", "HomePage", "read_archive_page", "read_home_page"]

# The REST base of the core taxonomies and users, for the alternate-JSON link.
_REST_TAXONOMIES = {"categories": "category", "tags": "post_tag"}
_POST_ID = re.compile(r"post-(\d{1,18})")
_PAGED = re.compile(r"/page/(\d{1,9})/?$")


@dataclass(frozen=True)
class ArchivePage:
    """A term or author archive. See :func:`read_archive_page`."""

    url: str
    kind: str  # "term" or "author"
    taxonomy: str | None  # "category", "post_tag", "venue"...; None for authors
    id: int | None  # category-N / tag-N / term-N / author-N, or the alternate JSON link/header
    name: str | None  # plain text, without "Category: " etc.
    slug: str | None  # as WordPress stores it (REST's slug): %-encoded lower case
    description_html: str | None  # .archive-description inner HTML (None if absent)
    parent_slug: str | None  # hierarchical terms under pretty permalinks: the segment before


@dataclass(frozen=True)
class HomePage:
    """What the home page tells. See :func:`read_home_page`."""

    url: str
    sticky_ids: frozenset[int]
    front_page_id: int | None
    rss_href: str | None
    wordpress_markers: tuple[str, ...]


def read_archive_page(html: str, url: str, link_headers: Sequence[str] = ()) -> ArchivePage | None:
    """The term or author a WordPress archive page shows; None for any other page or junk."""
    root = parse_document(html)
    if root is None or not url:
        return None
    body = classes_of(first(root, "//body"))
    if "archive" not in body and not {"category", "tag", "author"} & set(body):
        return None
    base = base_url(root, url)
    rest = json_links(root, link_headers, base)
    if "author" in body:
        kind, taxonomy, prefix = "author", None, "author-"
    elif "category" in body:
        kind, taxonomy, prefix = "term", "category", "category-"
    elif "tag" in body:
        kind, taxonomy, prefix = "term", "post_tag", "tag-"
    elif tax := next((c[4:] for c in body if c.startswith("tax-") and len(c) > 4), None):
        kind, taxonomy, prefix = "term", tax, "term-"
    else:
        return None  # a date or post type archive
    ids = [n for c in body if (n := id_after(c, prefix))]
    rest_id = next(
        (ident for rest_base, ident in rest if rest_base in _REST_TAXONOMIES or kind == "author"),
        None,
    )
    rest_id = rest_id if rest_id is not None else (rest[0][1] if rest else None)
    slug, parent_slug = _slugs(root, url, base, kind, taxonomy)
    if slug is None:  # body class: the slug class is the one that is not all digits
        slug = next(
            (
                c[len(prefix) :]
                for c in body
                if c.startswith(prefix) and not c[len(prefix) :].isdecimal()
            ),
            None,
        )
    description = first(
        root, f"//*[{has_class('archive-description')} or {has_class('taxonomy-description')}]"
    )
    return ArchivePage(
        url=url,
        kind=kind,
        taxonomy=taxonomy,
        id=rest_id if rest_id is not None else (ids[-1] if ids else None),
        name=_archive_name(root),
        slug=slug,
        description_html=inner_html(description) if description is not None else None,
        parent_slug=parent_slug,
    )


def _archive_name(root: etree._Element) -> str | None:
    """The name in ``the_archive_title()`` ("Category: <span>France</span>"), else ``<title>``;
    as the archive's feed link spells it when that differs only by ``wptexturize``."""
    heading = first(root, f"//*[{has_class('page-title')} or {has_class('archive-title')}]")
    name = None
    if heading is not None:
        spans = heading.findall(".//span")
        name = plain_text(spans[-1]) if spans else None
    name = name or document_title(root) or plain_text(heading)
    return _untexturized(name, root) if name else None


# What wptexturize() turns plain characters into; REST's term names are not texturized.
_TEXTURIZED = {
    "’": "(?:’|')",
    "‘": "(?:‘|')",
    "“": '(?:“|")',
    "”": '(?:”|")',
    "″": '(?:″|")',
    "′": "(?:′|')",
    "–": "(?:–|--|-)",
    "—": "(?:—|---|--)",
    "…": r"(?:…|\.\.\.)",
    "×": "(?:×|x)",
}


def _untexturized(name: str, root: etree._Element) -> str:
    """``name`` as the feed links' titles spell it (``esc_attr`` of the raw name), if found.

    >>> root = parse_document('<link rel="alternate" type="application/rss+xml" title="News &raquo; '
    ...     'editor&#039;s pick -- 2 Tag Feed" href="/tag/x/feed/">')
    >>> _untexturized("editor’s pick – 2", root), _untexturized("plain", root)
    ("editor's pick -- 2", 'plain')
    """
    if not any(ch in _TEXTURIZED for ch in name):
        return name
    pattern = re.compile("".join(_TEXTURIZED.get(ch) or re.escape(ch) for ch in name[:500]))
    for el in reversed(head_links(root, "alternate")):
        if "rss" in str(el.get("type")).lower() and (
            match := pattern.search(str(el.get("title") or ""))
        ):
            return match.group(0)
    return name


def _slugs(
    root: etree._Element, url: str, base: str, kind: str, taxonomy: str | None
) -> tuple[str | None, str | None]:
    """(slug, parent slug) from the archive's URL: the last path segment under pretty
    permalinks, the query value (``?tag=x``, ``?venue=x``) under plain ones."""
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
    except ValueError:
        return None, None
    for key in ("author_name", "category_name", "tag", taxonomy or ""):
        value = (query.get(key) or [""])[0] if key else ""
        if value and not value.isdigit():
            return _stored_slug(value.rstrip("/").rsplit("/", 1)[-1]), None
    if parts.query and not parts.path.strip("/"):
        return None, None
    segments = [s for s in _PAGED.sub("/", parts.path).split("/") if s]
    home = _home_segments(root, base)
    if segments[: len(home)] == home:
        segments = segments[len(home) :]
    if segments[:1] == ["index.php"]:
        segments = segments[1:]
    if len(segments) < 2:
        return None, None
    parent = (
        segments[-2] if len(segments) >= 3 and kind == "term" and taxonomy != "post_tag" else None
    )
    return _stored_slug(segments[-1]), _stored_slug(parent) if parent else None


def _stored_slug(segment: str) -> str:
    """A slug as WordPress stores it (``sanitize_title``): non-ASCII %-encoded in lower case.

    >>> _stored_slug("%E5%9F%8E%E5%B8%82"), _stored_slug("城市"), _stored_slug("news")
    ('%e5%9f%8e%e5%b8%82', '%e5%9f%8e%e5%b8%82', 'news')
    """
    encoded = quote(unquote(segment[:1000]), safe="-_.~!$&'()*+,;=:@")
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)


def _home_segments(root: etree._Element, base: str) -> list[str]:
    """Path segments of the site's home (``a[rel=home]``, else the API root's parent)."""
    for el in root.iterfind(".//a[@rel]"):
        if "home" in str(el.get("rel")).lower().split() and (
            home := absolute(el.get("href"), base)
        ):
            return [s for s in urlsplit(home).path.split("/") if s]
    for el in head_links(root, "https://api.w.org/"):
        if api := absolute(el.get("href"), base):
            segments = [s for s in urlsplit(api).path.split("/") if s]
            return segments[:-1] if segments[-1:] == ["wp-json"] else []
    return []


def read_home_page(html: str, url: str, link_headers: Sequence[str] = ()) -> HomePage:
    """Sticky posts, the static front page and the WordPress markers of the home page."""
    root = parse_document(html)
    markers = tuple(_markers(html, root, link_headers))
    if root is None:
        return HomePage(
            url=str(url),
            sticky_ids=frozenset(),
            front_page_id=None,
            rss_href=None,
            wordpress_markers=markers,
        )
    base = base_url(root, url)
    body = classes_of(first(root, "//body"))
    sticky: set[int] = set()
    if "paged" not in body:  # post_class() adds "sticky" on the first page of the home only
        for el in root.iterfind(".//body//*[@class]"):
            classes = classes_of(el)
            if "sticky" in classes:
                sticky.update(int(m.group(1)) for c in classes if (m := _POST_ID.fullmatch(c)))
            if len(sticky) >= MAX_LINKS:
                break
    front = None
    if "page" in body:
        front = next((n for c in body if (n := id_after(c, "page-id-"))), None)
    rss = next(
        (
            href
            for el in head_links(root, "alternate")
            if "rss" in str(el.get("type")).lower() and (href := absolute(el.get("href"), base))
        ),
        None,
    )
    return HomePage(
        url=url,
        sticky_ids=frozenset(sticky),
        front_page_id=front,
        rss_href=rss,
        wordpress_markers=markers,
    )


def _markers(html: str, root: etree._Element | None, link_headers: Sequence[str]) -> list[str]:
    """Which core markers the page shows (for telling a WordPress site from another)."""
    found = []
    if header_targets(link_headers, "https://api.w.org/"):
        found.append("api-link-header")
    if root is not None and head_links(root, "https://api.w.org/"):
        found.append("api-link-tag")
    if root is not None:
        for el in root.iterfind(".//meta[@name]"):
            if str(el.get("name")).lower() == "generator" and str(el.get("content")).startswith(
                "WordPress"
            ):
                found.append("generator")
                break
    text = html[: 4 * 1024 * 1024] if html else ""
    found.extend(marker for marker in ("wp-content", "wp-includes") if f"/{marker}/" in text)
    return found
