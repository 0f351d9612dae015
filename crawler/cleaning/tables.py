"""Tables: rows, cells (``colspan``/``rowspan`` kept), sections and the caption.

As with lists, wrappers between a table and its rows or cells are looked through; anything
else inside a table that is not a row, section or caption is not table content and is
dropped. A table with neither text nor image is dropped whole (layout tables of spacers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .runs import has_content
from .sinks import BARE_IF_SINGLE, Flow, Inline
from .tags import STRUCTURE_WRAPPER_TAGS, TABLE_SECTION_TAGS
from .tree import Item, Node
from .wordpress import is_boilerplate_element

if TYPE_CHECKING:
    from lxml import etree

    from .sanitize import Sanitizer
    from .sinks import Sink

__all__ = ["table"]


def table(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    if type(sink) is not Flow:
        s.wrapper(el, sink)
        return
    parts: list[Item] = []
    _table_parts(s, el, parts, sink.flags, sections=True)
    if has_content(parts):
        sink.block(Node("table", None, parts))


def _table_parts(
    s: Sanitizer, el: etree._Element, parts: list[Item], flags: int, sections: bool
) -> None:
    for child in el:
        tag = child.tag
        if type(tag) is not str or (child.attrib and is_boilerplate_element(child.attrib)):
            continue
        if tag == "tr":
            cells: list[Item] = []
            _cells(s, child, cells, flags)
            if cells:
                parts.append(Node("tr", None, cells))
        elif sections and tag in TABLE_SECTION_TAGS:
            rows: list[Item] = []
            _table_parts(s, child, rows, flags, sections=False)
            if rows:
                parts.append(Node(tag, None, rows))
        elif sections and tag == "caption":
            caption = Inline(flags)
            s.children(child, caption)
            s.normalize(caption.items)
            if caption.items:
                parts.append(Node("caption", None, caption.items))
        elif tag in STRUCTURE_WRAPPER_TAGS:
            _table_parts(s, child, parts, flags, sections)


def _cells(s: Sanitizer, el: etree._Element, cells: list[Item], flags: int) -> None:
    for child in el:
        tag = child.tag
        if type(tag) is not str:
            continue
        if tag in {"td", "th"}:
            body = Flow(flags)
            s.children(child, body)
            attrs = {}
            for name in ("colspan", "rowspan"):
                value = (child.get(name) or "").strip()
                if value.isdigit() and 1 < int(value) <= 1000:
                    attrs[name] = str(int(value))
            cells.append(Node(tag, attrs or None, s.finish(body, BARE_IF_SINGLE)))
        elif tag in STRUCTURE_WRAPPER_TAGS:
            _cells(s, child, cells, flags)
