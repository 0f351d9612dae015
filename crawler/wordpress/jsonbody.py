"""Tolerant JSON parsing for REST bodies that real WordPress sites corrupt.

Sites print BOMs (several, from several included files), whitespace, PHP notices and stray
output before the JSON, and caches append HTML comments after it. ``json.loads`` fails on all
of these; a crawler that gives up loses data it could have read. HTML pages served where JSON
belongs (security plugins, caches, challenge pages) are not salvageable and get an error that
says what was served instead.

Parsing stays linear in the size of the body whatever a site sends: the noise before the JSON is
searched for at most :data:`MAX_CANDIDATES` starts within its first :data:`MAX_NOISE_CHARS`
(each failed attempt costs Python's decoder time proportional to its offset, so unbounded tries
were quadratic: 1.6 MB of ``[0 [0 …`` took 15 s), and JSON nested deeper than Python's recursion
limit or with an integer longer than its int-digit limit (4300) is a malformed page
(:class:`NotJsonError`), never an exception that escapes the crawl.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import orjson
from parsel import Selector

_BOM = "\ufeff"
_DECODER = json.JSONDecoder()
_HTML_START = re.compile(r"\s*(<!doctype html|<html|<head|<body)", re.IGNORECASE)
# A JSON document starts at a line start or right after markup/noise, with { or [ followed by
# something JSON-like; this avoids treating "[Warning]" in a PHP notice as the payload.
_JSON_START = re.compile(r'[\[{](?=\s*(?:["{\[\]}]|-?\d|true|false|null))')
MAX_CANDIDATES = 20
"""Starts of a JSON document tried after the noise; real noise (BOMs, PHP notices) has a few."""
MAX_NOISE_CHARS = 256 * 1024
"""How far into the body the JSON may start: an xdebug trace before it fits, a whole page not."""


class NotJsonError(ValueError):
    """The body holds no JSON document; ``kind`` says what it held instead (``html``, ``empty``...)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def decode_body(body: bytes) -> str:
    """Decode a REST body as UTF-8 (WordPress's charset), replacing what is not.

    >>> decode_body(b'\\xef\\xbb\\xbf{}')
    '\\ufeff{}'
    """
    return body.decode("utf-8", errors="replace")


def parse_json(body: bytes | str) -> Any:
    """Parse the JSON document in ``body``, skipping the noise real sites put around it.

    >>> parse_json(b'\\xef\\xbb\\xbf\\xef\\xbb\\xbf\\n[1, 2]')
    [1, 2]
    >>> parse_json('<br />\\n<b>Warning</b>:  Undefined index in <b>x.php</b> on line <b>3</b><br />\\n{"a": 1}')
    {'a': 1}
    >>> parse_json('{"a": [1]}<!-- Cached by WP Rocket -->')
    {'a': [1]}
    >>> parse_json('<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>')
    Traceback (most recent call last):
    ...
    crawler.wordpress.jsonbody.NotJsonError: an HTML page ("Just a moment...") instead of JSON
    """
    fast = _fast_parse(body)
    if fast is not _NOT_PARSED:
        return fast
    text = decode_body(body) if isinstance(body, bytes) else body
    text = text.lstrip().lstrip(_BOM).lstrip()
    while text.startswith(_BOM):
        text = text.lstrip(_BOM).lstrip()
    if not text:
        raise NotJsonError("an empty body instead of JSON", kind="empty")
    try:
        return _decode(text, 0)
    except json.JSONDecodeError:
        pass
    if _HTML_START.match(text):
        raise NotJsonError(f"an HTML page{_describe_title(text)} instead of JSON", kind="html")
    for tried, match in enumerate(_JSON_START.finditer(text, 0, MAX_NOISE_CHARS)):
        if tried >= MAX_CANDIDATES:
            break
        try:
            return _decode(text, match.start())
        except json.JSONDecodeError:
            continue
    if "<" in text[:200]:
        raise NotJsonError(f"an HTML page{_describe_title(text)} instead of JSON", kind="html")
    snippet = " ".join(text[:60].split())
    raise NotJsonError(f"a body that is not JSON ({snippet!r}...)", kind="text")


