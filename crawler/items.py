"""The records the crawler exports: one class per record type, one JSONL feed per class.

These classes are the feed contract and the one registry of record types. Field order is export
order; every field's docstring is its documentation and goes into the JSON Schema under
``docs/schema/`` (``python -m crawler.schema`` regenerates it and the README's field tables; a
test fails when either differs from the code). Each class also says, as class variables, which
feed it goes to, its record ``type``, whether it is dated (versioned by ``modified_gmt``) and
whether other records link to it; every other mapping of the project is derived from these.
Linked records (author, terms, featured image) are exported as nested objects, shaped by the
small classes below. Every record says where it was built from (``source``: the REST API, or,
when the site blocks it, its page, its feed entry or its sitemap URL) and which fields that
source could not tell (``missing``): those are null, never a default that reads like data.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterable

_UTC = {"json_schema_extra": {"format": "date-time", "pattern": "Z$"}}
_URL = {"json_schema_extra": {"format": "uri"}}


def _const(value: str) -> Any:
    return field(default=value, metadata={"json_schema_extra": {"const": value}})


def _change() -> Any:
    """The ``change`` field, after the record's own fields in every record class (documented
    on :class:`_Changes`)."""
    return field(default=None, metadata={"json_schema_extra": {"enum": ["added", "updated", None]}})


SOURCES = ("rest", "html", "feed", "sitemap")
"""What a record can be built from, best first: the REST API, the record's own HTML page, its
Atom feed entry, its sitemap URL (and ``lastmod``)."""
REST = SOURCES[0]


def _source() -> Any:
    """The ``source`` field, after ``change`` in every record class (documented on
    :class:`_Provenance`)."""
    return field(default=REST, metadata={"json_schema_extra": {"enum": list(SOURCES)}})


_MISSING = {"json_schema_extra": {"uniqueItems": True}}
"""The metadata of the ``missing`` field, last in every record class (documented on
:class:`_Provenance`)."""


class _Changes:
    """Documents the ``change`` field that every record class declares after its own fields
    (its export position) with :func:`_change`; not a dataclass, so it adds no field of its
    own."""

    change: str | None
    """Incremental runs: why the record is in this run's feed, ``added`` or ``updated``; null
    in full crawls."""


class _Provenance:
    """Documents ``source`` and ``missing``, which every record class declares last, after
    ``change``, with :func:`_source` and :data:`_MISSING`: appended, they move no field of the
    records exported before they existed. Not a dataclass, so it adds no field of its own."""

    source: str
    """Where the record was built from: ``rest`` (the REST API), else, when the site blocks
    it, the best source read: ``html`` (its page), ``feed`` (only its Atom entry) or
    ``sitemap`` (only its URL and ``lastmod``)."""
    missing: list[str]
    """The fields its source could not provide, in field order (nested ones as
    ``featured_media.id``): each is null (lists and maps: empty). Always empty for ``rest``
    records."""


@dataclass(kw_only=True)
class Ref:
    """A linked user or term."""

    id: int
    """Its WordPress id."""
    name: str | None = None
    """Its display name, decoded; null if the site does not show it anonymously."""
    slug: str | None = None
    """Its URL slug; null if the site does not show it anonymously."""


@dataclass(kw_only=True)
class FeaturedImage:
    """The featured image of a post, from the site's media library."""

    id: int | None
    """The attachment's id; null when the record was rebuilt without REST and the page does
    not show it."""
    source_url: str | None = None
    """URL of the full-size file; null if the site does not show the attachment anonymously."""
    alt_text: str | None = None
    """Alternative text."""
    mime_type: str | None = None
    """MIME type, e.g. ``image/jpeg``."""
    width: int | None = None
    """Width of the full-size file, in pixels."""
    height: int | None = None
    """Height of the full-size file, in pixels."""


@dataclass(kw_only=True)
class ImageSize:
    """One generated size of an image attachment."""

    source_url: str
    """URL of this size's file, an absolute ``http(s)`` URL (sizes without one are left out)."""
    width: int | None = None
    """Width in pixels."""
    height: int | None = None
    """Height in pixels."""
    mime_type: str | None = None
    """MIME type."""


