"""Stripe's wire format: API-key auth, the ``Stripe-Account`` header, form bodies, JSON answers."""

from __future__ import annotations

import json
import re
from typing import Any

from emulators.stripe.errors import ApiError
from emulators.stripe.forms import FormError, Upload, decode_multipart, decode_query
from emulators.stripe.state import PLATFORM_ACCOUNT

_ACCOUNT = re.compile(r"acct_[A-Za-z0-9]{1,64}")

Response = tuple[int, dict[str, str], bytes | None]
"""Status, extra headers, body (``None``: drop the connection without answering)."""


def authenticated_account(
    headers: dict[str, str], account_header: str | None, known_keys: set[str] | None = None
) -> str:
    """The account a request acts for, once its API key is shaped like a Stripe secret key
    (and is one of ``known_keys`` when the emulator was given its keys)."""
    authorization = headers.get("authorization", "")
    scheme, _, api_key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not api_key.startswith(("sk_", "rk_")):
        raise ApiError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth.",
        )
    if known_keys is not None and api_key not in known_keys:
        raise ApiError(401, f"Invalid API Key provided: {api_key[:8]}{'*' * 12}{api_key[-4:]}")
    if account_header is None:
        return PLATFORM_ACCOUNT
    if not _ACCOUNT.fullmatch(account_header):
        raise ApiError(
            400, f"Invalid Stripe-Account header: {account_header!r}", code="account_invalid"
        )
    return account_header


def decode_params(
    method: str, query: str, headers: dict[str, str], body: bytes
) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters from the query (GET) or the form body, urlencoded or multipart (POST)."""
    try:
        if method == "GET":
            return decode_query(query), {}
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            return decode_multipart(body, content_type)
        return decode_query(body.decode("utf-8")), {}
    except (FormError, UnicodeDecodeError) as error:
        raise ApiError(400, f"Invalid request body: {error}") from None


def to_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def error_response(error: ApiError) -> Response:
    return error.status, error.headers, to_json(error.body())
