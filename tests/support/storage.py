"""A plain local-directory evidence storage for web tests: no links of its own, so the app
serves its files through the signed ``/files`` route (as it does for local disk)."""

from __future__ import annotations

from pathlib import Path

from engine.storage import EvidenceStorage


class DirectoryStorage(EvidenceStorage):
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, data: bytes, mime: str) -> str:
        (self.root / name).write_bytes(data)
        return (self.root / name).as_uri()

    def get(self, name: str) -> bytes:
        path = self.root / name
        if not path.is_file():
            raise FileNotFoundError(name)
        return path.read_bytes()

    def link(self, name: str, expires_in: int) -> str | None:
        return None
