"""Map WordPress REST JSON to records: the one place that knows WordPress's field shapes.

WordPress sends titles HTML-encoded (``Don&#8217;t``, ``Rock &#038; Roll``), dates without a
timezone (``date_gmt`` is UTC but has no ``Z``), and rendered fields wrapped in
``{"rendered": ...}``. Records leave here as the item classes of :mod:`crawler.items`, with
titles decoded and dates in UTC with ``Z``; rendered HTML stays as it came and is cleaned later
by the cleaning pipeline, and links stay ids in the REST object until the join resolves them.
"""

from __future__ import annotations

import re
from typing import Any

from crawler.cleaning import clean_inline_text
from crawler.items import (
    CommentItem,
    EntryItem,
    EntryRecord,
    ImageSize,
    MediaItem,
    PageItem,
    PostItem,
    TermItem,
    UserItem,
    entry_class,
)

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


def int_list(value: Any) -> list[int]:
    """The integers of a JSON list (ids), anything else dropped.

    >>> int_list([1, "2", True, 3]), int_list(None)
    ([1, 3], [])
    """
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def _optional_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def linked_id(data: dict[str, Any], name: str) -> int | None:
    """The id a REST object names in ``name`` (``author``, ``featured_media``), if any.

    WordPress writes 0 for "none". The join (:mod:`crawler.wordpress.joins`) reads these.

    >>> linked_id({"author": 5, "featured_media": 0}, "author"), linked_id({}, "featured_media")
    (5, None)
    """
    return _optional_int(data.get(name))


def _identity(data: Any, site: str) -> dict[str, Any]:
    """The fields every record starts with: where from, which one, where to see it."""
    return {"site": site, "id": record_id(data), "link": _str(data.get("link"))}


def entry_record(data: Any, *, site: str, post_type: str = "post") -> EntryRecord:
    """A post-like REST object (post, page, custom type) as its record, links not resolved.

    The class follows the post type (:func:`crawler.items.entry_class`): posts carry
    ``sticky`` and ``format``, pages and custom types ``parent`` and ``menu_order``.
    Password-protected content is never exported: WordPress sends it empty anyway, and the
    record says ``protected: true``. Author, terms and featured image are left empty for the
    join, which reads their ids from ``data``.

    >>> rec = entry_record({"id": 5, "link": "https://e.com/?p=5", "title": {"rendered": "Don&#8217;t"},
    ...     "date_gmt": "2024-01-02T03:04:05", "content": {"rendered": "<p>x</p>", "protected": False},
    ...     "categories": [1, "x"], "author": 2, "sticky": True}, site="https://e.com/")
    >>> type(rec).__name__, rec.title, rec.date_gmt, rec.sticky, rec.protected
    ('PostItem', 'Don’t', '2024-01-02T03:04:05Z', True, False)
    """
    identity = _identity(data, site)  # first: rejects what is not a record
    content = data.get("content")
    protected = bool(isinstance(content, dict) and content.get("protected"))
    fields: dict[str, Any] = {
        **identity,
        "type": post_type,
        "slug": _str(data.get("slug")),
        "status": _str(data.get("status")),
        "date_gmt": utc_iso(data.get("date_gmt")),
        "modified_gmt": utc_iso(data.get("modified_gmt")),
        "title": clean_inline_text(rendered(data.get("title"))),
        "content_html": "" if protected else rendered(content),
        "excerpt": "" if protected else rendered(data.get("excerpt")),
        "protected": protected,
        "comment_status": _str(data.get("comment_status")),
    }
    item_class = entry_class(post_type)
    if item_class is PostItem:
        return PostItem(
            **fields, sticky=bool(data.get("sticky", False)), format=_str(data.get("format"))
        )
    parent, order = _optional_int(data.get("parent")), data.get("menu_order")
    menu_order = order if isinstance(order, int) else None
    if item_class is PageItem:
        return PageItem(**fields, parent=parent, menu_order=menu_order)
    return EntryItem(**fields, parent=parent, menu_order=menu_order)


def _dimensions(details: Any) -> tuple[int | None, int | None]:
    if not isinstance(details, dict):
        return None, None
    width, height = details.get("width"), details.get("height")
    return (width if isinstance(width, int) else None, height if isinstance(height, int) else None)


