"""Immutable state objects (a run's per-record versions) on S3-compatible storage.

The small state lives elsewhere (a file, Redis); the bulky part of a run is written once, as one
object next to the feeds, and the small state points at it. The client is built from the same
``AWS_*`` settings as Scrapy's S3 feed storage (endpoint, region, keys), and falls back to
boto's own chain (environment, ``~/.aws``, instance role) for whatever is unset, so one set of
credentials serves feeds and state. Every failure is one :class:`S3Error` line that names the
object and the reason, never a traceback and never a credential.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.state.blobs import BlobMissing

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_KEY_LENGTH = 512
"""The longest key accepted (S3 allows 1,024 bytes; the prefix needs some)."""

_KEY_ALPHABET = re.compile(r"[A-Za-z0-9._/-]+")


class S3Error(Exception):
    """An S3 request failed; the message is one readable line."""


def safe_key(key: Any) -> str:
    """``key`` if it is a bounded relative key of ``[A-Za-z0-9._/-]`` without empty, ``.`` or
    ``..`` parts; else :class:`ValueError`.

    >>> safe_key("state/e.com/20261128T143000Z.json.gz")
    'state/e.com/20261128T143000Z.json.gz'
    >>> for bad in ("../x", "/x", "a//b", "a/./b", "a b", "", "a/"):
    ...     try:
    ...         safe_key(bad)
    ...     except ValueError as exc:
    ...         print(exc)
    refused object key '../x': only relative keys of [A-Za-z0-9._/-] without '.'/'..' parts
    refused object key '/x': only relative keys of [A-Za-z0-9._/-] without '.'/'..' parts
    refused object key 'a//b': only relative keys of [A-Za-z0-9._/-] without '.'/'..' parts
    refused object key 'a/./b': only relative keys of [A-Za-z0-9._/-] without '.'/'..' parts
    refused object key 'a b': only relative keys of [A-Za-z0-9._/-] without '.'/'..' parts
    refused object key '': only relative keys of [A-Za-z0-9._/-] without '.'/'..' parts
    refused object key 'a/': only relative keys of [A-Za-z0-9._/-] without '.'/'..' parts
    """
    if (
        not isinstance(key, str)
        or not 0 < len(key) <= MAX_KEY_LENGTH
        or not _KEY_ALPHABET.fullmatch(key)
        or any(part in ("", ".", "..") for part in key.split("/"))
    ):
        shown = key[:80] if isinstance(key, str) else type(key).__name__
        raise ValueError(
            f"refused object key {shown!r}: only relative keys of [A-Za-z0-9._/-] "
            "without '.'/'..' parts"
        )
    return key


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://bucket/prefix/``; the prefix is empty or ends with ``/``.

    >>> split_s3_uri("s3://feeds/state/"), split_s3_uri("s3://feeds"), split_s3_uri("s3://b/p")
    (('feeds', 'state/'), ('feeds', ''), ('b', 'p/'))
    >>> split_s3_uri("file:///x")
    Traceback (most recent call last):
    ValueError: not an s3://bucket/prefix/ URI: 'file:///x'
    """
    parts = urlsplit(uri)
    bucket = parts.hostname or ""
    prefix = parts.path.strip("/")
    if parts.scheme != "s3" or not bucket or parts.query or parts.fragment:
        raise ValueError(f"not an s3://bucket/prefix/ URI: {uri.rpartition('@')[2][:120]!r}")
    if prefix:
        safe_key(prefix)
    return bucket, f"{prefix}/" if prefix else ""


def s3_client(settings: Mapping[str, Any], *, uri: str = "") -> Any:
    """A boto3 S3 client from Scrapy's ``AWS_*`` settings (unset ones: boto's default chain).
    Keys in the URI (``s3://key:secret@bucket/``, as Scrapy accepts) win, as in Scrapy."""
    parts = urlsplit(uri) if uri else None

    def setting(name: str) -> Any:
        return settings.get(name) or None

    return shared_client(
        (parts and parts.username) or setting("AWS_ACCESS_KEY_ID"),
        (parts and parts.password) or setting("AWS_SECRET_ACCESS_KEY"),
        setting("AWS_SESSION_TOKEN"),
        setting("AWS_ENDPOINT_URL"),
        setting("AWS_REGION_NAME"),
    )


@functools.lru_cache(maxsize=16)
def shared_client(
    access_key: str | None,
    secret_key: str | None,
    session_token: str | None,
    endpoint_url: str | None,
    region_name: str | None,
    *,
    max_pool_connections: int | None = None,
) -> Any:
    """One client per set of credentials and endpoint in a process: building one costs about
    0.2 s of CPU (boto loads the S3 model), and a crawl's feeds, bucket check and state objects
    all use the same. boto3 clients are safe to share between threads."""
    import boto3.session  # type: ignore[import-untyped]  # noqa: PLC0415 - only for S3 users
    from botocore.config import Config  # type: ignore[import-untyped]  # noqa: PLC0415

    pool = Config(max_pool_connections=max_pool_connections) if max_pool_connections else None
    return boto3.session.Session().client(
        "s3",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        endpoint_url=endpoint_url,
        region_name=region_name,
        config=pool,
    )


def s3_reason(exc: BaseException) -> str:
    """Why an S3 request failed, in a few words and what to do (no credential in it).

    >>> s3_reason(TimeoutError("slow"))
    'TimeoutError: slow'
    """
    code = ""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
    name = type(exc).__name__
    if code in ("NoSuchBucket", "404") and "Bucket" in str(exc) + code + name:
        return "the bucket does not exist; create it first"
    if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return (
            f"access denied ({code}); check the credentials (AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY in the environment) and the bucket's policy"
        )
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"):
        return "the S3 server cannot be reached; check AWS_ENDPOINT_URL and that it is up"
    return f"{name}: {' '.join(str(exc).split())[:200]}"


class S3BlobStore:
    """Write-once objects under ``s3://bucket/prefix/``: ``put`` returns the object's URI."""

    def __init__(self, uri: str, settings: Mapping[str, Any]) -> None:
        self.bucket, self.prefix = split_s3_uri(uri)
        self.client = s3_client(settings, uri=uri)

    def uri(self, key: str) -> str:
        """The ``s3://`` URI of ``key`` (checked with :func:`safe_key`)."""
        return f"s3://{self.bucket}/{self.prefix}{safe_key(key)}"

    def put(self, key: str, data: bytes) -> str:
        """Store ``data`` under ``key``; returns ``s3://bucket/prefix/key``."""
        uri = self.uri(key)
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)
        except Exception as exc:  # noqa: BLE001 - botocore's errors have no common base
            raise S3Error(f"could not write {uri}: {s3_reason(exc)}") from None
        return uri

    def get(self, key: str) -> bytes:
        """The data under ``key``; :class:`BlobMissing` if there is none."""
        uri = self.uri(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
            data: bytes = response["Body"].read()
        except Exception as exc:  # noqa: BLE001 - botocore's errors have no common base
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404"):
                raise BlobMissing(uri) from None
            raise S3Error(f"could not read {uri}: {s3_reason(exc)}") from None
        return data
