"""The records the crawler exports: one class per record type, one JSONL feed per class.

These classes are the feed contract. Field order is export order; every field's docstring is
its documentation and goes into the JSON Schema under ``docs/schema/`` (``python -m
crawler.schema`` regenerates it; a test fails when the committed schema differs from the code).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_UTC = {"json_schema_extra": {"format": "date-time", "pattern": "Z$"}}
_URL = {"json_schema_extra": {"format": "uri"}}


@dataclass(kw_only=True)
class PostItem:
    """A published post, as the site's REST API shows it to anonymous visitors."""

    type: str = field(default="post", metadata={"json_schema_extra": {"const": "post"}})
    """Record type: always ``post``."""
    site: str = field(metadata=_URL)
    """The site's home URL, as its REST index reports it (with a trailing slash)."""
    id: int
    """The post's WordPress id, unique within the site."""
    link: str | None = None
    """The post's public URL."""
    slug: str | None = None
    """The URL slug."""
    status: str | None = None
    """Publication status; anonymous crawls only ever see ``publish``."""
    date_gmt: str | None = field(default=None, metadata=_UTC)
    """Publication time, ISO 8601 in UTC, ending in ``Z``."""
    modified_gmt: str | None = field(default=None, metadata=_UTC)
    """Last modification time, ISO 8601 in UTC, ending in ``Z``."""
    title: str = ""
    """The title as plain text: tags stripped, HTML entities decoded."""
    content_html: str = ""
    """The content as sanitized, minimal HTML: structure, links and images kept; classes,
    styles, scripts, embeds, forms, shortcodes and syndication footers removed; URLs absolute.
    Empty for password-protected posts."""
    content_text: str = ""
    """The content as plain text: one blank line between paragraphs, headings and list items
    on their own lines, entities decoded, whitespace collapsed."""
    content_markdown: str | None = None
    """The content as Markdown (null when ``WORDPRESS_CONTENT_MARKDOWN`` is off)."""
    content_raw: str | None = None
    """The content HTML exactly as WordPress rendered it (null unless
    ``WORDPRESS_KEEP_RAW_HTML`` is on)."""
    excerpt: str = ""
    """The excerpt as plain text; WordPress's ``[…]`` and "Continue reading" tails become ``…``.
    Empty for password-protected posts."""
    word_count: int = 0
    """Number of words in ``content_text``."""
    links: list[str] = field(default_factory=list)
    """Absolute URLs of the links in the content, in order, without duplicates."""
    images: list[dict[str, str]] = field(default_factory=list)
    """Images in the content, in order: ``{"src": absolute URL, "alt": text}``."""
    protected: bool = False
    """Whether the post is password-protected (its content is then not exported)."""
    author: int | None = None
    """The author's user id."""
    categories: list[int] = field(default_factory=list)
    """Ids of the post's categories."""
    tags: list[int] = field(default_factory=list)
    """Ids of the post's tags."""
    featured_media: int | None = None
    """Id of the featured image (an attachment), or null if there is none."""
    sticky: bool = False
    """Whether the post is pinned to the front page."""
    format: str | None = None
    """Post format: ``standard``, ``aside``, ``gallery``, ``video``..."""
    comment_status: str | None = None
    """Whether comments are ``open`` or ``closed``."""


RECORD_CLASSES: dict[str, type] = {"posts": PostItem}
"""Every exported record class, keyed by the name of its feed (``posts`` → ``posts.jsonl``)."""
