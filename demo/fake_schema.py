"""The REST index, ``/wp/v2/types`` and ``/wp/v2/taxonomies`` of a generated site.

Shaped like WordPress 6.1's, including ``endpoints[].args`` so crawlers can feature-detect
(``modified_after`` exists since 5.7) exactly as they would on a real site.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UrlFor = Callable[[str], str]
CURIES = [{"name": "wp", "href": "https://api.w.org/{rel}", "templated": True}]

_CONTEXT = {
    "description": "Scope under which the request is made; determines fields present in response.",
    "type": "string",
    "enum": ["view", "embed", "edit"],
    "default": "view",
    "required": False,
}
_PAGE = {
    "description": "Current page of the collection.",
    "type": "integer",
    "default": 1,
    "minimum": 1,
    "required": False,
}
_PER_PAGE = {
    "description": "Maximum number of items to be returned in result set.",
    "type": "integer",
    "default": 10,
    "minimum": 1,
    "maximum": 100,
    "required": False,
}
_SEARCH = {
    "description": "Limit results to those matching a string.",
    "type": "string",
    "required": False,
}


def _ids(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "type": "array",
        "items": {"type": "integer"},
        "default": [],
        "required": False,
    }


def _date(description: str) -> dict[str, Any]:
    return {"description": description, "type": "string", "format": "date-time", "required": False}


def _order(default: str) -> dict[str, Any]:
    return {
        "description": "Order sort attribute ascending or descending.",
        "type": "string",
        "default": default,
        "enum": ["asc", "desc"],
        "required": False,
    }


def _orderby(what: str, default: str, choices: list[str]) -> dict[str, Any]:
    return {
        "description": f"Sort collection by {what} attribute.",
        "type": "string",
        "default": default,
        "enum": choices,
        "required": False,
    }


def post_type_args(
    hierarchical: bool, taxonomies: list[str], attachment: bool = False
) -> dict[str, Any]:
    """GET args of a post-type collection route (``WP_REST_Posts_Controller``)."""
    orderby = [
        "author",
        "date",
        "id",
        "include",
        "modified",
        "parent",
        "relevance",
        "slug",
        "include_slugs",
        "title",
    ]
    if hierarchical:
        orderby.append("menu_order")
    args: dict[str, Any] = {
        "context": _CONTEXT,
        "page": _PAGE,
        "per_page": _PER_PAGE,
        "search": _SEARCH,
        "after": _date("Limit response to posts published after a given ISO8601 compliant date."),
        "modified_after": _date(
            "Limit response to posts modified after a given ISO8601 compliant date."
        ),
        "author": _ids("Limit result set to posts assigned to specific authors."),
        "author_exclude": _ids("Ensure result set excludes posts assigned to specific authors."),
        "before": _date("Limit response to posts published before a given ISO8601 compliant date."),
        "modified_before": _date(
            "Limit response to posts modified before a given ISO8601 compliant date."
        ),
        "exclude": _ids("Ensure result set excludes specific IDs."),
        "include": _ids("Limit result set to specific IDs."),
        "offset": {
            "description": "Offset the result set by a specific number of items.",
            "type": "integer",
            "required": False,
        },
        "order": _order("desc"),
        "orderby": _orderby("post", "date", orderby),
        "slug": {
            "description": "Limit result set to posts with one or more specific slugs.",
            "type": "array",
            "items": {"type": "string"},
            "required": False,
        },
        "status": {
            "default": "inherit" if attachment else "publish",
            "description": "Limit result set to posts assigned one or more statuses.",
            "type": "array",
            "items": {
                "enum": ["inherit", "private", "trash"]
                if attachment
                else [
                    "publish",
                    "future",
                    "draft",
                    "pending",
                    "private",
                    "trash",
                    "auto-draft",
                    "inherit",
                    "request-pending",
                    "request-confirmed",
                    "request-failed",
                    "request-completed",
                    "any",
                ],
                "type": "string",
            },
            "required": False,
        },
    }
    if hierarchical or attachment:
        args["parent"] = _ids("Limit result set to items with particular parent IDs.")
        args["parent_exclude"] = _ids(
            "Limit result set to all items except those of a particular parent ID."
        )
    if hierarchical:
        args["menu_order"] = {
            "description": "Limit result set to posts with a specific menu_order value.",
            "type": "integer",
            "required": False,
        }
    if attachment:
        args["media_type"] = {
            "default": None,
            "description": "Limit result set to attachments of a particular media type.",
            "type": "string",
            "enum": ["image", "video", "text", "application", "audio"],
            "required": False,
        }
        args["mime_type"] = {
            "default": None,
            "description": "Limit result set to attachments of a particular MIME type.",
            "type": "string",
            "required": False,
        }
    if taxonomies:
        args["tax_relation"] = {
            "description": "Limit result set based on relationship between multiple taxonomies.",
            "type": "string",
            "enum": ["AND", "OR"],
            "required": False,
        }
    for base in taxonomies:
        args[base] = {
            "description": f"Limit result set to items with specific terms assigned in the {base} taxonomy.",
            "type": ["object", "array"],
            "oneOf": [
                {
                    "title": "Term ID List",
                    "description": "Match terms with the listed IDs.",
                    "type": "array",
                    "items": {"type": "integer"},
                },
                {
                    "title": "Term ID Taxonomy Query",
                    "description": "Perform an advanced term query.",
                    "type": "object",
                    "properties": {
                        "terms": {
                            "description": "Term IDs.",
                            "type": "array",
                            "items": {"type": "integer"},
                            "default": [],
                        },
                        "include_children": {
                            "description": "Whether to include child terms in the terms limiting the result set.",
                            "type": "boolean",
                            "default": False,
                        },
                    },
                    "additionalProperties": False,
                },
            ],
            "required": False,
        }
        args[f"{base}_exclude"] = {
            "description": f"Limit result set to items except those with specific terms assigned in the {base} taxonomy.",
            "type": ["object", "array"],
            "required": False,
        }
    if "categories" in taxonomies:
        args["sticky"] = {
            "description": "Limit result set to items that are sticky.",
            "type": "boolean",
            "required": False,
        }
    return args


def term_args(hierarchical: bool) -> dict[str, Any]:
    """GET args of a taxonomy's collection route (``WP_REST_Terms_Controller``)."""
    args: dict[str, Any] = {
        "context": _CONTEXT,
        "page": _PAGE,
        "per_page": _PER_PAGE,
        "search": _SEARCH,
        "exclude": _ids("Ensure result set excludes specific IDs."),
        "include": _ids("Limit result set to specific IDs."),
        "order": _order("asc"),
        "orderby": _orderby(
            "term",
            "name",
            [
                "id",
                "include",
                "name",
                "slug",
                "include_slugs",
                "term_group",
                "description",
                "count",
            ],
        ),
        "hide_empty": {
            "description": "Whether to hide terms not assigned to any posts.",
            "type": "boolean",
            "default": False,
            "required": False,
        },
        "post": {
            "description": "Limit result set to terms assigned to a specific post.",
            "type": "integer",
            "default": None,
            "required": False,
        },
        "slug": {
            "description": "Limit result set to terms with one or more specific slugs.",
            "type": "array",
            "items": {"type": "string"},
            "required": False,
        },
    }
    if hierarchical:
        args["parent"] = {
            "description": "Limit result set to terms assigned to a specific parent.",
            "type": "integer",
            "required": False,
        }
    else:
        args["offset"] = {
            "description": "Offset the result set by a specific number of items.",
            "type": "integer",
            "required": False,
        }
    return args


