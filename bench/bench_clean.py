"""Benchmark the content cleaner: posts cleaned per second per core.

Plain script (not collected by pytest)::

    .venv/bin/python bench/bench_clean.py [--posts 300] [--repeat 3] [--seed 7]

It generates realistic WordPress ``content.rendered`` bodies (Gutenberg blocks with
srcset images, Google-Docs paste with styled spans, a WPBakery page with leftover
shortcodes, lazy-loaded images with noscript twins, galleries, tables, embeds, emoji,
Jetpack share/related blocks, a syndication footer) and times, in one process (one core):

* the floor: ``lxml`` parsing the same HTML and nothing else;
* BeautifulSoup(lxml) parsing alone, the reason the cleaner walks lxml directly;
* ``clean_content`` without and with Markdown, in Python and compiled (``make setup`` builds
  the compiled copy, see ``speedups/build.py``);
* an optional ``nh3`` (Ammonia) final pass over the cleaned HTML, and nh3 alone;

then what each stage of ``clean_content`` costs per 10 KB post (parse, sanitize, HTML
serialization, text, Markdown, the rest), for each of the two.
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from lxml import etree

from crawler.cleaning import CleanOptions, clean_content
from crawler.cleaning.tree import ALLOWED_ATTRIBUTES
from crawler.speedups import COMPILED_PACKAGE, choose_cleaner

if TYPE_CHECKING:
    from collections.abc import Callable

_T = TypeVar("_T")

WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "her",
    "she",
    "there",
    "one",
    "all",
    "we",
    "can",
    "their",
    "has",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "garden",
    "coffee",
    "recipe",
    "travel",
    "market",
    "season",
    "design",
    "budget",
    "city",
    "river",
    "morning",
    "kitchen",
    "festival",
    "library",
    "bicycle",
    "harbour",
    "mountain",
    "photo",
    "review",
    "update",
    "guide",
    "don’t",
    "it’s",
    "“quoted”",
    "—",
    "…",
    "café",
    "naïve",
]
BASE = "https://blog.example.com"


class PostGenerator:
    """Seeded generator of WordPress post bodies in the styles real sites produce."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.image_id = 100

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi)))

    def sentence(self) -> str:
        s = self.words(8, 22)
        return s[0].upper() + s[1:] + self.rng.choice([".", ".", ".", "!", "?"])

    def rich_text(self, sentences: int) -> str:
        parts = []
        for _ in range(sentences):
            s = self.sentence()
            roll = self.rng.random()
            if roll < 0.15:
                s = f'<a href="{BASE}/{self.words(1, 3).replace(" ", "-")}/">{s}</a>'
            elif roll < 0.25:
                s = f"<strong>{s}</strong>"
            elif roll < 0.32:
                s = f"<em>{s}</em>"
            elif roll < 0.36:
                s = s.replace(" ", "&nbsp;", 1) + " &#8217;"
            parts.append(s)
        return " ".join(parts)

    def image(self, lazy: bool = False) -> str:
        self.image_id += 1
        name = f"{BASE}/wp-content/uploads/2024/03/photo-{self.image_id}"
        srcset = ", ".join(
            f"{name}-{w}x{w * 2 // 3}.jpg {w}w" for w in (1024, 300, 768, 1536, 2048)
        )
        alt = self.words(2, 6)
        if lazy:
            return (
                f'<img width="1024" height="683" src="data:image/svg+xml,%3Csvg%20xmlns=%27http://'
                f'www.w3.org/2000/svg%27%20viewBox=%270%200%201024%20683%27%3E%3C/svg%3E" '
                f'alt="{alt}" class="wp-image-{self.image_id}" data-lazy-srcset="{srcset}" '
                f'data-lazy-sizes="(max-width: 1024px) 100vw, 1024px" '
                f'data-lazy-src="{name}-1024x683.jpg" />'
                f'<noscript><img width="1024" height="683" src="{name}-1024x683.jpg" alt="{alt}" '
                f'class="wp-image-{self.image_id}" srcset="{srcset}" /></noscript>'
            )
        return (
            f'<img decoding="async" loading="lazy" width="1024" height="683" '
            f'src="{name}-1024x683.jpg" alt="{alt}" class="wp-image-{self.image_id}" '
            f'srcset="{srcset}" sizes="(max-width: 1024px) 100vw, 1024px" />'
        )

    def gutenberg_block(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            align = ' class="has-text-align-center"' if self.rng.random() < 0.1 else ""
            return f"<p{align}>{self.rich_text(self.rng.randint(2, 6))}</p>\n"
        if r < 0.55:
            title = self.sentence()[:-1]
            slug = title.lower().replace(" ", "-")[:40]
            return f'<h2 class="wp-block-heading" id="h-{slug}">{title}</h2>\n'
        if r < 0.63:
            items = "".join(f"<li>{self.rich_text(1)}</li>" for _ in range(self.rng.randint(3, 6)))
            tag = self.rng.choice(["ul", "ol"])
            return f'<{tag} class="wp-block-list">{items}</{tag}>\n'
        if r < 0.73:
            lazy = self.rng.random() < 0.4
            caption = (
                f'<figcaption class="wp-element-caption">{self.sentence()}</figcaption>'
                if self.rng.random() < 0.6
                else ""
            )
            return (
                f'<figure class="wp-block-image size-large">{self.image(lazy)}{caption}</figure>\n'
            )
        if r < 0.77:
            inner = "".join(
                f'<figure class="wp-block-image size-large">{self.image()}</figure>'
                for _ in range(self.rng.randint(2, 4))
            )
            return (
                '<figure class="wp-block-gallery has-nested-images columns-default is-cropped">'
                f'{inner}<figcaption class="blocks-gallery-caption wp-element-caption">'
                f"{self.sentence()}</figcaption></figure>\n"
            )
        if r < 0.82:
            rows = "".join(
                "<tr>" + "".join(f"<td>{self.words(1, 4)}</td>" for _ in range(3)) + "</tr>"
                for _ in range(self.rng.randint(3, 7))
            )
            return (
                '<figure class="wp-block-table"><table class="has-fixed-layout"><thead><tr>'
                "<th>Item</th><th>Price</th><th>Notes</th></tr></thead>"
                f"<tbody>{rows}</tbody></table></figure>\n"
            )
        if r < 0.86:
            return (
                '<figure class="wp-block-embed is-type-video is-provider-youtube '
                'wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio">'
                '<div class="wp-block-embed__wrapper">\n<iframe loading="lazy" title="'
                f'{self.words(3, 6)}" width="500" height="281" src="https://www.youtube.com/embed/'
                f'{self.rng.randrange(10**9)}?feature=oembed" frameborder="0" allow="accelerometer;'
                ' autoplay; clipboard-write; encrypted-media" referrerpolicy="strict-origin-when-'
                'cross-origin" allowfullscreen></iframe>\n</div></figure>\n'
            )
        if r < 0.9:
            return (
                f'<blockquote class="wp-block-quote"><p>{self.rich_text(2)}</p>'
                f"<cite>{self.words(2, 3)}</cite></blockquote>\n"
            )
        if r < 0.93:
            code = "\n".join(
                f"    {self.words(1, 3).replace(' ', '_')} = &lt;{i}&gt;;" for i in range(6)
            )
            return f'<pre class="wp-block-code"><code>{code}</code></pre>\n'
        if r < 0.96:
            smiley = (
                '<img draggable="false" role="img" class="emoji" alt="😀" '
                'src="https://s.w.org/images/core/emoji/15.0.3/svg/1f600.svg">'
            )
            return f"<p>{self.rich_text(2)} {smiley}</p>\n"
        return '<hr class="wp-block-separator has-alpha-channel-opacity"/>\n'

    def docs_paste_block(self) -> str:
        text = self.rich_text(self.rng.randint(2, 5))
        return (
            f'<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;">'
            f'<span style="font-size: 11pt; font-family: Arial; color: #000000; '
            f"background-color: transparent; font-weight: 400; font-style: normal; "
            f'vertical-align: baseline; white-space: pre-wrap;">{text}</span></p>\n'
        )

    def page_builder_block(self) -> str:
        return (
            '[vc_row el_class="row-x"][vc_column width="1/2"][vc_column_text]\n'
            f'<div class="wpb_text_column wpb_content_element" data-id="{self.rng.randrange(999)}">'
            f'<div class="wpb_wrapper">\n<p>{self.rich_text(3)}</p>\n</div></div>\n'
            "[/vc_column_text][/vc_column][/vc_row]\n"
        )

    def footer(self) -> str:
        return (
            '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block '
            'sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3>'
            '<div class="sd-content"><ul><li class="share-twitter"><a rel="nofollow noopener '
            'noreferrer" data-shared="sharing-twitter-1" class="share-twitter sd-button '
            f'share-icon" href="{BASE}/post/?share=twitter" target="_blank"><span>Twitter</span>'
            '</a></li><li class="share-end"></li></ul></div></div></div>\n'
            '<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">'
            "<em>Related</em></h3></div>\n"
            f'<p>The post <a href="{BASE}/post/">{self.words(3, 6)}</a> appeared first on '
            f'<a href="{BASE}">Example Blog</a>.</p>\n'
        )

    def post(self, target_bytes: int) -> str:
        style = self.rng.random()
        parts: list[str] = []
        size = 0
        while size < target_bytes:
            if style < 0.6:
                block = self.gutenberg_block()
            elif style < 0.85:
                block = (
                    self.docs_paste_block() if self.rng.random() < 0.7 else self.gutenberg_block()
                )
            else:
                block = (
                    self.page_builder_block() if self.rng.random() < 0.5 else self.gutenberg_block()
                )
            parts.append(block)
            size += len(block.encode())
        if self.rng.random() < 0.5:
            parts.append(self.footer())
        return "".join(parts)


def corpus(n: int, seed: int, lo: int, hi: int) -> list[str]:
    gen = PostGenerator(seed)
    return [gen.post(gen.rng.randint(lo, hi)) for _ in range(n)]


def timed(fn: Callable[[_T], object], posts: list[_T], repeat: int) -> float:
    """Best-of-*repeat* seconds per post (process CPU time: one core), after a warm-up."""
    for post in posts[:20]:
        fn(post)
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        for post in posts:
            fn(post)
        runs.append((time.process_time() - start) / len(posts))
    return min(runs)


def cleaner(package: str) -> SimpleNamespace:
    """The functions of one cleaner package: ``crawler.cleaning`` or its compiled copy."""
    names = {
        "content": ("CleanOptions", "clean_content"),
        "markdown": ("to_markdown",),
        "parse": ("parse_html",),
        "sanitize": ("Sanitizer",),
        "text": ("count_words", "to_text"),
        "tree": ("serialize",),
        "wordpress": ("boilerplate_matcher", "closing_shortcode_names"),
    }
    found = {}
    for module, attributes in names.items():
        loaded = importlib.import_module(f"{package}.{module}")
        found |= {name: getattr(loaded, name) for name in attributes}
    return SimpleNamespace(**found)


def stages(posts: list[str], repeat: int, c: SimpleNamespace) -> dict[str, float]:
    """Seconds per post of each step ``clean_content`` takes, timed one at a time."""
    matcher = c.boilerplate_matcher(tuple(c.CleanOptions().boilerplate_patterns))

    def sanitize(h: str) -> list[Any]:
        root = c.parse_html(h)
        if root is None:
            return []
        return c.Sanitizer(BASE, matcher, c.closing_shortcode_names(h)).clean(root)  # type: ignore[no-any-return]

    trees = [sanitize(h) for h in posts]
    by_tree: dict[str, Callable[[Any], object]] = {
        "serialize (HTML, links, images)": lambda t: c.serialize(t, [], []),
        "text (to_text + count_words)": lambda t: c.count_words(c.to_text(t)),
        "markdown (to_markdown)": c.to_markdown,
    }
    parse = timed(c.parse_html, posts, repeat)
    out = {
        "parse (lxml + prepare)": parse,
        "sanitize (walk)": timed(sanitize, posts, repeat) - parse,
    }
    for name, fn in by_tree.items():
        out[name] = timed(fn, trees, repeat)
    total = timed(lambda h: c.clean_content(h, BASE), posts, repeat)
    out["other"] = max(0.0, total - sum(out.values()))
    out["total clean_content, markdown=True"] = total
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    html_parser = etree.HTMLParser(encoding="utf-8", remove_comments=True)
    no_md = CleanOptions(markdown=False)
    candidates: dict[str, Callable[[str], object]] = {
        "lxml parse only (floor)": lambda h: etree.fromstring(h.encode(), html_parser),
    }
    try:
        from bs4 import BeautifulSoup

        candidates["BeautifulSoup(lxml) parse only"] = lambda h: BeautifulSoup(h, "lxml")
    except ImportError:  # pragma: no cover
        pass
    candidates["clean_content, markdown=False"] = lambda h: clean_content(h, BASE, no_md)
    candidates["clean_content, markdown=True"] = lambda h: clean_content(h, BASE)
    compiled = choose_cleaner().compiled
    if compiled:
        fast = cleaner(f"{COMPILED_PACKAGE}.cleaning")
        fast_no_md = fast.CleanOptions(markdown=False)
        candidates["compiled clean_content, markdown=False"] = lambda h: fast.clean_content(
            h, BASE, fast_no_md
        )
        candidates["compiled clean_content, markdown=True"] = lambda h: fast.clean_content(h, BASE)
    else:
        print("The compiled cleaner is not built (make setup): no compiled rows.")
    try:
        import nh3

        tags = set(ALLOWED_ATTRIBUTES)
        attributes = {t: set(a) for t, a in ALLOWED_ATTRIBUTES.items() if a}
        schemes = {"http", "https", "mailto", "tel", "ftp"}

        def nh3_pass(h: str) -> str:
            return nh3.clean(
                h, tags=tags, attributes=attributes, url_schemes=schemes, link_rel=None
            )

        candidates["clean_content(markdown=False) + nh3 pass"] = lambda h: nh3_pass(
            clean_content(h, BASE, no_md).html
        )
        candidates["nh3.clean alone (raw input)"] = nh3_pass
    except ImportError:  # pragma: no cover
        print("nh3 not installed: skipping the nh3 rows")

    sets = {
        "10 KB posts": corpus(args.posts, args.seed, 9_500, 10_500),
        "5-20 KB posts": corpus(args.posts, args.seed + 1, 5_000, 20_000),
    }
    print(f"Python {sys.version.split()[0]}, one process, best of {args.repeat}")
    for label, posts in sets.items():
        sizes = [len(p.encode()) for p in posts]
        print(
            f"\n{label}: {len(posts)} posts, mean {statistics.mean(sizes) / 1024:.1f} KB "
            f"(min {min(sizes) / 1024:.1f}, max {max(sizes) / 1024:.1f})"
        )
        floor = None
        for name, fn in candidates.items():
            seconds = timed(fn, posts, args.repeat)
            floor = floor or seconds
            print(
                f"  {name:<42} {seconds * 1000:7.3f} ms/post  {1 / seconds:8.0f} posts/s"
                f"  {seconds / floor:6.1f}x floor"
            )
    packages = {"Python": "crawler.cleaning"}
    if compiled:
        packages["compiled"] = f"{COMPILED_PACKAGE}.cleaning"
    for label, package in packages.items():
        print(f"\nStages of clean_content on the 10 KB posts, {label}, best of {args.repeat}:")
        for name, seconds in stages(sets["10 KB posts"], args.repeat, cleaner(package)).items():
            print(f"  {name:<42} {seconds * 1000:7.3f} ms/post")
    print("\nTarget: >= 1,000 posts/s per core on 10 KB posts (clean_content, markdown=True).")


if __name__ == "__main__":
    main()
