"""Content cleaning: WordPress ``content.rendered`` to sanitized HTML, plain text, Markdown.

Pure functions, no Scrapy: the pipeline calls :func:`clean_content` per item.
"""

from .content import (
    DEFAULT_OPTIONS,
    CleanContent,
    CleanOptions,
    clean_content,
    clean_excerpt,
    clean_inline_text,
)
from .wordpress import DEFAULT_BOILERPLATE_PATTERNS

__all__ = [
    "DEFAULT_BOILERPLATE_PATTERNS",
    "DEFAULT_OPTIONS",
    "CleanContent",
    "CleanOptions",
    "clean_content",
    "clean_excerpt",
    "clean_inline_text",
]
