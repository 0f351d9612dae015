"""Media files against the real WordPress: every public image's file, byte for byte as the
uploads folder holds it; incremental runs download only what changed; a file over the cap is
counted and named, and the crawl still succeeds.

The ground truth is the site's own disk: ``get_attached_file()`` and the attachment metadata,
read through WordPress's PHP. The last test edits an attachment, so the module runs last.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.crawl import crawl

pytestmark = [pytest.mark.wordpress, pytest.mark.changes_wordpress]

MODE = "pretty"
SIZE = "medium"


def public_media(truth) -> set[int]:
    return {a["id"] for a in truth["attachments"] if a["parent_status"] in ("publish", None)}


def files_on_disk(site, ids: set[int]) -> dict[int, dict[str, str]]:
    """``{id: {"original": path, "medium": path}}``: the files WordPress keeps for each one."""
    output = site.php(
        f"""
        $out = [];
        foreach ({json.dumps(sorted(ids))} as $id) {{
            $file = get_attached_file($id);
            $meta = wp_get_attachment_metadata($id);
            $row = ['original' => $file];
            if (!empty($meta['sizes']['{SIZE}']['file'])) {{
                $row['{SIZE}'] = dirname($file) . '/' . $meta['sizes']['{SIZE}']['file'];
            }}
            $out[$id] = $row;
        }}
        echo json_encode($out);
        """,
        MODE,
    )
    return {int(i): row for i, row in json.loads(output).items()}


def media_settings(runs_dir: Path) -> dict[str, object]:
    """The incremental runs of this module share one FILES_STORE (each run has its own output
    folder here, so the default store beside the feeds would be a new one each run)."""
    return {
        "WORDPRESS_DOWNLOAD_MEDIA": True,
        "WORDPRESS_MEDIA_SIZES": SIZE,
        "FILES_STORE": str(runs_dir / "files"),
    }


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media-files")


@pytest.fixture(scope="module")
def first_run(wordpress_site, runs_dir):
    result = crawl(
        wordpress_site.url(MODE),
        runs_dir / "run1",
        incremental="true",
        settings=media_settings(runs_dir),
    )
    assert result.returncode == 0, result.log[-3000:]
    return result


def test_every_public_file_is_byte_equal_to_the_upload(wordpress_site, first_run, runs_dir):
    truth = wordpress_site.ground_truth(MODE)
    ids = public_media(truth)
    records = {r["id"]: r for r in first_run.feed("media")}
    assert set(records) == ids
    disk = files_on_disk(wordpress_site, ids)
    store = runs_dir / "files"
    sizes_seen = 0
    for record_id, record in records.items():
        on_disk = Path(disk[record_id]["original"]).read_bytes()
        stored = record["file"]
        assert stored is not None, record
        assert (store / stored["path"]).read_bytes() == on_disk
        assert stored["size"] == len(on_disk)
        assert stored["checksum"] == hashlib.md5(on_disk).hexdigest()
        if SIZE in disk[record_id]:
            sized = record["size_files"][SIZE]
            assert (store / sized["path"]).read_bytes() == Path(disk[record_id][SIZE]).read_bytes()
            sizes_seen += 1
        else:
            assert record["size_files"] == {}
    assert sizes_seen > 0
    stats = first_run.stats
    assert stats["wordpress/media_files/downloaded"] == len(ids) + sizes_seen
    assert stats["wordpress/media_files/bytes"] == sum(
        f.stat().st_size for f in store.rglob("*") if f.is_file()
    )
    assert "wordpress/media_files/failed" not in stats
    assert stats["wordpress/state_committed"] is True


def test_a_second_run_downloads_nothing(wordpress_site, first_run, runs_dir):
    second = crawl(
        wordpress_site.url(MODE),
        runs_dir / "run2",
        incremental="true",
        settings=media_settings(runs_dir),
    )
    assert second.returncode == 0, second.log[-3000:]
    assert second.feed("media", missing_ok=True) == []
    assert not [k for k in second.stats if k.startswith(("wordpress/media_files/", "file_"))]
    (state_file,) = (runs_dir / "state").glob("*.json")
    kept = json.loads(state_file.read_text())["media_files"]
    assert {int(i) for i in kept} == {r["id"] for r in first_run.feed("media")}


def test_an_updated_record_keeps_its_stored_file(wordpress_site, first_run, runs_dir):
    """A new title changes ``modified_gmt``: the record is exported again, its file (same URL,
    stored with the state's checksum) is not downloaded again."""
    before = {r["id"]: r for r in first_run.feed("media")}
    edited = min(i for i, r in before.items() if r["size_files"])
    wordpress_site.php(
        f"wp_update_post(['ID' => {edited}, 'post_title' => 'Media files: a new title']);", MODE
    )
    third = crawl(
        wordpress_site.url(MODE),
        runs_dir / "run3",
        incremental="true",
        settings=media_settings(runs_dir),
    )
    assert third.returncode == 0, third.log[-3000:]
    (record,) = third.feed("media")
    assert (record["id"], record["change"]) == (edited, "updated")
    assert record["title"] == "Media files: a new title"
    assert record["file"] == before[edited]["file"]
    assert record["size_files"] == before[edited]["size_files"]
    assert third.stats["wordpress/media_files/unchanged"] == 2
    assert "wordpress/media_files/downloaded" not in third.stats

    # A stored file that no longer matches the state's checksum is downloaded again.
    stored = runs_dir / "files" / before[edited]["file"]["path"]
    stored.write_bytes(b"damaged")
    wordpress_site.php(
        f"wp_update_post(['ID' => {edited}, 'post_title' => 'Media files: another title']);", MODE
    )
    fourth = crawl(
        wordpress_site.url(MODE),
        runs_dir / "run4",
        incremental="true",
        settings=media_settings(runs_dir),
    )
    assert fourth.returncode == 0, fourth.log[-3000:]
    assert fourth.stats["wordpress/media_files/downloaded"] == 1
    assert fourth.stats["wordpress/media_files/unchanged"] == 1
    assert hashlib.md5(stored.read_bytes()).hexdigest() == before[edited]["file"]["checksum"]


def test_a_file_over_the_cap_is_counted_and_named_not_fatal(wordpress_site, tmp_path):
    truth = wordpress_site.ground_truth(MODE)
    ids = public_media(truth)
    disk = files_on_disk(wordpress_site, ids)
    sizes = {i: Path(row["original"]).stat().st_size for i, row in disk.items()}
    cap = sorted(sizes.values())[len(sizes) // 2]
    over = {i for i, size in sizes.items() if size > cap}
    assert 0 < len(over) < len(ids)

    result = crawl(
        wordpress_site.url(MODE),
        tmp_path,
        settings={"WORDPRESS_DOWNLOAD_MEDIA": True, "WORDPRESS_MEDIA_MAX_FILE_BYTES": cap},
    )
    assert result.returncode == 0, result.log[-3000:]
    # Unset, FILES_STORE is the site's folder beside the feeds.
    (store,) = result.output_dir.glob("*/files")
    assert len(list(store.rglob("*.*"))) == len(ids) - len(over)
    records = {r["id"]: r for r in result.feed("media")}
    assert {i for i, r in records.items() if r["file"] is None} == over
    assert result.stats["wordpress/media_files/failed"] == len(over)
    assert result.stats["wordpress/media_files/downloaded"] == len(ids) - len(over)
    lines = [line for line in result.log.splitlines() if "not downloaded" in line]
    assert len(lines) == len(over)
    named = min(over)
    assert any(f"media {named} " in line and records[named]["source_url"] in line for line in lines)
    assert result.errors == []


def test_files_that_failed_are_retried_by_the_next_incremental_run(wordpress_site, tmp_path):
    truth = wordpress_site.ground_truth(MODE)
    ids = public_media(truth)
    disk = files_on_disk(wordpress_site, ids)
    sizes = {i: Path(row["original"]).stat().st_size for i, row in disk.items()}
    cap = sorted(sizes.values())[len(sizes) // 2]
    over = {i for i, size in sizes.items() if size > cap}
    store = tmp_path / "files"
    settings = {"WORDPRESS_DOWNLOAD_MEDIA": True, "FILES_STORE": str(store)}

    capped = crawl(
        wordpress_site.url(MODE),
        tmp_path / "run1",
        incremental="true",
        settings={**settings, "WORDPRESS_MEDIA_MAX_FILE_BYTES": cap},
    )
    assert capped.returncode == 0, capped.log[-3000:]
    assert capped.stats["wordpress/state_committed"] is True
    assert {r["id"] for r in capped.feed("media") if r["file"] is None} == over

    retry = crawl(
        wordpress_site.url(MODE), tmp_path / "run2", incremental="true", settings=settings
    )
    assert retry.returncode == 0, retry.log[-3000:]
    records = {r["id"]: r for r in retry.feed("media")}
    assert set(records) == over
    assert {r["change"] for r in records.values()} == {"updated"}
    assert retry.stats["wordpress/media_files/downloaded"] == len(over)
    for record_id, record in records.items():
        on_disk = Path(disk[record_id]["original"]).read_bytes()
        assert (store / record["file"]["path"]).read_bytes() == on_disk

    third = crawl(
        wordpress_site.url(MODE), tmp_path / "run3", incremental="true", settings=settings
    )
    assert third.returncode == 0, third.log[-3000:]
    assert third.feed("media", missing_ok=True) == []
