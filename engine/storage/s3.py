"""S3-compatible storage (AWS S3, Cloudflare R2, MinIO) through boto3 — the only module that
imports it. ``DISPUTES_STORAGE_URL=s3://bucket/prefix``; ``DISPUTES_S3_ENDPOINT_URL`` points at
R2 or MinIO; credentials come from boto3's normal chain (environment, profile, instance role).

Objects are private; people get presigned links that expire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
import botocore.exceptions
from botocore.config import Config

from engine.errors import SettingError
from engine.settings import Settings
from engine.storage import EvidenceStorage, StorageUnavailable
from engine.storage.names import check_object_name

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage(EvidenceStorage):
    def __init__(self, client: S3Client, bucket: str, prefix: str) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        parts = urlsplit(settings.storage_url)
        if not parts.netloc:
            raise SettingError("DISPUTES_STORAGE_URL", "s3:// URLs must name a bucket")
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            config=Config(
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
                signature_version="s3v4",
            ),
        )
        return cls(client, parts.netloc, parts.path)

    def _key(self, name: str) -> str:
        check_object_name(name)
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, name: str, data: bytes, mime: str) -> str:
        key = self._key(name)
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=mime)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise StorageUnavailable(f"cannot store {key} in s3://{self.bucket}: {error}") from None
        return f"s3://{self.bucket}/{key}"

    def get(self, name: str) -> bytes:
        key = self._key(name)
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
            return answer["Body"].read()
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(f"s3://{self.bucket}/{key}") from None
            raise StorageUnavailable(f"cannot read s3://{self.bucket}/{key}: {error}") from None
        except botocore.exceptions.BotoCoreError as error:
            raise StorageUnavailable(f"cannot read s3://{self.bucket}/{key}: {error}") from None

    def delete(self, name: str) -> None:
        key = self._key(name)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise StorageUnavailable(f"cannot delete s3://{self.bucket}/{key}: {error}") from None

    def link(self, name: str, expires_in: int) -> str:
        return self._client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(name)},
            ExpiresIn=expires_in,
        )
