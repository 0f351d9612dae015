"""``make demo`` runs the real crawl on the bundled site and reports its feeds."""

import json
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_demo_crawls_the_bundled_site(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "demo", "--output", str(tmp_path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    site_posts = json.loads(
        (PROJECT_DIR / "demo" / "site" / "posts.json").read_text(encoding="utf-8")
    )
    assert len(site_posts) >= 150  # enough to exercise pagination
    assert "outcome:  ok (finished)" in result.stdout
    assert f"posts.jsonl: {len(site_posts)} records" in result.stdout
    feeds = list(tmp_path.glob("127.0.0.1_*/posts.jsonl"))
    assert len(feeds) == 1
