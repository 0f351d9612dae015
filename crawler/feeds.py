"""The default feeds: one JSONL file per record type under ``<output dir>/<host>/[<run>/]``.

They are plain Scrapy ``FEEDS`` entries routed by each record's ``type`` (``item_filter``), set
at the spider's priority, so a user's own ``-o``/``-O``/``FEEDS`` replaces them without any
special case. A site's custom post types get a feed each with the same options, opened once the
site's types are known (:mod:`crawler.extensions.typefeeds`).

Overwritten feeds are written to ``<file>.part`` and moved into place when the crawl closes, so
the previous run's file stays whole until a new one is complete: a crawl that is killed, or
that finds nothing (a site that is down), never leaves a truncated or empty feed behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.extensions.feedexport import FileFeedStorage, ItemFilter
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.items import RECORD_CLASSES, EntryItem, TombstoneItem
from crawler.state.resume import job_starts
from crawler.state.store import site_key

if TYPE_CHECKING:
    from scrapy import Spider


FEED_RECORD_TYPES: dict[str, str] = {
    feed: record_class.record_type or "" for feed, record_class in RECORD_CLASSES.items()
}
"""Each fixed feed and the record ``type`` it holds; custom post types get a feed each."""
_RECORD_TYPES = frozenset({*RECORD_CLASSES.values(), EntryItem, TombstoneItem})


MAX_NAME_LENGTH = 64
"""The longest feed name made from a site's data, hash suffix included."""

_NOT_IN_ALPHABET = re.compile(r"[^a-z0-9]+")


def short_hash(text: str) -> str:
    """Eight hex digits that tell two different site-given names apart.

    >>> short_hash("Events")
    '8d14f6e7'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def name_slug(text: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """A file-name-safe form of a name a site chose: ``[a-z0-9-]``, at most ``max_length``.

    A name already in that alphabet is kept as it is; any other gets a hash of the original
    appended, so two different names never end up with one slug. Nothing in the result can be
    a path separator, ``..``, a ``%`` template or a control character.

    >>> name_slug("events"), name_slug("Events"), name_slug("my_events")
    ('events', 'events-8d14f6e7', 'my-events-fbc136e1')
    >>> name_slug("%(host)s/../../x"), name_slug(chr(0)), name_slug("")
    ('host-s-x-527c05f1', 'x-6e340b9c', 'x-e3b0c442')
    >>> len(name_slug("a" * 300)), name_slug("a" * 300)[-9:]
    (64, '-9835fa6b')
    """
    slug = _NOT_IN_ALPHABET.sub("-", text.lower()).strip("-")
    if slug == text and 0 < len(slug) <= max_length:
        return slug
    return f"{slug[: max_length - 9].rstrip('-') or 'x'}-{short_hash(text)}"


def custom_type_feed(rest_base: str) -> str:
    """The feed name of a custom post type: its slugged ``rest_base``, prefixed with ``type-``
    if a fixed feed has that name.

    >>> custom_type_feed("events"), custom_type_feed("posts"), custom_type_feed("a/../b")
    ('events', 'type-posts', 'a-b-900ea8b7')
    """
    slug = name_slug(rest_base)
    return f"type-{slug}" if slug in FEED_RECORD_TYPES else slug


class OutsideOutputError(ValueError):
    """A feed would be written outside the output folder."""


def inside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path``, resolved (``..``, symlinks), is ``root`` or under it.

    >>> inside("out/h/posts.jsonl", "out"), inside("out/../posts.jsonl", "out")
    (True, False)
    >>> inside("/etc/passwd", "out")
    False
    """
    return Path(path).resolve().is_relative_to(Path(root).resolve())


