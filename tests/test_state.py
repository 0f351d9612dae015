"""Crawl state: atomic files, clear errors, change bookkeeping, incremental plans."""

from __future__ import annotations

import json

import pytest

from crawler.crawl.listings import Kind, plan_listings
from crawler.state.changes import RunChanges
from crawler.state.store import SiteState, StateError, load_state, save_state
from crawler.wordpress.types import Collection

CHANGES, FULL, IDS, NEWEST = Kind.CHANGES, Kind.FULL, Kind.IDS, Kind.NEWEST
POSTS = Collection("post", "posts", "wp/v2/posts", taxonomies=("category",))
CATEGORIES = Collection("category", "categories", "wp/v2/categories")


def test_state_round_trip_and_atomic_replace(tmp_path):
    path = tmp_path / "state" / "e.com.json"
    state = SiteState(
        "https://e.com/", mark="2024-01-01T00:00:00Z", records={"posts": {3: "v3", 1: "v1"}}, runs=2
    )
    save_state(path, state)
    assert load_state(path, "https://e.com/") == state
    assert [p.name for p in path.parent.iterdir()] == ["e.com.json"]  # no temporary file left
    save_state(path, SiteState("https://e.com/", runs=3))
    assert load_state(path, "https://e.com/").runs == 3


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"format": 99}), "not a state file"),
    (json.dumps({"format": 1, "records": {"posts": {"x": "v"}}}), "malformed records"),
])  # fmt: skip
def test_a_broken_state_file_says_what_to_do(tmp_path, content, message):
    path = tmp_path / "e.com.json"
    path.write_text(content)
    with pytest.raises(StateError, match=message):
        load_state(path, "https://e.com/")


def test_next_state_applies_exports_and_removals_and_keeps_the_highest_mark():
    previous = SiteState(
        "s", mark="2024-05-01T00:00:00Z", records={"posts": {1: "a", 2: "b"}}, runs=1
    )
    run = RunChanges(previous)
    run.record_exported("posts", 3, "2024-06-01T00:00:00Z", "2024-06-01T00:00:00Z")
    run.record_exported("categories", 9, "sha1:x", None)
    run.record_removed("posts", 2)
    state = run.next_state("2024-06-02T00:00:00Z")
    assert state.records == {
        "posts": {1: "a", 3: "2024-06-01T00:00:00Z"},
        "categories": {9: "sha1:x"},
    }
    assert state.mark == "2024-06-01T00:00:00Z"
    assert state.runs == 2
    assert previous.records == {"posts": {1: "a", 2: "b"}}, "the previous state is not modified"


def test_a_run_that_exported_nothing_keeps_the_mark():
    state = RunChanges(SiteState("s", mark="2024-05-01T00:00:00Z", runs=4)).next_state("now")
    assert state.mark == "2024-05-01T00:00:00Z"


def test_full_crawl_plan_lists_each_collection_once():
    kinds = [(listing.key, listing.kind) for listing in plan_listings([POSTS], [CATEGORIES])]
    assert kinds == [
        ("users", FULL),
        ("media", FULL),
        ("comments", FULL),
        ("categories", FULL),
        ("posts", FULL),
    ]


def test_incremental_plan_asks_for_changes_and_lists_ids():
    plan = {
        listing.key: listing
        for listing in plan_listings([POSTS], [CATEGORIES], changes_since="2024-01-01T00:00:00Z")
    }
    assert plan["posts"].kind == CHANGES
    assert dict(plan["posts"].params) == {
        "modified_after": "2024-01-01T00:00:00Z",
        "orderby": "modified",
    }
    assert plan["posts-ids"].kind == IDS
    assert dict(plan["posts-ids"].params) == {"_fields": "id,modified_gmt"}
    assert plan["media"].kind == CHANGES
    assert plan["categories"].kind == FULL  # no dates: listed whole, compared by fingerprint


def test_sites_without_modified_after_are_read_newest_first_until_the_mark():
    plan = {listing.key: listing for listing in plan_listings([POSTS], [], changes_since="2024-01-01T00:00:00Z",
                                            supports_modified_after=lambda route: False)}  # fmt: skip
    assert plan["posts"].kind == NEWEST
    assert dict(plan["posts"].params) == {"orderby": "modified", "order": "desc"}
    assert plan["posts"].since == "2024-01-01T00:00:00Z"
    assert plan["posts-ids"].kind == IDS
