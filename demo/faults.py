"""Switchable faults, each reproducing a breakage real WordPress sites show a crawler.

All are off by default. A running :class:`~demo.fake_wordpress.FakeWordPressServer` reads its ``faults``
attribute on every request, so tests can swap or mutate them mid-crawl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BOM = b"\xef\xbb\xbf"
PHP_WARNING = (
    b'<br />\n<b>Warning</b>:  Undefined array key "post_views" in '
    b"<b>/var/www/html/wp-content/plugins/post-views-counter/includes/class-counter.php</b> "
    b"on line <b>12</b><br />\n"
)
CACHE_COMMENT = (
    b"<!-- This website is like a Rocket, isn't it? Performance optimized by WP Rocket. "
    b"Learn more: https://wp-rocket.me -->"
)


@dataclass
class Faults:
    """What to break. Every field off by default; see each comment for the real-world source."""

    # Caches (WP Super Cache, Varnish) that drop X-WP-Total, X-WP-TotalPages and Link.
    strip_total_headers: bool = False
    # Headers claim about half the pages that exist; rel="next" stops at the claimed end.
    wrong_total_pages: bool = False
    # display_errors=On: a PHP warning printed before the JSON.
    php_notice_prefix: bool = False
    # How many UTF-8 BOMs (from edited PHP files) precede the JSON, plus a newline; 0 = none.
    bom: int = 0
    # Page caches appending their signature comment after the JSON.
    trailing_html_comment: bool = False
    # Shared hosts: collection requests with per_page above this die with a PHP memory fatal (500).
    max_per_page: int | None = None
    # "Disable REST API" plugin: every REST route, the index too, answers 401.
    block_api: bool = False
    # Wordfence: /wp/v2/users answers 401, /wp/v2/users/<id> 404.
    block_users: bool = False
    # Anti-bot walls and misconfigured caches: REST answers 200 text/html.
    html_instead_of_json: bool = False
    # Cloudflare managed challenge on every request: 403 "Just a moment..." page.
    cloudflare_challenge: bool = False
    # Every Nth REST request answers 429 with Retry-After: 1; 0 = never.
    rate_limit_every: int = 0
    # (rest_base, page) pairs that always answer 500, e.g. {("posts", 3)}.
    fail_pages: frozenset[tuple[str, int]] | set[tuple[str, int]] = field(default_factory=frozenset)
    # Plugins/themes that remove the Link header, <link> tag and RSD entry: crawlers must probe.
    no_link_discovery: bool = False
    # Seconds added to every REST response.
    latency: float = 0.0


def decorate_json(body: bytes, faults: Faults) -> bytes:
    """Wrap a JSON body in the junk broken sites add around it (BOMs, warnings, cache comments)."""
    if faults.php_notice_prefix:
        body = PHP_WARNING + body
    if faults.bom:
        body = BOM * faults.bom + b"\n" + body
    if faults.trailing_html_comment:
        body = body + CACHE_COMMENT
    return body


def memory_fatal_page() -> bytes:
    """The body a shared host sends when PHP runs out of memory building a large page."""
    return (
        b"<br />\n<b>Fatal error</b>:  Allowed memory size of 134217728 bytes exhausted "
        b"(tried to allocate 20480 bytes) in <b>/var/www/html/wp-includes/class-wpdb.php</b> "
        b"on line <b>2189</b><br />\n"
    )


def cloudflare_page(host: str) -> bytes:
    """A Cloudflare managed-challenge interstitial ("Just a moment...")."""
    return (
        '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
        '<meta http-equiv="X-UA-Compatible" content="IE=Edge">'
        '<meta name="robots" content="noindex,nofollow">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"></head>'
        '<body><div class="main-wrapper" role="main"><div class="main-content">'
        f'<h1 class="zone-name-title h1">{host}</h1>'
        '<h2 id="challenge-running" class="h2">Checking if the site connection is secure</h2>'
        '<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies '
        "to continue</span></div></noscript></div></div>"
        "<script>(function(){window._cf_chl_opt={cvId: '3',cZone: '"
        f"{host}',cType: 'managed',cRay: '8f2c1e0b9d6a4c21'}};"
        "var cpo=document.createElement('script');"
        "cpo.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f2c1e0b9d6a4c21';"
        "document.getElementsByTagName('head')[0].appendChild(cpo);}());</script>"
        "</body></html>"
    ).encode()


CLOUDFLARE_HEADERS: list[tuple[str, str]] = [
    ("Content-Type", "text/html; charset=UTF-8"),
    ("cf-mitigated", "challenge"),
    ("Cache-Control", "private, max-age=0, no-store, no-cache, must-revalidate"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Server", "cloudflare"),
    ("CF-RAY", "8f2c1e0b9d6a4c21-FRA"),
]


def testcookie_page(url: str) -> bytes:
    """The ``/aes.js`` "testcookie" wall cheap hosts put in front of every URL, REST included."""
    return (
        '<html><body><script type="text/javascript" src="/aes.js" ></script>'
        "<script>function toNumbers(d){var e=[];d.replace(/(..)/g,function(d){e.push("
        "parseInt(d,16))});return e}function toHex(){for(var d=[],d=1==arguments.length&&"
        'arguments[0].constructor==Array?arguments[0]:arguments,e="",f=0;f<d.length;f++)'
        'e+=(16>d[f]?"0":"")+d[f].toString(16);return e.toLowerCase()}'
        'var a=toNumbers("f655ba9d09a112d4968c63579db590b4"),'
        'b=toNumbers("98344c2eee86c3994890592585b49f80"),'
        'c=toNumbers("2e0f7a8a1f2a7bde1bb8bd4e0d1f6a31");'
        'document.cookie="__test="+toHex(slowAES.decrypt(c,2,a,b))+"; '
        'expires=Thu, 31-Dec-37 23:55:55 GMT; path=/"; '
        f'location.href="{url}?i=1";</script>'
        "<noscript>This site requires Javascript to work, please enable Javascript in your "
        "browser or use a browser with Javascript support</noscript></body></html>"
    ).encode()


def too_many_requests_page() -> bytes:
    """nginx's ``limit_req`` page, as hosts send it with 429."""
    return (
        b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
        b"<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n"
    )
