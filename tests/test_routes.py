"""Route URLs in both spellings, for the root shapes real sites advertise."""

import pytest

from crawler.wordpress.routes import ApiRoot

ROUTE_CASES = [
    # advertised root, route, params, expected URL
    (
        "https://e.com/wp-json/",
        "wp/v2/posts",
        {"per_page": 100},
        "https://e.com/wp-json/wp/v2/posts?per_page=100",
    ),
    ("https://e.com/wp-json", "/wp/v2/posts/", {}, "https://e.com/wp-json/wp/v2/posts"),
    (
        "https://e.com/blog/wp-json/",
        "wp/v2/posts",
        {"page": 2},
        "https://e.com/blog/wp-json/wp/v2/posts?page=2",
    ),
    (
        "http://127.0.0.1:8080/index.php/wp-json/",
        "wp/v2/posts",
        {"page": 3},
        "http://127.0.0.1:8080/index.php/wp-json/wp/v2/posts?page=3",
    ),
    (
        "https://e.com/?rest_route=/",
        "wp/v2/posts",
        {"per_page": 100, "page": 2},
        "https://e.com/?rest_route=/wp/v2/posts&per_page=100&page=2",
    ),
    (
        "https://e.com/index.php?rest_route=/",
        "wp/v2/posts",
        {"include": [1, 2]},
        "https://e.com/index.php?rest_route=/wp/v2/posts&include=1,2",
    ),
    (
        "https://e.com/index.php?rest_route=%2F",
        "wp/v2/types",
        {},
        "https://e.com/index.php?rest_route=/wp/v2/types",
    ),
    (
        "https://e.com/blog/?rest_route=/",
        "wp/v2/posts",
        {"sticky": True},
        "https://e.com/blog/?rest_route=/wp/v2/posts&sticky=true",
    ),
    (
        "https://api.e.com/custom-prefix/",
        "wp/v2/posts",
        {},
        "https://api.e.com/custom-prefix/wp/v2/posts",
    ),
]


@pytest.mark.parametrize(("root", "route", "params", "expected"), ROUTE_CASES)
def test_route_urls(root, route, params, expected):
    assert ApiRoot.from_url(root).route(route, **params) == expected


@pytest.mark.parametrize(
    ("root", "uses_query"),
    [
        ("https://e.com/wp-json/", False),
        ("https://e.com/?rest_route=/", True),
        ("https://e.com/index.php/wp-json/", False),
    ],
)
def test_spelling_detection(root, uses_query):
    assert ApiRoot.from_url(root).uses_query is uses_query


def test_root_itself_in_query_spelling():
    root = ApiRoot.from_url("http://e.com/?rest_route=/")
    assert root.route("") == "http://e.com/?rest_route=/"


def test_none_params_are_left_out():
    assert (
        ApiRoot("https://e.com/wp-json/").route("wp/v2/posts", page=None)
        == "https://e.com/wp-json/wp/v2/posts"
    )


@pytest.mark.parametrize(
    ("root", "url", "route"),
    [
        ("https://e.com/wp-json/", "https://e.com/wp-json/wp/v2/users/3", "wp/v2/users/3"),
        (
            "http://e.com/index.php?rest_route=/",
            "http://e.com/index.php?rest_route=/wp/v2/media/9",
            "wp/v2/media/9",
        ),
        (
            "http://e.com/index.php?rest_route=/",
            "http://e.com/index.php?rest_route=%2Fwp%2Fv2%2Fcategories&post=1",
            "wp/v2/categories",
        ),
        ("https://e.com/wp-json/", "https://e.com/other/path", None),
        ("https://e.com/wp-json/", "https://evil.example/wp-json/wp/v2/posts", None),
    ],
)
def test_route_of(root, url, route):
    assert ApiRoot.from_url(root).route_of(url) == route


@pytest.mark.parametrize(
    ("root", "href", "route"),
    [
        # Only ?rest_route= answers; WordPress still writes /wp-json/ links.
        ("https://e.com/?rest_route=/", "https://e.com/wp-json/wp/v2/posts", "wp/v2/posts"),
        ("https://e.com/index.php?rest_route=/", "https://e.com/wp-json/wp/v2/book", "wp/v2/book"),
        ("https://e.com/blog/?rest_route=/", "https://e.com/blog/index.php/wp-json/wp/v2/x", "wp/v2/x"),
        # Only /wp-json/ answers; links in the query spelling or through index.php.
        ("https://e.com/wp-json/", "https://e.com/?rest_route=/wp/v2/posts", "wp/v2/posts"),
        ("https://e.com/wp-json/", "https://e.com/index.php/wp-json/wp/v2/posts", "wp/v2/posts"),
        # Another install directory, another host: not this site's API.
        ("https://e.com/blog/?rest_route=/", "https://e.com/wp-json/wp/v2/posts", None),
        ("https://e.com/?rest_route=/", "https://evil.example/wp-json/wp/v2/posts", None),
        # A Unicode host in the link is the punycode host of the root.
        ("http://xn--bcher-kva.example/wp-json/", "http://bücher.example/wp-json/wp/v2/posts", "wp/v2/posts"),
    ],
)  # fmt: skip
def test_links_in_the_other_spelling_map_onto_the_working_root(root, href, route):
    api = ApiRoot.from_url(root)
    assert api.route_of(href) == route
    if route is not None:  # and the request goes out in the spelling that works
        assert api.route(route).startswith(api.url.split("?")[0])
        assert ("rest_route=" in api.route(route)) == api.uses_query
