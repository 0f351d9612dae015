"""Crawl state for incremental runs: what was exported, and the bookmark to resume from.

Pure Python, no Scrapy: :mod:`.store` reads and writes a site's state file atomically,
:mod:`.changes` decides what a re-run must export (added, updated, deleted), and
:mod:`.resume` keeps a job directory's identity so a killed crawl resumes without duplicates.
"""
