"""Authenticated crawls against the real WordPress, with an editor's application password.

The test creates the editor, the password and one post of each status (draft, pending,
private, future, and a password-protected one) through WordPress's own functions, removes them
afterwards, and compares the crawl with the database: every post with its real status, the
protected bodies, the stored title and content; a wrong password ends in one clear line; the
secret, its base64 form and the user name are nowhere in the log, the feeds, the stats, the
state or the JOBDIR. The test site is plain http on 127.0.0.1, hence ``allow_insecure_auth``.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import TYPE_CHECKING

import pytest

from crawler.auth import REJECTED
from tests.crawl import crawl
from tests.utils import new_user_php

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.wordpress, pytest.mark.changes_wordpress]

MODE = "pretty"
STATUSES = ("publish", "future", "draft", "pending", "private")
MARKER = "Authenticated-crawl marker"


def php_json(site, code: str):
    return json.loads(site.php(code, mode=MODE).strip().splitlines()[-1])


def remove_user_and_posts(wordpress_site, created):
    """Delete what a fixture created: its posts for good, then its user."""
    ids = ", ".join(str(i) for i in created["posts"].values())
    wordpress_site.php(
        f"""
        require_once ABSPATH . 'wp-admin/includes/user.php';
        foreach ([{ids}] as $id) {{ wp_delete_post($id, true); }}
        wp_delete_user({created["user"]});
        """,
        mode=MODE,
    )


@pytest.fixture(scope="module")
def editor(wordpress_site):
    """An editor with an application password, and one post of each hidden status."""
    login = f"crawl-editor-{secrets.token_hex(4)}"
    created = php_json(wordpress_site, f"""
        {new_user_php(login, 'editor')}
        $posts = [];
        foreach (['draft', 'pending', 'private'] as $status) {{
            $posts[$status] = wp_insert_post(['post_title' => "{MARKER}: $status &amp; more",
                'post_status' => $status, 'post_author' => 1,
                'post_content' => "<!-- wp:paragraph --><p>{MARKER} body, $status.</p><!-- /wp:paragraph -->"]);
        }}
        $posts['future'] = wp_insert_post(['post_title' => '{MARKER}: future',
            'post_status' => 'future', 'post_author' => 1,
            'post_date' => gmdate('Y-m-d H:i:s', time() + 30 * DAY_IN_SECONDS),
            'post_content' => '<p>{MARKER} body, future.</p>']);
        $posts['protected'] = wp_insert_post(['post_title' => '{MARKER}: protected',
            'post_status' => 'publish', 'post_author' => 1, 'post_password' => 'letmein-{login}',
            'post_content' => '<p>{MARKER} body, protected.</p>']);
        echo json_encode(['user' => $user, 'password' => WP_Application_Passwords::chunk_password($password),
            'posts' => $posts]);
    """)  # fmt: skip
    try:
        yield {**created, "login": login}
    finally:
        remove_user_and_posts(wordpress_site, created)


def posts_in_database(site) -> dict[int, dict]:
    """Every post an editor may list (``status=any``), as the database holds it."""
    rows = php_json(site, f"""
        $out = [];
        foreach (get_posts(['post_type' => 'post', 'post_status' => {json.dumps(list(STATUSES))},
                'numberposts' => -1, 'suppress_filters' => true]) as $p) {{
            $out[] = ['id' => $p->ID, 'status' => $p->post_status, 'title' => $p->post_title,
                'content' => $p->post_content, 'protected' => $p->post_password !== ''];
        }}
        echo json_encode($out);
    """)  # fmt: skip
    return {row["id"]: row for row in rows}


def secret_forms(editor) -> list[str]:
    password = editor["password"]
    bare = password.replace(" ", "")
    pairs = [f"{editor['login']}:{password}", f"{editor['login']}:{bare}"]
    return [
        password,
        bare,
        editor["login"],
        *(base64.b64encode(p.encode()).decode() for p in pairs),
    ]


def files_holding(root: Path, forms: list[str]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {form[:4]}…" for form in forms if form.encode() in data]
    return found


def assert_stopped_in_one_line(result, expected: str) -> None:
    """Exit 1, one ERROR line holding ``expected``, no traceback, nothing exported."""
    assert result.returncode == 1, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    assert len(result.errors) == 1, result.errors
    assert expected in result.errors[0], result.errors
    assert result.stats["wordpress/failure"] in result.errors[0]
    assert not result.feed("posts", missing_ok=True)


def test_every_status_and_protected_bodies_and_the_secret_nowhere(
    wordpress_site, editor, tmp_path, monkeypatch
):
    monkeypatch.setenv("WP_TEST_APP_PASSWORD", f"{editor['login']}:{editor['password']}")
    run = tmp_path / "run"
    result = crawl(
        wordpress_site.url(MODE), run,
        settings={"JOBDIR": run / "job", "LOG_LEVEL": "DEBUG"},
        auth="env:WP_TEST_APP_PASSWORD", allow_insecure_auth="true", incremental="true",
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["wordpress/auth"] == "application-password"

    truth = posts_in_database(wordpress_site)
    assert all(any(r["status"] == s for r in truth.values()) for s in STATUSES)
    records = {r["id"]: r for r in result.feed("posts")}
    assert {i: r["status"] for i, r in records.items()} == {
        i: r["status"] for i, r in truth.items()
    }
    for post_id, row in truth.items():
        record = records[post_id]
        assert record["protected"] is row["protected"], post_id
        assert record["title_raw"] == row["title"], post_id
        assert record["content_source"] == row["content"], post_id
        assert "password" not in record
    for status, post_id in editor["posts"].items():
        record = records[post_id]
        assert MARKER in record["content_text"], status
        assert record["status"] == ("publish" if status == "protected" else status)
    protected = [r for r in records.values() if r["protected"]]
    assert len(protected) >= 2  # the seeded one and ours
    assert all(r["content_text"] and r["content_html"] for r in protected)
    assert all(u["email"] is None and u["roles"] is None for u in result.feed("users"))

    forms = secret_forms(editor)
    assert [form[:4] for form in forms if form in result.log] == []
    assert files_holding(run, forms) == []  # feeds, stats file, JOBDIR
    assert files_holding(tmp_path / "state", forms) == []


def test_a_wrong_password_is_one_clear_error(wordpress_site, editor, tmp_path, monkeypatch):
    monkeypatch.setenv("WP_TEST_APP_PASSWORD", "wrong wrong wrong wrong wrong wrong")
    result = crawl(
        wordpress_site.url(MODE), tmp_path / "run",
        auth="env:WP_TEST_APP_PASSWORD", user=editor["login"], allow_insecure_auth="true",
    )  # fmt: skip
    assert_stopped_in_one_line(result, REJECTED)
    assert "wrong wrong" not in result.log


def test_plain_http_needs_the_explicit_flag(wordpress_site, editor, tmp_path, monkeypatch):
    monkeypatch.setenv("WP_TEST_APP_PASSWORD", editor["password"])
    result = crawl(
        wordpress_site.url(MODE), tmp_path / "run",
        auth="env:WP_TEST_APP_PASSWORD", user=editor["login"],
    )  # fmt: skip
    assert_stopped_in_one_line(result, "only sent over https")


def test_a_draft_published_is_updated_in_the_next_incremental_run(
    wordpress_site, editor, tmp_path, monkeypatch
):
    monkeypatch.setenv("WP_TEST_APP_PASSWORD", editor["password"])
    arguments = {"auth": "env:WP_TEST_APP_PASSWORD", "user": editor["login"],
                 "allow_insecure_auth": "true", "incremental": "true", "types": "posts"}  # fmt: skip
    first = crawl(wordpress_site.url(MODE), tmp_path / "run1", **arguments)
    assert first.returncode == 0, first.log[-3000:]
    draft = editor["posts"]["draft"]
    assert next(r for r in first.feed("posts") if r["id"] == draft)["status"] == "draft"

    wordpress_site.php(f"wp_update_post(['ID' => {draft}, 'post_status' => 'publish']);", mode=MODE)
    second = crawl(wordpress_site.url(MODE), tmp_path / "run2", **arguments)
    assert second.returncode == 0, second.log[-3000:]
    changes = {r["id"]: (r["change"], r.get("status")) for r in second.feed("posts")}
    assert changes == {draft: ("updated", "publish")}


def test_private_user_fields_only_on_request(wordpress_site, editor, tmp_path, monkeypatch):
    """Listing users in the edit context needs ``list_users``: an administrator's password."""
    created = php_json(wordpress_site, """
        list($password, $item) = WP_Application_Passwords::create_new_application_password(
            1, ['name' => 'crawler test (users)']);
        echo json_encode(['login' => get_userdata(1)->user_login, 'password' => $password,
            'uuid' => $item['uuid']]);
    """)  # fmt: skip
    try:
        monkeypatch.setenv("WP_TEST_APP_PASSWORD", f"{created['login']}:{created['password']}")
        result = crawl(
            wordpress_site.url(MODE), tmp_path / "run",
            auth="env:WP_TEST_APP_PASSWORD", allow_insecure_auth="true", types="pages",
            include_private_user_fields="true",
        )  # fmt: skip
        assert result.returncode == 0, result.log[-3000:]
        truth = php_json(wordpress_site, """
            $out = [];
            foreach (get_users() as $u) {
                $out[$u->ID] = ['email' => $u->user_email, 'roles' => array_values($u->roles),
                    'first_name' => $u->first_name, 'last_name' => $u->last_name];
            }
            echo json_encode($out);
        """)  # fmt: skip
        users = {
            str(u["id"]): {k: u[k] for k in ("email", "roles", "first_name", "last_name")}
            for u in result.feed("users")
        }
        assert users == truth
        assert str(editor["user"]) in users  # every user, not only the authors of public posts
    finally:
        wordpress_site.php(
            f"WP_Application_Passwords::delete_application_password(1, '{created['uuid']}');",
            mode=MODE,
        )


