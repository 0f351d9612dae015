"""Map WordPress REST JSON to records: the one place that knows WordPress's field shapes.

WordPress sends titles HTML-encoded (``Don&#8217;t``, ``Rock &#038; Roll``), dates without a
timezone (``date_gmt`` is UTC but has no ``Z``), and rendered fields wrapped in
``{"rendered": ...}``. Records leave here as the item classes of :mod:`crawler.items`, with
titles decoded and dates in UTC with ``Z``; rendered HTML stays as it came and is cleaned later
by the cleaning pipeline, and links stay ids in the REST object until the join resolves them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import fields, is_dataclass
from datetime import datetime
from math import isfinite
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson

from crawler.cleaning import clean_inline_text
from crawler.items import (
    REST,
    CommentItem,
    EntryItem,
    EntryRecord,
    ImageSize,
    MediaItem,
    PageItem,
    PostItem,
    Seo,
    SeoImage,
    TermItem,
    UserItem,
    entry_class,
)

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
YEARS = range(1000, 3000)
"""Years a date may have: WordPress writes ``0000-00-00`` for "no date", and a date far in the
future would hold back the incremental mark; anything outside is treated as invalid."""
MAX_ID = 2**63 - 1
"""The largest id or count taken from a site (WordPress stores them as 64-bit integers)."""
_SURROGATE = re.compile("[\ud800-\udfff]")

INVALID_DATES, INVALID_URLS, SURROGATES = "invalid_dates", "invalid_urls", "surrogates_replaced"
OVERSIZED = "oversized_fields"
"""What :func:`record_problems` counts (``wordpress/<name>`` in the stats)."""
_PROBLEMS = "_wordpress_problems"
_R = TypeVar("_R")


class MalformedRecordError(ValueError):
    """A JSON object that cannot be a WordPress record (no integer id, not an object)."""


def real_date(value: Any) -> str | None:
    """A ``*_gmt`` value as ``YYYY-MM-DDTHH:MM:SS`` if it is a real date in :data:`YEARS`.

    >>> real_date("2024-02-29T23:59:59"), real_date("2023-02-29T00:00:00"), real_date("9999-99-99T99:99:99")
    ('2024-02-29T23:59:59', None, None)
    >>> real_date("0000-00-00T00:00:00"), real_date("2024-05-01T10:00:00Z")
    (None, '2024-05-01T10:00:00')
    """
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    text = value[:19]
    try:  # the shape is checked above; fromisoformat checks the ranges, 20 times faster
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return text if moment.year in YEARS else None


def utc_iso(value: Any, problems: Counter[str] | None = None) -> str | None:
    """A WordPress ``*_gmt`` value as ISO 8601 UTC ending in ``Z``; ``None`` if absent or invalid.

    A value that is there but is not a real date is counted in ``problems`` (``invalid_dates``).

    >>> utc_iso("2024-05-01T10:00:00"), utc_iso("2024-05-01T10:00:00+00:00"), utc_iso(None)
    ('2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z', None)
    >>> problems = Counter()
    >>> utc_iso("2024-13-01T00:00:00", problems), dict(problems)
    (None, {'invalid_dates': 1})
    """
    date = real_date(value)
    if date is None:
        if value is not None and problems is not None:
            problems[INVALID_DATES] += 1
        return None
    return date + "Z"


_URL_CONTROL = re.compile("[\x00-\x20\x7f-\x9f]")
"""Characters no URL of a feed may hold: controls, space, DEL and C1."""
_PLAIN_WEB_URL = re.compile(r"(?i)https?://[a-z0-9.-]+(?::[0-9]*)?(?:[/?#][^\x00-\x20\x7f-\x9f]*)?")
"""The common case of :func:`web_url`, in one match: a URL this matches is one ``urlsplit``
accepts too (scheme, a host without user info or brackets, no forbidden character)."""


def web_url(value: Any, problems: Counter[str] | None = None) -> str | None:
    """``value`` if it is an absolute ``http(s)`` URL with a host, else ``None`` (counted in
    ``problems`` as ``invalid_urls`` when a value was there): no ``javascript:``, ``data:``,
    ``vbscript:`` or relative URL reaches a feed.

    >>> web_url("https://e.com/?p=1"), web_url(" HTTP://e.com/a "), web_url("")
    ('https://e.com/?p=1', 'HTTP://e.com/a', None)
    >>> problems = Counter()
    >>> [web_url(u, problems) for u in ("javascript:alert(1)", "data:text/html,x", "//e.com/", "http:///x")]
    [None, None, None, None]
    >>> dict(problems)
    {'invalid_urls': 4}
    """
    url = value.strip() if isinstance(value, str) else None
    if url and _PLAIN_WEB_URL.fullmatch(url):
        return url
    if url and not _URL_CONTROL.search(url):
        try:
            parts = urlsplit(url)
            if parts.scheme.lower() in ("http", "https") and parts.hostname:
                return url
        except ValueError:  # a bad port or IPv6 literal
            pass
    if value not in (None, "") and problems is not None:
        problems[INVALID_URLS] += 1
    return None


def no_surrogates(value: str, problems: Counter[str] | None = None) -> str:
    """``value`` with lone surrogates (``\\ud800``, from JSON escapes) replaced by U+FFFD: they
    cannot be written as UTF-8.

    >>> no_surrogates("a" + chr(0xD800) + "b")
    'a\ufffdb'
    """
    if value.isascii():
        return value
    try:  # the fastest check: a regex search costs ten times more on long content
        value.encode("utf-32-le")
    except UnicodeEncodeError:
        pass
    else:
        return value
    if problems is not None:
        problems[SURROGATES] += 1
    return _SURROGATE.sub("\ufffd", value)


def _scrub(value: Any, problems: Counter[str]) -> Any:
    """``value`` with :func:`no_surrogates` applied to every string in it (records, lists,
    dicts, nested records), in place for records."""
    if isinstance(value, str):
        return no_surrogates(value, problems)
    if isinstance(value, list):
        return [_scrub(v, problems) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, problems): _scrub(v, problems) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "__dict__"):
            _scrub_fields(value, problems)
        else:  # slots: no __dict__
            for f in fields(value):
                setattr(value, f.name, _scrub(getattr(value, f.name), problems))
    return value


def _scrub_fields(record: Any, problems: Counter[str]) -> None:
    """:func:`_scrub` on a record's values, read from its ``__dict__`` (no
    ``dataclasses.fields()`` per record): strings and scalars are checked in place, only
    non-empty containers are walked."""
    state = vars(record)
    for name, value in state.items():
        kind = type(value)
        if kind is str:
            if not value.isascii():
                state[name] = no_surrogates(value, problems)
        elif value and kind is not int and kind is not bool:
            state[name] = _scrub(value, problems)


def record_problems(record: object) -> Counter[str]:
    """What was wrong in the REST object ``record`` came from and was repaired (invalid dates
    and URLs set to null, surrogates replaced), by kind; the feed exporter counts them.

    It travels with the record but outside its fields, so it is never exported.
    """
    state = getattr(record, "__dict__", None)
    found = state.get(_PROBLEMS) if state is not None else None
    return found if isinstance(found, Counter) else Counter()


def _finished(record: _R, found: Counter[str]) -> _R:
    """``record`` with every string scrubbed of surrogates and ``found`` attached.

    orjson refuses a lone surrogate anywhere in a record, in C: only a record it refuses (or
    cannot write for another reason) is walked in Python.
    """
    try:
        orjson.dumps(record, default=orjson_refuse)
    except orjson.JSONEncodeError:
        _scrub_fields(record, found)
    if found:
        vars(record)[_PROBLEMS] = found
    return record


MAX_FIELD_DEPTH = 32
"""How deep a plugin's JSON value (``meta``, ``acf``, ``extra``, the SEO graph) may nest."""
MAX_FIELD_NODES = 20_000
"""How many values (objects, lists, scalars) one plugin field may hold."""
MAX_FIELD_CHARS = 2 * 1024 * 1024
"""How many characters of strings and keys one plugin field may hold."""
MAX_EXTRA_FIELDS = 50
"""How many ``WORDPRESS_EXTRA_FIELDS`` are read (the rest are ignored)."""