_NOT_PARSED = object()
_DIGITS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
"""A ``bytes.translate`` table that keeps digits and blanks everything else."""
_HUGE_INTEGER = b"0" * 20
"""20 digits in a row (after :data:`_DIGITS`): maybe an integer beyond 64 bits, which orjson
reads as a float; a translate and a substring search cost far less than a regex scan."""
FAST_MAX_DEPTH = 256
"""The deepest JSON the orjson path reads, far below Python's recursion limit (WordPress
sends fewer than 20 levels); deeper JSON is read, or refused, by the tolerant path."""
_WRAP = 1024 - FAST_MAX_DEPTH  # orjson reads at most 1024 levels
_OPEN, _CLOSE = b"[" * _WRAP, b"]" * _WRAP


def _fast_parse(body: bytes | str) -> Any:
    """``body`` read by orjson when it is one plain JSON document, else ``_NOT_PARSED``.

    orjson is stricter than Python's ``json`` (BOMs, noise, ``NaN``, lone surrogates in
    ``\\ud800`` escapes) and reads an integer beyond 64 bits as a float: a body with any of
    these, with 20 digits in a row anywhere, or nested deeper than :data:`FAST_MAX_DEPTH` (the
    body is read inside :data:`_WRAP` arrays of one element, so orjson's own depth limit
    refuses it) is left to the tolerant path, which reads it, or fails, as before.

    >>> _fast_parse(b'{"id": 1, "t": "\\\\u00e9"}'), _fast_parse(b'"\\\\ud800"') is _NOT_PARSED
    ({'id': 1, 't': 'é'}, True)
    >>> _fast_parse(b'[18446744073709551616]') is _NOT_PARSED, _fast_parse(b'1], [2') is _NOT_PARSED
    (True, True)
    >>> _fast_parse(b"[" * 256 + b"]" * 256) is _NOT_PARSED, _fast_parse(b"[" * 257 + b"]" * 257) is _NOT_PARSED
    (False, True)
    """
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    if _HUGE_INTEGER in data.translate(_DIGITS):
        return _NOT_PARSED
    try:
        value = orjson.loads(_OPEN + data + _CLOSE)
    except orjson.JSONDecodeError:
        return _NOT_PARSED
    for _ in range(_WRAP):
        if len(value) != 1:  # the body was not one document: "1], [2" reads as two
            return _NOT_PARSED
        value = value[0]
    return value


def _decode(text: str, start: int) -> Any:
    """The JSON document at ``start``; Python's own limits become a malformed page.

    >>> _decode("[" * 100_000, 0)
    Traceback (most recent call last):
    ...
    crawler.wordpress.jsonbody.NotJsonError: JSON nested too deeply to read (more than Python's recursion limit)
    >>> _decode('[{"id": ' + "9" * 5000 + "}]", 0)
    Traceback (most recent call last):
    ...
    crawler.wordpress.jsonbody.NotJsonError: JSON with an integer of more than 4300 digits
    """
    try:
        return _DECODER.raw_decode(text, start)[0]
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise NotJsonError(
            "JSON nested too deeply to read (more than Python's recursion limit)", kind="too_deep"
        ) from None
    except ValueError as exc:  # only the int-digit limit: every syntax error is a JSONDecodeError
        raise NotJsonError(
            f"JSON with an integer of more than {sys.get_int_max_str_digits()} digits",
            kind="huge_number",
        ) from exc


def html_title(text: str) -> str | None:
    """The ``<title>`` of an HTML page, whitespace collapsed.

    >>> html_title("<html><title> Site &amp; \\n blog </title>")
    'Site & blog'
    >>> html_title("<p>no title</p>") is None
    True
    """
    if "<" not in text:
        return None
    title = html_selector(text).xpath("string((//title)[1])").get("")
    return " ".join(title.split()) or None


def html_selector(text: str) -> Selector:
    """A parsel selector over an HTML page, whatever the text holds (lone surrogates too)."""
    return Selector(body=text.encode("utf-8", "replace"), encoding="utf-8", type="html")


def _describe_title(text: str) -> str:
    title = html_title(text)
    return f' ("{title[:80]}")' if title else ""
