"""Helpers for tests of spider callbacks on built responses (no network)."""

from __future__ import annotations

import json
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.wordpress import WordPressSpider


def make_spider(
    url: str = "https://e.com/", *, arguments: dict[str, str] | None = None, **settings: Any
) -> WordPressSpider:
    """A spider bound to a crawler with the project's defaults and open stats; ``arguments``
    are its other ``-a`` arguments."""
    crawler = get_crawler(WordPressSpider, settings)
    spider = WordPressSpider.from_crawler(crawler, url=url, **(arguments or {}))
    crawler.spider = spider
    return spider


def response_for(
    request: Request | str,
    body: Any = b"",
    *,
    status: int = 200,
    headers: dict[str, Any] | None = None,
    html: bool = False,
) -> TextResponse:
    """A response to ``request`` (or to a GET of a URL); dicts and lists are sent as JSON."""
    if isinstance(request, str):
        request = Request(request)
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    content_type = "text/html; charset=UTF-8" if html else "application/json; charset=UTF-8"
    all_headers = {"Content-Type": content_type, **(headers or {})}
    cls = HtmlResponse if html else TextResponse
    return cls(url=request.url, status=status, headers=all_headers, body=body, request=request)


def split(results: Any) -> tuple[list[Any], list[Request]]:
    """Items and requests out of a callback's output."""
    items, requests = [], []
    for result in results or ():
        (requests if isinstance(result, Request) else items).append(result)
    return items, requests


def call(request: Request, response: TextResponse) -> tuple[list[Any], list[Request]]:
    """Run ``request``'s callback on ``response`` the way Scrapy does."""
    return split(request.callback(response, **request.cb_kwargs))


class Stats(dict[str, Any]):
    """The part of Scrapy's stats collector the pure crawl run uses, as a plain dict."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self[key] = self.get(key, start) + count

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)


def new_user_php(login: str, role: str) -> str:
    """PHP for the real test site that creates a user of ``role`` named ``login`` with an
    application password, leaving them in ``$user`` and ``$password``."""
    return f"""
        $user = wp_insert_user(['user_login' => '{login}', 'user_pass' => wp_generate_password(),
            'role' => '{role}', 'user_email' => '{login}@example.test']);
        list($password, $item) = WP_Application_Passwords::create_new_application_password(
            $user, ['name' => 'crawler test']);
    """
