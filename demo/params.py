"""PHP-style query strings, because WordPress reads ``$_GET`` and builds URLs with PHP.

Pagination ``Link`` URLs and ``_links`` hrefs are byte-for-byte what ``add_query_arg()`` makes,
so a crawler that compares or de-duplicates URLs sees the same strings as on a real site.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote_plus

QueryValue = str | list[str]
Query = dict[str, QueryValue]

_ARRAY_KEY = re.compile(r"^([^\[\]]+)\[([^\]]*)\]$")
_LIST_SPLIT = re.compile(r"[\s,]+")


def parse_query(query: str) -> Query:
    """Parse a query string as PHP fills ``$_GET``: last value wins, ``a[]=``/``a[0]=`` make lists.

    >>> parse_query("per_page=100&include[]=3&include[]=4&page=2&page=3")
    {'per_page': '100', 'include': ['3', '4'], 'page': '3'}
    """
    params: Query = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        match = _ARRAY_KEY.match(key)
        if match is None:
            params[key] = value
            continue
        name = match.group(1)
        current = params.get(name)
        if isinstance(current, list):
            current.append(value)
        else:
            params[name] = [value]
    return params


def php_urlencode(value: str) -> str:
    """PHP ``urlencode()``: like ``quote_plus`` but ``~`` is encoded too.

    >>> php_urlencode("/wp/v2/posts 1,2~")
    '%2Fwp%2Fv2%2Fposts+1%2C2%7E'
    """
    return quote_plus(value, safe="").replace("~", "%7E")


def build_query(params: Query) -> str:
    """``build_query(urlencode_deep($params))``: values encoded, list keys as ``k%5B0%5D``.

    >>> build_query({"rest_route": "/wp/v2/posts", "include": ["1", "2"], "page": "2"})
    'rest_route=%2Fwp%2Fv2%2Fposts&include%5B0%5D=1&include%5B1%5D=2&page=2'
    """
    parts: list[str] = []
    for key, value in params.items():
        if isinstance(value, list):
            parts.extend(f"{key}%5B{i}%5D={php_urlencode(v)}" for i, v in enumerate(value))
        else:
            parts.append(f"{key}={php_urlencode(value)}")
    return "&".join(parts)


def add_query_args(url: str, args: Query) -> str:
    """WordPress ``add_query_arg()``: merge ``args`` into ``url``, re-encoding the existing query.

    Re-encoding is why plain-permalink hrefs carry ``rest_route=%2Fwp%2Fv2%2F...``.

    >>> add_query_args("http://h/index.php?rest_route=/wp/v2/comments", {"post": "7"})
    'http://h/index.php?rest_route=%2Fwp%2Fv2%2Fcomments&post=7'
    """
    base, _, query = url.partition("?")
    merged = parse_query(query)
    merged.update(args)
    built = build_query(merged)
    return f"{base}?{built}" if built else base


def parse_list(value: QueryValue) -> list[str]:
    """``wp_parse_list()``: a list param may be ``a,b`` or ``a[]=..``; blanks are dropped.

    >>> parse_list("3, 4,,5")
    ['3', '4', '5']
    """
    items = value if isinstance(value, list) else [value]
    return [part for item in items for part in _LIST_SPLIT.split(item) if part]
