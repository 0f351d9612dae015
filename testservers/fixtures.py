"""Pytest plugin: a real ``redis-server`` and a real S3-compatible server, one per session.

``redis_server`` (session) gives a started :class:`testservers.redis.RedisServer`; each test
that wants a clean database calls ``flushall`` itself (the ``redis_url`` fixture does). ``s3_server``
(session) gives a started :class:`testservers.s3.S3Server`. Tests using them get the ``redis``
or ``s3`` marker. When a server cannot start the fixture skips with the reason, except in CI
(``CI=true``), where it fails: CI never silently skips the real-server tests.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from testservers.redis import RedisServer, ServerUnavailable
from testservers.s3 import S3Server

if TYPE_CHECKING:
    from collections.abc import Iterator


def _unavailable(what: str, reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} cannot start in CI: {reason}", pytrace=False)
    pytest.skip(f"{what} unavailable (a skip outside CI only; CI fails): {reason}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "redis_server" in names:
            item.add_marker(pytest.mark.redis)
        if "s3_server" in names:
            item.add_marker(pytest.mark.s3)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        server.start()
    except ServerUnavailable as exc:
        _unavailable("redis-server", str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of the session's redis-server, emptied for this test."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    try:
        server.start()
    except ServerUnavailable as exc:
        _unavailable("the S3-compatible server", str(exc))
    try:
        yield server
    finally:
        server.stop()
