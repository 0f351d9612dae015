"""Rank Math's REST head read into ``seo``: a head shaped as Rank Math prints it, and junk."""

from __future__ import annotations

import json

from crawler.items import SeoImage
from crawler.wordpress.rankmath import MAX_HEAD_CHARS, advertises_head, head_of, head_seo

GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "Organization", "@id": "https://blog.example/#organization", "name": "Blog"},
        {
            "@type": "WebPage",
            "@id": "https://blog.example/hello-world/#webpage",
            "url": "https://blog.example/hello-world/",
            "datePublished": "2024-03-01T09:30:00+01:00",
        },
        {
            "@type": "BlogPosting",
            "headline": "Hello world & more",
            "mainEntityOfPage": {"@id": "https://blog.example/hello-world/#webpage"},
        },
    ],
}

# As RankMath\Rest\Headless::get_head answers (its "head" value), tags in Rank Math's order.
HEAD = f"""<!-- Search Engine Optimization by Rank Math PRO - https://rankmath.com/ -->
<title>Hello world &amp; more &#8211; Blog</title>
<meta name="description" content="A first post, &quot;quoted&quot;."/>
<meta name="robots" content="follow, index, max-snippet:-1, max-video-preview:-1, max-image-preview:large"/>
<link rel="canonical" href="https://blog.example/hello-world/" />
<meta property="og:locale" content="fr_FR" />
<meta property="og:type" content="article" />
<meta property="og:title" content="Hello world &amp; more" />
<meta property="og:description" content="A first post." />
<meta property="og:url" content="https://blog.example/hello-world/" />
<meta property="og:site_name" content="Blog" />
<meta property="article:section" content="News" />
<meta property="og:updated_time" content="2024-03-02T10:00:00+01:00" />
<meta property="og:image" content="https://blog.example/wp-content/uploads/a.jpg" />
<meta property="og:image:secure_url" content="https://blog.example/wp-content/uploads/a.jpg" />
<meta property="og:image:width" content="1200" />
<meta property="og:image:height" content="630" />
<meta property="og:image:alt" content="Hello" />
<meta property="og:image:type" content="image/jpeg" />
<meta property="og:image" content="data:image/png;base64,AAAA" />
<meta property="article:published_time" content="2024-03-01T09:30:00+01:00" />
<meta property="article:modified_time" content="2024-03-02T10:00:00+01:00" />
<meta name="twitter:card" content="summary_large_image" />
<meta name="twitter:title" content="Hello world &amp; more" />
<meta name="twitter:description" content="A first post." />
<meta name="twitter:site" content="@blog" />
<meta name="twitter:creator" content="@ann" />
<meta name="twitter:image" content="https://blog.example/wp-content/uploads/a.jpg" />
<meta name="twitter:label1" content="Written by" />
<meta name="twitter:data1" content="Ann" />
<meta name="twitter:label2" content="Time to read" />
<meta name="twitter:data2" content="Less than a minute" />
<script type="application/ld+json" class="rank-math-schema-pro">{json.dumps(GRAPH)}</script>
<!-- /Rank Math WordPress SEO plugin -->
"""


def test_a_rank_math_head_fills_every_seo_field():
    seo = head_seo(HEAD)
    assert seo is not None
    assert seo.title == "Hello world & more \u2013 Blog"
    assert seo.description == 'A first post, "quoted".'
    assert seo.canonical == seo.og_url == "https://blog.example/hello-world/"
    assert seo.robots == {
        "follow": "follow",
        "index": "index",
        "max-snippet": "max-snippet:-1",
        "max-video-preview": "max-video-preview:-1",
        "max-image-preview": "max-image-preview:large",
    }
    assert (seo.og_locale, seo.og_type, seo.og_title, seo.og_site_name) == (
        "fr_FR", "article", "Hello world & more", "Blog",
    )  # fmt: skip
    assert seo.og_image == [
        SeoImage(
            url="https://blog.example/wp-content/uploads/a.jpg",
            width=1200,
            height=630,
            type="image/jpeg",
        ),
        SeoImage(url=None),  # a data: URL is not a web URL
    ]
    assert seo.article_published_time == "2024-03-01T09:30:00+01:00"
    assert seo.article_modified_time == "2024-03-02T10:00:00+01:00"
    assert (seo.twitter_card, seo.twitter_site, seo.twitter_creator) == (
        "summary_large_image", "@blog", "@ann",
    )  # fmt: skip
    assert seo.twitter_image == "https://blog.example/wp-content/uploads/a.jpg"
    assert seo.twitter_misc == {"Written by": "Ann", "Time to read": "Less than a minute"}
    assert seo.schema == GRAPH


def test_the_answer_and_the_index():
    assert head_of({"success": True, "head": HEAD}) == HEAD
    assert head_of({"success": "true", "head": HEAD}) is None
    assert head_of({"code": "rest_invalid_param", "data": {"status": 400}}) is None
    index = {"namespaces": ["rankmath/v1"], "routes": {"/rankmath/v1/getHead": {}}}
    assert advertises_head(index)
    assert not advertises_head({"namespaces": ["wp/v2"], "routes": {"/rankmath/v1/getHead": {}}})
    assert not advertises_head({"namespaces": "rankmath/v1", "routes": []})


def test_junk_never_raises():
    for junk in (
        None, 5, "", "   ", "<", "</head></html><body><title>x", "\x00\ud800<meta>",
        "<meta property='og:image:width' content='9'>",  # a size before any image
        '<script type="application/ld+json">{"@graph": [</script>',
        '<script type="application/ld+json">' + "[" * 100_000 + "</script>",
    ):  # fmt: skip
        head_seo(junk)
    assert head_seo("<title>" + "x" * MAX_HEAD_CHARS + "</title>") is None
    seo = head_seo('<meta property="og:image:width" content="9"><title>T</title>')
    assert seo is not None
    assert (seo.title, seo.og_image) == ("T", [])


def test_bounded_lists_and_first_tag_wins():
    many = "".join(
        f'<meta property="og:image" content="https://e.com/{i}.jpg">'
        f'<meta name="twitter:label{i}" content="L{i}"><meta name="twitter:data{i}" content="D">'
        for i in range(1000)
    )
    seo = head_seo("<title>A</title><title>B</title>" + many)
    assert seo is not None
    assert seo.title == "A"
    assert len(seo.og_image) == 20
    assert seo.twitter_misc is not None
    assert len(seo.twitter_misc) <= 20
    schema = '<script type="application/ld+json">"just a string"</script>'
    assert head_seo("<title>A</title>" + schema).schema is None  # type: ignore[union-attr]
