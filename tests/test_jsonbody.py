"""Tolerant JSON: the corruptions real WordPress sites put around their JSON."""

import json
import time

import pytest

from crawler.wordpress.jsonbody import MAX_NOISE_CHARS, NotJsonError, parse_json

PAYLOAD = [{"id": 1, "title": {"rendered": "Caf\u00e9 [draft]"}}]
BODY = json.dumps(PAYLOAD).encode()
PHP_WARNING = (
    b'<br />\n<b>Warning</b>:  Undefined array key "x" in <b>/var/www/wp-content/plugins/p/p.php</b> '
    b"on line <b>12</b><br />\n"
)


@pytest.mark.parametrize(
    "body",
    [
        BODY,
        b"\xef\xbb\xbf" + BODY,  # one BOM: json.loads copes
        b"\xef\xbb\xbf\xef\xbb\xbf\xef\xbb\xbf"
        + BODY,  # three included files with BOMs: it does not
        b"\n\n  \xef\xbb\xbf\n" + BODY,  # whitespace, then a BOM
        PHP_WARNING + BODY,
        PHP_WARNING + PHP_WARNING + b"\xef\xbb\xbf" + BODY,
        b"<?php/* (c) 2018 Seolyzer.io */?>" + BODY,
        BODY
        + b"\n<!-- This website is like a Rocket, isn't it? Performance optimized by WP Rocket -->",
        b"Deprecated: Function create_function() is deprecated in x.php on line 3\n" + BODY,
    ],
    ids=[
        "clean",
        "bom",
        "three-boms",
        "space-bom",
        "php-warning",
        "warnings-and-bom",
        "stray-php",
        "cache-comment",
        "text-notice",
    ],
)
def test_noise_around_json_is_skipped(body):
    assert parse_json(body) == PAYLOAD


def test_objects_and_empty_lists():
    assert parse_json(b'{"namespaces": []}') == {"namespaces": []}
    assert parse_json(b"[]") == []


@pytest.mark.parametrize(
    ("body", "kind", "fragment"),
    [
        (
            b"<!DOCTYPE html><html><head><title>Just a moment...</title>",
            "html",
            '"Just a moment..."',
        ),
        (b"<html><body><script src=/aes.js></script></body></html>", "html", "HTML page"),
        (b"   ", "empty", "empty body"),
        (b"", "empty", "empty body"),
        (b"Service Unavailable", "text", "'Service Unavailable'"),
    ],
)
def test_non_json_is_an_error_that_says_what_came(body, kind, fragment):
    with pytest.raises(NotJsonError) as info:
        parse_json(body)
    assert info.value.kind == kind
    assert fragment in str(info.value)


def test_invalid_utf8_does_not_raise_decode_errors():
    assert parse_json(b'{"t": "caf\xe9"}') == {"t": "caf\ufffd"}


# Bounds: a hostile body costs linear time, and Python's limits become a malformed page.


def _cpu_seconds(body: bytes) -> float:
    started = time.process_time()
    with pytest.raises(NotJsonError):
        parse_json(body)
    return time.process_time() - started


def test_many_false_starts_cost_linear_time():
    """1.6 MB of ``[0 [0 …``: every ``[`` looks like a start; trying each was quadratic (15 s)."""
    assert _cpu_seconds(b"[0 " * 533_000) < 0.5


def test_a_long_unterminated_array_costs_linear_time():
    assert _cpu_seconds(b"[" + b"0," * 800_000) < 0.5


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"[" * 100_000, "too_deep"),
        (b"[0," * 533_000, "too_deep"),
        (b'{"a": ' * 50_000, "too_deep"),
        (b'[{"id": ' + b"9" * 5000 + b"}]", "huge_number"),
        (PHP_WARNING + b'[{"id": ' + b"9" * 5000 + b"}]", "huge_number"),
    ],
    ids=["brackets", "nested-arrays", "nested-objects", "huge-id", "huge-id-after-noise"],
)
def test_python_limits_are_a_malformed_page(body, kind):
    with pytest.raises(NotJsonError) as caught:
        parse_json(body)
    assert caught.value.kind == kind


def test_json_after_the_noise_window_is_not_searched():
    """The JSON must start within the first MAX_NOISE_CHARS: a bound, not a regression."""
    noise = b"x" * (MAX_NOISE_CHARS + 10) + b"\n"
    assert parse_json(b"notice\n" + BODY) == PAYLOAD
    with pytest.raises(NotJsonError):
        parse_json(noise + BODY)


def test_a_big_page_of_real_posts_parses_fast():
    posts = [
        {"id": i, "content": {"rendered": "<p>" + "word " * 10_000 + "</p>"}} for i in range(100)
    ]
    body = json.dumps(posts).encode()
    assert len(body) > 5_000_000
    started = time.process_time()
    assert parse_json(PHP_WARNING + body) == posts
    assert time.process_time() - started < 1.0