def user_args() -> dict[str, Any]:
    """GET args of ``/wp/v2/users``."""
    return {
        "context": _CONTEXT,
        "page": _PAGE,
        "per_page": _PER_PAGE,
        "search": _SEARCH,
        "exclude": _ids("Ensure result set excludes specific IDs."),
        "include": _ids("Limit result set to specific IDs."),
        "offset": {
            "description": "Offset the result set by a specific number of items.",
            "type": "integer",
            "required": False,
        },
        "order": _order("asc"),
        "orderby": _orderby(
            "user",
            "name",
            ["id", "include", "name", "registered_date", "slug", "include_slugs", "email", "url"],
        ),
        "slug": {
            "description": "Limit result set to users with one or more specific slugs.",
            "type": "array",
            "items": {"type": "string"},
            "required": False,
        },
        "roles": {
            "description": "Limit result set to users matching at least one specific role provided. Accepts csv list or single role.",
            "type": "array",
            "items": {"type": "string"},
            "required": False,
        },
        "who": {
            "description": "Limit result set to users who are considered authors.",
            "type": "string",
            "enum": ["authors"],
            "required": False,
        },
        "has_published_posts": {
            "description": "Limit result set to users who have published posts.",
            "type": ["boolean", "array"],
            "items": {"type": "string"},
            "required": False,
        },
    }


