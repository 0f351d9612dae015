"""The fast paths of the export and the record path give what the general paths give.

The feeds are a contract: the orjson path of :class:`JsonLinesExporter` must write, for every
record class and whatever the site sent, the bytes that Scrapy's own exporter writes with compact
separators (with U+2028/U+2029/U+0085 escaped), floats aside (orjson's shortest spelling, the
same values); the orjson path of ``parse_json`` must read what Python's
``json`` reads and fail where it fails; the feed filter must route as ``ItemAdapter`` does.
"""

from __future__ import annotations

import io
import json
import math
import sys
from dataclasses import fields
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.exporters import JsonLinesItemExporter

import crawler.feeds
from crawler.exporters import JsonLinesExporter
from crawler.feeds import RecordTypeFilter, record_type_of
from crawler.items import (
    CommentItem,
    EntryItem,
    FeaturedImage,
    ImageSize,
    MediaItem,
    PageItem,
    PostItem,
    Ref,
    TermItem,
    TombstoneItem,
    UserItem,
)
from crawler.wordpress import jsonbody
from crawler.wordpress.jsonbody import NotJsonError, parse_json

NASTY = [
    "plain",
    "",
    'quote " backslash \\ slash / </script>',
    "tab\tnewline\nreturn\rformfeed\fbackspace\b",
    "".join(chr(c) for c in range(32)) + "\x7f",
    "line\u2028para\u2029nel\x85",
    "Zoë — «ok» 𝄞 😀 \ufeff \ufffd 中文",
    ', : { } [ ] ", ": ',
]


def records(text: str) -> list[Any]:
    """One record of every class, with ``text`` in every string, key and nested record."""
    ref = Ref(id=3, name=text, slug=text)
    image = FeaturedImage(
        id=4, source_url=text, alt_text=text, mime_type=text, width=1, height=None
    )
    entry = {
        "site": text, "id": 1, "link": text, "slug": text, "status": text, "date_gmt": text,
        "modified_gmt": None, "title": text, "content_html": text, "content_text": text,
        "content_markdown": text, "content_raw": None, "excerpt": text, "word_count": 2**63 - 1,
        "links": [text, text], "images": [{"src": text, "alt": text}], "protected": True,
        "author": ref, "categories": [ref, Ref(id=5)], "tags": [], "terms": {text: [ref]},
        "featured_media": image, "comment_status": text, "comment_count": 0, "change": "added",
    }  # fmt: skip
    return [
        PostItem(**entry, sticky=True, format=text),
        PageItem(**entry, parent=None, menu_order=-3),
        EntryItem(**entry, type=text, parent=7, menu_order=None),
        MediaItem(
            site=text,
            id=2,
            title=text,
            caption=text,
            alt_text=text,
            sizes={
                text: ImageSize(source_url=text, width=150, mime_type=text),
                "": ImageSize(source_url=""),
            },
        ),
        TermItem(site=text, id=3, taxonomy=text, name=text, description=text, count=0),
        UserItem(site=text, id=4, name=text, url=None, description=text),
        CommentItem(site=text, id=5, post=1, author_name=text, content_html=text),
        TombstoneItem(type=text, id=6, site=text, detected_at=text),
    ]


def export(items: list[Any], *, fast: bool = True, **options: Any) -> bytes:
    file = io.BytesIO()
    exporter = JsonLinesExporter(file, **{"encoding": "utf-8", **options})
    exporter.fast = exporter.fast and fast
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return file.getvalue()


def scrapy_export(items: list[Any], **options: Any) -> bytes:
    """Ground truth: Scrapy's own exporter with compact separators (the feeds' spelling), with
    the three line breaks escaped afterwards."""
    file = io.BytesIO()
    exporter = JsonLinesItemExporter(
        file, **{"encoding": "utf-8", "separators": (",", ":"), **options}
    )
    for item in items:
        exporter.export_item(item)
    text = file.getvalue().decode("utf-8")
    return text.translate({0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}).encode()


