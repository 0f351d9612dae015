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
