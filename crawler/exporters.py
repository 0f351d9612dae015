"""The JSON-lines feed exporter: one line per record, whatever characters the site sent.

Scrapy's exporter writes JSON with ``ensure_ascii`` off (``FEED_EXPORT_ENCODING = "utf-8"``),
which keeps text readable but lets three characters through raw that many line readers take
as line breaks: U+2028, U+2029 (JavaScript, ``str.splitlines()``) and U+0085 (NEL). Here they
are written as ``\\u2028``-style escapes, so every line of a feed is one record for every
reader. Lone surrogates, which cannot be encoded as UTF-8 and used to lose the record, become
U+FFFD (the record builders already replace them; this is the net for anything added later).

Lines are compact JSON (no blank after ``,`` and ``:``). The project's records (dataclasses)
take a fast path: orjson writes the whole record in one call (a post of the test site: about
60 µs, where encoding it value by value took 130-210). Anything it does not know (fields to export, another encoding, encoder
options, a lone surrogate, an integer beyond 64 bits, a set, a date, an item that is not a
dataclass) takes the general path, Scrapy's own encoder with the same separators. The two
write the same JSON values, and the same bytes but for floats, which orjson spells in its
shortest form (``1e-7`` where Python writes ``1e-07``; a NaN or infinity, which no record
built from JSON holds, as ``null`` where Python writes the invalid ``NaN``);
``tests/test_export_speed_paths.py`` checks it.

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
from scrapy.utils.serialize import ScrapyJSONEncoder

from crawler.wordpress.records import orjson_refuse, record_problems

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


_NAMES: dict[type, tuple[str, ...] | None] = {}
"""Per record class: its field names in export order (``None``: a class the fast path leaves to
the general one)."""


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The cached field names of a dataclass, ``None`` if it is not one, or a field has its own
    ``serializer`` (Scrapy's field metadata, applied on the general path only) or a name that
    orjson would skip (a leading underscore)."""
    try:
        return _NAMES[cls]
    except KeyError:
        pass
    names = None
    if is_dataclass(cls):
        found = fields(cls)
        if not any("serializer" in f.metadata or f.name.startswith("_") for f in found):
            names = tuple(f.name for f in found)
    _NAMES[cls] = names
    return names


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
"""Dates go to the general path, which writes them as Scrapy's encoder does."""


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
        if "separators" not in self._kwargs:
            # orjson's compact spelling on the general path too: one spelling per feed.
            self._kwargs["separators"] = (",", ":")
            self.encoder = ScrapyJSONEncoder(**self._kwargs)

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
        """The record's line through the fast path, ``None`` if it must take the general one.

        orjson writes a dataclass from its ``__dict__`` (leaving out names with a leading
        underscore, like the problems a record carries), in that order: the path is taken only
        when those are the record's fields in their order, as they are once ``__init__`` has
        set them.
        """
        names = _field_names(type(item))
        state = getattr(item, "__dict__", None)
        if names is None or state is None:
            return None
        keys = tuple(state)
        if keys != names and (
            keys[: len(names)] != names or any(key[:1] != "_" for key in keys[len(names) :])
        ):
            return None
        try:
            data = orjson.dumps(item, default=orjson_refuse, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:  # a lone surrogate, an integer beyond 64 bits, a set...
            return None
        return escape_utf8_line_breaks(data) + b"\n"

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
