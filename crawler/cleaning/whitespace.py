"""Whitespace at the edges of lines, merged strings and leftover shortcodes, in place.

The walk appends text as it meets it, so a finished line can start with a space, hold two
strings side by side or end in a ``<br>``. :func:`normalize` makes it what a reader sees,
and does so until nothing changes: cleaning clean output must change nothing. Shortcodes
are stripped here, on merged strings, because text-node boundaries move when the output
is parsed again (``[vc_<em> </em>row]``).
"""

from __future__ import annotations

import re

from .tags import CODE_TAGS
from .tree import BR, Item, Node
from .wordpress import strip_shortcodes

__all__ = ["normalize", "trim", "trim_pre"]

_LEADING_BLANK_LINES = re.compile(r"^(?:[ \t]*\n)+")
_DOUBLE_SPACE = re.compile(r"  +")


def normalize(items: list[Item], paired: frozenset[str]) -> None:
    """Finish a line-based inline sequence: shortcodes, whitespace, merged strings.

    *paired* are the shortcode names closed somewhere in the document. Repeats while
    trimming removes or unwraps elements, which can make strings adjacent again.

    >>> items = ["  [vc_row]Plain  [/vc_row] text "]
    >>> normalize(items, frozenset()); items
    ['Plain text']
    """
    if len(items) == 1 and type(items[0]) is str:  # most cells, items and captions
        _normalize_string(items, paired)
        return
    _tidy(items, paired)
    for _ in range(8):
        if not trim(items) or not _tidy(items, paired):
            return


def _normalize_string(items: list[Item], paired: frozenset[str]) -> None:
    """:func:`normalize` of a sequence that is one string, without the general walk."""
    text = items[0]
    assert type(text) is str
    if "[" in text:
        stripped = strip_shortcodes(text, paired)
        if stripped != text:
            text = _DOUBLE_SPACE.sub(" ", stripped)
    text = text.strip(" ")
    if text:
        items[0] = text
    else:
        items.clear()


def _trim_forward(items: list[Item], state: list[bool]) -> bool:
    """Drop leading spaces of lines, spaces after spaces, and ``<br>`` at line starts.

    Returns True if an element was removed (the caller may need to merge strings again).
    """
    removed = False
    i = 0
    while i < len(items):
        it = items[i]
        if type(it) is not Node:
            if state[0]:
                it = it.lstrip(" ")
            if it:
                items[i] = it
                state[0] = it[-1] == " "
                state[1] = False
                i += 1
            else:
                del items[i]
        elif it is BR:
            if state[1]:
                del items[i]
                removed = True
            else:
                state[0] = state[1] = True
                i += 1
        elif it.tag == "img":
            state[0] = state[1] = False
            i += 1
        else:
            removed |= _trim_forward(it.children, state)
            if it.children:
                i += 1
            else:
                del items[i]
                removed = True
    return removed


def _trim_backward(items: list[Item], state: list[bool]) -> bool:
    """Drop trailing spaces of lines and trailing ``<br>``; unwrap whitespace-only inlines.

    Returns True if an element was removed or unwrapped.
    """
    removed = False
    i = len(items) - 1
    while i >= 0:
        it = items[i]
        if type(it) is not Node:
            if state[0]:
                it = it.rstrip(" ")
            if it:
                items[i] = it
                state[0] = False
            else:
                del items[i]
        elif it is BR:
            if state[0]:
                del items[i]
                removed = True
            else:
                state[0] = True
        elif it.tag == "img":
            state[0] = False
        else:
            children = it.children
            removed |= _trim_backward(children, state)
            if not children:
                del items[i]
                removed = True
            elif all(type(c) is str and c.isspace() for c in children):
                items[i] = " "
                removed = True
        i -= 1
    return removed


def _tidy(items: list[Item], paired: frozenset[str]) -> bool:
    """Merge adjacent strings and strip shortcodes outside code, in place.

    Returns True when something changed, so the caller knows to trim again.
    """
    changed = False
    i = 0
    while i < len(items):
        it = items[i]
        if type(it) is not Node:
            prev = items[i - 1] if i else BR
            if type(prev) is not Node:
                items[i - 1] = prev + (it[1:] if it[0] == " " and prev[-1] == " " else it)
                del items[i]
                changed = True
                continue
        elif it.children and it.tag not in CODE_TAGS and _tidy(it.children, paired):
            changed = True
        i += 1
    for i, it in enumerate(items):
        if type(it) is not Node and "[" in it:
            stripped = strip_shortcodes(it, paired)
            if stripped != it:
                items[i] = _DOUBLE_SPACE.sub(" ", stripped)
                changed = True
    return changed


def trim(items: list[Item]) -> bool:
    """Normalise whitespace at the edges of a line-based inline sequence, in place.

    Returns True if an element was removed or unwrapped on the way.
    """
    forward = _trim_forward(items, [True, True])
    return _trim_backward(items, [True]) or forward


def trim_pre(items: list[Item]) -> None:
    """Strip blank lines before and trailing whitespace after preformatted content."""
    while items:
        first = items[0]
        if type(first) is not Node:
            first = _LEADING_BLANK_LINES.sub("", first)
            if first:
                items[0] = first
                break
            del items[0]
        elif first is BR or first.tag == "img":
            break
        else:
            _trim_pre_edge(first.children, leading=True)
            if first.children:
                break
            del items[0]
    _trim_pre_edge(items, leading=False)


def _trim_pre_edge(items: list[Item], leading: bool) -> None:
    index = 0 if leading else -1
    while items:
        it = items[index]
        if type(it) is not Node:
            it = _LEADING_BLANK_LINES.sub("", it) if leading else it.rstrip()
            if it:
                items[index] = it
                return
            del items[index]
        elif it is BR or it.tag == "img":
            return
        else:
            _trim_pre_edge(it.children, leading)
            if it.children:
                return
            del items[index]
