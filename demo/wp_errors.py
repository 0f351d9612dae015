"""WordPress REST error bodies, with the codes and messages of WordPress 6.1.

Crawlers branch on ``code``, so every error a real site gives an anonymous client has the
same code, status and body shape here: ``{"code", "message", "data": {"status", ...}}``.
"""

from __future__ import annotations

from typing import Any


class WPError(Exception):
    """A ``WP_Error`` that the REST server turns into a JSON error response."""

    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def body(self) -> dict[str, Any]:
        """The JSON body ``rest_convert_error_to_response()`` produces."""
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.data},
        }


def invalid_params(problems: dict[str, tuple[str, str]]) -> WPError:
    """400 ``rest_invalid_param`` for ``{param: (detail code, message)}``, as ``has_valid_params()``."""
    return WPError(
        400,
        "rest_invalid_param",
        "Invalid parameter(s): " + ", ".join(problems),
        params={name: message for name, (_, message) in problems.items()},
        details={
            name: {"code": code, "message": message, "data": None}
            for name, (code, message) in problems.items()
        },
    )


def php_list(words: list[str]) -> str:
    """WordPress's ``%l`` list format: ``a, b, and c``.

    >>> php_list(["id", "date", "slug"])
    'id, date, and slug'
    """
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]


def no_route() -> WPError:
    """404 for a route nothing is registered on (also what WP < 4.7 gives for ``wp/v2``)."""
    return WPError(404, "rest_no_route", "No route was found matching the URL and request method.")


def invalid_page_number() -> WPError:
    """400 past the last page of a post type or media collection (WordPress >= 4.8)."""
    return WPError(
        400,
        "rest_post_invalid_page_number",
        "The page number requested is larger than the number of pages available.",
    )


# Single-item 404s per collection kind: (code, message).
INVALID_ID: dict[str, tuple[str, str]] = {
    "post": ("rest_post_invalid_id", "Invalid post ID."),
    "term": ("rest_term_invalid", "Term does not exist."),
    "user": ("rest_user_invalid_id", "Invalid user ID."),
    "comment": ("rest_comment_invalid_id", "Invalid comment ID."),
}


def invalid_id(kind: str) -> WPError:
    """404 for an id that is not in the collection (or not public)."""
    code, message = INVALID_ID[kind]
    return WPError(404, code, message)


def api_blocked() -> WPError:
    """The *Disable REST API* plugin: every route, the index too, for anonymous users."""
    return WPError(
        401, "rest_cannot_access", "DRA: Only authenticated users can access the REST API."
    )


def users_blocked() -> WPError:
    """Wordfence's author-scan protection (on by default) on ``/wp/v2/users``."""
    return WPError(401, "rest_user_cannot_view", "Sorry, you are not allowed to list users.")


def critical_error() -> WPError:
    """What WordPress's fatal-error handler answers a JSON request with (WordPress >= 5.2)."""
    return WPError(
        500,
        "internal_server_error",
        "<p>There has been a critical error on this website.</p>"
        '<p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">'
        "Learn more about troubleshooting WordPress.</a></p>",
        additional_errors=[],
    )


# Routes core registers that need a login; what an anonymous GET gets.
AUTH_ONLY_ROUTES: dict[str, tuple[str, str]] = {
    "/wp/v2/settings": ("rest_forbidden", "Sorry, you are not allowed to do that."),
    "/wp/v2/menus": ("rest_cannot_view", "Sorry, you are not allowed to view menus."),
    "/wp/v2/menu-items": ("rest_cannot_view", "Sorry, you are not allowed to view menu items."),
    "/wp/v2/menu-locations": (
        "rest_cannot_view",
        "Sorry, you are not allowed to view menu locations.",
    ),
    "/wp/v2/block-types": (
        "rest_block_type_cannot_view",
        "Sorry, you are not allowed to manage block types.",
    ),
    "/wp/v2/templates": (
        "rest_cannot_manage_templates",
        "Sorry, you are not allowed to access the templates on this site.",
    ),
    "/wp/v2/template-parts": (
        "rest_cannot_manage_templates",
        "Sorry, you are not allowed to access the templates on this site.",
    ),
    "/wp/v2/global-styles": (
        "rest_cannot_view",
        "Sorry, you are not allowed to access global styles on this site.",
    ),
}
