"""The HTML pass: parse once with lxml, walk the tree once, build the clean node tree.

We parse with ``lxml.etree.HTMLParser`` directly rather than through BeautifulSoup: it is
the same libxml2 parser BeautifulSoup's ``"lxml"`` feature drives, so broken markup is
repaired identically, but building BeautifulSoup's Python tree costs ~1.4 ms per 10 KB
post against ~0.1 ms for lxml (``bench/bench_clean.py``): 40% of the 3.3 ms budget of the
300 posts/s target before any cleaning. BeautifulSoup is still used for the Markdown
step, which needs it (see :mod:`.markdown`).

The walk builds :class:`~.tree.Node` objects through "sinks" that know their context:

* a *flow* sink (the post body, a blockquote, a list item, a table cell, a figure) groups
  inline content into runs; ``<p>``, ``<div>`` and other wrappers only mark run
  boundaries, so a run becomes one ``<p>`` however the theme nested it;
* an *inline* sink (inside a link, a heading, ``<strong>``…) flattens block elements to
  their content separated by ``<br>``;
* a *pre* sink keeps whitespace verbatim.

Anything not explicitly kept is either unwrapped (its text stays) or dropped with its
content (scripts, forms, SVG, MathML, embeds…).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from lxml import etree

from .tags import (
    CODE_TAGS,
    DROPPED_TAGS,
    HEADING_TAGS,
    LIST_TAGS,
    PART_TAGS,
    PHRASING_TAGS,
    RENAMED_TAGS,
    STRUCTURE_WRAPPER_TAGS,
    TABLE_SECTION_TAGS,
    TRANSPARENT_TAGS,
    WRAPPER_TAGS,
)
from .tree import BR, Item, Node
from .urls import MEDIA_SCHEMES, is_tracking_pixel, safe_url
from .wordpress import (
    MORE_LINK_TEXT,
    is_boilerplate_element,
    is_emoji_image,
    lazy_image_src,
    strip_shortcodes,
)

__all__ = ["Sanitizer", "parse_html", "prepare_html"]

FLOW, INLINE, PRE = 0, 1, 2
# How a flow container turns its runs into children.
ALWAYS_P, BARE_IF_SINGLE, MEDIA = 0, 1, 2
# Context flag inherited by child sinks: links cannot nest.
IN_LINK = 1

# libxml2 caps nesting at 255; each level costs ~3 Python frames, so past this depth the
# subtree is flattened to its text instead of risking RecursionError.
MAX_DEPTH = 120

_WS = re.compile(r"\s+")
# Removed before parsing: C0 controls (libxml2 would turn them into U+FFFD), zero-width
# spaces, word joiners, BOMs and soft hyphens editors leave behind. Vertical tab and form
# feed (whitespace in HTML, but U+FFFD for libxml2) become spaces.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2060\ufeff\u00ad]+")
_C0_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ZERO_WIDTH = ("\u200b", "\u2060", "\ufeff", "\u00ad")
_LEADING_BLANK_LINES = re.compile(r"^(?:[ \t]*\n)+")
_URL_TEXT = re.compile(r"https?://\S+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def prepare_html(html: str) -> bytes:
    """Remove invisible characters and encode, so libxml2 never sees what it would mangle.

    Lone surrogates (possible in Python strings, never in real documents) are dropped.
    """
    data = html.encode("utf-8", "ignore")
    # A regex over the str with non-ASCII in its class costs ~150 µs per 10 KB; an ASCII
    # class over the bytes plus four substring tests costs ~25 µs, and usually ends here.
    if _C0_BYTES.search(data) or any(c in html for c in _ZERO_WIDTH):
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


def _attr_text(value: str | None) -> str:
    return _WS.sub(" ", value).strip() if value else ""


def _has_img(items: list[Item]) -> bool:
    return any(type(it) is Node and (it.tag == "img" or _has_img(it.children)) for it in items)


def _has_content(items: list[Item]) -> bool:
    for it in items:
        if type(it) is str:
            if not it.isspace():
                return True
        elif it.tag == "img" or _has_content(it.children):
            return True
    return False


def _flat_text(items: list[Item]) -> str:
    parts: list[str] = []
    for it in items:
        if type(it) is str:
            parts.append(it)
        elif it is BR:
            parts.append(" ")
        else:
            parts.append(_flat_text(it.children))
    return "".join(parts)


def _media_only(run: list[Item]) -> bool:
    """A run of images (possibly linked) stays bare inside a figure."""
    for it in run:
        if type(it) is str:
            if not it.isspace():
                return False
        elif it.tag == "a":
            if not all(type(c) is Node and c.tag == "img" for c in it.children):
                return False
        elif it.tag != "img" and it is not BR:
            return False
    return True


def _split_runs(run: list[Item]) -> list[list[Item]]:
    """Split a run where two or more ``<br>`` follow each other: that is a paragraph break."""
    if run.count(BR) < 2:
        return [run]
    parts: list[list[Item]] = []
    current: list[Item] = []
    pending: list[Item] = []
    for it in run:
        if it is BR or (type(it) is str and it.isspace()):
            pending.append(it)
            continue
        if sum(p is BR for p in pending) >= 2:
            parts.append(current)
            current = []
        else:
            current.extend(pending)
        pending = []
        current.append(it)
    current.extend(pending)
    parts.append(current)
    return parts


def _trim_forward(items: list[Item], state: list[bool]) -> bool:
    """Drop leading spaces of lines, spaces after spaces, and ``<br>`` at line starts.

    Returns True if an element was removed (the caller may need to merge strings again).
    """
    removed = False
    i = 0
    while i < len(items):
        it = items[i]
        if type(it) is str:
            if state[0]:
                it = it.lstrip(" ")
            if it:
                items[i] = it
                state[0] = it[-1] == " "
                state[1] = False
                i += 1
            else:
                del items[i]
        elif it is BR:
            if state[1]:
                del items[i]
                removed = True
            else:
                state[0] = state[1] = True
                i += 1
        elif it.tag == "img":
            state[0] = state[1] = False
            i += 1
        else:
            removed |= _trim_forward(it.children, state)
            if it.children:
                i += 1
            else:
                del items[i]
                removed = True
    return removed


def _trim_backward(items: list[Item], state: list[bool]) -> bool:
    """Drop trailing spaces of lines and trailing ``<br>``; unwrap whitespace-only inlines.

    Returns True if an element was removed or unwrapped.
    """
    removed = False
    i = len(items) - 1
    while i >= 0:
        it = items[i]
        if type(it) is str:
            if state[0]:
                it = it.rstrip(" ")
            if it:
                items[i] = it
                state[0] = False
            else:
                del items[i]
        elif it is BR:
            if state[0]:
                del items[i]
                removed = True
            else:
                state[0] = True
        elif it.tag == "img":
            state[0] = False
        else:
            children = it.children
            removed |= _trim_backward(children, state)
            if not children:
                del items[i]
                removed = True
            elif all(type(c) is str and c.isspace() for c in children):
                items[i] = " "
                removed = True
        i -= 1
    return removed


_DOUBLE_SPACE = re.compile(r"  +")


def _tidy(items: list[Item], paired: frozenset[str]) -> bool:
    """Merge adjacent strings and strip shortcodes outside code, in place.

    Returns True when something changed, so the caller knows to trim again.
    """
    changed = False
    i = 0
    while i < len(items):
        it = items[i]
        if type(it) is str:
            if i and type(items[i - 1]) is str:
                prev = items[i - 1]
                items[i - 1] = prev + (it[1:] if it[0] == " " and prev[-1] == " " else it)
                del items[i]
                changed = True
                continue
        elif it.children and it.tag not in CODE_TAGS and _tidy(it.children, paired):
            changed = True
        i += 1
    for i, it in enumerate(items):
        if type(it) is str and "[" in it:
            stripped = strip_shortcodes(it, paired)
            if stripped != it:
                items[i] = _DOUBLE_SPACE.sub(" ", stripped)
                changed = True
    return changed


def trim(items: list[Item]) -> bool:
    """Normalise whitespace at the edges of a line-based inline sequence, in place.

    Returns True if an element was removed or unwrapped on the way.
    """
    forward = _trim_forward(items, [True, True])
    return _trim_backward(items, [True]) or forward


def _trim_pre(items: list[Item]) -> None:
    """Strip blank lines before and trailing whitespace after preformatted content."""
    while items:
        first = items[0]
        if type(first) is str:
            first = _LEADING_BLANK_LINES.sub("", first)
            if first:
                items[0] = first
                break
            del items[0]
        elif first is BR or first.tag == "img":
            break
        else:
            _trim_pre_edge(first.children, leading=True)
            if first.children:
                break
            del items[0]
    _trim_pre_edge(items, leading=False)


def _trim_pre_edge(items: list[Item], leading: bool) -> None:
    while items:
        index = 0 if leading else -1
        it = items[index]
        if type(it) is str:
            it = _LEADING_BLANK_LINES.sub("", it) if leading else it.rstrip()
            if it:
                items[index] = it
                return
            del items[index]
        elif it is BR or it.tag == "img":
            return
        else:
            _trim_pre_edge(it.children, leading)
            if it.children:
                return
            del items[index]


class _Flow:
    """Collects blocks and runs of inline content (runs are plain lists)."""

    __slots__ = ("figure", "flags", "items", "run")
    mode = FLOW

    def __init__(self, flags: int = 0, figure: bool = False) -> None:
        self.items: list[Node | list[Item]] = []
        self.run: list[Item] | None = None
        self.flags = flags
        self.figure = figure

    def text(self, s: str) -> None:
        run = self.run
        if run is None:
            if not s.isspace():
                self.run = [s]
        elif type(run[-1]) is str:
            prev = run[-1]
            run[-1] = prev + s[1:] if s[0] == " " and prev[-1] == " " else prev + s
        else:
            run.append(s)

    def inline(self, node: Item) -> None:
        if self.run is None:
            self.run = [node]
        else:
            self.run.append(node)

    def br(self) -> None:
        if self.run is not None:
            self.run.append(BR)

    def boundary(self) -> None:
        if self.run is not None:
            self.items.append(self.run)
            self.run = None

    def block(self, node: Node) -> None:
        self.boundary()
        self.items.append(node)

    def add_run(self, run: list[Item]) -> None:
        self.boundary()
        self.items.append(run)


class _Inline:
    """Collects phrasing content; a block boundary becomes a ``<br>``."""

    __slots__ = ("flags", "items")
    mode = INLINE
    figure = False

    def __init__(self, flags: int = 0) -> None:
        self.items: list[Item] = []
        self.flags = flags

    def text(self, s: str) -> None:
        items = self.items
        if items and type(items[-1]) is str:
            prev = items[-1]
            if s[0] == " " and prev[-1] == " " and self.mode is not PRE:
                s = s[1:]
            items[-1] = prev + s
        else:
            items.append(s)

    def inline(self, node: Item) -> None:
        self.items.append(node)

    def br(self) -> None:
        self.items.append(BR)

    boundary = br


class _Pre(_Inline):
    """Collects preformatted content; line breaks and block boundaries become newlines."""

    __slots__ = ()
    mode = PRE

    def br(self) -> None:
        self.text("\n")

    boundary = br


_Sink = _Flow | _Inline


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
        sink = _Flow()
        self._element(root, sink)
        return self._finish(sink, ALWAYS_P)

    # --- traversal ---------------------------------------------------------------------

    def _children(self, el: etree._Element, sink: _Sink) -> None:
        if self.depth >= MAX_DEPTH:
            etree.strip_elements(el, *DROPPED_TAGS, with_tail=False)
            self._text("".join(el.itertext()), sink)
            return
        self.depth += 1
        text = el.text
        if text:
            self._text(text, sink)
        for child in el:
            self._element(child, sink)
            tail = child.tail
            if tail:
                self._text(tail, sink)
        self.depth -= 1

    def _element(self, el: etree._Element, sink: _Sink) -> None:
        tag = el.tag
        if type(tag) is not str:
            return
        attrib = el.attrib
        if attrib:
            if is_boilerplate_element(attrib):
                return
            if sink.figure and _is_caption_class(attrib):
                self._figcaption(el, sink)
                return
        handler = _DISPATCH.get(tag)
        if handler is None:  # unknown or custom element: keep its content
            self._children(el, sink)
        else:
            handler(self, el, sink)

    def _text(self, s: str, sink: _Sink) -> None:
        if sink.mode is PRE:
            s = s.replace("\xa0", " ")
        elif not s.isprintable() or "  " in s:  # isprintable() is False for any whitespace
            s = _WS.sub(" ", s)  # but " ", so most prose skips the regex
        if s:
            sink.text(s)

    def _normalize(self, items: list[Item]) -> None:
        """Finish a line-based inline sequence: shortcodes, whitespace, merged strings.

        Shortcodes are stripped here, on merged strings, not per text node: text-node
        boundaries move when the output is parsed again (``[vc_<em> </em>row]``), and the
        result must not depend on them. Repeats while trimming removes or unwraps elements,
        which can make strings adjacent again (cleaning must be idempotent).
        """
        _tidy(items, self.paired)
        for _ in range(8):
            if not trim(items) or not _tidy(items, self.paired):
                return

    def _finish(self, sink: _Flow, policy: int) -> list[Item]:
        """Turn a flow sink's runs into ``<p>`` or bare content according to *policy*."""
        sink.boundary()
        kept: list[Node | list[Item]] = []
        runs = 0
        check = self.boilerplate if policy == ALWAYS_P else None
        for it in sink.items:
            if type(it) is not list:
                kept.append(it)
                continue
            for run in _split_runs(it):
                self._normalize(run)
                if not run:
                    continue
                if check is not None and check.fullmatch(_flat_text(run).strip()):
                    continue
                kept.append(run)
                runs += 1
        out: list[Item] = []
        for it in kept:
            if type(it) is not list:
                out.append(it)
            elif (
                policy == ALWAYS_P
                or (policy == BARE_IF_SINGLE and runs > 1)
                or (policy == MEDIA and not _media_only(it))
            ):
                out.append(Node("p", None, it))
            else:
                out.extend(it)
        return out

    # --- generic handlers --------------------------------------------------------------

    def _drop(self, el: etree._Element, sink: _Sink) -> None:
        pass

    def _transparent(self, el: etree._Element, sink: _Sink) -> None:
        self._children(el, sink)

    def _wrapper(self, el: etree._Element, sink: _Sink) -> None:
        sink.boundary()
        self._children(el, sink)
        sink.boundary()

    def _inline(self, el: etree._Element, sink: _Sink) -> None:
        tag = RENAMED_TAGS.get(el.tag, el.tag)
        child = _Pre(sink.flags) if sink.mode is PRE else _Inline(sink.flags)
        self._children(el, child)
        if child.items:
            attrs = None
            if tag == "abbr":
                title = _attr_text(el.get("title"))
                attrs = {"title": title} if title else None
            sink.inline(Node(tag, attrs, child.items))

    def _br(self, el: etree._Element, sink: _Sink) -> None:
        sink.br()

    def _hr(self, el: etree._Element, sink: _Sink) -> None:
        if sink.mode is FLOW:
            sink.block(Node("hr"))
        else:
            sink.boundary()

    def _heading(self, el: etree._Element, sink: _Sink) -> None:
        """``<h1>``…``<h6>``: phrasing content in a block (flattened inside inline context)."""
        if sink.mode is not FLOW:
            self._wrapper(el, sink)
            return
        child = _Inline(sink.flags)
        self._children(el, child)
        self._normalize(child.items)
        if child.items:
            sink.block(Node(el.tag, None, child.items))

    def _div(self, el: etree._Element, sink: _Sink) -> None:
        cls = el.get("class")
        if cls:
            classes = cls.split()
            if "rll-youtube-player" in classes:  # WP Rocket's YouTube facade
                url = safe_url(el.get("data-src"), self.base_url, MEDIA_SCHEMES)
                if url:
                    self._link_run(url, None, sink)
                return
            if "wp-block-embed__wrapper" in classes and not len(el):
                text = (el.text or "").strip()  # oEmbed failed: the bare URL is left
                url = safe_url(text, self.base_url) if _URL_TEXT.fullmatch(text) else None
                if url:
                    self._link_run(url, None, sink)
                    return
            if "wp-caption" in classes or "gallery-item" in classes:
                self._figure(el, sink)
                return
        self._wrapper(el, sink)

    # --- links, images, embeds ---------------------------------------------------------

    def _link(self, el: etree._Element, sink: _Sink) -> None:
        href = el.get("href")
        url = None
        if href and not sink.flags & IN_LINK and not href.lstrip().startswith("#"):
            url = safe_url(href, self.base_url)
        if url is None:  # unsafe, in-page (ids are dropped) or nested link: keep the text
            self._children(el, sink)
            return
        child = _Pre(sink.flags | IN_LINK) if sink.mode is PRE else _Inline(sink.flags | IN_LINK)
        self._children(el, child)
        if not child.items:
            return
        if self.excerpt and self._is_more_link(el, child.items):
            self.had_more_link = True
            return
        attrs = {"href": url}
        title = _attr_text(el.get("title"))
        if title:
            attrs["title"] = title
        sink.inline(Node("a", attrs, child.items))

    @staticmethod
    def _is_more_link(el: etree._Element, items: list[Item]) -> bool:
        if el.xpath("boolean(.//*[contains(concat(' ', @class, ' '), ' meta-nav ')])"):
            return True
        return bool(MORE_LINK_TEXT.fullmatch(_flat_text(items)))

    def _link_run(self, url: str, title: str | None, sink: _Sink, text: str | None = None) -> None:
        """An embed becomes a link on its own line: ``<p><a href=URL>URL</a></p>``.

        In-page URLs (``#…``, left when there is no base URL) are skipped, like links.
        """
        if sink.flags & IN_LINK or url.startswith("#"):
            return
        attrs = {"href": url}
        if title:
            attrs["title"] = title
        text = _WS.sub(" ", text).strip() if text else ""
        sink.boundary()
        sink.inline(Node("a", attrs, [text or url]))
        sink.boundary()

    def _image(self, el: etree._Element, sink: _Sink) -> None:
        attrib: Mapping[str, str] = el.attrib
        if is_emoji_image(attrib):
            alt = attrib.get("alt")
            if alt:
                self._text(alt, sink)
            return
        src = lazy_image_src(attrib)
        if src is None:
            twin = _noscript_twin(el)
            if twin is None:
                return
            attrib = twin.attrib
            src = lazy_image_src(attrib)
        url = safe_url(src, self.base_url, MEDIA_SCHEMES)
        if (
            url is None
            or _is_hidden(attrib)
            or is_tracking_pixel(url, attrib.get("width"), attrib.get("height"))
        ):
            return
        attrs = {"src": url, "alt": _attr_text(attrib.get("alt"))}
        title = _attr_text(attrib.get("title"))
        if title:
            attrs["title"] = title
        sink.inline(Node("img", attrs))

    def _iframe(self, el: etree._Element, sink: _Sink) -> None:
        attrib = el.attrib
        cls = attrib.get("class")
        if (cls and "wp-embedded-content" in cls) or _is_hidden(attrib):
            return  # the hidden twin of a WordPress embed blockquote, or a tracking frame
        for name in ("data-lazy-src", "data-src", "src"):
            url = safe_url(attrib.get(name), self.base_url, MEDIA_SCHEMES)
            if url:
                self._link_run(url, _attr_text(attrib.get("title")), sink)
                return

    def _media(self, el: etree._Element, sink: _Sink) -> None:
        """``<video>``/``<audio>``: link the fallback link, ``src`` or first ``<source>``."""
        candidates = [a.get("href") for a in el.iter("a")]
        candidates += [el.get("src"), el.get("data-src")]
        candidates += [s.get("src") for s in el.iter("source")]
        for candidate in candidates:
            url = safe_url(candidate, self.base_url, MEDIA_SCHEMES)
            if url:
                self._link_run(url, None, sink)
                return

    # --- block structures --------------------------------------------------------------

    def _blockquote(self, el: etree._Element, sink: _Sink) -> None:
        if sink.mode is not FLOW:
            self._wrapper(el, sink)
            return
        cls = el.get("class")
        if cls and "wp-embedded-content" in cls:  # WordPress post embed: keep one link
            for a in el.iter("a"):
                url = safe_url(a.get("href"), self.base_url)
                if url:
                    self._link_run(url, None, sink, "".join(a.itertext()))
                    break
            return
        child = _Flow(sink.flags)
        self._children(el, child)
        children = self._finish(child, ALWAYS_P)
        if children:
            sink.block(Node("blockquote", None, children))

    def _pre(self, el: etree._Element, sink: _Sink) -> None:
        if sink.mode is not FLOW:
            self._wrapper(el, sink)
            return
        child = _Pre(sink.flags)
        self._children(el, child)
        _trim_pre(child.items)
        if _has_content(child.items):
            sink.block(Node("pre", None, child.items))

    def _figure(self, el: etree._Element, sink: _Sink) -> None:
        """Keep a figure with an image or a caption; otherwise hand its content up."""
        if sink.mode is not FLOW:
            self._wrapper(el, sink)
            return
        child = _Flow(sink.flags, figure=True)
        self._children(el, child)
        child.boundary()
        items = child.items
        if any(type(it) is Node and it.tag == "figcaption" for it in items) or any(
            _has_img(it) if type(it) is list else _has_img([it]) for it in items
        ):
            children = self._finish(child, MEDIA)
            if children:
                sink.block(Node("figure", None, children))
            return
        for it in items:
            if type(it) is list:
                sink.add_run(it)
            else:
                sink.block(it)

    def _figcaption(self, el: etree._Element, sink: _Sink) -> None:
        if not sink.figure:
            self._wrapper(el, sink)
            return
        child = _Flow(sink.flags)
        self._children(el, child)
        children = self._finish(child, BARE_IF_SINGLE)
        if children:
            sink.block(Node("figcaption", None, children))

    def _list(self, el: etree._Element, sink: _Sink) -> None:
        if sink.mode is not FLOW:
            self._wrapper(el, sink)
            return
        node = self._build_list(el, sink.flags)
        if node is not None:
            sink.block(node)

    def _build_list(self, el: etree._Element, flags: int) -> Node | None:
        items: list[Node] = []
        stray = _Flow(flags)
        self._list_items(el, items, stray, flags)
        self._flush_stray(items, stray)
        if not items:
            return None
        if el.tag != "ol":
            return Node("ul", None, items)
        start = (el.get("start") or "").strip()
        attrs = None
        if start.isdigit() and int(start) != 1 and len(start) < 10:
            attrs = {"start": str(int(start))}
        return Node("ol", attrs, items)

    def _list_items(self, el: etree._Element, items: list[Node], stray: _Flow, flags: int) -> None:
        if el.text and not el.text.isspace():
            self._text(el.text, stray)
        for child in el:
            tag = child.tag
            if type(tag) is str and not (child.attrib and is_boilerplate_element(child.attrib)):
                if tag == "li":
                    self._flush_stray(items, stray)
                    li = _Flow(flags)
                    self._children(child, li)
                    children = self._finish(li, BARE_IF_SINGLE)
                    if children:
                        items.append(Node("li", None, children))
                elif tag in LIST_TAGS:
                    nested = self._build_list(child, flags)
                    if nested is not None:
                        self._flush_stray(items, stray)
                        if items:
                            items[-1].children.append(nested)
                        else:
                            items.append(Node("li", None, [nested]))
                elif tag in STRUCTURE_WRAPPER_TAGS:
                    stray.boundary()
                    self._list_items(child, items, stray, flags)
                    stray.boundary()
                else:
                    self._element(child, stray)
            if child.tail and not child.tail.isspace():
                self._text(child.tail, stray)

    def _flush_stray(self, items: list[Node], stray: _Flow) -> None:
        stray.boundary()
        if stray.items:
            children = self._finish(stray, BARE_IF_SINGLE)
            stray.items = []
            if children:
                items.append(Node("li", None, children))

    def _dl(self, el: etree._Element, sink: _Sink) -> None:
        if sink.mode is not FLOW:
            self._wrapper(el, sink)
            return
        if "gallery-item" in (el.get("class") or "").split():
            self._figure(el, sink)
            return
        items: list[Item] = []
        self._dl_items(el, items, sink.flags)
        if items:
            sink.block(Node("dl", None, items))

    def _dl_items(self, el: etree._Element, items: list[Item], flags: int) -> None:
        for child in el:
            tag = child.tag
            if type(tag) is not str or (child.attrib and is_boilerplate_element(child.attrib)):
                continue
            if tag == "dt":
                term = _Inline(flags)
                self._children(child, term)
                self._normalize(term.items)
                if term.items:
                    items.append(Node("dt", None, term.items))
            elif tag == "dd":
                body = _Flow(flags)
                self._children(child, body)
                children = self._finish(body, BARE_IF_SINGLE)
                if children:
                    items.append(Node("dd", None, children))
            elif tag in STRUCTURE_WRAPPER_TAGS:
                self._dl_items(child, items, flags)

    def _table(self, el: etree._Element, sink: _Sink) -> None:
        if sink.mode is not FLOW:
            self._wrapper(el, sink)
            return
        parts: list[Item] = []
        self._table_parts(el, parts, sink.flags, sections=True)
        if _has_content(parts):
            sink.block(Node("table", None, parts))

    def _table_parts(
        self, el: etree._Element, parts: list[Item], flags: int, sections: bool
    ) -> None:
        for child in el:
            tag = child.tag
            if type(tag) is not str or (child.attrib and is_boilerplate_element(child.attrib)):
                continue
            if tag == "tr":
                cells: list[Item] = []
                self._cells(child, cells, flags)
                if cells:
                    parts.append(Node("tr", None, cells))
            elif sections and tag in TABLE_SECTION_TAGS:
                rows: list[Item] = []
                self._table_parts(child, rows, flags, sections=False)
                if rows:
                    parts.append(Node(tag, None, rows))
            elif sections and tag == "caption":
                caption = _Inline(flags)
                self._children(child, caption)
                self._normalize(caption.items)
                if caption.items:
                    parts.append(Node("caption", None, caption.items))
            elif tag in STRUCTURE_WRAPPER_TAGS:
                self._table_parts(child, parts, flags, sections)

    def _cells(self, el: etree._Element, cells: list[Item], flags: int) -> None:
        for child in el:
            tag = child.tag
            if tag == "td" or tag == "th":
                body = _Flow(flags)
                self._children(child, body)
                attrs = {}
                for name in ("colspan", "rowspan"):
                    value = (child.get(name) or "").strip()
                    if value.isdigit() and 1 < int(value) <= 1000:
                        attrs[name] = str(int(value))
                cells.append(Node(tag, attrs or None, self._finish(body, BARE_IF_SINGLE)))
            elif type(tag) is str and tag in STRUCTURE_WRAPPER_TAGS:
                self._cells(child, cells, flags)