@pytest.fixture
def pending_comment(wordpress_site):
    """A comment held for moderation on a published post, and that post's approved count."""
    created = php_json(wordpress_site, f"""
        $post = get_posts(['numberposts' => 1, 'orderby' => 'ID', 'order' => 'ASC'])[0];
        $id = wp_insert_comment(['comment_post_ID' => $post->ID, 'comment_approved' => 0,
            'comment_author' => 'Held Reader', 'comment_content' => '{MARKER}: pending comment',
            'comment_date_gmt' => gmdate('Y-m-d H:i:s')]);
        echo json_encode(['id' => $id, 'post' => $post->ID,
            'approved' => (int) get_comments(['post_id' => $post->ID, 'status' => 'approve',
                'count' => true])]);
    """)  # fmt: skip
    yield created
    wordpress_site.php(f"wp_delete_comment({created['id']}, true);", mode=MODE)


def test_pending_comments_with_a_moderator_password_only(
    wordpress_site, editor, pending_comment, tmp_path, monkeypatch
):
    """An editor may moderate comments: an authenticated run lists approved and pending ones,
    each with its status as the database holds it, and the post's ``comment_count`` still
    counts approved ones, as WordPress's; an anonymous run does not see the pending one."""
    monkeypatch.setenv("WP_TEST_APP_PASSWORD", editor["password"])
    result = crawl(
        wordpress_site.url(MODE), tmp_path / "auth",
        auth="env:WP_TEST_APP_PASSWORD", user=editor["login"], allow_insecure_auth="true",
        types="posts",
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    truth = php_json(wordpress_site, """
        $out = [];
        foreach (get_comments(['status' => 'all', 'number' => 0]) as $c) {
            $out[$c->comment_ID] = $c->comment_approved === '1' ? 'approved' : 'hold';
        }
        echo json_encode($out);
    """)  # fmt: skip
    comments = {str(c["id"]): c["status"] for c in result.feed("comments")}
    assert comments == truth
    assert comments[str(pending_comment["id"])] == "hold"
    post = next(r for r in result.feed("posts") if r["id"] == pending_comment["post"])
    assert post["comment_count"] == pending_comment["approved"]

    anonymous = crawl(wordpress_site.url(MODE), tmp_path / "anon", types="posts")
    assert anonymous.returncode == 0, anonymous.log[-3000:]
    seen = {str(c["id"]): c["status"] for c in anonymous.feed("comments")}
    assert str(pending_comment["id"]) not in seen
    assert seen == {i: s for i, s in truth.items() if s == "approved"}


def test_an_author_password_lists_approved_comments_only(
    wordpress_site, pending_comment, tmp_path, monkeypatch
):
    """WordPress refuses ``status=all`` to a user who may not moderate comments (an author):
    the run does not ask for it, and completes with the approved comments."""
    login = f"crawl-author-{secrets.token_hex(4)}"
    created = php_json(wordpress_site, f"""
        {new_user_php(login, 'author')}
        echo json_encode(['user' => $user, 'password' => $password]);
    """)  # fmt: skip
    try:
        monkeypatch.setenv("WP_TEST_APP_PASSWORD", f"{login}:{created['password']}")
        result = crawl(
            wordpress_site.url(MODE), tmp_path / "run",
            auth="env:WP_TEST_APP_PASSWORD", allow_insecure_auth="true", types="posts",
        )  # fmt: skip
    finally:
        wordpress_site.php(
            "require_once ABSPATH . 'wp-admin/includes/user.php';"
            f" wp_delete_user({created['user']});",
            mode=MODE,
        )
    assert result.returncode == 0, result.log[-3000:]
    statuses = {c["id"]: c["status"] for c in result.feed("comments")}
    assert pending_comment["id"] not in statuses
    assert set(statuses.values()) == {"approved"}


@pytest.fixture(scope="module")
def author(wordpress_site):
    """An author (may edit own posts, not pages) with an application password, the author's
    draft, private and published posts, and another user's draft the author may not see."""
    login = f"crawl-author-{secrets.token_hex(4)}"
    created = php_json(wordpress_site, f"""
        {new_user_php(login, 'author')}
        $posts = [];
        foreach (['draft', 'private', 'publish'] as $status) {{
            $posts[$status] = wp_insert_post(['post_title' => "{MARKER}: author's $status",
                'post_status' => $status, 'post_author' => $user,
                'post_content' => "<p>{MARKER} body, author's $status.</p>"]);
        }}
        $posts['others_draft'] = wp_insert_post(['post_title' => '{MARKER}: not the author',
            'post_status' => 'draft', 'post_author' => 1, 'post_content' => '<p>x</p>']);
        echo json_encode(['user' => $user, 'password' => $password, 'posts' => $posts]);
    """)  # fmt: skip
    try:
        yield {**created, "login": login}
    finally:
        remove_user_and_posts(wordpress_site, created)


def test_an_author_lists_own_drafts_and_every_published_post_and_page(
    wordpress_site, author, tmp_path, monkeypatch
):
    """WordPress refuses an author ``pages?status=any&context=edit``, and its edit context
    shows an author only their own posts: the run lists pages as an anonymous run does (said
    once), posts with every status the author may read; nothing is lost, and the next
    incremental run finds nothing changed."""
    monkeypatch.setenv("WP_TEST_APP_PASSWORD", f"{author['login']}:{author['password']}")
    arguments = {"auth": "env:WP_TEST_APP_PASSWORD", "allow_insecure_auth": "true",
                 "incremental": "true"}  # fmt: skip
    result = crawl(wordpress_site.url(MODE), tmp_path / "run1", **arguments)
    assert result.returncode == 0, result.log[-3000:]
    assert not result.stats.get("wordpress/incomplete"), result.log[-3000:]
    assert "Lost page" not in result.log
    public_only = [line for line in result.log.splitlines() if "as public only" in line]
    assert len(public_only) == 1, public_only
    assert "INFO" in public_only[0]
    assert "Listing pages as public only" in public_only[0]

    truth = php_json(wordpress_site, f"""
        $out = [];
        foreach (get_posts(['post_type' => ['post', 'page'], 'numberposts' => -1,
                'post_status' => ['publish', 'draft', 'pending', 'private', 'future'],
                'suppress_filters' => true]) as $p) {{
            if ($p->post_status === 'publish' || ($p->post_type === 'post'
                    && (int) $p->post_author === {author["user"]})) {{
                $out[] = [$p->post_type, $p->ID, $p->post_status];
            }}
        }}
        echo json_encode($out);
    """)  # fmt: skip
    for post_type, feed in (("post", "posts"), ("page", "pages")):
        expected = {i: s for t, i, s in truth if t == post_type}
        assert {r["id"]: r["status"] for r in result.feed(feed)} == expected, post_type
    posts = {r["id"]: r for r in result.feed("posts")}
    assert posts[author["posts"]["draft"]]["status"] == "draft"
    assert posts[author["posts"]["private"]]["status"] == "private"
    assert MARKER in posts[author["posts"]["draft"]]["content_text"]
    assert author["posts"]["others_draft"] not in posts
    assert result.feed("pages")
    assert result.stats["wordpress/state_committed"] is True, result.log[-3000:]

    again = crawl(wordpress_site.url(MODE), tmp_path / "run2", **arguments)
    assert again.returncode == 0, again.log[-3000:]
    assert again.feed("pages", missing_ok=True) == []
    assert again.feed("posts", missing_ok=True) == []
