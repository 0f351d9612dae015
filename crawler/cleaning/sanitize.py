"""The HTML pass: walk the parsed page once and build the clean node tree.

The walk hands every element to one handler, chosen by its tag in :data:`_DISPATCH` (a
code per tag, so that :meth:`Sanitizer.element` calls each handler directly): the input side
of the allow-list. Content goes into "sinks" that know their context (see
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
from typing import Final

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

NOT_CAPTIONS: Final = DROPPED_TAGS | {"iframe", "amp-iframe", "video", "audio", "img", "picture"}
"""Elements a caption class does not make a caption: dropped ones, and embeds whose content is
not text (an ``<iframe>``'s content is raw markup, which would reach the text as ``<p>``)."""

# libxml2 caps nesting at 255; each level costs ~3 Python frames, so past this depth the
# subtree is flattened to its text instead of risking RecursionError.
MAX_DEPTH: Final = 120

_WS: Final = re.compile(r"\s+")


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

    def element(self, el: etree._Element, sink: Sink) -> None:  # noqa: PLR0912 - a call per handler
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
        handler = _DISPATCH.get(tag, _TRANSPARENT)  # unknown or custom: keep its content
        if handler == _WRAPPER:
            self.wrapper(el, sink)
        elif handler == _TRANSPARENT:
            self.children(el, sink)
        elif handler == _INLINE:
            self.inline(el, tag, sink)
        elif handler == _LINK:
            links.link(self, el, sink)
        elif handler == _DIV:
            blocks.div(self, el, sink)
        elif handler == _IMAGE:
            images.image(self, el, sink)
        elif handler == _BR:
            sink.br()
        elif handler == _HEADING:
            blocks.heading(self, el, sink)
        elif handler == _LIST:
            lists.list_(self, el, sink)
        elif handler == _FIGURE:
            blocks.figure(self, el, sink)
        elif handler == _FIGCAPTION:
            blocks.figcaption(self, el, sink)
        elif handler == _BLOCKQUOTE:
            blocks.blockquote(self, el, sink)
        elif handler == _TABLE:
            tables.table(self, el, sink)
        elif handler == _PRE:
            blocks.pre(self, el, sink)
        elif handler == _HR:
            blocks.hr(self, el, sink)
        elif handler == _DL:
            lists.dl(self, el, sink)
        elif handler == _IFRAME:
            embeds.iframe(self, el, sink)
        elif handler == _MEDIA:
            embeds.media(self, el, sink)
        # else _DROP: the element goes with its content

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

    def transparent(self, el: etree._Element, sink: Sink) -> None:
        self.children(el, sink)

    def wrapper(self, el: etree._Element, sink: Sink) -> None:
        """Unwrap *el*: its content stays, the element only ends the current paragraph."""
        sink.boundary()
        self.children(el, sink)
        sink.boundary()

    def inline(self, el: etree._Element, tag: str, sink: Sink) -> None:
        """Keep *el* (its *tag*, renamed if obsolete) as phrasing, if it has content."""
        tag = RENAMED_TAGS.get(tag, tag)
        child = Pre(sink.flags) if type(sink) is Pre else Inline(sink.flags)
        self.children(el, child)
        if child.items:
            attrs = None
            if tag == "abbr":
                title = attr_text(el.get("title"))
                attrs = {"title": title} if title else None
            sink.inline(Node(tag, attrs, child.items))


# The handler of each tag, as a code for the if-chain in Sanitizer.element: a direct call
# there is much cheaper, compiled, than a call through a dict of functions.
_DROP: Final = 0
_WRAPPER: Final = 1
_TRANSPARENT: Final = 2
_INLINE: Final = 3
_HEADING: Final = 4
_LIST: Final = 5
_MEDIA: Final = 6
_IFRAME: Final = 7
_IMAGE: Final = 8
_DIV: Final = 9
_LINK: Final = 10
_BR: Final = 11
_HR: Final = 12
_BLOCKQUOTE: Final = 13
_PRE: Final = 14
_FIGURE: Final = 15
_FIGCAPTION: Final = 16
_DL: Final = 17
_TABLE: Final = 18
_DISPATCH: Final[dict[str, int]] = {
    **dict.fromkeys(DROPPED_TAGS, _DROP),
    # <div> is a wrapper too, but blocks.div looks at its WordPress classes first.
    **dict.fromkeys(WRAPPER_TAGS - {"div"}, _WRAPPER),
    # An item, row or cell outside its list or table (the containers read their own).
    **dict.fromkeys(PART_TAGS, _WRAPPER),
    **dict.fromkeys(TRANSPARENT_TAGS, _TRANSPARENT),
    **dict.fromkeys(PHRASING_TAGS | frozenset(RENAMED_TAGS), _INLINE),
    **dict.fromkeys(HEADING_TAGS, _HEADING),
    **dict.fromkeys(LIST_TAGS, _LIST),
    **dict.fromkeys(("video", "audio"), _MEDIA),
    **dict.fromkeys(("iframe", "amp-iframe", "amp-youtube"), _IFRAME),
    **dict.fromkeys(("img", "amp-img"), _IMAGE),
    "div": _DIV,
    "a": _LINK,
    "br": _BR,
    "hr": _HR,
    "blockquote": _BLOCKQUOTE,
    "pre": _PRE,
    "listing": _PRE,
    "figure": _FIGURE,
    "figcaption": _FIGCAPTION,
    "dl": _DL,
    "table": _TABLE,
}
