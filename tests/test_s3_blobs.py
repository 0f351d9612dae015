"""State objects on a real S3-compatible server (moto's standalone server, ``s3_server``)."""

from __future__ import annotations

import uuid

import pytest

from crawler.state.blobs import BlobMissing
from crawler.state.s3blobs import S3BlobStore, S3Error
from testservers.s3 import SECRET_KEY


@pytest.fixture
def bucket(s3_server):
    name = f"state-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    return name


def test_put_and_get_round_trip_under_the_prefix(s3_server, bucket):
    store = S3BlobStore(f"s3://{bucket}/state/", s3_server.settings())
    data = bytes(range(256)) * 1000
    uri = store.put("e.com/20261128T143000Z.json.gz", data)
    assert uri == f"s3://{bucket}/state/e.com/20261128T143000Z.json.gz"
    # What the server holds, read back with another client.
    held = s3_server.client().get_object(Bucket=bucket, Key="state/e.com/20261128T143000Z.json.gz")
    assert held["Body"].read() == data
    assert store.get("e.com/20261128T143000Z.json.gz") == data


def test_a_missing_key_is_blob_missing_a_key_error(s3_server, bucket):
    store = S3BlobStore(f"s3://{bucket}", s3_server.settings())
    with pytest.raises(BlobMissing) as raised:
        store.get("nothing/here.json.gz")
    assert isinstance(raised.value, KeyError)
    assert str(raised.value) == f"'s3://{bucket}/nothing/here.json.gz'"


@pytest.mark.parametrize(
    "key", ["../x", "a/../../b", "/etc/passwd", "a//b", "a\\b", "é", "a" * 600]
)
def test_unsafe_keys_are_refused_and_nothing_is_written(s3_server, bucket, key):
    store = S3BlobStore(f"s3://{bucket}/p/", s3_server.settings())
    with pytest.raises(ValueError, match="refused object key"):
        store.put(key, b"x")
    with pytest.raises(ValueError, match="refused object key"):
        store.get(key)
    assert s3_server.client().list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_a_missing_bucket_is_one_line_without_the_secret(s3_server):
    store = S3BlobStore("s3://no-such-bucket/state/", s3_server.settings())
    with pytest.raises(S3Error) as raised:
        store.put("k.json", b"{}")
    message = str(raised.value)
    assert message == (
        "could not write s3://no-such-bucket/state/k.json: the bucket does not exist; "
        "create it first"
    )
    assert SECRET_KEY not in message
    assert raised.value.__cause__ is None  # no botocore traceback chained to it
    assert raised.value.__suppress_context__


def test_an_unreachable_server_is_one_line(s3_server):
    settings = {**s3_server.settings(), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    store = S3BlobStore("s3://b/", settings)
    store.client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(S3Error, match=r"^could not read s3://b/k: the S3 server cannot be reached"):
        store.get("k")


def test_unset_settings_fall_back_to_boto_s_own_chain(s3_server, bucket, monkeypatch):
    for name, value in s3_server.settings().items():
        monkeypatch.setenv(name, value)
    store = S3BlobStore(f"s3://{bucket}/", {})
    assert store.get(store.put("k", b"v").rpartition("/")[2]) == b"v"


def test_uris_that_are_not_s3_are_refused(s3_server):
    for uri in ("file:///tmp/state", "s3:///nobucket", "s3://b/../x"):
        with pytest.raises(ValueError, match=r"s3://bucket/prefix/|refused object key"):
            S3BlobStore(uri, s3_server.settings())
