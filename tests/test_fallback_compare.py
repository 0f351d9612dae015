"""The exactness table that compares a fallback crawl with a REST crawl (tests/fallback_compare)."""

from __future__ import annotations

from tests.fallback_compare import Score, exactness, field_value, render_table

REST = [
    {
        "id": 10,
        "title": "Hello",
        "author": {"id": 2, "name": "Ann", "slug": "ann"},
        "categories": [
            {"id": 5, "name": "News", "slug": "news"},
            {"id": 1, "name": "A", "slug": "a"},
        ],
        "featured_media": {"id": 77, "source_url": "http://e.test/a.jpg", "width": 800},
        "sticky": False,
        "comment_count": 0,
    },
    {
        "id": 11,
        "title": "Second",
        "author": {"id": 3, "name": "Bo", "slug": "bo"},
        "categories": [],
        "featured_media": None,
        "sticky": True,
        "comment_count": 4,
    },
    {"id": 12, "title": "Lost", "author": None, "categories": [], "featured_media": None},
]

FALLBACK = [
    {
        "id": 11,
        "title": "Second",
        "author": {"id": 3, "name": "Bo", "slug": None},
        "categories": [],
        "featured_media": None,
        "sticky": True,
        "comment_count": 3,
    },
    {
        "id": 10,
        "title": "Hello",
        "author": {"id": 2, "name": "Ann", "slug": "ann"},
        # Another order than REST: not a difference.
        "categories": [
            {"id": 1, "name": "A", "slug": "a"},
            {"id": 5, "name": "News", "slug": "news"},
        ],
        "featured_media": {"id": None, "source_url": "http://e.test/a.jpg", "width": 800},
        # False and 0 are data; only None is "could not give it".
        "sticky": None,
        "comment_count": 0,
    },
]


def test_each_field_is_scored_by_id_against_rest():
    fields = ["title", "author.slug", "categories", "featured_media.id", "sticky", "comment_count"]
    scores = exactness(REST, FALLBACK, fields)
    assert scores == {
        "title": Score(2, 3, 0),  # 12 has no fallback record: counted, never equal
        "author.slug": Score(1, 3, 1),
        "categories": Score(2, 3, 0),
        "featured_media.id": Score(1, 3, 1),  # 11: both null is equal
        "sticky": Score(1, 3, 1),
        "comment_count": Score(1, 3, 0),  # 3 is not 4, and not null either
    }


def test_nested_fields_through_lists_and_missing_parents():
    assert field_value(REST[0], "categories.slug") == ["a", "news"]
    assert field_value(REST[1], "featured_media.source_url") is None
    assert field_value(REST[0], "no.such.field") is None
    assert field_value({"sizes": {"full": {"width": 5}}}, "sizes.full.width") == 5


def test_records_without_ids_are_matched_on_another_key():
    rest = [{"id": 5, "source_url": "http://e.test/a.jpg", "alt_text": "A"}]
    html = [{"id": None, "source_url": "http://e.test/a.jpg", "alt_text": "A"}]
    assert exactness(rest, html, ["alt_text"])["alt_text"] == Score(0, 1, 0)
    assert exactness(rest, html, ["alt_text", "id"], key="source_url") == {
        "alt_text": Score(1, 1, 0),
        "id": Score(0, 1, 1),
    }
    terms = [{"taxonomy": "category", "id": 1, "name": "A"}]
    assert exactness(terms, terms, ["name"], key=("taxonomy", "id"))["name"] == Score(1, 1, 0)


def test_a_duplicate_fallback_record_does_not_hide_the_first():
    html = [*FALLBACK, {"id": 10, "title": "Wrong"}]
    assert exactness(REST, html, ["title"])["title"] == Score(2, 3, 0)


def test_the_table_is_markdown_with_one_row_per_field():
    table = render_table(exactness(REST, FALLBACK, ["title", "sticky"]), title="posts (pretty)")
    lines = table.splitlines()
    assert lines[0] == "### posts (pretty)"
    assert lines[2].startswith("| field |")
    assert lines[4] == "| title | 2/3 | 0 | 1 | 66.7 |"
    assert lines[5] == "| sticky | 1/3 | 1 | 1 | 33.3 |"
    assert render_table({"x": Score(0, 0, 0)}).splitlines()[-1] == "| x | 0/0 | 0 | 0 | - |"
