"""A scheduled post that WP-cron publishes reaches the next incremental run.

``wp_publish_post()`` (what cron runs for a ``future`` post whose time came) changes
``post_status`` and leaves ``post_modified_gmt`` as it was. The post here was scheduled long
ago (its modification time is set before any other post's), so the date filter of the next run
does not return it: only the id listing can show the change. An authenticated run, which exported it as
``future``, exports it again as ``updated`` with status ``publish``; an anonymous run, which
never saw it, exports it as new. Ground truth: the database, read through PHP.
"""

from __future__ import annotations

import json
import secrets

import pytest

from tests.crawl import crawl
from tests.utils import new_user_php

pytestmark = [pytest.mark.wordpress, pytest.mark.changes_wordpress]

MODE = "pretty"


def php_json(site, code: str):
    return json.loads(site.php(code, mode=MODE).strip().splitlines()[-1])


def schedule(site) -> int:
    """A post scheduled for tomorrow, last modified (when it was scheduled) before any other
    post: below every mark, as a post scheduled long ago and edited since by no one."""
    return int(
        php_json(
            site,
            """
        $id = wp_insert_post(['post_title' => 'Scheduled by cron', 'post_status' => 'future',
            'post_author' => 1, 'post_content' => '<p>Scheduled.</p>',
            'post_date' => gmdate('Y-m-d H:i:s', time() + DAY_IN_SECONDS)]);
        global $wpdb;
        $oldest = $wpdb->get_var("SELECT MIN(post_modified_gmt) FROM $wpdb->posts
            WHERE post_status = 'publish' AND post_type = 'post'");
        $then = strtotime($oldest . ' UTC') - DAY_IN_SECONDS;
        $wpdb->update($wpdb->posts, ['post_modified' => get_date_from_gmt(gmdate('Y-m-d H:i:s', $then)),
            'post_modified_gmt' => gmdate('Y-m-d H:i:s', $then)], ['ID' => $id]);
        clean_post_cache($id);
        echo json_encode($id);
        """,
        )
    )


def publish_as_cron(site, post_id: int) -> dict:
    """``wp_publish_post()``, as WP-cron's ``publish_future_post`` does; the row after it."""
    return php_json(
        site,
        f"""
        $before = get_post({post_id})->post_modified_gmt;
        wp_publish_post({post_id});
        clean_post_cache({post_id});
        $p = get_post({post_id});
        echo json_encode(['status' => $p->post_status, 'modified_gmt' => $p->post_modified_gmt,
            'before' => $before]);
        """,
    )


def changes(result) -> dict[int, tuple[str, str]]:
    return {r["id"]: (r["change"], r["status"]) for r in result.feed("posts", missing_ok=True)}


@pytest.fixture
def scheduled(wordpress_site):
    created: list[int] = []
    yield created
    ids = ", ".join(map(str, created))
    wordpress_site.php(f"foreach ([{ids}] as $id) {{ wp_delete_post($id, true); }}", mode=MODE)


@pytest.fixture
def editor(wordpress_site, monkeypatch):
    """An editor's application password in ``WP_TEST_APP_PASSWORD``."""
    login = f"cron-editor-{secrets.token_hex(4)}"
    created = php_json(wordpress_site, f"""
        {new_user_php(login, 'editor')}
        echo json_encode(['user' => $user, 'password' => $password]);
    """)  # fmt: skip
    monkeypatch.setenv("WP_TEST_APP_PASSWORD", f"{login}:{created['password']}")
    yield created
    wordpress_site.php(
        f"require_once ABSPATH . 'wp-admin/includes/user.php'; wp_delete_user({created['user']});",
        mode=MODE,
    )


def test_authenticated_run_exports_the_published_post_as_updated(
    wordpress_site, scheduled, editor, tmp_path
):
    auth = {"auth": "env:WP_TEST_APP_PASSWORD", "allow_insecure_auth": "true"}
    url = wordpress_site.url(MODE)
    post_id = schedule(wordpress_site)
    scheduled.append(post_id)
    first = crawl(url, tmp_path / "run1", incremental="true", types="posts", **auth)
    assert first.returncode == 0, first.log[-3000:]
    assert changes(first)[post_id] == ("added", "future")

    row = publish_as_cron(wordpress_site, post_id)
    assert row["status"] == "publish"
    assert row["modified_gmt"] == row["before"]  # what makes it hard: no new modification time

    second = crawl(url, tmp_path / "run2", incremental="true", types="posts", **auth)
    assert second.returncode == 0, second.log[-3000:]
    assert changes(second) == {post_id: ("updated", "publish")}
    assert second.stats["wordpress/posts/fetched_by_id"] == 1

    third = crawl(url, tmp_path / "run3", incremental="true", types="posts", **auth)
    assert third.returncode == 0, third.log[-3000:]
    assert changes(third) == {}
    # the same requests as a no-change run before the status was in the version: nothing extra
    assert third.stats["downloader/request_count"] == second.stats["downloader/request_count"] - 1


def test_anonymous_run_exports_the_published_post_as_new(wordpress_site, scheduled, tmp_path):
    url = wordpress_site.url(MODE)
    post_id = schedule(wordpress_site)
    scheduled.append(post_id)
    first = crawl(url, tmp_path / "run1", incremental="true", types="posts")
    assert first.returncode == 0, first.log[-3000:]
    assert post_id not in changes(first)

    row = publish_as_cron(wordpress_site, post_id)
    assert (row["status"], row["modified_gmt"]) == ("publish", row["before"])

    second = crawl(url, tmp_path / "run2", incremental="true", types="posts")
    assert second.returncode == 0, second.log[-3000:]
    assert changes(second) == {post_id: ("added", "publish")}


def test_a_state_without_statuses_does_not_make_every_post_look_changed(
    wordpress_site, scheduled, editor, tmp_path
):
    """A state written by an anonymous run holds versions without statuses, as every state
    written before statuses were kept: an authenticated run on it exports only what the
    anonymous run could not see (the scheduled post), and stores the statuses, so that a
    later publication by cron is seen."""
    auth = {"auth": "env:WP_TEST_APP_PASSWORD", "allow_insecure_auth": "true"}
    url = wordpress_site.url(MODE)
    post_id = schedule(wordpress_site)
    scheduled.append(post_id)
    first = crawl(url, tmp_path / "run1", incremental="true", types="posts")
    assert first.returncode == 0, first.log[-3000:]
    hidden = php_json(
        wordpress_site,
        "echo json_encode(get_posts(['post_status' => ['future', 'draft', 'pending', 'private'],"
        " 'numberposts' => -1, 'fields' => 'ids']));",
    )
    second = crawl(url, tmp_path / "run2", incremental="true", types="posts", **auth)
    assert second.returncode == 0, second.log[-3000:]
    assert set(changes(second)) == set(hidden)
    assert changes(second)[post_id] == ("added", "future")
    assert all(change == "added" for change, _ in changes(second).values())

    publish_as_cron(wordpress_site, post_id)
    third = crawl(url, tmp_path / "run3", incremental="true", types="posts", **auth)
    assert third.returncode == 0, third.log[-3000:]
    assert changes(third) == {post_id: ("updated", "publish")}