@dataclass(kw_only=True)
class StoredFile:
    """A media file the crawl downloaded (``-s WORDPRESS_DOWNLOAD_MEDIA=True``)."""

    path: str
    """Where it is, relative to ``FILES_STORE``: ``full/<SHA1 of its URL><extension>``."""
    checksum: str
    """MD5 of its bytes, hexadecimal (as Scrapy's ``FilesPipeline`` computes it)."""
    size: int
    """Its size in bytes."""


@dataclass(kw_only=True)
class SeoImage:
    """One OpenGraph image an SEO plugin names for a record."""

    url: str | None = None
    """The image's URL; null unless the plugin gave an absolute ``http(s)`` URL."""
    width: int | None = None
    """Width in pixels, as the plugin states it."""
    height: int | None = None
    """Height in pixels, as the plugin states it."""
    type: str | None = None
    """MIME type, as the plugin states it."""


@dataclass(kw_only=True)
class Seo:
    """What an SEO plugin (Yoast SEO's ``yoast_head_json``) states about a record, field by
    field, exactly as the site sent it: texts are not cleaned, times keep the plugin's own
    offset. The rendered ``yoast_head`` HTML is never exported."""

    title: str | None = None
    """The ``<title>`` the plugin prints."""
    description: str | None = None
    """The meta description."""
    canonical: str | None = field(default=None, metadata=_URL)
    """The canonical URL; null unless it is an absolute ``http(s)`` URL."""
    robots: dict[str, Any] | None = None
    """The robots directives by name, e.g. ``{"index": "index", "follow": "follow"}``."""
    og_locale: str | None = None
    """OpenGraph ``og:locale``."""
    og_type: str | None = None
    """OpenGraph ``og:type`` (``article``, ``website``...)."""
    og_title: str | None = None
    """OpenGraph ``og:title``."""
    og_description: str | None = None
    """OpenGraph ``og:description``."""
    og_url: str | None = field(default=None, metadata=_URL)
    """OpenGraph ``og:url``; null unless it is an absolute ``http(s)`` URL."""
    og_site_name: str | None = None
    """OpenGraph ``og:site_name``."""
    og_image: list[SeoImage] = field(default_factory=list)
    """OpenGraph images: ``{url, width, height, type}`` each."""
    article_published_time: str | None = None
    """``article:published_time``, as the plugin writes it (e.g. ``2024-05-01T10:00:00+00:00``)."""
    article_modified_time: str | None = None
    """``article:modified_time``, as the plugin writes it."""
    twitter_card: str | None = None
    """``twitter:card`` (``summary_large_image``...)."""
    twitter_title: str | None = None
    """``twitter:title``."""
    twitter_description: str | None = None
    """``twitter:description``."""
    twitter_image: str | None = field(default=None, metadata=_URL)
    """``twitter:image``; null unless it is an absolute ``http(s)`` URL."""
    twitter_site: str | None = None
    """``twitter:site`` (an ``@handle``)."""
    twitter_creator: str | None = None
    """``twitter:creator`` (an ``@handle``)."""
    twitter_misc: dict[str, Any] | None = None
    """Yoast's extra Twitter labels, e.g. ``{"Written by": "Ann", "Est. reading time": "1 minute"}``."""
    schema: dict[str, Any] | None = None
    """The JSON-LD graph (``{"@context": ..., "@graph": [...]}``), as the plugin builds it."""


@dataclass(kw_only=True)
class _Record(_Changes, _Provenance):
    """The fields every exported record starts with."""

    feed: ClassVar[str]
    """The feed (``<feed>.jsonl``) of the class; custom post types get one per type instead."""
    record_type: ClassVar[str | None]
    """The ``type`` of the class's records; ``None`` where the post type's name is the type."""
    dated: ClassVar[bool] = False
    """Whether records carry ``modified_gmt``, their version in the crawl state; others are
    versioned by a fingerprint of their fields."""
    linked: ClassVar[bool] = False
    """Whether other records link to these (author, terms, media, comments): their collections
    are listed first, into the lookup tables of the join."""

    type: str
    site: str = field(metadata=_URL)
    """The site's home URL, as its REST index reports it (with a trailing slash); the URL the
    crawl was given when the index reports no ``http(s)`` URL."""
    id: int
    """The record's WordPress id (post types share one sequence of ids)."""
    link: str | None = None
    """The record's public URL; null unless the site sent an absolute ``http(s)`` URL."""


