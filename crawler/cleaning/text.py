"""Plain text from the clean node tree, and word counting.

Layout rules (the contract the golden ``.expected.txt`` files pin down):

* blocks (paragraphs, headings, lists, tables, quotes, captions, code) are separated by
  exactly one blank line; ``<br>`` is a single newline;
* list items start with ``- `` (unordered) or ``N. `` (ordered, honouring ``start``);
  continuation lines and nested lists are indented to the item's text;
* table rows are one line each, cells joined with `` | ``; the caption is a line above;
* blockquotes are plain paragraphs (no ``>``: that would be markup), ``<q>`` gets ``"``,
  ``<sup>`` a ``^`` (``10<sup>4</sup>`` reads ``10^4``, not ``104``);
* images contribute nothing (emoji were already turned into their characters);
* ``<pre>`` keeps its line breaks and indentation, everything else is whitespace-collapsed.

The tree holds decoded text, so the result has no entities; it only contains ``<`` or
``&`` when the author wrote them as text (``&lt;div&gt;`` in a tutorial stays ``<div>``).
"""

from __future__ import annotations

import re

from .tags import BLOCK_TAGS, HEADING_TAGS
from .tree import BR, Item, Node

__all__ = ["count_words", "to_text"]

# Blocks whose content is one line of inline text.
_LINE_BLOCKS = HEADING_TAGS | {"p", "dt", "caption"}
# Blocks whose content is rendered as blocks of its own.
_NESTED_BLOCKS = frozenset(["blockquote", "figure", "figcaption", "li", "dd", "td", "th"])
_SPACES = re.compile(r"  +")


def to_text(items: list[Item]) -> str:
    """Render clean *items* as plain text (see the module docstring for the layout).

    >>> to_text([Node("h2", None, ["Title"]), Node("p", None, ["a", BR, "b"])])
    'Title\\n\\na\\nb'
    >>> to_text([Node("ol", {"start": "3"}, [Node("li", None, ["x"]), Node("li", None, ["y"])])])
    '3. x\\n4. y'
    """
    return "\n\n".join(_blocks(items))


def _blocks(items: list[Item]) -> list[str]:
    out: list[str] = []
    pending: list[Item] = []
    for it in items:
        if type(it) is not Node or it.tag not in BLOCK_TAGS:
            pending.append(it)
            continue
        if pending:
            _add(out, _inline(pending))
            pending = []
        tag = it.tag
        if tag in _LINE_BLOCKS:
            _add(out, _inline(it.children))
        elif tag in _NESTED_BLOCKS:
            out.extend(_blocks(it.children))
        elif tag in {"ul", "ol"}:
            _add(out, _list(it))
        elif tag == "table":
            _add(out, _table(it))
        elif tag == "pre":
            _add(out, _pre(it.children).strip("\n"))
        elif tag == "dl":
            _add(out, _definitions(it))
    if pending:
        _add(out, _inline(pending))
    return out


def _add(out: list[str], text: str) -> None:
    if text:
        out.append(text)


def _inline(items: list[Item]) -> str:
    text = "".join(_inline_parts(items, []))
    if "  " in text:  # a substring test is far cheaper than the regex that finds none
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = "\n".join(line for line in (ln.strip() for ln in text.split("\n")) if line)
    return text.strip()


def _inline_parts(items: list[Item], parts: list[str]) -> list[str]:
    for it in items:
        if type(it) is not Node:
            parts.append(it)
        elif it is BR:
            parts.append("\n")
        elif it.tag == "q":
            parts.append('"')
            _inline_parts(it.children, parts)
            parts.append('"')
        elif it.tag == "sup":  # 10<sup>4</sup> must not read "104"
            parts.append("^")
            _inline_parts(it.children, parts)
        elif it.tag in BLOCK_TAGS:  # a block inside a cell or an item: its own line
            parts.append("\n")
            parts.append("\n".join(_blocks([it])))
            parts.append("\n")
        else:
            _inline_parts(it.children, parts)
    return parts


def _pre(items: list[Item]) -> str:
    parts: list[str] = []
    for it in items:
        if type(it) is not Node:
            parts.append(it)
        elif it is BR:
            parts.append("\n")
        else:
            parts.append(_pre(it.children))
    return "\n".join(line.rstrip() for line in "".join(parts).split("\n"))


def _indent_item(marker: str, body: list[str]) -> str:
    lines = "\n".join(body).split("\n")
    pad = " " * len(marker)
    return "\n".join([marker + lines[0]] + [pad + ln if ln else ln for ln in lines[1:]])


def _list(node: Node) -> str:
    ordered = node.tag == "ol"
    number = int((node.attrs or {}).get("start", "1")) if ordered else 0
    lines: list[str] = []
    for li in node.children:
        if type(li) is not Node:
            continue
        body = _blocks(li.children)
        marker = f"{number}. " if ordered else "- "
        number += 1
        if body:
            lines.append(_indent_item(marker, body))
    return "\n".join(lines)


def _definitions(node: Node) -> str:
    lines: list[str] = []
    for it in node.children:
        if type(it) is not Node:
            continue
        body = _blocks(it.children) if it.tag == "dd" else [_inline(it.children)]
        text = "\n".join(b for b in body if b)
        if it.tag == "dd":
            text = "\n".join("  " + ln if ln else ln for ln in text.split("\n"))
        if text:
            lines.append(text)
    return "\n".join(lines)


def _table(node: Node) -> str:
    rows: list[str] = []

    def add_rows(parts: list[Item]) -> None:
        for part in parts:
            if type(part) is not Node:
                continue
            if part.tag == "tr":
                cells = [
                    " ".join(" ".join(_blocks(cell.children)).split())
                    for cell in part.children
                    if type(cell) is Node
                ]
                if any(cells):
                    rows.append(_SPACES.sub(" ", " | ".join(cells)).strip())
            elif part.tag == "caption":
                _add(rows, _inline(part.children))
            else:
                add_rows(part.children)

    add_rows(node.children)
    return "\n".join(rows)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w+(?:['’.\-]\w+)*")


def count_words(text: str) -> int:
    """Count words: runs of letters/digits (``don’t``, ``well-known``, ``3.14`` are one),
    plus one per Chinese/Japanese character, since those scripts do not use spaces.

    Most tokens of prose are plain ASCII letters or digits: each is exactly one word, and
    counting them in C leaves the regexes only the rest (a third as much text).

    >>> count_words("Don’t stop – it’s a well-known fact: 3.14 ≈ π.")
    8
    >>> count_words("日本語のテキスト and English")
    10
    >>> count_words("snake_case x2 (ok) -- a/b")
    5
    """
    tokens = text.split()
    # str.isalnum() is exactly re's \w without "_"; ASCII rules out CJK characters.
    rest = [t for t in tokens if not t.isalnum() or not t.isascii()]
    words = len(tokens) - len(rest)
    if not rest:
        return words
    text = " ".join(rest)  # tokens stay apart: whitespace never joins two words
    cjk = len(_CJK.findall(text))
    if cjk:
        text = _CJK.sub(" ", text)
    return words + cjk + len(_WORD.findall(text))
