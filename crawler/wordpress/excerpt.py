"""The REST automatic excerpt rebuilt from a page's content, and telling it from a manual one.

For a post without a manual excerpt, REST's ``excerpt.rendered`` is ``wp_trim_excerpt()``
(WordPress 6.1, ``wp-includes/formatting.php``) of the *teaser*: the content before
``<!--more-->`` (REST leaves the global ``$more`` unset), with registered shortcodes stripped
(``strip_shortcodes``), non-text blocks removed (``excerpt_remove_blocks``), run through
``the_content``, then ``wp_trim_words()``: tags stripped (``script``/``style`` with their
content), words split on ``[\\n\\r\\t ]+``, 55 words, ``' [&hellip;]'`` when cut; finally
``the_excerpt`` wraps it in ``<p>…</p>\\n`` (``wpautop``).

The page's ``.entry-content`` is the same ``the_content`` output, already rendered, so the
shortcodes and blocks are recognised by the markup core renders them as (``figure.wp-caption``,
``div.gallery``, ``figure.wp-block-image``...). Not followed, because the rendered HTML does
not tell: a theme's ``excerpt_length``/``excerpt_more`` filters (the words are the same, the
tail is cleaned to "…" by the crawler anyway), the ``characters`` word count of CJK locales,
the second ``wptexturize`` of ``the_excerpt`` (it changes straight quotes that were inside
``<code>``/``<pre>``), raw HTML that looks like a removed block, and blocks that
``excerpt_remove_blocks`` drops because of what is nested in them.
"""

from __future__ import annotations

import re
from html import escape, unescape

from lxml import etree
from lxml import html as lxml_html

__all__ = ["auto_excerpt_html", "excerpt_words", "is_auto_excerpt"]

MAX_CONTENT_CHARS = 4 * 1024 * 1024
"""Only this much content is read."""

EXCERPT_MORE = " [&hellip;]"
"""WordPress's default ``excerpt_more``."""

# Rendered markup of what strip_shortcodes() and excerpt_remove_blocks() take out: the core
# shortcodes (caption, gallery, audio, video, playlist, embed) and the blocks that are not
# in excerpt_remove_blocks()'s allow list (paragraph, heading, list, quote, pullquote, table,
# preformatted, verse, html, freeform, media-text, and the columns/column/group wrappers).
_REMOVED_CLASSES = frozenset(
    {
        "wp-caption",
        "gallery",
        "wp-video",
        "wp-audio-shortcode",
        "wp-video-shortcode",
        "wp-playlist",
        "wp-block-image",
        "wp-block-gallery",
        "wp-block-embed",
        "wp-block-video",
        "wp-block-audio",
        "wp-block-file",
        "wp-block-cover",
        "wp-block-buttons",
        "wp-block-code",
        "wp-block-latest-posts",
        "wp-block-latest-comments",
        "wp-block-archives",
        "wp-block-categories",
        "wp-block-calendar",
        "wp-block-search",
        "wp-block-social-links",
        "wp-block-tag-cloud",
        "wp-block-rss",
        "wp-block-page-list",
        "wp-block-navigation",
        "wp-block-post-content",
    }
)
_REMOVED_TAGS = frozenset({"script", "style"})
_MORE_SPAN = re.compile(r"<span id=\"?more-\d+\"?>\s*</span>")
_WORD_SPLIT = re.compile(r"[\n\r\t ]+")
_BLOCK_GAP = re.compile(r">\n\n+<")
_SHORTCODE_BLOCK = re.compile(
    r"<p>\[([A-Za-z0-9_-]{1,64})(?:[\s\]][^\]]{0,2000})?\](?:(?!\n\n).){0,200000}?\[/\1\]</p>\n?",
    re.DOTALL,
)
_ELLIPSIS = re.compile(r"\[(?:…|&hellip;|\.\.\.)\]|…|&hellip;|\.\.\.")


def _teaser(content_html: str) -> str:
    match = _MORE_SPAN.search(content_html)
    return content_html[: match.start()] if match else content_html


def _drop_shortcode_blocks(content_html: str) -> str:
    """A block post without its shortcode blocks (``excerpt_remove_blocks`` drops them).

    A block post's rendered blocks are separated by blank lines (the removed delimiters); a
    classic post is one ``wpautop`` run, whose paragraphs are separated by single newlines. A
    shortcode block renders as paragraphs from ``[name…]`` to ``[/name]`` with no blank line
    between them. In a classic post, an unregistered shortcode stays in the excerpt as text.

    >>> block = "<p>A</p>\\n\\n\\n\\n<p>[vc_row][vc_column]</p>\\n<p>B</p>\\n<p>[/vc_column][/vc_row]</p>\\n"
    >>> _drop_shortcode_blocks(block)
    '<p>A</p>\\n\\n\\n\\n'
    >>> _drop_shortcode_blocks(block.replace("\\n\\n\\n\\n", "\\n")) == block.replace("\\n\\n\\n\\n", "\\n")
    True
    """
    if not _BLOCK_GAP.search(content_html):
        return content_html
    return _SHORTCODE_BLOCK.sub("", content_html)