@dataclass(kw_only=True)
class _Entry(_Record):
    """Fields shared by posts, pages and custom post types."""

    dated: ClassVar[bool] = True

    slug: str | None = None
    """The URL slug."""
    status: str | None = None
    """Publication status; anonymous crawls only ever see ``publish``, authenticated ones
    (``-a auth=``) also ``draft``, ``pending``, ``private`` and ``future``."""
    date_gmt: str | None = field(default=None, metadata=_UTC)
    """Publication time, ISO 8601 in UTC, ending in ``Z``; null if the site sent no real date."""
    modified_gmt: str | None = field(default=None, metadata=_UTC)
    """Last modification time, ISO 8601 in UTC, ending in ``Z``; null if the site sent no real
    date."""
    title: str | None = ""
    """The title as plain text: tags stripped, HTML entities decoded; null only when a source other
    than REST could not tell (it is then in ``missing``)."""
    content_html: str | None = ""
    """The content as sanitized, minimal HTML: structure, links and images kept; classes,
    styles, scripts, embeds, forms, shortcodes and syndication footers removed; URLs absolute.
    Empty for password-protected records; null only when a source other than REST could not tell (it
    is then in ``missing``)."""
    content_text: str | None = ""
    """The content as plain text: one blank line between paragraphs, headings and list items
    on their own lines, entities decoded, whitespace collapsed; null when ``content_html`` is."""
    content_markdown: str | None = None
    """The content as Markdown (null when ``WORDPRESS_CONTENT_MARKDOWN`` is off, or when
    ``content_html`` is null)."""
    content_raw: str | None = None
    """The content HTML exactly as WordPress rendered it (null unless
    ``WORDPRESS_KEEP_RAW_HTML`` is on)."""
    title_raw: str | None = None
    """Authenticated crawls: the title as stored (``title.raw`` of the edit context); null
    otherwise."""
    content_source: str | None = None
    """Authenticated crawls: the content as stored, before WordPress renders it (``content.raw``
    of the edit context: block markup, shortcodes); null otherwise. The post's password is
    never exported."""
    excerpt: str | None = ""
    """The excerpt as plain text; WordPress's ``[…]`` and "Continue reading" tails become ``…``.
    Empty for password-protected records; null only when a source other than REST could not tell (it
    is then in ``missing``)."""
    word_count: int | None = 0
    """Number of words in ``content_text``; null when ``content_text`` is."""
    links: list[str] = field(default_factory=list)
    """Absolute URLs of the links in the content, in order, without duplicates."""
    images: list[dict[str, str]] = field(default_factory=list)
    """Images in the content, in order: ``{"src": absolute URL, "alt": text}``."""
    protected: bool | None = False
    """Whether the record is password-protected (its content is then not exported); null only when a
    source other than REST could not tell (it is then in ``missing``)."""
    author: Ref | None = None
    """The author: ``{id, name, slug}``; name and slug are null when the site hides its users."""
    categories: list[Ref] = field(default_factory=list)
    """Categories: ``{id, name, slug}`` each."""
    tags: list[Ref] = field(default_factory=list)
    """Tags: ``{id, name, slug}`` each."""
    terms: dict[str, list[Ref]] = field(default_factory=dict)
    """Terms of other taxonomies, keyed by taxonomy name (e.g. ``{"venue": [{id, name, slug}]}``)."""
    featured_media: FeaturedImage | None = None
    """The featured image: ``{id, source_url, alt_text, mime_type, width, height}``, or null."""
    comment_status: str | None = None
    """Whether comments are ``open`` or ``closed``."""
    comment_count: int | None = 0
    """Number of approved comments the site shows on this record; null only when a source other than
    REST could not tell (it is then in ``missing``)."""
    language: str | None = None
    """The record's language as a translation plugin states it: Polylang's ``lang`` (``en``) or
    WPML's ``wpml_current_locale`` (``en_US``); null without such a plugin (never guessed)."""
    translations: dict[str, int] | None = None
    """The record's translations, ``{language: id}``, from Polylang's ``translations`` or WPML's
    ``wpml_translations``; null without such a plugin."""
    meta: dict[str, Any] | None = None
    """Registered meta the site shows in REST (``register_meta`` with ``show_in_rest``), e.g.
    ``{"subtitle": "..."}``: values exactly as the site sent them; ``{}`` when none is
    registered, null when the site sends no ``meta`` (or it exceeded the size bounds, counted in
    ``wordpress/oversized_fields``)."""
    acf: dict[str, Any] | None = None
    """Advanced Custom Fields (``show_in_rest``), exactly as the site sent them: image, file and
    post-object fields that return ids stay ids (they are not joined); null without ACF (or when
    too large, as ``meta``)."""
    seo: Seo | None = None
    """What the SEO plugin states about the record, typed: Yoast's ``yoast_head_json``, or Rank
    Math's REST head for published entries; null without either."""
    extra: dict[str, Any] | None = None
    """The top-level REST fields named in ``WORDPRESS_EXTRA_FIELDS``, as the site sent them
    (absent ones left out); null when the setting names none."""


