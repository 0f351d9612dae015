"""Plugin fields on REST records (issue 13): ``meta``, ``acf``, ``seo``, ``extra``, ``language``
and ``translations``, as the site sends them, bounded, and valid against the feed schema."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from crawler.exporters import JsonLinesExporter
from crawler.wordpress import records as records_module
from crawler.wordpress.records import (
    MAX_FIELD_DEPTH,
    MAX_FIELD_NODES,
    OVERSIZED,
    entry_record,
    json_value,
    media_record,
    record_problems,
    term_record,
    user_record,
)
from tests.crawl import schema_validator

SITE = "https://e.com/"
# The shape of Yoast SEO 21's yoast_head_json on a post (trimmed), as the plugin sends it.
YOAST = {
    "title": "Rock &amp; Roll - News",
    "description": "About rock.",
    "robots": {"index": "index", "follow": "follow", "max-snippet": "max-snippet:-1"},
    "canonical": "https://e.com/rock-roll/",
    "og_locale": "en_US",
    "og_type": "article",
    "og_title": "Rock & Roll",
    "og_description": "About rock.",
    "og_url": "https://e.com/rock-roll/",
    "og_site_name": "News",
    "article_published_time": "2021-03-19T08:48:43+00:00",
    "article_modified_time": "2021-03-20T08:00:00+00:00",
    "og_image": [
        {"width": 1200, "height": 675, "url": "https://e.com/a.jpg", "type": "image/jpeg"}
    ],
    "author": "Ann",
    "twitter_card": "summary_large_image",
    "twitter_creator": "@ann",
    "twitter_misc": {"Written by": "Ann", "Est. reading time": "2 minutes"},
    "schema": {
        "@context": "https://schema.org",
        "@graph": [{"@type": "Article", "headline": "Rock"}],
    },
}


def wp_post(**extra):
    return {"id": 5, "link": "https://e.com/rock-roll/", "title": {"rendered": "Rock"}, **extra}


def exported(record):
    line = JsonLinesExporter.fast_line(record)
    return json.loads(line if line is not None else json.dumps(ItemAdapter(record).asdict()))


def test_plugin_fields_are_exported_as_sent_and_validate():
    acf = {"hero": 593, "gallery": [12, 13], "group": {"note": "<b>x</b>", "n": 1.5, "off": False}}
    record = entry_record(
        wp_post(meta={"subtitle": "A &amp; B", "footnotes": ""}, acf=acf, yoast_head_json=YOAST,
                yoast_head="<title>x</title>", price="9.90", lang="en",
                translations={"en": 5, "fr": 9}),
        site=SITE, extra_fields=("price", "stock"),
    )  # fmt: skip
    line = exported(record)
    assert line["meta"] == {"subtitle": "A &amp; B", "footnotes": ""}
    assert line["acf"] == acf  # ids stay ids
    assert line["extra"] == {"price": "9.90"}
    assert (line["language"], line["translations"]) == ("en", {"en": 5, "fr": 9})
    seo = line["seo"]
    for name in ("title", "description", "robots", "canonical", "og_type", "og_title", "schema",
                 "article_published_time", "article_modified_time", "twitter_card", "twitter_misc",
                 "twitter_creator"):  # fmt: skip
        assert seo[name] == YOAST[name], name
    assert seo["og_image"] == YOAST["og_image"]
    assert seo["twitter_title"] is None
    assert "yoast_head" not in json.dumps(line)
    assert list(schema_validator("posts").iter_errors(line)) == []


@pytest.mark.parametrize(
    ("build", "feed", "data"),
    [
        (term_record, "terms", {"id": 3, "name": "News", "taxonomy": "category"}),
        (user_record, "users", {"id": 2, "name": "Ann"}),
        (media_record, "media", {"id": 9, "source_url": "https://e.com/a.jpg"}),
    ],
)
def test_terms_users_and_media_carry_them_too(build, feed, data):
    record = build(
        {**data, "meta": [], "acf": {"color": "#fff"}, "yoast_head_json": YOAST}, site=SITE
    )
    line = exported(record)
    assert (line["meta"], line["acf"], line["seo"]["canonical"]) == (
        {},
        {"color": "#fff"},
        YOAST["canonical"],
    )
    assert list(schema_validator(feed).iter_errors(line)) == []


def test_absent_fields_are_null():
    line = exported(entry_record(wp_post(), site=SITE))
    assert [line[n] for n in ("language", "translations", "meta", "acf", "seo", "extra")] == [
        None
    ] * 6


def test_hostile_plugin_fields_are_bounded_and_counted():
    deep = inner = {}
    for _ in range(MAX_FIELD_DEPTH + 5):
        inner["x"] = inner = {}
    huge = {"rows": list(range(MAX_FIELD_NODES + 1))}
    head = {**YOAST, "canonical": "javascript:alert(1)", "og_image": [{"url": "data:x"}] * 500,
            "schema": deep}  # fmt: skip
    record = entry_record(wp_post(acf=huge, meta=deep, yoast_head_json=head, yoast_head="x" * 10**6),
                          site=SITE)  # fmt: skip
    assert (record.acf, record.meta, record.seo.schema, record.seo.canonical) == (None,) * 4
    assert len(record.seo.og_image) == 100
    assert {i.url for i in record.seo.og_image} == {None}
    assert record_problems(record)[OVERSIZED] == 3
    assert list(schema_validator("posts").iter_errors(exported(record))) == []


def test_translations_of_wpml():
    record = entry_record(
        wp_post(wpml_current_locale="de_DE", wpml_translations=[
            {"locale": "en_US", "id": 4, "post_title": "x", "href": "https://e.com/x/"}, "junk"]),
        site=SITE,
    )  # fmt: skip
    assert (record.language, record.translations) == ("de_DE", {"en_US": 4})


# The C path of json_value: the Python walk's result, for every value -----------------------

_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # beyond 64 bits: the walk's
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(blacklist_categories=())),  # lone surrogates too
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=6),
    ),
    max_leaves=60,
)


def _walked(value: object) -> object:
    """The Python walk alone: the ground truth of json_value."""
    try:
        return records_module._json_copy(value, records_module._Budget(), 0)
    except records_module._TooLarge:
        return None


def _nested(depth: int) -> object:
    value: object = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES)
def test_json_value_copies_what_the_walk_copies(value):
    copied = json_value(value)
    assert json.dumps(copied, allow_nan=True) == json.dumps(_walked(value), allow_nan=True)
    if isinstance(value, dict | list):
        assert copied is not value


@pytest.mark.parametrize(
    "value",
    [
        _nested(MAX_FIELD_DEPTH),
        _nested(MAX_FIELD_DEPTH + 1),
        # More brackets than levels: the depth is found by the walk over the containers.
        {"deep": _nested(MAX_FIELD_DEPTH - 1), "wide": [[] for _ in range(40)]},
        {"deep": _nested(MAX_FIELD_DEPTH), "wide": [[] for _ in range(40)]},
        list(range(MAX_FIELD_NODES - 1)),
        ["x" * 10] * 2_000,
        {"n": [float("nan"), float("inf")], "s": "a\ud800b", 1: "int key"},
    ],
    ids=["deepest", "too deep", "deepest, wide", "too deep, wide", "most values", "long", "odd"],
)
def test_json_value_keeps_the_bounds_at_their_edges(value):
    assert json.dumps(json_value(value)) == json.dumps(_walked(value))
    assert (json_value(value) is None) == (_walked(value) is None)


def test_the_orjson_copy_takes_every_value_within_the_bounds():
    """The C path is taken up to the bounds themselves, not only short of them."""
    wide = [[] for _ in range(40)]  # more brackets than levels: the walk finds the depth
    for value in (_nested(MAX_FIELD_DEPTH), {"deep": _nested(MAX_FIELD_DEPTH - 1), "wide": wide}):
        assert records_module._fast_copy(value) == _walked(value)
    for value in (_nested(MAX_FIELD_DEPTH + 1), {"deep": _nested(MAX_FIELD_DEPTH), "wide": wide}):
        assert records_module._fast_copy(value) is records_module._NOT_COPIED
