"""Tolerant JSON: the corruptions real WordPress sites put around their JSON."""

import json

import pytest

from crawler.wordpress.jsonbody import NotJsonError, parse_json

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