class _TooLarge(Exception):
    """A plugin field past the bounds (:data:`MAX_FIELD_DEPTH`, ...)."""


class _Budget:
    """What is left of the bounds while one plugin field is copied."""

    def __init__(self) -> None:
        self.nodes, self.chars = MAX_FIELD_NODES, MAX_FIELD_CHARS

    def spend(self, chars: int = 0) -> None:
        self.nodes -= 1
        self.chars -= chars
        if self.nodes < 0 or self.chars < 0:
            raise _TooLarge


def _json_copy(value: Any, budget: _Budget, depth: int) -> Any:
    """``value`` copied as JSON data (non-finite numbers become null), within ``budget``."""
    budget.spend(len(value) if isinstance(value, str) else 0)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if isfinite(value) else None
    if depth >= MAX_FIELD_DEPTH:
        raise _TooLarge
    if isinstance(value, dict):
        copied = {}
        for key, item in value.items():
            budget.spend(len(str(key)))
            copied[str(key)] = _json_copy(item, budget, depth + 1)
        return copied
    if isinstance(value, list):
        return [_json_copy(item, budget, depth + 1) for item in value]
    return None


def orjson_refuse(value: Any) -> Any:
    """orjson's ``default`` where its native types are the only ones wanted: anything else makes
    it raise, and the caller takes its Python path (the walks here, the exporter's general
    path)."""
    raise TypeError(type(value).__name__)


