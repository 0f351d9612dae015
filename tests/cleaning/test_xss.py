"""Every vector in ``xss_vectors.txt`` must come out inert in HTML, text and Markdown.

The checks do not trust the cleaner's own allow-list: they re-parse the output with two
independent parsers (Python's ``html.parser``, which tokenizes like a browser, and lxml)
and look for any forbidden element, any attribute outside the documented set, and any
URL whose scheme a browser would run. When ``nh3`` (Ammonia) is installed it serves as a
second opinion: configured with our allow-list, it must find nothing to remove.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree

from crawler.cleaning import clean_content, clean_excerpt, clean_inline_text

TOKENS = {
    "{{NUL}}": "\x00",
    "{{TAB}}": "\t",
    "{{LF}}": "\n",
    "{{CR}}": "\r",
    "{{FF}}": "\x0c",
    "{{VT}}": "\x0b",
    "{{SOH}}": "\x01",
    "{{ESC}}": "\x1b",
    "{{ZWSP}}": "\u200b",
}


def load_vectors() -> list[str]:
    vectors = []
    for line in (Path(__file__).parent / "xss_vectors.txt").read_text("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        for token, char in TOKENS.items():
            line = line.replace(token, char)
        vectors.append(line)
    return vectors


VECTORS = load_vectors()
BASES = [None, "https://example.com/2024/05/post/"]

# What the brief allows in the output, written out independently of the implementation.
ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "hr",
    "br",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "a",
    "img",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "sub",
    "sup",
    "code",
    "kbd",
    "samp",
    "var",
    "mark",
    "small",
    "abbr",
    "cite",
    "q",
    "dfn",
}
ALLOWED_ATTRS = {"href", "src", "alt", "title", "colspan", "rowspan", "start"}
FORBIDDEN_TAG_TEXT = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|form|svg|math|base|meta|link|style|frame|applet"
    r"|template|noscript|input|button|textarea)\b",
    re.IGNORECASE,
)
SAFE_SCHEMES = {"http", "https", "mailto", "tel", "ftp"}


def url_problem(name: str, value: str) -> str | None:
    """Normalise like a browser (WHATWG URL parser) and judge the scheme."""
    url = re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21)))))
    m = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", url)
    if m is None:
        return None  # relative
    scheme = m.group(1).lower()
    if scheme not in SAFE_SCHEMES or (name == "src" and scheme not in {"http", "https"}):
        return f"{name} with scheme {scheme!r}: {value!r}"
    return None


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def html_problems(html: str) -> list[str]:
    problems = []
    if FORBIDDEN_TAG_TEXT.search(html):
        problems.append("forbidden tag in markup")
    collector = _Collector()
    collector.feed(html)
    collector.close()
    elements = list(collector.elements)
    if html.strip():
        root = etree.fromstring(html.encode(), etree.HTMLParser(encoding="utf-8"))
        if root is not None:
            elements += [
                (el.tag, list(el.attrib.items()))
                for el in root.iter()
                if isinstance(el.tag, str) and el.tag not in ("html", "body")
            ]
    for tag, attrs in elements:
        if tag not in ALLOWED_TAGS:
            problems.append(f"element <{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRS:
                problems.append(f"attribute {name}= on <{tag}>")
            elif name in ("href", "src") and (p := url_problem(name, value or "")):
                problems.append(p)
    return problems


_FENCE = re.compile(r"^(`{3,})[^\n]*\n.*?^\1\s*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_RAW_TAG = re.compile(r"(?<!\\)<(/?)([A-Za-z][A-Za-z0-9-]*)")
_DESTINATION = re.compile(r"(?<!\\)\]\(\s*<?\s*([^)\s>]*)")
_AUTOLINK = re.compile(r"(?<!\\)<([a-zA-Z][a-zA-Z0-9+.\-]*:[^>\s]*)>")


def markdown_problems(md: str) -> list[str]:
    """Raw HTML (other than <sub>/<sup>) or unsafe link destinations, outside code."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", md))
    problems = []
    for m in _AUTOLINK.finditer(prose):
        if p := url_problem("href", m.group(1)):
            problems.append("autolink " + p)
    prose = _AUTOLINK.sub("", prose)
    for m in _RAW_TAG.finditer(prose):
        if m.group(2).lower() not in ("sub", "sup"):
            problems.append(f"raw HTML <{m.group(1)}{m.group(2)}>")
    for m in _DESTINATION.finditer(prose):
        if p := url_problem("href", m.group(1)):
            problems.append("link " + p)
    return problems


def test_corpus_is_substantial() -> None:
    assert len(VECTORS) >= 150


@pytest.mark.parametrize("base_url", BASES, ids=["no-base", "base"])
@pytest.mark.parametrize("vector", VECTORS, ids=range(len(VECTORS)))
def test_vector_is_inert(vector: str, base_url: str | None) -> None:
    cleaned = clean_content(vector, base_url)
    assert html_problems(cleaned.html) == [], cleaned.html
    assert markdown_problems(cleaned.markdown or "") == [], cleaned.markdown
    for url in cleaned.links + [img["src"] for img in cleaned.images]:
        assert url_problem("href", url) is None
    for text in (cleaned.text, clean_excerpt(vector), clean_inline_text(vector)):
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)


@pytest.mark.parametrize("vector", VECTORS, ids=range(len(VECTORS)))
def test_vector_cleaning_is_stable(vector: str) -> None:
    once = clean_content(vector).html
    assert clean_content(once).html == once


def test_checker_catches_unsafe_output() -> None:
    """The checks above would fail on the raw vectors (they are not vacuous)."""
    caught = sum(bool(html_problems(v)) for v in VECTORS if "<" in v)
    assert caught >= 0.8 * sum("<" in v for v in VECTORS)
    assert markdown_problems("[x](javascript:alert(1))")
    assert markdown_problems("<script>alert(1)</script>")
    assert not markdown_problems("x<sup>2</sup> `<script>` <https://ok.example/>")


def _tree_signature(html: str) -> list[tuple[str, tuple[tuple[str, str], ...], str]]:
    if not html.strip():
        return []
    root = etree.fromstring(html.encode(), etree.HTMLParser(encoding="utf-8"))
    if root is None:
        return []
    return [  # html5ever inserts <tbody>; that is structure, not sanitizing
        (el.tag, tuple(sorted(el.attrib.items())), " ".join("".join(el.itertext()).split()))
        for el in root.iter()
        if isinstance(el.tag, str) and el.tag not in ("html", "body", "tbody")
    ]


@pytest.mark.parametrize("vector", VECTORS, ids=range(len(VECTORS)))
def test_ammonia_finds_nothing_to_remove(vector: str) -> None:
    """nh3 with the same allow-list leaves our output unchanged (differential check)."""
    nh3 = pytest.importorskip("nh3")
    from crawler.cleaning.tree import ALLOWED_ATTRIBUTES

    html = clean_content(vector, "https://example.com/post/").html
    again = nh3.clean(
        html,
        tags=set(ALLOWED_ATTRIBUTES),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items() if attrs},
        url_schemes=SAFE_SCHEMES,
        link_rel=None,
    )
    assert _tree_signature(again) == _tree_signature(html)
