"""Response shaping: ``_fields`` trimming and the smaller ``context=embed`` objects.

``_fields`` follows WordPress's ``rest_filter_response_fields()`` exactly: it runs after the
controller, so even ``id`` is dropped unless asked for, and on keyed objects such as
``/wp/v2/types`` it filters the *type names*, not each type's fields.
"""

from __future__ import annotations

from typing import Any

from demo.catalog import Kind
from demo.params import QueryValue, parse_list

FieldMask = dict[str, Any]  # name -> True (keep whole) or a nested FieldMask

# Fields each controller's schema marks with the "embed" context.
EMBED_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.POST: frozenset(
        [
            "id",
            "date",
            "slug",
            "type",
            "link",
            "title",
            "excerpt",
            "author",
            "featured_media",
            "parent",
            "caption",
            "alt_text",
            "media_type",
            "mime_type",
            "media_details",
            "source_url",
            "_links",
        ]
    ),
    Kind.TERM: frozenset(["id", "link", "name", "slug", "taxonomy", "_links"]),
    Kind.USER: frozenset(
        ["id", "name", "url", "description", "link", "slug", "avatar_urls", "_links"]
    ),
    Kind.COMMENT: frozenset(
        [
            "id",
            "parent",
            "author",
            "author_name",
            "author_url",
            "date",
            "content",
            "link",
            "type",
            "author_avatar_urls",
            "_links",
        ]
    ),
}


def field_mask(spec: QueryValue | None) -> FieldMask | None:
    """Parse ``_fields`` into a nested mask; ``None`` when absent or empty (keep everything).

    >>> field_mask("id,title.rendered,title")
    {'id': True, 'title': True}
    >>> field_mask("") is None
    True
    """
    if spec is None:
        return None
    fields = [field.strip() for field in parse_list(spec)]
    if not fields:
        return None
    mask: FieldMask = {}
    for field in fields:
        *parents, last = field.split(".")
        node = mask
        for name in parents:
            child = node.setdefault(name, {})
            if child is True:
                break
            node = child
        else:
            node[last] = True
    return mask


def apply_mask(data: Any, mask: FieldMask) -> Any:
    """``_rest_array_intersect_key_recursive()``, keeping the object's own key order.

    >>> apply_mask({"id": 1, "title": {"rendered": "x", "raw": "y"}}, {"title": {"rendered": True}})
    {'title': {'rendered': 'x'}}
    """
    if not isinstance(data, dict):
        return data
    kept: dict[str, Any] = {}
    for key, value in data.items():
        rule = mask.get(key)
        if rule is True:
            kept[key] = value
        elif rule is not None:
            kept[key] = apply_mask(value, rule) if isinstance(value, dict) else value
    return kept


def shape_fields(data: Any, mask: FieldMask | None) -> Any:
    """Apply ``_fields`` to a response body: per item for lists, to the object itself otherwise.

    An object left with no keys becomes ``[]``, as PHP encodes an empty array.
    """
    if mask is None:
        return data
    if isinstance(data, list):
        return [apply_mask(item, mask) for item in data]
    return apply_mask(data, mask) or []


def embed_view(item: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """The ``context=embed`` form of an object: only fields the schema exposes for embedding."""
    allowed = EMBED_FIELDS[kind]
    return {key: value for key, value in item.items() if key in allowed}
