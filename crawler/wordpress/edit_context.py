"""What an authenticated crawl's ``context=edit`` answers add to the records.

With an application password, content is listed with ``status=any`` and ``context=edit``
(:func:`edit_params`): drafts, pending, private and scheduled records come with their real
``status``, a password-protected record's body comes back (rendered, and raw), and titles and
content carry their ``raw`` form as stored. The post's ``password`` field is never read. Users
asked with ``context=edit`` (only with ``-a include_private_user_fields=true``, and only an
administrator's password may list them so) carry e-mail, roles and names: personal data, kept
only on that explicit request.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from crawler.items import UserItem, _Entry

R = TypeVar("R")

MAX_ROLES = 32
"""A user with more roles than this is junk: the list is cut."""


def edit_params(*, content: bool, private_user_fields: bool = False) -> tuple[tuple[str, str], ...]:
    """The query parameters of an authenticated listing: every status of content, in the edit
    context; users in the edit context only on request (it needs ``list_users``).

    >>> edit_params(content=True)
    (('status', 'any'), ('context', 'edit'))
    >>> edit_params(content=False), edit_params(content=False, private_user_fields=True)
    ((), (('context', 'edit'),))
    """
    if content:
        return (("status", "any"), ("context", "edit"))
    return (("context", "edit"),) if private_user_fields else ()


def unlocked(data: Any) -> Any:
    """A protected record's REST object as an unprotected one when the edit context sent its
    body (then the record builder keeps it); anything else as it is.

    >>> obj = {"id": 3, "content": {"rendered": "<p>x</p>", "protected": True},
    ...        "excerpt": {"rendered": "<p>x</p>", "protected": True}}
    >>> unlocked(obj)["content"]["protected"], unlocked(obj)["excerpt"]["protected"]
    (False, False)
    >>> unlocked({"content": {"rendered": "", "protected": True}})["content"]["protected"]
    True
    """
    if not isinstance(data, dict):
        return data
    content = data.get("content")
    if not (isinstance(content, dict) and content.get("protected")):
        return data
    if not isinstance(content.get("rendered"), str) or not content["rendered"]:
        return data
    opened = dict(data)
    for key in ("content", "excerpt"):
        value = data.get(key)
        if isinstance(value, dict):
            opened[key] = {**value, "protected": False}
    return opened


def with_edit_fields(record: R, data: Any, *, protected: bool, private_user_fields: bool) -> R:
    """``record`` with what the edit context adds: ``title_raw``/``content_source`` and the
    real ``protected`` flag of entries; users' private fields only if ``private_user_fields``.

    >>> from crawler.items import PostItem
    >>> post = PostItem(site="https://e.com/", id=3, content_html="<p>x</p>")
    >>> obj = {"title": {"raw": "T", "rendered": "T"}, "content": {"raw": "<!-- wp:p -->x"},
    ...        "password": "hunter2"}
    >>> out = with_edit_fields(post, obj, protected=True, private_user_fields=False)
    >>> out.title_raw, out.content_source, out.protected, "hunter2" in repr(out)
    ('T', '<!-- wp:p -->x', True, False)
    >>> user = UserItem(site="https://e.com/", id=2)
    >>> obj = {"email": "a@e.com", "roles": ["editor", 5], "first_name": "Ann", "last_name": None}
    >>> with_edit_fields(user, obj, protected=False, private_user_fields=False).email is None
    True
    >>> u = with_edit_fields(user, obj, protected=False, private_user_fields=True)
    >>> u.email, u.roles, u.first_name, u.last_name
    ('a@e.com', ['editor'], 'Ann', None)
    """
    if not isinstance(data, dict):
        return record
    if isinstance(record, _Entry):
        changed: Any = replace(
            record,
            title_raw=_raw(data.get("title")),
            content_source=_raw(data.get("content")),
            protected=bool(record.protected or protected),
        )
        return changed  # type: ignore[no-any-return]
    if isinstance(record, UserItem) and private_user_fields:
        roles = data.get("roles")
        user: Any = replace(
            record,
            email=_text(data.get("email")),
            roles=[r for r in roles[:MAX_ROLES] if isinstance(r, str)]
            if isinstance(roles, list)
            else None,
            first_name=_text(data.get("first_name")),
            last_name=_text(data.get("last_name")),
        )
        return user  # type: ignore[no-any-return]
    return record


def was_protected(data: Any) -> bool:
    """Whether a REST object says its content is password-protected.

    >>> was_protected({"content": {"protected": True}}), was_protected([])
    (True, False)
    """
    content = data.get("content") if isinstance(data, dict) else None
    return bool(isinstance(content, dict) and content.get("protected"))


def _raw(value: Any) -> str | None:
    raw = value.get("raw") if isinstance(value, dict) else None
    return _text(raw)


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "replace").decode("utf-8")
