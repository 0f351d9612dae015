"""Sinks: where the walk puts clean content, each knowing the context it collects in.

* a :class:`Flow` sink (the post body, a blockquote, a list item, a table cell, a figure)
  groups inline content into runs; ``<p>``, ``<div>`` and other wrappers only mark run
  boundaries, so a run becomes one ``<p>`` however the theme nested it;
* an :class:`Inline` sink (inside a link, a heading, ``<strong>``…) flattens block elements
  to their content separated by ``<br>``;
* a :class:`Pre` sink keeps whitespace verbatim.

Handlers tell them apart with ``type(sink) is Flow`` or ``is Pre``: both classes are final,
so the type checker narrows on it too. All three derive from :class:`Sink`, so that a call on
a sink of unknown kind is a method call the compiled cleaner resolves in its class table.
"""

from __future__ import annotations

from typing import Final, final

from .tree import BR, Item, Node

__all__ = ["ALWAYS_P", "BARE_IF_SINGLE", "IN_LINK", "MEDIA", "Flow", "Inline", "Pre", "Sink"]

# How a flow container turns its runs into children (see Sanitizer.finish).
ALWAYS_P: Final = 0
BARE_IF_SINGLE: Final = 1
MEDIA: Final = 2
# Context flag inherited by child sinks: links cannot nest.
IN_LINK: Final = 1


class Sink:
    """What every sink does; *flags* (``IN_LINK``) are passed on to the sinks made inside it."""

    __slots__ = ("figure", "flags")

    def __init__(self, flags: int = 0, figure: bool = False) -> None:
        self.flags = flags
        self.figure = figure

    def text(self, s: str) -> None:
        raise NotImplementedError

    def inline(self, node: Item) -> None:
        raise NotImplementedError

    def br(self) -> None:
        raise NotImplementedError

    def boundary(self) -> None:
        raise NotImplementedError


@final
class Flow(Sink):
    """Collects blocks and runs of inline content (runs are plain lists)."""

    __slots__ = ("items", "run")

    def __init__(self, flags: int = 0, figure: bool = False) -> None:
        super().__init__(flags, figure)
        self.items: list[Node | list[Item]] = []
        self.run: list[Item] | None = None

    def text(self, s: str) -> None:
        run = self.run
        if run is None:
            if not s.isspace():
                self.run = [s]
            return
        prev = run[-1]
        if type(prev) is not Node:
            run[-1] = prev + s[1:] if s[0] == " " and prev[-1] == " " else prev + s
        else:
            run.append(s)

    def inline(self, node: Item) -> None:
        if self.run is None:
            self.run = [node]
        else:
            self.run.append(node)

    def br(self) -> None:
        if self.run is not None:
            self.run.append(BR)

    def boundary(self) -> None:
        if self.run is not None:
            self.items.append(self.run)
            self.run = None

    def block(self, node: Node) -> None:
        self.boundary()
        self.items.append(node)

    def add_run(self, run: list[Item]) -> None:
        self.boundary()
        self.items.append(run)


class Inline(Sink):
    """Collects phrasing content; a block boundary becomes a ``<br>``."""

    __slots__ = ("items",)

    def __init__(self, flags: int = 0) -> None:
        super().__init__(flags)
        self.items: list[Item] = []

    def text(self, s: str) -> None:
        items = self.items
        prev = items[-1] if items else BR
        if type(prev) is not Node:
            if s[0] == " " and prev[-1] == " " and type(self) is not Pre:
                s = s[1:]
            items[-1] = prev + s
        else:
            items.append(s)

    def inline(self, node: Item) -> None:
        self.items.append(node)

    def br(self) -> None:
        self.items.append(BR)

    def boundary(self) -> None:
        self.br()


@final
class Pre(Inline):
    """Collects preformatted content; line breaks and block boundaries become newlines."""

    __slots__ = ()

    def br(self) -> None:
        self.text("\n")
