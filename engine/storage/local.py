"""Local files: the default storage, a flat directory under ``DISPUTES_DATA_DIR/files``.

Files are written aside and renamed into place (a reader never sees half a PDF) with mode 0600;
the directory is 0700. The web app serves them only through signed links.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from engine.errors import SettingError
from engine.settings import Settings
from engine.storage import EvidenceStorage
from engine.storage.names import check_object_name


class LocalStorage(EvidenceStorage):
    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise SettingError(
                "DISPUTES_STORAGE_URL", f"cannot create {root}: {error.strerror}"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalStorage:
        parts = urlsplit(settings.storage_url)
        if parts.netloc not in {"", "localhost"}:
            raise SettingError(
                "DISPUTES_STORAGE_URL", f"file:// URLs must name a local path, not {parts.netloc}"
            )
        if not parts.path:
            raise SettingError("DISPUTES_STORAGE_URL", "file:// URLs must name a folder")
        return cls(Path(unquote(parts.path)))

    def _path(self, name: str) -> Path:
        return self.root / check_object_name(name)

    def put(self, name: str, data: bytes, mime: str) -> str:
        target = self._path(name)
        scratch = self.root / f".{name}.{secrets.token_hex(6)}.part"
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(scratch, target)
        finally:
            scratch.unlink(missing_ok=True)
        return target.as_uri()

    def get(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def link(self, name: str, expires_in: int) -> None:
        check_object_name(name)
        return None
