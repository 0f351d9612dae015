"""What a site sends is checked before use (issue 10, "Validate what the site sends").

A LyingSite serves each bad shape, date, URL and character; every test checks the exit code,
what reached the feeds compared with what the site sent, the stats, and that the log has no
traceback and no raw escape character.
"""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING

from crawler.state.changes import RunChanges, since
from crawler.state.store import SiteState
from tests.crawl import CrawlResult, crawl, crawl_cli, schema_validator
from tests.hostile import Answer, LyingSite, paged, post

if TYPE_CHECKING:
    from pathlib import Path

TIMEOUT = 60
ESC = "\x1b"


def assert_clean_log(result: CrawlResult) -> None:
    """No traceback, and nothing a terminal would act on."""
    assert "Traceback" not in result.log, result.log[-3000:]
    assert ESC not in result.log
    assert "\x9b" not in result.log
    assert "\x07" not in result.log


def feed_lines(result: CrawlResult, name: str) -> list[str]:
    """The raw lines of a feed, as ``str.splitlines()`` splits them."""
    paths = list(result.output_dir.glob(f"**/{name}.jsonl"))
    assert len(paths) == 1, paths
    return paths[0].read_text(encoding="utf-8").splitlines()


def state_mark(tmp_path: Path) -> str | None:
    """The mark of the one state file the crawls of ``tmp_path``'s parent share."""
    files = list((tmp_path.parent / "state").glob("**/*.json"))
    assert len(files) == 1, files
    mark = json.loads(files[0].read_text(encoding="utf-8"))["mark"]
    assert mark is None or isinstance(mark, str)
    return mark


# Shapes -----------------------------------------------------------------------------------


def test_records_and_links_of_the_wrong_shape_never_raise(tmp_path):
    posts = [
        post(1, _links=["not", "a", "map"]),
        post(2, _links={"wp:term": {"taxonomy": "category", "href": "x"}}, categories=[5]),
        post(3, author=9, _embedded="not an object"),
        post(4, _links={"wp:term": [{"taxonomy": "category", "href": "http://[::1/x"}]}),
        "a string where a record should be",
        {"id": {"nested": 1}, "title": {"rendered": "no integer id"}},
        post(5, _links={"wp:term": "x"}, _embedded={"author": 7}),
    ]
    with LyingSite() as site:
        site.route("/wp-json/wp/v2/posts", paged(posts))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(r["id"] for r in result.feed("posts")) == [1, 2, 3, 4, 5]
    assert result.stats["wordpress/records_malformed"] == 2
    assert result.log.count("Skipping a malformed posts record") == 2
    by_id = {r["id"]: r for r in result.feed("posts")}
    assert by_id[2]["categories"] == []
    assert by_id[3]["author"] == {"id": 9, "name": None, "slug": None}
    assert_clean_log(result)


def test_fields_the_site_sends_null_or_wrong_keep_their_rest_value_not_null(tmp_path):
    """Null is what a record rebuilt without REST says for "its source could not tell": a REST
    record whose site sent null or junk keeps the empty value it always had, says
    ``source: rest`` with nothing ``missing``, and validates."""
    posts = [
        post(1, title=None, content=None, excerpt=None, sticky=None),
        post(2, title={"rendered": None}, content={"rendered": 7}, excerpt=[], sticky="yes"),
    ]
    with LyingSite() as site:
        site.route("/wp-json/wp/v2/posts", paged(posts))
        site.route("/wp-json/wp/v2/comments", paged([
            {"id": 3, "post": 1, "author_name": None, "content": None},
        ]))  # fmt: skip
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
    assert result.returncode == 0, result.log[-3000:]
    records = sorted(result.feed("posts"), key=lambda r: r["id"])
    assert [r["id"] for r in records] == [1, 2]
    for record in records:
        assert (record["title"], record["content_html"], record["content_text"]) == ("", "", "")
        assert (record["excerpt"], record["word_count"]) == ("", 0)
        assert record["protected"] is False
        assert (record["source"], record["missing"]) == ("rest", [])
        schema_validator("posts").validate(record)
    assert [r["sticky"] for r in records] == [False, True]  # as before: the truth of the value
    assert [r["comment_count"] for r in records] == [1, 0]
    (comment,) = result.feed("comments")
    assert (comment["author_name"], comment["content_html"], comment["content_text"]) == ("",) * 3
    assert (comment["source"], comment["missing"]) == ("rest", [])
    schema_validator("comments").validate(comment)
    assert_clean_log(result)


