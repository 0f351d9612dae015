"""The tag vocabularies of the cleaner, each written once.

Output side: the clean node tree holds only :data:`ALLOWED_TAGS`; the serializer
(:mod:`.tree`), the text renderer (:mod:`.text`) and the Markdown step (:mod:`.markdown`)
read the same tree, so they must agree on which of its tags are blocks. Input side: the
sanitizer (:mod:`.sanitize`) decides per tag of the parsed page whether to keep, unwrap or
drop it. Where a module needs a slightly different set, it builds it from these with the
difference named, so a tag added here reaches every module that should know it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ALLOWED_TAGS",
    "BLOCK_TAGS",
    "CODE_TAGS",
    "DROPPED_TAGS",
    "HEADING_TAGS",
    "LIST_TAGS",
    "PART_TAGS",
    "PHRASING_TAGS",
    "RENAMED_TAGS",
    "STRUCTURE_WRAPPER_TAGS",
    "TABLE_SECTION_TAGS",
    "TRANSPARENT_TAGS",
    "WRAPPER_TAGS",
]

# --- output side: what the clean tree may contain ----------------------------------------

HEADING_TAGS: frozenset[str] = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

TABLE_SECTION_TAGS: frozenset[str] = frozenset({"thead", "tbody", "tfoot"})

#: Block elements of the clean tree: each starts its own line in the HTML and its own
#: paragraph in the text, whatever the serializer or renderer does with its content.
BLOCK_TAGS: frozenset[str] = (
    HEADING_TAGS
    | {"p", "blockquote", "pre", "hr", "figure", "figcaption"}
    | {"ul", "ol", "li", "dl", "dt", "dd"}
    | {"table", "caption", "tr", "td", "th"}
    | TABLE_SECTION_TAGS
)

#: Phrasing elements whose content is code: shortcodes in them are text, not markup.
CODE_TAGS: frozenset[str] = frozenset({"code", "kbd", "samp"})

#: Phrasing elements the clean tree keeps, with their content, inside a run of text.
PHRASING_TAGS: frozenset[str] = (
    frozenset({"em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup"})
    | CODE_TAGS
    | {"var", "mark", "small", "abbr", "cite", "q", "dfn"}
)

#: Every element the serializer lets through: the blocks and phrasing elements, plus the
#: three inline elements the sanitizer builds itself (links, images, line breaks).
ALLOWED_TAGS: frozenset[str] = BLOCK_TAGS | PHRASING_TAGS | {"a", "img", "br"}

# --- input side: how the sanitizer treats the tags of the parsed page --------------------

#: Obsolete phrasing elements, kept under their modern name.
RENAMED_TAGS: Mapping[str, str] = {"strike": "s", "tt": "code", "acronym": "abbr"}

#: List containers; ``<menu>`` and ``<dir>`` are read as ``<ul>``.
LIST_TAGS: frozenset[str] = frozenset({"ul", "ol", "menu", "dir"})

#: Layout blocks that are unwrapped: their content stays, the element only ends the current
#: paragraph. ``<p>`` is one too, since paragraphs are rebuilt from runs of inline content.
#: ``<div>`` is one, but has its own handler first (WordPress captions, galleries, embeds).
WRAPPER_TAGS: frozenset[str] = (
    frozenset({"div", "section", "article", "header", "footer", "main", "aside", "nav"})
    | {"center", "address", "details", "summary", "hgroup", "fieldset", "legend", "search"}
    | {"body", "html", "dialog", "p"}
)

# Inline elements page builders wrap list items and table rows in (see below).
_BUILDER_WRAPPERS: frozenset[str] = frozenset({"span", "font", "label"})

#: Inline elements that are unwrapped without a boundary: only their content is kept.
TRANSPARENT_TAGS: frozenset[str] = (
    _BUILDER_WRAPPERS
    | {"time", "bdi", "bdo", "data", "ruby", "nobr"}
    | {"big", "blink", "marquee", "picture", "wbr"}
)

#: What is looked through between a list, ``<dl>`` or table and its items or rows: themes
#: wrap those in ``<div>``, page builders also in ``<span>``, ``<font>`` or ``<label>``.
#: Only these three of the transparent tags: no other is searched for items.
STRUCTURE_WRAPPER_TAGS: frozenset[str] = WRAPPER_TAGS | _BUILDER_WRAPPERS

#: Parts of lists, definition lists and tables. Their containers' handlers read them
#: directly; one met anywhere else is unwrapped like :data:`WRAPPER_TAGS`.
PART_TAGS: frozenset[str] = (
    frozenset({"li", "dt", "dd", "caption", "tr", "td", "th"}) | TABLE_SECTION_TAGS
)

#: Dropped with all their content: scripts and styles, embedded objects, forms, graphics,
#: document metadata, frames, media sources, table columns, ruby annotations.
DROPPED_TAGS: frozenset[str] = (
    frozenset({"script", "style", "noscript", "template", "object", "embed", "applet"})
    | {"form", "input", "button", "select", "textarea", "option", "optgroup", "datalist"}
    | {"output", "progress", "meter", "svg", "math", "canvas", "map", "area"}
    | {"base", "meta", "link", "title", "head", "frame", "frameset", "noframes", "noembed"}
    | {"source", "track", "param", "col", "colgroup", "slot", "portal", "xmp", "plaintext"}
    | {"rp", "rt"}
)