@dataclass(kw_only=True)
class PostItem(_Entry):
    """A published post, as the site shows it to anonymous visitors."""

    feed: ClassVar[str] = "posts"
    record_type: ClassVar[str | None] = "post"

    type: str = _const("post")
    """Record type: always ``post``."""
    sticky: bool | None = False
    """Whether the post is pinned to the front page; null only when a source other than REST could
    not tell (it is then in ``missing``)."""
    format: str | None = None
    """Post format: ``standard``, ``aside``, ``gallery``, ``video``..."""
    change: str | None = _change()
    source: str = _source()
    missing: list[str] = field(default_factory=list, metadata=_MISSING)


@dataclass(kw_only=True)
class PageItem(_Entry):
    """A published page."""

    feed: ClassVar[str] = "pages"
    record_type: ClassVar[str | None] = "page"

    type: str = _const("page")
    """Record type: always ``page``."""
    parent: int | None = None
    """Id of the parent page, or null for a top-level page."""
    menu_order: int | None = None
    """Position among its siblings, as set by the site's editors."""
    change: str | None = _change()
    source: str = _source()
    missing: list[str] = field(default_factory=list, metadata=_MISSING)


@dataclass(kw_only=True)
class EntryItem(_Entry):
    """A published record of a custom post type (events, products...): one feed per type."""

    feed: ClassVar[str] = "custom-types"
    record_type: ClassVar[str | None] = None

    type: str
    """Record type: the post type's name, e.g. ``event`` or ``product``."""
    parent: int | None = None
    """Id of the parent record (hierarchical types), or null."""
    menu_order: int | None = None
    """Position among its siblings (hierarchical types), or null."""
    change: str | None = _change()
    source: str = _source()
    missing: list[str] = field(default_factory=list, metadata=_MISSING)