@pytest.mark.parametrize("text", NASTY)
def test_the_fast_path_writes_scrapys_bytes_for_every_record_class(text):
    items = records(text)
    assert all(JsonLinesExporter.fast_line(item) is not None for item in items)  # taken
    ours = export(items)
    assert ours == scrapy_export(items)
    assert ours == export(items, fast=False)
    lines = ours.split(b"\n")
    assert len(lines) == len(items) + 1  # one line per record
    assert lines[-1] == b""
    for line, item in zip(lines, items, strict=False):
        assert json.loads(line) == ItemAdapter(item).asdict()
        assert not line.endswith(b" ")
        assert b"\xe2\x80\xa8" not in line
        assert b"\xc2\x85" not in line


def test_every_record_class_is_covered():
    covered = {type(item) for item in records("x")}
    nested = {Ref, FeaturedImage, ImageSize}
    assert covered == set(crawler.feeds._RECORD_TYPES)
    for cls in (*covered, *nested):  # no field the fast path would skip or reorder
        assert fields(cls)


@pytest.mark.parametrize(
    "odd",
    [
        {"t": "lone" + chr(0xD800) + "\u2028"},  # orjson refuses surrogates: the net replaces
        {"n": 2**64},  # beyond orjson's integers
        {1: "int key", None: "none key"},
        {"s": {1, 2}},  # Scrapy's encoder writes sets as lists
    ],
)
def test_values_the_fast_path_leaves_take_the_general_path(odd):
    item = MediaItem(site="s", id=1, sizes=odd)  # type: ignore[arg-type]
    assert JsonLinesExporter.fast_line(item) is None
    expected = scrapy_export([item]) if "t" not in odd else None
    ours = export([item])
    if expected is not None:
        assert ours == expected
    else:
        assert ours.decode("utf-8").count("\ufffd") == 1
        assert b"\\u2028" in ours


def test_floats_take_the_fast_path_with_the_values_of_python_json():
    """ACF numbers (a rating of 3.5) must not send every record down the slow path."""
    floats = [3.5, 0.1, -0.0, 1e16, 1e-7, 123456789.0, 5e-324, 1.7976931348623157e308, -2.5e-5]
    item = MediaItem(site="s", id=1, sizes={"details": {"rating": 3.5, "all": floats}})  # type: ignore[arg-type]
    assert JsonLinesExporter.fast_line(item) is not None
    ours = export([item])
    assert json.loads(ours) == json.loads(scrapy_export([item]))
    assert json.loads(ours)["sizes"]["details"]["all"] == floats  # every float read back exactly
    assert b'"rating":3.5' in ours
    assert b"1e-7" in ours  # orjson's spelling of json's 1e-07: the same number


def test_non_finite_floats_are_written_as_null_on_the_fast_path():
    """No record built from JSON holds one (the builders null them); added later, a NaN is
    written as ``null``, valid JSON, where Python's ``json`` would write the invalid ``NaN``."""
    item = MediaItem(site="s", id=1, sizes={"f": float("nan"), "g": float("inf")})  # type: ignore[arg-type]
    assert json.loads(export([item]), parse_constant=pytest.fail)["sizes"] == {"f": None, "g": None}


def test_a_record_with_an_attribute_beyond_its_fields_takes_the_general_path():
    """orjson writes a dataclass's ``__dict__``: an attribute set on a record outside its fields
    (no leading underscore) must not reach the feed, and fields out of order keep their order."""
    item = UserItem(site="s", id=1, name="n")
    item.stray = "not a field"  # type: ignore[attr-defined]
    assert JsonLinesExporter.fast_line(item) is None
    assert b"stray" not in export([item])
    reordered = UserItem(site="s", id=2, name="n")
    state = vars(reordered)
    state["site"] = state.pop("site")  # the same fields, another order
    assert JsonLinesExporter.fast_line(reordered) is None
    assert export([reordered]) == scrapy_export([reordered])
    hidden = UserItem(site="s", id=3, name="n")
    vars(hidden)["_wordpress_problems"] = "kept out"
    assert JsonLinesExporter.fast_line(hidden) == scrapy_export(
        [UserItem(site="s", id=3, name="n")]
    )


