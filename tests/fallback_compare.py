"""Field-by-field exactness of a fallback crawl against a REST crawl of the same site.

The REST export is the reference: for each REST record, the fallback record with the same key
(``id`` by default; media rebuilt from pages have no id, so they are keyed by ``source_url``) is
looked up and each field compared. A field is counted ``equal`` when both values are the same
after normalisation (lists are compared as sorted multisets, so the order a page lists terms in
does not count), and ``null`` when the fallback gave null where REST had a value. A REST record
with no fallback counterpart counts in ``total`` and in neither ``equal`` nor ``null``.

Field names are paths with dots: ``author.id``, ``featured_media.source_url``,
``categories.slug`` (through a list: the sorted list of each element's ``slug``).

Pure functions, no Scrapy: used by ``tests/test_wordpress_fallback.py`` and unit-tested in
``tests/test_fallback_compare.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

_ABSENT = object()


class Score(NamedTuple):
    """How one field fared: ``equal`` of ``total`` records, ``nulls`` of them null in the fallback."""

    equal: int
    total: int
    nulls: int


def field_value(record: Any, path: str) -> Any:
    """The value at a dotted ``path``; through lists, the sorted list of each element's value.

    >>> field_value({"author": {"id": 3, "name": "Ann"}}, "author.id")
    3
    >>> field_value({"tags": [{"id": 9}, {"id": 2}]}, "tags.id")
    [2, 9]
    >>> field_value({"author": None}, "author.id") is None
    True
    >>> field_value({"terms": {"venue": [{"slug": "b"}, {"slug": "a"}]}}, "terms.venue.slug")
    ['a', 'b']
    """
    value = record
    for name in path.split(".") if path else ():
        if value is None:
            return None
        if isinstance(value, list):
            return _normalised([field_value(item, name) for item in value])
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return _normalised(value)


def _normalised(value: Any) -> Any:
    """Lists sorted (by their JSON text), so that order never counts as a difference."""
    if isinstance(value, list):
        items = [_normalised(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    if isinstance(value, Mapping):
        return {key: _normalised(item) for key, item in value.items()}
    return value


def record_key(record: Mapping[str, Any], key: str | Sequence[str]) -> Any:
    """The value(s) a record is matched on (``None`` when it has none).

    >>> record_key({"id": 4, "taxonomy": "category"}, ("taxonomy", "id"))
    ('category', 4)
    """
    if isinstance(key, str):
        return record.get(key)
    values = tuple(record.get(name) for name in key)
    return None if None in values else values


def exactness(
    rest_records: Iterable[Mapping[str, Any]],
    fallback_records: Iterable[Mapping[str, Any]],
    fields: Iterable[str],
    *,
    key: str | Sequence[str] = "id",
) -> dict[str, Score]:
    """``{field: Score(equal, total, nulls)}`` of the fallback records against the REST ones.

    >>> rest = [{"id": 1, "title": "A", "author": {"id": 2}}, {"id": 2, "title": "B", "author": None}]
    >>> html = [{"id": 1, "title": "A", "author": {"id": None}}, {"id": 2, "title": "b", "author": None}]
    >>> exactness(rest, html, ["title", "author.id"])
    {'title': Score(equal=1, total=2, nulls=0), 'author.id': Score(equal=1, total=2, nulls=1)}
    """
    fields = list(fields)
    by_key: dict[Any, Mapping[str, Any]] = {}
    for record in fallback_records:
        by_key.setdefault(record_key(record, key), record)
    counts = {name: [0, 0, 0] for name in fields}
    for record in rest_records:
        other = by_key.get(record_key(record, key))
        for name in fields:
            count = counts[name]
            count[1] += 1
            if other is None:
                continue
            expected, found = field_value(record, name), field_value(other, name)
            if found == expected:
                count[0] += 1
            elif found is None:
                count[2] += 1
    return {name: Score(*count) for name, count in counts.items()}


def render_table(scores: Mapping[str, Score], *, title: str = "") -> str:
    """A Markdown table of ``scores`` (one row per field), headed by ``title`` if given.

    >>> print(render_table({"title": Score(299, 300, 1)}, title="posts"))
    ### posts
    <BLANKLINE>
    | field | exact | null | other | exact % |
    |---|---:|---:|---:|---:|
    | title | 299/300 | 1 | 0 | 99.7 |
    """
    lines = [f"### {title}", ""] if title else []
    lines += ["| field | exact | null | other | exact % |", "|---|---:|---:|---:|---:|"]
    for name, (equal, total, nulls) in scores.items():
        percent = f"{100 * equal / total:.1f}" if total else "-"
        other = total - equal - nulls
        lines.append(f"| {name} | {equal}/{total} | {nulls} | {other} | {percent} |")
    return "\n".join(lines)
