"""Collection queries: WordPress's parameter validation, filters, ordering and paging.

Validation follows ``WP_REST_Request::has_valid_params()`` (same codes and messages), so a
crawler sees the same 400s; filters cover what a crawler uses (ids, slugs, parents, dates).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from demo.catalog import Collection, Item, Kind
from demo.params import Query, QueryValue, parse_list
from demo.wp_errors import WPError, invalid_page_number, invalid_params, php_list

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

MAX_PER_PAGE = 100
_ORDERBY: dict[Kind, list[str]] = {
    Kind.POST: [
        "author", "date", "id", "include", "modified", "parent",
        "relevance", "slug", "include_slugs", "title",
    ],
    Kind.TERM: ["id", "include", "name", "slug", "include_slugs", "term_group", "description", "count"],
    Kind.USER: ["id", "include", "name", "registered_date", "slug", "include_slugs", "email", "url"],
    Kind.COMMENT: ["date", "date_gmt", "id", "include", "post", "parent", "type"],
}  # fmt: skip
_DEFAULT_ORDER: dict[Kind, tuple[str, str]] = {
    Kind.POST: ("date", "desc"),
    Kind.TERM: ("name", "asc"),
    Kind.USER: ("name", "asc"),
    Kind.COMMENT: ("date_gmt", "desc"),
}
# rest_parse_date(): ISO 8601 with optional fraction and offset; date-only is invalid.
_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TRUE = {"1", "true"}
_FALSE = {"0", "false", ""}


@dataclass(frozen=True, slots=True)
class QueryContext:
    """Site-wide facts a query needs: the site's time zone, taxonomy bases, and a post lookup."""

    zone: tzinfo
    taxonomy_bases: frozenset[str]
    find_post: Callable[[int], Item | None]


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a collection plus what the ``X-WP-*`` headers report."""

    items: list[Item]
    total: int
    total_pages: int
    page: int
    per_page: int


class _Params:
    """Typed access to request params that records every problem, like ``has_valid_params()``."""

    def __init__(self, raw: Query) -> None:
        self.raw = raw
        self.problems: dict[str, tuple[str, str]] = {}

    def _fail(self, name: str, code: str, message: str) -> None:
        self.problems.setdefault(name, (code, message))

    def integer(
        self, name: str, default: int | None = None, minimum: int | None = None
    ) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return default
        number = _as_int(value)
        if number is None:
            self._fail(name, "rest_invalid_type", f"{name} is not of type integer.")
            return default
        if minimum is not None and number < minimum:
            self._fail(
                name, "rest_out_of_bounds", f"{name} must be greater than or equal to {minimum}"
            )
            return default
        return number

    def per_page(self) -> int:
        value = self.raw.get("per_page")
        if value is None:
            return 10
        number = _as_int(value)
        if number is None:
            self._fail("per_page", "rest_invalid_type", "per_page is not of type integer.")
            return 10
        if not 1 <= number <= MAX_PER_PAGE:
            message = f"per_page must be between 1 (inclusive) and {MAX_PER_PAGE} (inclusive)"
            self._fail("per_page", "rest_out_of_bounds", message)
            return 10
        return number

    def id_list(self, name: str) -> list[int] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        ids: list[int] = []
        for index, part in enumerate(parse_list(value)):
            number = _as_int(part)
            if number is None:
                self._fail(name, "rest_invalid_type", f"{name}[{index}] is not of type integer.")
                return None
            ids.append(number)
        return ids

    def text_list(self, name: str) -> list[str] | None:
        value = self.raw.get(name)
        return None if value is None else parse_list(value)

    def enum(self, name: str, choices: list[str], default: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return default
        if not isinstance(value, str) or value not in choices:
            self._fail(name, "rest_not_in_enum", f"{name} is not one of {php_list(choices)}.")
            return default
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        self._fail(name, "rest_invalid_type", f"{name} is not of type boolean.")
        return None

    def date_gmt(self, name: str, zone: tzinfo) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        parsed = _to_gmt(value, zone) if isinstance(value, str) else None
        if parsed is None:
            self._fail(name, "rest_invalid_date", "Invalid date.")
        return parsed


def run_query(collection: Collection, raw: Query, ctx: QueryContext) -> Listing:
    """Answer ``GET /wp/v2/<base>`` for ``raw`` params, or raise the :class:`WPError` WordPress gives."""
    params = _Params(raw)
    kind = collection.kind
    page = params.integer("page", 1, minimum=1) or 1
    per_page = params.per_page()
    offset = params.integer("offset")
    default_orderby, default_order = _DEFAULT_ORDER[kind]
    choices = _ORDERBY[kind] + (
        ["menu_order"] if kind is Kind.POST and collection.hierarchical else []
    )
    orderby = params.enum("orderby", choices, default_orderby)
    order = params.enum("order", ["asc", "desc"], default_order)
    filters = _Filters(collection, params, ctx)
    include = filters.include
    if params.problems:
        raise invalid_params(params.problems)
    _check_orderby(kind, orderby, include, raw)

    if orderby == "include" and include:
        matched = _in_given_order(collection, include, filters)
    elif orderby == "include_slugs" and filters.slugs:
        by_slug, test = collection.group("slug"), filters.predicate()
        matched = [
            item
            for slug in filters.slugs
            for item in by_slug.get(slug, [])
            if test is None or test(item)
        ]
    else:
        matched = filters.apply(orderby if orderby != "relevance" else "date")
        if order == "desc":
            matched = matched[::-1]

    total = len(matched)
    total_pages = math.ceil(total / per_page)
    if kind is Kind.POST and page > total_pages and total > 0:
        raise invalid_page_number()
    start = offset or (page - 1) * per_page
    return Listing(matched[start : start + per_page], total, total_pages, page, per_page)


class _Filters:
    """Narrow a collection: id-set filters use cached groupings, the rest are per-item tests."""

    def __init__(self, collection: Collection, params: _Params, ctx: QueryContext) -> None:
        self.collection = collection
        self.allowed: set[int] | None = None
        self.tests: list[Callable[[Item], bool]] = []
        self.slugs = params.text_list("slug") if collection.kind is not Kind.COMMENT else None
        self.include: list[int] | None = None
        self._common(params)
        if collection.kind is Kind.POST:
            self._posts(params, ctx)
        elif collection.kind is Kind.TERM:
            self._terms(params, ctx)
        elif collection.kind is Kind.COMMENT:
            self._comments(params, ctx)

    def _restrict(self, ids: Iterable[int]) -> None:
        ids = set(ids)
        self.allowed = ids if self.allowed is None else self.allowed & ids

    def _restrict_group(self, name: str, values: Iterable[Any]) -> None:
        groups = self.collection.group(name)
        self._restrict(item["id"] for value in values for item in groups.get(value, []))

    def _common(self, params: _Params) -> None:
        self.include = params.id_list("include")
        if self.include:
            self._restrict(self.include)
        exclude = params.id_list("exclude")
        if exclude:
            excluded = set(exclude)
            self.tests.append(lambda item: item["id"] not in excluded)
        if self.slugs:
            self._restrict_group("slug", self.slugs)
        search = params.raw.get("search")
        if isinstance(search, str) and search:
            needle = search.lower()
            self.tests.append(lambda item: needle in _searchable(item))

    def _posts(self, params: _Params, ctx: QueryContext) -> None:
        author = params.id_list("author")
        if author:
            self._restrict_group("author", author)
        parent = params.id_list("parent")
        if parent is not None and self.collection.name == "attachment":
            self._restrict_group("post", [None if value == 0 else value for value in parent])
        elif parent is not None:
            self._restrict_group("parent", parent)
        for base in ctx.taxonomy_bases:
            term_ids = params.id_list(base) if base in params.raw else None
            if term_ids:
                self._restrict_group(base, term_ids)
        self._dates(params, ctx, "date_gmt", "after", "before")
        self._dates(params, ctx, "modified_gmt", "modified_after", "modified_before")
        sticky = params.boolean("sticky")
        if sticky is not None:
            self.tests.append(lambda item: bool(item.get("sticky")) is sticky)

    def _terms(self, params: _Params, ctx: QueryContext) -> None:
        if params.boolean("hide_empty"):
            self.tests.append(lambda item: item.get("count", 0) > 0)
        parent = params.integer("parent") if self.collection.hierarchical else None
        if parent is not None:
            self._restrict_group("parent", [parent])
        post_id = params.integer("post")
        if post_id:
            post = ctx.find_post(post_id)
            if post is None:
                raise WPError(400, "rest_post_invalid_id", "Invalid post ID.")
            if self.collection.base not in post:  # the post type lacks this taxonomy
                message = "Sorry, you are not allowed to view terms for this post."
                raise WPError(401, "rest_forbidden_context", message)
            self._restrict(post[self.collection.base])

    def _comments(self, params: _Params, ctx: QueryContext) -> None:
        for name in ("post", "parent"):
            ids = params.id_list(name)
            if ids is not None:
                self._restrict_group(name, ids)
        self._dates(params, ctx, "date_gmt", "after", "before")

    def _dates(
        self, params: _Params, ctx: QueryContext, field: str, after: str, before: str
    ) -> None:
        # Exclusive, like WP_Date_Query without "inclusive". WordPress converts the value to
        # site-local time and compares the local columns; comparing in GMT with the *_gmt
        # fields gives the same answer except inside the hour a DST change repeats.
        low = params.date_gmt(after, ctx.zone)
        high = params.date_gmt(before, ctx.zone)
        if low is not None:
            self.tests.append(lambda item: item.get(field, "") > low)
        if high is not None:
            self.tests.append(lambda item: item.get(field, "") < high)

    def predicate(self) -> Callable[[Item], bool] | None:
        """One test combining every filter, or ``None`` when nothing is filtered."""
        tests = list(self.tests)
        allowed = self.allowed
        if allowed is not None:
            tests.insert(0, lambda item: item["id"] in allowed)
        if len(tests) <= 1:
            return tests[0] if tests else None
        return lambda item: all(test(item) for test in tests)

    def apply(self, orderby: str) -> list[Item]:
        """The items that pass, in ascending ``orderby`` order."""
        ordered = self.collection.ordered(orderby)
        test = self.predicate()
        if test is None:
            return ordered
        if self.allowed is not None and len(self.allowed) * 16 < len(ordered):
            rank = self.collection.rank(orderby)
            by_id = self.collection.by_id
            picked = [by_id[i] for i in self.allowed if i in by_id]
            picked.sort(key=lambda item: rank[item["id"]])
            return [item for item in picked if test(item)]
        return [item for item in ordered if test(item)]


def _in_given_order(collection: Collection, include: list[int], filters: _Filters) -> list[Item]:
    seen: set[int] = set()
    items: list[Item] = []
    test = filters.predicate()
    for item_id in include:
        item = collection.by_id.get(item_id)
        if item is not None and item_id not in seen and (test is None or test(item)):
            seen.add(item_id)
            items.append(item)
    return items


def _check_orderby(kind: Kind, orderby: str, include: list[int] | None, raw: Query) -> None:
    if kind is Kind.POST and orderby == "include" and not include:
        raise WPError(
            400,
            "rest_orderby_include_missing_include",
            "You need to define an include parameter to order by include.",
        )
    if kind is Kind.POST and orderby == "relevance" and not raw.get("search"):
        raise WPError(
            400,
            "rest_no_search_term_defined",
            "You need to define a search term to order by relevance.",
        )
    if kind is Kind.USER and orderby in ("email", "registered_date"):
        raise WPError(
            401,
            "rest_forbidden_orderby",
            "Sorry, you are not allowed to order users by this parameter.",
        )


def _searchable(item: Item) -> str:
    parts = [item.get("name"), item.get("slug")]
    for name in ("title", "content", "excerpt"):
        value = item.get(name)
        if isinstance(value, dict):
            parts.append(value.get("rendered"))
    return " ".join(str(part) for part in parts if part).lower()


def _as_int(value: QueryValue) -> int | None:
    """``rest_is_integer()``: numeric strings whose value is whole, like ``"3"`` or ``"3.0"``."""
    if not isinstance(value, str):
        return None
    try:
        return int(value.strip())
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _to_gmt(value: str, zone: tzinfo) -> str | None:
    """A ``date-time`` param as a GMT ``YYYY-MM-DDTHH:MM:SS`` string; no offset means site-local.

    >>> _to_gmt("2024-05-01T12:00:00+02:00", UTC)
    '2024-05-01T10:00:00'
    >>> _to_gmt("2024-05-01 12:00:00", timezone(timedelta(hours=1)))
    '2024-05-01T11:00:00'
    >>> _to_gmt("2024-05-01", UTC) is None
    True
    """
    match = _DATE.match(value)
    if match is None:
        return None
    day, clock, offset = match.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    if offset is None:
        moment = moment.replace(tzinfo=zone)
    elif offset.upper() == "Z":
        moment = moment.replace(tzinfo=UTC)
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
