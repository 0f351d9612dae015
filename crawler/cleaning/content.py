"""The one entry point: WordPress ``content.rendered`` to clean HTML, text and Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence  # noqa: TC003 - the compiled dataclass reads it at run time
from dataclasses import dataclass, field

from w3lib.html import remove_tags, remove_tags_with_content, replace_entities

from .markdown import to_markdown
from .parse import parse_html
from .sanitize import Sanitizer
from .text import count_words, to_text
from .tree import serialize
from .wordpress import (
    DEFAULT_BOILERPLATE_PATTERNS,
    boilerplate_matcher,
    closing_shortcode_names,
    strip_excerpt_tail,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "CleanContent",
    "CleanOptions",
    "clean_content",
    "clean_excerpt",
    "clean_inline_text",
]


@dataclass(frozen=True)
class CleanOptions:
    """What :func:`clean_content` produces besides HTML and text."""

    markdown: bool = True  # content_markdown on by default, switchable off
    keep_raw: bool = False  # content_raw off by default
    #: regexes for syndication lines; a paragraph whose whole text matches is dropped
    boilerplate_patterns: Sequence[str] = DEFAULT_BOILERPLATE_PATTERNS  # kept as a tuple

    def __post_init__(self) -> None:
        """Accept any sequence of patterns, and fail here on a bad regex, not mid-crawl."""
        patterns = tuple(self.boilerplate_patterns)
        object.__setattr__(self, "boilerplate_patterns", patterns)
        try:
            boilerplate_matcher(patterns)
        except re.error as exc:
            raise ValueError(f"invalid boilerplate pattern: {exc}") from exc

    def __reduce__(self) -> tuple[type[CleanOptions], tuple[bool, bool, tuple[str, ...]]]:
        """Pickled as its fields, for the cleaning workers: the compiled (mypyc) class cannot
        be rebuilt by setting attributes on a frozen instance, as pickle would by default."""
        return (CleanOptions, (self.markdown, self.keep_raw, tuple(self.boilerplate_patterns)))


@dataclass(frozen=True)
class CleanContent:
    """The cleaned forms of one post body, plus what was found in it."""

    html: str
    text: str
    markdown: str | None
    raw: str | None
    word_count: int
    links: list[str] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)


DEFAULT_OPTIONS = CleanOptions()


def clean_content(
    html: str | None, base_url: str | None = None, options: CleanOptions = DEFAULT_OPTIONS
) -> CleanContent:
    """Clean a post body: sanitized minimal HTML, plain text, Markdown, links and images.

    The input is parsed once; links and images are collected while serializing the clean
    tree, so they list exactly what the HTML keeps (absolute when *base_url* is given).

    >>> c = clean_content('<p class="x">Hi&nbsp;<a href="/a" onclick="x()">there</a></p>'
    ...                   '<script>alert(1)</script>', "https://example.com/post/")
    >>> c.html
    '<p>Hi <a href="https://example.com/a">there</a></p>'
    >>> c.text, c.markdown, c.word_count, c.links
    ('Hi there', 'Hi [there](https://example.com/a)', 2, ['https://example.com/a'])
    """
    raw = html if options.keep_raw else None
    html = html or ""
    root = parse_html(html)
    if root is None:
        return CleanContent("", "", "" if options.markdown else None, raw, 0, [], [])
    sanitizer = Sanitizer(
        base_url,
        boilerplate_matcher(tuple(options.boilerplate_patterns)),
        closing_shortcode_names(html),
    )
    nodes = sanitizer.clean(root)
    links: list[str] = []
    images: list[dict[str, str]] = []
    clean_html = serialize(nodes, links, images)
    text = to_text(nodes)
    markdown = to_markdown(nodes) if options.markdown else None
    return CleanContent(clean_html, text, markdown, raw, count_words(text), links, images)


_WS = re.compile(r"\s+")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b\u2060\ufeff\u00ad]+")
_BREAKS = re.compile(r"<(?:br|/p|/div|/li|/h[1-6])\b[^>]*>", re.IGNORECASE)


def clean_inline_text(html: str | None) -> str:
    """Text of a title, term or author name: tags stripped, entities decoded, one line.

    WordPress encodes titles (``wptexturize``, ``convert_chars``), so they must be decoded
    once; tags are removed *before* decoding so an encoded ``&lt;b&gt;`` stays literal.

    >>> clean_inline_text("Rock &#038; Roll&#8217;s <em>&#8220;best&#8221;</em>&nbsp;&#8212; 2024&#8230;")
    'Rock & Roll’s “best” — 2024…'
    >>> clean_inline_text("  Using &lt;div&gt;\\n tags<script>x()</script> ")
    'Using <div> tags'
    """
    if not html:
        return ""
    if "<" in html:
        html = remove_tags(_BREAKS.sub(" ", remove_tags_with_content(html, ("script", "style"))))
    if "&" in html:
        html = replace_entities(html)
    return _WS.sub(" ", _INVISIBLE.sub("", html)).strip()


def clean_excerpt(html: str | None) -> str:
    """Plain text of an excerpt; ``[&hellip;]`` and "Continue reading" tails become ``…``.

    >>> clean_excerpt("<p>one two three [&hellip;]</p>\\n")
    'one two three…'
    >>> clean_excerpt('<p>Teaser &hellip; </p><p class="link-more"><a href="/p" '
    ...               'class="more-link">Continue reading<span class="screen-reader-text">'
    ...               ' "Post"</span></a></p>')
    'Teaser…'
    >>> clean_excerpt('<p>Manual excerpt.</p>')
    'Manual excerpt.'
    """
    html = html or ""
    root = parse_html(html)
    if root is None:
        return ""
    sanitizer = Sanitizer(paired=closing_shortcode_names(html), excerpt=True)
    text = to_text(sanitizer.clean(root))
    return strip_excerpt_tail(text, sanitizer.had_more_link)