_ORJSON_REFUSE = (
    orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)  # fmt: skip
"""Everything but plain JSON data goes to :func:`orjson_refuse`."""
_NOT_COPIED = object()


def _shallow(value: dict[Any, Any] | list[Any], data: bytes) -> bool:
    """Whether ``value`` (written as ``data``) nests at most :data:`MAX_FIELD_DEPTH`
    containers: surely when ``data`` has no more brackets than that, else by a walk over the
    containers alone.

    >>> _shallow([[1]], b"[[1]]"), _shallow([[[1]]], b"[" * 40 + b"]" * 40)
    (True, True)
    """
    if data.count(b"[") + data.count(b"{") <= MAX_FIELD_DEPTH:
        return True
    level: list[Any] = [value]
    for _ in range(MAX_FIELD_DEPTH):
        inner: list[Any] = []
        for container in level:
            items = container.values() if type(container) is dict else container
            inner.extend(item for item in items if type(item) is dict or type(item) is list)
        if not inner:
            return True
        level = inner
    return False


def _fast_copy(value: dict[Any, Any] | list[Any]) -> Any:
    """:func:`_json_copy` through orjson when the value is surely within the bounds, else
    ``_NOT_COPIED``: a value whose JSON has at most :data:`MAX_FIELD_NODES` bytes has fewer
    values and characters than the bounds (each takes a byte at least), and its depth is
    checked by :func:`_shallow`. orjson writes a non-finite float as null, as the walk does; a
    key that is not a string, an integer beyond 64 bits, a lone surrogate or anything not JSON
    data is left to the walk."""
    try:
        data = orjson.dumps(value, default=orjson_refuse, option=_ORJSON_REFUSE)
    except orjson.JSONEncodeError:
        return _NOT_COPIED
    if len(data) > MAX_FIELD_NODES or not _shallow(value, data):
        return _NOT_COPIED
    return orjson.loads(data)


def json_value(value: Any, found: Counter[str] | None = None) -> Any:
    """A plugin's JSON value copied as the site sent it, or ``None`` when it is larger or
    deeper than the bounds (counted in ``found`` as ``oversized_fields``): a hostile site's
    field cannot fill the memory or the feed.

    >>> json_value({"a": [1, 2.5, None, {"b": "c"}]})
    {'a': [1, 2.5, None, {'b': 'c'}]}
    >>> deep = inner = {}
    >>> for _ in range(100):
    ...     inner["x"] = inner = {}
    >>> found = Counter()
    >>> json_value(deep, found), json_value(list(range(MAX_FIELD_NODES)), found), dict(found)
    (None, None, {'oversized_fields': 2})
    """
    if type(value) is dict or type(value) is list:
        copied = _fast_copy(value)
        if copied is not _NOT_COPIED:
            return copied
    try:
        return _json_copy(value, _Budget(), 0)
    except _TooLarge:
        if found is not None:
            found[OVERSIZED] += 1
        return None


