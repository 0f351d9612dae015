"""The lying test site is an honest WordPress until a test makes it lie."""

from tests.crawl import crawl
from tests.hostile import LyingSite


def test_the_lying_site_is_honest_by_default(tmp_path):
    with LyingSite(posts=3) as site:
        result = crawl(site.url, tmp_path, timeout=60)
    assert result.returncode == 0, result.log[-2000:]
    assert sorted(r["id"] for r in result.feed("posts")) == [1, 2, 3]
    assert site.requested("/wp-json/wp/v2/posts") == 1
