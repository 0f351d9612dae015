"""REST blocked on the real WordPress: the switches, and the crawl that falls back to sitemaps,
the Atom feed and the pages themselves (issue 12).

First the switches of the test site (``WordPressSite.rest_blocked``), proven with plain HTTP:
what the Disable REST API plugin, Wordfence's user block, a Cloudflare wall on the REST paths
and a rate limiter answer, in each permalink mode, and that the site is open again afterwards.

Then the crawl with ``-a source=auto`` while REST is blocked, against two references that do
not come from the crawler's fallback code: the database (which records exist: every published
post, page and event, non-empty term, author and approved comment, exactly once) and a REST
crawl of the same site in the same mode (every field, record by id). Fields that no core markup
shows (pages' dates, author and menu order, featured image ids, media fields pages do not show,
term counts when not derivable, slugs under plain permalinks) may be null, but then they must be
listed in the record's ``missing``. The exactness table is printed and written to
``exactness.md`` in the test's folder.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.crawl import CrawlResult, crawl
from tests.fallback_compare import Score, exactness, field_value, record_key, render_table
from wpsite import client

if TYPE_CHECKING:
    from pathlib import Path

    from wpsite.site import WordPressSite

pytestmark = pytest.mark.wordpress

MODES = ("plain", "pathinfo", "pretty")
TIMEOUT = 240  # one crawl of the 300-post site; the HTML path takes ~430 requests
FEEDS = ("posts", "pages", "events", "terms", "users", "comments", "media")
# (mode, switch) of the fallback crawls compared with the REST crawl of the same mode.
FALLBACKS = [(mode, "all") for mode in MODES] + [("pretty", "wall"), ("pretty", "content")]
FALLBACK_IDS = [f"{mode}-{block}" for mode, block in FALLBACKS]
# Sitemaps list every record; under PATHINFO permalinks WordPress has none that answers
# (test_what_each_mode_offers_without_rest), so only the posts of the feed can be listed.
LISTED = [case for case in FALLBACKS if case[0] != "pathinfo"]
LISTED_IDS = [f"{mode}-{block}" for mode, block in LISTED]


# The switches, with plain HTTP --------------------------------------------------------------


def rest_urls(site: WordPressSite, mode: str, route: str = "") -> list[str]:
    """``route`` in every spelling that reaches WordPress' REST API in ``mode``."""
    home = site.url(mode)
    spellings = {
        "plain": [f"{home}?rest_route=/{route}", f"{home}index.php?rest_route=/{route}"],
        "pathinfo": [f"{home}index.php/wp-json/{route}", f"{home}?rest_route=/{route}"],
        "pretty": [
            f"{home}wp-json/{route}",
            f"{home}index.php/wp-json/{route}",
            f"{home}?rest_route=/{route}",
        ],
    }
    return spellings[mode]


def get(url: str) -> client.Response:
    return client.get(url, accept="*/*")


def assert_rest_open(site: WordPressSite, mode: str) -> None:
    """The index in every spelling is the JSON index with wp/v2, and users are listed."""
    for url in rest_urls(site, mode):
        response = get(url)
        assert response.status == 200, url
        assert "wp/v2" in response.json()["namespaces"], url
    for url in rest_urls(site, mode, "wp/v2/users"):
        assert get(url).status == 200, url
    sitemap = sitemap_url(site, mode)
    if sitemap:
        assert USERS_SITEMAP.search(get(sitemap).body)


def assert_html_open(site: WordPressSite, mode: str) -> None:
    """Home page (with the REST discovery header), sitemap, Atom feed and a post page: 200."""
    home = get(site.url(mode))
    assert home.status == 200
    assert any('rel="https://api.w.org/"' in link for link in home.header_values("Link"))
    assert b'rel="https://api.w.org/"' in home.body
    sitemap = sitemap_url(site, mode)
    if sitemap:
        assert get(sitemap).status == 200
    feed = site.url(mode) + {"plain": "?feed=atom", "pathinfo": "index.php/feed/atom/"}.get(
        mode, "feed/atom/"
    )
    assert b"<feed" in get(feed).body
    post = site.ground_truth(mode)["posts"][0]["link"]
    assert get(post).status == 200