def comment_args() -> dict[str, Any]:
    """GET args of ``/wp/v2/comments``."""
    return {
        "context": _CONTEXT,
        "page": _PAGE,
        "per_page": _PER_PAGE,
        "search": _SEARCH,
        "after": _date(
            "Limit response to comments published after a given ISO8601 compliant date."
        ),
        "author": _ids(
            "Limit result set to comments assigned to specific user IDs. Requires authorization."
        ),
        "before": _date(
            "Limit response to comments published before a given ISO8601 compliant date."
        ),
        "exclude": _ids("Ensure result set excludes specific IDs."),
        "include": _ids("Limit result set to specific IDs."),
        "offset": {
            "description": "Offset the result set by a specific number of items.",
            "type": "integer",
            "required": False,
        },
        "order": _order("desc"),
        "orderby": _orderby(
            "comment", "date_gmt", ["date", "date_gmt", "id", "include", "post", "parent", "type"]
        ),
        "parent": _ids("Limit result set to comments of specific parent IDs."),
        "post": _ids("Limit result set to comments assigned to specific post IDs."),
        "status": {
            "default": "approve",
            "description": "Limit result set to comments assigned a specific status. Requires authorization.",
            "type": "string",
            "required": False,
        },
        "type": {
            "default": "comment",
            "description": "Limit result set to comments assigned a specific type. Requires authorization.",
            "type": "string",
            "required": False,
        },
        "password": {
            "description": "The password for the post if it is password protected.",
            "type": "string",
            "required": False,
        },
    }


def _item_args() -> dict[str, Any]:
    return {
        "id": {
            "description": "Unique identifier for the object.",
            "type": "integer",
            "required": False,
        },
        "context": _CONTEXT,
    }


