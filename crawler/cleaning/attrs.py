"""Reading the attributes of the parsed page: what several handlers ask of an element.

:class:`.protocols.Attributes` is the one operation the cleaner performs on attributes,
``get``, so the rules take lxml's ``element.attrib`` and a plain ``dict`` (in tests) alike.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .protocols import Attributes

__all__ = ["attr_text", "is_caption_class", "is_hidden"]

_WS = re.compile(r"\s+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def attr_text(value: str | None) -> str:
    """An attribute value as text: whitespace collapsed, ``""`` when absent.

    >>> attr_text("  A\\n photo  "), attr_text(None)
    ('A photo', '')
    """
    return _WS.sub(" ", value).strip() if value else ""


def is_caption_class(attrib: Attributes) -> bool:
    """Classic-editor and gallery captions, which are ``<div>``/``<p>``/``<dd>``, not ``<figcaption>``."""
    cls = attrib.get("class")
    return cls is not None and ("wp-caption-text" in cls or "gallery-caption" in cls)


def is_hidden(attrib: Attributes) -> bool:
    """Hidden by ``style``/``hidden``, or sized 0-1 px: never visible content.

    >>> is_hidden({"style": "display: none"}), is_hidden({"width": "1"}), is_hidden({})
    (True, True, False)
    """
    style = attrib.get("style")
    if (style and _HIDDEN_STYLE.search(style)) or attrib.get("hidden") is not None:
        return True
    tiny = ("0", "1")
    return attrib.get("width", "").strip() in tiny or attrib.get("height", "").strip() in tiny
