"""The Stripe webhook endpoint the engine relies on: where it points, which events it sends,
how ``disputes setup-webhook`` creates or updates it and how ``disputes doctor`` checks it.

Stripe shows an endpoint's signing secret once, in the answer that creates it; an update keeps
the secret, so ``DISPUTES_STRIPE_WEBHOOK_SECRET`` stays valid.
"""

from __future__ import annotations

import uuid
from typing import Any

from engine.errors import ProviderError
from engine.health.checks import Check, Verdict, one_line
from engine.plugins.provider import WebhookRegistration
from providers.stripe.consts import PROVIDER_ID
from providers.stripe.stripe_api import StripeApi

WEBHOOK_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
)
"""Every event type the engine handles: disputes and early fraud warnings."""
WEBHOOK_PATH = f"/webhooks/{PROVIDER_ID}"
CHECK_NAME = "stripe webhook endpoint"


def webhook_url(public_url: str) -> str:
    """Where Stripe must send events for an engine served at ``public_url``."""
    return public_url.rstrip("/") + WEBHOOK_PATH


def register(api: StripeApi, url: str) -> WebhookRegistration:
    """Create the endpoint for ``url``, or update the one Stripe already has for it."""
    key = f"disputes-setup-webhook:{uuid.uuid4()}"
    existing = _endpoint_for(api.list_webhook_endpoints(), url)
    if existing is None:
        endpoint = api.create_webhook_endpoint(url, list(WEBHOOK_EVENTS), idempotency_key=key)
        secret = endpoint.get("secret")
        created = True
    else:
        endpoint = api.update_webhook_endpoint(
            str(existing["id"]), list(WEBHOOK_EVENTS), idempotency_key=key
        )
        secret, created = None, False
    return WebhookRegistration(
        endpoint_id=str(endpoint["id"]),
        url=str(endpoint["url"]),
        events=tuple(endpoint.get("enabled_events") or ()),
        created=created,
        signing_secret=secret if isinstance(secret, str) else None,
    )


def check(api: StripeApi, public_url: str | None) -> Check:
    """The endpoint for ``{public_url}/webhooks/stripe`` exists, is enabled and sends every
    event in :data:`WEBHOOK_EVENTS`."""
    if public_url is None:
        return Check(
            name=CHECK_NAME,
            verdict=Verdict.SKIPPED,
            detail="set DISPUTES_PUBLIC_URL to check that Stripe sends events to this engine",
        )
    url = webhook_url(public_url)
    fix = f"run: disputes setup-webhook stripe --url {url}"
    try:
        endpoint = _endpoint_for(api.list_webhook_endpoints(), url)
    except ProviderError as error:
        return Check(name=CHECK_NAME, verdict=Verdict.FAILED, detail=one_line(error))
    if endpoint is None:
        return Check(
            name=CHECK_NAME, verdict=Verdict.FAILED, detail=f"Stripe has no endpoint {url}: {fix}"
        )
    if endpoint.get("status") != "enabled":
        return Check(
            name=CHECK_NAME,
            verdict=Verdict.FAILED,
            detail=f"{endpoint['id']} ({url}) is {endpoint.get('status')}: {fix}",
        )
    enabled = set(endpoint.get("enabled_events") or ())
    missing = [event for event in WEBHOOK_EVENTS if event not in enabled and "*" not in enabled]
    if missing:
        return Check(
            name=CHECK_NAME,
            verdict=Verdict.FAILED,
            detail=f"{endpoint['id']} ({url}) does not send {', '.join(missing)}: {fix}",
        )
    return Check(
        name=CHECK_NAME,
        verdict=Verdict.OK,
        detail=f"{endpoint['id']} ({url}) is enabled and sends all {len(WEBHOOK_EVENTS)} events",
    )


def _endpoint_for(endpoints: list[dict[str, Any]], url: str) -> dict[str, Any] | None:
    """The endpoint registered for ``url``, oldest first when there are several."""
    matching = sorted(
        (e for e in endpoints if e.get("url") == url), key=lambda e: e.get("created", 0)
    )
    return matching[0] if matching else None
