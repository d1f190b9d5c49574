"""S3 storage against moto's server on loopback: a real HTTP S3 API, through boto3."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import httpx
import pytest

from engine.plugins.manager import Plugins, create_plugin_manager
from engine.storage import StorageUnavailable, open_storage
from engine.storage.names import object_name
from engine.storage.s3 import S3Storage
from engine.testing import MakeSettings

NAME = object_name("s" * 48, "stripe", "dp_1", "service_documentation", 3, "pdf")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def bucket(s3_endpoint: str, aws_credentials: None) -> str:
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="evidence")
    return "evidence"


def test_files_round_trip_through_the_s3_api(
    make_settings: MakeSettings, s3_endpoint: str, bucket: str
) -> None:
    settings = make_settings(storage_url=f"s3://{bucket}/disputes", s3_endpoint_url=s3_endpoint)
    storage = open_storage(settings, Plugins(create_plugin_manager(entry_points=False)).storage)

    url = storage.put(NAME, b"%PDF-1.7 service", "application/pdf")

    assert isinstance(storage, S3Storage)
    assert url == f"s3://evidence/disputes/{NAME}"
    assert storage.get(NAME) == b"%PDF-1.7 service"
    head = boto3.client("s3", endpoint_url=s3_endpoint).head_object(
        Bucket=bucket, Key=f"disputes/{NAME}"
    )
    assert head["ContentType"] == "application/pdf"


def test_a_presigned_link_opens_the_file_and_a_bare_url_does_not(
    make_settings: MakeSettings, s3_endpoint: str, bucket: str
) -> None:
    settings = make_settings(storage_url=f"s3://{bucket}/p", s3_endpoint_url=s3_endpoint)
    storage = S3Storage.from_settings(settings)
    storage.put(NAME, b"%PDF-1.7 linked", "application/pdf")

    link = storage.link(NAME, 300)

    assert "X-Amz-Expires=300" in link
    assert httpx.get(link).content == b"%PDF-1.7 linked"


def test_a_missing_object_is_file_not_found(
    make_settings: MakeSettings, s3_endpoint: str, bucket: str
) -> None:
    storage = S3Storage.from_settings(
        make_settings(storage_url=f"s3://{bucket}/p", s3_endpoint_url=s3_endpoint)
    )
    never_stored = object_name("s" * 48, "stripe", "dp_404", "receipt", 1, "pdf")
    with pytest.raises(FileNotFoundError):
        storage.get(never_stored)


def test_an_unreachable_endpoint_is_worth_retrying(
    make_settings: MakeSettings, aws_credentials: None
) -> None:
    storage = S3Storage.from_settings(
        make_settings(
            storage_url="s3://evidence/p", s3_endpoint_url=f"http://127.0.0.1:{_free_port()}"
        )
    )
    with pytest.raises(StorageUnavailable):
        storage.put(NAME, b"x", "application/pdf")