def test_an_index_of_the_wrong_shape_is_read_as_far_as_it_makes_sense(tmp_path):
    """``routes`` a list, endpoints and args not what WordPress sends: no feature is assumed."""
    with LyingSite() as site:
        index = {"name": {"x": 1}, "home": site.url, "namespaces": ["wp/v2", 7],
                 "routes": {"/wp/v2/posts": {"endpoints": [5, {"methods": "GET", "args": ["x"]}]},
                            "/wp/v2/pages": {"endpoints": {"GET": {}}},
                            "/wp/v2/media": {"endpoints": [{"methods": ["GET"], "args": 3}]},
                            "/wp/v2/users": "not a route"}}  # fmt: skip
        site.route("/wp-json/", lambda _: Answer(200, index))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(r["id"] for r in result.feed("posts")) == [1, 2, 3]
    assert_clean_log(result)


def test_an_index_whose_routes_is_a_list(tmp_path):
    with LyingSite() as site:
        index = {"name": "x", "home": site.url, "namespaces": ["wp/v2"], "routes": ["/wp/v2/posts"]}
        site.route("/wp-json/", lambda _: Answer(200, index))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT, incremental="true")
        again = crawl(site.url, tmp_path.parent / "run2", timeout=TIMEOUT, incremental="true")
    assert result.returncode == 0, result.log[-3000:]
    assert again.returncode == 0, again.log[-3000:]
    assert sorted(r["id"] for r in result.feed("posts")) == [1, 2, 3]
    assert_clean_log(result)
    assert_clean_log(again)


# Dates ------------------------------------------------------------------------------------


def test_a_date_that_is_not_a_date_is_null_and_never_the_mark(tmp_path):
    """``9999-99-99T99:99:99`` matches the date pattern; it must not become the mark, or
    every later run dies on it."""
    posts = [
        post(1, modified_gmt="2024-03-01T00:00:00"),
        post(2, modified_gmt="9999-99-99T99:99:99", date_gmt="2023-02-29T10:00:00"),
        post(3, modified_gmt="0000-00-00T00:00:00"),
        post(4, modified_gmt="2999-01-01T00:00:00"),  # a real date, but a bad clock
    ]
    with LyingSite() as site:
        site.route("/wp-json/wp/v2/posts", paged(posts))
        first = crawl(site.url, tmp_path / "run1", timeout=TIMEOUT, incremental="true")
        mark = state_mark(tmp_path / "run1")
        second = crawl(site.url, tmp_path / "run2", timeout=TIMEOUT, incremental="true")
    assert first.returncode == 0, first.log[-3000:]
    by_id = {r["id"]: r for r in first.feed("posts")}
    assert by_id[1]["modified_gmt"] == "2024-03-01T00:00:00Z"
    assert by_id[2]["modified_gmt"] is None
    assert by_id[2]["date_gmt"] is None
    assert by_id[3]["modified_gmt"] is None
    assert by_id[4]["modified_gmt"] == "2999-01-01T00:00:00Z"  # exported as sent, not the mark
    assert first.stats["wordpress/invalid_dates"] == 3
    assert mark == "2024-03-01T00:00:00Z"
    assert second.returncode == 0, second.log[-3000:]
    assert "Incremental run: changes since 2024-02-29T23:00:00Z" in second.log
    assert state_mark(tmp_path / "run2") == "2024-03-01T00:00:00Z"
    assert_clean_log(first)
    assert_clean_log(second)


def test_a_bad_mark_already_in_the_state_file_is_no_mark(tmp_path):
    """A state written before dates were checked: the run asks for every change and the next
    state has a real mark."""
    with LyingSite() as site:
        first = crawl(site.url, tmp_path / "run1", timeout=TIMEOUT, incremental="true")
        (state_file,) = (tmp_path / "state").glob("**/*.json")
        state = json.loads(state_file.read_text(encoding="utf-8"))
        state["mark"] = "9999-99-99T99:99:99Z"
        state_file.write_text(json.dumps(state), encoding="utf-8")
        site.posts.append(post(4, link=f"{site.url}?p=4", modified_gmt="2024-06-01T00:00:00"))
        second = crawl(site.url, tmp_path / "run2", timeout=TIMEOUT, incremental="true")
    assert first.returncode == 0, first.log[-3000:]
    assert second.returncode == 0, second.log[-3000:]
    assert [(r["id"], r["change"]) for r in second.feed("posts")] == [(4, "added")]
    assert "is not a date; asking the site for every change" in second.log
    assert state_mark(tmp_path / "run2") == "2024-06-01T00:00:00Z"
    assert_clean_log(second)