@dataclass(kw_only=True)
class MediaItem(_Record):
    """An attachment of the media library: images and other files."""

    feed: ClassVar[str] = "media"
    record_type: ClassVar[str | None] = "media"
    dated: ClassVar[bool] = True
    linked: ClassVar[bool] = True

    type: str = _const("media")
    """Record type: always ``media``."""
    id: int | None  # type: ignore[assignment]
    """The attachment's WordPress id; null only for a file a page showed without naming its
    attachment (records rebuilt without REST; it is then in ``missing``)."""
    slug: str | None = None
    """The URL slug."""
    date_gmt: str | None = field(default=None, metadata=_UTC)
    """Upload time, ISO 8601 in UTC, ending in ``Z``; null if the site sent no real date."""
    modified_gmt: str | None = field(default=None, metadata=_UTC)
    """Last modification time, ISO 8601 in UTC, ending in ``Z``; null if the site sent no real
    date."""
    title: str | None = ""
    """The title as plain text; null only when a source other than REST could not tell (it is then
    in ``missing``)."""
    source_url: str | None = None
    """URL of the full-size file (for large images, WordPress's ``-scaled`` copy); null unless
    the site sent an absolute ``http(s)`` URL."""
    mime_type: str | None = None
    """MIME type, e.g. ``image/jpeg``."""
    media_type: str | None = None
    """``image`` or ``file``."""
    alt_text: str | None = ""
    """Alternative text; null only when a source other than REST could not tell (it is then in
    ``missing``)."""
    caption: str | None = ""
    """The caption as plain text; null only when a source other than REST could not tell (it is then
    in ``missing``)."""
    post: int | None = None
    """Id of the record the file was uploaded to, or null."""
    author: int | None = None
    """Id of the uploading user."""
    width: int | None = None
    """Width of the full-size file in pixels (images)."""
    height: int | None = None
    """Height of the full-size file in pixels (images)."""
    sizes: dict[str, ImageSize] = field(default_factory=dict)
    """Generated sizes by name (``thumbnail``, ``medium``...): ``{source_url, width, height,
    mime_type}``."""
    file: StoredFile | None = None
    """The downloaded original file (``source_url``): ``{path, checksum, size}``; null unless
    the crawl downloads media files (``-s WORDPRESS_DOWNLOAD_MEDIA=True``) and this one was
    stored (a failed file is counted in ``wordpress/media_files/failed`` and named in the
    log)."""
    size_files: dict[str, StoredFile] = field(default_factory=dict)
    """The downloaded generated sizes named in ``-s WORDPRESS_MEDIA_SIZES`` (e.g.
    ``full,large``), by name: ``{path, checksum, size}``; empty otherwise."""
    language: str | None = None
    """The record's language as a translation plugin states it: Polylang's ``lang`` (``en``) or
    WPML's ``wpml_current_locale`` (``en_US``); null without such a plugin (never guessed)."""
    translations: dict[str, int] | None = None
    """The record's translations, ``{language: id}``, from Polylang's ``translations`` or WPML's
    ``wpml_translations``; null without such a plugin."""
    meta: dict[str, Any] | None = None
    """Registered meta the site shows in REST (``register_meta`` with ``show_in_rest``), e.g.
    ``{"subtitle": "..."}``: values exactly as the site sent them; ``{}`` when none is
    registered, null when the site sends no ``meta`` (or it exceeded the size bounds, counted in
    ``wordpress/oversized_fields``)."""
    acf: dict[str, Any] | None = None
    """Advanced Custom Fields (``show_in_rest``), exactly as the site sent them: image, file and
    post-object fields that return ids stay ids (they are not joined); null without ACF (or when
    too large, as ``meta``)."""
    seo: Seo | None = None
    """What the SEO plugin states about the record, typed: Yoast's ``yoast_head_json``, or Rank
    Math's REST head for published entries; null without either."""
    extra: dict[str, Any] | None = None
    """The top-level REST fields named in ``WORDPRESS_EXTRA_FIELDS``, as the site sent them
    (absent ones left out); null when the setting names none."""
    change: str | None = _change()
    source: str = _source()
    missing: list[str] = field(default_factory=list, metadata=_MISSING)


