"""Post types and taxonomies: what is crawled, at which route."""

from crawler.wordpress.routes import ApiRoot
from crawler.wordpress.types import content_types, select, taxonomies

ROOT = ApiRoot("http://127.0.0.1:8080/index.php?rest_route=/")


def items_link(route):
    return {
        "wp:items": [
            {"href": f"http://127.0.0.1:8080/index.php?rest_route=%2F{route.replace('/', '%2F')}"}
        ]
    }


def test_core_internals_are_skipped_and_routes_come_from_the_links():
    answer = {
        "post": {
            "rest_base": "posts",
            "taxonomies": ["category", "post_tag"],
            "_links": items_link("wp/v2/posts"),
        },
        "page": {"rest_base": "pages", "hierarchical": True, "_links": items_link("wp/v2/pages")},
        "attachment": {"rest_base": "media", "_links": items_link("wp/v2/media")},
        "nav_menu_item": {"rest_base": "menu-items"},
        "wp_block": {"rest_base": "blocks"},
        "wp_template": {"rest_base": "templates"},
        "wp_navigation": {"rest_base": "navigation"},
        "product": {"rest_base": "product", "rest_namespace": "wc/v3"},  # never pluralised
    }
    found = content_types(answer, ROOT)
    assert [(c.name, c.route) for c in found] == [
        ("post", "wp/v2/posts"),
        ("page", "wp/v2/pages"),
        ("product", "wc/v3/product"),
    ]
    assert found[0].taxonomies == ("category", "post_tag")


def test_a_type_whose_link_points_elsewhere_is_not_crawled():
    answer = {
        "event": {
            "rest_base": "events",
            "_links": {"wp:items": [{"href": "https://evil.example/wp-json/wp/v2/events"}]},
        }
    }
    assert content_types(answer, ROOT) == []


def test_unusable_answers_fall_back_to_wordpress_defaults():
    assert [c.route for c in content_types(None, ROOT)] == ["wp/v2/posts", "wp/v2/pages"]
    assert [c.name for c in taxonomies({"code": "rest_forbidden", "message": "no"}, ROOT)] == [
        "category",
        "post_tag",
    ]


def test_taxonomies_skip_internals():
    answer = {
        "category": {"rest_base": "categories"},
        "nav_menu": {"rest_base": "menus"},
        "venue": {"rest_base": "venues"},
    }
    assert [t.rest_base for t in taxonomies(answer, ROOT)] == ["categories", "venues"]


def test_selection_by_rest_base_or_name():
    found = content_types({"post": {"rest_base": "posts"}, "event": {"rest_base": "events"}}, ROOT)
    assert [c.name for c in select(found, "event")] == ["event"]
    assert [c.name for c in select(found, "posts, events")] == ["post", "event"]
    assert select(found, "nothing") == []


class Counted:
    """Stands in for Scrapy's stats collector."""

    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1, start=0):
        self.values[key] = self.values.get(key, start) + count


WRONG_SHAPES = [
    [],
    "types",
    42,
    {"post": []},
    {"post": "posts"},
    {"event": {"rest_base": ["events"]}},
    {"event": {"rest_base": "events", "_links": []}},
    {"event": {"rest_base": "events", "_links": "x"}},
    {"event": {"rest_base": "events", "_links": {"wp:items": {"href": "x"}}}},
    {"event": {"rest_base": "events", "_links": {"wp:items": [None, 3, {"href": 5}]}}},
    {"event": {"rest_base": "events", "rest_namespace": ["a"]}},
    {"event": {"rest_base": "events", "taxonomies": "category"}},
    {"event": {"rest_base": "events", "taxonomies": {"a": 1}}},
    {"event": None},
]


def test_wrong_shapes_never_raise():
    for answer in WRONG_SHAPES:
        for kind in (content_types, taxonomies):
            for found in kind(answer, ROOT), kind(answer, ROOT, stats=Counted()):
                assert all(isinstance(c.rest_base, str) for c in found)
    assert (
        content_types({"event": {"rest_base": "events", "taxonomies": "category"}}, ROOT)[
            0
        ].taxonomies
        == ()
    )


def test_routes_that_are_not_plain_paths_under_the_root_are_skipped_and_counted(caplog):
    stats = Counted()
    answer = {
        "post": {"rest_base": "posts"},
        "a": {"rest_base": "%(host)s/../../x"},
        "b": {"rest_base": "ev\x00ents"},
        "c": {"rest_base": "..", "rest_namespace": "wp"},
        "d": {"rest_base": "x", "_links": {"wp:items": [{"href": "http://evil/wp-json/x"}]}},
        "e": {"rest_base": "a b"},
        "f": {"rest_base": "x" * 600},
    }
    found = content_types(answer, ROOT, stats=stats)
    assert [c.name for c in found] == ["post"]
    assert stats.values == {"wordpress/catalog_skipped": 6}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2  # one per reason, not one per type
    assert "\x00" not in "".join(warnings)


def test_a_type_never_takes_the_key_of_a_core_collection():
    answer = {
        "news": {"rest_base": "posts", "rest_namespace": "evil/v1"},  # listed before post
        "post": {"rest_base": "posts"},
        "page": {"rest_base": "pages"},
        "people": {"rest_base": "users"},
        "pics": {"rest_base": "media", "rest_namespace": "x/v1"},
        "cats": {"rest_base": "categories"},
        "impostor": {"rest_base": "pages", "rest_namespace": "wp/v2"},
        "user": {"rest_base": "people"},  # its records would be mixed with the users'
    }
    stats = Counted()
    found = content_types(answer, ROOT, stats=stats)
    assert [(c.name, c.route) for c in found] == [("post", "wp/v2/posts"), ("page", "wp/v2/pages")]
    assert stats.values == {"wordpress/catalog_skipped": 6}


def test_the_same_key_twice_keeps_the_first_only():
    answer = {
        "event": {"rest_base": "events", "rest_namespace": "a/v1"},
        "event2": {"rest_base": "events", "rest_namespace": "b/v1"},
        "event3": {"rest_base": "events-ids"},  # the id listing of events in incremental runs
        "venue": {"rest_base": "x/events"},
    }
    assert [c.route for c in content_types(answer, ROOT)] == ["a/v1/events"]


def test_a_taxonomy_never_takes_a_core_key_it_does_not_own():
    answer = {
        "category": {"rest_base": "categories"},
        "genre": {"rest_base": "tags", "rest_namespace": "x/v1"},
        "topic": {"rest_base": "posts"},
        "post_tag": {"rest_base": "tags"},
    }
    assert [c.name for c in taxonomies(answer, ROOT)] == ["category", "post_tag"]
