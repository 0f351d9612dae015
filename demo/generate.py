"""Generate a WordPress-shaped site directory of any size, deterministically from a seed.

The objects have the keys, ``_links`` and quirks of WordPress 6.1's REST API in view context:
HTML-encoded titles and term names, ``date_gmt`` without ``Z``, ids shared by posts, pages,
attachments and custom post types (with gaps where revisions and drafts would be), hierarchical
categories and pages, threaded comments, password-protected and sticky posts.

    python -m demo.generate --posts 10000 --out /tmp/site10k
"""

from __future__ import annotations

import argparse
import html
import random
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from demo.fake_data import (
    AUTHORS,
    CATEGORIES,
    END,
    FORMATS,
    GUESTS,
    LAST_EDIT,
    PAGES,
    SITE_DESCRIPTION,
    SITE_NAME,
    SPECIAL_TAGS,
    START,
    SUB_SIZES,
    TAG_WORDS,
    TAXONOMY_BASES,
    USERS,
    VENUES,
)
from demo.fake_schema import (
    CURIES,
    build_index,
    build_taxonomies,
    build_types,
    comment_args,
    post_type_args,
    term_args,
    user_args,
)
from demo.fake_text import Body, Image, TextFactory, slugify, texturize
from demo.site import RECORDED_ORIGIN, SiteData, paused_gc, write_site
from demo.spelling import Spelling, check_spelling, rest_url

if TYPE_CHECKING:
    from demo.params import Query

Item = dict[str, Any]


def generate_site(
    posts: int = 160,
    *,
    seed: int = 1,
    permalinks: str = "pathinfo",
    timezone_string: str = "Europe/Berlin",
    extra_media: int = 0,
) -> SiteData:
    """Build a site of ``posts`` posts (plus media, pages, terms, users, comments, events), and
    ``extra_media`` images no post links to (a media library far larger than the blog)."""
    with paused_gc():
        builder = _Builder(posts, seed, check_spelling(permalinks), timezone_string)
        builder.extra_media = extra_media
        return builder.build()


def _zone(name: str) -> tuple[tzinfo, str]:
    """The site's time zone, or a fixed UTC+1 (as WordPress's manual offsets) without tzdata."""
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=1)), ""


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class _Links:
    """Front-end permalinks for one permalink setting (REST hrefs come from ``rest_url``)."""

    def __init__(self, origin: str, mode: Spelling) -> None:
        self.origin = origin
        self.plain = mode == "plain"
        self.prefix = origin + ("/index.php" if mode == "pathinfo" else "")

    def post(self, post_id: int, date: datetime, slug: str) -> str:
        if self.plain:
            return f"{self.origin}/?p={post_id}"
        return f"{self.prefix}/{date.year:04d}/{date.month:02d}/{slug}/"

    def page(self, page_id: int, path: str) -> str:
        return f"{self.origin}/?page_id={page_id}" if self.plain else f"{self.prefix}/{path}/"

    def attachment(self, media_id: int, parent_link: str | None, slug: str) -> str:
        if self.plain:
            return f"{self.origin}/?attachment_id={media_id}"
        return f"{parent_link}{slug}/" if parent_link else f"{self.prefix}/{slug}/"

    def custom(self, post_type: str, slug: str) -> str:
        if self.plain:
            return f"{self.origin}/?{post_type}={slug}"
        return f"{self.prefix}/{post_type}s/{slug}/"

    def category(self, term_id: int, path: str) -> str:
        return f"{self.origin}/?cat={term_id}" if self.plain else f"{self.prefix}/category/{path}/"

    def term(self, query_var: str, slug: str) -> str:
        """A tag-like term archive: ``/tag/<slug>/`` or ``/?tag=<slug>``."""
        if self.plain:
            return f"{self.origin}/?{query_var}={slug}"
        return f"{self.prefix}/{query_var}/{slug}/"

    def author(self, user_id: int, slug: str) -> str:
        return f"{self.origin}/?author={user_id}" if self.plain else f"{self.prefix}/author/{slug}/"


