"""A post split with ``<!--nextpage-->``, crawled with REST blocked on the real WordPress: its
page shows the first part only, so the crawl reads the other parts and joins them; the
record's cleaned content must equal the REST crawl's record of the same post (issue 12).

The test adds the post (through WordPress's own functions) and deletes it at the end, so it
changes the site and runs after the read-only tests.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.crawl import crawl

if TYPE_CHECKING:
    from pathlib import Path

    from wpsite.site import WordPressSite

pytestmark = [pytest.mark.wordpress, pytest.mark.changes_wordpress]

TIMEOUT = 240  # one crawl of the posts of the 300-post site
PARTS = (
    (
        '<p>The first part, with <a href="https://example.org/report">a report</a> and a '
        "&ldquo;quote&rdquo;.</p>\n<!--more-->\n<p>Still the first part, after the more tag.</p>"
    ),
    (
        "<p>The second part: <strong>bold</strong> and <em>italic</em> words.</p>\n"
        "<h2>A heading in part two</h2>\n<p>More of part two.</p>"
    ),
    "<p>The third and last part.</p>\n<ul><li>one item</li><li>another item</li></ul>",
)
COMPARED = ("content_html", "content_text", "content_markdown", "word_count", "links", "excerpt")


def add_split_post(site: WordPressSite, mode: str) -> int:
    content = json.dumps("\n<!--nextpage-->\n".join(PARTS))
    output = site.php(
        f"""
        $id = wp_insert_post(['post_title' => 'Split into three parts', 'post_status' => 'publish',
            'post_content' => {content}, 'post_author' => 1]);
        wp_insert_comment(['comment_post_ID' => $id, 'comment_approved' => 1,
            'comment_content' => 'A comment on every part page.', 'comment_author' => 'Reader']);
        echo $id;
        """,
        mode=mode,
    )
    return int(output.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["pretty", "plain"])
def test_a_split_post_without_rest_has_the_rest_content(
    wordpress_site: WordPressSite, mode: str, tmp_path: Path
) -> None:
    url = wordpress_site.url(mode)
    post_id = add_split_post(wordpress_site, mode)
    try:
        truth = {p["id"]: p for p in wordpress_site.ground_truth(mode)["posts"]}
        assert post_id in truth
        rest = crawl(url, tmp_path / "rest", timeout=TIMEOUT, source="rest", types="posts")
        assert rest.returncode == 0, rest.log[-3000:]
        with wordpress_site.rest_blocked("all"):
            html = crawl(url, tmp_path / "html", timeout=TIMEOUT, types="posts")
        assert html.returncode == 0, html.log[-3000:]
        assert html.stats["wordpress/source"] == "html"

        (expected,) = [r for r in rest.feed("posts") if r["id"] == post_id]
        (got,) = [r for r in html.feed("posts") if r["id"] == post_id]
        assert got["source"] == "html"
        # REST holds every part: its record is the reference, and it has all three.
        for text in ("The first part", "More of part two.", "another item"):
            assert text in expected["content_text"]
        assert {name: got[name] for name in COMPARED} == {name: expected[name] for name in COMPARED}
        assert "content_html" not in got["missing"]
        assert html.stats["wordpress/fallback/requests/part"] == len(PARTS) - 1
        # The comment printed on each part page is one record, as REST's.
        comments = [c for c in html.feed("comments") if c["post"] == post_id]
        assert len(comments) == 1
        assert got["comment_count"] == expected["comment_count"] == 1
    finally:
        wordpress_site.php(f"wp_delete_post({post_id}, true);", mode=mode)
