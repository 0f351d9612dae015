"""Map WordPress REST JSON to flat records: the one place that knows WordPress's field shapes.

WordPress sends titles HTML-encoded (``Don&#8217;t``, ``Rock &#038; Roll``), dates without a
timezone (``date_gmt`` is UTC but has no ``Z``), and rendered fields wrapped in
``{"rendered": ...}``. Records leave here with titles decoded, dates in UTC with ``Z``, and
flat; rendered HTML stays as it came and is cleaned later by the cleaning pipeline.
"""

from __future__ import annotations

import re
from typing import Any

from crawler.cleaning import clean_inline_text

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


class MalformedRecordError(ValueError):
    """A JSON object that cannot be a WordPress record (no integer id, not an object)."""


def utc_iso(value: Any) -> str | None:
    """A WordPress ``*_gmt`` value as ISO 8601 UTC ending in ``Z``; ``None`` if absent or invalid.

    >>> utc_iso("2024-05-01T10:00:00"), utc_iso("2024-05-01T10:00:00+00:00"), utc_iso(None)
    ('2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z', None)
    """
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    return value[:19] + "Z"


def rendered(field: Any) -> str:
    """The ``rendered`` HTML of a WordPress field, tolerating a bare string or ``None``.

    >>> rendered({"rendered": "<p>Hi</p>", "protected": False}), rendered("x"), rendered(None)
    ('<p>Hi</p>', 'x', '')
    """
    if isinstance(field, dict):
        field = field.get("rendered")
    return field if isinstance(field, str) else ""


def record_id(data: Any) -> int:
    """The id of a REST object, or :class:`MalformedRecordError` if it has none.

    >>> record_id({"id": 7})
    7
    >>> record_id({"title": "x"})
    Traceback (most recent call last):
    ...
    crawler.wordpress.records.MalformedRecordError: a record without an integer id
    """
    if isinstance(data, dict):
        value = data.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    raise MalformedRecordError("a record without an integer id")


