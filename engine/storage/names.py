"""Object names for archived evidence: an HMAC of the secret key over dispute, kind and version.

Knowing a dispute id (it appears in processor emails and dashboards) must not be enough to find
its documents, so the name carries no readable part: 64 hex digits and an extension. The same
inputs always give the same name, so re-archiving a version overwrites instead of piling up.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_NAME = re.compile(r"^[0-9a-f]{64}\.(pdf|png|jpg)$")
_PURPOSE = b"disputes:evidence-object-name:v1"


def object_name(
    secret_key: str, provider: str, dispute_id: str, kind: str, version: int, extension: str
) -> str:
    """The storage name of document ``kind`` of evidence ``version`` (``receipt``, 3, ``pdf``)."""
    if extension not in {"pdf", "png", "jpg"}:
        raise ValueError(f"unsupported evidence file extension {extension!r}")
    # Each part is length-prefixed so ("a:b", "c") and ("a", "b:c") cannot collide.
    message = b"".join(
        len(part).to_bytes(4, "big") + part
        for part in (
            _PURPOSE,
            provider.encode(),
            dispute_id.encode(),
            kind.encode(),
            str(version).encode(),
        )
    )
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()
    return f"{digest}.{extension}"


def is_object_name(name: str) -> bool:
    """Whether ``name`` has the shape :func:`object_name` makes (no path, no traversal)."""
    return bool(_NAME.fullmatch(name))


def check_object_name(name: str) -> str:
    if not is_object_name(name):
        raise ValueError(f"not an evidence object name: {name!r}")
    return name
