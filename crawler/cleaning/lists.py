"""Lists and definition lists, however page builders wrapped their items.

Themes put ``<div>``, ``<span>`` or ``<font>`` between a list and its items, and text or
other elements straight in the list: the wrappers are looked through, stray content
becomes an item of its own, and a nested list joins the item before it. ``<menu>`` and
``<dir>`` are read as ``<ul>``; ``<ol start>`` is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .blocks import figure
from .sinks import BARE_IF_SINGLE, Flow, Inline
from .tags import LIST_TAGS, STRUCTURE_WRAPPER_TAGS
from .tree import Item, Node
from .wordpress import is_boilerplate_element

if TYPE_CHECKING:
    from lxml import etree

    from .sanitize import Sanitizer
    from .sinks import Sink

__all__ = ["dl", "list_"]


def list_(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """``<ul>``, ``<ol>``, ``<menu>``, ``<dir>``."""
    if type(sink) is not Flow:
        s.wrapper(el, sink)
        return
    node = _build_list(s, el, sink.flags)
    if node is not None:
        sink.block(node)


def _build_list(s: Sanitizer, el: etree._Element, flags: int) -> Node | None:
    items: list[Node] = []
    stray = Flow(flags)
    _list_items(s, el, items, stray, flags)
    _flush_stray(s, items, stray)
    if not items:
        return None
    children = cast("list[Item]", items)  # only <li> nodes, from here on read as items
    if el.tag != "ol":
        return Node("ul", None, children)
    start = (el.get("start") or "").strip()
    attrs = None
    if start.isdigit() and int(start) != 1 and len(start) < 10:
        attrs = {"start": str(int(start))}
    return Node("ol", attrs, children)


def _list_items(
    s: Sanitizer, el: etree._Element, items: list[Node], stray: Flow, flags: int
) -> None:
    if el.text and not el.text.isspace():
        s.text(el.text, stray)
    for child in el:
        tag = child.tag
        if type(tag) is str and not (child.attrib and is_boilerplate_element(child.attrib)):
            if tag == "li":
                _flush_stray(s, items, stray)
                li = Flow(flags)
                s.children(child, li)
                children = s.finish(li, BARE_IF_SINGLE)
                if children:
                    items.append(Node("li", None, children))
            elif tag in LIST_TAGS:
                nested = _build_list(s, child, flags)
                if nested is not None:
                    _flush_stray(s, items, stray)
                    if items:
                        items[-1].children.append(nested)
                    else:
                        items.append(Node("li", None, [nested]))
            elif tag in STRUCTURE_WRAPPER_TAGS:
                stray.boundary()
                _list_items(s, child, items, stray, flags)
                stray.boundary()
            else:
                s.element(child, stray)
        if child.tail and not child.tail.isspace():
            s.text(child.tail, stray)


def _flush_stray(s: Sanitizer, items: list[Node], stray: Flow) -> None:
    """Content met between items becomes an item of its own."""
    stray.boundary()
    if stray.items:
        children = s.finish(stray, BARE_IF_SINGLE)
        stray.items = []
        if children:
            items.append(Node("li", None, children))


def dl(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """``<dl>``: terms and definitions; a gallery's ``<dl class="gallery-item">`` is a figure."""
    if type(sink) is not Flow:
        s.wrapper(el, sink)
        return
    if "gallery-item" in (el.get("class") or "").split():
        figure(s, el, sink)
        return
    items: list[Item] = []
    _dl_items(s, el, items, sink.flags)
    if items:
        sink.block(Node("dl", None, items))


def _dl_items(s: Sanitizer, el: etree._Element, items: list[Item], flags: int) -> None:
    for child in el:
        tag = child.tag
        if type(tag) is not str or (child.attrib and is_boilerplate_element(child.attrib)):
            continue
        if tag == "dt":
            term = Inline(flags)
            s.children(child, term)
            s.normalize(term.items)
            if term.items:
                items.append(Node("dt", None, term.items))
        elif tag == "dd":
            body = Flow(flags)
            s.children(child, body)
            children = s.finish(body, BARE_IF_SINGLE)
            if children:
                items.append(Node("dd", None, children))
        elif tag in STRUCTURE_WRAPPER_TAGS:
            _dl_items(s, child, items, flags)