# URLs -------------------------------------------------------------------------------------


def test_urls_that_are_not_http_are_null_and_counted(tmp_path):
    with LyingSite() as site:
        media = {"id": 50, "source_url": "data:image/svg+xml,<svg onload=alert(1)>",
                 "media_details": {"sizes": {
                     "thumbnail": {"source_url": "vbscript:msgbox(1)", "width": 1},
                     "medium": {"source_url": f"{site.url}m.jpg", "width": 2}}}}  # fmt: skip
        user = {"id": 7, "name": "Ann", "slug": "ann", "url": "javascript:alert(1)"}
        posts = [
            post(1, link="javascript:alert(document.cookie)", author=7, featured_media=50),
            post(2, link=" JaVaScRiPt:alert(1)"),
            post(3, link="/relative/only"),
        ]
        index = {
            "name": "x",
            "home": "javascript:alert(1)//",
            "namespaces": ["wp/v2"],
            "routes": {},
        }
        site.route("/wp-json/", lambda _: Answer(200, index))
        site.route("/wp-json/wp/v2/posts", paged(posts))
        site.route("/wp-json/wp/v2/media", paged([media]))
        site.route("/wp-json/wp/v2/users", paged([user]))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
    assert result.returncode == 0, result.log[-3000:]
    records = {r["id"]: r for r in result.feed("posts")}
    assert [records[i]["link"] for i in (1, 2, 3)] == [None, None, None]
    assert records[1]["featured_media"]["source_url"] is None
    assert all(r["site"] == site.url for r in records.values())
    (medium,) = result.feed("media")
    assert medium["source_url"] is None
    assert medium["sizes"] == {"medium": {"source_url": f"{site.url}m.jpg", "width": 2,
                                          "height": None, "mime_type": None}}  # fmt: skip
    (author,) = result.feed("users")
    assert author["url"] is None
    assert author["site"] == site.url
    # 3 links, the media file and one of its sizes, the user's URL
    assert result.stats["wordpress/invalid_urls"] == 6
    assert "which is not an http(s) URL" in result.log
    assert_clean_log(result)


# Characters -------------------------------------------------------------------------------


def test_surrogates_and_line_separators_keep_one_record_a_line(tmp_path):
    lone = chr(0xD800)
    with LyingSite() as site:
        site.posts[0]["title"] = {"rendered": f"Lone {lone} surrogate"}
        site.posts[0]["slug"] = f"s{lone}"
        site.posts[1]["slug"] = "line\u2028separator"
        site.posts[1]["format"] = "paragraph\u2029separator"
        site.posts[2]["comment_status"] = "next\x85line"
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
    assert result.returncode == 0, result.log[-3000:]
    lines = feed_lines(result, "posts")
    assert len(lines) == 3
    records = {r["id"]: r for r in map(json.loads, lines)}
    assert records[1]["title"] == "Lone \ufffd surrogate"
    assert records[1]["slug"] == "s\ufffd"
    assert records[2]["slug"] == "line\u2028separator"
    assert records[2]["format"] == "paragraph\u2029separator"
    assert records[3]["comment_status"] == "next\x85line"
    assert result.stats["wordpress/surrogates_replaced"] == 2  # two strings
    assert "wordpress/invalid_urls" not in result.stats
    raw = "\n".join(lines)
    assert "\\u2028" in raw
    assert "\\u2029" in raw
    assert "\\u0085" in raw
    assert not {"\u2028", "\u2029", "\x85"} & set(raw)
    assert_clean_log(result)


def test_normal_text_is_written_as_before(tmp_path):
    """Only the three line breakers are escaped: other text stays byte-identical UTF-8."""
    with LyingSite(posts=0) as site:
        site.posts.append(post(1, link=f"{site.url}?p=1", title={"rendered": "Café — «ok» 😀"}))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
    assert result.returncode == 0, result.log[-3000:]
    (line,) = feed_lines(result, "posts")
    assert '"title":"Café — «ok» 😀"' in line


