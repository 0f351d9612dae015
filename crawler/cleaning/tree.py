"""The clean node tree and its HTML serializer, which enforces the allow-list.

The sanitizer builds :class:`Node` objects, never lxml elements, and only this module turns
them into markup. The serializer refuses anything outside :data:`ALLOWED_ATTRIBUTES` and
re-checks every URL scheme, so the output is safe by construction even if a walker rule
has a bug: an element that is not allowed is unwrapped, an attribute that is not allowed is
dropped, and all text and attribute values are escaped.
"""

from __future__ import annotations

from typing import Final, final

from .tags import ALLOWED_TAGS, BLOCK_TAGS
from .urls import LINK_SCHEMES, MEDIA_SCHEMES, has_safe_scheme, url_scheme

__all__ = ["ALLOWED_ATTRIBUTES", "BR", "Item", "Node", "escape_attr", "escape_text", "serialize"]


@final
class Node:
    """One element of the clean tree: a tag, its kept attributes and its children.

    Final, so ``type(it) is Node`` (faster than ``isinstance``) tells a node from a string.
    """

    __slots__ = ("attrs", "children", "tag")

    def __init__(
        self, tag: str, attrs: dict[str, str] | None = None, children: list[Item] | None = None
    ) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Item] = children if children is not None else []

    def __repr__(self) -> str:
        return f"Node({self.tag!r}, {self.attrs!r}, {self.children!r})"


Item = Node | str

#: The shared ``<br>``; compared by identity, never mutated.
BR: Final = Node("br")

# The attributes an element may keep, in the order they are written; every other
# element of ALLOWED_TAGS keeps none.
_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "a": ("href", "title"),
    "img": ("src", "alt", "title"),
    "abbr": ("title",),
    "ol": ("start",),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan"),
}
assert _ATTRIBUTES.keys() <= ALLOWED_TAGS, "attributes for an element that is not allowed"

#: Every element the cleaned HTML may contain, with the attributes it may keep.
ALLOWED_ATTRIBUTES: Final[dict[str, tuple[str, ...]]] = {
    tag: _ATTRIBUTES.get(tag, ()) for tag in sorted(ALLOWED_TAGS)
}
_URL_SCHEMES: Final = {"href": LINK_SCHEMES, "src": MEDIA_SCHEMES}
_VOID: Final = frozenset({"br", "hr", "img"})
# Block elements (BLOCK_TAGS) start on their own line and end with a newline; containers
# also break after their opening tag. Whitespace between blocks is insignificant, so this
# only makes the output readable and diff-friendly.
_CONTAINER: Final = frozenset(
    ["ul", "ol", "dl", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "figure"]
)


def escape_text(s: str) -> str:
    """``html.escape(s, quote=False)``, which runs interpreted even in the compiled cleaner."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(s: str) -> str:
    """Escape a value for a double-quoted attribute; ``'`` stays as it is (no ``&#x27;``)."""
    return escape_text(s).replace('"', "&quot;")


def serialize(
    items: list[Item],
    links: list[str] | None = None,
    images: list[dict[str, str]] | None = None,
) -> str:
    """Serialize clean *items* to HTML; optionally collect link hrefs and images on the way.

    Collecting here means ``links``/``images`` describe exactly what the HTML contains.

    >>> serialize([Node("p", None, ["a < b & ", Node("a", {"href": "https://x.org/"}, ["x"])])])
    '<p>a &lt; b &amp; <a href="https://x.org/">x</a></p>'
    >>> serialize([Node("script", None, ["alert(1)"]), Node("a", {"href": "javascript:x"}, ["y"])])
    'alert(1)<a>y</a>'
    """
    writer = _Writer(links, images)
    writer.emit(items)
    return "".join(writer.out).strip("\n")


@final
class _Writer:
    """The state of one :func:`serialize` pass (a class, not a closure: compiled, its
    attributes are plain fields and :meth:`emit` a direct call)."""

    __slots__ = ("at_line_start", "images", "links", "out", "seen_images", "seen_links")

    def __init__(self, links: list[str] | None, images: list[dict[str, str]] | None) -> None:
        self.out: list[str] = []
        self.links = links
        self.images = images
        self.seen_links: set[str] = set()
        self.seen_images: set[str] = set()
        self.at_line_start = True

    def emit(self, nodes: list[Item]) -> None:  # noqa: PLR0912, PLR0915 - a case per node kind
        out = self.out
        for node in nodes:
            if type(node) is not Node:
                # html.escape(quote=False) inlined: a call per text node costs more.
                out.append(node.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
                self.at_line_start = False
                continue
            tag = node.tag
            allowed = ALLOWED_ATTRIBUTES.get(tag)
            if allowed is None:  # never produced by the sanitizer; unwrap defensively
                self.emit(node.children)
                continue
            block = tag in BLOCK_TAGS
            if block and not self.at_line_start:
                out.append("\n")
            attrs = node.attrs
            if attrs:
                parts = [tag]
                for name in allowed:
                    value = attrs.get(name)
                    if value is None:
                        continue
                    schemes = _URL_SCHEMES.get(name)
                    if schemes is not None and not has_safe_scheme(value, schemes):
                        continue
                    parts.append(f'{name}="{escape_attr(value)}"')
                out.append(f"<{' '.join(parts)}>")
                if tag == "a":
                    if self.links is not None:
                        href = attrs.get("href")
                        if href and href not in self.seen_links and _is_web_link(href):
                            self.seen_links.add(href)
                            self.links.append(href)
                elif self.images is not None and tag == "img":
                    src = attrs.get("src")
                    if src and src not in self.seen_images:
                        self.seen_images.add(src)
                        self.images.append({"src": src, "alt": attrs.get("alt", "")})
            else:
                out.append(f"<{tag}>")
            self.at_line_start = False
            if tag not in _VOID:
                container = tag in _CONTAINER
                if container:
                    out.append("\n")
                    self.at_line_start = True
                self.emit(node.children)
                if container and not self.at_line_start:
                    out.append("\n")
                out.append(f"</{tag}>")
            if block:
                out.append("\n")
                self.at_line_start = True
            else:
                self.at_line_start = False


def _is_web_link(href: str) -> bool:
    """Only http(s) and relative links are "links"; mailto/tel stay in the HTML only."""
    return url_scheme(href) in ("http", "https", "")
