"""Which files of a media record to download, from where, and under which name.

WordPress rules and the crawl's file policy, with no Scrapy import: the files pipeline
(:mod:`crawler.pipelines.media_files`) asks these functions and only downloads.

- What: the original file (``source_url``) and, when asked, named generated sizes
  (``full``, ``large``...), each an absolute ``http(s)`` URL, at most :data:`MAX_FILES` a record.
- From where: the site's own hosts, or an uploads host (a CDN) that the site's own media
  records point at, only for paths under ``/wp-content/uploads/`` (WordPress's uploads folder,
  which CDNs mirror), at most :data:`MAX_CDN_HOSTS` of them a crawl.
- Under which name: the SHA1 of the URL plus a plain extension (``full/<sha1>.jpg``), as
  Scrapy's ``FilesPipeline`` names files: nothing the site sends reaches a file name, so no
  URL (``../../x.jpg``, ``%2e%2e%2f``, a name of 10,000 characters) can write outside
  ``FILES_STORE``.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from crawler.wordpress.records import web_url
from crawler.wordpress.routes import request_host

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

ORIGINAL = "original"
"""The label of a record's own file (``source_url``) among its sizes."""
MAX_FILES = 16
"""Files per media record at most (the original and named sizes)."""
MAX_CDN_HOSTS = 4
"""Uploads hosts besides the site's own that one crawl downloads from, at most."""
UPLOADS_PATH = "/wp-content/uploads/"
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


def wanted_sizes(value: Any) -> list[str]:
    """The size names of ``WORDPRESS_MEDIA_SIZES`` (a comma-separated string or a list),
    without blanks and duplicates, at most :data:`MAX_FILES` - 1.

    >>> wanted_sizes("full, large,,full"), wanted_sizes(None), wanted_sizes(["medium"])
    (['full', 'large'], [], ['medium'])
    """
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    names: list[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in names and len(names) < MAX_FILES - 1:
            names.append(name)
    return names


def file_urls(source_url: Any, sizes: Any, wanted: Iterable[str]) -> dict[str, str]:
    """``{label: URL}`` of the files to download for one media record: :data:`ORIGINAL` for
    ``source_url``, then each wanted size the record has (``sizes`` as exported: ``{name:
    {source_url...}}``, or ``ImageSize`` objects). URLs that are not ``http(s)`` are left out.

    >>> file_urls("https://e.com/a.jpg", {"large": {"source_url": "https://e.com/a-1024.jpg"},
    ...           "thumbnail": {"source_url": "https://e.com/a-150.jpg"}}, ["large", "huge"])
    {'original': 'https://e.com/a.jpg', 'large': 'https://e.com/a-1024.jpg'}
    >>> file_urls("javascript:alert(1)", None, ["full"])
    {}
    """
    urls: dict[str, str] = {}
    original = web_url(source_url)
    if original:
        urls[ORIGINAL] = original
    if isinstance(sizes, dict):
        for name in wanted:
            size = sizes.get(name)
            url = size.get("source_url") if isinstance(size, dict) else None
            url = web_url(url if size is None or isinstance(size, dict) else size.source_url)
            if url and len(urls) < MAX_FILES:
                urls[name] = url
    return urls


def file_path(url: str) -> str:
    """The file's name in ``FILES_STORE``: ``full/<SHA1 of the URL><extension>``, the extension
    only when the URL's last path segment ends in a short alphanumeric one. Nothing else of the
    URL is kept, so no URL leads outside the store.

    >>> file_path("https://e.com/wp-content/uploads/2024/12/a.JPG")
    'full/c3d231a1339bd1b88ae5f7d15c74dd4075162d41.jpg'
    >>> [file_path(u)[:5] + file_path(u)[45:] for u in ("https://e.com/../../x.jpg",
    ...  "https://e.com/%2e%2e%2f%2e%2e%2fx.php%00.png", "https://e.com/a.tar.gz?x=../y",
    ...  "https://e.com/" + "a" * 5000 + ".jpg.....", "https://e.com/x.j/pg")]
    ['full/.jpg', 'full/.png', 'full/.gz', 'full/', 'full/']
    """
    digest = hashlib.sha1(url.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    last = unquote(urlsplit(url).path.rpartition("/")[2])[-64:].lower()
    dot = last.rfind(".")
    extension = last[dot:] if dot >= 0 else ""
    return f"full/{digest.hexdigest()}{extension if _EXTENSION.fullmatch(extension) else ''}"


def refusal(url: str, site_hosts: Iterable[str], cdn_hosts: set[str]) -> str | None:
    """Why ``url`` is not downloaded (``None``: it may be, and a new uploads host has then been
    added to ``cdn_hosts``). The site's own hosts are always allowed; another host only for a
    path in WordPress's uploads folder and while fewer than :data:`MAX_CDN_HOSTS` are in use.
    Private addresses are refused later, by the crawl's address policy, as for any request.

    >>> cdn: set[str] = set()
    >>> refusal("http://e.com/wp-content/uploads/a.jpg", {"e.com"}, cdn)
    >>> refusal("https://cdn.e.net/wp-content/uploads/a.jpg", {"e.com"}, cdn), cdn
    (None, {'cdn.e.net'})
    >>> refusal("https://evil.test/x.jpg", {"e.com"}, cdn)
    'not the site nor its uploads'
    >>> for i in range(4):
    ...     _ = refusal(f"https://c{i}.net/wp-content/uploads/a.jpg", {"e.com"}, cdn)
    >>> refusal("https://c9.net/wp-content/uploads/a.jpg", {"e.com"}, cdn)
    'too many uploads hosts'
    """
    parts = urlsplit(url)
    host = request_host(url)
    if host in site_hosts or host in cdn_hosts:
        return None
    if UPLOADS_PATH not in parts.path:
        return "not the site nor its uploads"
    if len(cdn_hosts) >= MAX_CDN_HOSTS:
        return "too many uploads hosts"
    cdn_hosts.add(host)
    return None


def stored_file(path: str, checksum: str, size: int) -> dict[str, Any]:
    """The ``file`` of a media record: where the file is in ``FILES_STORE``, its MD5 (as
    Scrapy's ``FilesPipeline`` and S3 compute it) and its size in bytes.

    >>> stored_file("full/ab.jpg", "0cc1", 12)
    {'path': 'full/ab.jpg', 'checksum': '0cc1', 'size': 12}
    """
    return {"path": path, "checksum": checksum, "size": size}


def known_file(known: Mapping[str, Any] | None, path: str) -> dict[str, Any] | None:
    """The stored file at ``path`` that an earlier run recorded for a media id (its state entry
    ``{path: {checksum, size}}``), or ``None``; entries of the wrong shape count as unknown.

    >>> known_file({"full/a.jpg": {"checksum": "c", "size": 3}}, "full/a.jpg")
    {'path': 'full/a.jpg', 'checksum': 'c', 'size': 3}
    >>> known_file({"full/a.jpg": {"checksum": 1}}, "full/a.jpg"), known_file(None, "x")
    (None, None)
    """
    entry = known.get(path) if known else None
    if not isinstance(entry, dict):
        return None
    checksum, size = entry.get("checksum"), entry.get("size")
    if not isinstance(checksum, str) or type(size) is not int:
        return None
    return stored_file(path, checksum, size)
