"""Authenticated runs with a user who may not edit every post type (an author: posts, not
pages): such a type is listed as an anonymous run does, decided from ``users/me``'s
capabilities up front, or on WordPress's refusal of the edit listing; versions stay plain
for it, so incremental runs compare like with like."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.crawl.answer import Answer
from crawler.crawl.outcome import PageOutcome, Verdict, classify_page
from crawler.crawl.run import CrawlRun
from crawler.state.changes import RunChanges
from crawler.state.store import SiteState
from crawler.wordpress.discovery import site_info
from crawler.wordpress.routes import ApiRoot
from tests.utils import Stats

ROOT = ApiRoot("https://e.com/wp-json/")
INDEX = {"name": "E", "home": "https://e.com", "namespaces": ["wp/v2"], "routes": {}}
TYPES = {
    "post": {"rest_base": "posts", "taxonomies": []},
    "page": {"rest_base": "pages", "taxonomies": []},
}
AUTHOR = {"read": True, "edit_posts": True, "publish_posts": True, "upload_files": True}
EDITOR = {**AUTHOR, "edit_others_posts": True, "edit_pages": True, "edit_others_pages": True}
# What WordPress 6 answers an author's pages?status=any&context=edit, and context=edit alone.
STATUS_FORBIDDEN = {
    "code": "rest_invalid_param",
    "message": "Invalid parameter(s): status",
    "data": {"status": 400, "params": {"status": "Status is forbidden."}},
}
CONTEXT_FORBIDDEN = {
    "code": "rest_forbidden_context",
    "message": "Sorry, you are not allowed to edit posts in this post type.",
    "data": {"status": 401},
}
PER_PAGE = {
    "code": "rest_invalid_param",
    "message": "Invalid parameter(s): per_page",
    "data": {
        "status": 400,
        "params": {"per_page": "per_page must be between 1 (inclusive) and 50"},
    },
}


def answer(status, body):
    return Answer(status, {}, json.dumps(body).encode(), "https://e.com/wp-json/wp/v2/pages")


def query(call):
    return {k: v[0] for k, v in parse_qs(urlsplit(call.url).query).items()}


def started(capabilities=None, changes=None):
    """A run past its catalog and its linked collections: the content's first pages."""
    run = CrawlRun(
        site_info(INDEX, "https://e.com/"), ROOT, Stats(), changes=changes,
        authenticated=True, capabilities=capabilities, ask_fields=False,
    )  # fmt: skip
    run.on_catalog("types", TYPES)
    step = run.on_catalog("taxonomies", {})
    content = []
    for call in step.pages:
        content += run.on_page(call.key, call.ref, PageOutcome(Verdict.RECORDS)).pages
    return run, {call.key: call for call in content}


def page(page_id, status="publish"):
    return {"id": page_id, "status": status, "modified_gmt": "2024-06-01T00:00:00",
            "link": f"https://e.com/?page_id={page_id}", "title": {"rendered": "P"},
            "content": {"rendered": "<p>x</p>"}}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "edit", "verdict"),
    [
        (400, STATUS_FORBIDDEN, True, Verdict.EDIT_REFUSED),
        (401, CONTEXT_FORBIDDEN, True, Verdict.EDIT_REFUSED),
        (403, {"code": "rest_forbidden_status", "message": "no"}, True, Verdict.EDIT_REFUSED),
        (400, STATUS_FORBIDDEN, False, Verdict.TOO_LARGE),  # an anonymous listing: as before
        (400, PER_PAGE, True, Verdict.TOO_LARGE),  # the page size, not the user's rights
        (401, {"code": "rest_forbidden", "message": "no"}, True, Verdict.REFUSED),
        (401, {"code": "rest_cannot_access", "message": "DRA"}, True, Verdict.LOST),  # blocked
    ],
)
def test_only_a_refusal_of_every_status_is_an_edit_refusal(status, body, edit, verdict):
    assert classify_page(answer(status, body), page=1, edit=edit).verdict == verdict


