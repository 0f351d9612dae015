"""Blocks with content of their own: headings, rules, quotes, code, figures, ``<div>``.

Each is kept only in flow context; inside a link, a heading or other phrasing it is
unwrapped like a ``<div>``. Figures keep an image or a caption; a ``<div>`` is a wrapper
unless its WordPress classes make it a caption, a gallery item or an embed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import embeds
from .runs import has_content, has_img
from .sinks import ALWAYS_P, BARE_IF_SINGLE, MEDIA, Flow, Inline, Pre
from .tree import Node
from .whitespace import trim_pre

if TYPE_CHECKING:
    from lxml import etree

    from .sanitize import Sanitizer
    from .sinks import Sink

__all__ = ["blockquote", "div", "figcaption", "figure", "heading", "hr", "pre"]


def heading(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """``<h1>``…``<h6>``: phrasing content in a block (flattened inside inline context)."""
    if type(sink) is not Flow:
        s.wrapper(el, sink)
        return
    child = Inline(sink.flags)
    s.children(el, child)
    s.normalize(child.items)
    if child.items:
        sink.block(Node(str(el.tag), None, child.items))


def hr(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    if type(sink) is Flow:
        sink.block(Node("hr"))
    else:
        sink.boundary()


def div(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """A wrapper, unless a WordPress class says it holds an embed, a caption or a gallery item."""
    cls = el.get("class")
    if cls:
        classes = cls.split()
        if embeds.div_embed(s, el, classes, sink):
            return
        if "wp-caption" in classes or "gallery-item" in classes:
            figure(s, el, sink)
            return
    s.wrapper(el, sink)


def blockquote(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    if type(sink) is not Flow:
        s.wrapper(el, sink)
        return
    cls = el.get("class")
    if cls and "wp-embedded-content" in cls:  # WordPress post embed: keep one link
        embeds.post_embed(s, el, sink)
        return
    child = Flow(sink.flags)
    s.children(el, child)
    children = s.finish(child, ALWAYS_P)
    if children:
        sink.block(Node("blockquote", None, children))


def pre(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    if type(sink) is not Flow:
        s.wrapper(el, sink)
        return
    child = Pre(sink.flags)
    s.children(el, child)
    trim_pre(child.items)
    if has_content(child.items):
        sink.block(Node("pre", None, child.items))


def figure(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """Keep a figure with an image or a caption; otherwise hand its content up."""
    if type(sink) is not Flow:
        s.wrapper(el, sink)
        return
    child = Flow(sink.flags, figure=True)
    s.children(el, child)
    child.boundary()
    items = child.items
    if any(type(it) is Node and it.tag == "figcaption" for it in items) or any(
        has_img([it]) if type(it) is Node else has_img(it) for it in items
    ):
        children = s.finish(child, MEDIA)
        if children:
            sink.block(Node("figure", None, children))
        return
    for it in items:
        if type(it) is Node:
            sink.block(it)
        else:
            sink.add_run(it)


def figcaption(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """A caption, kept inside a figure (``<figcaption>`` or a WordPress caption class)."""
    if type(sink) is not Flow or not sink.figure:
        s.wrapper(el, sink)
        return
    child = Flow(sink.flags)
    s.children(el, child)
    children = s.finish(child, BARE_IF_SINGLE)
    if children:
        sink.block(Node("figcaption", None, children))
