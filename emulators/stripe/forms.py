"""Decoding request bodies the way Stripe does: bracketed form keys and multipart uploads.

stripe-python sends ``evidence[receipt]=file_1`` and ``created[gte]=123``; this turns them back
into nested dictionaries. Multipart bodies (``files.create``) keep the uploaded bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

_KEY_PART = re.compile(r"\[([^\]]*)\]")


class FormError(ValueError):
    """A body that cannot be decoded; answered as Stripe answers a malformed request."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def decode_query(text: str) -> dict[str, Any]:
    """``a[b]=1&a[c]=2&x=y`` → ``{"a": {"b": "1", "c": "2"}, "x": "y"}``."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False)
    except ValueError as error:
        raise FormError(str(error)) from None
    nested: dict[str, Any] = {}
    for key, value in pairs:
        _assign(nested, key, value)
    return nested


def _assign(target: dict[str, Any], key: str, value: Any) -> None:
    head, _, rest = key.partition("[")
    parts = [head] + (_KEY_PART.findall("[" + rest) if rest else [])
    node = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "":  # "expand[]=x": a list
            raise FormError(f"list parameters are not supported here: {key}")
        if last:
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise FormError(f"{key} mixes a value and a hash")
        node = child


def decode_multipart(body: bytes, content_type: str) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Fields and uploaded files of a ``multipart/form-data`` body."""
    if "boundary=" not in content_type:
        raise FormError("multipart body without a boundary")
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise FormError("malformed multipart body")
    fields: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise FormError("multipart part without a name")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            uploads[name] = Upload(filename, part.get_content_type(), data)
        else:
            _assign(fields, name, data.decode("utf-8", errors="replace"))
    return fields, uploads