def json_object(value: Any, found: Counter[str] | None = None) -> dict[str, Any] | None:
    """A plugin's JSON object (``meta``, ``acf``) as :func:`json_value` copies it; PHP's empty
    array (``[]``, what WordPress sends for "no meta") is ``{}``; anything else ``None``.

    >>> json_object({"subtitle": "A &amp; B"}), json_object([]), json_object("x"), json_object(None)
    ({'subtitle': 'A &amp; B'}, {}, None, None)
    """
    if value == []:
        return {}
    if not isinstance(value, dict):
        return None
    copied = json_value(value, found)
    return copied if isinstance(copied, dict) else None


def _seo_images(value: Any, found: Counter[str]) -> list[SeoImage]:
    if not isinstance(value, list):
        return []
    return [
        SeoImage(
            url=web_url(image.get("url"), found),
            width=_int(image.get("width")),
            height=_int(image.get("height")),
            type=_str(image.get("type")),
        )
        for image in value[:100]
        if isinstance(image, dict)
    ]


def seo_record(data: dict[str, Any], found: Counter[str] | None = None) -> Seo | None:
    """What Yoast SEO states about a record (its ``yoast_head_json``), field by field as the
    site sent it; URLs only if ``http(s)``; ``None`` when the record has no such object. The
    rendered ``yoast_head`` HTML is never read.

    >>> seo = seo_record({"yoast_head_json": {"title": "Hi - Blog", "canonical": "https://e.com/hi/",
    ...     "robots": {"index": "index"}, "og_image": [{"url": "https://e.com/a.jpg", "width": 800}],
    ...     "twitter_image": "javascript:x", "article_published_time": "2024-05-01T10:00:00+00:00",
    ...     "schema": {"@graph": [{"@type": "WebPage"}]}}, "yoast_head": "<title>Hi</title>"})
    >>> seo.title, seo.canonical, seo.robots, seo.og_image[0].width, seo.twitter_image
    ('Hi - Blog', 'https://e.com/hi/', {'index': 'index'}, 800, None)
    >>> seo.article_published_time, seo.schema
    ('2024-05-01T10:00:00+00:00', {'@graph': [{'@type': 'WebPage'}]})
    >>> seo_record({"yoast_head": "<title>Hi</title>"}), seo_record({"yoast_head_json": []})
    (None, None)
    """
    head = data.get("yoast_head_json")
    if not isinstance(head, dict):
        return None
    found = found if found is not None else Counter()
    texts = {
        name: _str(head.get(name))
        for name in (
            "title", "description", "og_locale", "og_type", "og_title", "og_description",
            "og_site_name", "article_published_time", "article_modified_time", "twitter_card",
            "twitter_title", "twitter_description", "twitter_site", "twitter_creator",
        )
    }  # fmt: skip
    return Seo(
        **texts,
        canonical=web_url(head.get("canonical"), found),
        robots=json_object(head.get("robots"), found),
        og_url=web_url(head.get("og_url"), found),
        og_image=_seo_images(head.get("og_image"), found),
        twitter_image=web_url(head.get("twitter_image"), found),
        twitter_misc=json_object(head.get("twitter_misc"), found),
        schema=json_object(head.get("schema"), found),
    )


