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


def post_record(data: dict[str, Any], *, site: str, record_type: str = "post") -> dict[str, Any]:
    """A post-like REST object as a flat record (fields of :class:`crawler.items.PostItem`).

    Password-protected content is never exported: WordPress sends it empty anyway, and the
    record says ``protected: true``.

    >>> rec = post_record({"id": 5, "link": "https://e.com/?p=5", "title": {"rendered": "Don&#8217;t"},
    ...     "date_gmt": "2024-01-02T03:04:05", "content": {"rendered": "<p>x</p>", "protected": False},
    ...     "categories": [1, "x"], "author": 2}, site="https://e.com/")
    >>> rec["title"], rec["date_gmt"], rec["categories"], rec["author"], rec["protected"]
    ('Don’t', '2024-01-02T03:04:05Z', [1], 2, False)
    """
    identifier = record_id(data)
    content = data.get("content")
    protected = bool(isinstance(content, dict) and content.get("protected"))
    return {
        "type": record_type,
        "site": site,
        "id": identifier,
        "link": _str(data.get("link")),
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
    }
