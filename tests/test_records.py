"""JSON to record: decoding, dates, protected content, malformed input."""

import re
from dataclasses import asdict, fields
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.items import PageItem, PostItem
from crawler.wordpress.records import (
    MalformedRecordError,
    comment_record,
    entry_record,
    linked_id,
    media_record,
    real_date,
    record_problems,
    term_record,
    user_record,
    web_url,
)


def post_record(data, *, site):
    return entry_record(data, site=site, post_type="post")


SITE = "https://e.com/"

WP_POST = {
    "id": 594,
    "date": "2021-03-19T09:48:43",
    "date_gmt": "2021-03-19T08:48:43",
    "guid": {"rendered": "https://e.com/?p=594"},
    "modified": "2021-03-20T09:00:00",
    "modified_gmt": "2021-03-20T08:00:00",
    "slug": "rock-roll",
    "status": "publish",
    "type": "post",
    "link": "https://e.com/2021/03/rock-roll/",
    "title": {"rendered": "Rock &#038; Roll&#8217;s &#8220;best&#8221; &#8212; 2024&#8230;"},
    "content": {"rendered": '<p class="x">Body</p>\n', "protected": False},
    "excerpt": {"rendered": "<p>Body [&hellip;]</p>\n", "protected": False},
    "author": 5,
    "featured_media": 593,
    "comment_status": "open",
    "ping_status": "open",
    "sticky": False,
    "template": "",
    "format": "standard",
    "meta": [],
    "categories": [17],
    "tags": [26, 44],
    "_links": {"self": [{"href": "https://e.com/wp-json/wp/v2/posts/594"}]},
}


def test_post_record_maps_every_field():
    record = post_record(WP_POST, site=SITE)
    assert isinstance(record, PostItem)
    assert asdict(record) == {
        "type": "post",
        "site": SITE,
        "id": 594,
        "link": "https://e.com/2021/03/rock-roll/",
        "slug": "rock-roll",
        "status": "publish",
        "date_gmt": "2021-03-19T08:48:43Z",
        "modified_gmt": "2021-03-20T08:00:00Z",
        "title": "Rock & Roll’s “best” — 2024…",
        "content_html": '<p class="x">Body</p>\n',
        "excerpt": "<p>Body [&hellip;]</p>\n",
        "protected": False,
        "comment_status": "open",
        "sticky": False,
        "format": "standard",
        # Filled by the cleaning pipeline and the join (which reads the ids in the REST object):
        "content_text": "",
        "content_markdown": None,
        "content_raw": None,
        "title_raw": None,
        "content_source": None,
        "word_count": 0,
        "links": [],
        "images": [],
        "author": None,
        "categories": [],
        "tags": [],
        "terms": {},
        "featured_media": None,
        "comment_count": 0,
        # No translation or SEO plugin; no registered meta (WordPress sends [] for none):
        "language": None,
        "translations": None,
        "meta": {},
        "acf": None,
        "seo": None,
        "extra": None,
        "change": None,
        "source": "rest",
        "missing": [],
    }
    assert (linked_id(WP_POST, "author"), linked_id(WP_POST, "featured_media")) == (5, 593)
    assert "parent" not in {f.name for f in fields(record)}  # pages' fields stay out of posts


NULL_ONLY_WITHOUT_REST = {  # field -> what a REST record holds when the site sent nothing
    "title": "", "content_html": "", "content_text": "", "excerpt": "", "word_count": 0,
    "protected": False, "comment_count": 0, "sticky": False, "alt_text": "", "caption": "",
    "name": "", "description": "", "author_name": "",
}  # fmt: skip


@pytest.mark.parametrize(
    "build",
    [post_record, media_record, term_record, user_record, comment_record,
     lambda data, site: entry_record(data, site=site, post_type="page"),
     lambda data, site: entry_record(data, site=site, post_type="event")],
)  # fmt: skip
@pytest.mark.parametrize("data", [{"id": 7}, {"id": 7, "title": None, "name": 3, "content": []}])
def test_rest_records_say_rest_and_keep_their_defaults(build, data):
    """A REST record never has a null where a fallback record may: the site sent nothing, and
    the field keeps its empty value, as before ``source`` and ``missing`` existed."""
    record = asdict(build(data, site=SITE))
    assert (record["source"], record["missing"]) == ("rest", [])
    held = {name: record[name] for name in NULL_ONLY_WITHOUT_REST if name in record}
    assert held == {name: NULL_ONLY_WITHOUT_REST[name] for name in held}
    assert held  # every class has some


