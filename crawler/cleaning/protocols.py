"""The structural types the cleaner reads through; for the type checker only.

Kept apart from the code that uses them: the compiled cleaner (see ``speedups/``) cannot
compile a protocol's bodiless overloads, and nothing imports this module at run time.
"""

from __future__ import annotations

from typing import Protocol, overload

__all__ = ["Attributes"]


class Attributes(Protocol):
    """Read access to an element's attributes (``lxml`` ``_Attrib``, ``dict[str, str]``)."""

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str, /) -> str: ...
