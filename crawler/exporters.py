"""The JSON-lines feed exporter: one line per record, whatever characters the site sent.

Scrapy's exporter writes JSON with ``ensure_ascii`` off (``FEED_EXPORT_ENCODING = "utf-8"``),
which keeps text readable but lets three characters through raw that many line readers take
as line breaks: U+2028, U+2029 (JavaScript, ``str.splitlines()``) and U+0085 (NEL). Here they
are written as ``\\u2028``-style escapes, so every line of a feed is one record for every
reader; everything else is byte-identical to Scrapy's exporter. Lone surrogates, which cannot
be encoded as UTF-8 and used to lose the record, become U+FFFD (the record builders already
replace them; this is the net for anything added later, like cleaned text).

The exporter also counts, in the crawl's stats, what the record builders repaired in each
record it writes (``wordpress/invalid_dates``, ``wordpress/invalid_urls``,
``wordpress/surrogates_replaced``; see :func:`crawler.wordpress.records.record_problems`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self

from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.python import to_bytes

from crawler.wordpress.records import record_problems

if TYPE_CHECKING:
    from io import BytesIO

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

_LINE_BREAKS = re.compile("[\u0085\u2028\u2029]")
_SURROGATES = re.compile("[\ud800-\udfff]")


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


def _without_surrogates(line: str) -> str:
    return _SURROGATES.sub("\ufffd", line)


class JsonLinesExporter(JsonLinesItemExporter):
    """Scrapy's JSON-lines exporter, with line breaks escaped and lone surrogates replaced
    (module docstring)."""

    stats: StatsCollector | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BytesIO, **kwargs: Any) -> Self:
        exporter = cls(file, **kwargs)
        exporter.stats = crawler.stats
        return exporter

    def export_item(self, item: Any) -> None:
        itemdict = dict(self.get_serialized_fields(item))
        line = self.encoder.encode(itemdict) + "\n"
        if not line.isascii():
            line = escape_line_breaks(line)
        try:
            data = to_bytes(line, self.encoding)
        except UnicodeEncodeError:  # lone surrogates: only now, to encode once
            data = to_bytes(_without_surrogates(line), self.encoding)
        self.file.write(data)
        if self.stats is not None:
            for name, count in record_problems(item).items():
                self.stats.inc_value(f"wordpress/{name}", count)
