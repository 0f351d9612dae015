"""The pure crawl run: what an answer means (tables), and how the run acts on it."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.crawl import discovery
from crawler.crawl.answer import Answer
from crawler.crawl.listings import Kind, Phase
from crawler.crawl.outcome import PageOutcome, Verdict, classify_page, read_catalog
from crawler.crawl.run import CrawlRun
from crawler.items import PostItem, TombstoneItem
from crawler.state.changes import RunChanges
from crawler.state.store import SiteState
from crawler.wordpress.discovery import site_info
from crawler.wordpress.errors import Problem
from crawler.wordpress.pagination import PageRef
from crawler.wordpress.routes import ApiRoot
from tests.utils import Stats

ROOT = ApiRoot("https://e.com/wp-json/")
INDEX = {"name": "E", "home": "https://e.com", "namespaces": ["wp/v2"], "routes": {}}
END = {"code": "rest_post_invalid_page_number", "message": "x", "data": {"status": 400}}
BLOCKED = {"code": "rest_cannot_access", "message": "DRA: no", "data": {"status": 401}}
FORBIDDEN = {"code": "rest_forbidden", "message": "no", "data": {"status": 401}}
TOO_MANY = {"code": "rest_invalid_param", "message": "per_page", "data": {"status": 400}}


def answer(status=200, body=b"[]", headers=None, url="https://e.com/wp-json/wp/v2/posts"):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return Answer(status, {k.lower(): v for k, v in (headers or {}).items()}, body, url)


@pytest.mark.parametrize(
    ("status", "body", "page", "verdict", "detail"),
    [
        (200, [{"id": 1}], 1, Verdict.RECORDS, None),
        (200, [], 4, Verdict.RECORDS, None),
        (200, b'<br />\n<b>Notice</b>: x\n[{"id": 1}]', 1, Verdict.RECORDS, None),
        (400, END, 3, Verdict.END, "rest_post_invalid_page_number"),
        (400, TOO_MANY, 1, Verdict.TOO_LARGE, "rest_invalid_param"),
        (500, b"<b>Fatal error</b>: memory", 2, Verdict.TOO_LARGE, None),
        (401, FORBIDDEN, 1, Verdict.REFUSED, "rest_forbidden"),
        (404, b"<h1>Not found</h1>", 1, Verdict.REFUSED, None),
        (401, FORBIDDEN, 2, Verdict.LOST, "rest_forbidden"),  # not the whole collection
        (401, BLOCKED, 1, Verdict.LOST, "rest_cannot_access"),  # the whole API: blocks
        (200, {"id": 1}, 1, Verdict.LOST, "expected a JSON list"),
        (200, b"<html><title>Security check</title></html>", 1, Verdict.LOST, "Security check"),
        (410, b"gone", 1, Verdict.LOST, None),
    ],
)
def test_classify_page(status, body, page, verdict, detail):
    outcome = classify_page(answer(status, body), page=page)
    assert outcome.verdict == verdict
    if detail:
        problem = outcome.problem
        assert detail in ((problem.code or "") + problem.message)


def test_classify_page_reads_the_first_of_repeated_counting_headers():
    headers = {"X-WP-Total": "250, 250", "X-WP-TotalPages": "3"}
    outcome = classify_page(answer(headers=headers), page=1)
    assert (outcome.total, outcome.total_pages) == (250, 3)


@pytest.mark.parametrize(
    ("status", "body", "readable", "blocks"),
    [
        (200, {"post": {"rest_base": "posts"}}, True, False),
        (401, {"code": "rest_cannot_view", "message": "no"}, False, False),
        (401, BLOCKED, False, True),
        (200, b"<html>nope</html>", False, False),
    ],
)
def test_read_catalog(status, body, readable, blocks):
    data, problem = read_catalog(answer(status, body))
    assert (data is not None) == readable
    assert (problem is not None and problem.blocks_crawl) == blocks


# Discovery -------------------------------------------------------------------------------

SITE = "https://e.com/blog/"
CANDIDATES = discovery.probe_candidates(SITE)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (answer(200, INDEX, url=SITE), discovery.Found),
        (answer(401, BLOCKED, url=SITE), discovery.Stop),
        (Answer(200, {"content-type": "text/html"}, b"<p>hi</p>", SITE), discovery.Probe),
    ],
)
def test_after_entry(entry, expected):
    assert isinstance(discovery.after_entry(entry, SITE), expected)


def test_an_advertised_root_is_tried_first_then_the_usual_places():
    tag = b'<html><head><link rel="https://api.w.org/" href="https://e.com/?rest_route=/"></head>'
    probe = discovery.after_entry(Answer(200, {"content-type": "text/html"}, tag, SITE), SITE)
    assert (probe.url, probe.advertised, probe.fallbacks) == (
        "https://e.com/?rest_route=/", True, tuple(CANDIDATES)
    )  # fmt: skip
    tried = []
    while isinstance(probe, discovery.Probe):
        tried.append(probe.url)
        probe = discovery.after_candidate(answer(404, b"nope", url=probe.url), probe, SITE)
    assert tried == ["https://e.com/?rest_route=/", *(c for c in CANDIDATES if c not in tried[:1])]
    assert probe.reason == "api_not_found"
    assert all(url in probe.message for url in tried)


def test_a_candidate_that_cannot_be_fetched_moves_on_but_a_dead_host_stops():
    probe = discovery.Probe(CANDIDATES[0], (), tuple(CANDIDATES[1:]))
    after = discovery.after_candidate_error(
        probe, discovery.DownloadError(probe.url, "timeout"), SITE
    )
    assert after.url == CANDIDATES[1]
    after = discovery.after_candidate_error(
        probe, discovery.DownloadError(probe.url, "refused"), SITE
    )
    assert (after.reason, "refused the connection" in after.message) == ("site_unreachable", True)


# The run ---------------------------------------------------------------------------------


TYPES = {"post": {"rest_base": "posts", "taxonomies": []}}


def new_run(changes=None, index=INDEX, *, ask_fields=False):
    """A run past its catalog; without ``_fields=`` unless asked, so URLs read short."""
    run = CrawlRun(
        site_info(index, "https://e.com/"), ROOT, Stats(), changes=changes, ask_fields=ask_fields
    )
    assert run.on_catalog("types", TYPES).pages == []  # waits for /taxonomies
    step = run.on_catalog("taxonomies", {})
    return run, step


def post(post_id, modified="2024-06-01T00:00:00"):
    return {"id": post_id, "title": {"rendered": f"P{post_id}"}, "modified_gmt": modified}


def records(objects, total=None, pages=None):
    return PageOutcome(Verdict.RECORDS, records=objects, total=total, total_pages=pages)


def finish_linked(run, step):
    for call in step.pages:
        step = run.on_page(call.key, call.ref, records([]))
    return step


def test_the_run_lists_linked_collections_then_the_content():
    run, step = new_run()
    assert [c.key for c in step.pages] == ["users", "media", "comments"]
    assert run.phase == Phase.LINKED
    content = finish_linked(run, step)
    assert [c.url for c in content.pages] == [
        "https://e.com/wp-json/wp/v2/posts?per_page=100&page=1&orderby=id&order=asc"
    ]
    assert run.phase == Phase.CONTENT


def fielded_run(types):
    run = CrawlRun(site_info(INDEX, "https://e.com/"), ROOT, Stats(), ask_fields=True)
    run.on_catalog("types", types)
    step = run.on_catalog("taxonomies", {})
    return run, step


def fields_of(call):
    return parse_qs(urlsplit(call.url).query)["_fields"][0].split(",")


def test_the_run_asks_only_for_the_fields_the_records_read():
    run, step = fielded_run({"post": {"rest_base": "posts", "taxonomies": ["category"]}})
    users = fields_of(step.pages[0])
    assert users[:6] == ["id", "link", "name", "slug", "url", "description"]
    assert {"meta", "acf", "yoast_head_json"} <= set(users)
    [content] = finish_linked(run, step).pages
    fields = set(fields_of(content))
    assert {"id", "content", "modified_gmt", "featured_media", "categories"} <= fields
    assert "_links.wp:term" in fields  # the join reads the term fields through these links
    assert "yoast_head" not in fields
    assert "guid" not in fields


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ([{"title": "x"}] * 3, "a cache that breaks _fields: no ids"),
        ([{"id": 1, "categories": [3]}, {"id": 2, "categories": [3]}], "WordPress < 5.3: no links"),
    ],
)
def test_a_site_that_mishandles_fields_is_asked_for_whole_records_said_once(caplog, answer, why):
    run, step = fielded_run({"post": {"rest_base": "posts", "taxonomies": ["category"]}})
    [first] = finish_linked(run, step).pages
    step = run.on_page("posts", first.ref, records(answer, 3, 1))
    [again] = step.pages
    assert step.records == [], why
    assert (again.ref, "_fields" in again.url) == (first.ref, False)
    assert "_fields" in first.url
    whole = [{**post(1), "_links": {}}, {**post(2), "_links": {}}]
    step = run.on_page("posts", again.ref, records(whole, 2, 1))
    assert [r.id for r in step.records] == [1, 2]
    assert run.stats["wordpress/fields_unsupported"] == 1
    assert sum("_fields" in m for m in caplog.messages) == 1


def test_a_page_without_ids_even_when_whole_is_asked_again_once_only():
    run, step = fielded_run({"post": {"rest_base": "posts", "taxonomies": []}})
    [first] = finish_linked(run, step).pages
    [again] = run.on_page("posts", first.ref, records([{"title": "x"}], 1, 1)).pages
    step = run.on_page("posts", again.ref, records([{"title": "x"}], 1, 1))
    assert [c for c in step.pages if c.ref == first.ref] == []  # malformed, not asked a third time
    assert run.stats["wordpress/records_malformed"] == 1


def test_pages_fan_out_records_are_exported_once_and_the_end_is_quiet():
    run, step = new_run()
    [first] = finish_linked(run, step).pages
    step = run.on_page("posts", first.ref, records([post(i) for i in range(1, 101)], 150, 2))
    assert [type(r) for r in step.records] == [PostItem] * 100
    [second] = step.pages
    step = run.on_page("posts", second.ref, records([post(100), post(101)], 150, 2))
    assert [r.id for r in step.records] == [101]  # 100 was already exported
    assert run.stats == {**run.stats, "wordpress/posts/duplicates": 1, "wordpress/posts/total": 150}
    assert run.collections["posts"].done
    run.close()
    assert run.stats["wordpress/posts/shortfall"] == 49


@pytest.mark.parametrize(
    ("outcome", "pages", "lost", "stops"),
    [
        (PageOutcome(Verdict.TOO_LARGE, problem=Problem("server_error", "500")), [(1, 50), (2, 50)], 0, False),
        (PageOutcome(Verdict.END, problem=Problem("http_error", "400")), [], 0, False),
        (PageOutcome(Verdict.REFUSED, problem=Problem("http_error", "403")), [], 0, False),
        (PageOutcome.lost(Problem("network", "could not fetch")), [], 1, False),
        # A block stops the run (the crawl fails, or the spider reads the pages instead), so
        # it is not counted as a lost page that would also make a fallback crawl incomplete.
        (PageOutcome(Verdict.LOST, problem=Problem("blocked", "DRA", "rest_cannot_access")), [], 0, True),
    ],
)  # fmt: skip
def test_what_the_run_does_with_each_verdict(outcome, pages, lost, stops):
    run, step = new_run()
    [first] = finish_linked(run, step).pages
    step = run.on_page("posts", first.ref, outcome)
    assert [(c.ref.page, c.ref.per_page) for c in step.pages] == pages
    assert run.stats.get("wordpress/pages_failed", 0) == lost
    assert (step.stop is not None) == stops
    assert run.stopped == stops


def test_a_page_failing_at_every_size_is_lost_after_the_ladder():
    run, step = new_run()
    queue, lost = finish_linked(run, step).pages, 0
    fatal = PageOutcome(Verdict.TOO_LARGE, problem=Problem("server_error", "500"))
    requests = 0
    while queue:
        call = queue.pop(0)
        requests += 1
        if call.ref.start <= 0 < call.ref.end:  # the record at offset 0 crashes PHP
            queue += run.on_page(call.key, call.ref, fatal).pages
        else:
            queue += run.on_page(call.key, call.ref, records([])).pages
    lost = run.stats["wordpress/pages_failed"]
    assert (lost, run.collections["posts"].failed_pages) == (1, [PageRef(1, 10)])
    assert requests == 1 + 2 + 5  # 100, then 2 x 50, then 5 x 10


WP_57 = {
    **INDEX,
    "routes": {
        "/wp/v2/posts": {"endpoints": [{"methods": ["GET"], "args": {"modified_after": {}}}]}
    },
}


def incremental_run(known, mark="2024-05-01T00:00:00Z"):
    previous = SiteState("https://e.com/", mark=mark, records={"posts": known}, runs=1)
    return new_run(RunChanges(previous), WP_57)


def test_an_incremental_run_lists_changes_and_ids_then_tombstones_and_missed_changes():
    known = {1: "2024-01-01T00:00:00Z", 2: "2024-01-01T00:00:00Z", 3: "2024-01-01T00:00:00Z"}
    run, step = incremental_run(known)
    content = {c.key: c for c in finish_linked(run, step).pages}
    assert content["posts"].url.endswith(
        "orderby=modified&order=asc&modified_after=2024-04-30T23:00:00Z"
    )
    step = run.on_page("posts", content["posts"].ref, records([post(4)], 1, 1))
    assert [r.id for r in step.records] == [4]
    ids = [{"id": 1, "modified_gmt": "2024-01-01T00:00:00"}, {"id": 3, "modified_gmt": "2024-06-02T00:00:00"},
           {"id": 4, "modified_gmt": "2024-06-01T00:00:00"}]  # fmt: skip
    step = run.on_page("posts-ids", content["posts-ids"].ref, records(ids))
    [end] = step.pages  # a header-less listing: one more page to be sure
    step = run.on_page("posts-ids", end.ref, records([]))
    assert run.phase == Phase.FINAL
    assert [(t.type, t.id) for t in step.records if isinstance(t, TombstoneItem)] == [("post", 2)]
    [by_id] = step.pages  # post 3 changed but the date filter did not return it
    assert "include=3" in by_id.url
    assert run.listings[by_id.key].kind == Kind.BY_ID
    assert run.commit_problems("finished") == ["1 records did not reach the feeds"]
    run.changes.reached_feeds(("post", 4))
    run.on_page(by_id.key, by_id.ref, records([]))
    assert run.commit_problems("finished") == []


# Bounds: a collection cut short ------------------------------------------------------------------


def test_a_repeated_page_ends_the_collection_with_one_error_when_the_total_says_more(caplog):
    run, step = new_run()
    [first] = finish_linked(run, step).pages
    page = [post(i) for i in range(1, 101)]
    step = run.on_page("posts", first.ref, records(page, 300, 3))
    assert [c.ref.page for c in step.pages] == [2, 3]
    with caplog.at_level("WARNING"):
        again = run.on_page("posts", step.pages[0].ref, records(page, 300, 3))
        run.on_page("posts", step.pages[1].ref, records(page, 300, 3))
    assert (again.pages, again.records) == ([], [])
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert "100 of the 300" in caplog.records[0].getMessage()
    assert run.stats["wordpress/incomplete"] is True
    assert run.stats["wordpress/posts/cut"] == "repeated"
    assert "pages were lost" in run.commit_problems("finished")


def test_a_repeated_page_without_a_total_is_a_warning_only(caplog):
    run, step = new_run()
    [first] = finish_linked(run, step).pages
    page = [post(i) for i in range(1, 101)]
    [second] = run.on_page("posts", first.ref, records(page)).pages
    with caplog.at_level("WARNING"):
        assert run.on_page("posts", second.ref, records(page)).pages == []
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "wordpress/incomplete" not in run.stats
    assert run.phase == Phase.FINAL  # nothing in flight: the collection is done
    assert run.collections["posts"].done


def test_a_cut_id_listing_tombstones_nothing():
    """Absence from a collection cut short proves nothing: no deletion is concluded."""
    known = dict.fromkeys(range(1, 301), "2024-01-01T00:00:00Z")
    run, step = incremental_run(known)
    content = {c.key: c for c in finish_linked(run, step).pages}
    run.on_page("posts", content["posts"].ref, records([], 0, 0))
    ids = [{"id": i, "modified_gmt": "2024-01-01T00:00:00"} for i in range(1, 101)]
    [second] = run.on_page("posts-ids", content["posts-ids"].ref, records(ids)).pages
    step = run.on_page("posts-ids", second.ref, records(ids))  # a cache ignoring ?page=
    assert run.phase == Phase.FINAL
    assert [r for r in step.records if isinstance(r, TombstoneItem)] == []


def test_the_page_cap_cuts_a_header_less_collection():
    run = CrawlRun(site_info(INDEX, "https://e.com/"), ROOT, Stats(), max_pages=3)
    run.on_catalog("types", TYPES)
    [call] = finish_linked(run, run.on_catalog("taxonomies", {})).pages
    requested = 0
    while call is not None:
        requested += 1
        start = call.ref.start
        pages = run.on_page("posts", call.ref, records([post(start + 1)])).pages
        call = pages[0] if pages else None
    assert requested == 3
    assert run.stats["wordpress/posts/cut"] == "max_pages"
    assert run.stats["wordpress/incomplete"] is True


def test_a_lost_page_frees_its_place_in_the_window():
    run, step = new_run()
    [first] = finish_linked(run, step).pages
    state = run.collections["posts"]
    state.window = 2
    step = run.on_page("posts", first.ref, records([post(i) for i in range(1, 101)], 500, 5))
    assert [c.ref.page for c in step.pages] == [2, 3]
    step = run.on_page("posts", step.pages[0].ref, PageOutcome.lost(Problem("network", "x")))
    assert [c.ref.page for c in step.pages] == [4]


def test_a_site_without_post_types_stops_with_a_line_that_says_so():
    run = CrawlRun(site_info(INDEX, "https://e.com/"), ROOT, Stats())
    run.on_catalog("types", {"wp_block": {"rest_base": "", "viewable": False}})
    step = run.on_catalog("taxonomies", {})
    assert step.stop is not None
    assert step.stop.reason == "no_post_types"
    assert "None" not in step.stop.message
    assert "lists no post type" in step.stop.message
    wanted = CrawlRun(site_info(INDEX, "https://e.com/"), ROOT, Stats(), types="events")
    wanted.on_catalog("types", TYPES)
    stop = wanted.on_catalog("taxonomies", {}).stop
    assert stop is not None
    assert (stop.reason, stop.message.endswith("it has posts")) == ("no_such_types", True)


def test_a_custom_type_in_its_own_namespace_is_asked_for_changes_when_its_route_says_so():
    """``modified_after`` is read from the type's own route in the index (#13), whatever its
    namespace; a route that does not list it is read newest first."""
    guides = {"endpoints": [{"methods": ["GET"], "args": {"page": {}, "modified_after": {}}}]}
    index = {**INDEX, "namespaces": ["wp/v2", "cookbook/v1", "shop/v1"],
             "routes": {"/cookbook/v1/guides": guides, "/shop/v1/items": {"endpoints": []}}}  # fmt: skip
    types = {
        "guide": {"rest_base": "guides", "rest_namespace": "cookbook/v1", "taxonomies": []},
        "item": {"rest_base": "items", "rest_namespace": "shop/v1", "taxonomies": []},
    }
    previous = SiteState("https://e.com/", mark="2024-05-01T00:00:00Z", records={}, runs=1)
    run = CrawlRun(site_info(index, "https://e.com/"), ROOT, Stats(), changes=RunChanges(previous))
    run.on_catalog("types", types)
    step = run.on_catalog("taxonomies", {})
    content = {c.key: c.url for c in finish_linked(run, step).pages}
    assert "/cookbook/v1/guides?" in content["guides"]
    assert "modified_after=2024-04-30T23:00:00Z" in content["guides"]
    assert "modified_after" not in content["items"]
    assert "orderby=modified&order=desc" in content["items"]


def test_a_site_that_strips_links_costs_one_more_request_not_one_per_page():
    run, step = fielded_run({"post": {"rest_base": "posts", "taxonomies": ["category"]}})
    [first] = finish_linked(run, step).pages
    [again] = run.on_page("posts", first.ref, records([post(1)], 101, 2)).pages
    step = run.on_page("posts", again.ref, records([post(i) for i in range(1, 101)], 101, 2))
    assert len(step.records) == 100  # asked whole, no links either: taken as it is
    [second] = step.pages
    assert (second.ref.page, "_fields" in second.url) == (2, False)
    assert [
        r.id for r in run.on_page("posts", second.ref, records([post(101)], 101, 2)).records
    ] == [101]
