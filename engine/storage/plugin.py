"""The built-in storage backends, registered through the same hook third-party ones use."""

from __future__ import annotations

from engine import hookimpl
from engine.plugins.registry import StorageRegister
from engine.settings import Settings
from engine.storage import EvidenceStorage


def _local(settings: Settings) -> EvidenceStorage:
    from engine.storage.local import LocalStorage

    return LocalStorage.from_settings(settings)


def _s3(settings: Settings) -> EvidenceStorage:
    # Imported on use: a merchant on local files never loads boto3.
    from engine.storage.s3 import S3Storage

    return S3Storage.from_settings(settings)


@hookimpl(trylast=True)
def register_storage(register: StorageRegister) -> None:
    register("file", _local)
    register("s3", _s3)
