"""Embeds become a link on their own line: ``<p><a href=URL>URL</a></p>``.

An embedded player or post is a script or a frame, which the clean HTML cannot keep; its
URL is what a reader (or a migration) needs. This covers ``<iframe>`` (lazy-loaded ones
too), ``<video>``/``<audio>``, WordPress's post embeds, WP Rocket's YouTube facade and the
bare URL an oEmbed that failed leaves in its block.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .attrs import attr_text, is_hidden
from .sinks import IN_LINK
from .tree import Node
from .urls import MEDIA_SCHEMES, safe_url

if TYPE_CHECKING:
    from lxml import etree

    from .sanitize import Sanitizer
    from .sinks import Sink

__all__ = ["div_embed", "iframe", "link_run", "media", "post_embed"]

_WS = re.compile(r"\s+")
_URL_TEXT = re.compile(r"https?://\S+")


def link_run(url: str, title: str | None, sink: Sink, text: str | None = None) -> None:
    """Add a link to *url* on its own line, its text *text* or else the URL.

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


def iframe(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """``<iframe>``: a link to its (lazy-loaded) source, unless hidden."""
    attrib = el.attrib
    cls = attrib.get("class")
    if (cls and "wp-embedded-content" in cls) or is_hidden(attrib):
        return  # the hidden twin of a WordPress embed blockquote, or a tracking frame
    for name in ("data-lazy-src", "data-src", "src"):
        url = safe_url(attrib.get(name), s.base_url, MEDIA_SCHEMES)
        if url:
            link_run(url, attr_text(attrib.get("title")), sink)
            return


def media(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """``<video>``/``<audio>``: link the fallback link, ``src`` or first ``<source>``."""
    candidates = [a.get("href") for a in el.iter("a")]
    candidates += [el.get("src"), el.get("data-src")]
    candidates += [source.get("src") for source in el.iter("source")]
    for candidate in candidates:
        url = safe_url(candidate, s.base_url, MEDIA_SCHEMES)
        if url:
            link_run(url, None, sink)
            return


def post_embed(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """A WordPress post embed (``blockquote.wp-embedded-content``): keep its first link."""
    for a in el.iter("a"):
        url = safe_url(a.get("href"), s.base_url)
        if url:
            link_run(url, None, sink, "".join(a.itertext()))
            break


def div_embed(s: Sanitizer, el: etree._Element, classes: list[str], sink: Sink) -> bool:
    """Handle a ``<div>`` that holds an embed; False if it is not one."""
    if "rll-youtube-player" in classes:  # WP Rocket's YouTube facade
        url = safe_url(el.get("data-src"), s.base_url, MEDIA_SCHEMES)
        if url:
            link_run(url, None, sink)
        return True
    if "wp-block-embed__wrapper" in classes and not len(el):
        text = (el.text or "").strip()  # oEmbed failed: the bare URL is left
        url = safe_url(text, s.base_url) if _URL_TEXT.fullmatch(text) else None
        if url:
            link_run(url, None, sink)
            return True
    return False