def test_escape_sequences_from_the_site_never_reach_the_log(tmp_path):
    evil = f"{ESC}[2J{ESC}]0;owned\x07{ESC}[31mRed\x9b1m"
    with LyingSite() as site:
        index = {"name": evil, "home": site.url, "namespaces": ["wp/v2"], "routes": {}}
        site.route("/wp-json/", lambda _: Answer(200, index))
        posts = [
            post(1),
            {"id": -1, "title": {"rendered": evil}},
            post(2, title={"rendered": evil}),
        ]
        site.route("/wp-json/wp/v2/posts", paged(posts))
        page = f"<html><head><title>{evil} fake\nERROR: injected</title></head><body></body></html>"
        site.route("/wp-json/wp/v2/categories", lambda _: Answer(200, page))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
    assert "Found the REST API of" in result.log
    assert "Skipping a malformed posts record" in result.log
    assert "Red" in result.log  # the text stays, the escapes go
    assert not any(line.startswith("ERROR: injected") for line in result.log.splitlines())
    assert "Red fake ERROR: injected" in result.log  # one line, as the site's title said
    assert_clean_log(result)
    assert sorted(r["id"] for r in result.feed("posts")) == [1, 2]


# The pieces -------------------------------------------------------------------------------


def test_the_exporter_writes_normal_text_as_scrapy_does():
    from scrapy.exporters import JsonLinesItemExporter

    from crawler.exporters import JsonLinesExporter

    item = {"title": 'Café — «ok» 😀 "q" \\ \t', "n": 1, "x": None, "l": [1, "é"]}
    ours, theirs = io.BytesIO(), io.BytesIO()
    JsonLinesExporter(ours, encoding="utf-8").export_item(item)
    JsonLinesItemExporter(theirs, encoding="utf-8", separators=(",", ":")).export_item(item)
    assert ours.getvalue() == theirs.getvalue()
    odd = io.BytesIO()
    JsonLinesExporter(odd, encoding="utf-8").export_item({"t": "a\u2028b\x85c" + chr(0xD800)})
    assert odd.getvalue() == b'{"t":"a\\u2028b\\u0085c\xef\xbf\xbd"}\n'


def test_the_log_filter_keeps_multi_line_templates_only():
    from crawler.logsafety import SafeLogFilter

    def formatted(msg: str, *args: object) -> str:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, msg, args, None)
        assert SafeLogFilter().filter(record)
        return record.getMessage()

    assert formatted("Found %s", "\x1b[1mA\nERROR: b") == "Found A ERROR: b"
    assert formatted("Found %r", "\x1b") == "Found '\\x1b'"  # repr: already escaped
    assert formatted("Stats:\n%s", "a\nb\x07") == "Stats:\na\nb"
    assert formatted("plain %d", 5) == "plain 5"


def test_since_treats_a_bad_mark_as_none():
    assert since("9999-99-99T99:99:99Z", 60) is None
    assert since("not a date", 60) is None
    assert since("2024-01-01T00:01:00Z", 60) == "2024-01-01T00:00:00Z"
    changes = RunChanges(SiteState("s", mark="9999-99-99T99:99:99Z", runs=1))
    assert changes.next_state("now").mark is None
    changes.record_exported("posts", 1, "v", "2024-01-01T00:00:00Z")
    assert changes.next_state("now").mark == "2024-01-01T00:00:00Z"


def test_a_message_that_cannot_be_formatted_is_still_one_line():
    from crawler.logsafety import SafeLogFilter

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Skipping %r", (10**5000,), None)
    assert SafeLogFilter().filter(record)
    assert record.getMessage().startswith("Skipping %r (a value in this message could not be shown")


def test_the_command_log_has_no_escape_sequences_either(tmp_path):
    """The real ``scrapy crawl``: the filter sits on the handler the command installs."""
    evil = f"{ESC}[2J{ESC}[31mRed"
    with LyingSite() as site:
        page = f"<html><head><title>{evil}</title></head><body></body></html>"
        site.route("/wp-json/wp/v2/categories", lambda _: Answer(200, page))
        result = crawl_cli(site.url, tmp_path, timeout=TIMEOUT)
    assert result.returncode == 1  # the categories page is lost
    assert '("Red")' in result.log
    assert_clean_log(result)
