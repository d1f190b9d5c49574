"""Packing the bulky columns: the processor's raw objects and webhook bodies, zlib-compressed.

A Stripe dispute object is ~2.7 kB of JSON, mostly keys and nulls; it was kept on the dispute
row, again in every event and a third time in each webhook body — two thirds of the bytes of a
dispute (``python -m bench.size``). Compressed it takes about a quarter of that. Rows written
before packing keep their plain columns and are read as they are.
"""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

LEVEL = 6
"""zlib's default: within a few percent of the best ratio here, at ~50 µs for a dispute object."""
ZLIB = "zlib"
"""``webhook_deliveries.body_encoding`` of a packed body (``NULL``: the body as received)."""


def pack(value: Any) -> bytes:
    return zlib.compress(msgspec.json.encode(value), LEVEL)


def unpack_json(packed: bytes) -> bytes:
    return zlib.decompress(packed)


def unpack(packed: bytes) -> Any:
    return msgspec.json.decode(zlib.decompress(packed))


def pack_body(body: bytes) -> bytes:
    return zlib.compress(body, LEVEL)


def unpack_body(body: bytes, encoding: str | None) -> bytes:
    """A webhook body as it was received, whichever way it was stored."""
    return zlib.decompress(body) if encoding == ZLIB else body
