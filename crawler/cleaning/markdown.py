"""Markdown from the clean node tree, with ``html-to-markdown`` (a Rust converter).

The tree is written once more as HTML made for the converter (:func:`markdown_html`),
then converted in one native call: no BeautifulSoup tree, no Python-level second parse.
Settings: ATX headings (``## Title``), ``-`` bullets, ``*``/``**`` emphasis, backslash hard
breaks (trailing double spaces get eaten by editors), GFM tables with the first row as
header, ``<sub>``/``<sup>`` kept as HTML (``10<sup>6</sup>`` must not become ``106``).

Escaping is ours, not the converter's: its options are all-or-nothing (escaping every
``_`` mangles ``snake_case`` and URLs in prose), and with them off it writes a literal
``<script>`` of a tutorial as raw HTML. We escape only what would change the meaning:

* ``\\``, ``*`` and backticks everywhere; ``_`` only at a word boundary (intra-word
  underscores never start emphasis in CommonMark);
* ``<`` when it could open a tag or autolink, ``&`` when it would form an entity, ``]``
  when followed by ``(``, ``[`` or ``:`` (link syntax), ``|`` inside table cells, and
  every bracket inside link text and image descriptions;
* at the start of a line only: ``#`` headings, ``>`` quotes, ``-``/``+`` bullets,
  ``1.`` numbered items, ``===``/``---`` underlines and ``~~~`` fences.

The converter escapes some of these itself (and a backslash before punctuation), so a
backslash we wrote would come out doubled. Each character to escape is therefore written
as a Unicode noncharacter (U+FDD0…) that the converter passes through untouched, and
turned into backslash + character afterwards. Noncharacters in the text itself (never
meaningful in a post) are dropped from the Markdown so they cannot be confused.

Elements the converter would render differently from our conventions are rewritten in
that HTML: phrasing elements without a Markdown form (``<u>``, ``<mark>``…) are unwrapped,
a table caption becomes a paragraph before its table, figures and their captions become
plain blocks, and an image inside a heading or cell (but not directly in a cell or link)
becomes its description.
"""

from __future__ import annotations

import re
from typing import Final

from html_to_markdown import ConversionOptions, convert

from .tags import HEADING_TAGS
from .tree import BR, Item, Node, escape_attr, escape_text

__all__ = ["markdown_html", "to_markdown"]

# One noncharacter per character we may escape; mapped to "\" + character afterwards.
_ESCAPABLE = "\\*`_<&[]|#>-+=~.)"
_MARK: Final = {c: chr(0xFDD0 + i) for i, c in enumerate(_ESCAPABLE)}
_UNMARK = {ord(m): "\\" + c for c, m in _MARK.items()}
# An autolink's angle brackets, which must come out as they are.
_AUTOLINK_OPEN, _AUTOLINK_CLOSE = "\ufdee", "\ufdef"
_UNMARK[ord(_AUTOLINK_OPEN)] = "<"
_UNMARK[ord(_AUTOLINK_CLOSE)] = ">"
# The converter starts a quote on the line after a paragraph; a marked paragraph before
# it, removed with its line afterwards, leaves the blank line CommonMark readers expect.
_QUOTE_MARK = "\ufded"
_QUOTE_LINE = re.compile(f"^[ \t>]*{_QUOTE_MARK}\n", re.MULTILINE)
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")

# Also finds noncharacters, which are dropped so that only our marks remain.
_SPECIAL = re.compile("[\\\\*`_<&\\[\\]|\ufdd0-\ufdef]")
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LT = re.compile(r"<(?=[A-Za-z/!?])")
_AMP = re.compile(r"&(?=#?\w+;)")
_CLOSE_BRACKET = re.compile(r"\](?=[(\[:])")
_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|=+\s*$|-+\s*$|~{3,})")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_LINE_START_HINT = frozenset("#>-+=~0123456789")
_ABSOLUTE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^\s<>]*$")

# Elements whose first child starts a Markdown line: the blocks that hold inline content.
_LINE_PARENTS = HEADING_TAGS | {
    "p",
    "li",
    "td",
    "th",
    "blockquote",
    "dd",
    "dt",
    "figcaption",
    "caption",
    "figure",
}
# Phrasing elements with no Markdown form: only their content is written.
_UNMARKED_INLINE = frozenset({"u", "mark", "small", "abbr", "cite", "ins", "dfn", "var"})
# Elements whose content is code: no escaping inside.
_NOFORMAT = frozenset({"pre", "code", "kbd", "samp"})
# Written as plain blocks: the converter would emphasise captions and run images together.
_AS_DIV = frozenset({"figure", "figcaption"})
_CELLS = frozenset({"td", "th"})
_ATTRIBUTES = {"a": ("href", "title"), "img": ("src", "alt", "title"), "ol": ("start",)}
_ATTRIBUTES["td"] = _ATTRIBUTES["th"] = ("colspan", "rowspan")

