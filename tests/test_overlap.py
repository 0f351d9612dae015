"""Overlapping phases: content is fetched while linked collections still list, held (bounded)
until the lookup tables are complete, then joined exactly as the site's records say."""

from __future__ import annotations

import html
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

from crawler.crawl.listings import Phase
from crawler.crawl.outcome import PageOutcome, Verdict
from crawler.crawl.run import LINKED_PRIORITY, CrawlRun, Step
from crawler.items import MediaItem, PostItem
from crawler.state.changes import RunChanges
from crawler.state.store import SiteState
from crawler.wordpress.discovery import site_info
from crawler.wordpress.errors import Problem
from crawler.wordpress.routes import ApiRoot
from demo.fake_wordpress import FakeWordPressServer
from demo.generate import generate_site
from demo.site import write_site
from tests.crawl import crawl
from tests.utils import Stats

from .test_crawl_run import INDEX

ROOT = ApiRoot("https://e.com/wp-json/")
TYPES = {"post": {"rest_base": "posts", "taxonomies": []}}
WP_57 = {
    **INDEX,
    "routes": {
        "/wp/v2/posts": {"endpoints": [{"methods": ["GET"], "args": {"modified_after": {}}}]},
        "/wp/v2/media": {"endpoints": [{"methods": ["GET"], "args": {"modified_after": {}}}]},
    },
}

# The site's ground truth: 250 media (3 pages), 2 users, 300 comments (3 pages), 500 posts.
USERS = [{"id": 1, "name": "Ann", "slug": "ann"}, {"id": 2, "name": "Bob", "slug": "bob"}]
MEDIA = [
    {"id": m, "source_url": f"https://e.com/m{m}.jpg", "mime_type": "image/jpeg"}
    for m in range(1, 251)
]
COMMENTS = [{"id": c, "post": 1 + c % 7} for c in range(1, 301)]
POSTS = [
    {"id": p, "title": {"rendered": f"P{p}"}, "author": 1 + p % 2, "featured_media": 250 - p % 250,
     "modified_gmt": "2024-06-01T00:00:00"}
    for p in range(1, 501)
]  # fmt: skip
SITE = {"users": USERS, "media": MEDIA, "comments": COMMENTS, "posts": POSTS}