@dataclass(kw_only=True)
class TermItem(_Record):
    """A term of a public taxonomy: a category, a tag, or a custom taxonomy's term."""

    feed: ClassVar[str] = "terms"
    record_type: ClassVar[str | None] = "term"
    linked: ClassVar[bool] = True

    type: str = _const("term")
    """Record type: always ``term``."""
    taxonomy: str | None = None
    """The taxonomy: ``category``, ``post_tag``, or a custom one."""
    name: str | None = ""
    """The name, decoded (WordPress stores ``&`` as ``&amp;``); null only when a source other than
    REST could not tell (it is then in ``missing``)."""
    slug: str | None = None
    """The URL slug."""
    parent: int | None = None
    """Id of the parent term (hierarchical taxonomies), or null."""
    count: int | None = None
    """Number of published records with this term, as WordPress counts them."""
    description: str | None = ""
    """The description as plain text; null only when a source other than REST could not tell (it is
    then in ``missing``)."""
    language: str | None = None
    """The record's language as a translation plugin states it: Polylang's ``lang`` (``en``) or
    WPML's ``wpml_current_locale`` (``en_US``); null without such a plugin (never guessed)."""
    translations: dict[str, int] | None = None
    """The record's translations, ``{language: id}``, from Polylang's ``translations`` or WPML's
    ``wpml_translations``; null without such a plugin."""
    meta: dict[str, Any] | None = None
    """Registered meta the site shows in REST (``register_meta`` with ``show_in_rest``), e.g.
    ``{"subtitle": "..."}``: values exactly as the site sent them; ``{}`` when none is
    registered, null when the site sends no ``meta`` (or it exceeded the size bounds, counted in
    ``wordpress/oversized_fields``)."""
    acf: dict[str, Any] | None = None
    """Advanced Custom Fields (``show_in_rest``), exactly as the site sent them: image, file and
    post-object fields that return ids stay ids (they are not joined); null without ACF (or when
    too large, as ``meta``)."""
    seo: Seo | None = None
    """What the SEO plugin states about the record, typed: Yoast's ``yoast_head_json``, or Rank
    Math's REST head for published entries; null without either."""
    extra: dict[str, Any] | None = None
    """The top-level REST fields named in ``WORDPRESS_EXTRA_FIELDS``, as the site sent them
    (absent ones left out); null when the setting names none."""
    change: str | None = _change()
    source: str = _source()
    missing: list[str] = field(default_factory=list, metadata=_MISSING)


@dataclass(kw_only=True)
class UserItem(_Record):
    """An author, as the site shows them anonymously (authors of published content only)."""

    feed: ClassVar[str] = "users"
    record_type: ClassVar[str | None] = "user"
    linked: ClassVar[bool] = True

    type: str = _const("user")
    """Record type: always ``user``."""
    name: str | None = ""
    """The display name, decoded; null only when a source other than REST could not tell (it is then
    in ``missing``)."""
    slug: str | None = None
    """The URL slug (the author archive's name)."""
    url: str | None = None
    """The website the author gave, or null (also when it is not an absolute ``http(s)`` URL)."""
    description: str | None = ""
    """The biography as plain text; null only when a source other than REST could not tell (it is
    then in ``missing``)."""
    email: str | None = None
    """The e-mail address: only in authenticated crawls with
    ``-a include_private_user_fields=true`` (personal data); null otherwise."""
    roles: list[str] | None = None
    """The user's roles (``editor``...): as ``email``, only on that explicit request."""
    first_name: str | None = None
    """The first name: as ``email``, only on that explicit request."""
    last_name: str | None = None
    """The last name: as ``email``, only on that explicit request."""
    meta: dict[str, Any] | None = None
    """Registered meta the site shows in REST (``register_meta`` with ``show_in_rest``), e.g.
    ``{"subtitle": "..."}``: values exactly as the site sent them; ``{}`` when none is
    registered, null when the site sends no ``meta`` (or it exceeded the size bounds, counted in
    ``wordpress/oversized_fields``)."""
    acf: dict[str, Any] | None = None
    """Advanced Custom Fields (``show_in_rest``), exactly as the site sent them: image, file and
    post-object fields that return ids stay ids (they are not joined); null without ACF (or when
    too large, as ``meta``)."""
    seo: Seo | None = None
    """What the SEO plugin states about the record, typed: Yoast's ``yoast_head_json``, or Rank
    Math's REST head for published entries; null without either."""
    extra: dict[str, Any] | None = None
    """The top-level REST fields named in ``WORDPRESS_EXTRA_FIELDS``, as the site sent them
    (absent ones left out); null when the setting names none."""
    change: str | None = _change()
    source: str = _source()
    missing: list[str] = field(default_factory=list, metadata=_MISSING)