def language_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``language`` and ``translations`` as a translation plugin states them: Polylang's
    ``lang`` and ``translations`` (``{lang: id}``), else WPML's ``wpml_current_locale`` and
    ``wpml_translations`` (``[{locale, id, ...}]``); nulls without either (never guessed).

    >>> language_fields({"lang": "en", "translations": {"en": 5, "fr": 9, "de": "x"}})
    {'language': 'en', 'translations': {'en': 5, 'fr': 9}}
    >>> language_fields({"wpml_current_locale": "en_US",
    ...     "wpml_translations": [{"locale": "fr_FR", "id": 9, "post_title": "Bonjour"}]})
    {'language': 'en_US', 'translations': {'fr_FR': 9}}
    >>> language_fields({"link": "https://e.com/fr/x/"})
    {'language': None, 'translations': None}
    """
    language, translations = _str(data.get("lang")), data.get("translations")
    pairs: list[tuple[Any, Any]] = []
    if language is not None:
        pairs = list(translations.items()) if isinstance(translations, dict) else []
    else:
        language, translations = (
            _str(data.get("wpml_current_locale")),
            data.get("wpml_translations"),
        )
        if language is not None and isinstance(translations, list):
            pairs = [(t.get("locale"), t.get("id")) for t in translations if isinstance(t, dict)]
    if language is None:
        return {"language": None, "translations": None}
    found = {}
    for name, value in pairs[:1000]:
        ident = _optional_int(value)
        if isinstance(name, str) and ident is not None:
            found[name] = ident
    return {"language": language, "translations": found}


def plugin_fields(
    data: dict[str, Any], found: Counter[str], extra_fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``meta``, ``acf``, ``seo`` and ``extra`` of a REST object (see :mod:`crawler.items`):
    ``extra`` holds the named top-level fields the object has, as the site sent them.

    >>> fields = plugin_fields({"meta": [], "acf": {"hero": 12}, "price": "9.90", "_links": {}},
    ...     Counter(), ("price", "stock"))
    >>> fields["meta"], fields["acf"], fields["seo"], fields["extra"]
    ({}, {'hero': 12}, None, {'price': '9.90'})
    """
    extra = None
    if extra_fields:
        extra = {}
        for name in extra_fields[:MAX_EXTRA_FIELDS]:
            if name in data:
                extra[name] = json_value(data[name], found)
    return {
        "meta": json_object(data.get("meta"), found),
        "acf": json_object(data.get("acf"), found),
        "seo": seo_record(data, found),
        "extra": extra,
    }


def rendered(field: Any) -> str:
    """The ``rendered`` HTML of a WordPress field, tolerating a bare string or ``None``.

    >>> rendered({"rendered": "<p>Hi</p>", "protected": False}), rendered("x"), rendered(None)
    ('<p>Hi</p>', 'x', '')
    """
    if isinstance(field, dict):
        field = field.get("rendered")
    return field if isinstance(field, str) else ""


def record_id(data: Any) -> int:
    """The id of a REST object, or :class:`MalformedRecordError` if it has none.

    >>> record_id({"id": 7})
    7
    >>> record_id({"title": "x"})
    Traceback (most recent call last):
    ...
    crawler.wordpress.records.MalformedRecordError: a record without an integer id
    """
    if isinstance(data, dict):
        value = data.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 < value <= MAX_ID:
                return value
            raise MalformedRecordError("a record whose id is out of range")
    raise MalformedRecordError("a record without an integer id")