def _text(content_html: str) -> str:
    """The content's text as ``wp_strip_all_tags`` leaves it, minus removed shortcodes/blocks."""
    if not content_html.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(content_html, create_parent="div")
    except (etree.LxmlError, ValueError):
        return ""
    doomed = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and (
            el.tag.lower() in _REMOVED_TAGS
            or _REMOVED_CLASSES.intersection(str(el.get("class") or "").split())
        )
    ]
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        # Keep the text that follows the element: strip_tags keeps it too.
        tail = el.tail or ""
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(el)
    return "".join(root.itertext())


def excerpt_words(content_html: str) -> list[str]:
    """The words ``wp_trim_words()`` counts in a content's HTML.

    >>> excerpt_words('<p>One&nbsp;two <em>three</em></p>\\n<figure class="wp-caption"><img>'
    ...               '<figcaption>Caption</figcaption></figure><p>four</p><script>x</script>')
    ['One\\xa0two', 'three', 'four']
    """
    return [word for word in _WORD_SPLIT.split(_text(content_html[:MAX_CONTENT_CHARS])) if word]


def auto_excerpt_html(content_html: str, *, words: int = 55) -> str:
    """What REST's ``excerpt.rendered`` holds for a post without a manual excerpt, rebuilt from
    the page's content: the teaser (before the more tag) when there is one, else the whole
    content, trimmed to ``words`` words as ``wp_trim_excerpt()`` does.

    >>> auto_excerpt_html('<p>A b c</p>\\n<p><span id="more-7"></span>D e</p>', words=2)
    '<p>A b [&hellip;]</p>\\n'
    >>> auto_excerpt_html('<p>Fish &amp; chips</p>\\n')
    '<p>Fish &amp; chips</p>\\n'
    >>> auto_excerpt_html('<figure class="wp-block-image"><img alt="x"></figure>')
    ''
    """
    found = excerpt_words(_drop_shortcode_blocks(_teaser(content_html[:MAX_CONTENT_CHARS])))
    if not found:
        return ""
    limit = max(int(words), 0)
    text = " ".join(found[:limit])
    more = EXCERPT_MORE if len(found) > limit else ""
    return f"<p>{escape(text, quote=False)}{more}</p>\n"


def _norm(word: str) -> str:
    """A word as compared across the feed and the page: letters and digits only (feeds drop
    emoji variation selectors and turn emoji into images)."""
    return "".join(ch for ch in word if ch.isalnum()).casefold()


def is_auto_excerpt(summary_text: str, content_html: str) -> bool:
    """Whether an Atom ``<summary>`` (built by feeds from the FULL content) is WordPress's
    automatic excerpt, rather than one the author wrote (REST then shows that one as is).

    It is automatic when it is the content's own first words, and either all of them or cut
    with an ellipsis ("[…]", "…", a theme's "… Continue reading").

    >>> content = "<p>" + " ".join(f"w{i}" for i in range(80)) + "</p>"
    >>> is_auto_excerpt(" ".join(f"w{i}" for i in range(55)) + " [&#8230;]", content)
    True
    >>> is_auto_excerpt("w0 w1 w2&#8230; Continue reading Title", content)
    True
    >>> is_auto_excerpt("w0 w1 w2.", content), is_auto_excerpt("A summary.", content)
    (False, False)
    >>> is_auto_excerpt("Short post.", "<p>Short post.</p>"), is_auto_excerpt("", "<p>x</p>")
    (True, False)
    """
    if not summary_text or not content_html:
        return False
    summary = unescape(excerpt_words_text(summary_text[:100_000]))
    raw = [word for word in _WORD_SPLIT.split(summary) if word]
    tokens = [(i, norm) for i, word in enumerate(raw) if (norm := _norm(word))]
    # Feeds trim the whole content (no teaser cut), with the same blocks removed.
    whole = _drop_shortcode_blocks(content_html[:MAX_CONTENT_CHARS])
    content: list[str] = []
    for word in excerpt_words(whole):
        if norm := _norm(word):
            content.append(norm)
        if len(content) > len(tokens):  # enough to tell a cut from the whole content
            break
    matched = 0
    while matched < min(len(tokens), len(content)) and tokens[matched][1] == content[matched]:
        matched += 1
    if matched == 0:
        return False
    if matched == len(content):
        return True  # the whole content (only a tail, if anything, follows)
    rest = " ".join(raw[tokens[matched - 1][0] :])
    next_word = tokens[matched][0] if matched < len(tokens) else len(raw)
    cut = " ".join(raw[tokens[matched - 1][0] : next_word + 1])
    return bool(_ELLIPSIS.search(cut)) and bool(rest)


def excerpt_words_text(value: str) -> str:
    """``value`` without tags when it is HTML (a feed summary may keep a theme's more link)."""
    if "<" not in value:
        return value
    return _text(value)