# Context bits passed down the walk.
_IN_LINK, _IN_CELL, _NO_FORMAT, _INLINE, _IN_QUOTE = 1, 2, 4, 8, 16

# Passed to the public ``convert``, which turns them into the native options on every call
# (~0.05 ms of a 10 KB post's ~0.45 ms): the price of using only the package's public API.
_OPTIONS = ConversionOptions(
    heading_style="atx",
    bullets="-",
    strong_em_symbol="*",
    newline_style="backslash",
    sub_symbol="<sub>",
    sup_symbol="<sup>",
    code_block_style="backticks",
    list_indent_width=2,
    compact_tables=True,
    autolinks=False,
    expand_abbreviations=False,
    include_blockquote_citations=False,
    extract_metadata=False,
    escape_asterisks=False,
    escape_underscores=False,
    escape_misc=False,
    escape_ascii=False,
)


def _escape(text: str, ctx: int, line_start: bool) -> str:
    """Mark the characters of *text* that Markdown would read as syntax (see module doc)."""
    if _SPECIAL.search(text):
        text = _NONCHARACTERS.sub("", text)
        # Marked everywhere: three replaces cost less than a regex calling back per match.
        text = text.replace("\\", _MARK["\\"]).replace("*", _MARK["*"]).replace("`", _MARK["`"])
        if "_" in text:
            text = _UNDERSCORE.sub(_MARK["_"], text)
        if "<" in text:
            text = _LT.sub(_MARK["<"], text)
        if "&" in text:
            text = _AMP.sub(_MARK["&"], text)
        if "]" in text:
            text = _CLOSE_BRACKET.sub(_MARK["]"], text)
        if ctx & _IN_CELL and "|" in text:
            text = text.replace("|", _MARK["|"])
        if ctx & _IN_LINK:
            text = text.replace("[", _MARK["["]).replace("]", _MARK["]"])
    if line_start:
        stripped = text.lstrip()
        if stripped and stripped[0] in _LINE_START_HINT:
            lead = text[: len(text) - len(stripped)]
            if _LINE_START.match(stripped):
                text = lead + _MARK[stripped[0]] + stripped[1:]
            else:
                m = _ORDERED.match(stripped)
                if m:
                    end = m.end(1)
                    text = lead + stripped[:end] + _MARK[m.group(2)] + stripped[end + 1 :]
    return text


def _alt(text: str, ctx: int) -> str:
    """An image description: escaped as text, and every bracket too."""
    text = _escape(text, ctx, False)
    return text.replace("[", _MARK["["]).replace("]", _MARK["]"])


def _open(tag: str, attrs: dict[str, str] | None, names: tuple[str, ...]) -> str:
    if not attrs:
        return f"<{tag}>"
    parts = [tag]
    for name in names:
        value = attrs.get(name)
        if value is not None:
            if name == "title":  # written verbatim by the converter: no stray marks
                value = _NONCHARACTERS.sub("", value)
            parts.append(f'{name}="{escape_attr(value)}"')
    return f"<{' '.join(parts)}>"


def _is_autolink(node: Node) -> bool:
    """A link whose text is its absolute URL: written as ``<url>``.

    Not the converter's own autolinks: it also writes ``<a@b.c>`` for a ``mailto:`` link
    whose text is only the address, which reads as a tag to a Markdown sanitizer.
    """
    attrs = node.attrs or {}
    href = attrs.get("href", "")
    children = node.children
    return (
        len(children) == 1
        and children[0] == href
        and "title" not in attrs
        and "(" not in href
        and _ABSOLUTE.match(href) is not None
    )