@dataclass(frozen=True)
class FeedLayout:
    """Where the default feeds go and how they are written.

    Scheduled (incremental) runs write each run into its own folder, so one run never replaces
    another's records; a one-off crawl overwrites ``<dir>/<host>/<feed>.jsonl``.
    """

    output_dir: str = "output"
    run_folders: bool = False
    gzip: bool = False

    def uri(self, feed: str) -> str:
        """The URI template of one feed.

        >>> FeedLayout("output/").uri("posts")
        'output/%(host)s/posts.jsonl'
        >>> FeedLayout("out", run_folders=True, gzip=True).uri("posts")
        'out/%(host)s/%(run)s/posts.jsonl.gz'
        """
        folder = "%(host)s/%(run)s" if self.run_folders else "%(host)s"
        suffix = ".jsonl.gz" if self.gzip else ".jsonl"
        # Feed names are slugs; escaping keeps any other name out of the %-templating anyway.
        name = feed.replace("%", "%%")
        return f"{self.output_dir.rstrip('/') or '.'}/{folder}/{name}{suffix}"

    @property
    def root(self) -> str:
        """The folder every feed must stay in: the output folder, up to its first template.

        >>> FeedLayout("out/").root, FeedLayout("out/%(name)s/x").root, FeedLayout("o%(x)s").root
        ('out', 'out', '.')
        >>> FeedLayout("file:///data/out").root, FeedLayout("/").root
        ('/data/out', '/')
        """
        output_dir = self.output_dir.removeprefix("file://")
        fixed = output_dir.split("%", 1)[0]
        if "%" in output_dir and not fixed.endswith("/"):
            fixed = fixed.rpartition("/")[0]
        return fixed.rstrip("/") or ("/" if fixed.startswith("/") else ".")

    @property
    def local(self) -> bool:
        """Whether the feeds are local files (a path or ``file://``), which the output-folder
        check and the ``.part`` files apply to; ``s3://`` and other storages have neither.

        >>> FeedLayout("out").local, FeedLayout("file:///o").local, FeedLayout("s3://b/").local
        (True, True, False)
        """
        return is_local_uri(self.output_dir)

    def options(self, record_type: str) -> dict[str, Any]:
        """Feed options routing the records of ``record_type`` (tombstones included)."""
        options: dict[str, Any] = {
            "format": "jsonlines",
            "encoding": "utf-8",
            "overwrite": True,
            "store_empty": False,
            "item_filter": RecordTypeFilter,
            "record_type": record_type,
        }
        if self.local:
            options["output_root"] = self.root
        if self.gzip:
            options["postprocessing"] = ["scrapy.extensions.postprocessing.GzipPlugin"]
        return options

    def feeds(self) -> dict[str, dict[str, Any]]:
        """``FEEDS`` for every fixed feed.

        >>> [uri.rsplit("/", 1)[1] for uri in FeedLayout().feeds()]
        ['posts.jsonl', 'pages.jsonl', 'media.jsonl', 'terms.jsonl', 'users.jsonl', 'comments.jsonl']
        """
        return {
            self.uri(feed): self.options(record_type)
            for feed, record_type in FEED_RECORD_TYPES.items()
        }

    @classmethod
    def from_settings(cls, settings: Any, *, incremental: bool = False) -> FeedLayout:
        run_folders = settings.get("WORDPRESS_RUN_FOLDERS")
        return cls(
            output_dir=settings.get("WORDPRESS_OUTPUT_DIR", "output"),
            run_folders=incremental
            if run_folders in (None, "")
            else settings.getbool("WORDPRESS_RUN_FOLDERS"),
            gzip=settings.getbool("WORDPRESS_FEED_GZIP", False),
        )


def is_local_uri(uri: str) -> bool:
    """Whether a feed URI is a local file: no scheme, ``file://``, or a Windows drive.

    >>> [is_local_uri(u) for u in ("out/x", "/o", "file:///o", "s3://b/k", "ftp://h/p", "C:/o")]
    [True, True, True, False, False, True]
    """
    scheme = urlsplit(uri).scheme if "://" in uri else ""
    return scheme in ("", "file") or len(scheme) == 1


def use_default_feeds(settings: Any, layout: FeedLayout) -> None:
    """Set the default ``FEEDS`` at spider priority: a user's ``-o``/``-O``/``FEEDS`` wins."""
    if settings.frozen:  # a crawler built by tests; real crawls set this before freezing
        return
    settings.set("FEEDS", layout.feeds(), "spider")
    settings.set("WORDPRESS_FEED_LAYOUT", layout, "spider")


def default_feeds_in_use(settings: Any) -> bool:
    """Whether ``FEEDS`` are still the default ones: no ``-o``/``-O``/``FEEDS`` of the user's."""
    return (
        settings.getpriority("FEEDS") == SETTINGS_PRIORITIES["spider"]
        and settings.get("WORDPRESS_FEED_LAYOUT") is not None
    )


MAX_HOST_LENGTH = 120

_NOT_IN_HOST_ALPHABET = re.compile(r"[^a-z0-9._-]+")


def site_slug(url: str) -> str:
    """The folder of a site's feeds (``%(host)s`` in feed URIs): its :func:`host_slug`, plus its
    path for a site below the root of its host, so two sites of one host (a multisite network
    in subfolder mode) never share a folder. A site at the root keeps its host's name.

    >>> site_slug("http://127.0.0.1:8080/"), site_slug("https://e.com/wp-json/")
    ('127.0.0.1_8080', 'e.com')
    >>> site_slug("https://e.com/a/"), site_slug("https://e.com/a/b/") != site_slug("https://e.com/a-b/")
    ('e.com_a', True)
    """
    path = site_key(url).partition("/")[2].strip("/")
    return f"{host_slug(url)}_{name_slug(path)}" if path else host_slug(url)


