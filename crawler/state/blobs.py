"""Immutable objects (a run's per-record versions) on a file system or S3-compatible storage.

A state backend writes each run's bulky state as one object, then points the small committed
state at it; objects are never rewritten in place, so a reader that follows a committed pointer
always finds a whole object.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from crawler.state.store import write_atomically

if TYPE_CHECKING:
    from collections.abc import Mapping


class BlobMissing(KeyError):
    """No object under that key."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> str:
        """Store ``data`` under ``key``; returns the object's URI."""

    def get(self, key: str) -> bytes:
        """The object under ``key``; raises :class:`BlobMissing`."""


class FileBlobStore:
    """Objects as files under ``root``, written atomically (temporary file, fsync, rename).

    >>> import tempfile
    >>> store = FileBlobStore(tempfile.mkdtemp())
    >>> store.put("e.com/r1.json.gz", b"x").endswith("/e.com/r1.json.gz"), store.get("e.com/r1.json.gz")
    (True, b'x')
    >>> store.put("../escape", b"x")
    Traceback (most recent call last):
    ...
    ValueError: the object key '../escape' leaves the store's folder
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()

    def path(self, key: str) -> Path:
        """Where ``key`` lives; a key that would leave ``root`` is refused."""
        parts = key.split("/")
        if (
            not key
            or key.startswith("/")
            or "\x00" in key
            or any(part in ("", ".", "..") for part in parts)
        ):
            raise ValueError(f"the object key {key[:100]!r} leaves the store's folder")
        path = self.root.joinpath(*parts)
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"the object key {key[:100]!r} leaves the store's folder")
        return path

    def put(self, key: str, data: bytes) -> str:
        path = self.path(key)
        write_atomically(path, data)
        return path.as_uri()

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None


def open_blobs(uri: str, settings: Mapping[str, Any]) -> BlobStore:
    """The store at ``uri``: ``file://`` or a plain path, or ``s3://bucket/prefix``.

    >>> type(open_blobs("file:///tmp/x", {})).__name__, open_blobs("blobs", {}).root.name
    ('FileBlobStore', 'blobs')
    >>> open_blobs("ftp://h/x", {})
    Traceback (most recent call last):
    ...
    ValueError: STATE_BLOB_URI 'ftp://h/x' is not a folder, file:// or s3:// URI
    """
    parts = urlsplit(uri)
    if parts.scheme == "s3":
        # Imported when used (boto3 is loaded only by runs that store objects on S3).
        s3blobs = importlib.import_module("crawler.state.s3blobs")
        store: BlobStore = s3blobs.S3BlobStore(uri, settings)
        return store
    if parts.scheme == "file":
        return FileBlobStore(unquote(parts.netloc + parts.path) or ".")
    if parts.scheme and len(parts.scheme) > 1:  # not a Windows drive letter
        raise ValueError(f"STATE_BLOB_URI {uri[:100]!r} is not a folder, file:// or s3:// URI")
    return FileBlobStore(uri)
