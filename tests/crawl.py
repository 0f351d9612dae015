"""Run the real ``scrapy crawl`` command, as a user would, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass
class CrawlResult:
    """What one ``scrapy crawl`` left behind."""

    returncode: int
    log: str
    stats: dict[str, Any]
    output_dir: Path

    def feed(self, name: str, *, missing_ok: bool = False) -> list[dict[str, Any]]:
        """The records of ``<name>.jsonl`` (in the host's folder, or the run's folder in it)."""
        paths = list(self.output_dir.glob(f"*/{name}.jsonl")) + list(
            self.output_dir.glob(f"*/*/{name}.jsonl")
        )
        if missing_ok and not paths:
            return []
        assert len(paths) == 1, f"expected one {name}.jsonl, found {paths}"
        return [json.loads(line) for line in paths[0].read_text(encoding="utf-8").splitlines()]

    @property
    def errors(self) -> list[str]:
        """The ERROR lines of the log."""
        return [line for line in self.log.splitlines() if "] ERROR:" in line or " ERROR: " in line]


def run_crawl(
    url: str | None,
    tmp_path: Path,
    *extra: str,
    settings: dict[str, Any] | None = None,
    timeout: float = 300,
) -> CrawlResult:
    """``scrapy crawl wordpress -a url=URL`` with feeds and stats under ``tmp_path``."""
    output_dir = tmp_path / "output"
    stats_file = tmp_path / "stats.json"
    all_settings = {
        "WORDPRESS_OUTPUT_DIR": str(output_dir),
        # Beside the run's folder, so runs in sibling folders (run1, run2) share a state.
        "STATE_DIR": str(tmp_path.parent / "state"),
        "WORDPRESS_STATS_FILE": str(stats_file),
        "LOG_LEVEL": "INFO",
        **(settings or {}),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "wordpress"]
    if url is not None:
        command += ["-a", f"url={url}"]
    for key, value in all_settings.items():
        command += ["-s", f"{key}={value}"]
    command += list(extra)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    process = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return CrawlResult(process.returncode, process.stderr + process.stdout, stats, output_dir)