@dataclass(kw_only=True)
class CommentItem(_Record):
    """An approved comment, or a pending one (with a password that may moderate comments)."""

    feed: ClassVar[str] = "comments"
    record_type: ClassVar[str | None] = "comment"
    linked: ClassVar[bool] = True

    type: str = _const("comment")
    """Record type: always ``comment``."""
    post: int | None = None
    """Id of the record the comment is on."""
    parent: int | None = None
    """Id of the comment this one answers, or null."""
    author_name: str | None = ""
    """The commenter's display name; null only when a source other than REST could not tell (it is
    then in ``missing``)."""
    date_gmt: str | None = field(default=None, metadata=_UTC)
    """Time of the comment, ISO 8601 in UTC, ending in ``Z``; null if the site sent no real
    date."""
    content_html: str | None = ""
    """The comment as sanitized HTML; null only when a source other than REST could not tell (it is
    then in ``missing``)."""
    content_text: str | None = ""
    """The comment as plain text; null when ``content_html`` is."""
    status: str | None = None
    """As REST states it: ``approved``, or ``hold`` (pending moderation: only listed with a
    password that may moderate comments); null when read from pages."""
    change: str | None = _change()
    source: str = _source()
    missing: list[str] = field(default_factory=list, metadata=_MISSING)


@dataclass(kw_only=True)
class TombstoneItem:
    """A record that an earlier run exported and the site no longer shows: deleted, trashed,
    unpublished or made private. Incremental runs write it into the feed of its type."""

    type: str
    """The type of the record that disappeared (``post``, ``page``, ``media``, ``term``...)."""
    id: int
    """Its WordPress id."""
    site: str = field(metadata=_URL)
    """The site's home URL."""
    deleted: bool = True
    """Always true."""
    detected_at: str = field(metadata=_UTC)
    """When this run noticed it was gone, ISO 8601 in UTC, ending in ``Z``."""
    change: str = _const("deleted")
    """Always ``deleted``."""


FIXED_FEED_CLASSES: tuple[type[_Record], ...] = (
    PostItem,
    PageItem,
    MediaItem,
    TermItem,
    UserItem,
    CommentItem,
)
"""The record classes with a fixed feed, in feed order."""
RECORD_CLASSES: dict[str, type[_Record]] = {cls.feed: cls for cls in FIXED_FEED_CLASSES}
"""The record classes with a fixed feed, keyed by feed name (``posts`` → ``posts.jsonl``).
Custom post types are :class:`EntryItem` records in one feed per type, named by REST base."""
LINKED_CLASSES: tuple[type[_Record], ...] = tuple(c for c in FIXED_FEED_CLASSES if c.linked)
"""Records other records link to: they fill the lookup tables of the join."""

Record = _Record
"""Any exported record (not a tombstone)."""
EntryRecord = _Entry
"""A post, a page or a custom type's record."""


def entry_class(post_type: str) -> type[_Entry]:
    """The record class of a post type's records.

    >>> entry_class("post").__name__, entry_class("page").__name__, entry_class("event").__name__
    ('PostItem', 'PageItem', 'EntryItem')
    """
    if post_type == PostItem.record_type:
        return PostItem
    if post_type == PageItem.record_type:
        return PageItem
    return EntryItem


def missing_in_order(item_class: type[_Record], names: Iterable[str]) -> list[str]:
    """``names`` as a record of ``item_class`` lists them in ``missing``: in field order, once
    each, a nested name (``featured_media.id``) right after its field, in the nested record's
    field order; names the class does not have are dropped.

    >>> missing_in_order(PostItem, ["sticky", "featured_media.width", "featured_media.id",
    ...                             "title", "sticky", "nope"])
    ['title', 'featured_media.id', 'featured_media.width', 'sticky']
    """
    wanted = set(names)
    order = _FIELD_NAMES.get(item_class)
    if order is None:
        order = _FIELD_NAMES[item_class] = _field_names(item_class)
    return [name for name in order if name in wanted]


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(item_class: type) -> tuple[str, ...]:
    """Every name ``missing`` may hold for ``item_class``, in order (see
    :func:`missing_in_order`)."""
    hints = typing.get_type_hints(item_class)
    found: list[str] = []
    for f in fields(item_class):
        found.append(f.name)
        for nested in typing.get_args(hints[f.name]) or (hints[f.name],):
            if is_dataclass(nested) and isinstance(nested, type):
                found.extend(f"{f.name}.{sub.name}" for sub in fields(nested))
    return tuple(found)
