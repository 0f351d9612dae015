"""Incremental runs without REST against the real WordPress (REST blocked as the Disable REST
API plugin blocks it): the first run exports everything and keeps each record's page, a run
after no change costs one conditional request and the sitemaps, and a run after changes exports
exactly them, compared with the database before and after.

These tests change the site, so they run after the read-only ones (``changes_wordpress``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.crawl import crawl

if TYPE_CHECKING:
    from pathlib import Path

    from tests.crawl import CrawlResult
    from wpsite.site import WordPressSite

pytestmark = [pytest.mark.wordpress, pytest.mark.changes_wordpress]

MODE = "pretty"
FEEDS = ("posts", "pages", "events", "terms", "users", "comments", "media")


def changes_of(result: CrawlResult, feed: str) -> dict[tuple[str, int], str]:
    return {(r["type"], r["id"]): r["change"] for r in result.feed(feed, missing_ok=True)}


def visible_comments(truth: dict[str, Any]) -> dict[int, int]:
    """Approved comments of published posts and pages: ``{comment id: post id}``."""
    published = {p["id"] for p in truth["posts"]} | {p["id"] for p in truth["pages"]}
    by_id = {c["id"]: c for c in truth["comments"]["all"]}
    return {
        i: by_id[i]["post"] for i in truth["comments"]["approved"] if by_id[i]["post"] in published
    }


def incremental(url: str, folder: Path) -> CrawlResult:
    result = crawl(url, folder, incremental="true", timeout=300)
    assert result.returncode == 0, result.log[-3000:]
    assert not result.errors, result.errors
    assert result.stats["wordpress/source"] == "html"
    assert result.stats["wordpress/state_committed"] is True
    return result


def test_runs_without_rest_export_exactly_what_changed(wordpress_site: WordPressSite, tmp_path):
    url = wordpress_site.url(MODE)
    with wordpress_site.rest_blocked("all"):
        first = incremental(url, tmp_path / "run1")
        before = wordpress_site.ground_truth(MODE)
        posts = {(r["type"], r["id"]) for r in first.feed("posts")}
        assert posts == {("post", p["id"]) for p in before["posts"]}
        assert {r["change"] for name in FEEDS for r in first.feed(name, missing_ok=True)} <= {
            "added",
            None,  # media files no page names the id of: no state can tell them apart
        }
        assert {r["change"] for r in first.feed("posts")} == {"added"}
        full_requests = first.stats["downloader/request_count"]

        # Nothing changed: WordPress answers the conditional request 304, and only the
        # sitemaps are read (for deletions).
        quiet = incremental(url, tmp_path / "run2")
        assert quiet.stats["wordpress/fallback/unchanged"] is True
        assert quiet.stats.get("wordpress/fallback/requests/entry", 0) == 0
        assert quiet.stats.get("wordpress/fallback/gone_checks", 0) == 0
        assert not any(quiet.feed(name, missing_ok=True) for name in FEEDS)
        sitemaps = quiet.stats["wordpress/fallback/requests/sitemap"]
        # Discovery (the page given, the REST root), robots.txt, the conditional request.
        assert quiet.stats["downloader/request_count"] <= sitemaps + 5

        simple = [
            p
            for p in before["posts"]
            if not p["protected"] and not p["sticky"] and not p["featured_media"]
        ]
        # More edits than a feed page holds, saved in the same second (a bulk edit).
        picks = simple[-17:]
        edits, (deleted, trashed, unpublished, renamed, commented) = picks[:12], picks[12:]
        edited = edits[0]
        open_pages = wordpress_site.php(
            "echo json_encode(get_posts(['post_type' => 'page', 'has_password' => false,"
            " 'fields' => 'ids', 'numberposts' => -1]));",
            MODE,
        )
        open_ids = set(json.loads(open_pages.strip().splitlines()[-1]))
        page = next(p for p in before["pages"] if p["id"] in open_ids)
        output = wordpress_site.php(
            f"""
            $new = wp_insert_post(['post_title' => 'Without REST: a new post',
                'post_status' => 'publish', 'post_content' => '<p>A fresh paragraph.</p>',
                'post_author' => {edited["author"]}]);
            foreach ({json.dumps([p["id"] for p in edits])} as $id) {{
                wp_update_post(['ID' => $id, 'post_content' => '<p>Edited without REST.</p>']);
            }}
            wp_delete_post({deleted["id"]}, true);
            wp_trash_post({trashed["id"]});
            wp_update_post(['ID' => {unpublished["id"]}, 'post_status' => 'draft']);
            wp_update_post(['ID' => {renamed["id"]}, 'post_name' => 'a-slug-chosen-later']);
            wp_update_post(['ID' => {page["id"]}, 'post_content' => '<p>The page, edited.</p>']);
            $comment = wp_insert_comment(['comment_post_ID' => {commented["id"]},
                'comment_approved' => 1, 'comment_content' => 'A new comment.',
                'comment_author' => 'Tester']);
            echo json_encode(['post' => $new, 'comment' => $comment]);
            """,
            MODE,
        )
        created = json.loads(output.strip().splitlines()[-1])
        after = wordpress_site.ground_truth(MODE)

        third = incremental(url, tmp_path / "run3")

    assert changes_of(third, "posts") == {
        ("post", created["post"]): "added",
        **{("post", p["id"]): "updated" for p in edits},
        ("post", renamed["id"]): "updated",
        ("post", deleted["id"]): "deleted",
        ("post", trashed["id"]): "deleted",
        ("post", unpublished["id"]): "deleted",
    }
    exported = {r["id"]: r for r in third.feed("posts")}
    assert exported[edited["id"]]["content_text"] == "Edited without REST."
    moved = exported[renamed["id"]]
    assert moved["slug"] == "a-slug-chosen-later"
    assert moved["link"] == next(p["link"] for p in after["posts"] if p["id"] == renamed["id"])
    assert changes_of(third, "pages") == {("page", page["id"]): "updated"}

    old, new = visible_comments(before), visible_comments(after)
    gone_posts = {deleted["id"], trashed["id"], unpublished["id"]}
    expected = {("comment", i): "added" for i in set(new) - set(old)}
    expected |= {("comment", i): "deleted" for i, post in old.items() if post in gone_posts}
    # A new slug moves its comments' links: updates, as a REST run reports them.
    expected |= {("comment", i): "updated" for i, post in new.items() if post == renamed["id"]}
    assert ("comment", created["comment"]) in expected
    assert changes_of(third, "comments") == expected
    # Nothing else changed: the terms and authors the changed posts link to are read again
    # and found as they were (term counts are derived by full runs only).
    for name in ("terms", "users", "media", "events"):
        assert not third.feed(name, missing_ok=True), name

    # Only the changed pages were read: a fraction of the full run's requests.
    assert third.stats["downloader/request_count"] < full_requests / 4
    state_file = next((tmp_path / "state").glob("*.json"))
    places = json.loads(state_file.read_text())["pages"]["places"]
    assert places["posts"][str(renamed["id"])] == moved["link"]
    assert str(deleted["id"]) not in places["posts"]
