"""Images: the real picture behind lazy-load placeholders, without emoji, pixels or hidden ones.

Lazy-load plugins put a placeholder in ``src`` and the image in ``data-*`` attributes or
``srcset`` (:func:`.wordpress.lazy_image_src` picks it), or only in a ``<noscript>`` twin
next to the placeholder. WordPress's emoji images become their ``alt`` character; tracking
pixels and hidden images are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .attrs import attr_text, is_hidden
from .tree import Node
from .urls import MEDIA_SCHEMES, is_tracking_pixel, safe_url
from .wordpress import is_emoji_image, lazy_image_src

if TYPE_CHECKING:
    from lxml import etree

    from .protocols import Attributes
    from .sanitize import Sanitizer
    from .sinks import Sink

__all__ = ["image"]


def image(s: Sanitizer, el: etree._Element, sink: Sink) -> None:
    """``<img>``: ``src`` (absolute, http(s) only), ``alt`` and ``title``."""
    attrib: Attributes = el.attrib
    if is_emoji_image(attrib):
        alt = attrib.get("alt")
        if alt:
            s.text(alt, sink)
        return
    src = lazy_image_src(attrib)
    if src is None:
        twin = _noscript_twin(el)
        if twin is None:
            return
        attrib = twin.attrib
        src = lazy_image_src(attrib)
    url = safe_url(src, s.base_url, MEDIA_SCHEMES)
    if (
        url is None
        or is_hidden(attrib)
        or is_tracking_pixel(url, attrib.get("width"), attrib.get("height"))
    ):
        return
    attrs = {"src": url, "alt": attr_text(attrib.get("alt"))}
    title = attr_text(attrib.get("title"))
    if title:
        attrs["title"] = title
    sink.inline(Node("img", attrs))


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