def _sizes(details: Any) -> dict[str, ImageSize]:
    """``media_details.sizes`` as ``{name: ImageSize}``; sizes without a URL are left out."""
    raw_sizes = details.get("sizes") if isinstance(details, dict) else None
    if not isinstance(raw_sizes, dict):
        return {}
    sizes = {}
    for name, size in raw_sizes.items():
        if isinstance(size, dict) and isinstance(size.get("source_url"), str):
            width, height = _dimensions(size)
            sizes[str(name)] = ImageSize(
                source_url=size["source_url"],
                width=width,
                height=height,
                mime_type=_str(size.get("mime_type")),
            )
    return sizes


def media_record(data: Any, *, site: str) -> MediaItem:
    """An attachment (``/wp/v2/media``) as its record.

    ``media_details`` can be ``{}`` or have no ``sizes`` when metadata is missing.

    >>> rec = media_record({"id": 9, "source_url": "https://e.com/a.jpg", "mime_type": "image/jpeg",
    ...     "caption": {"rendered": "<p>Photo: A &amp; B</p>\\n"}, "post": 5,
    ...     "media_details": {"width": 400, "height": 250, "sizes": {"thumbnail": {
    ...         "source_url": "https://e.com/a-150x150.jpg", "width": 150, "height": 150,
    ...         "mime_type": "image/jpeg", "file": "a-150x150.jpg"}}}}, site="https://e.com/")
    >>> rec.caption, rec.width, rec.post, rec.sizes["thumbnail"].width
    ('Photo: A & B', 400, 5, 150)
    """
    identity = _identity(data, site)  # first: rejects what is not a record
    details = data.get("media_details")
    width, height = _dimensions(details)
    return MediaItem(
        **identity,
        slug=_str(data.get("slug")),
        date_gmt=utc_iso(data.get("date_gmt")),
        modified_gmt=utc_iso(data.get("modified_gmt")),
        title=clean_inline_text(rendered(data.get("title"))),
        source_url=_str(data.get("source_url")),
        mime_type=_str(data.get("mime_type")),
        media_type=_str(data.get("media_type")),
        alt_text=_str(data.get("alt_text")) or "",
        caption=clean_inline_text(rendered(data.get("caption"))),
        post=_optional_int(data.get("post")),
        author=_optional_int(data.get("author")),
        width=width,
        height=height,
        sizes=_sizes(details),
    )


def term_record(data: Any, *, site: str) -> TermItem:
    """A term (category, tag, custom taxonomy) as its record; WordPress stores names escaped.

    >>> term_record({"id": 3, "name": "News &amp; Events", "taxonomy": "category", "parent": 0,
    ...              "count": 4, "slug": "news"}, site="https://e.com/").name
    'News & Events'
    """
    identity = _identity(data, site)  # first: rejects what is not a record
    count = data.get("count")
    return TermItem(
        **identity,
        taxonomy=_str(data.get("taxonomy")),
        name=clean_inline_text(_str(data.get("name")) or ""),
        slug=_str(data.get("slug")),
        parent=_optional_int(data.get("parent")),
        count=count if isinstance(count, int) else None,
        description=clean_inline_text(_str(data.get("description")) or ""),
    )


def user_record(data: Any, *, site: str) -> UserItem:
    """A user as the site shows them anonymously (authors of published content only)."""
    identity = _identity(data, site)  # first: rejects what is not a record
    return UserItem(
        **identity,
        name=clean_inline_text(_str(data.get("name")) or ""),
        slug=_str(data.get("slug")),
        url=_str(data.get("url")) or None,
        description=clean_inline_text(_str(data.get("description")) or ""),
    )


def comment_record(data: Any, *, site: str) -> CommentItem:
    """An approved comment as its record; its HTML is cleaned later like post content."""
    identity = _identity(data, site)  # first: rejects what is not a record
    return CommentItem(
        **identity,
        post=_optional_int(data.get("post")),
        parent=_optional_int(data.get("parent")),
        author_name=clean_inline_text(_str(data.get("author_name")) or ""),
        date_gmt=utc_iso(data.get("date_gmt")),
        content_html=rendered(data.get("content")),
    )
