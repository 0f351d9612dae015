"""Incremental runs against the real WordPress: only the changes, nothing lost, state safe.

These tests change the site (through WordPress's own functions), so they run after the
read-only crawl tests and compare each run with the ground truth read before and after.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.crawl import PROJECT_DIR, crawl

pytestmark = [pytest.mark.wordpress, pytest.mark.changes_wordpress]


def pages_of(count: int) -> int:
    return count // 100 + 1


def public_media(truth) -> set[int]:
    return {a["id"] for a in truth["attachments"] if a["parent_status"] in ("publish", None)}


def visible_comments(truth) -> set[int]:
    published = {p["id"] for p in truth["posts"]} | {p["id"] for p in truth["pages"]}
    by_id = {c["id"]: c for c in truth["comments"]["all"]}
    return {i for i in truth["comments"]["approved"] if by_id[i]["post"] in published}


def term_rows(truth) -> dict[tuple[str, int], tuple]:
    rows = {}
    for taxonomy, key in (("category", "categories"), ("post_tag", "tags"), ("venue", "venues")):
        for t in truth[key]:
            rows[(taxonomy, t["id"])] = (t["name"], t["slug"], t["parent"], t["count"])
    return rows


def changes_of(records):
    return {(r["type"], r["id"]): r["change"] for r in records}


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("incremental")


def test_a_second_run_exports_exactly_the_changes(wordpress_site, site_dir):
    url = wordpress_site.url("pathinfo")
    first = crawl(url, site_dir / "run1", incremental="true")
    assert first.returncode == 0, first.log[-3000:]
    assert first.stats["wordpress/state_committed"] is True
    before = wordpress_site.ground_truth("pathinfo")
    assert {r["change"] for r in first.feed("posts")} == {"added"}

    simple = [
        p
        for p in before["posts"]
        if not p["protected"] and not p["sticky"] and not p["featured_media"]
    ]
    edited, deleted, trashed, unpublished = simple[0], simple[1], simple[2], simple[3]
    commented = simple[4]
    category = before["categories"][3]
    output = wordpress_site.php(f"""
        $new = wp_insert_post(['post_title' => 'Incremental: a new post', 'post_status' => 'publish',
            'post_content' => '<p>A fresh paragraph.</p>', 'post_author' => 1,
            'post_category' => [{category["id"]}]]);
        wp_update_post(['ID' => {edited["id"]}, 'post_content' => '<p>Edited text.</p>']);
        wp_delete_post({deleted["id"]}, true);
        wp_trash_post({trashed["id"]});
        wp_update_post(['ID' => {unpublished["id"]}, 'post_status' => 'draft']);
        $comment = wp_insert_comment(['comment_post_ID' => {commented["id"]}, 'comment_approved' => 1,
            'comment_content' => 'A new comment.', 'comment_author' => 'Tester']);
        wp_update_term({category["id"]}, 'category', ['name' => 'Renamed &amp; reorganised']);
        echo json_encode(['post' => $new, 'comment' => $comment]);
    """)
    created = json.loads(output.strip().splitlines()[-1])
    after = wordpress_site.ground_truth("pathinfo")

    second = crawl(url, site_dir / "run2", incremental="true")
    assert second.returncode == 0, second.log[-3000:]
    assert not second.errors, second.errors
    assert second.stats["wordpress/state_committed"] is True

    assert changes_of(second.feed("posts", missing_ok=True)) == {
        ("post", created["post"]): "added",
        ("post", edited["id"]): "updated",
        ("post", deleted["id"]): "deleted",
        ("post", trashed["id"]): "deleted",
        ("post", unpublished["id"]): "deleted",
    }
    updated_post = next(r for r in second.feed("posts") if r["id"] == edited["id"])
    assert updated_post["content_text"] == "Edited text."
    assert updated_post["title"] == edited["title"]
    tombstone = next(r for r in second.feed("posts") if r["id"] == deleted["id"])
    assert set(tombstone) == {"type", "id", "site", "deleted", "detected_at", "change"}
    assert tombstone["deleted"] is True

    expected_comments = {
        ("comment", i): "added" for i in visible_comments(after) - visible_comments(before)
    }
    expected_comments |= {
        ("comment", i): "deleted" for i in visible_comments(before) - visible_comments(after)
    }
    assert created["comment"] in {i for _, i in expected_comments}
    assert changes_of(second.feed("comments", missing_ok=True)) == expected_comments

    old_terms, new_terms = term_rows(before), term_rows(after)
    expected_terms = {
        ("term", i): "updated"
        for key, i in new_terms
        if old_terms.get((key, i)) != new_terms[(key, i)]
    }
    assert ("term", category["id"]) in expected_terms
    terms = second.feed("terms", missing_ok=True)
    assert changes_of(terms) == expected_terms
    assert next(t for t in terms if t["id"] == category["id"])["name"] == "Renamed & reorganised"

    gone_media = public_media(before) - public_media(after)
    assert changes_of(second.feed("media", missing_ok=True)) == {
        ("media", i): "deleted" for i in gone_media
    }
    assert not second.feed("pages", missing_ok=True)
    assert not second.feed("events", missing_ok=True)

    # The cost: the linked collections listed whole, one page of changes and the id listing for
    # each dated collection, and the index, /types, /taxonomies, robots.txt and the home page.
    linked = [len(after["users"]), len(visible_comments(after)), len(after["categories"]),
              len(after["tags"]), len(after["venues"])]  # fmt: skip
    dated = [
        len(public_media(after)),
        len(after["posts"]),
        len(after["pages"]),
        len(after["events"]),
    ]
    expected_requests = 5 + sum(map(pages_of, linked)) + sum(1 + pages_of(n) for n in dated)
    assert second.stats["downloader/request_count"] == expected_requests


def test_a_run_that_loses_a_page_does_not_move_the_state(wordpress_site, site_dir):
    url = wordpress_site.url("pathinfo")
    state_file = next((site_dir / "state").glob("*.json"))
    before = state_file.read_bytes()
    wordpress_site.php("wp_update_post(['ID' => " + str(wordpress_site.ground_truth("pathinfo")["posts"][-1]["id"]) +
                       ", 'post_content' => '<p>Changed again.</p>']);")  # fmt: skip
    failing = crawl(url, site_dir / "run3", incremental="true", settings={
        "RETRY_TIMES": 0,
        "DOWNLOADER_MIDDLEWARES": json.dumps({"tests.faults.FailingPages": 10}),
        "TEST_FAILING_URL": "wp/v2/posts?",  # the id listing and the changes alike
        "TEST_FAILING_OFFSET": 150,
    })  # fmt: skip
    assert failing.returncode == 1
    assert any("Lost page" in line for line in failing.errors)
    assert failing.stats["wordpress/state_committed"] is False
    assert state_file.read_bytes() == before, "a failed run must not move the mark"
    again = crawl(url, site_dir / "run4", incremental="true")
    assert again.returncode == 0
    assert any(r["content_text"] == "Changed again." for r in again.feed("posts"))


def test_a_killed_run_leaves_the_state_and_the_next_run_delivers(
    wordpress_site, site_dir, tmp_path
):
    url = wordpress_site.url("pathinfo")
    state_file = next((site_dir / "state").glob("*.json"))
    before = state_file.read_bytes()
    post_id = wordpress_site.ground_truth("pathinfo")["posts"][-2]["id"]
    wordpress_site.php(
        f"wp_update_post(['ID' => {post_id}, 'post_content' => '<p>Before the kill.</p>']);"
    )
    command = [sys.executable, "-m", "scrapy", "crawl", "wordpress", "-a", f"url={url}",
               "-a", "incremental=true", "-s", f"STATE_DIR={site_dir / 'state'}",
               "-s", f"WORDPRESS_OUTPUT_DIR={tmp_path / 'killed'}", "-s", "DOWNLOAD_DELAY=0.5"]  # fmt: skip
    with subprocess.Popen(command, cwd=PROJECT_DIR, stderr=subprocess.PIPE, text=True) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if "Crawling " in line:
                break
        time.sleep(1.0)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert state_file.read_bytes() == before
    again = crawl(url, site_dir / "run5", incremental="true")
    assert again.returncode == 0
    assert [r["id"] for r in again.feed("posts") if r["change"] == "updated"] == [post_id]
