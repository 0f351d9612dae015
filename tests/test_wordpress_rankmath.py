"""End to end against a real WordPress running "Rank Math": ``seo`` comes from its REST head.

Inside ``WordPressSite.rankmath_head()`` the test site's records carry no ``yoast_head_json``
and ``rankmath/v1/getHead?url=`` answers as Rank Math's headless support does (see the
mu-plugin). The head of a post states what ``wpt_yoast_post()`` builds for it, read here
through PHP as the ground truth; the site logs every URL it was asked for.
"""

from __future__ import annotations

import html
import json
from collections import Counter

import pytest

from tests.crawl import crawl

pytestmark = [pytest.mark.wordpress, pytest.mark.changes_wordpress]

TEXTS = (
    "title", "description", "og_locale", "og_type", "og_title", "og_description",
    "og_site_name", "article_published_time", "article_modified_time", "twitter_card",
    "twitter_site",
)  # fmt: skip


@pytest.fixture(scope="module")
def rankmath_crawl(wordpress_site, tmp_path_factory):
    with wordpress_site.rankmath_head():
        result = crawl(wordpress_site.url("pretty"), tmp_path_factory.mktemp("rankmath"))
        calls = wordpress_site.rankmath_calls()
    assert result.returncode == 0, result.log[-3000:]
    return result, calls


def truth(wordpress_site, post_id: int) -> dict:
    """What the site's head says of a post: the data it renders (HTML-decoded texts)."""
    return json.loads(
        wordpress_site.php(f"echo wp_json_encode(wpt_yoast_post(array('id' => {post_id})));")
    )


def test_seo_equals_what_the_head_says(rankmath_crawl, wordpress_site):
    result, _ = rankmath_crawl
    records = result.feed("posts")[:3] + result.feed("pages")[:2] + result.feed("events")[:1]
    assert len(records) == 6
    for record in records:
        expected = truth(wordpress_site, record["id"])
        seo = record["seo"]
        assert seo is not None, record["id"]
        for name in TEXTS:
            want = expected.get(name)
            assert seo[name] == (html.unescape(want) if want is not None else None), name
        assert seo["canonical"] == seo["og_url"] == expected["canonical"] == record["link"]
        assert seo["robots"] == expected["robots"]
        assert seo["schema"] == expected["schema"]
        assert seo["twitter_misc"] == {
            k: html.unescape(v) for k, v in expected["twitter_misc"].items()
        }
        assert seo["og_image"] == expected.get("og_image", [])


def test_one_head_request_per_published_entry(rankmath_crawl):
    result, calls = rankmath_crawl
    links = [
        record["link"]
        for name in ("posts", "pages", "events")
        for record in result.feed(name)
        if record["status"] == "publish"
    ]
    assert len(links) > 300
    assert Counter(calls) == Counter(links)  # each asked once, none missing, none extra
    assert result.stats["wordpress/rankmath/requests"] == len(links)
    assert "wordpress/rankmath/failed" not in result.stats
    assert all(r["seo"] is not None for name in ("posts", "pages") for r in result.feed(name))


def test_without_the_setting_no_head_is_asked(wordpress_site, tmp_path):
    with wordpress_site.rankmath_head():
        result = crawl(
            wordpress_site.url("pretty"),
            tmp_path,
            types="pages",
            settings={"WORDPRESS_RANKMATH_HEAD": False},
        )
        calls = wordpress_site.rankmath_calls()
    assert result.returncode == 0, result.log[-3000:]
    assert calls == []
    assert all(record["seo"] is None for record in result.feed("pages"))


def test_a_failed_head_keeps_the_record(wordpress_site, tmp_path):
    """A head that fails (the route answers 500 for one page) is counted; the record is
    exported with ``seo: null``, the others with theirs."""
    with wordpress_site.rankmath_head():
        wordpress_site.php(
            "update_option('wpt_rankmath_fail', (int) get_posts(['post_type' => 'page',"
            " 'numberposts' => 1, 'orderby' => 'ID', 'order' => 'ASC', 'fields' => 'ids'])[0]);"
        )
        try:
            result = crawl(
                wordpress_site.url("pretty"),
                tmp_path,
                types="pages",
                settings={"RETRY_TIMES": 0},
            )
            failing = int(wordpress_site.php("echo (int) get_option('wpt_rankmath_fail');"))
        finally:
            wordpress_site.php("delete_option('wpt_rankmath_fail');")
    assert result.returncode == 0, result.log[-3000:]
    pages = {record["id"]: record for record in result.feed("pages")}
    assert pages[failing]["seo"] is None
    assert all(record["seo"] is not None for i, record in pages.items() if i != failing)
    assert result.stats["wordpress/rankmath/failed"] == 1