def answer_of(call, site=SITE):
    """The site's answer to ``call``: its page of records, with the counting headers."""
    objects = site[call.key]
    page = objects[call.ref.start : call.ref.end]
    pages = -(-len(objects) // call.ref.per_page)
    return PageOutcome(Verdict.RECORDS, records=page, total=len(objects), total_pages=pages)


def new_run(hold_pages=4, changes=None, index=INDEX, types=None):
    run = CrawlRun(
        site_info(index, "https://e.com/"), ROOT, Stats(),
        changes=changes, hold_pages=hold_pages, types=types,
    )  # fmt: skip
    run.on_catalog("types", TYPES)
    return run, run.on_catalog("taxonomies", {})


def test_content_starts_after_the_first_linked_pages_and_waits_for_complete_tables():
    run, step = new_run(hold_pages=4)
    assert {c.key: c.priority for c in step.pages} == dict.fromkeys(
        ["users", "media", "comments"], LINKED_PRIORITY
    )
    linked, exported = [], []
    for call in step.pages:  # every first page answers: content starts, the rest waits
        after = run.on_page(call.key, call.ref, answer_of(call))
        linked += [c for c in after.pages if c.key != "posts"]
        content = [c for c in after.pages if c.key == "posts"]
        exported += after.records
    assert [c.priority for c in content] == [0]
    assert run.phase == Phase.CONTENT
    assert {c.key for c in linked} == {"media", "comments"}  # page 2 and 3 of each
    # Content pages arrive while media and comments are still listing: held, bounded.
    queue, requested = content, 0
    while queue:
        call = queue.pop(0)
        requested += 1
        after = run.on_page(call.key, call.ref, answer_of(call))
        assert [r for r in after.records if isinstance(r, PostItem)] == []
        queue += after.pages
    assert (requested, len(run.held), len(run.deferred)) == (4, 4, 1)  # hold of 4, 5 pages
    # The last linked page completes the tables: held pages joined, the deferred one requested.
    released = []
    while linked:  # a full last page of comments is followed by one more page
        call = linked.pop(0)
        assert run.held  # held until the very last linked page
        after = run.on_page(call.key, call.ref, answer_of(call))
        exported += after.records
        linked += [c for c in after.pages if c.key != "posts"]
        released += [c for c in after.pages if c.key == "posts"]
    [last] = released
    assert (last.ref.page, run.held, run.deferred) == (5, [], [])
    exported += run_to_the_end(run, Step(pages=[last]))
    posts = {r.id: r for r in exported if isinstance(r, PostItem)}
    assert sorted(posts) == [p["id"] for p in POSTS]
    for truth in POSTS:  # joined from the site's own records, not from the crawler's
        record = posts[truth["id"]]
        assert record.author.name == USERS[truth["author"] - 1]["name"]
        assert record.featured_media.source_url == MEDIA[truth["featured_media"] - 1]["source_url"]
        assert record.comment_count == sum(c["post"] == truth["id"] for c in COMMENTS)
    assert run.phase == Phase.FINAL
    assert run.commit_problems("finished") == []


def run_to_the_end(run, step, outcome=answer_of):
    """Answer every request as ``outcome`` says; the records exported, in order."""
    queue, exported = list(step.pages), list(step.records)
    while queue:
        call = queue.pop(0)
        after = run.on_page(call.key, call.ref, outcome(call))
        exported += after.records
        queue += after.pages
    return exported


def test_a_lost_linked_page_releases_the_held_content_unjoined_and_the_crawl_is_incomplete():
    run, step = new_run(hold_pages=2)

    def media_page_2_lost(call):
        if (call.key, call.ref.page) == ("media", 2):
            return PageOutcome.lost(Problem("network", "reset"))
        return answer_of(call)

    exported = run_to_the_end(run, step, media_page_2_lost)
    posts = {r.id: r for r in exported if isinstance(r, PostItem)}
    assert len(posts) == 500
    lost = [p for p in POSTS if 100 < p["featured_media"] <= 200]
    assert {posts[p["id"]].featured_media.source_url for p in lost} == {None}
    run.close()
    assert run.stats["wordpress/unresolved_links/media"] == len(lost)
    assert run.stats["wordpress/incomplete"] is True
    assert "pages were lost" in run.commit_problems("finished")


def test_refused_users_make_every_content_request_embed_the_author():
    run, step = new_run(hold_pages=2)

    def hidden_users(call):
        if call.key == "users":
            return PageOutcome(Verdict.REFUSED, problem=Problem("http_error", "401"))
        if call.key == "posts":  # the site embeds each record's author, as asked
            assert "_embed=author" in call.url
            page = answer_of(call)
            embedded = [
                {**p, "_embedded": {"author": [USERS[p["author"] - 1]]}} for p in page.records
            ]
            return PageOutcome(Verdict.RECORDS, embedded, page.total, page.total_pages)
        return answer_of(call)

    exported = run_to_the_end(run, step, hidden_users)
    posts = [r for r in exported if isinstance(r, PostItem)]
    assert [p.author.name for p in posts] == [USERS[p["author"] - 1]["name"] for p in POSTS]
    assert run.stats["wordpress/users/refused"]


def test_the_hold_never_exceeds_its_bound():
    run, step = new_run(hold_pages=3)
    queue, most = list(step.pages), 0
    while queue:
        queue.sort(key=lambda c: c.priority)  # content answers first whenever it can
        call = queue.pop(0)
        queue += run.on_page(call.key, call.ref, answer_of(call)).pages
        most = max(most, len(run.held) + run.sent_content)
    assert most == 3
    assert run.phase == Phase.FINAL


def test_an_incremental_run_holds_changed_posts_then_fetches_their_missing_media():
    known = {
        "posts": {p["id"]: "2024-06-01T00:00:00Z" for p in POSTS[3:]},
        "media": {m["id"]: "" for m in MEDIA[10:]},
    }
    previous = SiteState("https://e.com/", mark="2024-05-01T00:00:00Z", records=known, runs=1)
    run, step = new_run(hold_pages=2, changes=RunChanges(previous), index=WP_57)
    assert {c.key for c in step.pages} == {"users", "media", "media-ids", "comments"}
    site = {**SITE, "media": MEDIA[:10], "media-ids": MEDIA, "posts": POSTS[:3], "posts-ids": POSTS}
    asked = []

    def changed_media_only(call):
        if "-lookup-" in call.key or "-by_id-" in call.key:
            if "-lookup-" in call.key:
                asked.append(call.url)
            wanted = [int(i) for i in dict(run.listings[call.key].params)["include"].split(",")]
            every = {x["id"]: x for x in SITE[run.listings[call.key].collection]}
            return answer_of(call, {call.key: [every[i] for i in wanted]})
        return answer_of(call, site)

    exported = run_to_the_end(run, step, changed_media_only)
    posts = {r.id: r for r in exported if isinstance(r, PostItem)}
    assert sorted(posts) == [1, 2, 3]
    assert [posts[p["id"]].featured_media.source_url for p in POSTS[:3]] == [
        MEDIA[p["featured_media"] - 1]["source_url"] for p in POSTS[:3]
    ]
    [lookup] = asked  # one request by id for the three featured images no table held
    assert "include=247%2C248%2C249" in lookup.replace(",", "%2C")
    assert run.phase == Phase.FINAL


# Crawls of some post types: linked media by id when that is fewer requests -----------------------


def include_site(call, site):
    """``answer_of``, and pages named by id (``include=``) answered from the collection."""
    listing = call.key.split("-")[0]
    if "-lookup-" not in call.key:
        return answer_of(call, site)
    include = dict(parse_qsl(urlsplit(call.url).query))["include"]
    every = {x["id"]: x for x in site[listing]}
    return answer_of(
        call, {call.key: [every[int(i)] for i in include.split(",") if int(i) in every]}
    )


def test_a_small_blog_with_a_huge_media_library_fetches_only_the_linked_media_by_id():
    media = [{"id": m, "source_url": f"https://e.com/m{m}.jpg"} for m in range(1, 100_001)]
    posts = [{**p, "featured_media": 7 * p["id"]} for p in POSTS[:150]]
    posts[0]["featured_media"] = 200_000  # a featured image the site does not show
    site = {**SITE, "media": media, "posts": posts}
    asked = []

    def answer(call):
        asked.append(call.key)
        return include_site(call, site)

    run, step = new_run(types="posts")
    exported = run_to_the_end(run, step, answer)
    assert asked.count("media") == 1  # the first page only: X-WP-Total says how many
    assert sorted(k for k in asked if "-lookup-" in k) == ["media-lookup-1", "media-lookup-2"]
    by_id = {r.id: r for r in exported if isinstance(r, MediaItem)}
    assert sorted(by_id) == sorted(p["featured_media"] for p in posts[1:])
    joined = {r.id: r.featured_media for r in exported if isinstance(r, PostItem)}
    for truth in posts[1:]:
        assert joined[truth["id"]].source_url == media[truth["featured_media"] - 1]["source_url"]
    assert joined[1].source_url is None
    run.close()
    assert "wordpress/media/shortfall" not in run.stats
    assert run.stats["wordpress/media/by_id"] is True
    assert run.commit_problems("finished") == []


def test_content_pages_waiting_for_their_media_by_id_stay_within_the_hold():
    media = [{"id": m, "source_url": f"https://e.com/m{m}.jpg"} for m in range(1, 100_001)]
    posts = [{**post, "id": i, "featured_media": i} for i in range(1, 2001) for post in POSTS[:1]]
    site = {**SITE, "media": media, "posts": posts}
    run, step = new_run(hold_pages=3, types="posts")
    queue, most, exported = list(step.pages), 0, []
    while queue:
        queue.sort(key=lambda c: c.priority)  # content first, lookups last: the worst case
        call = queue.pop(0)
        after = run.on_page(call.key, call.ref, include_site(call, site))
        queue += after.pages
        exported += after.records
        most = max(most, run.sent_content + len(run.held) + len(run.waiting))
    assert most == 3
    joined = {r.id: r.featured_media.source_url for r in exported if isinstance(r, PostItem)}
    assert joined == {i: f"https://e.com/m{i}.jpg" for i in range(1, 2001)}


def test_a_crawl_of_some_types_lists_the_media_when_that_is_fewer_requests():
    asked = []

    def answer(call):
        asked.append(call.key)
        return include_site(call, SITE)

    run, step = new_run(types="posts")
    exported = run_to_the_end(run, step, answer)
    assert asked.count("media") == 3  # 5 content pages by id would cost more than 2 more pages
    assert not [k for k in asked if "-lookup-" in k]
    assert sorted(r.id for r in exported if isinstance(r, MediaItem)) == [m["id"] for m in MEDIA]
    assert len([r for r in exported if isinstance(r, PostItem)]) == len(POSTS)


# End to end, against the fake WordPress -------------------------------------------------------


def served_site(tmp_path, posts, extra_media=0):
    """A generated site on disk, and its ground truth by collection and id."""
    site = generate_site(posts, extra_media=extra_media)
    write_site(site, tmp_path / "site")
    truth = {name: {x["id"]: x for x in items} for name, items in site.collections.items()}
    return tmp_path / "site", truth


def test_a_full_crawl_with_a_one_page_hold_joins_every_post_as_the_site_links_it(tmp_path):
    site_dir, truth = served_site(tmp_path, 600)
    with FakeWordPressServer(site_dir) as wp:
        result = crawl(wp.home_url, tmp_path, settings={"WORDPRESS_HOLD_PAGES": 1}, timeout=300)
    assert result.returncode == 0, result.log[-2000:]
    posts = {r["id"]: r for r in result.feed("posts")}
    assert set(posts) == set(truth["posts"])
    comments = Counter(c["post"] for c in truth["comments"].values())
    for post_id, site_post in truth["posts"].items():
        record = posts[post_id]
        author = truth["users"][site_post["author"]]["name"]  # as a reader sees it
        assert record["author"]["name"] == html.unescape(author)
        assert record["comment_count"] == comments[post_id]
        if site_post["featured_media"]:
            media = truth["media"][site_post["featured_media"]]
            assert record["featured_media"]["source_url"] == media["source_url"].replace(
                "http://recorded.invalid", wp.origin
            )
    assert {r["id"] for r in result.feed("media")} == set(truth["media"])


def test_a_posts_only_crawl_of_a_huge_library_fetches_just_the_featured_media(tmp_path):
    site_dir, truth = served_site(tmp_path, 30, extra_media=3000)
    with FakeWordPressServer(site_dir) as wp:
        result = crawl(wp.home_url, tmp_path, types="posts", timeout=300)
    assert result.returncode == 0, result.log[-2000:]
    posts = {r["id"]: r for r in result.feed("posts")}
    assert set(posts) == set(truth["posts"])
    featured = {p["featured_media"] for p in truth["posts"].values()} - {0}
    assert {r["id"] for r in result.feed("media")} == featured
    for post_id, site_post in truth["posts"].items():
        if site_post["featured_media"]:
            media = truth["media"][site_post["featured_media"]]
            assert posts[post_id]["featured_media"]["source_url"] == media["source_url"].replace(
                "http://recorded.invalid", wp.origin
            )
    assert result.stats["wordpress/media/by_id"] is True
    # robots.txt, the entry page, the REST index, /types, /taxonomies, users, comments, 2
    # taxonomies, 1 page of posts and 1 of media, and the one page of featured images by id.
    assert result.stats["downloader/request_count"] == 12