class _Builder:
    """Creates objects in the order WordPress would, so ids and dates interleave realistically."""

    def __init__(self, posts: int, seed: int, spelling: Spelling, timezone_string: str) -> None:
        self.count = posts
        self.rng = random.Random(seed)
        self.seed = seed
        self.spelling = spelling
        self.zone, self.timezone_string = _zone(timezone_string)
        self.origin = RECORDED_ORIGIN
        self.links = _Links(self.origin, spelling)
        self.text = TextFactory(self.rng, self.origin)
        self.next_id = 1
        self.slugs: set[str] = set()
        self.posts: list[Item] = []
        self.pages: list[Item] = []
        self.media: list[Item] = []
        self.events: list[Item] = []
        self.venues: list[Item] = []
        self.comments: list[Item] = []
        self.users: list[Item] = []
        self.categories: list[Item] = []
        self.tags: list[Item] = []
        self.extra_media = 0

    def url(self, route: str, args: Query | None = None) -> str:
        return rest_url(self.origin, self.spelling, route, args)

    def gmt(self, local: datetime) -> str:
        """``*_gmt`` for a site-local time (DST-aware, as WordPress stores it)."""
        return _iso(local.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None))

    def new_id(self, gap_chance: float = 0.03) -> int:
        """Next wp_posts id; sometimes skip one, as drafts, autosaves and trash leave gaps."""
        if self.rng.random() < gap_chance:
            self.next_id += 1
        self.next_id += 1
        return self.next_id - 1

    def unique_slug(self, slug: str) -> str:
        """``wp_unique_post_slug()``: append ``-2``, ``-3``... to taken slugs."""
        candidate, n = slug, 2
        while candidate in self.slugs:
            candidate, n = f"{slug}-{n}", n + 1
        self.slugs.add(candidate)
        return candidate

    # Orchestration -----------------------------------------------------------------------

    def build(self) -> SiteData:
        self._users()
        self._terms()
        self._pages()
        span = (END - START) / max(1, self.count)
        previous = START
        for index in range(self.count):
            jitter = timedelta(minutes=self.rng.randint(-180, 180))
            date = previous if index % 40 == 39 else START + span * index + jitter
            date = date.replace(microsecond=0)
            previous = date
            self._post(index, date)
            if index % 10 == 9:
                self._event(date)
        self._comments()
        self._count_terms()
        for index in range(self.extra_media):  # after everything else: the rest stays the same
            date = (START + (END - START) * index / max(1, self.extra_media)).replace(microsecond=0)
            self._image(
                date, self.rng.choice(AUTHORS), f"Library image {index}", f"library-{index}"
            )
            self.media[-1]["post"] = None
            self.media[-1]["link"] = self.links.attachment(
                self.media[-1]["id"], None, self.media[-1]["slug"]
            )
        return self._site()

    def _site(self) -> SiteData:
        url = self.url
        collections = {
            "posts": post_type_args(False, ["categories", "tags"]),
            "pages": post_type_args(True, []),
            "media": post_type_args(False, [], attachment=True),
            "events": post_type_args(False, ["venues"]),
            "categories": term_args(True),
            "tags": term_args(False),
            "venues": term_args(False),
            "users": user_args(),
            "comments": comment_args(),
        }
        index = build_index(
            url,
            name=SITE_NAME,
            description=SITE_DESCRIPTION,
            home=self.origin,
            gmt_offset=1,
            timezone_string=self.timezone_string,
            collections=collections,
        )
        authors = {item["author"] for item in self.posts + self.pages + self.events}
        meta = {
            "recorded_from": f"demo/generate.py --posts {self.count} --seed {self.seed}",
            "permalinks": self.spelling,
            "posts": len(self.posts),
        }
        return SiteData(
            index=index,
            meta=meta,
            types=build_types(url),
            taxonomies=build_taxonomies(url),
            collections={
                "posts": self.posts,
                "pages": self.pages,
                "media": self.media,
                "categories": self.categories,
                "tags": self.tags,
                "users": [user for user in self.users if user["id"] in authors],
                "comments": self.comments,
                "events": self.events,
                "venues": self.venues,
            },
        )

    # Users and terms ---------------------------------------------------------------------

    def _users(self) -> None:
        for user_id, (slug, name, site_url, description) in enumerate(USERS, start=1):
            avatar = f"{self.origin}/wp-content/uploads/avatars/avatar-{user_id}.png"
            self.users.append(
                {
                    "id": user_id,
                    "name": name,
                    "url": site_url,
                    "description": description,
                    "link": self.links.author(user_id, slug),
                    "slug": slug,
                    "avatar_urls": {size: f"{avatar}?s={size}" for size in ("24", "48", "96")},
                    "meta": [],
                    "_links": {
                        "self": [{"href": self.url(f"/wp/v2/users/{user_id}")}],
                        "collection": [{"href": self.url("/wp/v2/users")}],
                    },
                }
            )

    def _terms(self) -> None:
        by_name: dict[str, Item] = {}
        for name, parent_name, description in CATEGORIES:
            parent = by_name[parent_name] if parent_name else None
            slug = slugify(html.unescape(name))
            term_id = len(self.categories) + 1
            path = f"{parent['slug']}/{slug}" if parent else slug
            link = self.links.category(term_id, path)
            term = self._term(term_id, "category", name, slug, description, link, parent)
            by_name[name] = term
            self.categories.append(term)
        names = SPECIAL_TAGS + [(word, slugify(word)) for word in TAG_WORDS.split()]
        for name, slug in names:
            term_id = len(self.categories) + len(self.tags) + 1
            link = self.links.term("tag", slug)
            self.tags.append(self._term(term_id, "post_tag", name, slug, "", link))
        for name in VENUES:
            term_id = len(self.categories) + len(self.tags) + len(self.venues) + 1
            slug = slugify(name)
            link = self.links.term("venue", slug)
            self.venues.append(self._term(term_id, "venue", name, slug, "", link))

    def _term(  # noqa: PLR0917 - a term's columns, in order
        self,
        term_id: int,
        taxonomy: str,
        name: str,
        slug: str,
        description: str,
        link: str,
        parent: Item | None = None,
    ) -> Item:
        """A term in view context; hierarchical taxonomies (categories) get ``parent`` and ``up``."""
        base, items = TAXONOMY_BASES[taxonomy]
        url = self.url
        term: Item = {
            "id": term_id,
            "count": 0,
            "description": description,
            "link": link,
            "name": name,
            "slug": slug,
            "taxonomy": taxonomy,
        }
        links: Item = {
            "self": [{"href": url(f"/wp/v2/{base}/{term_id}")}],
            "collection": [{"href": url(f"/wp/v2/{base}")}],
            "about": [{"href": url(f"/wp/v2/taxonomies/{taxonomy}")}],
        }
        if taxonomy == "category":
            term["parent"] = parent["id"] if parent else 0
            if parent:
                links["up"] = [{"embeddable": True, "href": url(f"/wp/v2/{base}/{parent['id']}")}]
        links["wp:post_type"] = [{"href": url(f"/wp/v2/{items}", {base: str(term_id)})}]
        links["curies"] = CURIES
        return {**term, "meta": [], "_links": links}

    def _count_terms(self) -> None:
        counts: dict[int, int] = {}
        for item in self.posts + self.events:
            for term_id in (
                item.get("categories", []) + item.get("tags", []) + item.get("venues", [])
            ):
                counts[term_id] = counts.get(term_id, 0) + 1
        for term in self.categories + self.tags + self.venues:
            term["count"] = counts.get(term["id"], 0)

    # Posts and their media ---------------------------------------------------------------

    def _post(self, index: int, date: datetime) -> None:
        rng = self.rng
        raw_title = self.text.title(date.year)
        slug = self.unique_slug(slugify(raw_title))
        author = rng.choice(AUTHORS)
        images: list[Image] = []
        featured = 0
        if rng.random() < 0.85:
            featured, image = self._image(date - timedelta(minutes=5), author, raw_title, slug)
            images.append(image)
        post_id = self.new_id(gap_chance=0)
        link = self.links.post(post_id, date, slug)
        if featured:
            self._attach(self.media[-1], post_id, link)
        if rng.random() < 0.25:
            _, extra = self._image(date - timedelta(minutes=4), author, f"{raw_title} detail", slug)
            images.append(extra)
            self._attach(self.media[-1], post_id, link)
        if index % 50 == 49:
            self._pdf(date, author, post_id, link, slug)
        modified = self._modified(date)
        revisions = 0
        if modified != date:
            revisions = rng.randint(1, 3)
            self.next_id += revisions
        body = self.text.body(images, post_id, rng.randint(5000, 10000))
        protected = index % 60 == 59
        categories = self._pick_categories()
        tags = sorted({tag["id"] for tag in rng.sample(self.tags, rng.randint(0, 5))})
        item: Item = {
            "id": post_id,
            "date": _iso(date),
            "date_gmt": self.gmt(date),
            "guid": {"rendered": f"{self.origin}/?p={post_id}"},
            "modified": _iso(modified),
            "modified_gmt": self.gmt(modified),
            "slug": slug,
            "status": "publish",
            "type": "post",
            "link": link,
            "title": {"rendered": texturize(raw_title)},
            "content": {"rendered": "" if protected else body.content, "protected": protected},
            "excerpt": {
                "rendered": "" if protected else self._excerpt(body),
                "protected": protected,
            },
            "author": author,
            "featured_media": featured,
            "comment_status": "open" if rng.random() < 0.9 else "closed",
            "ping_status": "open",
            "sticky": index in (3, self.count // 2),
            "template": "",
            "format": rng.choice(FORMATS),
            "meta": [],
            "categories": categories,
            "tags": tags,
        }
        item["_links"] = self._post_links(
            "posts", "post", post_id, author=author, featured=featured, revisions=revisions,
            taxonomies=("category", "post_tag"),
        )  # fmt: skip
        self.posts.append(item)

    def _excerpt(self, body: Body) -> str:
        if self.rng.random() < 0.1:
            return f"<p>{self.text.sentence()}</p>\n"
        return body.excerpt

    def _modified(self, date: datetime) -> datetime:
        if self.rng.random() < 0.55:
            return date
        later = date + timedelta(minutes=self.rng.randint(60, 500 * 24 * 60))
        return min(later, LAST_EDIT)

    def _pick_categories(self) -> list[int]:
        leaves = [c["id"] for c in self.categories[1:]]
        chosen = {self.rng.choice(leaves)}
        if self.rng.random() < 0.3:
            chosen.add(self.rng.choice(leaves))
        return sorted(chosen)

    def _post_links(
        self,
        base: str,
        post_type: str,
        post_id: int,
        *,
        author: int | None,
        featured: int = 0,
        revisions: int | None = None,
        taxonomies: tuple[str, ...] = (),
    ) -> Item:
        """``WP_REST_Posts_Controller::prepare_links()``; ``revisions=None`` for types without
        comments and revisions (no ``replies``/``version-history``), as for custom types."""
        url = self.url
        links: Item = {
            "self": [{"href": url(f"/wp/v2/{base}/{post_id}")}],
            "collection": [{"href": url(f"/wp/v2/{base}")}],
            "about": [{"href": url(f"/wp/v2/types/{post_type}")}],
        }
        if author is not None:
            links["author"] = [{"embeddable": True, "href": url(f"/wp/v2/users/{author}")}]
        if revisions is not None:
            replies = url("/wp/v2/comments", {"post": str(post_id)})
            links["replies"] = [{"embeddable": True, "href": replies}]
            history = url(f"/wp/v2/{base}/{post_id}/revisions")
            links["version-history"] = [{"count": revisions, "href": history}]
            if revisions:
                last = post_id + revisions
                previous = url(f"/wp/v2/{base}/{post_id}/revisions/{last}")
                links["predecessor-version"] = [{"id": last, "href": previous}]
        if featured:
            media = url(f"/wp/v2/media/{featured}")
            links["wp:featuredmedia"] = [{"embeddable": True, "href": media}]
        links["wp:attachment"] = [{"href": url("/wp/v2/media", {"parent": str(post_id)})}]
        if taxonomies:
            links["wp:term"] = [
                {
                    "taxonomy": taxonomy,
                    "embeddable": True,
                    "href": url(f"/wp/v2/{TAXONOMY_BASES[taxonomy][0]}", {"post": str(post_id)}),
                }
                for taxonomy in taxonomies
            ]
        links["curies"] = CURIES
        return links

    def _image(self, date: datetime, author: int, title: str, slug: str) -> tuple[int, Image]:
        """An image attachment (parent set later by :meth:`_attach`); returns its id and HTML facts."""
        rng = self.rng
        media_id = self.new_id(gap_chance=0)
        width, height = rng.choice(
            ((1200, 800), (1600, 900), (800, 600), (1024, 768), (2560, 1707), (400, 250))
        )
        folder = f"{date.year:04d}/{date.month:02d}"
        stem = f"{slug[:60]}-{media_id}"
        scaled = width == 2560
        file_stem = f"{stem}-scaled" if scaled else stem
        uploads = f"{self.origin}/wp-content/uploads/{folder}"
        source = f"{uploads}/{file_stem}.jpg"
        sizes = self._sizes(uploads, stem, width, height)
        alt = f"Illustration for {texturize(title)}" if rng.random() < 0.8 else ""
        details: Item = {
            "width": width,
            "height": height,
            "file": f"{folder}/{file_stem}.jpg",
            "filesize": width * height // 9,
            "sizes": sizes,
            "image_meta": {
                "aperture": "0", "credit": "", "camera": "", "caption": "", "created_timestamp": "0",
                "copyright": "", "focal_length": "0", "iso": "0", "shutter_speed": "0", "title": "",
                "orientation": "0", "keywords": [],
            },
        }  # fmt: skip
        if scaled:
            details["original_image"] = f"{stem}.jpg"
        if media_id % 97 == 0:
            details = {}
        medium = sizes.get("medium", {}).get("source_url", source)
        caption = f"<p>Photo: {texturize(rng.choice(USERS)[1])}</p>\n" if rng.random() < 0.6 else ""
        media_slug = self.unique_slug(f"{slug[:60]}-image")
        item: Item = {
            "id": media_id,
            "date": _iso(date),
            "date_gmt": self.gmt(date),
            "guid": {"rendered": source},
            "modified": _iso(date),
            "modified_gmt": self.gmt(date),
            "slug": media_slug,
            "status": "inherit",
            "type": "attachment",
            "link": "",
            "title": {"rendered": texturize(title)},
            "author": author,
            "comment_status": "open",
            "ping_status": "closed",
            "template": "",
            "meta": [],
            "description": {
                "rendered": f'<p class="attachment"><a href=\'{source}\'><img width="300" '
                f'height="{height * 300 // width}" src="{medium}" class="attachment-medium size-medium" '
                f'alt="" decoding="async" loading="lazy" /></a></p>\n'
            },
            "caption": {"rendered": caption},
            "alt_text": alt,
            "media_type": "image",
            "mime_type": "image/jpeg",
            "media_details": details,
            "post": None,
            "source_url": source,
            "_links": self._media_links(media_id, author),
        }
        self.media.append(item)
        return media_id, Image(media_id, source, medium, width, height, alt)

    def _sizes(self, uploads: str, stem: str, width: int, height: int) -> Item:
        """``media_details.sizes`` in the order WordPress creates sub-sizes."""
        sizes: Item = {}
        for name, target in SUB_SIZES:
            if width <= target and name != "thumbnail":
                continue
            w, h = (150, 150) if name == "thumbnail" else (target, height * target // width)
            sizes[name] = {
                "file": f"{stem}-{w}x{h}.jpg",
                "width": w,
                "height": h,
                "filesize": w * h // 9,
                "mime_type": "image/jpeg",
                "source_url": f"{uploads}/{stem}-{w}x{h}.jpg",
            }
        sizes["full"] = {
            "file": f"{stem}.jpg",
            "width": width,
            "height": height,
            "mime_type": "image/jpeg",
            "source_url": f"{uploads}/{stem}.jpg",
        }
        return sizes

    def _media_links(self, media_id: int, author: int) -> Item:
        return {
            "self": [{"href": self.url(f"/wp/v2/media/{media_id}")}],
            "collection": [{"href": self.url("/wp/v2/media")}],
            "about": [{"href": self.url("/wp/v2/types/attachment")}],
            "author": [{"embeddable": True, "href": self.url(f"/wp/v2/users/{author}")}],
            "replies": [
                {"embeddable": True, "href": self.url("/wp/v2/comments", {"post": str(media_id)})}
            ],
        }

    def _attach(self, media: Item, parent_id: int, parent_link: str | None) -> None:
        media["post"] = parent_id
        media["link"] = self.links.attachment(media["id"], parent_link, media["slug"])

    def _pdf(
        self, date: datetime, author: int, parent_id: int, parent_link: str, slug: str
    ) -> None:
        media_id = self.new_id(gap_chance=0)
        folder = f"{date.year:04d}/{date.month:02d}"
        source = f"{self.origin}/wp-content/uploads/{folder}/{slug[:50]}-report.pdf"
        title = f"{slug[:50].replace('-', ' ').capitalize()} report"
        item: Item = {
            "id": media_id,
            "date": _iso(date),
            "date_gmt": self.gmt(date),
            "guid": {"rendered": source},
            "modified": _iso(date),
            "modified_gmt": self.gmt(date),
            "slug": self.unique_slug(slugify(title)),
            "status": "inherit",
            "type": "attachment",
            "link": "",
            "title": {"rendered": title},
            "author": author,
            "comment_status": "open",
            "ping_status": "closed",
            "template": "",
            "meta": [],
            "description": {
                "rendered": f"<p class=\"attachment\"><a href='{source}'>{title}</a></p>\n"
            },
            "caption": {"rendered": ""},
            "alt_text": "",
            "media_type": "file",
            "mime_type": "application/pdf",
            "media_details": {"filesize": 48213 + media_id},
            "post": parent_id,
            "source_url": source,
            "_links": self._media_links(media_id, author),
        }
        self._attach(item, parent_id, parent_link)
        self.media.append(item)

    # Pages, venues and events ------------------------------------------------------------

    def _pages(self) -> None:
        by_title: dict[str, Item] = {}
        for order, (title, parent_title) in enumerate(PAGES):
            date = (START - timedelta(days=30 - order)).replace(microsecond=0)
            page_id = self.new_id(gap_chance=0)
            parent = by_title.get(parent_title) if parent_title else None
            slug = self.unique_slug(slugify(title))
            path = f"{parent['slug']}/{slug}" if parent else slug
            body = self.text.body([], page_id, self.rng.randint(1500, 4000))
            modified = self._modified(date)
            item: Item = {
                "id": page_id,
                "date": _iso(date),
                "date_gmt": self.gmt(date),
                "guid": {"rendered": f"{self.origin}/?page_id={page_id}"},
                "modified": _iso(modified),
                "modified_gmt": self.gmt(modified),
                "slug": slug,
                "status": "publish",
                "type": "page",
                "link": self.links.page(page_id, path),
                "title": {"rendered": texturize(title)},
                "content": {"rendered": body.content, "protected": False},
                "excerpt": {"rendered": body.excerpt, "protected": False},
                "author": 1,
                "featured_media": 0,
                "parent": parent["id"] if parent else 0,
                "menu_order": order if parent else 0,
                "comment_status": "closed",
                "ping_status": "closed",
                "template": "",
                "meta": [],
            }
            links = self._post_links("pages", "page", page_id, author=1, revisions=0)
            if parent:
                links = {
                    **links,
                    "up": [{"embeddable": True, "href": self.url(f"/wp/v2/pages/{parent['id']}")}],
                }
                links["curies"] = links.pop("curies")
            item["_links"] = links
            by_title[title] = item
            self.pages.append(item)

    def _event(self, published: datetime) -> None:
        """An ``event`` (custom post type with author, excerpt, thumbnail and a venue taxonomy)."""
        rng = self.rng
        featured = 0
        title = f"{self.text.title(published.year)} (live)"
        slug = self.unique_slug(slugify(title))
        author = rng.choice(AUTHORS)
        if rng.random() < 0.3:
            featured, _ = self._image(published, author, title, slug)
        event_id = self.new_id()
        link = self.links.custom("event", slug)
        if featured:
            self._attach(self.media[-1], event_id, link)
        starts = published + timedelta(days=rng.randint(7, 90), hours=rng.randint(0, 6))
        body = self.text.body([], event_id, rng.randint(1000, 3000))
        venues = sorted(
            {venue["id"] for venue in rng.sample(self.venues, rng.choice((1, 1, 1, 2)))}
        )
        self.events.append(
            {
                "id": event_id,
                "date": _iso(published),
                "date_gmt": self.gmt(published),
                "guid": {"rendered": f"{self.origin}/?post_type=event&#038;p={event_id}"},
                "modified": _iso(published),
                "modified_gmt": self.gmt(published),
                "slug": slug,
                "status": "publish",
                "type": "event",
                "link": link,
                "title": {"rendered": texturize(title)},
                "content": {"rendered": body.content, "protected": False},
                "excerpt": {"rendered": body.excerpt, "protected": False},
                "author": author,
                "featured_media": featured,
                "template": "",
                "meta": {"event_start": starts.strftime("%Y-%m-%dT%H:%M")},
                "venues": venues,
                "_links": self._post_links(
                    "events",
                    "event",
                    event_id,
                    author=author,
                    featured=featured,
                    taxonomies=("venue",),
                ),
            }
        )

    # Comments ----------------------------------------------------------------------------

    def _comments(self) -> None:
        rng = self.rng
        drafts: list[tuple[datetime, Item, int | None]] = []  # (date, post, parent draft index)
        for post in self.posts:
            if post["comment_status"] != "open":
                continue
            count = rng.choices((0, 1, 2, 3, 5, 8), weights=(40, 20, 15, 10, 10, 5))[0]
            moment = datetime.fromisoformat(post["date"])
            mine: list[int] = []
            for _ in range(count):
                moment += timedelta(minutes=rng.randint(5, 60 * 24 * 4))
                parent = rng.choice(mine) if mine and rng.random() < 0.3 else None
                mine.append(len(drafts))
                drafts.append((moment, post, parent))
        order = sorted(range(len(drafts)), key=lambda i: (drafts[i][0], i))
        ids = {draft: number for number, draft in enumerate(order, start=1)}
        children: set[int] = {ids[p] for _, _, p in drafts if p is not None}
        for draft in order:
            moment, post, parent = drafts[draft]
            comment_id = ids[draft]
            parent_id = ids[parent] if parent is not None else 0
            comment = self._comment(comment_id, moment, post, parent_id, comment_id in children)
            self.comments.append(comment)

    def _comment(
        self, comment_id: int, moment: datetime, post: Item, parent: int, has_children: bool
    ) -> Item:
        rng = self.rng
        registered = rng.random() < 0.2
        user = rng.choice(self.users[1:]) if registered else None
        name = user["name"] if user else rng.choice(GUESTS)
        avatar = f"{self.origin}/wp-content/uploads/avatars/avatar-{rng.randint(1, 8)}.png"
        url = self.url
        links: Item = {
            "self": [{"href": url(f"/wp/v2/comments/{comment_id}")}],
            "collection": [{"href": url("/wp/v2/comments")}],
        }
        if user:
            links["author"] = [{"embeddable": True, "href": url(f"/wp/v2/users/{user['id']}")}]
        links["up"] = [
            {"embeddable": True, "post_type": "post", "href": url(f"/wp/v2/posts/{post['id']}")}
        ]
        if parent:
            links["in-reply-to"] = [{"embeddable": True, "href": url(f"/wp/v2/comments/{parent}")}]
        if has_children:
            links["children"] = [{"href": url("/wp/v2/comments", {"parent": str(comment_id)})}]
        return {
            "id": comment_id,
            "post": post["id"],
            "parent": parent,
            "author": user["id"] if user else 0,
            "author_name": name,
            "author_url": user["url"] if user else "",
            "date": _iso(moment),
            "date_gmt": self.gmt(moment),
            "content": {"rendered": f"<p>{self.text.paragraph(rng.randint(1, 3))}</p>\n"},
            "link": f"{post['link']}#comment-{comment_id}",
            "status": "approved",
            "type": "comment",
            "author_avatar_urls": {size: f"{avatar}?s={size}" for size in ("24", "48", "96")},
            "meta": [],
            "_links": links,
        }


def main(argv: list[str] | None = None) -> None:
    """Generate a site directory."""
    parser = argparse.ArgumentParser(prog="python -m demo.generate", description=main.__doc__)
    parser.add_argument("--posts", type=int, default=160, help="number of posts (default 160)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--permalinks", default="pathinfo", choices=["pretty", "pathinfo", "plain"])
    parser.add_argument("--out", type=Path, required=True, help="site directory to (over)write")
    parser.add_argument(
        "--extra-media", type=int, default=0, help="images no post links to (default 0)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    site = generate_site(
        args.posts, seed=args.seed, permalinks=args.permalinks, extra_media=args.extra_media
    )
    built = time.perf_counter()
    write_site(site, args.out)
    sizes = ", ".join(f"{len(items)} {base}" for base, items in site.collections.items())
    print(f"{args.out}: {sizes}")
    print(f"generated in {built - started:.2f} s, written in {time.perf_counter() - built:.2f} s")


if __name__ == "__main__":
    main()
