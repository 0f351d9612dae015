"""Text for generated sites: WordPress-encoded titles and realistic post HTML.

The HTML carries what a crawler's cleaner meets on real sites: block markup with classes and
``data-*`` attributes, ``wp-image-<id>`` images, lazy-load placeholders with ``<noscript>``
twins, captions, embeds, smilies, ``<!--more-->``, leftover shortcodes and texturized entities.
Pools of sentences are built once per site so 10,000 bodies take about a second.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

_WORD_TEXT = (
    "city council budget river school housing market energy climate festival library museum "
    "harbour railway bridge election vote policy science research study data report team "
    "season match coach players music album concert film director award book author garden "
    "recipe kitchen coffee bakery travel island mountain trail bicycle tram neighbourhood "
    "volunteers community history archive photo exhibition gallery startup software network "
    "privacy security update release feature interview opinion editor readers morning evening "
    "weekend summer winter spring autumn rain storm heat forecast hospital doctor nurse patients "
    "café naïve Zürich São Paulo Kraków Malmö 東京 İstanbul"
)
_WORDS = _WORD_TEXT.split()
_CONNECTIVES = ("and", "but", "while", "because", "although", "so", "yet", "since")
_TOPIC_TEXT = (
    "the new tram line|housing reform|the river clean-up|local elections|the library budget|"
    "our summer festival|school meals|the harbour project|night buses|the jazz weekend|"
    "urban gardens|the museum reopening|bike lanes|heat waves|the football season|open data|"
    "the city archive|small bakeries|the rail strike|coffee prices|the science fair|"
    "community radio|the hospital extension|street art|winter storms"
)
_TOPICS = _TOPIC_TEXT.split("|")
_TITLE_PATTERNS = (
    "Don't miss {topic}",
    "{Topic}: what you need to know",
    'Rock & Roll\'s "best" -- {year}...',
    "Why {topic} matters more than ever",
    "{n} things we learned about {topic}",
    "Tom & Jerry - a story about {topic}",
    "Élections : {topic} en débat",
    "Li Wei 李伟 on {topic}",
    '"It\'s complicated": readers on {topic}',
    "Q&A: {topic}",
    "{Topic} -- the long read",
    "What's next for {topic}?",
    "<em>Update</em>: {topic}",
    "Photos: {topic} in {year}",
)
_EXTERNAL = ("https://example.com", "https://example.org", "https://news.example.net")


def texturize(text: str) -> str:
    """A small ``wptexturize()`` + ``convert_chars()``: what ``title.rendered`` looks like.

    >>> texturize("Don't stop")
    'Don&#8217;t stop'
    >>> texturize('Rock & Roll\\'s "best" -- 2024...')
    'Rock &#038; Roll&#8217;s &#8220;best&#8221; &#8212; 2024&#8230;'
    >>> texturize("Tom & Jerry - test")
    'Tom &#038; Jerry &#8211; test'
    """
    text = text.replace("&", "&#038;").replace("...", "&#8230;")
    text = text.replace(" -- ", " &#8212; ").replace(" - ", " &#8211; ")
    text = re.sub(r'"([^"]*)"', "&#8220;\\1&#8221;", text)
    text = re.sub(r"(^|\s)'", "\\1&#8216;", text)
    return text.replace("'", "&#8217;")


def slugify(text: str) -> str:
    """``sanitize_title()`` for ASCII-able text: accents dropped, dashes between words.

    >>> slugify("Élections : l'été <em>2024</em>!")
    'elections-lete-2024'
    """
    text = re.sub(r"<[^>]+>", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['\u2019]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "untitled"


@dataclass(frozen=True, slots=True)
class Image:
    """What post HTML needs to reference an attachment."""

    id: int
    url: str  # full-size file
    medium: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True, slots=True)
class Body:
    """A generated post body: ``content.rendered`` and the auto excerpt WordPress derives."""

    content: str
    excerpt: str


class TextFactory:
    """Titles and bodies from per-site pools; every choice comes from the caller's RNG."""

    def __init__(self, rng: random.Random, origin: str) -> None:
        self.rng = rng
        self.origin = origin
        self._plain = [self._sentence() for _ in range(600)]
        self._html = [self._markup(s) for s in self._plain]
        self._topics = [texturize(topic) for topic in _TOPICS]

    def title(self, year: int) -> str:
        """A raw (un-texturized) title; run it through :func:`texturize` for ``rendered``."""
        rng = self.rng
        topic = rng.choice(_TOPICS)
        pattern = rng.choice(_TITLE_PATTERNS)
        return pattern.format(
            topic=topic, Topic=topic[0].upper() + topic[1:], year=year, n=rng.randint(3, 12)
        )

    def sentence(self) -> str:
        """One texturized sentence, e.g. for comments and captions."""
        return self.rng.choice(self._html)

    def paragraph(self, count: int) -> str:
        """``count`` sentences of HTML, without the ``<p>`` wrapper."""
        return " ".join(self.rng.choices(self._html, k=count))

    def body(self, images: list[Image], post_id: int, target: int) -> Body:
        """About ``target`` characters of post HTML, with the excerpt of its first paragraph."""
        rng = self.rng
        first = rng.choices(range(len(self._plain)), k=rng.randint(4, 6))
        lead = " ".join(self._html[i] for i in first)
        words = " ".join(self._plain[i] for i in first).split()
        excerpt = f"<p>{texturize(' '.join(words[:55]))} [&hellip;]</p>\n"
        blocks = [f"<p>{lead}</p>"]
        if rng.random() < 0.5:
            blocks.append("<!--more-->")
        size = len(blocks[0])
        section = 0
        while size < target:
            block = self._block(images, post_id, section)
            section += 1
            blocks.append(block)
            size += len(block) + 2
        if rng.random() < 0.05:
            blocks.insert(len(blocks) // 2, "<p><!--nextpage--></p>")
        if rng.random() < 0.8:  # block editor: do_blocks() leaves "\n" around each block
            return Body("\n" + "\n\n\n\n".join(blocks) + "\n", excerpt)
        return Body("\n\n".join(blocks) + "\n", excerpt)  # classic editor, through wpautop()

    # Building blocks ---------------------------------------------------------------------

    def _sentence(self) -> str:
        rng = self.rng
        words = rng.choices(_WORDS, k=rng.randint(6, 14))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(_CONNECTIVES))
        text = " ".join(words)
        roll = rng.random()
        if roll < 0.08:
            text = f"it's {text}"
        elif roll < 0.14:
            text = f'{text}, she said "{rng.choice(_WORDS)} {rng.choice(_WORDS)}"'
        elif roll < 0.18:
            text = f"{text} -- {rng.choice(_WORDS)} & {rng.choice(_WORDS)}"
        elif roll < 0.21:
            text = f"{text}..."
        return text[0].upper() + text[1:] + ("" if text.endswith("...") else ".")

    def _markup(self, plain: str) -> str:
        rng = self.rng
        text = texturize(plain)
        roll = rng.random()
        words = text.split(" ")
        if roll < 0.12 and len(words) > 4:
            site = rng.choice(_EXTERNAL)
            href = f"{site}/{slugify(words[1])}/{rng.randint(100, 999)}"
            words[1] = (
                f'<a href="{href}" data-wpel-link="external" target="_blank" '
                f'rel="noreferrer noopener">{words[1]} {words[2]}</a>'
            )
            del words[2]
        elif roll < 0.2 and len(words) > 3:
            words[2] = f"<strong>{words[2]}</strong>"
        elif roll < 0.25 and len(words) > 3:
            words[1] = f"<em>{words[1]}</em>"
        elif roll < 0.27:
            words.append(
                f'<img src="{self.origin}/wp-includes/images/smilies/simple-smile.png" alt=":)" '
                'class="wp-smiley" style="height: 1em; max-height: 1em;" />'
            )
        return " ".join(words)

    def _block(self, images: list[Image], post_id: int, section: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.42:
            return f"<p>{self.paragraph(rng.randint(3, 7))}</p>"
        if roll < 0.52:
            title = rng.choice(self._topics).capitalize()
            return f'<h2 id="section-{section}">{title}</h2>'
        if roll < 0.62 and images:
            return self._figure(rng.choice(images))
        if roll < 0.67 and images:
            return self._lazy_figure(rng.choice(images))
        if roll < 0.71 and images:
            return self._caption(rng.choice(images))
        if roll < 0.76:
            return (
                f'<blockquote class="wp-block-quote"><p>{self.sentence()}</p>'
                f"<cite>{rng.choice(_WORDS).capitalize()} {rng.choice(_WORDS).capitalize()}</cite>"
                "</blockquote>"
            )
        if roll < 0.82:
            tag = rng.choice(("ul", "ol"))
            items = "".join(f"<li>{self.sentence()}</li>" for _ in range(rng.randint(3, 6)))
            return f"<{tag}>{items}</{tag}>"
        if roll < 0.86:
            return self._table()
        if roll < 0.89:
            return self._video()
        if roll < 0.91:
            return self._wp_embed(post_id)
        if roll < 0.96:
            return (
                f'<div class="wp-block-group has-background" data-track="section" '
                f'data-section-id="{section}" style="background-color:#f4f1ea">'
                f'<div class="wp-block-group__inner-container"><p class="has-small-font-size">'
                f"{self.paragraph(3)}</p></div></div>"
            )
        if roll < 0.98:
            return f'[vc_row][vc_column width="1/2"]<p>{self.paragraph(2)}</p>[/vc_column][/vc_row]'
        return (
            '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block">'
            '<h3 class="sd-title">Share this:</h3><ul><li class="share-twitter">'
            f'<a rel="nofollow noopener noreferrer" data-shared="sharing-twitter-{post_id}" '
            'class="share-twitter sd-button" href="?share=twitter" target="_blank">Twitter</a>'
            "</li></ul></div></div>"
        )

    def _figure(self, image: Image) -> str:
        return (
            f'<figure class="wp-block-image size-large"><img decoding="async" loading="lazy" '
            f'width="{image.width}" height="{image.height}" src="{image.url}" alt="{image.alt}" '
            f'class="wp-image-{image.id}" srcset="{image.url} {image.width}w, {image.medium} 300w" '
            f'sizes="(max-width: {image.width}px) 100vw, {image.width}px" />'
            f'<figcaption class="wp-element-caption">{self.sentence()}</figcaption></figure>'
        )

    def _lazy_figure(self, image: Image) -> str:
        placeholder = (
            "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%20viewBox="
            f"'0%200%20{image.width}%20{image.height}'%3E%3C/svg%3E"
        )
        return (
            f'<figure class="wp-block-image size-full"><img width="{image.width}" '
            f'height="{image.height}" src="{placeholder}" alt="{image.alt}" '
            f'class="wp-image-{image.id}" data-lazy-src="{image.url}" '
            f'data-lazy-srcset="{image.url} {image.width}w, {image.medium} 300w" />'
            f'<noscript><img decoding="async" width="{image.width}" height="{image.height}" '
            f'src="{image.url}" alt="{image.alt}" class="wp-image-{image.id}" /></noscript>'
            "</figure>"
        )

    def _caption(self, image: Image) -> str:
        return (
            f'<figure id="attachment_{image.id}" aria-describedby="caption-attachment-{image.id}" '
            f'style="width: 300px" class="wp-caption aligncenter"><img decoding="async" '
            f'loading="lazy" class="size-medium wp-image-{image.id}" src="{image.medium}" '
            f'alt="{image.alt}" width="300" height="{image.height * 300 // image.width}" />'
            f'<figcaption id="caption-attachment-{image.id}" class="wp-caption-text">'
            f"{self.sentence()}</figcaption></figure>"
        )

    def _table(self) -> str:
        rng = self.rng
        rows = "".join(
            f"<tr><td>{rng.choice(_WORDS)}</td><td>{rng.randint(1, 999)}</td>"
            f"<td>{rng.randint(0, 100)}&nbsp;%</td></tr>"
            for _ in range(rng.randint(3, 6))
        )
        return (
            '<figure class="wp-block-table is-style-stripes"><table><thead><tr><th>Item</th>'
            f"<th>Count</th><th>Share</th></tr></thead><tbody>{rows}</tbody></table></figure>"
        )

    def _video(self) -> str:
        video = "".join(self.rng.choices("abcdefghijkLMNOPQRST0123456789_-", k=11))
        return (
            '<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube '
            'wp-embed-aspect-16-9 wp-has-aspect-ratio"><div class="wp-block-embed__wrapper">\n'
            f'<iframe loading="lazy" title="{self.rng.choice(self._topics)}" width="500" '
            f'height="281" src="https://www.youtube.com/embed/{video}?feature=oembed" '
            'frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; '
            'gyroscope; picture-in-picture; web-share" allowfullscreen></iframe>\n</div></figure>'
        )

    def _wp_embed(self, post_id: int) -> str:
        secret = "".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=10))
        url = f"https://news.example.net/{post_id % 97}/a-story/"
        return (
            f'<blockquote class="wp-embedded-content" data-secret="{secret}"><a href="{url}">'
            "A story from elsewhere</a></blockquote>"
            f'<iframe class="wp-embedded-content" sandbox="allow-scripts" security="restricted" '
            'style="position: absolute; clip: rect(1px, 1px, 1px, 1px);" '
            f'title="&#8220;A story from elsewhere&#8221;" src="{url}embed/#?secret={secret}" '
            f'data-secret="{secret}" width="500" height="282" frameborder="0" marginwidth="0" '
            'marginheight="0" scrolling="no"></iframe>'
        )
