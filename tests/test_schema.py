"""The feed contract: committed schema and README field tables match the item classes."""

import hashlib
import io
import json
import re
from dataclasses import asdict, fields
from pathlib import Path

import pytest

from crawler.exporters import JsonLinesExporter, escape_line_breaks
from crawler.items import (
    RECORD_CLASSES,
    EntryItem,
    FeaturedImage,
    PostItem,
    Ref,
    TombstoneItem,
    missing_in_order,
)
from crawler.schema import (
    OPTIONAL_FIELDS,
    README,
    SCHEMA_CLASSES,
    SCHEMA_DIR,
    readme_with_fields,
    record_schema,
    render,
)
from demo.fake_wordpress import FakeWordPressServer
from tests.crawl import crawl, schema_validator

DEMO_SITE = Path(__file__).resolve().parent.parent / "demo" / "site"


@pytest.fixture(scope="module")
def schemas():
    """Each feed's schema, built once: building reads the item classes' source for their field
    docstrings, a quarter of a second per class."""
    return {feed: record_schema(item_class) for feed, item_class in SCHEMA_CLASSES.items()}


def test_committed_schemas_match_the_item_classes(schemas):
    for feed, schema in schemas.items():
        committed = (SCHEMA_DIR / f"{feed}.schema.json").read_text(encoding="utf-8")
        assert committed == render(schema), (
            f"docs/schema/{feed}.schema.json is stale: run `python -m crawler.schema`"
        )


def test_readme_documents_every_field(schemas):
    readme = README.read_text(encoding="utf-8")
    assert readme == readme_with_fields(readme), (
        "README field tables are stale: run `python -m crawler.schema`"
    )
    for schema in schemas.values():
        for name in schema["properties"]:
            assert f"| `{name}` |" in readme


def test_schema_forbids_unknown_fields_and_requires_identity():
    schema = record_schema(RECORD_CLASSES["posts"])
    assert schema["additionalProperties"] is False
    assert {"site", "id"} <= set(schema["required"])


# source and missing: null where a source other than REST could not tell ------------------

SITE = "https://e.com/"


def post_json(**fields):
    """A post record as its feed line holds it, built by the item class itself."""
    return json.loads(json.dumps(asdict(PostItem(site=SITE, id=5, **fields))))


def errors(validator, record):
    return [error.message for error in validator.iter_errors(record)]


@pytest.fixture(scope="module")
def posts():
    return schema_validator("posts")


def test_every_record_has_source_and_missing_last(schemas):
    for feed, item_class in SCHEMA_CLASSES.items():
        names = [f.name for f in fields(item_class)]
        if item_class is TombstoneItem:
            assert "source" not in names
            continue
        # Appended after change: no field exported before them moved.
        assert names[-3:] == ["change", "source", "missing"], item_class
        schema = schemas[feed]
        assert {"source", "missing"} <= set(schema["required"])
        assert schema["properties"]["source"]["enum"] == ["rest", "html", "feed", "sitemap"]
        assert "exactly the fields their source could not provide" in schema["description"]


def test_a_fallback_record_with_nulls_validates(posts):
    record = post_json(
        source="html",
        missing=["modified_gmt", "title", "comment_count", "featured_media.id"],
        title=None,
        comment_count=None,
        featured_media=FeaturedImage(id=None, source_url="https://e.com/a.jpg", width=10),
    )
    assert errors(posts, record) == []
    sitemap_only = post_json(source="sitemap", missing=["title", "content_html", "content_text",
        "excerpt", "word_count", "protected", "categories", "comment_count", "sticky"],
        title=None, content_html=None, content_text=None, excerpt=None, word_count=None,
        protected=None, comment_count=None, sticky=None)  # fmt: skip
    assert errors(posts, sitemap_only) == []


