"""Markdown output: ATX headings, meaning-preserving escaping, links, code, tables."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.cleaning import clean_content
from crawler.cleaning.markdown import to_markdown


def md(markup: str, base: str | None = "https://example.com/post/") -> str:
    return clean_content(markup, base).markdown or ""


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<h1>One</h1><h3>Three</h3><h6>Six</h6>", "# One\n\n### Three\n\n###### Six"),
        ("<p>snake_case and file_name.txt</p>", "snake_case and file_name.txt"),
        (
            "<p>_leading and trailing_ and __dunder__</p>",
            r"\_leading and trailing\_ and \_\_dunder\_\_",
        ),
        ("<p>2*3*4 and a `tick` and C:\\path</p>", r"2\*3\*4 and a \`tick\` and C:\\path"),
        ("<p>Use &lt;div&gt; and a &lt; b</p>", r"Use \<div> and a < b"),
        ("<p>AT&amp;T and &amp;amp; and &amp;#169;</p>", r"AT&T and \&amp; and \&#169;"),
        (
            "<p>[text](https://evil.example) and [x]: y</p>",
            r"[text\](https://evil.example) and [x\]: y",
        ),
        ("<p># not a heading</p>", r"\# not a heading"),
        ("<p>1986. A year</p>", r"1986\. A year"),
        ("<p>- not a bullet</p><p>+ neither</p>", "\\- not a bullet\n\n\\+ neither"),
        ("<p>&gt; not a quote</p>", r"\> not a quote"),
        ("<p>a - b - c and 5 - 3 = 2</p>", "a - b - c and 5 - 3 = 2"),
        ("<p>line<br># after break</p>", "line\\\n\\# after break"),
        ("<p><strong># bold</strong></p>", "**# bold**"),
        ("<p><small>1. Source</small> and <u>2. not</u></p>", r"1\. Source and 2. not"),
        ("<p>a<br><mark>- b</mark></p>", "a\\\n\\- b"),
    ],
)
def test_escaping_changes_nothing_a_reader_sees(markup: str, expected: str) -> None:
    assert md(markup) == expected


def test_links_images_and_autolinks() -> None:
    markup = (
        '<p><a href="/a_(b)">paren</a> <a href="https://x.org/" title="T &quot;q&quot;">t</a></p>'
        '<p><img src="/i.png" alt="a [b] &lt;c&gt;"></p>'
        '<iframe src="https://www.youtube.com/embed/v"></iframe>'
    )
    assert md(markup) == (
        r"[paren](https://example.com/a_(b)) [t](https://x.org/ " + '"T \\"q\\"")\n\n'
        r"![a \[b\] \<c>](https://example.com/i.png)" + "\n\n"
        "<https://www.youtube.com/embed/v>"
    )


def test_unbalanced_parentheses_in_destinations_are_escaped() -> None:
    assert md('<p><a href="/a)b">x</a> <a href="/c(d">y</a></p>') == (
        r"[x](https://example.com/a\)b) [y](https://example.com/c\(d)"
    )


def test_relative_url_is_never_an_autolink() -> None:
    assert md('<iframe src="/embed/x"></iframe>', base=None) == "[/embed/x](/embed/x)"


def test_code_fence_is_longer_than_any_backtick_run() -> None:
    markup = "<pre><code>a ``` b\n````c</code></pre><p>inline <code>x`y</code></p>"
    assert md(markup) == "`````\na ``` b\n````c\n`````\n\ninline ``x`y``"


def test_tables_are_gfm_with_escaped_pipes() -> None:
    markup = (
        "<table><caption>Cap</caption><tr><td>a|b</td><td>c</td></tr>"
        "<tr><td>d</td><td><em>e</em></td></tr></table>"
    )
    assert md(markup) == "Cap\n\n| a\\|b | c |\n| --- | --- |\n| d | *e* |"


def test_lists_quotes_breaks_and_super_subscripts() -> None:
    markup = (
        '<ol start="2"><li>two<ul><li>nested</li></ul></li><li>three</li></ol>'
        "<blockquote><p>q1</p><p>q2</p></blockquote><p>a<br>b</p><p>x<sup>2</sup> H<sub>2</sub>O</p>"
    )
    assert md(markup) == (
        "2. two\n   - nested\n3. three\n\n> q1\n>\n> q2\n\na\\\nb\n\nx<sup>2</sup> H<sub>2</sub>O"
    )


def test_figures_are_blocks() -> None:
    markup = (
        '<figure><figure><img src="/1.jpg" alt="1"></figure><figure><img src="/2.jpg" alt="2">'
        "</figure><figcaption>Gallery</figcaption></figure>"
    )
    assert md(markup) == (
        "![1](https://example.com/1.jpg)\n\n![2](https://example.com/2.jpg)\n\nGallery"
    )


def test_empty_tree_gives_empty_markdown() -> None:
    assert to_markdown([]) == ""


def test_brackets_inside_link_text_are_escaped() -> None:
    markup = '<p><a href="/p">[sic] a]b</a> <a href="/i"><img src="/x.png" alt="[x]"></a></p>'
    assert md(markup) == (
        r"[\[sic\] a\]b](https://example.com/p) "
        r"[![\[x\]](https://example.com/x.png)](https://example.com/i)"
    )


def test_bracket_escaping_respects_backslashes() -> None:
    assert md('<p><a href="/p">[x</a> <a href="/q">a\\[b</a></p>') == (
        r"[\[x](https://example.com/p) [a\\\[b](https://example.com/q)"
    )


def test_noncharacters_in_the_text_cannot_pose_as_escapes() -> None:
    """Escapes are marked with noncharacters while converting; the post's own are dropped."""
    markup = (
        "<p>a\ufdd0b \ufdd1c</p><pre><code>x\ufdd0y</code></pre><p><a href='/a'>t\ufdd6</a></p>"
    )
    assert md(markup) == "ab c\n\n```\nxy\n```\n\n[t](https://example.com/a)"


def test_converter_escapes_are_not_doubled() -> None:
    """Characters the converter escapes by itself (pipes in cells, brackets in link text,
    a leading ``#``) get one backslash, not two."""
    markup = (
        "<table><tr><td># a|b</td></tr></table>"
        '<p><a href="/p">x]</a> <a href="/q">[y</a></p><p>\\# z</p>'
    )
    assert md(markup) == (
        "| \\# a\\|b |\n| --- |\n\n"
        "[x\\]](https://example.com/p) [\\[y](https://example.com/q)\n\n\\\\# z"
    )


def test_cleaning_needs_neither_beautifulsoup_nor_markdownify() -> None:
    """The Markdown step reads the clean tree: no BeautifulSoup tree in the hot path."""
    code = (
        "import sys; from crawler.cleaning import clean_content; "
        "clean_content('<h2>t</h2><p>x <a href=/a>y</a></p>', 'https://e.x/'); "
        "print(sorted(m for m in ('bs4', 'markdownify') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_quotes_are_set_off_by_a_blank_line() -> None:
    """The converter starts a quote right on the line after a paragraph; ours does not."""
    assert md("<p>x</p><blockquote><p>q</p></blockquote>") == "x\n\n> q"
    assert md("<ul><li>a<blockquote><p>q</p></blockquote></li></ul>") == "- a\n\n  > q"
    assert md("<blockquote><p>a</p><blockquote><p>q</p></blockquote></blockquote>") == (
        "> a\n>\n> > q"
    )
    assert md("<table><tr><td>a<blockquote><p>q</p></blockquote></td></tr></table>") == (
        "| a q |\n| --- |"
    )