def int_list(value: Any) -> list[int]:
    """The integers of a JSON list (ids), anything else dropped.

    >>> int_list([1, "2", True, 3]), int_list(None)
    ([1, 3], [])
    """
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def _optional_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def _int(value: Any) -> int | None:
    """An integer field (width, count, order) in a sane range, else ``None``."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID:
        return value
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def linked_id(data: dict[str, Any], name: str) -> int | None:
    """The id a REST object names in ``name`` (``author``, ``featured_media``), if any.

    WordPress writes 0 for "none". The join (:mod:`crawler.wordpress.joins`) reads these.

    >>> linked_id({"author": 5, "featured_media": 0}, "author"), linked_id({}, "featured_media")
    (5, None)
    """
    return _optional_int(data.get(name))


def _identity(data: Any, site: str, found: Counter[str]) -> dict[str, Any]:
    """The fields every record starts with: where from, which one, where to see it, and that
    it came from the REST API (which leaves no field ``missing``)."""
    record = record_id(data)  # first: rejects what is not a record
    return {"site": site, "id": record, "link": web_url(data.get("link"), found), "source": REST}


def entry_record(
    data: Any, *, site: str, post_type: str = "post", extra_fields: tuple[str, ...] = ()
) -> EntryRecord:
    """A post-like REST object (post, page, custom type) as its record, links not resolved.

    The class follows the post type (:func:`crawler.items.entry_class`): posts carry
    ``sticky`` and ``format``, pages and custom types ``parent`` and ``menu_order``.
    Password-protected content is never exported: WordPress sends it empty anyway, and the
    record says ``protected: true``. Author, terms and featured image are left empty for the
    join, which reads their ids from ``data``. A date that is not a real date and a link that
    is not an ``http(s)`` URL become null (see :func:`record_problems`).

    >>> rec = entry_record({"id": 5, "link": "https://e.com/?p=5", "title": {"rendered": "Don&#8217;t"},
    ...     "date_gmt": "2024-01-02T03:04:05", "content": {"rendered": "<p>x</p>", "protected": False},
    ...     "categories": [1, "x"], "author": 2, "sticky": True}, site="https://e.com/")
    >>> type(rec).__name__, rec.title, rec.date_gmt, rec.sticky, rec.protected, rec.source, rec.missing
    ('PostItem', 'Don’t', '2024-01-02T03:04:05Z', True, False, 'rest', [])
    >>> rec = entry_record({"id": 6, "link": "javascript:alert(1)", "modified_gmt": "9999-99-99T99:99:99",
    ...     "title": {"rendered": "A" + chr(0xD800)}}, site="https://e.com/")
    >>> rec.link, rec.modified_gmt, rec.title, sorted(record_problems(rec).items())
    (None, None, 'A\ufffd', [('invalid_dates', 1), ('invalid_urls', 1), ('surrogates_replaced', 1)])
    """
    found: Counter[str] = Counter()
    identity = _identity(data, site, found)  # first: rejects what is not a record
    content = data.get("content")
    protected = bool(isinstance(content, dict) and content.get("protected"))
    fields: dict[str, Any] = {
        **identity,
        "type": post_type,
        "slug": _str(data.get("slug")),
        "status": _str(data.get("status")),
        "date_gmt": utc_iso(data.get("date_gmt"), found),
        "modified_gmt": utc_iso(data.get("modified_gmt"), found),
        "title": clean_inline_text(rendered(data.get("title"))),
        "content_html": "" if protected else rendered(content),
        "excerpt": "" if protected else rendered(data.get("excerpt")),
        "protected": protected,
        "comment_status": _str(data.get("comment_status")),
        **language_fields(data),
        **plugin_fields(data, found, extra_fields),
    }
    item_class = entry_class(post_type)
    record: EntryRecord
    if item_class is PostItem:
        sticky, format_ = bool(data.get("sticky", False)), _str(data.get("format"))
        record = PostItem(**fields, sticky=sticky, format=format_)
    else:
        parent, menu_order = _optional_int(data.get("parent")), _int(data.get("menu_order"))
        if item_class is PageItem:
            record = PageItem(**fields, parent=parent, menu_order=menu_order)
        else:
            record = EntryItem(**fields, parent=parent, menu_order=menu_order)
    return _finished(record, found)


def _dimensions(details: Any) -> tuple[int | None, int | None]:
    if not isinstance(details, dict):
        return None, None
    return _int(details.get("width")), _int(details.get("height"))


def _sizes(details: Any, found: Counter[str]) -> dict[str, ImageSize]:
    """``media_details.sizes`` as ``{name: ImageSize}``; sizes without an ``http(s)`` URL are
    left out (an invalid one is counted)."""
    raw_sizes = details.get("sizes") if isinstance(details, dict) else None
    if not isinstance(raw_sizes, dict):
        return {}
    sizes = {}
    for name, size in raw_sizes.items():
        if not isinstance(size, dict):
            continue
        source_url = web_url(size.get("source_url"), found)
        if source_url is not None:
            width, height = _dimensions(size)
            sizes[str(name)] = ImageSize(
                source_url=source_url,
                width=width,
                height=height,
                mime_type=_str(size.get("mime_type")),
            )
    return sizes


def media_record(data: Any, *, site: str, extra_fields: tuple[str, ...] = ()) -> MediaItem:
    """An attachment (``/wp/v2/media``) as its record.

    ``media_details`` can be ``{}`` or have no ``sizes`` when metadata is missing.

    >>> rec = media_record({"id": 9, "source_url": "https://e.com/a.jpg", "mime_type": "image/jpeg",
    ...     "caption": {"rendered": "<p>Photo: A &amp; B</p>\\n"}, "post": 5,
    ...     "media_details": {"width": 400, "height": 250, "sizes": {"thumbnail": {
    ...         "source_url": "https://e.com/a-150x150.jpg", "width": 150, "height": 150,
    ...         "mime_type": "image/jpeg", "file": "a-150x150.jpg"}}}}, site="https://e.com/")
    >>> rec.caption, rec.width, rec.post, rec.sizes["thumbnail"].width
    ('Photo: A & B', 400, 5, 150)
    >>> rec = media_record({"id": 9, "source_url": "data:image/png;base64,AA", "media_details": {
    ...     "sizes": {"a": {"source_url": "vbscript:x"}, "b": {"source_url": "https://e.com/b.png"}}}},
    ...     site="https://e.com/")
    >>> rec.source_url, list(rec.sizes), dict(record_problems(rec))
    (None, ['b'], {'invalid_urls': 2})
    """
    found: Counter[str] = Counter()
    identity = _identity(data, site, found)  # first: rejects what is not a record
    details = data.get("media_details")
    width, height = _dimensions(details)
    record = MediaItem(
        **identity,
        slug=_str(data.get("slug")),
        date_gmt=utc_iso(data.get("date_gmt"), found),
        modified_gmt=utc_iso(data.get("modified_gmt"), found),
        title=clean_inline_text(rendered(data.get("title"))),
        source_url=web_url(data.get("source_url"), found),
        mime_type=_str(data.get("mime_type")),
        media_type=_str(data.get("media_type")),
        alt_text=_str(data.get("alt_text")) or "",
        caption=clean_inline_text(rendered(data.get("caption"))),
        post=_optional_int(data.get("post")),
        author=_optional_int(data.get("author")),
        width=width,
        height=height,
        sizes=_sizes(details, found),
        **language_fields(data),
        **plugin_fields(data, found, extra_fields),
    )
    return _finished(record, found)


def term_record(data: Any, *, site: str, extra_fields: tuple[str, ...] = ()) -> TermItem:
    """A term (category, tag, custom taxonomy) as its record; WordPress stores names escaped.

    >>> term_record({"id": 3, "name": "News &amp; Events", "taxonomy": "category", "parent": 0,
    ...              "count": 4, "slug": "news"}, site="https://e.com/").name
    'News & Events'
    """
    found: Counter[str] = Counter()
    identity = _identity(data, site, found)  # first: rejects what is not a record
    record = TermItem(
        **identity,
        taxonomy=_str(data.get("taxonomy")),
        name=clean_inline_text(_str(data.get("name")) or ""),
        slug=_str(data.get("slug")),
        parent=_optional_int(data.get("parent")),
        count=_int(data.get("count")),
        description=clean_inline_text(_str(data.get("description")) or ""),
        **language_fields(data),
        **plugin_fields(data, found, extra_fields),
    )
    return _finished(record, found)


def user_record(data: Any, *, site: str, extra_fields: tuple[str, ...] = ()) -> UserItem:
    """A user as the site shows them anonymously (authors of published content only).

    >>> user_record({"id": 2, "name": "Ann", "url": "javascript:alert(1)"}, site="https://e.com/").url
    """
    found: Counter[str] = Counter()
    identity = _identity(data, site, found)  # first: rejects what is not a record
    record = UserItem(
        **identity,
        name=clean_inline_text(_str(data.get("name")) or ""),
        slug=_str(data.get("slug")),
        url=web_url(data.get("url"), found),
        description=clean_inline_text(_str(data.get("description")) or ""),
        **plugin_fields(data, found, extra_fields),
    )
    return _finished(record, found)


def comment_record(data: Any, *, site: str, extra_fields: tuple[str, ...] = ()) -> CommentItem:
    """A comment as its record (``status`` as REST states it, ``approved`` or ``hold``); its
    HTML is cleaned later like post content (comments carry no plugin fields:
    ``extra_fields`` is accepted for a uniform call)."""
    found: Counter[str] = Counter()
    identity = _identity(data, site, found)  # first: rejects what is not a record
    record = CommentItem(
        **identity,
        post=_optional_int(data.get("post")),
        parent=_optional_int(data.get("parent")),
        author_name=clean_inline_text(_str(data.get("author_name")) or ""),
        date_gmt=utc_iso(data.get("date_gmt"), found),
        content_html=rendered(data.get("content")),
        status=_status(data.get("status")),
    )
    return _finished(record, found)


def _status(value: Any) -> str | None:
    """A status word (``approved``, ``hold``...), or ``None`` for anything else.

    >>> _status("hold"), _status("x" * 99), _status("a b"), _status(3)
    ('hold', None, None, None)
    """
    if not isinstance(value, str) or not 0 < len(value) <= 32:
        return None
    return value if all(c.isascii() and (c.isalnum() or c in "_-") for c in value) else None