def _int_list(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def _optional_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _identity(record_type: str, data: dict[str, Any], site: str) -> dict[str, Any]:
    """The fields every record starts with: what it is, where from, which one, where to see it."""
    return {
        "type": record_type,
        "site": site,
        "id": record_id(data),
        "link": _str(data.get("link")),
    }


def entry_record(data: dict[str, Any], *, site: str, record_type: str = "post") -> dict[str, Any]:
    """A post-like REST object (post, page, custom type) as a flat record, links not resolved.

    The record holds every field any post-like item has (``sticky`` for posts, ``parent`` and
    ``menu_order`` for hierarchical types); :func:`crawler.items.build_item` keeps those of the
    item class. Password-protected content is never exported: WordPress sends it empty anyway,
    and the record says ``protected: true``.

    >>> rec = entry_record({"id": 5, "link": "https://e.com/?p=5", "title": {"rendered": "Don&#8217;t"},
    ...     "date_gmt": "2024-01-02T03:04:05", "content": {"rendered": "<p>x</p>", "protected": False},
    ...     "categories": [1, "x"], "author": 2}, site="https://e.com/")
    >>> rec["title"], rec["date_gmt"], rec["categories"], rec["author"], rec["protected"]
    ('Don’t', '2024-01-02T03:04:05Z', [1], 2, False)
    """
    identity = _identity(record_type, data, site)  # first: rejects what is not a record
    content = data.get("content")
    protected = bool(isinstance(content, dict) and content.get("protected"))
    return {
        **identity,
        "slug": _str(data.get("slug")),
        "status": _str(data.get("status")),
        "date_gmt": utc_iso(data.get("date_gmt")),
        "modified_gmt": utc_iso(data.get("modified_gmt")),
        "title": clean_inline_text(rendered(data.get("title"))),
        "content_html": "" if protected else rendered(content),
        "excerpt": "" if protected else rendered(data.get("excerpt")),
        "protected": protected,
        "author": _optional_int(data.get("author")),
        "categories": _int_list(data.get("categories")),
        "tags": _int_list(data.get("tags")),
        "featured_media": _optional_int(data.get("featured_media")),
        "sticky": bool(data.get("sticky", False)),
        "format": _str(data.get("format")),
        "comment_status": _str(data.get("comment_status")),
        "parent": _optional_int(data.get("parent")),
        "menu_order": data.get("menu_order") if isinstance(data.get("menu_order"), int) else None,
    }


def _dimensions(details: Any) -> tuple[int | None, int | None]:
    if not isinstance(details, dict):
        return None, None
    width, height = details.get("width"), details.get("height")
    return (width if isinstance(width, int) else None, height if isinstance(height, int) else None)


def media_record(data: dict[str, Any], *, site: str) -> dict[str, Any]:
    """An attachment (``/wp/v2/media``) as a flat record.

    ``media_details`` can be ``{}`` or have no ``sizes`` when metadata is missing; sizes are
    kept as ``{name: {source_url, width, height, mime_type}}``.

    >>> rec = media_record({"id": 9, "source_url": "https://e.com/a.jpg", "mime_type": "image/jpeg",
    ...     "caption": {"rendered": "<p>Photo: A &amp; B</p>\\n"}, "post": 5,
    ...     "media_details": {"width": 400, "height": 250, "sizes": {"thumbnail": {
    ...         "source_url": "https://e.com/a-150x150.jpg", "width": 150, "height": 150,
    ...         "mime_type": "image/jpeg", "file": "a-150x150.jpg"}}}}, site="https://e.com/")
    >>> rec["caption"], rec["width"], rec["post"], rec["sizes"]["thumbnail"]["width"]
    ('Photo: A & B', 400, 5, 150)
    """
    identity = _identity("media", data, site)  # first: rejects what is not a record
    details = data.get("media_details")
    width, height = _dimensions(details)
    sizes: dict[str, dict[str, Any]] = {}
    raw_sizes = details.get("sizes") if isinstance(details, dict) else None
    if isinstance(raw_sizes, dict):
        for name, size in raw_sizes.items():
            if isinstance(size, dict) and isinstance(size.get("source_url"), str):
                size_width, size_height = _dimensions(size)
                sizes[name] = {
                    "source_url": size["source_url"],
                    "width": size_width,
                    "height": size_height,
                    "mime_type": _str(size.get("mime_type")),
                }
    return {
        **identity,
        "slug": _str(data.get("slug")),
        "date_gmt": utc_iso(data.get("date_gmt")),
        "modified_gmt": utc_iso(data.get("modified_gmt")),
        "title": clean_inline_text(rendered(data.get("title"))),
        "source_url": _str(data.get("source_url")),
        "mime_type": _str(data.get("mime_type")),
        "media_type": _str(data.get("media_type")),
        "alt_text": _str(data.get("alt_text")) or "",
        "caption": clean_inline_text(rendered(data.get("caption"))),
        "post": _optional_int(data.get("post")),
        "author": _optional_int(data.get("author")),
        "width": width,
        "height": height,
        "sizes": sizes,
    }


def term_record(data: dict[str, Any], *, site: str) -> dict[str, Any]:
    """A term (category, tag, custom taxonomy) as a flat record; WordPress stores names escaped.

    >>> term_record({"id": 3, "name": "News &amp; Events", "taxonomy": "category", "parent": 0,
    ...              "count": 4, "slug": "news"}, site="https://e.com/")["name"]
    'News & Events'
    """
    return {
        **_identity("term", data, site),
        "taxonomy": _str(data.get("taxonomy")),
        "name": clean_inline_text(_str(data.get("name"))),
        "slug": _str(data.get("slug")),
        "parent": _optional_int(data.get("parent")),
        "count": data.get("count") if isinstance(data.get("count"), int) else None,
        "description": clean_inline_text(_str(data.get("description"))),
    }


def user_record(data: dict[str, Any], *, site: str) -> dict[str, Any]:
    """A user as the site shows them anonymously (authors of published content only)."""
    return {
        **_identity("user", data, site),
        "name": clean_inline_text(_str(data.get("name"))),
        "slug": _str(data.get("slug")),
        "url": _str(data.get("url")) or None,
        "description": clean_inline_text(_str(data.get("description"))),
    }


def comment_record(data: dict[str, Any], *, site: str) -> dict[str, Any]:
    """An approved comment as a flat record; its HTML is cleaned later like post content."""
    return {
        **_identity("comment", data, site),
        "post": _optional_int(data.get("post")),
        "parent": _optional_int(data.get("parent")),
        "author_name": clean_inline_text(_str(data.get("author_name"))),
        "date_gmt": utc_iso(data.get("date_gmt")),
        "content_html": rendered(data.get("content")),
    }