@pytest.mark.parametrize(
    "options",
    [
        {"fields_to_export": ["id", "title", "type"]},
        {"fields_to_export": {"title": "name", "id": "id"}},
        {"encoding": "latin-1"},
        {"encoding": None},
        {"indent": 4},  # ignored by JSON lines, as by Scrapy's
        {"sort_keys": True},
        {"separators": (",", ":")},
    ],
)
def test_exporter_options_are_honoured_as_scrapy_does(options):
    items = records("Zoë " + NASTY[2])  # no line breaks: Scrapy's bytes are ours
    exporter = JsonLinesExporter(io.BytesIO(), **{"encoding": "utf-8", **options})
    assert exporter.fast == (options == {"indent": 4})
    file = io.BytesIO()
    # Compact, as the feeds are, unless the options say otherwise.
    theirs = JsonLinesItemExporter(
        file, **{"encoding": "utf-8", "separators": (",", ":"), **options}
    )
    for item in items:
        theirs.export_item(item)
    assert export(items, **options) == file.getvalue()


def test_the_feed_filter_reads_the_type_without_an_item_adapter(monkeypatch):
    items = records("x")
    expected = [ItemAdapter(item).get("type") for item in items]

    def no_adapter(item: Any) -> Any:
        raise AssertionError(f"an ItemAdapter for {type(item).__name__}")

    monkeypatch.setattr(crawler.feeds, "ItemAdapter", no_adapter)
    assert [record_type_of(item) for item in items] == expected
    assert RecordTypeFilter({"record_type": "post"}).accepts(items[0])
    assert not RecordTypeFilter({"record_type": "page"}).accepts(items[0])


def test_the_feed_filter_reads_other_items_through_item_adapter():
    assert record_type_of({"type": "post"}) == "post"
    assert record_type_of({}) is None
    assert RecordTypeFilter({"record_type": "event"}).accepts({"type": "event", "id": 1})


# parse_json: orjson where it reads as Python's json does ------------------------------------

BODIES = [
    b'[{"id": 1, "title": {"rendered": "Zo\\u00eb \\ud83d\\ude00"}, "x": [1.5, -0, 1e5, null]}]',
    b'{"a": 1, "a": 2}',
    b'{"id": 18446744073709551615}',  # the largest 64-bit integer orjson reads as one
    b'{"id": 18446744073709551616}',  # one more: orjson would make it a float
    b'{"id": 123456789012345678901234567890}',
    b'"lone \\ud800 surrogate"',
    b"[NaN, Infinity, -Infinity]",
    b"  \n[1, 2]  \n",
    b"\xef\xbb\xbf[1]",
    b"[1]<!-- cached -->",
    b"1], [2",
    b'{"t": "\xff\xfe"}',
    b"[1e400, 1e-400]",
    b"[" * 256 + b"]" * 256,
    b"[" * 300 + b"]" * 300,
]


def stdlib_parse(body: bytes) -> Any:
    """Ground truth: the tolerant path alone, with Python's json."""
    original = jsonbody._fast_parse
    try:
        jsonbody._fast_parse = lambda body: jsonbody._NOT_PARSED  # type: ignore[assignment]
        return parse_json(body)
    finally:
        jsonbody._fast_parse = original


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0), NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("body", BODIES, ids=lambda body: repr(body[:30]))
def test_parse_json_reads_what_pythons_json_reads(body):
    assert same(parse_json(body), stdlib_parse(body))
    assert same(parse_json(body.decode("utf-8", "replace")), stdlib_parse(body))


def test_parse_json_takes_orjson_for_a_plain_page(monkeypatch):
    def no_stdlib(*args: Any) -> Any:
        raise AssertionError("Python's json was used")

    monkeypatch.setattr(jsonbody, "_decode", no_stdlib)
    assert parse_json(BODIES[0])[0]["title"]["rendered"] == "Zoë 😀"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"[" * 100_000, "too_deep"),
        (b'[{"id": ' + b"9" * 5000 + b"}]", "huge_number"),
        (b"", "empty"),
        (b"<html><title>Moment</title></html>", "html"),
        (b"Fatal error", "text"),
    ],
)
def test_parse_json_fails_as_before(body, kind):
    with pytest.raises(NotJsonError) as raised:
        parse_json(body)
    assert raised.value.kind == kind
    with pytest.raises(NotJsonError) as before:
        stdlib_parse(body)
    assert str(raised.value) == str(before.value)


def test_json_deeper_than_pythons_limit_is_still_refused():
    depth = sys.getrecursionlimit() + 10
    with pytest.raises(NotJsonError) as raised:
        parse_json(b"[" * depth + b"]" * depth)
    assert raised.value.kind == "too_deep"