@pytest.mark.parametrize(
    ("missing", "value"),
    [
        ("title", {}),  # the default "" in place of null
        ("content_html", {}),
        ("excerpt", {}),
        ("word_count", {}),
        ("protected", {}),
        ("comment_count", {}),
        ("sticky", {}),
        ("comment_count", {"comment_count": 0}),
        ("featured_media.id", {"featured_media": FeaturedImage(id=7)}),
        ("categories", {"categories": [Ref(id=3, name="News", slug="news")]}),
    ],
)
def test_a_default_in_place_of_null_is_refused(posts, missing, value):
    assert errors(posts, post_json(source="html", missing=[missing], **value))


def test_a_rest_record_has_nothing_missing_and_no_fallback_null(posts):
    assert errors(posts, post_json()) == []
    assert errors(posts, post_json(source="rest", missing=["title"], title=None))
    assert errors(posts, post_json(title=None))  # null, and not even listed
    assert errors(posts, post_json(sticky=None))
    assert errors(posts, post_json(featured_media=FeaturedImage(id=None)))
    assert errors(posts, post_json(featured_media=FeaturedImage(id=7))) == []


def test_missing_names_real_fields_once(posts):
    assert errors(posts, post_json(source="feed", missing=["titel"]))
    assert errors(posts, post_json(source="feed", missing=["title", "title"], title=None))
    assert errors(posts, post_json(source="feed", missing=["site"]))  # always there
    assert errors(posts, post_json(source="web"))


@pytest.mark.parametrize("feed", [feed for feed in SCHEMA_CLASSES if feed != "tombstones"])
def test_each_feed_accepts_a_record_that_could_tell_nothing(schemas, feed):
    """Every field a fallback may leave out, null (lists and maps empty) and listed: valid;
    the same record claiming REST: refused."""
    item_class, properties = SCHEMA_CLASSES[feed], schemas[feed]["properties"]
    untold = [
        f.name
        for f in fields(item_class)
        if f.name not in ("type", "site", "id", "change", "source", "missing", *OPTIONAL_FIELDS)
    ]
    nulls = {name: None for name in untold if _nullable(properties[name])}
    extra = {"type": "event"} if item_class is EntryItem else {}
    record = item_class(site=SITE, id=5, source="sitemap", missing=untold, **nulls, **extra)
    validator = schema_validator(feed)
    assert errors(validator, asdict(record)) == []
    assert errors(validator, {**asdict(record), "source": "rest", "missing": []})


def _nullable(spec):
    return "null" in str(spec.get("type")) or {"type": "null"} in spec.get("anyOf", [])


def test_fallback_records_export_their_nulls_as_the_general_path_does(posts):
    """The orjson fast path of the feed exporter writes a rebuilt record's nulls and
    ``missing`` as Scrapy's exporter does, and the line validates."""
    record = PostItem(site=SITE, id=5, source="feed", missing=["content_html", "content_text",
        "word_count", "featured_media.id"], content_html=None, content_text=None, word_count=None,
        featured_media=FeaturedImage(id=None, source_url="https://e.com/a.jpg"))  # fmt: skip
    exporter = JsonLinesExporter(io.BytesIO())
    fast = JsonLinesExporter.fast_line(record)
    assert fast is not None
    assert fast == exporter.general_line(record)
    line = json.loads(fast)
    assert (line["content_html"], line["word_count"], line["featured_media"]["id"]) == (None,) * 3
    assert errors(posts, line) == []


REST_FEED_DIGESTS = {
    "comments": (286, "c51b7851fd8a0b63321fcc9fdd2670b03468b00d4e782987931e165a30bc79a4"),
    "events": (8, "03b6c45f92d58cf8a1c05d9be5ecc174c560f5947459a8c4350b24081e82ee6e"),
    "media": (137, "be84f66312c944e0901f70e291e63a4f84f72c4d2c0197ba46820cc4739e0aec"),
    "pages": (14, "aedf7b50cc418a81b1004df1ffa6ba2abfa5d60dadb634c988fcfba3cc7c7034"),
    "posts": (160, "71775c679ef1e93f384ba5d9dc25a84087f4dca70ff627c07534ac911e35be22"),
    "terms": (260, "f4d83618e199c6fe2b8e7baf18804c0d9ea47401ced19dc1389ed2303f048f06"),
    "users": (6, "859412b76ba6ad02a1264acb9c6fe1bf8d6f40d4c0db89ccacdebe564acc0e35"),
}
"""SHA-256 of each feed of a default crawl of the demo site, lines sorted, the site's origin
written ``http://site.test``, taken with the code of just before ``source`` and ``missing``
existed. A change to what REST records export must update these on purpose."""
PROVENANCE_TAIL = ', "source": "rest", "missing": []}'
ANONYMOUS_NULLS = (
    ', "title_raw": null, "content_source": null',
    ', "email": null, "roles": null, "first_name": null, "last_name": null',
)
"""Fields only authenticated crawls fill: null in every anonymous record, taken out before the
digest (every other byte stays the same)."""

