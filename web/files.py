"""Links to archived evidence files that a person can open for a while, and the signed route
that serves local files.

Storage with links of its own (S3 presigned URLs) hands those out; local storage has none, so
the app serves ``/files/{name}?expires=E&signature=S``, signed by
:mod:`engine.storage.signing` with a key derived from ``DISPUTES_SECRET_KEY`` for this one
purpose: the signature covers the file's name and the expiry, so a link can be neither edited
into another file's nor kept past its time.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from engine.errors import DisputeEngineError
from engine.runtime import Runtime
from engine.storage import EvidenceStorage
from engine.storage.signing import file_link_query, verify_file_link

log = logging.getLogger("disputes.web")

LINK_SECONDS = 3600
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
"""Served files may be framed by the dashboard (inline PDF preview), nothing else."""
_MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def storage_of(runtime: Runtime) -> EvidenceStorage | None:
    """The runtime's evidence storage; ``None`` when it cannot be opened (the page then shows
    the file without a link instead of failing)."""
    try:
        return runtime.storage
    except DisputeEngineError as error:
        log.warning("evidence storage unavailable: %s", error)
        return None


def file_link(runtime: Runtime, record: dict[str, Any]) -> str | None:
    """A link for one file of an evidence version (``{"name", "mime", "kind", …}``)."""
    name = record.get("name")
    if not isinstance(name, str) or not name:
        return None
    storage = storage_of(runtime)
    if storage is None:
        return None
    own = storage.link(name, LINK_SECONDS)
    if own is not None:
        return own
    query = file_link_query(runtime.settings.secret_key, name, LINK_SECONDS)
    return f"/files/{name}?{urlencode(query)}"


def link_origins(links: list[str | None]) -> list[str]:
    """Origins outside this app that the detail page frames (for its CSP)."""
    origins = set()
    for link in links:
        if link and link.startswith(("http://", "https://")):
            parts = urlsplit(link)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class FileController(Controller):
    path = "/files"
    include_in_schema = False

    @get("/{name:str}", sync_to_thread=True)
    def serve(
        self,
        name: FromPath[str],
        runtime: NamedDependency[Runtime],
        expires: FromQuery[str] = "",
        signature: FromQuery[str] = "",
    ) -> Response[bytes]:
        # One answer for every refusal: a bad link does not say which part was wrong.
        if not verify_file_link(runtime.settings.secret_key, name, expires, signature):
            raise NotFoundException()
        storage = storage_of(runtime)
        if storage is None:
            raise NotFoundException()
        try:
            data = storage.get(name)
        except FileNotFoundError:
            raise NotFoundException() from None
        extension = name.rsplit(".", 1)[-1]
        return Response(
            data,
            media_type=_MIME.get(extension, "application/octet-stream"),
            headers={
                "Content-Disposition": f"inline; filename=evidence.{extension}",
                "Cache-Control": "private, no-store",
                "Content-Security-Policy": FILE_CSP,
                "X-Frame-Options": "SAMEORIGIN",
            },
        )
