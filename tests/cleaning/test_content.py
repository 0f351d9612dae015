"""Behaviour of clean_content, clean_inline_text and clean_excerpt, one rule at a time."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cleaning import (
    DEFAULT_BOILERPLATE_PATTERNS,
    CleanContent,
    CleanOptions,
    clean_content,
    clean_excerpt,
    clean_inline_text,
)

BASE = "https://example.com/2024/05/post/"


def html(markup: str, base: str | None = BASE, **options: object) -> str:
    return clean_content(markup, base, CleanOptions(**options)).html  # type: ignore[arg-type]


class TestShape:
    def test_empty_and_blank_input(self) -> None:
        for markup in ("", "   \n\t", "<!-- only a comment -->", "<p> </p><div></div>"):
            assert clean_content(markup) == CleanContent("", "", "", None, 0, [], [])

    def test_none_is_treated_as_empty(self) -> None:
        assert clean_content(None).html == ""

    def test_markdown_can_be_switched_off(self) -> None:
        assert clean_content("<p>x</p>", options=CleanOptions(markdown=False)).markdown is None
        assert clean_content("", options=CleanOptions(markdown=False)).markdown is None

    def test_raw_is_the_untouched_input_only_when_asked(self) -> None:
        markup = '<p class="x">Hi <script>alert(1)</script></p>\n'
        assert clean_content(markup).raw is None
        assert clean_content(markup, options=CleanOptions(keep_raw=True)).raw == markup

    def test_results_are_frozen(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            clean_content("<p>x</p>").html = "y"  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            CleanOptions().markdown = False  # type: ignore[misc]

    def test_patterns_are_validated_and_stored_as_a_tuple(self) -> None:
        assert CleanOptions(boilerplate_patterns=["a.+"]).boilerplate_patterns == ("a.+",)
        with pytest.raises(ValueError, match="invalid boilerplate pattern"):
            CleanOptions(boilerplate_patterns=("(unclosed",))

    def test_default_options(self) -> None:
        options = CleanOptions()
        assert (options.markdown, options.keep_raw) == (True, False)
        assert options.boilerplate_patterns == DEFAULT_BOILERPLATE_PATTERNS

    def test_no_scrapy_import(self) -> None:
        code = "import sys, crawler.cleaning; sys.exit('scrapy' in sys.modules)"
        root = Path(__file__).resolve().parents[2]
        assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


class TestStructure:
    def test_meaningful_attributes_only(self) -> None:
        markup = (
            '<p id="a" class="b" style="c" data-x="1" dir="ltr" lang="en">'
            '<a href="/x" class="y" target="_blank" rel="noopener" title="T">x</a>'
            '<img src="/i.jpg" alt="A" width="640" height="480" loading="lazy" title="I"></p>'
        )
        assert html(markup) == (
            '<p><a href="https://example.com/x" title="T">x</a>'
            '<img src="https://example.com/i.jpg" alt="A" title="I"></p>'
        )

    def test_wrappers_are_unwrapped_and_bare_text_becomes_paragraphs(self) -> None:
        markup = (
            '<section><div class="row"><div><span style="x">One</span> <font color="red">'
            "two</font></div><div>Three</div></div></section>Four"
        )
        assert html(markup) == "<p>One two</p>\n<p>Three</p>\n<p>Four</p>"

    def test_empty_paragraphs_and_decorations_are_dropped(self) -> None:
        markup = "<p></p><p>&nbsp;</p><p><br></p><p><strong> </strong></p><p>kept</p><p> \n</p>"
        assert html(markup) == "<p>kept</p>"

    def test_double_line_break_splits_paragraphs(self) -> None:
        assert html("<p>one<br><br>two<br>three<br></p>") == "<p>one</p>\n<p>two<br>three</p>"

    def test_editor_whitespace_is_normalised_in_all_outputs(self) -> None:
        markup = "<p>\n    Leading spaces,&nbsp;&nbsp;non-breaking\n   and   stray\nnewlines.  </p>"
        cleaned = clean_content(markup)
        expected = "Leading spaces, non-breaking and stray newlines."
        assert cleaned.html == f"<p>{expected}</p>"
        assert cleaned.text == expected
        assert cleaned.markdown == expected

    def test_block_editor_and_other_comments_are_dropped(self) -> None:
        markup = (
            "<!-- wp:paragraph --><p>A<!--more-->B</p><!-- /wp:paragraph -->"
            "<p><!--nextpage--></p><p>Page two</p><!--[if IE]><p>old</p><![endif]-->"
        )
        assert html(markup) == "<p>AB</p>\n<p>Page two</p>"

    def test_scripts_styles_forms_and_noscript_are_dropped(self) -> None:
        markup = (
            "<p>a</p><script>x()</script><style>p{}</style><noscript><p>enable JS</p></noscript>"
            "<form><label>Name</label><input><button>Send</button></form><p>b</p>"
        )
        assert html(markup) == "<p>a</p>\n<p>b</p>"

    def test_lists_nesting_and_start(self) -> None:
        markup = '<ol start="3"><li>a<ul><li>b</li></ul></li><li><p>c</p></li></ol>'
        assert html(markup) == (
            '<ol start="3">\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n<li>c</li>\n</ol>'
        )

    def test_nested_list_directly_inside_list_joins_previous_item(self) -> None:
        assert html("<ul><li>a</li><ul><li>b</li></ul></ul>") == (
            "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>"
        )

    def test_tables_keep_spans(self) -> None:
        markup = '<table><tr><td colspan="2" rowspan="1" style="x">a</td><td rowspan="3">b</td></tr></table>'
        assert html(markup) == (
            '<table>\n<tr>\n<td colspan="2">a</td>\n<td rowspan="3">b</td>\n</tr>\n</table>'
        )

    def test_blocks_inside_links_are_flattened(self) -> None:
        markup = '<a href="/card"><h3>Title</h3><p>Summary</p></a>'
        assert html(markup) == '<p><a href="https://example.com/card">Title<br>Summary</a></p>'

    def test_full_document_keeps_only_the_body(self) -> None:
        markup = (
            '<!DOCTYPE html><html><head><meta charset="iso-8859-1"><title>T</title>'
            "<link rel=stylesheet href=x.css></head><body><p>café</p></body></html>"
        )
        assert html(markup) == "<p>café</p>"

    @pytest.mark.parametrize(
        ("opening", "closing"),
        [
            ("<div>", "</div>"),
            ("<b>", "</b>"),
            ("<blockquote>", "</blockquote>"),
            ("<ul><li>", "</li></ul>"),
            ("<table><tr><td>", "</td></tr></table>"),
            ("<a href=/x><em>", "</em></a>"),
        ],
    )
    def test_deep_nesting_does_not_overflow_the_stack(self, opening: str, closing: str) -> None:
        # 3000 levels: libxml2 keeps 255 and drops the rest (its own safety limit).
        clean_content(opening * 3000 + "deep" + closing * 3000)
        # Past the walker's MAX_DEPTH the subtree is flattened to text, not lost.
        levels = 200 // opening.count("<")
        cleaned = clean_content(opening * levels + "deep" + closing * levels)
        assert "deep" in cleaned.text
        assert "deep" in (cleaned.markdown or "")


class TestUrls:
    def test_relative_urls_become_absolute(self) -> None:
        markup = (
            '<p><a href="../other/">o</a><a href="//cdn.example.net/x">c</a><img src="i.png"></p>'
        )
        assert html(markup) == (
            '<p><a href="https://example.com/2024/05/other/">o</a>'
            '<a href="https://cdn.example.net/x">c</a>'
            '<img src="https://example.com/2024/05/post/i.png" alt=""></p>'
        )

    def test_without_base_relative_urls_stay_relative(self) -> None:
        assert html('<a href="/x">x</a>', base=None) == '<p><a href="/x">x</a></p>'

    def test_in_page_and_unsafe_links_keep_their_text(self) -> None:
        markup = '<p><a href="#fn1">1</a> <a href="javascript:void(0)">menu</a> <a>anchor</a></p>'
        assert html(markup) == "<p>1 menu anchor</p>"

    def test_urls_are_percent_encoded_once(self) -> None:
        markup = '<a href="/caf\u00e9 menu/?q=a b">x</a>'
        once = html(markup)
        assert once == '<p><a href="https://example.com/caf%C3%A9%20menu/?q=a%20b">x</a></p>'
        assert html(once) == once


class TestImages:
    @pytest.mark.parametrize(
        ("markup", "src"),
        [
            ('<img src="data:image/gif;base64,R0l" data-lazy-src="/a.jpg">', "/a.jpg"),
            ('<img src="data:image/gif;base64,R0l" data-src="/b.jpg">', "/b.jpg"),
            ('<img src="/small.jpg" srcset="/s.jpg 300w, /l.jpg 1600w, /m.jpg 768w">', "/l.jpg"),
            ('<img data-srcset="/a.jpg 1x, /a2.jpg 2x" src="data:,">', "/a2.jpg"),
            ('<img src="/plain.jpg">', "/plain.jpg"),
            ('<img src="data:,x" data-lazy-original="/orig.jpg">', "/orig.jpg"),
        ],
    )
    def test_lazy_images_resolve_to_the_real_file(self, markup: str, src: str) -> None:
        assert clean_content(markup, BASE).images == [
            {"src": "https://example.com" + src, "alt": ""}
        ]

    def test_noscript_twin_is_used_once(self) -> None:
        placeholder = '<img src="data:image/gif;base64,R0l" alt="A">'
        twin = '<noscript><img src="/real.jpg" alt="A"></noscript>'
        assert clean_content(placeholder + twin, BASE).images == [
            {"src": "https://example.com/real.jpg", "alt": "A"}
        ]
        resolved = '<img src="data:," data-src="/real.jpg" alt="A">' + twin
        assert html(resolved).count("<img") == 1

    def test_placeholder_without_real_source_is_dropped(self) -> None:
        assert html('<p>x<img src="data:image/svg+xml,%3Csvg%3E"></p>') == "<p>x</p>"

    def test_tracking_pixels_are_dropped(self) -> None:
        markup = (
            '<p>x<img src="/p.gif" width="1" height="1">'
            '<img src="https://pixel.wp.com/g.gif?blog=1">'
            '<img src="https://www.facebook.com/tr?id=1&ev=PageView">'
            '<img src="/images/spacer.gif"><img src="/x.jpg" style="display:none"></p>'
        )
        assert html(markup) == "<p>x</p>"

    def test_emoji_and_smilies_become_text(self) -> None:
        markup = (
            '<p>Hi <img class="wp-smiley" alt=":)" src="/wp-includes/images/smilies/icon.gif">'
            ' <img class="emoji" alt="\U0001f600" src="https://s.w.org/images/core/emoji/x.svg"></p>'
        )
        cleaned = clean_content(markup, BASE)
        assert cleaned.html == "<p>Hi :) \U0001f600</p>"
        assert cleaned.images == []

    def test_images_are_listed_once_in_order(self) -> None:
        markup = '<img src="/b.jpg" alt="B"><img src="/a.jpg"><img src="/b.jpg" alt="again">'
        assert clean_content(markup, BASE).images == [
            {"src": "https://example.com/b.jpg", "alt": "B"},
            {"src": "https://example.com/a.jpg", "alt": ""},
        ]

    def test_classic_caption_becomes_a_figure(self) -> None:
        markup = (
            '<div class="wp-caption alignnone" style="width:310px"><img src="/c.jpg" alt="C">'
            '<p class="wp-caption-text">Caption</p></div>'
        )
        assert html(markup) == (
            '<figure>\n<img src="https://example.com/c.jpg" alt="C">\n'
            "<figcaption>Caption</figcaption>\n</figure>"
        )


class TestEmbeds:
    def test_iframe_becomes_a_link_paragraph(self) -> None:
        markup = '<iframe src="https://player.vimeo.com/video/1" title="Film"></iframe>'
        assert html(markup) == (
            '<p><a href="https://player.vimeo.com/video/1" title="Film">'
            "https://player.vimeo.com/video/1</a></p>"
        )

    def test_lazy_iframe_uses_the_real_source(self) -> None:
        markup = (
            '<iframe src="about:blank" data-lazy-src="https://www.youtube.com/embed/x"></iframe>'
        )
        assert clean_content(markup).links == ["https://www.youtube.com/embed/x"]

    def test_hidden_iframes_are_dropped(self) -> None:
        gtm = '<iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1" height="0" width="0" style="display:none;visibility:hidden"></iframe>'
        assert html(gtm) == ""

    def test_wordpress_embed_pair_becomes_one_link(self) -> None:
        markup = (
            '<blockquote class="wp-embedded-content" data-secret="s"><a href="https://b.example/p/">'
            'Post title</a></blockquote><iframe class="wp-embedded-content" sandbox="allow-scripts"'
            ' src="https://b.example/p/embed/#?secret=s" style="position:absolute"></iframe>'
        )
        assert html(markup) == '<p><a href="https://b.example/p/">Post title</a></p>'

    def test_social_embed_keeps_its_text_and_drops_the_script(self) -> None:
        markup = (
            '<blockquote class="twitter-tweet"><p lang="en">Hello</p>&mdash; A (@a) '
            '<a href="https://twitter.com/a/status/1">May 1</a></blockquote>'
            '<script async src="https://platform.twitter.com/widgets.js"></script>'
        )
        assert html(markup) == (
            "<blockquote>\n<p>Hello</p>\n"
            '<p>— A (@a) <a href="https://twitter.com/a/status/1">May 1</a></p>\n</blockquote>'
        )


class TestWordPress:
    def test_shortcodes_are_removed_but_their_text_kept(self) -> None:
        markup = (
            '[vc_row][vc_column width="1/2"][vc_column_text]<p>Inner text</p>[/vc_column_text]'
            '[/vc_column][/vc_row]<p>[contact-form-7 id="1" title="C"]</p>'
            '[et_pb_section fb_built="1"][et_pb_text]Divi text[/et_pb_text][/et_pb_section]'
        )
        cleaned = clean_content(markup)
        assert cleaned.html == "<p>Inner text</p>\n<p>Divi text</p>"
        assert cleaned.text == "Inner text\n\nDivi text"
        assert cleaned.markdown == "Inner text\n\nDivi text"

    def test_shortcodes_in_code_and_editorial_brackets_stay(self) -> None:
        markup = "<p>Use <code>[gallery]</code> [sic] [1]</p><pre>[vc_row]</pre>"
        assert html(markup) == "<p>Use <code>[gallery]</code> [sic] [1]</p>\n<pre>[vc_row]</pre>"

    def test_jetpack_blocks_are_removed(self) -> None:
        markup = (
            '<p>Body</p><div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3>'
            '<a href="/?share=x">X</a></div><div id="jp-relatedposts" class="jp-relatedposts">'
            "<h3><em>Related</em></h3></div>"
        )
        cleaned = clean_content(markup, BASE)
        assert (cleaned.html, cleaned.links) == ("<p>Body</p>", [])

    @pytest.mark.parametrize(
        "footer",
        [
            '<p>The post <a href="/p">Title</a> appeared first on <a href="/">Site</a>.</p>',
            "<p>This post appeared first on Example Blog</p>",
            "<p>This article was originally published on The Conversation.</p>",
        ],
    )
    def test_syndication_footer_is_removed(self, footer: str) -> None:
        cleaned = clean_content("<p>Body</p>" + footer, BASE)
        assert (cleaned.html, cleaned.links) == ("<p>Body</p>", [])

    def test_syndication_patterns_are_configurable(self) -> None:
        footer = "<p>Body</p><p>The post X appeared first on Y.</p><p>Sponsored by Z</p>"
        assert html(footer, boilerplate_patterns=()) == (
            "<p>Body</p>\n<p>The post X appeared first on Y.</p>\n<p>Sponsored by Z</p>"
        )
        assert html(footer, boilerplate_patterns=(r"sponsored by .+",)) == (
            "<p>Body</p>\n<p>The post X appeared first on Y.</p>"
        )

    def test_sentences_that_merely_mention_the_phrase_are_kept(self) -> None:
        markup = "<p>We wondered why the post appeared first on Reddit, then here.</p>"
        assert html(markup) == markup

    def test_multi_page_posts_stay_one_record(self) -> None:
        markup = "<p>Page one.</p>\n<p><!--nextpage--></p>\n<p>Page two.</p>"
        assert clean_content(markup).text == "Page one.\n\nPage two."


class TestText:
    def test_layout(self) -> None:
        markup = (
            "<h2>Title</h2><p>First&nbsp;para with Don&#8217;t.</p><p>Line<br>break</p>"
            "<ul><li>one</li><li>two<ol><li>a</li></ol></li></ul>"
            "<table><tr><th>k</th><th>v</th></tr><tr><td>x</td><td>1</td></tr></table>"
            "<blockquote><p>Quote</p></blockquote><pre>  code\n    indented</pre>"
            "<p>E = mc<sup>2</sup> and H<sub>2</sub>O, <q>quoted</q></p>"
        )
        assert clean_content(markup).text == (
            "Title\n\nFirst para with Don’t.\n\nLine\nbreak\n\n- one\n- two\n  1. a\n\n"
            "k | v\nx | 1\n\nQuote\n\n  code\n    indented\n\n"
            'E = mc^2 and H2O, "quoted"'
        )

    def test_literal_markup_in_prose_stays_literal(self) -> None:
        cleaned = clean_content("<p>Use &lt;div&gt; &amp; friends</p>")
        assert cleaned.text == "Use <div> & friends"
        assert cleaned.html == "<p>Use &lt;div&gt; &amp; friends</p>"

    def test_word_count(self) -> None:
        assert clean_content("<p>Hello, world! It’s 3.14 — well-known.</p>").word_count == 5
        assert clean_content("<p>日本語のテキスト</p>").word_count == 8
        assert clean_content("<p><img src='/x.jpg' alt='many words here'></p>").word_count == 0


class TestLinks:
    def test_links_are_absolute_deduplicated_in_order_and_web_only(self) -> None:
        markup = (
            '<p><a href="/b">b</a> <a href="https://x.org/a">a</a> <a href="/b">b again</a>'
            ' <a href="mailto:m@example.com">mail</a> <a href="tel:+1">tel</a>'
            ' <a href="#top">top</a></p><iframe src="https://www.youtube.com/embed/v"></iframe>'
        )
        assert clean_content(markup, BASE).links == [
            "https://example.com/b",
            "https://x.org/a",
            "https://www.youtube.com/embed/v",
        ]

    def test_links_of_removed_blocks_are_not_listed(self) -> None:
        markup = '<p>The post <a href="/p">P</a> appeared first on <a href="/">S</a>.</p>'
        assert clean_content(markup, BASE).links == []


class TestInlineText:
    @pytest.mark.parametrize(
        ("rendered", "expected"),
        [
            ("Don&#8217;t stop", "Don’t stop"),
            (
                "Rock &#038; Roll&#8217;s &#8220;best&#8221; &#8212; 2024&#8230;",
                "Rock & Roll’s “best” — 2024…",
            ),
            ("Tom &#038; Jerry &#8211; test", "Tom & Jerry – test"),
            ("<em>Emphasised</em> title", "Emphasised title"),
            ("  Spaced\n\tout&nbsp; title ", "Spaced out title"),
            ("Line<br/>break", "Line break"),
            ("Escaped &lt;b&gt; stays", "Escaped <b> stays"),
            ("", ""),
        ],
    )
    def test_titles(self, rendered: str, expected: str) -> None:
        assert clean_inline_text(rendered) == expected


class TestExcerpt:
    @pytest.mark.parametrize(
        ("rendered", "expected"),
        [
            ("<p>one two three [&hellip;]</p>\n", "one two three…"),
            ("<p>one two three [...]</p>", "one two three…"),
            (
                (
                    '<p>Teaser text &hellip; </p><p class="link-more"><a href="/p/" class="more-link">'
                    'Continue reading<span class="screen-reader-text"> "Post"</span></a></p>'
                ),
                "Teaser text…",
            ),
            (
                (
                    '<p>Manual excerpt. <a href="/p/">Continue reading <span class="meta-nav">'
                    "&rarr;</span></a></p>"
                ),
                "Manual excerpt.…",
            ),
            ('<p>Short <a href="/p/">Read more</a></p>', "Short…"),
            ("<p>Manual excerpt, complete.</p>", "Manual excerpt, complete."),
            ("<p>First.</p><p>Second [&hellip;]</p>", "First.\n\nSecond…"),
            ('<p>See <a href="/more-about-cats/">more about cats</a>.</p>', "See more about cats."),
            ("", ""),
        ],
    )
    def test_excerpts(self, rendered: str, expected: str) -> None:
        assert clean_excerpt(rendered) == expected


@pytest.mark.parametrize(
    "html",
    [
        '<figure><iframe class="wp-caption-text"><p>',  # found by the property test
        '<figure><iframe class="wp-caption-text" src="https://e.com/v"><b>x</b></iframe></figure>',
        '<figure><script class="wp-caption-text">alert("<p>")</script></figure>',
    ],
)
def test_a_caption_class_on_an_element_without_text_makes_no_caption(html: str) -> None:
    cleaned = clean_content(html, "https://e.com/")
    assert "<" not in cleaned.text
    assert "&lt;" not in cleaned.html
    assert "<figcaption>" not in cleaned.html
