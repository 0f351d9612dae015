"""Parse once with libxml2, after removing the characters it would mangle.

We parse with ``lxml.etree.HTMLParser`` directly rather than through BeautifulSoup: it is
the same libxml2 parser BeautifulSoup's ``"lxml"`` feature drives, so broken markup is
repaired identically, but building BeautifulSoup's Python tree costs ~1.4 ms per 10 KB
post against ~0.1 ms for lxml (``bench/bench_clean.py``): 40% of the 3.3 ms budget of the
300 posts/s target before any cleaning. The Markdown step reads the clean node tree, not
BeautifulSoup either (see :mod:`.markdown`).
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["parse_html", "prepare_html"]

# Removed before parsing: C0 controls (libxml2 would turn them into U+FFFD), zero-width
# spaces, word joiners, BOMs and soft hyphens editors leave behind. Vertical tab and form
# feed (whitespace in HTML, but U+FFFD for libxml2) become spaces.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2060\ufeff\u00ad]+")
# The same C0 controls as bytes, deleted with bytes.translate to test for any.
_C0_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_ZERO_WIDTH = ("\u200b", "\u2060", "\ufeff", "\u00ad")


def prepare_html(html: str) -> bytes:
    """Remove invisible characters and encode, so libxml2 never sees what it would mangle.

    Lone surrogates (possible in Python strings, never in real documents) are dropped.

    >>> prepare_html("a\\u00adb\\x0bc\\ud800")
    b'ab c'
    >>> prepare_html("a\\x01b\\x7f"), prepare_html("tab\\tnew\\nline")
    (b'ab', b'tab\\tnew\\nline')
    """
    data = html.encode("utf-8", "ignore")
    # A regex over the str with non-ASCII in its class costs ~150 µs per 10 KB, a regex
    # over the bytes ~60 µs; a translate that deletes the controls (a table lookup per
    # byte, in C) plus four substring tests ~20 µs, and usually ends here.
    if len(data.translate(None, _C0_BYTES)) != len(data) or any(c in html for c in _ZERO_WIDTH):
        data = _INVISIBLE.sub(_invisible_replacement, html).encode("utf-8", "ignore")
    return data


def _invisible_replacement(m: re.Match[str]) -> str:
    return " " if "\x0b" in m.group() or "\x0c" in m.group() else ""


def parse_html(html: str) -> etree._Element | None:
    """Parse an HTML fragment or document with libxml2; None when there is nothing to parse.

    A new parser per call costs ~1.5 µs and keeps this safe to use from several threads.
    ``<meta charset>`` in the input cannot switch the decoding: the encoding is fixed.
    """
    data = prepare_html(html)
    if not data.strip():
        return None
    parser = etree.HTMLParser(
        encoding="utf-8",
        remove_comments=True,  # <!--more-->, <!--nextpage-->, block delimiters, IE hacks
        remove_pis=True,
        no_network=True,
        recover=True,
        default_doctype=False,
        collect_ids=False,
    )
    try:
        return etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError):
        return None
