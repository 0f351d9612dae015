"""Authenticated crawls, without a site: the secret's container, the arguments, the header's
scope (hosts, schemes, redirects, retries, the disk queue) and the log's redaction."""

from __future__ import annotations

import base64
import io
import logging
import pickle
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler import logsafety
from crawler.auth import ApplicationPasswordMiddleware, AuthError, Secret, read_secret
from crawler.crawl.listings import Kind, by_id_listing, plan_listings
from crawler.params import ArgumentError, CrawlParams
from crawler.wordpress.types import Collection

PASSWORD = "AbCd EfGh IjKl MnOp QrSt UvWx"
USER = "editor-ann"
ORIGIN = "https://blog.example"
HEADER = b"Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode())


def middleware(*, origin: str | None = ORIGIN, insecure: bool = False):
    params = SimpleNamespace(allow_insecure_auth=insecure)
    crawler = SimpleNamespace(spider=SimpleNamespace(auth_origin=origin, params=params))
    return ApplicationPasswordMiddleware(crawler, Secret(USER, PASSWORD))  # type: ignore[arg-type]


def test_the_secret_never_pickles_nor_shows():
    secret = Secret(USER, PASSWORD)
    for dump in (pickle.dumps, lambda s: pickle.dumps({"a": [s]}, protocol=2)):
        with pytest.raises(TypeError, match="never pickled"):
            dump(secret)
    assert PASSWORD not in repr(secret)
    assert PASSWORD not in str(secret)
    assert USER not in repr(secret)
    assert secret.header() == HEADER


def test_the_secret_is_read_from_a_file_with_or_without_the_user(tmp_path):
    path = tmp_path / "secret"
    path.write_text(f"{USER}:{PASSWORD}\n")
    assert read_secret(f"file:{path}", None).header() == HEADER
    path.write_text(PASSWORD)
    assert read_secret(f"file:{path}", USER).header() == HEADER
    with pytest.raises(AuthError) as info:
        read_secret(f"file:{tmp_path / 'absent'}", USER)
    path.write_text(f"{PASSWORD}\nsecond line")
    with pytest.raises(AuthError) as other:
        read_secret(f"file:{path}", USER)
    assert PASSWORD not in str(info.value) + str(other.value)


@pytest.mark.parametrize(
    "arguments",
    [{"password": PASSWORD}, {"auth": PASSWORD}, {"auth": f"{USER}:{PASSWORD}"}],
)
def test_a_password_in_the_arguments_is_refused_without_repeating_it(arguments):
    with pytest.raises(ArgumentError) as info:
        CrawlParams.from_arguments(url="https://blog.example/", **arguments)
    assert PASSWORD not in str(info.value)
    assert "-a auth=env:NAME" in str(info.value)


def test_the_arguments_of_an_authenticated_crawl():
    params = CrawlParams.from_arguments(
        url="https://blog.example/", auth="env:WP_APP", user=USER,
        allow_insecure_auth="true", include_private_user_fields="yes",
    )  # fmt: skip
    assert (params.auth, params.user, params.allow_insecure_auth) == ("env:WP_APP", USER, True)
    assert params.include_private_user_fields
    with pytest.raises(ArgumentError, match="needs an authenticated crawl"):
        CrawlParams.from_arguments(url="https://b.example/", include_private_user_fields="true")
    with pytest.raises(ArgumentError, match="no colon"):
        CrawlParams.from_arguments(url="https://b.example/", auth="env:X", user="a:b")


@pytest.mark.parametrize(
    ("url", "origin", "insecure", "sent"),
    [
        (f"{ORIGIN}/wp-json/wp/v2/posts?page=2", ORIGIN, False, True),
        ("https://BLOG.example/wp-json/", ORIGIN, False, True),
        ("https://cdn.blog.example/wp-content/a.jpg", ORIGIN, False, False),
        ("https://blog.example:8443/wp-json/", ORIGIN, False, False),
        ("http://blog.example/wp-json/", "http://blog.example", False, False),
        ("http://blog.example/wp-json/", "http://blog.example", True, True),
        (f"{ORIGIN}/wp-json/", None, True, False),  # discovery: the root is not known yet
    ],
)
def test_the_header_goes_only_to_the_rest_roots_origin(url, origin, insecure, sent):
    request = Request(url)
    middleware(origin=origin, insecure=insecure).process_request(request)
    assert (request.headers.get("Authorization") == HEADER) is sent


