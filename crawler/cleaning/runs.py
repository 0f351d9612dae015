"""Questions asked of a run of inline content when it becomes a paragraph (or not).

A flow sink collects inline content into runs (see :mod:`.sinks`); when its container is
finished, each run is split at double line breaks, checked for boilerplate by its text,
and kept bare or wrapped in ``<p>`` depending on whether it is only images.
"""

from __future__ import annotations

from .tree import BR, Item, Node

__all__ = ["flat_text", "has_content", "has_img", "media_only", "split_runs"]


def has_img(items: list[Item]) -> bool:
    """Whether an image is anywhere in *items*."""
    return any(type(it) is Node and (it.tag == "img" or has_img(it.children)) for it in items)


def has_content(items: list[Item]) -> bool:
    """Whether *items* hold an image or text that is not only whitespace."""
    for it in items:
        if type(it) is not Node:
            if not it.isspace():
                return True
        elif it.tag == "img" or has_content(it.children):
            return True
    return False


def flat_text(items: list[Item]) -> str:
    """The text of *items*, a ``<br>`` read as a space.

    >>> flat_text(["Read ", Node("em", None, ["more"]), BR, "…"])
    'Read more …'
    """
    parts: list[str] = []
    for it in items:
        if type(it) is not Node:
            parts.append(it)
        elif it is BR:
            parts.append(" ")
        else:
            parts.append(flat_text(it.children))
    return "".join(parts)


def media_only(run: list[Item]) -> bool:
    """A run of images (possibly linked) stays bare inside a figure."""
    for it in run:
        if type(it) is not Node:
            if not it.isspace():
                return False
        elif it.tag == "a":
            if not all(type(c) is Node and c.tag == "img" for c in it.children):
                return False
        elif it.tag != "img" and it is not BR:
            return False
    return True


def split_runs(run: list[Item]) -> list[list[Item]]:
    """Split a run where two or more ``<br>`` follow each other: that is a paragraph break.

    >>> split_runs(["a", BR, "b", BR, " ", BR, "c"])
    [['a', Node('br', None, []), 'b'], ['c']]
    """
    if run.count(BR) < 2:
        return [run]
    parts: list[list[Item]] = []
    current: list[Item] = []
    pending: list[Item] = []
    for it in run:
        if it is BR or (type(it) is str and it.isspace()):
            pending.append(it)
            continue
        if sum(p is BR for p in pending) >= 2:
            parts.append(current)
            current = []
        else:
            current.extend(pending)
        pending = []
        current.append(it)
    current.extend(pending)
    parts.append(current)
    return parts
