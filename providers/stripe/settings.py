"""The Stripe plugin's settings (``DISPUTES_STRIPE_*``), as the engine decodes them."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from engine.plugins.settings import HttpUrl, PluginSettings

DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_MAX_RETRIES = 3

_SECRETS = r"^\s*whsec_[^,\s]+(\s*,\s*whsec_[^,\s]+)*\s*$"


class StripeSettings(PluginSettings, frozen=True, kw_only=True):
    api_key: Annotated[
        str,
        Meta(
            pattern=r"^(sk|rk)_\S+$", description="must be a secret (sk_…) or restricted (rk_…) key"
        ),
    ]
    webhook_secret: (
        Annotated[
            str,
            Meta(
                pattern=_SECRETS,
                description="each secret (comma-separated) must be an endpoint secret "
                "starting with whsec_",
            ),
        ]
        | None
    ) = None
    """Several during a rotation: the old and the new endpoint secret."""
    api_base: HttpUrl | None = None
    """Stripe's API (and files) base, for stripe-mock or the project's emulator."""
    max_network_retries: Annotated[
        int, Meta(ge=0, description="must be a whole number, 0 or more")
    ] = DEFAULT_MAX_RETRIES
    timeout_seconds: Annotated[
        int, Meta(ge=1, description="must be a whole number of seconds, 1 or more")
    ] = DEFAULT_TIMEOUT_SECONDS
    connect_accounts: str | None = None
    """Which connected accounts a backfill reads (:mod:`providers.stripe.connect`)."""
