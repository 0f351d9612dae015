"""End to end against a real WordPress: the feeds hold exactly what the site publishes.

The site runs from Debian's packages on 127.0.0.1 (see ``wpsite/``), in each permalink
mode. The expected records are read from the site itself through WordPress (the ground truth),
never from the crawler's code.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import lxml.html
import pytest

from tests.crawl import PROJECT_DIR, crawl, crawl_cli, schema_validator

pytestmark = pytest.mark.wordpress


@pytest.fixture(scope="module")
def crawls(wordpress_site, tmp_path_factory):
    """One crawl of the home page per permalink mode, shared by the tests of this module, with
    the default settings: cleaning in worker processes, one per core."""
    results = {}
    for mode in ("plain", "pathinfo", "pretty"):
        results[mode] = crawl(
            wordpress_site.url(mode),
            tmp_path_factory.mktemp(mode),
            settings={"WORDPRESS_CLEANING_PROCESSES": 0},
        )
        assert results[mode].stats["wordpress/cleaning_processes"] == len(os.sched_getaffinity(0))
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
        assert record["author"]["id"] == post["author"]
        assert sorted(ref["id"] for ref in record["categories"]) == post["categories"]
        assert sorted(ref["id"] for ref in record["tags"]) == post["tags"]
        assert (record["featured_media"] or {}).get("id") == (post["featured_media"] or None)
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


def test_real_records_validate_against_the_schema(crawls):
    validator = schema_validator("posts")
    for record in crawls["pathinfo"].feed("posts"):
        validator.validate(record)


def test_starting_from_a_post_url_finds_the_same_site(wordpress_site, tmp_path):
    truth = wordpress_site.ground_truth("pathinfo")
    post_url = truth["posts"][0]["link"]
    result = crawl(post_url, tmp_path)
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


def ids(records):
    return [record["id"] for record in records]


def pages_of(count: int) -> int:
    """Requests to list ``count`` records at 100 a page (a full last page is checked once more)."""
    return count // 100 + 1


@pytest.fixture(scope="module")
def truth(wordpress_site):
    return wordpress_site.ground_truth("pathinfo")


def test_pages_and_custom_types_match_the_site(crawls, truth):
    result = crawls["pathinfo"]
    pages = {page["id"]: page for page in truth["pages"]}
    records = result.feed("pages")
    assert sorted(ids(records)) == sorted(pages)
    for record in records:
        page = pages[record["id"]]
        assert (record["title"], record["parent"] or 0, record["menu_order"]) == (
            page["title"], page["parent"], page["menu_order"])  # fmt: skip
        assert record["type"] == "page"
    events = {event["id"]: event for event in truth["events"]}
    records = result.feed("events")
    assert sorted(ids(records)) == sorted(events)
    for record in records:
        assert record["type"] == "event"
        assert (
            sorted(ref["id"] for ref in record["terms"].get("venue", []))
            == events[record["id"]]["venues"]
        )


def test_media_terms_users_and_comments_match_the_site(crawls, truth):
    result = crawls["pathinfo"]
    public = [a for a in truth["attachments"] if a["parent_status"] in ("publish", None)]
    media = {m["id"]: m for m in result.feed("media")}
    assert sorted(media) == sorted(a["id"] for a in public), (
        "attachments of hidden posts leaked or lost"
    )
    for attachment in public:
        record = media[attachment["id"]]
        assert record["source_url"] == attachment["source_url"]
        assert record["alt_text"] == attachment["alt_text"]
        assert record["caption"] == attachment["caption"]
        assert record["post"] == attachment["post"]

    terms = {(t["taxonomy"], t["id"]): t for t in result.feed("terms")}
    for taxonomy, key in (("category", "categories"), ("post_tag", "tags"), ("venue", "venues")):
        expected = {t["id"]: t for t in truth[key]}
        found = {term_id: t for (tax, term_id), t in terms.items() if tax == taxonomy}
        assert sorted(found) == sorted(expected), taxonomy
        for term_id, term in expected.items():
            record = found[term_id]
            assert (record["name"], record["slug"], record["parent"] or 0, record["count"]) == (
                term["name"], term["slug"], term["parent"], term["count"])  # fmt: skip
    assert len(terms) == len(result.feed("terms")), "a term exported twice"

    users = {u["id"]: u for u in result.feed("users")}
    assert {i: (u["name"], u["slug"]) for i, u in users.items()} == {
        u["id"]: (u["name"], u["slug"]) for u in truth["users"]}  # fmt: skip

    comments = ids(result.feed("comments"))
    assert sorted(comments) == sorted(truth["comments"]["approved"])
    assert not set(comments) & set(truth["comments"]["not_approved"])


def test_posts_carry_the_sites_names_for_their_links(crawls, truth):
    result = crawls["pathinfo"]
    users = {u["id"]: u for u in truth["users"]}
    categories = {t["id"]: t for t in truth["categories"]}
    tags = {t["id"]: t for t in truth["tags"]}
    attachments = {a["id"]: a for a in truth["attachments"]}
    approved = [c for c in truth["comments"]["all"] if c["status"] == "1"]
    posts = {post["id"]: post for post in truth["posts"]}
    for record in result.feed("posts"):
        post = posts[record["id"]]
        assert record["author"] == {"id": post["author"], "name": users[post["author"]]["name"],
                                    "slug": users[post["author"]]["slug"]}  # fmt: skip
        assert sorted((c["id"], c["name"]) for c in record["categories"]) == sorted(
            (i, categories[i]["name"]) for i in post["categories"])  # fmt: skip
        assert sorted((t["id"], t["name"]) for t in record["tags"]) == sorted(
            (i, tags[i]["name"]) for i in post["tags"])  # fmt: skip
        if post["featured_media"]:
            assert (
                record["featured_media"]["source_url"]
                == attachments[post["featured_media"]]["source_url"]
            )
        else:
            assert record["featured_media"] is None
        assert record["comment_count"] == sum(c["post"] == post["id"] for c in approved)


def test_a_full_crawl_costs_one_request_per_100_records(crawls, truth):
    public_media = sum(a["parent_status"] in ("publish", None) for a in truth["attachments"])
    collections = [len(truth["posts"]), len(truth["pages"]), len(truth["events"]), public_media,
                   len(truth["categories"]), len(truth["tags"]), len(truth["venues"]),
                   len(truth["users"]), len(truth["comments"]["approved"])]  # fmt: skip
    # robots.txt, the home page, the index, /types and /taxonomies, then the collections' pages.
    expected = 5 + sum(pages_of(count) for count in collections)
    for mode, result in crawls.items():
        assert result.stats["downloader/request_count"] == expected, mode


def test_a_job_killed_mid_way_resumes_without_duplicates_or_gaps(wordpress_site, tmp_path, truth):
    """SIGKILL half-way through a full crawl run with JOBDIR, then the same command again."""
    url, output, jobdir = wordpress_site.url("pathinfo"), tmp_path / "output", tmp_path / "job"
    command = [sys.executable, "-m", "scrapy", "crawl", "wordpress", "-a", f"url={url}",
               "-s", f"JOBDIR={jobdir}", "-s", f"WORDPRESS_OUTPUT_DIR={output}",
               "-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        f.stat().st_size > 0 for f in output.glob("*/*.jsonl")
    ):
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    partial = {f.name: f.read_text(encoding="utf-8").count("\n") for f in output.glob("*/*.jsonl")}
    assert any(partial.values()), "the crawl was killed before it wrote anything"
    assert partial.get("posts.jsonl", 0) < len(truth["posts"]), "the crawl was killed too late"

    resumed = crawl_cli(  # the same command again
        url, tmp_path / "resumed", settings={"JOBDIR": jobdir, "WORDPRESS_OUTPUT_DIR": output}
    )
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert "Resuming the job" in resumed.log
    expected = {
        "posts": {p["id"] for p in truth["posts"]},
        "pages": {p["id"] for p in truth["pages"]},
        "events": {e["id"] for e in truth["events"]},
        "media": {a["id"] for a in truth["attachments"] if a["parent_status"] in ("publish", None)},
        "users": {u["id"] for u in truth["users"]},
        "comments": set(truth["comments"]["approved"]),
        "terms": {t["id"] for key in ("categories", "tags", "venues") for t in truth[key]},
    }
    for feed, want in expected.items():
        lines = (next(output.glob("*")) / f"{feed}.jsonl").read_text(encoding="utf-8").splitlines()
        found = [json.loads(line)["id"] for line in lines]
        assert len(found) == len(set(found)), f"duplicates in {feed}.jsonl after the resume"
        assert set(found) == want, f"gaps in {feed}.jsonl after the resume"
