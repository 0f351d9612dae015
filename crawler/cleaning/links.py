"""Links: kept when their URL is safe, unwrapped to their text when not.

In-page links (``#…``, the ids they point at are dropped), unsafe schemes and links inside
links keep only their text. In an excerpt, the "Continue reading" link themes append is
dropped and remembered, so the excerpt can end in ``…`` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .attrs import attr_text
from .runs import flat_text
from .sinks import IN_LINK, Inline, Pre
from .tree import Item, Node
from .urls import safe_url
from .wordpress import MORE_LINK_TEXT

if TYPE_CHECKING:
    from lxml import etree

    from .sanitize import Sanitizer
    from .sinks import Sink

__all__ = ["link"]


def link(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """``<a>``: ``href`` (made absolute) and ``title`` are all it keeps."""
    href = el.get("href")
    url = None
    if href and not sink.flags & IN_LINK and not href.lstrip().startswith("#"):
        url = safe_url(href, s.base_url)
    if url is None:  # unsafe, in-page (ids are dropped) or nested link: keep the text
        s.children(el, sink)
        return
    child = Pre(sink.flags | IN_LINK) if type(sink) is Pre else Inline(sink.flags | IN_LINK)
    s.children(el, child)
    if not child.items:
        return
    if s.excerpt and _is_more_link(el, child.items):
        s.had_more_link = True
        return
    attrs = {"href": url}
    title = attr_text(el.get("title"))
    if title:
        attrs["title"] = title
    sink.inline(Node("a", attrs, child.items))


def _is_more_link(el: etree._Element, items: list[Item]) -> bool:
    if el.xpath("boolean(.//*[contains(concat(' ', @class, ' '), ' meta-nav ')])"):
        return True
    return bool(MORE_LINK_TEXT.fullmatch(flat_text(items)))