def build_index(
    url: UrlFor,
    *,
    name: str,
    description: str,
    home: str,
    gmt_offset: float,
    timezone_string: str,
    collections: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The ``GET /wp-json/`` body; ``collections`` maps REST base to its GET args."""
    routes: dict[str, Any] = {
        "/": _route("", ["GET"], {"context": {"default": "view", "required": False}}, url("/")),
        "/wp/v2": _route(
            "wp/v2",
            ["GET"],
            {
                "namespace": {"default": "wp/v2", "required": False},
                "context": {"default": "view", "required": False},
            },
            url("/wp/v2"),
        ),
    }
    for base, args in collections.items():
        routes[f"/wp/v2/{base}"] = _route(
            "wp/v2", ["GET", "POST"], args, url(f"/wp/v2/{base}"), post=True
        )
        routes[f"/wp/v2/{base}/(?P<id>[\\d]+)"] = _route(
            "wp/v2", ["GET", "POST", "PUT", "PATCH", "DELETE"], _item_args(), None, post=True
        )
    for what, key in (("types", "type"), ("taxonomies", "taxonomy")):
        routes[f"/wp/v2/{what}"] = _route(
            "wp/v2", ["GET"], {"context": _CONTEXT}, url(f"/wp/v2/{what}")
        )
        routes[f"/wp/v2/{what}/(?P<{key}>[\\w-]+)"] = _route(
            "wp/v2", ["GET"], {"context": _CONTEXT}, None
        )
    return {
        "name": name,
        "description": description,
        "url": home,
        "home": home,
        "gmt_offset": gmt_offset,
        "timezone_string": timezone_string,
        "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1", "wp-block-editor/v1"],
        "authentication": {
            "application-passwords": {
                "endpoints": {"authorization": f"{home}/wp-admin/authorize-application.php"}
            }
        },
        "routes": routes,
        "site_logo": 0,
        "site_icon": 0,
        "site_icon_url": "",
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }


def _route(
    namespace: str,
    methods: list[str],
    args: dict[str, Any],
    self_url: str | None,
    *,
    post: bool = False,
) -> dict[str, Any]:
    endpoints: list[dict[str, Any]] = [{"methods": ["GET"], "args": args}]
    if post:
        endpoints.append({"methods": [m for m in methods if m != "GET"], "args": {}})
    route: dict[str, Any] = {"namespace": namespace, "methods": methods, "endpoints": endpoints}
    if self_url is not None:
        route["_links"] = {"self": [{"href": self_url}]}
    return route


# Post types: name -> (label, rest_base, hierarchical, icon, taxonomies, has_archive)
POST_TYPES: dict[str, tuple[str, str, bool, str | None, list[str], bool]] = {
    "post": ("Posts", "posts", False, "dashicons-admin-post", ["category", "post_tag"], False),
    "page": ("Pages", "pages", True, "dashicons-admin-page", [], False),
    "attachment": ("Media", "media", False, "dashicons-admin-media", [], False),
    "nav_menu_item": (
        "Navigation Menu Items",
        "menu-items",
        False,
        "dashicons-admin-post",
        ["nav_menu"],
        False,
    ),
    "wp_block": ("Reusable blocks", "blocks", False, "dashicons-admin-post", [], False),
    "wp_template": ("Templates", "templates", False, "dashicons-admin-post", [], False),
    "wp_template_part": (
        "Template Parts",
        "template-parts",
        False,
        "dashicons-admin-post",
        [],
        False,
    ),
    "wp_navigation": ("Navigation Menus", "navigation", False, "dashicons-admin-post", [], False),
    "event": ("Events", "events", False, None, ["venue"], True),
}
# Taxonomies: name -> (label, rest_base, hierarchical, post types)
TAXONOMIES: dict[str, tuple[str, str, bool, list[str]]] = {
    "category": ("Categories", "categories", True, ["post"]),
    "post_tag": ("Tags", "tags", False, ["post"]),
    "nav_menu": ("Navigation Menus", "menus", False, ["nav_menu_item"]),
    "venue": ("Venues", "venues", False, ["event"]),
}


def build_types(url: UrlFor) -> dict[str, Any]:
    """``GET /wp/v2/types`` in view context: an object keyed by post type."""
    return {
        name: {
            "description": "",
            "hierarchical": hierarchical,
            "has_archive": has_archive,
            "name": label,
            "slug": name,
            "icon": icon,
            "taxonomies": taxonomies,
            "rest_base": base,
            "rest_namespace": "wp/v2",
            "_links": {
                "collection": [{"href": url("/wp/v2/types")}],
                "wp:items": [{"href": url(f"/wp/v2/{base}")}],
                "curies": CURIES,
            },
        }
        for name, (label, base, hierarchical, icon, taxonomies, has_archive) in POST_TYPES.items()
    }


def build_taxonomies(url: UrlFor) -> dict[str, Any]:
    """``GET /wp/v2/taxonomies`` in view context: an object keyed by taxonomy."""
    return {
        name: {
            "name": label,
            "slug": name,
            "description": "",
            "types": types,
            "hierarchical": hierarchical,
            "rest_base": base,
            "rest_namespace": "wp/v2",
            "_links": {
                "collection": [{"href": url("/wp/v2/taxonomies")}],
                "wp:items": [{"href": url(f"/wp/v2/{base}")}],
                "curies": CURIES,
            },
        }
        for name, (label, base, hierarchical, types) in TAXONOMIES.items()
    }
