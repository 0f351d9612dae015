"""The HTML pass: walk the parsed page once and build the clean node tree.

The walk hands every element to one handler, chosen by its tag in :data:`_DISPATCH`: the
input side of the allow-list. Content goes into "sinks" that know their context (see
:mod:`.sinks`). Anything not explicitly kept is either unwrapped (its text stays) or
dropped with its content (scripts, forms, SVG, MathML, embeds…).

The handlers live with their concern, each a function ``handler(sanitizer, element,
sink)``: links (:mod:`.links`), images (:mod:`.images`), embeds (:mod:`.embeds`),
headings, quotes, code and figures (:mod:`.blocks`), lists (:mod:`.lists`), tables
(:mod:`.tables`). This module keeps the walk itself, the per-document settings and the
handlers for elements that are only unwrapped, kept as phrasing or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from . import blocks, embeds, images, links, lists, tables
from .attrs import attr_text, is_caption_class
from .runs import flat_text, media_only, split_runs
from .sinks import ALWAYS_P, BARE_IF_SINGLE, MEDIA, Flow, Inline, Pre, Sink
from .tags import (
    DROPPED_TAGS,
    HEADING_TAGS,
    LIST_TAGS,
    PART_TAGS,
    PHRASING_TAGS,
    RENAMED_TAGS,
    TRANSPARENT_TAGS,
    WRAPPER_TAGS,
)
from .tree import Item, Node
from .whitespace import normalize
from .wordpress import is_boilerplate_element, is_footnote_backlink

__all__ = ["MAX_DEPTH", "Sanitizer"]

NOT_CAPTIONS = DROPPED_TAGS | {"iframe", "amp-iframe", "video", "audio", "img", "picture"}
"""Elements a caption class does not make a caption: dropped ones, and embeds whose content is
not text (an ``<iframe>``'s content is raw markup, which would reach the text as ``<p>``)."""

# libxml2 caps nesting at 255; each level costs ~3 Python frames, so past this depth the
# subtree is flattened to its text instead of risking RecursionError.
MAX_DEPTH = 120

_WS = re.compile(r"\s+")


class Sanitizer:
    """One cleaning run over one parsed document (holds the per-document settings).

    *paired* are shortcode names closed somewhere in the document; *boilerplate* drops
    whole top-level paragraphs; *excerpt* also drops "Continue reading" links and records
    that it did in :attr:`had_more_link`.
    """

    __slots__ = ("base_url", "boilerplate", "depth", "excerpt", "had_more_link", "paired")

    def __init__(
        self,
        base_url: str | None = None,
        boilerplate: re.Pattern[str] | None = None,
        paired: frozenset[str] = frozenset(),
        excerpt: bool = False,
    ) -> None:
        self.base_url = base_url
        self.boilerplate = boilerplate
        self.paired = paired
        self.excerpt = excerpt
        self.had_more_link = False
        self.depth = 0

    def clean(self, root: etree._Element) -> list[Item]:
        """Return the clean top-level blocks of the parsed document *root*."""
        sink = Flow()
        self.element(root, sink)
        return self.finish(sink, ALWAYS_P)

    # --- traversal ---------------------------------------------------------------------

    def children(self, el: etree._Element, sink: Sink) -> None:
        """Walk the content of *el* (text and child elements) into *sink*."""
        if self.depth >= MAX_DEPTH:
            etree.strip_elements(el, *DROPPED_TAGS, with_tail=False)
            self.text("".join(el.itertext()), sink)
            return
        self.depth += 1
        text = el.text
        if text:
            self.text(text, sink)
        for child in el:
            self.element(child, sink)
            tail = child.tail
            if tail:
                self.text(tail, sink)
        self.depth -= 1

    def element(self, el: etree._Element, sink: Sink) -> None:
        """Hand *el* to the handler of its tag; boilerplate is dropped before any."""
        tag = el.tag
        if type(tag) is not str:
            return
        attrib = el.attrib
        if attrib:
            if is_boilerplate_element(attrib):
                return
            if tag == "a" and is_footnote_backlink(attrib, "".join(el.itertext())):
                return
            if sink.figure and tag not in NOT_CAPTIONS and is_caption_class(attrib):
                blocks.figcaption(self, el, sink)
                return
        handler = _DISPATCH.get(tag)
        if handler is None:  # unknown or custom element: keep its content
            self.children(el, sink)
        else:
            handler(self, el, sink)

    def text(self, s: str, sink: Sink) -> None:
        """Add a text node: whitespace collapsed, except in ``<pre>``."""
        if type(sink) is Pre:
            s = s.replace("\xa0", " ")
        elif not s.isprintable() or "  " in s:  # isprintable() is False for any whitespace
            # but " ", so most prose skips the regex; so do the newlines between blocks
            s = " " if s.isspace() else _WS.sub(" ", s)
        if s:
            sink.text(s)

    def normalize(self, items: list[Item]) -> None:
        """Finish a line-based inline sequence (see :func:`.whitespace.normalize`)."""
        normalize(items, self.paired)

    def finish(self, sink: Flow, policy: int) -> list[Item]:
        """Turn a flow sink's runs into ``<p>`` or bare content according to *policy*."""
        sink.boundary()
        kept: list[Node | list[Item]] = []
        runs = 0
        check = self.boilerplate if policy == ALWAYS_P else None
        for it in sink.items:
            if type(it) is Node:
                kept.append(it)
                continue
            for run in split_runs(it):
                normalize(run, self.paired)
                if not run:
                    continue
                if check is not None and check.fullmatch(flat_text(run).strip()):
                    continue
                kept.append(run)
                runs += 1
        out: list[Item] = []
        for it in kept:
            if type(it) is Node:
                out.append(it)
            elif (
                policy == ALWAYS_P
                or (policy == BARE_IF_SINGLE and runs > 1)
                or (policy == MEDIA and not media_only(it))
            ):
                out.append(Node("p", None, it))
            else:
                out.extend(it)
        return out

    # --- elements that are unwrapped, kept as phrasing or dropped ------------------------

    def drop(self, el: etree._Element, sink: Sink) -> None:
        pass

    def transparent(self, el: etree._Element, sink: Sink) -> None:
        self.children(el, sink)

    def wrapper(self, el: etree._Element, sink: Sink) -> None:
        """Unwrap *el*: its content stays, the element only ends the current paragraph."""
        sink.boundary()
        self.children(el, sink)
        sink.boundary()

    def inline(self, el: etree._Element, sink: Sink) -> None:
        tag = str(el.tag)
        tag = RENAMED_TAGS.get(tag, tag)
        child = Pre(sink.flags) if type(sink) is Pre else Inline(sink.flags)
        self.children(el, child)
        if child.items:
            attrs = None
            if tag == "abbr":
                title = attr_text(el.get("title"))
                attrs = {"title": title} if title else None
            sink.inline(Node(tag, attrs, child.items))

    def br(self, el: etree._Element, sink: Sink) -> None:
        sink.br()


_Handler = Callable[[Sanitizer, etree._Element, Sink], None]
_DISPATCH: dict[str, _Handler] = {
    **dict.fromkeys(DROPPED_TAGS, Sanitizer.drop),
    # <div> is a wrapper too, but blocks.div looks at its WordPress classes first.
    **dict.fromkeys(WRAPPER_TAGS - {"div"}, Sanitizer.wrapper),
    # An item, row or cell outside its list or table (the containers read their own).
    **dict.fromkeys(PART_TAGS, Sanitizer.wrapper),
    **dict.fromkeys(TRANSPARENT_TAGS, Sanitizer.transparent),
    **dict.fromkeys(PHRASING_TAGS | frozenset(RENAMED_TAGS), Sanitizer.inline),
    **dict.fromkeys(HEADING_TAGS, blocks.heading),
    **dict.fromkeys(LIST_TAGS, lists.list_),
    **dict.fromkeys(("video", "audio"), embeds.media),
    **dict.fromkeys(("iframe", "amp-iframe", "amp-youtube"), embeds.iframe),
    **dict.fromkeys(("img", "amp-img"), images.image),
    "div": blocks.div,
    "a": links.link,
    "br": Sanitizer.br,
    "hr": blocks.hr,
    "blockquote": blocks.blockquote,
    "pre": blocks.pre,
    "listing": blocks.pre,
    "figure": blocks.figure,
    "figcaption": blocks.figcaption,
    "dl": lists.dl,
    "table": tables.table,
}
