"""The Paystand plugin's settings (``DISPUTES_PAYSTAND_*``), as the engine decodes them."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from engine.plugins.settings import HttpUrl, PluginSettings
from providers.paystand.consts import DEFAULT_API_BASE

MIN_WEBHOOK_TOKEN_LENGTH = 32


class PaystandSettings(PluginSettings, frozen=True, kw_only=True):
    client_id: str
    client_secret: str
    customer_id: str
    webhook_token: Annotated[
        str,
        Meta(
            min_length=MIN_WEBHOOK_TOKEN_LENGTH,
            pattern=r"^[A-Za-z0-9._~-]+$",
            description=f"must be at least {MIN_WEBHOOK_TOKEN_LENGTH} URL-safe characters "
            "(letters, digits, - _ . ~), e.g. from `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`: it is the webhook's only authentication",
        ),
    ]
    """The secret path segment of the webhook URL: Paystand signs nothing."""
    api_base: HttpUrl = DEFAULT_API_BASE
    timeout: Annotated[
        float, Meta(gt=0, le=120, description="must be a number of seconds above 0, at most 120")
    ] = 10.0
