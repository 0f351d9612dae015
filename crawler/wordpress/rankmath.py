"""Rank Math's REST head (``rankmath/v1/getHead``) as the typed ``seo`` object of a record.

Yoast SEO adds ``yoast_head_json`` to every REST object; Rank Math adds nothing to them. With
its "headless support" setting on, it registers ``GET <root>rankmath/v1/getHead?url=<page>``
(public: ``permission_callback`` is ``__return_true``; the URL must be internal), which answers
``{"success": true, "head": "<title>…</title><meta …>…"}``: the ``<head>`` tags it prints on
that page. The route is registered only with that setting, so the REST index advertising
``/rankmath/v1/getHead`` is the sign to ask (:func:`advertises_head`).

:func:`head_seo` reads that HTML into the same :class:`~crawler.items.Seo` fields as Yoast's
object: ``<title>``, ``meta name=description|robots``, ``link rel=canonical``, OpenGraph
``og:*``/``article:*`` (``og:image`` followed by its ``og:image:width|height|type``), Twitter
``twitter:*`` (Rank Math's ``twitter:labelN``/``twitter:dataN`` pairs as ``twitter_misc``), and
the JSON-LD graph of its ``rank-math-schema`` script. The robots directives become Yoast's shape
(``{"index": "index", "max-snippet": "max-snippet:-1"}``). Bounded: a head over
:data:`MAX_HEAD_CHARS` is not parsed, at most :data:`MAX_TAGS` tags are read; junk gives ``None``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.items import Seo, SeoImage
from crawler.wordpress.records import json_object, web_url

__all__ = ["GETHEAD_ROUTE", "MAX_HEAD_CHARS", "advertises_head", "head_of", "head_seo"]

GETHEAD_ROUTE = "rankmath/v1/getHead"
"""The route, relative to the REST root."""
MAX_HEAD_CHARS = 512 * 1024
"""A head longer than this is not parsed (Rank Math's is a few KB, its schema included)."""
MAX_TAGS = 500
"""Tags of one head read at most."""
MAX_IMAGES = 20
"""OpenGraph images kept at most."""

_OG_TEXTS = {
    "og:locale": "og_locale",
    "og:type": "og_type",
    "og:title": "og_title",
    "og:description": "og_description",
    "og:site_name": "og_site_name",
    "article:published_time": "article_published_time",
    "article:modified_time": "article_modified_time",
    "twitter:card": "twitter_card",
    "twitter:title": "twitter_title",
    "twitter:description": "twitter_description",
    "twitter:site": "twitter_site",
    "twitter:creator": "twitter_creator",
}


def advertises_head(index: Any) -> bool:
    """Whether a REST index lists Rank Math's head route (its ``rankmath/v1`` namespace and
    ``/rankmath/v1/getHead``).

    >>> advertises_head({"namespaces": ["wp/v2", "rankmath/v1"],
    ...                  "routes": {"/rankmath/v1/getHead": {"methods": ["GET"]}}})
    True
    >>> advertises_head({"namespaces": ["rankmath/v1"], "routes": {}}), advertises_head([])
    (False, False)
    """
    if not isinstance(index, dict):
        return False
    namespaces, routes = index.get("namespaces"), index.get("routes")
    return (
        isinstance(namespaces, list)
        and "rankmath/v1" in namespaces
        and isinstance(routes, dict)
        and "/" + GETHEAD_ROUTE in routes
    )


def head_of(body: Any) -> str | None:
    """The head HTML of a ``getHead`` answer; ``None`` unless it succeeded with a string.

    >>> head_of({"success": True, "head": "<title>x</title>"}), head_of({"success": False})
    ('<title>x</title>', None)
    >>> head_of({"success": True, "head": 5}), head_of("x")
    (None, None)
    """
    if not isinstance(body, dict) or body.get("success") is not True:
        return None
    head = body.get("head")
    return head if isinstance(head, str) else None


def _robots(content: str) -> dict[str, Any] | None:
    """``"follow, index, max-snippet:-1"`` as Yoast's object.

    >>> _robots("follow, index, max-snippet:-1")
    {'follow': 'follow', 'index': 'index', 'max-snippet': 'max-snippet:-1'}
    """
    found: dict[str, Any] = {}
    for part in content.split(",")[:50]:
        directive = part.strip()
        if directive:
            found.setdefault(directive.split(":", 1)[0].strip().lower(), directive)
    return found or None


def _int(value: str) -> int | None:
    text = value.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _tags(head: str) -> list[Any]:
    """The elements of a head, in order; none for junk."""
    try:
        parser = lxml_html.HTMLParser(encoding="utf-8", no_network=True)
        root = lxml_html.document_fromstring(
            ("<html><head>" + head + "</head></html>").encode("utf-8", "replace"), parser=parser
        )
    except (etree.ParserError, ValueError):
        return []
    return list(root.iter("title", "meta", "link", "script"))[:MAX_TAGS]


def head_seo(head: Any, found: Counter[str] | None = None) -> Seo | None:
    """What a Rank Math head states, as :class:`~crawler.items.Seo` (texts as the page says
    them, entities decoded; URLs only if ``http(s)``); ``None`` for junk or an empty head.

    >>> head = '''<title>Hi &amp; bye - Blog</title>
    ... <meta name="description" content="About hi"/>
    ... <meta name="robots" content="follow, index, max-snippet:-1"/>
    ... <link rel="canonical" href="https://e.com/hi/" />
    ... <meta property="og:locale" content="en_US" /><meta property="og:url" content="https://e.com/hi/" />
    ... <meta property="og:image" content="https://e.com/a.jpg" />
    ... <meta property="og:image:width" content="800" /><meta property="og:image:type" content="image/jpeg" />
    ... <meta property="article:published_time" content="2024-05-01T10:00:00+00:00" />
    ... <meta name="twitter:image" content="javascript:x" />
    ... <meta name="twitter:label1" content="Written by" /><meta name="twitter:data1" content="Ann" />
    ... <script type="application/ld+json" class="rank-math-schema">{"@graph": [{"@type": "WebPage"}]}</script>'''
    >>> seo = head_seo(head)
    >>> seo.title, seo.description, seo.canonical, seo.og_url, seo.twitter_image
    ('Hi & bye - Blog', 'About hi', 'https://e.com/hi/', 'https://e.com/hi/', None)
    >>> seo.robots, seo.og_image, seo.twitter_misc
    ({'follow': 'follow', 'index': 'index', 'max-snippet': 'max-snippet:-1'}, [SeoImage(url='https://e.com/a.jpg', width=800, height=None, type='image/jpeg')], {'Written by': 'Ann'})
    >>> seo.article_published_time, seo.schema
    ('2024-05-01T10:00:00+00:00', {'@graph': [{'@type': 'WebPage'}]})
    >>> head_seo(""), head_seo("<<>>&&"), head_seo(None), head_seo("<title>x</title>" * 10**6)
    (None, None, None, None)
    """
    if not isinstance(head, str) or not head.strip() or len(head) > MAX_HEAD_CHARS:
        return None
    found = found if found is not None else Counter()
    seen = _Seen()
    for tag in _tags(head):
        if tag.tag == "title":
            seen.title = seen.title if seen.title is not None else (tag.text_content() or "")
        elif tag.tag == "link":
            if "canonical" in (tag.get("rel") or "").lower().split():
                seen.urls.setdefault("canonical", tag.get("href") or "")
        elif tag.tag == "script":
            if seen.schema is None and (tag.get("type") or "").strip().lower() == _JSONLD:
                seen.schema = _json(tag.text, found)
        else:
            name = (tag.get("property") or tag.get("name") or "").strip().lower()[:64]
            content = tag.get("content")
            if name and content is not None:
                seen.meta(name, content, found)
    misc = {seen.labels[n]: seen.data[n] for n in seen.labels if n in seen.data} or None
    if not (seen.title or seen.texts or seen.urls or seen.images or seen.schema or misc):
        return None
    robots = seen.texts.pop("robots", None)
    return Seo(
        title=seen.title,
        canonical=web_url(seen.urls.get("canonical"), found),
        robots=_robots(robots) if robots else None,
        og_url=web_url(seen.urls.get("og:url"), found),
        og_image=seen.images,
        twitter_image=web_url(seen.urls.get("twitter:image"), found),
        twitter_misc=misc,
        schema=seen.schema,
        **seen.texts,
    )


_JSONLD = "application/ld+json"
_URLS = ("og:url", "twitter:image")


def _json(text: str | None, found: Counter[str]) -> dict[str, Any] | None:
    try:
        return json_object(json.loads(text or ""), found)
    except (ValueError, RecursionError):
        return None


@dataclass
class _Seen:
    """What the tags of one head said so far (the first of each wins)."""

    title: str | None = None
    texts: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    images: list[SeoImage] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    schema: dict[str, Any] | None = None

    def meta(self, name: str, content: str, found: Counter[str]) -> None:
        """One ``<meta name|property=... content=...>``."""
        if name in ("description", "robots"):
            self.texts.setdefault(name, content)
        elif name in _URLS:
            self.urls.setdefault(name, content)
        elif name == "og:image" and len(self.images) < MAX_IMAGES:
            self.images.append(SeoImage(url=web_url(content, found)))
        elif name.startswith("og:image:") and self.images:
            image, part = self.images[-1], name[9:]
            if part in ("width", "height") and getattr(image, part) is None:
                setattr(image, part, _int(content))
            elif part == "type" and image.type is None:
                image.type = content
        elif name.startswith("twitter:label") and len(self.labels) < MAX_IMAGES:
            self.labels.setdefault(name[13:], content)
        elif name.startswith("twitter:data") and len(self.data) < MAX_IMAGES:
            self.data.setdefault(name[12:], content)
        elif name in _OG_TEXTS:
            self.texts.setdefault(_OG_TEXTS[name], content)
