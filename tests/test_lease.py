"""The lease and fenced-commit scripts (fakeredis runs the Lua; the real server is tested in
tests/test_state_backends.py)."""

from __future__ import annotations

import time

import fakeredis
import pytest

from crawler.state.lease import SITES_KEY, SiteLease, lease_key, make_token, state_key

SITE = "e.com/blog/"


@pytest.fixture
def client():
    return fakeredis.FakeRedis(decode_responses=True)


def test_one_holder_at_a_time_and_release_frees_the_site(client):
    first = SiteLease(client, SITE, make_token("r1"), 10_000)
    second = SiteLease(client, SITE, make_token("r2"), 10_000)
    assert first.acquire()
    assert not second.acquire()
    assert client.get(lease_key(SITE)) == first.token
    first.release()
    assert client.get(lease_key(SITE)) is None
    assert second.acquire()


def test_renew_extends_only_our_own_lease(client):
    lease = SiteLease(client, SITE, make_token("r1"), 10_000)
    assert lease.acquire()
    client.pexpire(lease_key(SITE), 50)
    assert lease.renew()
    assert client.pttl(lease_key(SITE)) > 5_000
    stale = SiteLease(client, SITE, make_token("r1"), 10_000)  # same run, another start
    assert not stale.renew()


def test_a_stale_token_can_neither_commit_nor_release(client):
    old = SiteLease(client, SITE, make_token("r1"), 100)
    assert old.acquire()
    time.sleep(0.2)  # expired: the process stalled longer than the TTL
    new = SiteLease(client, SITE, make_token("r2"), 10_000)
    assert new.acquire()
    assert not old.commit(state_key(SITE), "old", extra=[(SITES_KEY, SITE)])
    old.release()
    assert not old.renew()
    assert client.get(state_key(SITE)) is None, "the stale run wrote nothing"
    assert client.smembers(SITES_KEY) == set()
    assert client.get(lease_key(SITE)) == new.token, "and left the new holder in place"
    assert new.commit(state_key(SITE), "new", extra=[(SITES_KEY, SITE)])
    assert client.get(state_key(SITE)) == "new"
    assert client.smembers(SITES_KEY) == {SITE}
    assert client.get(lease_key(SITE)) is None, "the commit released the lease"


def test_commit_after_the_lease_expired_with_no_new_holder_writes_nothing(client):
    lease = SiteLease(client, SITE, make_token("r1"), 100)
    assert lease.acquire()
    time.sleep(0.2)
    assert not lease.commit(state_key(SITE), "late")
    assert client.get(state_key(SITE)) is None


def test_keys_of_hostile_sites_are_bounded_and_plain():
    key = lease_key("e.com/" + "\x1b[2J" * 300 + "/")
    assert len(key) < 240
    assert all(c.isprintable() and c != " " for c in key)