def test_a_record_class_rejects_an_unknown_field():
    with pytest.raises(TypeError, match="titel"):
        PostItem(site=SITE, id=1, titel="typo")


def test_protected_post_exports_no_content():
    data = {
        **WP_POST,
        "content": {"rendered": "<p>secret</p>", "protected": True},
        "excerpt": {"rendered": "<p>secret</p>", "protected": True},
    }
    record = post_record(data, site=SITE)
    assert record.protected is True
    assert record.content_html == ""
    assert record.excerpt == ""


def test_missing_and_odd_values_are_tolerated():
    data = {
        "id": 3,
        "featured_media": 0,
        "author": None,
        "title": "plain",
        "date_gmt": None,
        "categories": None,
    }
    record = post_record(data, site=SITE)
    assert linked_id(data, "featured_media") is None
    assert linked_id(data, "author") is None
    assert record.title == "plain"
    assert record.date_gmt is None
    assert record.categories == []


@pytest.mark.parametrize("data", [{"title": "no id"}, {"id": "5"}, {"id": True}, ["id", 5], None])
def test_malformed_records_raise(data):
    with pytest.raises(MalformedRecordError):
        post_record(data, site=SITE)


def test_page_record_keeps_its_place_in_the_hierarchy():
    data = {**WP_POST, "type": "page", "parent": 12, "menu_order": 3}
    item = entry_record(data, site=SITE, post_type="page")
    assert isinstance(item, PageItem)
    assert (item.type, item.parent, item.menu_order) == ("page", 12, 3)


def test_media_record_tolerates_missing_metadata():
    record = media_record({"id": 4, "media_details": {}, "caption": {"rendered": ""}}, site=SITE)
    assert (record.width, record.height, record.sizes) == (None, None, {})
    record = media_record({"id": 5, "media_details": [], "post": None}, site=SITE)
    assert record.post is None


def test_term_user_and_comment_records_are_decoded():
    term = term_record(
        {
            "id": 1,
            "name": "Caf&eacute; &amp; Bar",
            "taxonomy": "post_tag",
            "description": "<p>All about &lt;coffee&gt;</p>",
        },
        site=SITE,
    )
    assert (term.name, term.description) == ("Café & Bar", "All about <coffee>")
    user = user_record({"id": 3, "name": "John O&#8217;Neil", "url": ""}, site=SITE)
    assert (user.name, user.url) == ("John O’Neil", None)
    comment = comment_record(
        {
            "id": 8,
            "post": 5,
            "parent": 0,
            "author_name": "A &amp; B",
            "date_gmt": "2024-01-01T00:00:00",
            "content": {"rendered": "<p>x</p>"},
        },
        site=SITE,
    )
    assert comment.parent is None
    assert comment.author_name == "A & B"
    assert comment.date_gmt == "2024-01-01T00:00:00Z"


@pytest.mark.parametrize("build", [media_record, term_record, user_record, comment_record])
@pytest.mark.parametrize("data", [{"title": "no id"}, "junk", None, ["id", 1]])
def test_every_builder_rejects_what_is_not_a_record(build, data):
    with pytest.raises(MalformedRecordError):
        build(data, site=SITE)


# What the site sends is validated (issue 10) ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-29T12:00:00", "2024-02-29T12:00:00Z"),
        ("2024-05-01T10:00:00+02:00", "2024-05-01T10:00:00Z"),  # *_gmt: the offset is noise
        ("9999-99-99T99:99:99", None),
        ("2023-02-29T00:00:00", None),
        ("2024-01-01T24:00:00", None),
        ("0000-00-00T00:00:00", None),  # WordPress's "no date"
        ("0999-12-31T23:59:59", None),
        ("3000-01-01T00:00:00", None),  # would hold back the mark for ever
        ("2024-01-01", None),
        (20240101, None),
    ],
)
def test_dates_are_parsed_for_real(value, expected):
    record = post_record({"id": 1, "modified_gmt": value, "date_gmt": value}, site=SITE)
    assert record.modified_gmt == expected
    assert record.date_gmt == expected
    assert record_problems(record).get("invalid_dates", 0) == (0 if expected else 2)


UNSAFE_URLS = [
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "/relative/path",
    "//e.com/no-scheme",
    "http://",
    "https://[::1/broken",
    "https://e.com/\x1b[31m",
    ["https://e.com/"],
]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_url_fields_are_only_absolute_http_urls(url):
    post = post_record({**WP_POST, "link": url}, site=SITE)
    media = media_record(
        {
            "id": 9,
            "link": url,
            "source_url": url,
            "media_details": {"sizes": {"thumbnail": {"source_url": url, "width": 1}}},
        },
        site=SITE,
    )
    user = user_record({"id": 3, "url": url, "link": url}, site=SITE)
    assert (post.link, media.link, media.source_url, media.sizes) == (None, None, None, {})
    assert (user.url, user.link) == (None, None)
    assert record_problems(post) == {"invalid_urls": 1}
    assert record_problems(media) == {"invalid_urls": 3}
    assert record_problems(user) == {"invalid_urls": 2}