def sitemap_url(site: WordPressSite, mode: str) -> str | None:
    """The core sitemap index, where this server can serve it. Under pathinfo permalinks
    WordPress 6.1 redirects every sitemap URL to /wp-sitemap.xml, without the index.php/
    prefix, which a server without rewriting answers 404: such sites have no sitemap."""
    return {
        "plain": f"{site.url(mode)}?sitemap=index",
        "pretty": f"{site.url(mode)}wp-sitemap.xml",
    }.get(mode)


USERS_SITEMAP = re.compile(rb"wp-sitemap-users-1\.xml|\?sitemap=users&")


def test_what_each_mode_offers_without_rest(wordpress_site, wp_mode):
    """The inventory sources of this server, per mode, as a fallback finds them. Plain and
    pathinfo have no rewriting, so no virtual /robots.txt; pathinfo has no sitemap at all
    (WordPress 6.1 redirects every sitemap URL to /wp-sitemap.xml, which is a 404 there)."""
    home = wordpress_site.url(wp_mode)
    truth = wordpress_site.ground_truth(wp_mode)
    with wordpress_site.rest_blocked("all"):
        robots = get(f"{home}robots.txt")
        if wp_mode == "pretty":
            assert f"Sitemap: {home}wp-sitemap.xml".encode() in robots.body
        else:
            assert robots.status == 404
        # Followed through WordPress' redirect to /wp-sitemap.xml outside plain permalinks.
        index = get(f"{home}?sitemap=index")
        if wp_mode == "pathinfo":
            assert index.status == 404
            assert get(f"{home}index.php/wp-sitemap.xml").status == 404
        else:
            assert b"<sitemapindex" in index.body
        # The Atom feed, 10 a page, until a 404; and the custom type's own feed.
        pages = -(-len(truth["posts"]) // 10)
        assert get(f"{home}?feed=atom&paged={pages}").status == 200
        assert get(f"{home}?feed=atom&paged={pages + 1}").status == 404
        events = get(f"{home}?post_type=event&feed=atom").body
        assert events.count(b"<entry>") == min(10, len(truth["events"]))


def test_all_answers_as_the_disable_rest_api_plugin(wordpress_site, wp_mode):
    with wordpress_site.rest_blocked("all"):
        for route in ("", "wp/v2/posts", "wp/v2/users", "wp/v2/types"):
            for url in rest_urls(wordpress_site, wp_mode, route):
                response = get(url)
                assert response.status == 401, url
                assert response.headers.get_content_type() == "application/json"
                assert response.json() == {
                    "code": "rest_cannot_access",
                    "message": "DRA: Only authenticated users can access the REST API.",
                    "data": {"status": 401},
                }
        # The plugin leaves discovery alone: the header still points at the refused root.
        assert_html_open(wordpress_site, wp_mode)
    assert_rest_open(wordpress_site, wp_mode)


def test_content_answers_as_solid_security_restricted_access(wordpress_site, wp_mode):
    with wordpress_site.rest_blocked("content"):
        for url in rest_urls(wordpress_site, wp_mode):
            index = get(url)
            assert index.status == 200, url
            assert "wp/v2" in index.json()["namespaces"]
        for route in ("wp/v2/posts", "wp/v2/types", "wp/v2/categories"):
            for url in rest_urls(wordpress_site, wp_mode, route):
                response = get(url)
                assert response.status == 401, url
                assert response.json()["code"] == "itsec_rest_api_access_restricted"
        assert_html_open(wordpress_site, wp_mode)
    assert_rest_open(wordpress_site, wp_mode)


def test_users_answers_as_wordfence(wordpress_site, wp_mode):
    user_id = wordpress_site.ground_truth(wp_mode)["users"][0]["id"]
    with wordpress_site.rest_blocked("users"):
        for url in rest_urls(wordpress_site, wp_mode, "wp/v2/users"):
            response = get(url)
            assert response.status == 401, url
            assert response.json()["code"] == "rest_user_cannot_view"
            assert response.headers["Allow"] == "GET"
        for url in rest_urls(wordpress_site, wp_mode, f"wp/v2/users/{user_id}"):
            response = get(url)
            assert response.status == 404, url
            assert response.json()["code"] == "rest_user_invalid_id"
        for url in rest_urls(wordpress_site, wp_mode, "wp/v2/posts"):
            response = get(url)
            assert response.status == 200, url
            assert len(response.json()) == 10
        index = get(rest_urls(wordpress_site, wp_mode)[0])
        assert index.status == 200
        assert "/wp/v2/users" in index.json()["routes"]
        # Wordfence also takes the users out of the core sitemap; author archives stay.
        sitemap = sitemap_url(wordpress_site, wp_mode)
        if sitemap:
            body = get(sitemap).body
            assert not USERS_SITEMAP.search(body)
            assert b"<sitemapindex" in body
            assert b"posts-post-1" in body or b"sitemap-subtype=post&" in body
        user = wordpress_site.ground_truth(wp_mode)["users"][0]
        # ... and answers ?author=N with the theme's 404: under plain permalinks that is the
        # archive's own link, so only ?author_name=<slug> still shows it.
        assert get(f"{wordpress_site.url(wp_mode)}?author={user['id']}").status == 404
        archive = get(f"{wordpress_site.url(wp_mode)}?author_name={user['slug']}")
        assert archive.status == 200
        assert f"author-{user['id']}".encode() in archive.body
        assert get(user["link"]).status == (404 if wp_mode == "plain" else 200)
        assert_html_open(wordpress_site, wp_mode)
    assert_rest_open(wordpress_site, wp_mode)


def test_wall_is_a_cloudflare_block_page_on_the_rest_paths_only(wordpress_site, wp_mode):
    with wordpress_site.rest_blocked("wall"):
        urls = rest_urls(wordpress_site, wp_mode) + rest_urls(
            wordpress_site, wp_mode, "wp/v2/posts"
        )
        # Also the spellings this mode does not route: the WAF does not know the mode.
        urls.append(wordpress_site.url(wp_mode) + "wp-json/wp/v2/posts?per_page=1")
        for url in urls:
            response = get(url)
            assert response.status == 403, url
            assert response.headers["Server"] == "cloudflare"
            assert re.fullmatch(r"[0-9a-f]{16}-[A-Z]{3}", response.headers["CF-RAY"])
            assert response.headers.get_content_type() == "text/html"
            assert b"<title>Attention Required! | Cloudflare</title>" in response.body
            assert b"Sorry, you have been blocked" in response.body
        assert_html_open(wordpress_site, wp_mode)
        assert not (get(wordpress_site.url(wp_mode)).headers.get("CF-RAY"))
    assert_rest_open(wordpress_site, wp_mode)


def test_429_rate_limits_every_rest_spelling(wordpress_site, wp_mode):
    with wordpress_site.rest_blocked("429"):
        for url in rest_urls(wordpress_site, wp_mode) + rest_urls(
            wordpress_site, wp_mode, "wp/v2/posts"
        ):
            response = get(url)
            assert response.status == 429, url
            assert response.headers["Retry-After"] == "1"
        assert_html_open(wordpress_site, wp_mode)
    assert_rest_open(wordpress_site, wp_mode)


def refuse_users_then_raise(site: WordPressSite, kind: str) -> None:
    with site.rest_blocked(kind):
        assert get(rest_urls(site, "pretty", "wp/v2/users")[0]).status != 200
        raise RuntimeError(kind)


def test_the_site_is_open_again_when_the_block_raises(wordpress_site):
    for kind in ("all", "users", "content", "wall", "429"):
        with pytest.raises(RuntimeError, match=kind):
            refuse_users_then_raise(wordpress_site, kind)
        for mode in MODES:
            assert_rest_open(wordpress_site, mode)


def test_unknown_switches_are_refused(wordpress_site):
    with pytest.raises(ValueError, match="kind must be one of"), wordpress_site.rest_blocked("a"):
        pass


def test_one_post_page_can_fail(wordpress_site, wp_mode):
    posts = wordpress_site.ground_truth(wp_mode)["posts"]
    failing, other = posts[5], posts[6]
    with wordpress_site.failing_post(failing["id"]):
        assert get(failing["link"]).status == 500
        assert get(other["link"]).status == 200
        rest = rest_urls(wordpress_site, wp_mode, f"wp/v2/posts/{failing['id']}")[0]
        assert get(rest).status == 200
    assert get(failing["link"]).status == 200


# The crawls, made on first use and kept for the module ---------------------------------------


class Crawls:
    """One REST crawl per mode (REST open) and one fallback crawl per (mode, switch)."""

    def __init__(self, site: WordPressSite, factory: pytest.TempPathFactory) -> None:
        self.site = site
        self.factory = factory
        self._done: dict[tuple[str, str], CrawlResult] = {}

    def rest(self, mode: str) -> CrawlResult:
        """The default source (auto) with REST open: the REST crawl users get."""
        return self._crawl(mode, "none", source=None)

    def fallback(self, mode: str, block: str) -> CrawlResult:
        return self._crawl(mode, block, source="auto")

    def _crawl(self, mode: str, block: str, *, source: str | None) -> CrawlResult:
        if (mode, block) not in self._done:
            tmp_path = self.factory.mktemp(f"{mode}-{block}")
            arguments = {"source": source} if source else {}
            if block == "none":
                result = crawl(self.site.url(mode), tmp_path, timeout=TIMEOUT, **arguments)
            else:
                with self.site.rest_blocked(block):
                    result = crawl(self.site.url(mode), tmp_path, timeout=TIMEOUT, **arguments)
            self._done[mode, block] = result
        return self._done[mode, block]


@pytest.fixture(scope="module")
def crawls(wordpress_site, tmp_path_factory) -> Crawls:
    return Crawls(wordpress_site, tmp_path_factory)


def feed(result: CrawlResult, name: str) -> list[dict[str, Any]]:
    return result.feed(name, missing_ok=True)


def expected_keys(truth: dict[str, Any]) -> dict[str, set[Any]]:
    """What the database says a fallback crawl must export, per feed (keys as in the feeds)."""
    terms = {
        (taxonomy, term["id"])
        for taxonomy, key in (("category", "categories"), ("post_tag", "tags"), ("venue", "venues"))
        for term in truth[key]
        if term["count"] > 0  # empty terms are in no sitemap and on no page
    }
    return {
        "posts": {post["id"] for post in truth["posts"]},
        "pages": {page["id"] for page in truth["pages"]},
        "events": {event["id"] for event in truth["events"]},
        "terms": terms,
        "users": {user["id"] for user in truth["users"]},
        "comments": set(truth["comments"]["approved"]),
    }


KEYS: dict[str, Any] = {"terms": ("taxonomy", "id"), "media": "source_url"}


# Whole-run facts --------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "block"), LISTED, ids=LISTED_IDS)
def test_the_fallback_crawl_succeeds_and_says_why_in_one_line(mode, block, crawls):
    result = crawls.fallback(mode, block)
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    assert not result.errors, result.errors
    assert "log_count/ERROR" not in result.stats
    said = [
        line
        for line in result.log.splitlines()
        if re.search(r"REST.*blocked", line, re.IGNORECASE) and "sitemap" in line.lower()
    ]
    assert len(said) == 1, said
    assert all(word in said[0].lower() for word in ("feed", "page")), said[0]
    why = {"all": "rest_cannot_access", "wall": "cloudflare", "content": "itsec_rest_api_access"}
    assert why[block] in said[0].lower(), said[0]
    fallback_stats = {k: v for k, v in result.stats.items() if k.startswith("wordpress/fallback/")}
    for name in ("posts", "pages", "events", "terms", "users", "comments"):
        # Counted by type and source: "post" (or "posts") and "html" in the key.
        # Custom types may be counted under their record class's feed, "custom-types".
        names = (name.removesuffix("s"), "custom-type") if name == "events" else (name[:-1],)
        counted = [
            v for k, v in fallback_stats.items() if any(n in k for n in names) and "html" in k
        ]
        assert counted, (name, sorted(fallback_stats))
        assert all(isinstance(v, int) and v > 0 for v in counted), (name, fallback_stats)


@pytest.mark.parametrize(("mode", "block"), LISTED, ids=LISTED_IDS)
def test_every_published_record_is_exported_exactly_once(mode, block, crawls, wordpress_site):
    result = crawls.fallback(mode, block)
    truth = wordpress_site.ground_truth(mode)
    hidden = {i for ids in truth["non_public"].values() for i in ids}
    for name, expected in expected_keys(truth).items():
        keys = [record_key(record, KEYS.get(name, "id")) for record in feed(result, name)]
        assert len(keys) == len(set(keys)), f"duplicates in {name}"
        assert set(keys) == expected, (name, sorted(set(keys) ^ expected, key=str)[:20])
        if name in ("posts", "pages", "events"):
            assert not set(keys) & hidden, f"drafts, private, pending, future or trash in {name}"
    comments = {record["id"] for record in feed(result, "comments")}
    assert not comments & set(truth["comments"]["not_approved"])


@pytest.mark.parametrize(("mode", "block"), FALLBACKS, ids=FALLBACK_IDS)
def test_every_record_says_its_source_and_what_it_misses(mode, block, crawls):
    result = crawls.fallback(mode, block)
    for name in FEEDS:
        records = feed(result, name)
        if not (mode == "pathinfo" and name in ("pages", "events")):  # no sitemap lists them
            assert records, name
        for record in records:
            assert record["source"] == "html", (name, record.get("id"), record["source"])
            assert isinstance(record["missing"], list), (name, record.get("id"))
            for field in record["missing"]:
                # Null, or empty for lists and maps (the contract of `missing`).
                value = field_value(record, field)
                assert value in (None, [], {}), (name, record.get("id"), field, value)
    for name in FEEDS:
        for record in feed(crawls.rest(mode), name):
            assert (record["source"], record["missing"]) == ("rest", []), (name, record["id"])


# Field by field against the REST crawl of the same mode -------------------------------------

REF = ("id", "name", "slug")
ENTRY = (
    "id", "type", "link", "slug", "date_gmt", "modified_gmt", "title",
    *(f"author.{f}" for f in REF), "protected", "comment_status", "comment_count",
    *(f"featured_media.{f}" for f in ("source_url", "width", "height", "alt_text", "mime_type")),
    "content_html", "content_text", "content_markdown", "excerpt", "word_count", "links", "images",
)  # fmt: skip
TERM_REFS = tuple(f"{tax}.{f}" for tax in ("categories", "tags") for f in REF)
MEDIA_SHOWN = ("source_url", "width", "height", "alt_text", "mime_type")
MEDIA_OTHER = ("id", "slug", "link", "title", "caption", "date_gmt", "post", "author", "media_type")
FIELDS: dict[str, tuple[str, ...]] = {
    "posts": (*ENTRY, "sticky", "format", "featured_media.id", *TERM_REFS),
    "pages": (*ENTRY, "parent", "menu_order", "featured_media.id"),
    "events": (*ENTRY, "featured_media.id", *(f"terms.venue.{f}" for f in REF)),
    "terms": ("id", "name", "slug", "description", "parent", "link", "taxonomy", "count"),
    "users": ("id", "name", "slug", "description", "link", "url"),
    "comments": ("id", "post", "parent", "author_name", "date_gmt", "content_html", "content_text"),
    "media": (*MEDIA_SHOWN, *MEDIA_OTHER),
}


def may_be_null(name: str, field: str, mode: str, rest_record: dict[str, Any]) -> bool:
    """Whether the fallback may leave ``field`` null (listed in ``missing``): the doc's list of
    what no core markup shows, and nothing else."""
    if field == "featured_media.id":
        return True  # only known when the image is also in the content as wp-image-N
    if name in ("posts", "pages", "events"):
        if field == "slug" and mode == "plain":
            return True  # links are ?p=ID: the slug is nowhere on the page
        if field.startswith("featured_media.") and rest_record.get("protected"):
            return True  # core hides the thumbnail of a password-protected post
    if name == "posts" and field == "categories.slug" and mode == "plain":
        return True  # category links are ?cat=N and classes drop %xx: non-ASCII slugs are lost
    if (
        name == "posts"
        and mode == "pathinfo"
        and field.split(".", maxsplit=1)[0] in ("categories", "tags")
    ):
        return field not in {"categories.id", "tags.id"}  # archives the site 404s
    if name == "pages":
        return field in ("date_gmt", "modified_gmt", "menu_order") or field.startswith("author.")
    if name == "terms":
        # Without pretty links the parent is not in the archive's URL, nor a %xx slug anywhere.
        return field == "count" or (mode == "plain" and field in ("parent", "slug"))
    if name == "users":
        return field == "url"  # only in Atom entries: unknown for authors of pages only
    if name == "media":
        return field not in MEDIA_SHOWN
    return False


def listed_missing(record: dict[str, Any], field: str) -> bool:
    """``field`` or one of its parents (``author`` for ``author.id``) is in ``missing``."""
    parts = field.split(".")
    return any(".".join(parts[:n]) in record.get("missing", []) for n in range(1, len(parts) + 1))


def equal_but_nulls(found: Any, expected: Any) -> bool:
    """A list that holds null where ``expected`` has a value, and equals it elsewhere."""
    if not isinstance(found, list) or not isinstance(expected, list) or None not in found:
        return False
    if len(found) != len(expected):
        return False
    left = list(expected)
    for item in found:
        if item is not None:
            if item not in left:
                return False
            left.remove(item)
    return True


def database_dates(truth: dict[str, Any]) -> dict[tuple[str, int, str], str]:
    """GMT dates as stored, where REST (WordPress 6.1) shifts those in the DST gap by an hour:
    a fallback that reads the page or the feed gets the stored one, which is right."""
    dates = {}
    for name, records in (("posts", truth["posts"]), ("events", truth["events"]),
                          ("comments", truth["comments"]["all"])):  # fmt: skip
        for record in records:
            for field in ("date_gmt", "modified_gmt"):
                if record.get(f"{field}_db"):
                    dates[name, record["id"], field] = record[f"{field}_db"] + "Z"
    return dates


def compare(
    name: str,
    rest: list[dict[str, Any]],
    fallback: list[dict[str, Any]],
    mode: str,
    *,
    stored_dates: dict[tuple[str, int, str], str] | None = None,
    slugless_terms: set[int] | None = None,
) -> list[str]:
    """Every field that differs from REST other than by an allowed, declared null (or by
    REST's own DST-gap shift, when the fallback has the date as stored). A term linked from
    a record with a null slug is declared by the term's own record (``missing`` holds
    ``slug``): `missing` names a record's own fields, not those inside its lists."""
    key = KEYS.get(name, "id")
    by_key = {record_key(record, key): record for record in fallback}
    problems = []
    for record in rest:
        other = by_key.get(record_key(record, key))
        if other is None:
            # Pages show only some media; empty terms are in no sitemap and on no page.
            if name != "media" and not (name == "terms" and record.get("count") == 0):
                problems.append(f"{name} {record_key(record, key)}: not exported")
            continue
        for field in FIELDS[name]:
            expected, found = field_value(record, field), field_value(other, field)
            if found == expected:
                continue
            if found is not None and found == (stored_dates or {}).get((name, record["id"], field)):
                continue
            nulls = found is None or equal_but_nulls(found, expected)
            if nulls and may_be_null(name, field, mode, record):
                if field in ("categories.slug", "tags.slug", "categories.name", "tags.name"):
                    refs = other[field.split(".")[0]]
                    unknown = {ref["id"] for ref in refs if ref[field.split(".")[1]] is None}
                    if not unknown <= (slugless_terms or set()):
                        problems.append(
                            f"{name} {record_key(record, key)}: {field} null, "
                            "and the term's record does not say so"
                        )
                    continue
                if not listed_missing(other, field):
                    problems.append(
                        f"{name} {record_key(record, key)}: {field} null, not in missing"
                    )
                continue
            problems.append(
                f"{name} {record_key(record, key)}: {field} {found!r:.80} != REST {expected!r:.80}"
            )
    return problems


# Nothing of this seed has a value there: no featured image on pages or events, and events
# do not support comments.
NEVER_SET = {
    "pages": {f for f in FIELDS["pages"] if f.startswith("featured_media.")},
    "events": {"comment_status"} | {f for f in FIELDS["events"] if f.startswith("featured_media.")},
}


def test_every_compared_field_has_values_in_the_rest_export(crawls):
    """A misspelt or renamed field would compare null with null and always pass."""
    result = crawls.rest("pretty")
    for name in FEEDS:
        records = feed(result, name)
        assert records, name
        unset = {f for f in FIELDS[name] if all(field_value(r, f) is None for r in records)}
        assert unset == NEVER_SET.get(name, set()), name


@pytest.mark.parametrize(("mode", "block"), FALLBACKS, ids=FALLBACK_IDS)
def test_fallback_records_equal_the_rest_records_field_by_field(
    mode, block, crawls, wordpress_site, tmp_path: Path
):
    rest, fallback = crawls.rest(mode), crawls.fallback(mode, block)
    assert rest.returncode == 0, rest.log[-3000:]
    stored_dates = database_dates(wordpress_site.ground_truth(mode))
    tables, problems = [], []
    slugless = {t["id"] for t in feed(fallback, "terms") if "slug" in t["missing"]}
    if mode == "pathinfo":
        # The site answers 404 for its own non-ASCII archive links there (counted as gone):
        # a record then carries such a term's id alone, and no term record says more.
        read = {t["id"] for t in feed(fallback, "terms")}
        slugless |= {t["id"] for t in feed(rest, "terms")} - read
    for name in FEEDS:
        rest_records, fallback_records = feed(rest, name), feed(fallback, name)
        if name == "terms":  # empty terms are in no sitemap and on no page
            rest_records = [r for r in rest_records if r.get("count") != 0]
        if mode == "pathinfo":  # only what the feed lists (presence: the test above)
            exported = {record_key(r, KEYS.get(name, "id")) for r in fallback_records}
            rest_records = [
                r for r in rest_records if record_key(r, KEYS.get(name, "id")) in exported
            ]
        scores = exactness(rest_records, fallback_records, FIELDS[name], key=KEYS.get(name, "id"))
        if name == "media":  # only the media the pages show: score those
            shown = {record_key(r, "source_url") for r in fallback_records}
            shown_rest = [r for r in rest_records if r.get("source_url") in shown]
            scores = exactness(shown_rest, fallback_records, FIELDS[name], key="source_url")
        tables.append(render_table(scores, title=f"{name} ({mode}, REST blocked: {block})"))
        problems += compare(
            name,
            rest_records,
            fallback_records,
            mode,
            stored_dates=stored_dates,
            slugless_terms=slugless,
        )
    table = "\n\n".join(tables) + "\n"
    (tmp_path / "exactness.md").write_text(table, encoding="utf-8")
    print(f"\n{table}")
    assert not problems, f"{len(problems)} differences, first ones:\n" + "\n".join(problems[:30])


@pytest.mark.parametrize(("mode", "block"), LISTED, ids=LISTED_IDS)
def test_media_are_those_the_pages_show(mode, block, crawls):
    rest, fallback = crawls.rest(mode), crawls.fallback(mode, block)
    rest_media = {record["source_url"]: record for record in feed(rest, "media")}
    urls = [record["source_url"] for record in feed(fallback, "media")]
    assert len(urls) == len(set(urls)), "a media file exported twice"
    assert set(urls) <= set(rest_media), sorted(set(urls) - set(rest_media))[:10]
    featured = {
        post["featured_media"]["source_url"]
        for name in ("posts", "pages", "events")
        for post in feed(rest, name)
        if post.get("featured_media") and not post["protected"]
    }
    assert featured <= set(urls), sorted(featured - set(urls))[:10]


def score_line(scores: dict[str, Score]) -> str:
    return ", ".join(f"{field} {s.equal}/{s.total}" for field, s in scores.items())


# Per-collection fallback: only users refused (Wordfence) ---------------------------------------


def test_only_users_refused_reads_posts_from_rest_and_authors_from_their_archives(
    crawls, wordpress_site
):
    result = crawls.fallback("pretty", "users")
    rest = crawls.rest("pretty")
    truth = wordpress_site.ground_truth("pretty")
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    assert not result.errors, result.errors
    posts = feed(result, "posts")
    assert sorted(record["id"] for record in posts) == sorted(p["id"] for p in truth["posts"])
    assert {record["source"] for record in posts} == {"rest"}
    users = feed(result, "users")
    # Each author is found through the page of one of their records that names its author:
    # posts and events here. An author of pages only (the administrator) is on no such page
    # (the theme prints none on pages) and Wordfence removes the users sitemap: not found.
    authors = {post["author"] for post in truth["posts"]} | {
        event["author"] for event in truth["events"]
    }
    expected = sorted(u["id"] for u in truth["users"] if u["id"] in authors)
    assert len(expected) == len(truth["users"]) - 1
    assert sorted(user["id"] for user in users) == expected
    assert {user["source"] for user in users} == {"html"}
    scores = exactness(feed(rest, "users"), users, FIELDS["users"])
    print("\nusers from author archives:", score_line(scores))
    rest_users = [u for u in feed(rest, "users") if u["id"] in authors]
    assert compare("users", rest_users, users, "pretty") == []
    for name in ("pages", "events", "terms", "comments", "media"):
        assert {record["source"] for record in feed(result, name)} == {"rest"}, name


# SEO-plugin metadata: the dates core does not print -------------------------------------------


def test_pages_dates_from_seo_metadata_equal_the_rest_crawl(crawls, wordpress_site, tmp_path):
    """With the site printing what Yoast SEO prints on pages (its JSON-LD graph, OpenGraph),
    a crawl without REST gives every page the date_gmt and modified_gmt of the REST crawl,
    not listed in ``missing`` (without it they are null: core prints no date on pages)."""
    rest = {record["id"]: record for record in feed(crawls.rest("pretty"), "pages")}
    with wordpress_site.seo_metadata(), wordpress_site.rest_blocked("all"):
        result = crawl(wordpress_site.url("pretty"), tmp_path, timeout=TIMEOUT, source="auto")
    assert result.returncode == 0, result.log[-3000:]
    pages = feed(result, "pages")
    assert sorted(record["id"] for record in pages) == sorted(rest)
    for record in pages:
        assert record["source"] == "html"
        for field in ("date_gmt", "modified_gmt"):
            assert record[field] == rest[record["id"]][field], (record["id"], field)
            assert field not in record["missing"], (record["id"], field)
    without = feed(crawls.fallback("pretty", "all"), "pages")
    assert all(record["date_gmt"] is None for record in without)


# Failures ------------------------------------------------------------------------------------


def test_a_post_page_that_fails_is_named_and_fails_the_crawl(wordpress_site, tmp_path):
    truth = wordpress_site.ground_truth("pretty")
    failing = truth["posts"][7]
    with wordpress_site.rest_blocked("all"), wordpress_site.failing_post(failing["id"]):
        result = crawl(
            wordpress_site.url("pretty"),
            tmp_path,
            timeout=TIMEOUT,
            source="auto",
            settings={"RETRY_TIMES": 0},
        )
    assert result.returncode == 1, result.log[-3000:]
    assert "Traceback" not in result.log
    # One line of the crawler's own (Scrapy's retry middleware may name the URL too).
    naming = [
        line
        for line in result.log.splitlines()
        if failing["link"] in line
        and re.search(r"\] (WARNING|ERROR):", line)
        and not re.search(r"\[scrapy[.\]]", line)
    ]
    assert len(naming) == 1, naming
    assert result.stats.get("wordpress/incomplete") is True
    # Everything else is exported, from the pages; the failed post at most as what the sitemap
    # and feed know, never as if its page had been read.
    posts = {record["id"]: record for record in feed(result, "posts") if record["id"] is not None}
    others = {post["id"] for post in truth["posts"]} - {failing["id"]}
    assert others <= set(posts)
    assert all(posts[i]["source"] == "html" for i in others)
    assert posts.get(failing["id"], {}).get("source") in (None, "sitemap", "feed")
    assert sorted(r["id"] for r in feed(result, "pages")) == sorted(p["id"] for p in truth["pages"])
    assert len(feed(result, "users")) == len(truth["users"])


def test_a_rate_limited_rest_api_is_not_a_reason_for_the_html_path(wordpress_site, tmp_path):
    with wordpress_site.rest_blocked("429"):
        result = crawl(
            wordpress_site.url("pretty"),
            tmp_path,
            timeout=120,
            source="auto",
            settings={"RETRY_TIMES": 1, "WORDPRESS_RETRY_AFTER_MAX": 0.2},
        )
    assert result.returncode == 1, result.log[-3000:]
    assert "Traceback" not in result.log
    assert len(result.errors) == 1, result.errors
    assert "429" in result.errors[0] or "rate" in result.errors[0].lower(), result.errors
    assert not feed(result, "posts")
    assert not any(k.startswith("wordpress/fallback/") for k in result.stats)
    # No post page was fetched: only the home page, robots.txt and the REST probes and retries.
    assert result.stats.get("downloader/request_count", 0) < 20
