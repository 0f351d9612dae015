"""Finding the REST root: Link headers, <link> tags, probes, the index."""

import pytest

from crawler.wordpress.discovery import (
    API_REL,
    api_root_from_headers,
    api_root_from_html,
    is_rest_index,
    link_header_targets,
    probe_candidates,
    site_info,
)


@pytest.mark.parametrize(
    ("values", "page", "expected"),
    [
        (
            ['<https://e.com/wp-json/>; rel="https://api.w.org/"'],
            "https://e.com/",
            "https://e.com/wp-json/",
        ),
        # Several Link headers, and several values in one header.
        (
            [
                "<https://e.com/?p=5>; rel=shortlink",
                '<https://e.com/index.php/wp-json/>; rel="https://api.w.org/"',
            ],
            "https://e.com/",
            "https://e.com/index.php/wp-json/",
        ),
        (
            [
                (
                    '<https://e.com/wp-json/wp/v2/posts/5>; rel="alternate"; type="application/json", '
                    '<https://e.com/index.php?rest_route=/>; rel="https://api.w.org/"'
                )
            ],
            "https://e.com/",
            "https://e.com/index.php?rest_route=/",
        ),
        # Relative target, resolved against the page.
        (
            ['</blog/wp-json/>; rel="https://api.w.org/"'],
            "https://e.com/blog/post/",
            "https://e.com/blog/wp-json/",
        ),
        # The root on another host is taken exactly as advertised.
        (
            ['<https://api.e.com/wp-json/>; rel="https://api.w.org/"'],
            "https://e.com/",
            "https://api.e.com/wp-json/",
        ),
        (['<https://e.com/feed/>; rel="alternate"'], "https://e.com/", None),
        ([], "https://e.com/", None),
    ],
)
def test_root_from_link_headers(values, page, expected):
    assert api_root_from_headers(values, page) == expected


def test_pagination_links_are_not_the_api():
    values = ['<https://e.com/wp-json/wp/v2/posts?page=2>; rel="next"']
    assert link_header_targets(values, API_REL) == []
    assert link_header_targets(values, "next") == ["https://e.com/wp-json/wp/v2/posts?page=2"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<html><head><link rel="https://api.w.org/" href="https://e.com/wp-json/" /></head></html>',
            "https://e.com/wp-json/",
        ),
        (
            "<html><head><link rel='https://api.w.org/' href='/index.php?rest_route=/'></head>",
            "https://e.com/index.php?rest_route=/",
        ),
        (
            '<html><head><LINK REL="https://api.w.org/" HREF="/wp-json/"></head>',
            "https://e.com/wp-json/",
        ),
        # A link in the body (a post quoting markup) is not the site's own.
        (
            '<html><head></head><body><link rel="https://api.w.org/" href="https://x.com/wp-json/"></body>',
            None,
        ),
        (
            '<html><head></head><body class="home"><link rel="https://api.w.org/" href="/x/">',
            None,
        ),
        # PHP notices before the doctype: libxml2 would start the body there, the head still counts.
        (
            (
                "<br />\n<b>Warning</b>:  Undefined variable $x in <b>f.php</b><br />\n<!DOCTYPE html>"
                '<html><head><link rel="alternate" href="/feed/"><link rel="https://api.w.org/" '
                'href="/wp-json/"></head><body><p>Hi</p></body></html>'
            ),
            "https://e.com/wp-json/",
        ),
        ("<html><head><title>Not WordPress</title></head></html>", None),
        ("", None),
    ],
)
def test_root_from_html(html, expected):
    assert api_root_from_html(html, "https://e.com/") == expected


def test_probe_order_subdirectory_with_port():
    assert probe_candidates("http://127.0.0.1:8080/blog/2024/05/hello/") == [
        "http://127.0.0.1:8080/blog/2024/05/hello/wp-json/",
        "http://127.0.0.1:8080/blog/2024/05/hello/index.php/wp-json/",
        "http://127.0.0.1:8080/blog/2024/05/hello/?rest_route=/",
        "http://127.0.0.1:8080/wp-json/",
        "http://127.0.0.1:8080/index.php/wp-json/",
        "http://127.0.0.1:8080/?rest_route=/",
    ]


