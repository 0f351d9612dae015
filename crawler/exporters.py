"""The JSON-lines feed exporter: one line per record, whatever characters the site sent.

Scrapy's exporter writes JSON with ``ensure_ascii`` off (``FEED_EXPORT_ENCODING = "utf-8"``),
which keeps text readable but lets three characters through raw that many line readers take
as line breaks: U+2028, U+2029 (JavaScript, ``str.splitlines()``) and U+0085 (NEL). Here they
are written as ``\\u2028``-style escapes, so every line of a feed is one record for every
reader; everything else is byte-identical to Scrapy's exporter. Lone surrogates, which cannot
be encoded as UTF-8 and used to lose the record, become U+FFFD (the record builders already
replace them; this is the net for anything added later, like cleaned text).

The project's records (dataclasses) take a fast path: orjson encodes each string and number,
and the structure around them is written here from a field list cached per class, with the
``", "`` and ``": "`` separators of Python's ``json`` (orjson has no such option), so the bytes
are those of the general path (a float is written as Python's ``json`` writes it, its
``repr``: orjson spells some differently, ``1e16`` for ``1e+16``). Anything it does not know (fields to export, another encoding,
encoder options, a NaN or infinite float, a lone surrogate, an item that is not a dataclass)
takes the general path, Scrapy's own (``tests/test_export_speed_paths.py`` checks the two agree byte for byte).

The exporter also counts, in the crawl's stats, what the record builders repaired in each
record it writes (``wordpress/invalid_dates``, ``wordpress/invalid_urls``,
``wordpress/surrogates_replaced``; see :func:`crawler.wordpress.records.record_problems`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any, Self

import orjson
from scrapy.exporters import BaseItemExporter, JsonLinesItemExporter
from scrapy.utils.python import to_bytes

from crawler.wordpress.records import record_problems

if TYPE_CHECKING:
    from io import BytesIO

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

_LINE_BREAKS = re.compile("[\u0085\u2028\u2029]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_UTF8_LINE_BREAKS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"),
                     (b"\xe2\x80\xa9", b"\\u2029"))  # fmt: skip
"""U+0085, U+2028, U+2029 in UTF-8 and their escapes; UTF-8 lead bytes never occur inside
another character, so a byte search finds only these characters."""


def escape_line_breaks(line: str) -> str:
    """A JSON text with U+0085, U+2028 and U+2029 escaped: JSON never has them outside
    strings, so the value stays the same and the line stays one line for every reader.

    >>> import json
    >>> line = json.dumps({"t": "a\\u2028b\\x85c"}, ensure_ascii=False)
    >>> escape_line_breaks(line)
    '{"t": "a\\\\u2028b\\\\u0085c"}'
    >>> json.loads(escape_line_breaks(line))["t"] == "a\\u2028b\\x85c"
    True
    """
    if "\u2028" in line or "\u2029" in line or "\x85" in line:  # far faster than a regex scan
        return _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    return line


def escape_utf8_line_breaks(data: bytes) -> bytes:
    """:func:`escape_line_breaks` on UTF-8 bytes (slower than on a ``str``: for the strings
    that hold one).

    >>> escape_utf8_line_breaks('{"t": "a\\u2028b\\x85c"}'.encode())
    b'{"t": "a\\\\u2028b\\\\u0085c"}'
    """
    if data.isascii():
        return data
    for raw, escaped in _UTF8_LINE_BREAKS:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def _without_surrogates(line: str) -> str:
    return _SURROGATES.sub("\ufffd", line)


class _NotFast(Exception):
    """A value the fast path does not encode: the general path writes the record."""


_PLANS: dict[type, tuple[tuple[str, bytes], ...] | None] = {}
"""Per dataclass: each field's name and its ``"name": `` key, in export order (``None``: a
class the fast path leaves to the general one)."""


def _plan(cls: type) -> tuple[tuple[str, bytes], ...] | None:
    """The cached field plan of a dataclass, ``None`` if it is not one or a field has its own
    ``serializer`` (Scrapy's field metadata, applied on the general path only)."""
    try:
        return _PLANS[cls]
    except KeyError:
        pass
    plan = None
    if is_dataclass(cls):
        found = fields(cls)
        if not any("serializer" in f.metadata for f in found):
            plan = tuple((f.name, orjson.dumps(f.name) + b": ") for f in found)
    _PLANS[cls] = plan
    return plan


def encode(value: Any) -> bytes:
    """``value`` as the JSON that ``json.dumps(value, ensure_ascii=False)`` writes (nested
    dataclasses as objects, as Scrapy's encoder does), in UTF-8.

    Raises ``_NotFast`` for what it leaves to the general path, and ``orjson.JSONEncodeError``
    for a lone surrogate or an integer beyond 64 bits.

    >>> from crawler.items import Ref
    >>> encode({"a": [Ref(id=1, name="Zoë")], "b": (None, True)})
    b'{"a": [{"id": 1, "name": "Zo\\xc3\\xab", "slug": null}], "b": [null, true]}'
    """
    kind = type(value)
    if kind is str:
        if value.isascii() or not ("\u2028" in value or "\u2029" in value or "\x85" in value):
            return orjson.dumps(value)  # str searches are fast, byte searches are not
        return escape_utf8_line_breaks(orjson.dumps(value))
    if kind is int:
        return orjson.dumps(value)
    if kind is dict:
        return _encode_dict(value)
    if value is None:
        return b"null"
    if kind is bool:
        return b"true" if value else b"false"
    if kind is float and value - value == 0:  # finite: what Python's json writes, its repr
        return float.__repr__(value).encode()
    if kind is list or kind is tuple:
        return b"[" + b", ".join([encode(v) for v in value]) + b"]"
    plan = _plan(kind)
    if plan is None:
        raise _NotFast
    return _encode_record(value, plan)


def _encode_dict(value: dict[Any, Any]) -> bytes:
    """A dict as a JSON object; keys must be strings (Python's ``json`` converts others)."""
    parts = []
    for key, item in value.items():
        if type(key) is not str:
            raise _NotFast
        parts.append(encode(key) + b": " + encode(item))
    return b"{" + b", ".join(parts) + b"}"


def _encode_record(value: Any, plan: tuple[tuple[str, bytes], ...]) -> bytes:
    """A dataclass record as a JSON object, its fields in ``plan`` order (:func:`encode`)."""
    parts = []
    for name, key in plan:  # the common values inline: a call per value costs more
        field = getattr(value, name)
        if field is None:
            parts.append(key + b"null")
        elif type(field) is str and field.isascii():
            parts.append(key + orjson.dumps(field))
        else:
            parts.append(key + encode(field))
    return b"{" + b", ".join(parts) + b"}"


class JsonLinesExporter(JsonLinesItemExporter):
    """Scrapy's JSON-lines exporter, with line breaks escaped, lone surrogates replaced and a
    fast path for dataclass records (module docstring)."""

    stats: StatsCollector | None = None

    def __init__(self, file: BytesIO, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        # JSON lines ignore ``indent`` (one line per record), here as in Scrapy's exporter.
        self.fast = (
            self.encoding is not None
            and codecs.lookup(self.encoding).name == "utf-8"
            and self.fields_to_export is None
            and not self.export_empty_fields
            and self._kwargs == {"ensure_ascii": False}  # no options for the JSON encoder
            and type(self).serialize_field is BaseItemExporter.serialize_field
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BytesIO, **kwargs: Any) -> Self:
        exporter = cls(file, **kwargs)
        exporter.stats = crawler.stats
        return exporter

    def export_item(self, item: Any) -> None:
        data = self.fast_line(item) if self.fast else None
        self.file.write(self.general_line(item) if data is None else data)
        if self.stats is not None:
            for name, count in record_problems(item).items():
                self.stats.inc_value(f"wordpress/{name}", count)

    @staticmethod
    def fast_line(item: Any) -> bytes | None:
        """The record's line through the fast path, ``None`` if it must take the general one."""
        if _plan(type(item)) is None:
            return None
        try:
            data = encode(item)
        except (_NotFast, orjson.JSONEncodeError, AttributeError):
            return None
        return data + b"\n"

    def general_line(self, item: Any) -> bytes:
        """The record's line through Scrapy's exporter, line breaks escaped and lone
        surrogates replaced."""
        itemdict = dict(self.get_serialized_fields(item))
        line = self.encoder.encode(itemdict) + "\n"
        if not line.isascii():
            line = escape_line_breaks(line)
        try:
            return to_bytes(line, self.encoding)
        except UnicodeEncodeError:  # lone surrogates: only now, to encode once
            return to_bytes(_without_surrogates(line), self.encoding)