MEDIA_FILES = ', "file": null, "size_files": {}'
"""The media files fields (issue 13), before ``change``: null and empty unless files are
downloaded."""
COMMENT_STATUS = ', "status": "approved"'
"""A comment's status (issue 13), before ``change``: what REST states of an approved one."""

PLUGIN_NULLS = re.compile(
    r', (?:"language": null, "translations": null, )?"meta": (?:\{[^{}]*\}|null), "acf": null, '
    r'"seo": null, "extra": null'
)
"""The plugin fields (#13) of a record of a site without plugins (the demo site: only its
events have registered meta): added later, removed before hashing, so every other byte is
compared as before."""


def test_rest_feeds_are_byte_identical_apart_from_the_two_new_fields(tmp_path):
    with FakeWordPressServer(DEMO_SITE, spelling="pathinfo") as wp:
        result = crawl(wp.home_url, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    digests = {}
    for path in sorted(result.output_dir.glob("*/*.jsonl")):
        # The feeds are compact JSON now: each line in Python's spelling, the one the digests
        # were taken in (the same values give the same bytes).
        lines = [
            escape_line_breaks(json.dumps(json.loads(line), ensure_ascii=False))
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
        assert all(line.endswith(PROVENANCE_TAIL) for line in lines), path.name
        assert all(any(nulls in line for nulls in ANONYMOUS_NULLS) for line in lines) or (
            path.stem not in ("posts", "pages", "events", "users")
        )
        assert all(PLUGIN_NULLS.search(line) for line in lines if path.stem != "comments")
        assert all(COMMENT_STATUS in line for line in lines) or path.stem != "comments"
        for nulls in ANONYMOUS_NULLS:
            lines = [line.replace(nulls, "", 1) for line in lines]
        before = sorted(
            PLUGIN_NULLS.sub("", line.removesuffix(PROVENANCE_TAIL))
            .replace(MEDIA_FILES, "")
            .replace(COMMENT_STATUS, "")
            .replace(wp.origin, "http://site.test")
            + "}"
            for line in lines
        )
        digests[path.stem] = (len(lines), hashlib.sha256("\n".join(before).encode()).hexdigest())
    assert digests == REST_FEED_DIGESTS


def test_missing_in_order_follows_the_export_order(schemas):
    for feed, item_class in SCHEMA_CLASSES.items():
        if item_class is TombstoneItem:
            continue
        allowed = schemas[feed]["allOf"][0]["properties"]["missing"]["items"]["enum"]
        assert missing_in_order(item_class, reversed(allowed)) == allowed
    names = ["sticky", "featured_media.id", "title", "title", "site.x", "<b>"]
    assert missing_in_order(PostItem, names) == ["title", "featured_media.id", "sticky"]


def test_fields_only_some_crawls_fill_are_never_named_in_missing(schemas):
    """Plugin fields, authenticated fields and media files are null when a crawl does not fill
    them, whatever its source: ``missing`` may not name them (it names what a source lacks)."""
    for feed, schema in schemas.items():
        allowed = (
            schema["allOf"][0]["properties"]["missing"]["items"]["enum"]
            if "allOf" in schema
            else []
        )
        assert not set(allowed) & set(OPTIONAL_FIELDS), feed
        assert not any(name.split(".")[0] in OPTIONAL_FIELDS for name in allowed), feed