def test_the_header_is_taken_off_before_a_redirect_or_retry_copies_the_request():
    """Redirects and retries go back through the scheduler (a JOBDIR's disk queue): the
    request they copy no longer carries the header, to this host or any other."""
    auth = middleware()
    redirect = RedirectMiddleware.from_crawler(get_crawler())
    for location in ("https://elsewhere.example/wp-json/", f"{ORIGIN}/wp-json/wp/v2/posts/"):
        request = Request(f"{ORIGIN}/wp-json/wp/v2/posts")
        auth.process_request(request)
        assert request.headers.get("Authorization") == HEADER
        response = Response(
            request.url, status=301, headers={"Location": location}, request=request
        )
        # On the way back the middlewares run from the highest number: ours (700) first.
        redirected = redirect.process_response(request, auth.process_response(request, response))
        assert isinstance(redirected, Request)
        assert b"Authorization" not in redirected.headers
        assert HEADER not in pickle.dumps(redirected.to_dict())
        auth.process_request(redirected)  # the same host again: it gets the header back
        assert (redirected.headers.get("Authorization") == HEADER) is location.startswith(ORIGIN)
    failed = Request(f"{ORIGIN}/wp-json/")
    auth.process_request(failed)
    auth.process_exception(failed, TimeoutError())
    assert b"Authorization" not in failed.headers


def test_settings_put_the_middleware_after_redirects_and_retries():
    from crawler import settings

    order = settings.DOWNLOADER_MIDDLEWARES
    assert order["crawler.auth.ApplicationPasswordMiddleware"] > 600  # RedirectMiddleware
    assert (
        order["crawler.auth.ApplicationPasswordMiddleware"]
        > order["crawler.middlewares.RetryAfterMiddleware"]
    )


def test_the_log_never_shows_the_secret_in_any_form():
    secret = Secret(USER, PASSWORD)
    logsafety.redact(secret.redactions())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.auth.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logsafety.install(logger)
    try:
        logger.warning("header %s", HEADER.decode())
        logger.warning("pair %r, bare %s", f"{USER}:{PASSWORD}", PASSWORD.replace(" ", ""))
        try:
            raise ValueError(PASSWORD)
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    encoded = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for form in (PASSWORD, PASSWORD.replace(" ", ""), encoded, f"{USER}:"):
        assert form not in text
    assert text.count("<redacted>") == 4, text


def test_authenticated_listings_ask_for_every_status_in_the_edit_context():
    posts = Collection("post", "posts", "wp/v2/posts")
    plan = {x.key: x for x in plan_listings([posts], [], authenticated=True)}
    assert dict(plan["posts"].params) == {"status": "any", "context": "edit"}
    assert plan["users"].params == ()
    assert plan["media"].params == ()
    private = {x.key: x for x in plan_listings([posts], [], authenticated=True,
                                               private_user_fields=True)}  # fmt: skip
    assert dict(private["users"].params) == {"context": "edit"}
    incremental = {x.key: x for x in plan_listings([posts], [], changes_since="2024-01-01T00:00:00Z",
                                                   authenticated=True)}  # fmt: skip
    assert dict(incremental["posts-ids"].params)["status"] == "any"  # or drafts look deleted
    by_id = dict(by_id_listing(incremental["posts"], [3, 4], 1, kind=Kind.BY_ID).params)
    assert (by_id["include"], by_id["status"], by_id["context"]) == ("3,4", "any", "edit")
    anonymous = {x.key: x for x in plan_listings([posts], [])}
    assert "status" not in dict(anonymous["posts"].params)


def test_edit_records_keep_protected_bodies_and_never_the_password():
    posts = Collection("post", "posts", "wp/v2/posts")
    listing = next(x for x in plan_listings([posts], [], authenticated=True) if x.key == "posts")
    data = {
        "id": 7, "status": "draft", "password": "hunter2-secret",
        "title": {"raw": "Raw &amp; title", "rendered": "Raw &#038; title"},
        "content": {"raw": "<!-- wp:paragraph --><p>Body</p>", "rendered": "<p>Body</p>",
                    "protected": True},
        "excerpt": {"raw": "", "rendered": "<p>Body</p>", "protected": True},
    }  # fmt: skip
    record = listing.build(data, site="https://blog.example/")
    assert (record.status, record.protected, record.content_html) == ("draft", True, "<p>Body</p>")
    assert (record.title_raw, record.content_source) == ("Raw &amp; title", data["content"]["raw"])
    assert "hunter2-secret" not in repr(record)
    anonymous = next(x for x in plan_listings([posts], []) if x.key == "posts")
    assert anonymous.build(data, site="https://blog.example/").content_html == ""
