"""What the project commands of the site-job queue share: ``--redis`` and ``--queue``.

Not in ``crawler.commands``: Scrapy registers every command class it finds there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.distributed.queue import DEFAULT_QUEUE

if TYPE_CHECKING:
    import argparse


class QueueCommand(ScrapyCommand):
    """A project command that reads or fills the RQ queue of site jobs (no crawl, no log)."""

    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--redis", metavar="URL", required=True, help="redis://host:6379/0")
        parser.add_argument("--queue", default=DEFAULT_QUEUE, help="RQ queue name")
