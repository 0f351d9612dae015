"""Crawl state: atomic files, clear errors, change bookkeeping, incremental plans."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from crawler.crawl.listings import Kind, plan_listings
from crawler.state.changes import RunChanges
from crawler.state.resume import JobError, new_run_id, start_job
from crawler.state.store import (
    SiteLock,
    SiteLockedError,
    SiteState,
    StateError,
    load_state,
    save_state,
    state_path,
)
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


# Per site, exclusive, well-formed (issue 10) ---------------------------------------------


def test_two_sites_on_one_host_get_two_state_files():
    a, b = (
        state_path("state", "https://net.example/a/"),
        state_path("state", "https://net.example/b/"),
    )
    root = state_path("state", "https://net.example/")
    assert len({a, b, root}) == 3
    assert root.name == "net.example.json"  # a root site keeps its earlier name
    # The same site however the user spells it: scheme, case, REST root, no trailing slash.
    assert state_path("state", "http://NET.example/a") == a
    assert state_path("state", "https://net.example/a/wp-json/") == a
    assert state_path("state", "https://net.example/a/index.php?rest_route=/") == a


@pytest.mark.parametrize("url", [
    "https://e.com/" + "x" * 5000,
    "https://e.com/../../etc/passwd/",
    "https://e.com/a%2F..%2Fb/\x00/",
    "https://bücher.example/ü/",
    "http://[::1]:8080/a b/",
])  # fmt: skip
def test_state_file_names_are_safe_and_bounded(url):
    path = state_path("state", url)
    assert path.parent.name == "state"
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*\.json", path.name), path.name
    assert len(path.name) <= 100
    assert ".." not in path.name


def test_a_state_file_of_another_site_is_one_clear_error(tmp_path):
    path = tmp_path / "e.com.json"
    save_state(path, SiteState("https://other.example/"))
    with pytest.raises(StateError, match=r"is the state of https://other\.example/, not of"):
        load_state(path, "https://e.com/")
    # The same site in another spelling is the same site.
    assert load_state(path, "http://Other.example").site == "https://other.example/"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("runs", "x", "'runs' is not a count"),
    ("runs", True, "'runs' is not a count"),
    ("runs", -1, "'runs' is not a count"),
    ("mark", 5, "'mark' is not a UTC date"),
    ("site", None, "'site' is not a URL"),
    ("site", ["x"], "'site' is not a URL"),
    ("committed_at", 3, "'committed_at' is not a date"),
    ("records", [1, 2], "malformed records"),
    ("records", "x", "malformed records"),
    ("records", {"posts": [1]}, "malformed records"),
    ("records", {"posts": {"1": 5}}, "malformed records"),
    ("records", {"posts": {"1": None}}, "malformed records"),
])  # fmt: skip
def test_a_state_file_with_wrong_field_types_is_one_state_error(tmp_path, field, value, message):
    data = SiteState(
        "https://e.com/", mark="2024-01-01T00:00:00Z", records={"posts": {1: "v"}}
    ).to_json()
    path = tmp_path / "e.com.json"
    path.write_text(json.dumps({**data, field: value}))
    with pytest.raises(StateError, match=re.escape(message)):
        load_state(path, "https://e.com/")


def test_the_site_lock_is_exclusive_and_released(tmp_path):
    state = tmp_path / "state" / "e.com.json"
    lock = SiteLock.acquire(state)
    with pytest.raises(SiteLockedError, match="already running"):
        SiteLock.acquire(state)
    # Another process sees the lock too (flock is per open file, across processes).
    probe = (
        "import fcntl,sys; f=open(sys.argv[1],'ab'); fcntl.flock(f, fcntl.LOCK_EX|fcntl.LOCK_NB)"
    )
    held = subprocess.run(
        [sys.executable, "-c", probe, str(lock.path)], capture_output=True, check=False
    )
    assert held.returncode != 0
    assert b"BlockingIOError" in held.stderr
    lock.release()
    assert list(state.parent.iterdir()) == []  # no lock file left behind
    SiteLock.acquire(state).release()


def test_run_ids_are_unique_sortable_and_file_name_safe():
    ids = [new_run_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(re.fullmatch(r"[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[0-9a-f]{6}", i) for i in ids)
    assert [i[:23] for i in ids] == sorted(i[:23] for i in ids)  # time order is name order


def test_a_job_whose_run_id_is_not_a_run_id_is_refused(tmp_path):
    (tmp_path / "wordpress-job.json").write_text(
        json.dumps({"run_id": "../../elsewhere", "url": "https://e.com/", "starts": 1})
    )
    with pytest.raises(JobError, match="not a run id"):
        start_job(tmp_path, new_run_id(), "https://e.com/")
