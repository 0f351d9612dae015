"""Property tests: the cleaner never raises, is idempotent, and its text is plain."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.cleaning import clean_content, clean_excerpt, clean_inline_text
from crawler.cleaning.text import count_words
from crawler.cleaning.urls import (
    MEDIA_SCHEMES,
    has_safe_scheme,
    largest_srcset_candidate,
    safe_url,
)
from crawler.cleaning.wordpress import strip_shortcodes

from .test_xss import html_problems

BASE = "https://example.com/blog/post/"
TAGS = [
    "p",
    "div",
    "span",
    "a",
    "img",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "caption",
    "pre",
    "code",
    "h2",
    "h3",
    "blockquote",
    "figure",
    "figcaption",
    "iframe",
    "script",
    "style",
    "noscript",
    "svg",
    "math",
    "sup",
    "dl",
    "dt",
    "dd",
    "hr",
    "section",
    "font",
    "center",
    "video",
    "source",
    "form",
    "input",
    "details",
    "summary",
    "q",
    "abbr",
    "s",
    "del",
    "picture",
]
ATTRS = st.sampled_from(
    [
        ' class="wp-block-image"',
        ' class="wp-smiley" alt=":)"',
        ' class="sharedaddy"',
        ' class="wp-embedded-content"',
        ' class="wp-caption"',
        ' class="wp-caption-text"',
        ' class="rll-youtube-player" data-src="https://youtube.com/embed/x"',
        ' style="display:none"',
        ' data-id="7"',
        ' id="x"',
        ' href="/relative/path"',
        ' href="https://example.org/a_(b)"',
        ' href="#frag"',
        ' href="javascript:alert(1)"',
        ' href="mailto:a@example.com"',
        ' src="https://cdn.example.com/a.jpg"',
        ' src="data:image/gif;base64,R0lGOD"',
        ' data-src="/lazy.jpg"',
        ' data-lazy-srcset="/a.jpg 300w, /b.jpg 900w"',
        ' srcset="x.jpg 2x, y.jpg"',
        ' width="1" height="1"',
        ' onclick="alert(1)"',
        ' colspan="2"',
        ' start="4"',
        ' title="a &quot;title&quot;"',
        ' alt="alt [vc_row] text"',
        "",
    ]
)
# Text pieces whose decoded form never contains "<" or "&": so any "<tag" or "&entity;"
# in the text output would have been produced by the cleaner.
PLAIN_TEXT = st.text(
    alphabet=st.characters(
        blacklist_characters="<>&", blacklist_categories=("Cs",), max_codepoint=0x2FFF
    ),
    max_size=25,
)
TEXT_PIECES = st.one_of(
    PLAIN_TEXT,
    st.sampled_from(
        [
            "&nbsp;",
            "&#8217;",
            "&hellip;",
            "&eacute;",
            "&#x1F600;",
            "&mdash;",
            "[vc_row]",
            "[/vc_row]",
            '[contact-form-7 id="1"]',
            "[sic]",
            "  \n\t ",
            "\u200b",
            "\xa0",
            "# heading?",
            "1. item?",
            "*star* _under_ `tick`",
            "https://example.com/x",
        ]
    ),
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attrs, inner, close: (
            f"<{tag}{''.join(attrs)}>{inner}" + (f"</{tag}>" if close else "")
        ),
        st.sampled_from(TAGS),
        st.lists(ATTRS, max_size=3),
        children,
        st.booleans(),
    )


HTMLISH = st.recursive(
    TEXT_PIECES,
    lambda children: st.lists(st.one_of(children, _element(children)), max_size=5).map("".join),
    max_leaves=40,
)
# CLEANING_EXAMPLES=5000 for a longer bug hunt; 300 keeps the default run fast.
SETTINGS = settings(
    max_examples=int(os.environ.get("CLEANING_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(st.text(max_size=300))
@example("\x00<scr\x00ipt>")
@example("\ud800<p>lone surrogate</p>")
@example("<" * 50)
@example("]]>")
def test_arbitrary_text_never_raises(text: str) -> None:
    cleaned = clean_content(text, BASE)
    assert html_problems(cleaned.html) == []
    clean_excerpt(text)
    assert "\n" not in clean_inline_text(text)


@SETTINGS
@given(HTMLISH, st.sampled_from([None, BASE]))
@example("<p>a<br><br>b</p>", None)
@example("<li>x</li><ul><li>y", BASE)
@example("<figure><p>t</p></figure><table><tr><td>c</td></tr></table>", None)
def test_htmlish_is_safe_and_idempotent(html: str, base: str | None) -> None:
    once = clean_content(html, base)
    assert html_problems(once.html) == []
    twice = clean_content(once.html, base)
    assert twice.html == once.html
    assert twice.text == once.text
    assert twice.markdown == once.markdown


@SETTINGS
@given(HTMLISH)
def test_text_has_no_markup_or_entities(html: str) -> None:
    cleaned = clean_content(html, BASE)
    for text in (cleaned.text, clean_excerpt(html), clean_inline_text(html)):
        assert not re.search(r"<[A-Za-z/!?]", text)
        assert not re.search(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", text)
        # No blank lines around; a leading <pre> keeps its indentation, so only "\n" counts.
        assert text == text.strip("\n") == text.rstrip()
    if "<pre" not in html:  # blank lines inside <pre> are content
        assert "\n\n\n" not in cleaned.text
    assert cleaned.word_count >= 0


@SETTINGS
@given(st.text(max_size=80), st.sampled_from([None, BASE, "not a url", "javascript:x"]))
def test_safe_url_never_raises_and_is_safe(url: str, base: str | None) -> None:
    result = safe_url(url, base)
    if result is not None:
        assert has_safe_scheme(result)
        assert safe_url(result, base) == result
    media = safe_url(url, base, MEDIA_SCHEMES)
    if media is not None:
        assert has_safe_scheme(media, MEDIA_SCHEMES)


@SETTINGS
@given(st.text(max_size=120))
def test_srcset_candidate_is_a_token_of_the_input(srcset: str) -> None:
    best = largest_srcset_candidate(srcset)
    assert best is None or (best in srcset and not best.lower().startswith("data:"))


@SETTINGS
@given(st.lists(st.one_of(TEXT_PIECES, st.sampled_from(["[", "]", "/", "_"])), max_size=12))
def test_strip_shortcodes_is_idempotent(pieces: list[str]) -> None:
    once = strip_shortcodes("".join(pieces))
    assert strip_shortcodes(once) == once


_CJK_RANGE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The documented rule, applied to the whole text at once: one word per CJK character,
# otherwise a run of word characters joined by ' ’ . or -.
_RULE = re.compile(f"[{_CJK_RANGE}]|[^\\W{_CJK_RANGE}]+(?:['’.\\-][^\\W{_CJK_RANGE}]+)*")
WORDISH = st.lists(
    st.one_of(
        st.sampled_from(["a", "Z9", "_", "'", "’", ".", "-", " ", "\n", "\xa0", "日", "ト"]),
        st.sampled_from(["é", "ß", "٣", "²", "–", "/", "(", ")", ":", "a_b", "x1"]),
        st.text(max_size=3),
    ),
    max_size=40,
).map("".join)


@given(WORDISH)
@example("snake_case x2 (ok) -- a/b 日本語abc it’s")
def test_word_count_follows_the_rule(text: str) -> None:
    assert count_words(text) == len(_RULE.findall(text))
