"""Links to archived evidence files that a person can open for a while, and the signed route
that serves local files.

Storage with links of its own (S3 presigned URLs) hands those out; local storage has none, so
the app signs ``/files/{token}`` with ``DISPUTES_SECRET_KEY`` and an expiry: the token names
the file, so a link cannot be edited into another file's.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from engine.errors import DisputeEngineError
from engine.runtime import Runtime
from engine.storage import EvidenceStorage
from web.signing import Signer

log = logging.getLogger("disputes.web")

LINK_SECONDS = 3600
_PURPOSE = "evidence-file"
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
"""Served files may be framed by the dashboard (inline PDF preview), nothing else."""


class FileRef(msgspec.Struct, frozen=True):
    name: str
    mime: str
    filename: str


_ref_decoder = msgspec.json.Decoder(FileRef)


def storage_of(runtime: Runtime) -> EvidenceStorage | None:
    """The runtime's evidence storage; ``None`` when it cannot be opened (the page then shows
    the file without a link instead of failing)."""
    try:
        storage = getattr(runtime, "storage", None)
    except DisputeEngineError as error:
        log.warning("evidence storage unavailable: %s", error)
        return None
    return storage if isinstance(storage, EvidenceStorage) else None


def file_link(runtime: Runtime, record: dict[str, Any]) -> str | None:
    """A link for one file of an evidence version (``{"name", "mime", "kind", …}``)."""
    name = record.get("name")
    if not isinstance(name, str) or not name:
        return None
    storage = storage_of(runtime)
    if storage is not None:
        own = storage.link(name, LINK_SECONDS)
        if own is not None:
            return own
    mime = str(record.get("mime") or "application/octet-stream")
    filename = f"{record.get('kind') or 'evidence'}{_extension(mime)}"
    ref = msgspec.json.encode(FileRef(name=name, mime=mime, filename=filename)).decode()
    signer = Signer(runtime.settings.secret_key)
    return f"/files/{signer.sign(_PURPOSE, ref, LINK_SECONDS)}"


def link_origins(links: list[str | None]) -> list[str]:
    """Origins outside this app that the detail page frames (for its CSP)."""
    origins = set()
    for link in links:
        if link and link.startswith(("http://", "https://")):
            parts = urlsplit(link)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def _extension(mime: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(mime, "")


class FileController(Controller):
    path = "/files"
    include_in_schema = False

    @get("/{token:str}", sync_to_thread=True)
    def serve(
        self,
        token: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> Response[bytes]:
        ref_text = Signer(runtime.settings.secret_key).unsign(_PURPOSE, token)
        storage = storage_of(runtime)
        if ref_text is None or storage is None:
            raise NotFoundException()
        ref = _ref_decoder.decode(ref_text)
        try:
            data = storage.get(ref.name)
        except FileNotFoundError:
            raise NotFoundException() from None
        return Response(
            data,
            media_type=ref.mime,
            headers={
                "Content-Disposition": f"inline; filename*=UTF-8''{quote(ref.filename)}",
                "Cache-Control": "private, no-store",
                "Content-Security-Policy": FILE_CSP,
                "X-Frame-Options": "SAMEORIGIN",
            },
        )