def test_http_urls_are_kept_as_sent():
    url = "HTTPS://e.com/a%20b/?p=1#x"
    media = media_record(
        {"id": 9, "source_url": url, "media_details": {"sizes": {"s": {"source_url": url}}}},
        site=SITE,
    )
    assert media.source_url == url
    assert media.sizes["s"].source_url == url
    assert not record_problems(media)


def test_lone_surrogates_are_replaced_in_every_string():
    lone = chr(0xDC00)
    data = {
        **WP_POST,
        "title": {"rendered": f"T{lone}"},
        "slug": f"s{lone}",
        "content": {"rendered": f"<p>{lone}</p>", "protected": False},
        "excerpt": {"rendered": lone},
        "format": lone,
    }
    record = post_record(data, site=SITE)
    values = asdict(record)
    assert (values["title"], values["slug"], values["format"]) == ("T\ufffd", "s\ufffd", "\ufffd")
    assert values["content_html"] == "<p>\ufffd</p>"
    assert record_problems(record) == {"surrogates_replaced": 5}
    sizes = media_record(
        {"id": 9, "media_details": {"sizes": {f"n{lone}": {"source_url": "https://e.com/a"}}}},
        site=SITE,
    ).sizes
    assert list(sizes) == ["n\ufffd"]
    for value in (values, {k: str(v) for k, v in sizes.items()}):
        str(value).encode("utf-8")  # no UnicodeEncodeError


def test_problems_travel_outside_the_record_fields():
    record = post_record({"id": 1, "link": "javascript:x"}, site=SITE)
    assert record_problems(record) == {"invalid_urls": 1}
    assert "invalid_urls" not in str(asdict(record))
    assert not record_problems(post_record(WP_POST, site=SITE))
    assert not record_problems(PostItem(site=SITE, id=1))


@pytest.mark.parametrize(
    "record_id", [0, -5, 2**63, 10**5000], ids=["0", "-5", "2**63", "10**5000"]
)
def test_ids_out_of_range_are_malformed(record_id):
    with pytest.raises(MalformedRecordError, match="out of range"):
        post_record({"id": record_id}, site=SITE)


def test_numbers_out_of_range_are_null():
    huge = 10**5000
    record = entry_record(
        {"id": 1, "parent": huge, "menu_order": -huge}, site=SITE, post_type="page"
    )
    assert (record.parent, record.menu_order) == (None, None)
    media = media_record({"id": 2, "media_details": {"width": huge, "height": 5}}, site=SITE)
    assert (media.width, media.height) == (None, 5)
    assert term_record({"id": 3, "count": huge}, site=SITE).count is None


# The fast paths of the validators decide exactly as the general rule ------------------------

_URLISH = st.text(
    alphabet=st.sampled_from(list("hHtTpPsS:/?#@[]%.-_~aZ09 \t\x00\x7f\x85\u00e9")), max_size=30
)


def _web_url_rule(value: str) -> str | None:
    """The rule of ``web_url``: an http(s) URL with a host, no controls, no space."""
    url = value.strip()
    if not url or re.search("[\x00-\x20\x7f-\x9f]", url):
        return None
    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return None
    return url if ok else None


@given(
    st.one_of(
        _URLISH, st.builds("http://{}".format, _URLISH), st.builds("HTTPS://{}".format, _URLISH)
    )
)
@settings(max_examples=2000, deadline=None)
def test_web_url_fast_path_follows_the_rule(value: str) -> None:
    assert web_url(value) == _web_url_rule(value)


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)), st.text(max_size=3)
)
@settings(max_examples=1000, deadline=None)
def test_real_date_follows_strptime(moment: datetime, tail: str) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    expected = text if 1000 <= moment.year < 3000 else None
    assert real_date(text + tail) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29T00:00:00",
        "2024-13-01T00:00:00",
        "2024-01-01T24:00:00",
        "2024-01-01T23:60:00",
        "2024-01-01T23:59:60",
        "0000-00-00T00:00:00",
    ],
)
def test_real_date_refuses_what_strptime_refuses(text: str) -> None:
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        refused = True
    else:
        refused = False
    assert refused
    assert real_date(text) is None
