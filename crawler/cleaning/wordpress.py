"""WordPress artefacts: leftover shortcodes, syndication lines, lazy images, emoji, widgets.

These are the things ``the_content`` leaves in ``content.rendered`` that no reader of the
post ever sees as content (see ``default-filters.php``): unregistered shortcodes from page
builders or deactivated plugins, lazy-load placeholders, smiley images, Jetpack widgets and
feed footers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from .urls import largest_srcset_candidate

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .protocols import Attributes

__all__ = [
    "DEFAULT_BOILERPLATE_PATTERNS",
    "MORE_LINK_TEXT",
    "boilerplate_matcher",
    "closing_shortcode_names",
    "is_boilerplate_element",
    "is_emoji_image",
    "is_footnote_backlink",
    "lazy_image_src",
    "strip_excerpt_tail",
    "strip_shortcodes",
]

#: Syndication footers. A block whose *whole* text matches one of these (case-insensitive)
#: is dropped: "The post X appeared first on Y." (Yoast and core feed footers) and the
#: "This article was originally published on Y" lines republishing sites append.
DEFAULT_BOILERPLATE_PATTERNS: tuple[str, ...] = (
    r"the (?:post|article|entry) .+ (?:first )?appeared (?:first )?on .+",
    r"this (?:post|article|entry|story) (?:first )?appeared (?:first )?(?:on|at|in) .+",
    r"this (?:post|article|entry|story) was (?:originally|first) published (?:on|at|in|by) .+",
)


@lru_cache(maxsize=32)
def boilerplate_matcher(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """Compile *patterns* into one case-insensitive full-match regex (cached per tuple).

    >>> m = boilerplate_matcher(DEFAULT_BOILERPLATE_PATTERNS)
    >>> bool(m.fullmatch("The post Hello world appeared first on My Blog."))
    True
    >>> bool(m.fullmatch("This post is about how the post appeared first on a site."))
    False
    >>> boilerplate_matcher(()) is None
    True
    """
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.DOTALL)


# --- shortcodes -------------------------------------------------------------------------

# [name attrs], [/name], [name /]. The name must start with a letter, so "[1]" and "[…]"
# are never touched; attributes must be separated by whitespace, so "[Update: x]" is not.
_SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*?)?)\s*(/?)\]")
_CLOSING = re.compile(r"\[/([A-Za-z][\w-]*)\]")
_ATTRIBUTE = re.compile(r"[\w-]+\s*=")
# Core shortcodes plus common plugin ones whose bare form ("[gallery]") is unambiguous.
_KNOWN_SHORTCODES = frozenset(
    {
        "caption",
        "wp_caption",
        "gallery",
        "embed",
        "audio",
        "video",
        "playlist",
        "contact-form",
        "gravityform",
        "wpforms",
        "toc",
        "ez-toc",
        "fusion_builder_container",
        "fl_builder_insert_layout",
        "layerslider",
        "rev_slider",
        "instagram-feed",
        "mc4wp_form",
    }
)


def closing_shortcode_names(html: str) -> frozenset[str]:
    """Names with a ``[/name]`` closing tag anywhere in *html* (those are shortcodes).

    >>> sorted(closing_shortcode_names("[vc_row][vc_column]x[/vc_column][/vc_row] [sic]"))
    ['vc_column', 'vc_row']
    """
    if "[/" not in html:
        return frozenset()
    # One regex scan in C: a loop over each "[" here would take a second on a hostile post of
    # two megabytes of brackets, for a gain of 10 µs on an ordinary one.
    return frozenset(name.lower() for name in _CLOSING.findall(html))


def strip_shortcodes(text: str, paired: Iterable[str] = ()) -> str:
    """Remove shortcode tags that survived rendering, keeping the text they wrapped.

    A bracketed token counts as a shortcode when it is a closing tag, self-closing, has
    ``key=value`` attributes, has an underscore in its name (page builders: ``vc_row``,
    ``et_pb_text``), is a known shortcode, or is closed elsewhere (*paired*). Editorial
    brackets such as ``[sic]``, ``[1]`` or ``[Updated]`` are kept.

    >>> strip_shortcodes('[vc_row][vc_column_text]Hello[/vc_column_text][/vc_row]')
    'Hello'
    >>> strip_shortcodes('Send [contact-form-7 id="1" title="Contact"] now')
    'Send  now'
    >>> strip_shortcodes('He said [sic] it was [1] fine [Updated]')
    'He said [sic] it was [1] fine [Updated]'
    >>> strip_shortcodes('[note]Read this[/note]', paired={'note'})
    'Read this'
    >>> strip_shortcodes('[vc_[/x]row]text')
    'text'
    """
    if "[" not in text:
        return text
    paired = paired if isinstance(paired, (set, frozenset)) else frozenset(paired)

    def replace(m: re.Match[str]) -> str:
        closing, name, attrs, self_closing = m.groups()
        lname = name.lower()
        if (
            closing
            or self_closing
            or "_" in name
            or lname in _KNOWN_SHORTCODES
            or lname in paired
            or _ATTRIBUTE.search(attrs)
        ):
            return ""
        return m.group()

    # Removing "[/x]" from "[vc_[/x]row]" forms a new shortcode: repeat until stable so
    # that cleaning clean output changes nothing.
    while True:
        stripped = _SHORTCODE.sub(replace, text)
        if stripped == text:
            return text
        text = stripped


# --- elements that are never content ----------------------------------------------------

# Jetpack sharing/likes/related posts, other share and related-post plugins, feed flare,
# "Continue reading" links and visually hidden screen-reader text.
_BOILERPLATE_CLASSES: Final = frozenset(
    {
        "sharedaddy",
        "sd-sharing-enabled",
        "sd-like",
        "sd-block",
        "jp-relatedposts",
        "jetpack-likes-widget-wrapper",
        "wp-block-jetpack-related-posts",
        "wp-block-jetpack-sharing-buttons",
        "jp-post-flair",
        "addtoany_share_save_container",
        "addtoany_content",
        "a2a_kit",
        "sharethis-inline-share-buttons",
        "yarpp-related",
        "crp_related",
        "feedflare",
        "more-link",
        "link-more",
        "screen-reader-text",
        "wp-block-file__button",
    }
)
_BOILERPLATE_IDS: Final = frozenset({"jp-relatedposts", "jp-post-flair", "sharing_email"})


def is_boilerplate_element(attrs: Attributes) -> bool:
    """True for share buttons, related posts, more-links and screen-reader-only text.

    >>> is_boilerplate_element({"class": "sharedaddy sd-sharing-enabled"})
    True
    >>> is_boilerplate_element({"id": "jp-relatedposts", "class": "jp-relatedposts"})
    True
    >>> is_boilerplate_element({"class": "entry-content sharedaddy-like-but-not"})
    False
    """
    cls = attrs.get("class")
    # Splitting and a set test cost a third of what a regex of the names did as a pre-filter.
    if cls and not _BOILERPLATE_CLASSES.isdisjoint(cls.split()):
        return True
    ident = attrs.get("id")
    return ident is not None and ident.strip() in _BOILERPLATE_IDS


def is_emoji_image(attrs: Attributes) -> bool:
    """True for ``img.wp-smiley``/``img.emoji`` and core's emoji/smiley image URLs.

    >>> is_emoji_image({"class": "wp-smiley", "alt": ":)"})
    True
    >>> is_emoji_image({"src": "https://s.w.org/images/core/emoji/17.0.2/72x72/1f600.png"})
    True
    >>> is_emoji_image({"class": "wp-image-12", "src": "/photo.jpg"})
    False
    """
    cls = attrs.get("class")
    if cls and ("wp-smiley" in cls or "emoji" in cls):
        tokens = cls.split()
        if "wp-smiley" in tokens or "emoji" in tokens:
            return True
    src = attrs.get("src") or ""
    return "/images/core/emoji/" in src or "/wp-includes/images/smilies/" in src


_BACKLINK_TEXTS = frozenset({"\u21a9", "\u21a9\ufe0e", "\u21a9\ufe0f"})
"""The text of a footnote's back-link: ``↩`` (core's footnotes block writes ``↩︎``, with the
text-style variation selector, so no emoji image replaces it)."""


def is_footnote_backlink(attrs: Attributes, text: str) -> bool:
    """True for the ``↩︎`` link back to the reference that ends each footnote (WordPress 6.3+
    footnotes block: ``<a href="#…-link" aria-label="Jump to footnote reference 1">↩︎</a>``, and
    the footnote plugins that copy it): navigation, not words of the note. It is told by its
    in-page ``href`` and its arrow-only text, not the ``aria-label``, which is translated.

    >>> is_footnote_backlink({"href": "#f1-link", "aria-label": "Jump to footnote reference 1"}, "\u21a9\ufe0e")
    True
    >>> is_footnote_backlink({"href": "#f1"}, "1"), is_footnote_backlink({"href": "/x"}, "\u21a9")
    (False, False)
    """
    href = attrs.get("href") or ""
    return href.lstrip().startswith("#") and text.strip() in _BACKLINK_TEXTS


_LAZY_SRCSETS = ("data-lazy-srcset", "data-srcset", "srcset")
_LAZY_SRCS = ("data-lazy-src", "data-src", "data-lazy-original", "data-original", "src")


def _usable(url: str | None) -> bool:
    if not url:
        return False
    head = url.lstrip()[:11].lower()
    return bool(head) and not head.startswith(("data:", "about:blank", "#"))


def lazy_image_src(attrs: Attributes) -> str | None:
    """Pick the real image URL of a possibly lazy-loaded ``<img>`` (unresolved, unchecked).

    Order: the largest candidate of ``data-lazy-srcset`` › ``data-srcset`` › ``srcset``
    (the biggest rendition is what a corpus or a migration wants), then ``data-lazy-src`` ›
    ``data-src`` › ``data-lazy-original`` › ``data-original`` › ``src``. ``data:``
    placeholders are skipped; None means "look at the <noscript> twin".

    >>> lazy_image_src({"src": "data:image/gif;base64,R0lGOD", "data-lazy-src": "/a.jpg"})
    '/a.jpg'
    >>> lazy_image_src({"src": "/a-1024.jpg", "srcset": "/a-300.jpg 300w, /a.jpg 2048w"})
    '/a.jpg'
    >>> lazy_image_src({"src": "data:image/svg+xml,%3Csvg%3E"}) is None
    True
    """
    for name in _LAZY_SRCSETS:
        value = attrs.get(name)
        if value:
            best = largest_srcset_candidate(value)
            if best:
                return best
    for name in _LAZY_SRCS:
        value = attrs.get(name)
        if _usable(value):
            return value
    return None


# --- excerpts ---------------------------------------------------------------------------

#: Full text of the "Continue reading" / "Read more" / "(more…)" links themes append to
#: excerpts (English plus a few common translations; the text is localised).
MORE_LINK_TEXT = re.compile(
    r"\W*(?:(?:continue reading|read more|keep reading|read the rest|lire la suite"
    r"|weiterlesen|leer m[aá]s|continua a leggere|leia mais|lees verder|czytaj dalej)\b.*"
    r"|more\W*)",
    re.IGNORECASE | re.DOTALL,
)
_EXCERPT_TAIL = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.\.\.)\s*$")


def strip_excerpt_tail(text: str, had_more_link: bool = False) -> str:
    """Replace a trailing ``[…]``/``…``/``...`` (or a removed more-link) with one ``…``.

    >>> strip_excerpt_tail("one two three […]")
    'one two three…'
    >>> strip_excerpt_tail("one two three …", had_more_link=True)
    'one two three…'
    >>> strip_excerpt_tail("A complete manual excerpt.")
    'A complete manual excerpt.'
    >>> strip_excerpt_tail("A manual excerpt.", had_more_link=True)
    'A manual excerpt.…'
    """
    text = text.rstrip()
    stripped = _EXCERPT_TAIL.sub("", text)
    if stripped != text or had_more_link:
        return stripped + "…" if stripped else ""
    return text