def host_slug(url: str) -> str:
    """A file-name-safe form of a URL's host and port: one path component, never ``.``/``..``.

    Ordinary hosts keep their readable form (state files are named by it); IDN hosts become
    their punycode, IPv6 literals ``ipv6_<address with - for :>``. Anything else outside
    ``[a-z0-9._-]`` (or too long, or empty) is replaced and gets a hash of the original host,
    so two hosts never share a folder. User names and passwords are never part of it.

    >>> host_slug("http://127.0.0.1:8080/blog/"), host_slug("https://Example.com")
    ('127.0.0.1_8080', 'example.com')
    >>> host_slug("http://[::1]:8080/"), host_slug("https://bücher.de/")
    ('ipv6_--1_8080', 'xn--bcher-kva.de')
    >>> host_slug("http://../"), host_slug(""), host_slug("http://u:pw@e.com/")
    ('host-5ec1f7e7', 'host-e3b0c442', 'e.com')
    >>> host_slug("http://%2e%2e%2f/"), host_slug("http://[::1/"), host_slug("http://e.com:x/")
    ('2e-2e-2f-8ea6fbff', 'ipv6_--1', 'e-com-x-a188d153')
    """
    try:
        netloc = urlsplit(url).netloc
    except ValueError:  # an unclosed IPv6 bracket
        netloc = url.partition("//")[2].partition("/")[0]
    hostport = netloc.rpartition("@")[2]
    host, port = hostport, ""
    if hostport.startswith("["):
        address, _, rest = hostport[1:].partition("]")
        try:
            host = "ipv6_" + ipaddress.IPv6Address(address).compressed.replace(":", "-")
        except ValueError:
            host = hostport
        else:
            port = rest.removeprefix(":")
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    if not host.isascii():
        with contextlib.suppress(UnicodeError):  # not a valid IDN: hashed below
            host = host.encode("idna").decode("ascii")
    plain = host.lower() + (f"_{port}" if port else "")
    if port and not port.isdigit():
        plain = ""  # not a port: hashed below
    slug = re.sub(r"\.{2,}", ".", _NOT_IN_HOST_ALPHABET.sub("-", plain)).strip("._-")
    if slug == plain and 0 < len(slug) <= MAX_HOST_LENGTH:
        return slug
    fallback = _NOT_IN_HOST_ALPHABET.sub("-", hostport.lower()).replace(".", "-").strip("-")
    return (
        f"{(slug or fallback)[: MAX_HOST_LENGTH - 9].strip('._-') or 'host'}-{short_hash(hostport)}"
    )


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS`` hook: ``%(site)s`` (or ``%(host)s``, its older name) of the crawled
    site and ``%(run)s``, the run's start time in UTC (``20261128T143000Z``), the same for every
    feed of a run."""
    site = site_slug(getattr(spider, "url", "") or "")
    return {
        **params,
        "host": site,
        "site": site,
        "run": getattr(spider, "run_id", "run"),
    }


class AtomicFileFeedStorage(FileFeedStorage):
    """Local feed files that replace the previous file only once the new one is complete.

    Appending feeds (``-o``) are written in place, as Scrapy does. In a job (``JOBDIR``), whose
    records must survive a kill, an overwritten feed is written in place from the job's first
    start and appended to on every resume.
    """

    def __init__(
        self, uri: str, *, feed_options: dict[str, Any] | None = None, jobdir: str = ""
    ) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.feed_options = feed_options
        self.jobdir = jobdir

    @classmethod
    def from_crawler(
        cls, crawler: Any, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> AtomicFileFeedStorage:
        return cls(uri, feed_options=feed_options, jobdir=crawler.settings.get("JOBDIR") or "")

    def open(self, spider: Spider) -> IO[bytes]:
        root = (self.feed_options or {}).get("output_root")
        if root is not None and not inside(self.path, root):
            raise OutsideOutputError(f"{self.path} is outside the output folder {root}")
        if self.write_mode != "wb":
            return super().open(spider)
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.jobdir:
            return path.open("ab" if job_starts(self.jobdir) > 1 else "wb")
        return self.written_path.open("wb")

    def reopen(self) -> IO[bytes]:
        """The file :meth:`open` gave, closed meanwhile to bound the open files, to append to."""
        return self.written_path.open("ab")

    @property
    def written_path(self) -> Path:
        """Where the records go until :meth:`store`: the ``.part`` file or the feed itself."""
        if self.write_mode == "wb" and not self.jobdir:
            return Path(self.path + ".part")
        return Path(self.path)

    def store(self, file: IO[bytes]) -> None:
        file.close()
        if self.write_mode == "wb" and not self.jobdir:
            Path(self.path + ".part").replace(self.path)


class RecordTypeFilter(ItemFilter):
    """Accept the records whose ``type`` is the feed's ``record_type`` option.

    Routing by ``type`` rather than by item class lets a feed hold its records and their
    deletion tombstones alike.
    """

    def __init__(self, feed_options: dict[str, Any] | None) -> None:
        super().__init__(feed_options)
        self.record_type = (feed_options or {}).get("record_type")

    def accepts(self, item: Any) -> bool:
        return bool(record_type_of(item) == self.record_type)


def record_type_of(item: Any) -> Any:
    """An item's ``type`` field: an attribute read for the project's records (every feed's
    filter asks it of every item), through ``ItemAdapter`` for other kinds of item.

    >>> from crawler.items import PostItem
    >>> record_type_of(PostItem(site="s", id=1)), record_type_of({"type": "event"}), record_type_of({})
    ('post', 'event', None)
    """
    if type(item) in _RECORD_TYPES:
        return item.type
    return ItemAdapter(item).get("type")