def test_a_later_page_refused_is_not_a_reason_to_start_over():
    assert classify_page(answer(401, CONTEXT_FORBIDDEN), page=2, edit=True).verdict == Verdict.LOST


def test_capabilities_decide_up_front_and_say_so_once(caplog):
    with caplog.at_level(logging.INFO, logger="crawler.crawl.run"):
        run, calls = started(AUTHOR)
    assert query(calls["posts"])["status"] == "any"
    # the edit context would hide others' published posts from an author: the view context
    assert "context" not in query(calls["posts"])
    assert "status" not in query(calls["pages"])
    assert "context" not in query(calls["pages"])
    lines = [r.getMessage() for r in caplog.records if "public only" in r.getMessage()]
    assert len(lines) == 1
    assert "pages" in lines[0]
    assert "posts" not in lines[0]
    assert run.stats["wordpress/pages/public_only"] is True
    assert "wordpress/posts/public_only" not in run.stats


def test_an_edit_listing_refused_is_listed_again_as_public_once_and_nothing_is_lost():
    run, calls = started(capabilities=None)  # nothing known up front
    refused = classify_page(answer(400, STATUS_FORBIDDEN), page=1, edit=run.asks_edit("pages"))
    step = run.on_page("pages", calls["pages"].ref, refused)
    [again] = step.pages
    assert again.key == "pages"
    assert again.ref.page == 1
    assert "status" not in query(again)
    assert "context" not in query(again)
    assert not run.asks_edit("pages")
    assert run.asks_edit("posts")
    done = run.on_page("pages", again.ref, PageOutcome(Verdict.RECORDS, records=[page(7)]))
    assert [r.id for r in done.records if r.type == "page"] == [7]
    run.on_page("posts", calls["posts"].ref, PageOutcome(Verdict.RECORDS))
    run.close()
    assert "wordpress/incomplete" not in run.stats
    assert "wordpress/pages_failed" not in run.stats
    assert run.stats["wordpress/edit_refused"] == 1
    assert run.commit_problems("finished") == []
    # a refusal of the public listing is no longer an edit refusal: no loop
    assert (
        classify_page(answer(400, STATUS_FORBIDDEN), page=1, edit=run.asks_edit("pages")).verdict
        == Verdict.TOO_LARGE
    )


def test_a_public_only_type_keeps_plain_versions_in_incremental_runs():
    state = SiteState(site="https://e.com/", mark="2024-05-01T00:00:00Z", runs=1,
                      records={"pages": {7: "2024-06-01T00:00:00Z"}})  # fmt: skip
    changes = RunChanges(state)
    run, calls = started(AUTHOR, changes=changes)
    assert query(calls["pages-ids"])["_fields"] == "id,modified_gmt"
    assert "status" not in query(calls["pages-ids"])
    assert query(calls["posts-ids"])["status"] == "any"
    run.on_page(
        "pages-ids", calls["pages-ids"].ref, PageOutcome(Verdict.RECORDS, records=[page(7)])
    )
    assert changes.present["pages"][7] == "2024-06-01T00:00:00Z"  # no "|publish"


def test_an_editor_lists_every_type_in_the_edit_context(caplog):
    with caplog.at_level(logging.INFO, logger="crawler.crawl.run"):
        _, calls = started(EDITOR)
    for key in ("posts", "pages"):
        assert query(calls[key])["status"] == "any"
        assert query(calls[key])["context"] == "edit"
    assert not [r for r in caplog.records if "public only" in r.getMessage()]


def test_own_records_only_do_not_hold_back_the_state_for_a_short_total():
    """X-WP-Total of ``status=any`` counts others' drafts an author may not read."""
    changes = RunChanges(SiteState(site="https://e.com/"))
    run, calls = started(AUTHOR, changes=changes)
    short = PageOutcome(Verdict.RECORDS, records=[page(7, "draft")], total=5, total_pages=1)
    run.on_page("posts", calls["posts"].ref, short)
    run.on_page("pages", calls["pages"].ref, PageOutcome(Verdict.RECORDS, total=0))
    assert run.collections["posts"].shortfall == 4
    assert not [p for p in run.commit_problems("finished") if "short" in p]
