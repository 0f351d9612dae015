"""A real S3-compatible server for the tests: moto's standalone server on 127.0.0.1.

It speaks the S3 wire protocol over HTTP, so Scrapy's ``S3FeedStorage`` and botocore talk to it
exactly as to a cloud bucket (``AWS_ENDPOINT_URL``); nothing is patched in the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from testservers.redis import ServerUnavailable, free_port

if TYPE_CHECKING:
    from types import TracebackType

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"  # noqa: S105 - a fake server's fixed credential
REGION = "us-east-1"


class S3Server:
    """moto's server in a thread; ``endpoint`` is its ``http://127.0.0.1:PORT``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        """The Scrapy settings that point S3 feed storage at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION_NAME": REGION,
        }

    def client(self) -> Any:
        """A boto3 S3 client for this server (for setting up buckets and reading back)."""
        import boto3  # noqa: PLC0415 - only the S3 tests need it

        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name=REGION,
        )  # fmt: skip

    def start(self) -> S3Server:
        try:
            from moto.server import ThreadedMotoServer  # noqa: PLC0415
        except ImportError as exc:
            raise ServerUnavailable(
                f"moto's server is not installed ({exc}); pip install 'moto[server]'"
            ) from None
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        self.stop()
