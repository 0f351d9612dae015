"""Command line for trying the crawler by hand against the test WordPress.

    python -m wpsite start [--posts N] [--dir D]   # prints the three URLs
    python -m wpsite stop [--dir D] [--purge]
    python -m wpsite status [--dir D]
    python -m wpsite block all|users|wall|429|none [--dir D]   # refuse REST to visitors

The servers keep running after `start` returns, until `stop`. The seeded database stays
in D (default: /tmp/wp-crawler-site), so the next `start` with the same --posts takes
seconds; `stop --purge` deletes it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .install import SiteUnavailable
from .site import DEFAULT_SEED, MODES, REST_BLOCKS, STATE_FILE, WordPressSite

DEFAULT_DIR = Path(tempfile.gettempdir()) / "wp-crawler-site"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wpsite",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="create or reuse the site and start it")
    start.add_argument("--posts", type=int, default=300, help="published posts (default 300)")
    start.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    start.add_argument("--no-thumbnails", action="store_true", help="skip resized images")
    stop = sub.add_parser("stop", help="stop the servers and the database")
    stop.add_argument("--purge", action="store_true", help="also delete the site directory")
    sub.add_parser("status", help="print the recorded state")
    block = sub.add_parser(
        "block",
        help="refuse the REST API of the running site: all (Disable REST API), users "
        "(Wordfence), wall (Cloudflare block page), 429 (rate limit), none (open again)",
    )
    block.add_argument("kind", choices=(*REST_BLOCKS, "none"))
    for command in sub.choices.values():
        command.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="site directory")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "start":
        site = WordPressSite(
            args.dir,
            posts=args.posts,
            seed=args.seed,
            thumbnails=not args.no_thumbnails,
            detach=True,
        )
        try:
            site.start()
        except SiteUnavailable as exc:
            print(f"cannot start the WordPress test site: {exc}", file=sys.stderr)
            return 1
        for mode in MODES:
            print(f"{mode:9} {site.url(mode):28} REST root {site.rest_root(mode)}")
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in site.timings.items() if v)
        print(f"{site.posts} posts, {timings}; stop with: python -m wpsite stop")
    elif args.command == "stop":
        WordPressSite(args.dir).stop(purge=args.purge)
        print("stopped" + (f", removed {args.dir}" if args.purge else ""))
    elif args.command == "block":
        try:
            WordPressSite.attach(args.dir).set_rest_block(args.kind)
        except SiteUnavailable as exc:
            print(f"cannot switch the REST block: {exc}", file=sys.stderr)
            return 1
        print(f"REST API block: {args.kind}")
    else:
        state_file = args.dir / STATE_FILE
        print(state_file.read_text() if state_file.exists() else json.dumps({"state": None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