def _is_caption_class(attrib: Mapping[str, str]) -> bool:
    cls = attrib.get("class")
    return bool(cls) and ("wp-caption-text" in cls or "gallery-caption" in cls)


def _is_hidden(attrib: Mapping[str, str]) -> bool:
    """Hidden by ``style``/``hidden``, or sized 0-1 px: never visible content."""
    style = attrib.get("style")
    if (style and _HIDDEN_STYLE.search(style)) or attrib.get("hidden") is not None:
        return True
    tiny = ("0", "1")
    return attrib.get("width", "").strip() in tiny or attrib.get("height", "").strip() in tiny


def _noscript_twin(img: etree._Element) -> etree._Element | None:
    """The ``<img>`` inside the ``<noscript>`` a lazy-load plugin put after *img*."""
    node: etree._Element | None = img
    for _ in range(3):  # the placeholder may be wrapped in <a> or <picture>
        if node is None:
            return None
        sibling = node.getnext()
        if sibling is not None and sibling.tag == "noscript":
            return next(sibling.iter("img"), None)
        node = node.getparent()
    return None


_Handler = Callable[[Sanitizer, etree._Element, _Sink], None]
_DISPATCH: dict[str, _Handler] = {
    **dict.fromkeys(DROPPED_TAGS, Sanitizer._drop),
    # <div> is a wrapper too, but Sanitizer._div looks at its WordPress classes first.
    **dict.fromkeys(WRAPPER_TAGS - {"div"}, Sanitizer._wrapper),
    # An item, row or cell outside its list or table (the containers read their own).
    **dict.fromkeys(PART_TAGS, Sanitizer._wrapper),
    **dict.fromkeys(TRANSPARENT_TAGS, Sanitizer._transparent),
    **dict.fromkeys(PHRASING_TAGS | RENAMED_TAGS.keys(), Sanitizer._inline),
    **dict.fromkeys(HEADING_TAGS, Sanitizer._heading),
    **dict.fromkeys(LIST_TAGS, Sanitizer._list),
    **dict.fromkeys(("video", "audio"), Sanitizer._media),
    **dict.fromkeys(("iframe", "amp-iframe", "amp-youtube"), Sanitizer._iframe),
    **dict.fromkeys(("img", "amp-img"), Sanitizer._image),
    "div": Sanitizer._div,
    "a": Sanitizer._link,
    "br": Sanitizer._br,
    "hr": Sanitizer._hr,
    "blockquote": Sanitizer._blockquote,
    "pre": Sanitizer._pre,
    "listing": Sanitizer._pre,
    "figure": Sanitizer._figure,
    "figcaption": Sanitizer._figcaption,
    "dl": Sanitizer._dl,
    "table": Sanitizer._table,
}
