"""End to end against a real WordPress: the feeds hold exactly what the site publishes.

The site runs from Debian's packages on 127.0.0.1 (see ``tests/wordpress``), in each permalink
mode. The expected records are read from the site itself through WordPress (the ground truth),
never from the crawler's code.
"""

from __future__ import annotations

import json
import re

import jsonschema
import lxml.html
import pytest

from crawler.schema import SCHEMA_DIR
from tests.crawl import run_crawl

pytestmark = pytest.mark.wordpress


@pytest.fixture(scope="module")
def crawls(wordpress_site, tmp_path_factory):
    """One crawl of the home page per permalink mode, shared by the tests of this module."""
    results = {}
    for mode in ("plain", "pathinfo", "pretty"):
        results[mode] = run_crawl(wordpress_site.url(mode), tmp_path_factory.mktemp(mode))
    return results


@pytest.mark.parametrize("mode", ["plain", "pathinfo", "pretty"])
def test_feeds_hold_exactly_the_published_posts(mode, crawls, wordpress_site):
    result = crawls[mode]
    truth = wordpress_site.ground_truth(mode)
    assert result.returncode == 0, result.log[-3000:]
    assert not result.errors, result.errors
    assert "Traceback" not in result.log

    records = result.feed("posts")
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)), "duplicates in the feed"
    expected = {post["id"]: post for post in truth["posts"]}
    assert set(ids) == set(expected), "the feed must hold every published post and nothing else"
    hidden = {i for ids_ in truth["non_public"].values() for i in ids_}
    assert not hidden & set(ids), "drafts, private, pending, future or trashed posts leaked"

    for record in records:
        post = expected[record["id"]]
        assert record["title"] == post["title"]
        assert record["date_gmt"] == post["date_gmt"] + "Z"
        assert record["modified_gmt"] == post["modified_gmt"] + "Z"
        assert record["slug"] == post["slug"]
        assert record["link"] == post["link"]
        assert record["author"] == post["author"]
        assert sorted(record["categories"]) == post["categories"]
        assert sorted(record["tags"]) == post["tags"]
        assert record["featured_media"] == (post["featured_media"] or None)
        assert record["sticky"] is post["sticky"]
        assert record["protected"] is post["protected"]
        if post["protected"]:
            assert record["content_html"] == ""
        assert record["site"] == truth["home"].rstrip("/") + "/"

    assert result.stats["wordpress/posts/total"] == len(expected)
    assert result.stats["wordpress/posts/collected"] == len(expected)


@pytest.mark.parametrize("mode", ["plain", "pathinfo", "pretty"])
def test_the_api_is_found_where_the_mode_puts_it(mode, crawls, wordpress_site):
    root = wordpress_site.rest_root(mode)
    assert "Found the REST API of " in crawls[mode].log
    assert f"at {root} " in crawls[mode].log


def test_the_request_count_is_one_per_page(crawls, wordpress_site):
    published = len(wordpress_site.ground_truth("pretty")["posts"])
    pages = published // 100 + 1  # a full last page is followed by one check
    # robots.txt, the home page, the REST index, then the pages.
    assert crawls["pretty"].stats["downloader/request_count"] == 3 + pages


def test_real_records_validate_against_the_schema(crawls):
    schema = json.loads((SCHEMA_DIR / "posts.schema.json").read_text(encoding="utf-8"))
    for record in crawls["pathinfo"].feed("posts"):
        jsonschema.validate(record, schema, format_checker=jsonschema.FormatChecker())


def test_starting_from_a_post_url_finds_the_same_site(wordpress_site, tmp_path):
    truth = wordpress_site.ground_truth("pathinfo")
    post_url = truth["posts"][0]["link"]
    result = run_crawl(post_url, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    assert {r["id"] for r in result.feed("posts")} == {p["id"] for p in truth["posts"]}


def normalized(text: str) -> str:
    """Whitespace as the cleaner leaves it: no-break spaces are spaces, runs collapse."""
    return " ".join(text.replace("\u00a0", " ").split())


ALLOWED_ATTRIBUTES = {"href", "src", "alt", "title", "colspan", "rowspan", "start"}


def assert_safe_and_minimal(content_html: str) -> None:
    """No script-capable element, no event handler or other attribute, no script URL."""
    if not content_html:
        return
    for element in lxml.html.fragments_fromstring(content_html):
        if isinstance(element, str):
            continue
        for node in element.iter():
            if not isinstance(node.tag, str):  # a comment or processing instruction
                raise AssertionError(f"markup left in: {content_html[:200]}")
            assert node.tag not in {"script", "style", "iframe", "form", "object", "embed", "svg"}
            assert set(node.attrib) <= ALLOWED_ATTRIBUTES, node.attrib
            for name in ("href", "src"):
                scheme = node.get(name, "").strip().lower().split(":", 1)[0]
                assert scheme not in {"javascript", "vbscript", "data"}, node.get(name)


CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
SHORTCODE = re.compile(r"\[/?[a-z_][a-z0-9_-]*(?:\s[^\]]*)?\]")


def test_content_is_clean_and_keeps_every_seeded_paragraph(crawls, wordpress_site):
    truth = {post["id"]: post for post in wordpress_site.ground_truth("pathinfo")["posts"]}
    records = crawls["pathinfo"].feed("posts")
    checked_boilerplate = 0
    for record in records:
        post = truth[record["id"]]
        if post["protected"]:
            assert record["content_text"] == record["content_html"] == ""
            continue
        text = normalized(record["content_text"])
        for paragraph in post["paragraphs"]:
            assert normalized(paragraph) in text, (record["id"], paragraph)
        for heading in post["headings"]:
            assert f"## {normalized(heading)}" in record["content_markdown"]
        for caption in post["captions"]:
            assert normalized(caption) in text
        for line in post["boilerplate"]:
            assert normalized(line) not in text
            checked_boilerplate += 1
        assert_safe_and_minimal(record["content_html"])
        assert not SHORTCODE.search(record["content_text"]), record["content_text"]
        words = [
            token for token in record["content_text"].split() if any(c.isalnum() for c in token)
        ]
        if not CJK.search(record["content_text"]):  # CJK text counts a word per character
            assert abs(record["word_count"] - len(words)) <= max(1, len(words) // 100)
        assert "&" not in record["excerpt"] or "&amp;" not in record["excerpt"]
    assert checked_boilerplate > 0