def test_probe_order_for_a_file_url_uses_its_directory():
    assert probe_candidates("https://e.com/index.php")[0] == "https://e.com/wp-json/"


def test_rest_index_recognised():
    assert is_rest_index({"name": "S", "namespaces": ["oembed/1.0", "wp/v2"], "routes": {}})
    assert not is_rest_index({"code": "rest_no_route", "message": "x"})
    assert not is_rest_index([])


def test_site_info_feature_detection():
    index = {
        "name": "Caf&eacute; &amp; Co",
        "home": "https://e.com/blog",
        "gmt_offset": "2",
        "timezone_string": "Europe/Paris",
        "namespaces": ["oembed/1.0", "wp/v2"],
        "routes": {
            "/wp/v2/posts": {
                "endpoints": [
                    {
                        "methods": ["GET"],
                        "args": {"page": {}, "per_page": {}, "modified_after": {}},
                    },
                    {"methods": ["POST"], "args": {"title": {}}},
                ]
            },
            "/wp/v2/posts/(?P<id>[\\d]+)": {
                "endpoints": [{"methods": ["GET"], "args": {"id": {}}}]
            },
            "/oembed/1.0/embed": {"endpoints": [{"methods": ["GET"], "args": {"url": {}}}]},
        },
    }
    info = site_info(index, "https://fallback/")
    assert info.name == "Café & Co"
    assert info.home == "https://e.com/blog/"
    assert info.has_wp_v2
    assert info.supports("wp/v2/posts", "modified_after")
    assert not info.supports("wp/v2/posts", "title")  # POST-only argument
    assert set(info.route_args) == {"wp/v2/posts", "oembed/1.0/embed"}  # any namespace (#13)


def test_site_info_of_old_wordpress():
    info = site_info({"namespaces": ["oembed/1.0"], "routes": {}}, "https://e.com")
    assert not info.has_wp_v2
    assert info.home == "https://e.com/"
    assert not info.supports("wp/v2/posts", "page")


# An index of the wrong shape (issue 10) ---------------------------------------------------


@pytest.mark.parametrize(
    "routes",
    [
        ["/wp/v2/posts"],
        "routes",
        None,
        {"/wp/v2/posts": ["GET"]},
        {"/wp/v2/posts": {"endpoints": {"methods": ["GET"], "args": {"page": {}}}}},
        {"/wp/v2/posts": {"endpoints": "GET"}},
        {"/wp/v2/posts": {"endpoints": [7, None, "GET"]}},
        {"/wp/v2/posts": {"endpoints": [{"methods": "GET", "args": {"page": {}}}]}},
        {"/wp/v2/posts": {"endpoints": [{"methods": ["GET"], "args": ["page"]}]}},
        {"/wp/v2/posts": {"endpoints": [{"methods": ["GET"], "args": 5}]}},
    ],
)
def test_site_info_of_an_index_of_the_wrong_shape_supports_nothing(routes):
    info = site_info({"namespaces": ["wp/v2"], "routes": routes}, "https://e.com/")
    assert not info.supports("wp/v2/posts", "page")
    assert info.has_wp_v2


@pytest.mark.parametrize(
    ("name", "expected"),
    [({"a": 1}, ""), (["x"], ""), (None, ""), ("\x1b[31mRed\x1b[0m\nline", "Red line")],
)
def test_site_name_is_a_clean_string(name, expected):
    assert site_info({"name": name, "namespaces": []}, "https://e.com/").name == expected


@pytest.mark.parametrize(
    "home", ["javascript:alert(1)", "data:text/html,x", "/relative", "", 5, ["https://e.com/"]]
)
def test_site_home_must_be_an_http_url(home):
    info = site_info({"home": home, "namespaces": []}, "https://given.example/")
    assert info.home == "https://given.example/"