def _walk(  # noqa: PLR0912, PLR0915 - one branch per kind of node
    items: list[Item], out: list[str], ctx: int, line_start: bool, parent: str
) -> None:
    for index, it in enumerate(items):
        if type(it) is not Node:
            text = _NONCHARACTERS.sub("", it) if ctx & _NO_FORMAT else _escape(it, ctx, line_start)
            # html.escape(quote=False) inlined: a call per text node costs more.
            out.append(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
            line_start = False
            continue
        if it is BR:
            out.append("<br>")
            line_start = True
            continue
        tag = it.tag
        if tag in _UNMARKED_INLINE:
            _walk(it.children, out, ctx, line_start, parent)
            line_start = False
            continue
        if tag == "img":
            attrs = it.attrs or {}
            if ctx & _INLINE and parent not in ("td", "th", "a"):
                out.append(escape_text(_alt(attrs.get("alt", ""), ctx)))
            else:
                alt = _alt(attrs.get("alt", ""), ctx)
                out.append(_open("img", {**attrs, "alt": alt}, _ATTRIBUTES["img"]))
            line_start = False
            continue
        if tag == "a":
            if _is_autolink(it):
                out.append(f"{_AUTOLINK_OPEN}{escape_text(str(it.children[0]))}{_AUTOLINK_CLOSE}")
            else:
                out.append(_open("a", it.attrs, _ATTRIBUTES["a"]))
                _walk(it.children, out, ctx | _IN_LINK, False, "a")
                out.append("</a>")
            line_start = False
            continue
        children = it.children
        child_ctx = ctx
        if tag in HEADING_TAGS:
            child_ctx |= _INLINE
        elif tag in _CELLS:
            child_ctx |= _INLINE | _IN_CELL
        elif tag in _NOFORMAT:
            child_ctx |= _NO_FORMAT
        if tag == "table" and children:
            caption = children[0]
            if type(caption) is Node and caption.tag == "caption":
                out.append("<p>")
                _walk(caption.children, out, ctx, True, "caption")
                out.append("</p>")
                children = children[1:]
        if tag == "blockquote":
            if index and not ctx & (_IN_QUOTE | _IN_CELL):  # the converter spaces those
                out.append(f"<p>{_QUOTE_MARK}</p>")
            child_ctx |= _IN_QUOTE
        name = "div" if tag in _AS_DIV else tag
        out.append(_open(name, it.attrs, _ATTRIBUTES.get(tag, ())))
        if tag != "hr":
            _walk(children, out, child_ctx, tag in _LINE_PARENTS, tag)
            out.append(f"</{name}>")
        line_start = False


def markdown_html(items: list[Item]) -> str:
    """The HTML the converter reads: clean *items* with Markdown escapes already marked.

    >>> html = markdown_html([Node("p", None, ["# 2*3 ", Node("mark", None, ["<b>"])])])
    >>> html.translate(_UNMARK)  # each mark is a noncharacter until here
    '<p>\\\\# 2\\\\*3 \\\\<b&gt;</p>'
    """
    out: list[str] = []
    _walk(items, out, 0, True, "")
    return "".join(out)


def to_markdown(items: list[Item]) -> str:
    r"""Convert clean *items* (the sanitizer's output) to Markdown.

    >>> from crawler.cleaning.tree import Node
    >>> to_markdown([Node("h2", None, ["snake_case & *stars*"]),
    ...              Node("p", None, ["1986. A ", Node("a", {"href": "https://e.x/a_(b"}, ["year"])])])
    '## snake_case & \\*stars\\*\n\n1986\\. A [year](https://e.x/a_\\(b)'
    """
    if not items:
        return ""
    markdown = convert(markdown_html(items), _OPTIONS).content or ""
    if _QUOTE_MARK in markdown:
        markdown = _QUOTE_LINE.sub("", markdown)
    return _unmark(markdown).strip()


# In UTF-8 every character U+FDC0…U+FDFF starts with these two bytes (a lead byte, never
# inside another character), the noncharacters with a third byte 0x90…0xAF.
_MARK_LEAD: Final = b"\xef\xb7"
_UNMARK_BYTES: Final = {
    chr(c).encode()[2]: _UNMARK.get(c, "").encode() for c in range(0xFDD0, 0xFDF0)
}


def _unmark(markdown: str) -> str:
    """Our escape for each mark; a quote mark the converter moved off its own line goes.

    Done on the UTF-8 bytes: finding the marks there is a substring search, where a regex
    over the text (or str.translate, which looks up every character) costs several times
    as much.

    >>> _unmark(f"a{_MARK['*']}b{_QUOTE_MARK}\ufdfd{_AUTOLINK_OPEN}")
    'a\\\\*b\ufdfd<'
    """
    data = markdown.encode("utf-8", "surrogatepass")
    if _MARK_LEAD not in data:
        return markdown
    parts = data.split(_MARK_LEAD)
    out = [parts[0]]
    for i in range(1, len(parts)):
        part = parts[i]
        replacement = _UNMARK_BYTES.get(part[0]) if part else None
        if replacement is None:  # another character of the block (U+FDF0…U+FDFF)
            out.append(_MARK_LEAD)
            out.append(part)
        else:
            out.append(replacement)
            out.append(part[1:])
    return b"".join(out).decode("utf-8", "surrogatepass")
