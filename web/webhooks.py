"""Webhook routes, one pair for every provider plugin: ``/webhooks/{provider}[/{token}]``.

The request path stays lean: authenticate and translate (the provider), store and apply (the
book, through a group commit shared by every request in flight), answer. Evidence work and
notifications happen later in the worker. The handlers run on the event loop; only what may
block — a provider's fetch-back, a fraud warning's own transaction — goes to a thread.
"""

from __future__ import annotations

import logging
from typing import Any

from anyio import to_thread
from litestar import Controller, Request, Response, post
from litestar.exceptions import NotFoundException

from engine.db.base import utcnow
from engine.disputes.batch import Delivery
from engine.errors import NotConfigured, ProviderUnavailable
from engine.plugins.provider import (
    MAX_WEBHOOK_BYTES,
    FraudWarningReceived,
    Rejected,
    WebhookRequest,
)
from engine.runtime import Runtime

log = logging.getLogger("disputes.webhooks")


class WebhookController(Controller):
    """The handlers take the request alone — path parameters, body and the runtime are read
    from it — because a webhook is the one route that must be cheap: every parameter Litestar
    injects costs each delivery a validation step."""

    path = "/webhooks"
    request_max_body_size = MAX_WEBHOOK_BYTES

    @post("/{provider_id:str}", status_code=200, include_in_schema=False)
    async def receive(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return await _receive(request, {})

    @post("/{provider_id:str}/{token:str}", status_code=200, include_in_schema=False)
    async def receive_with_token(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return await _receive(request, {"token": request.path_params["token"]})


async def _receive(
    request: Request[Any, Any, Any], path_params: dict[str, str]
) -> Response[dict[str, Any]]:
    runtime: Runtime = request.app.state.runtime
    provider_id: str = request.path_params["provider_id"]
    body = await request.body()
    if provider_id not in runtime.plugins.providers:
        raise NotFoundException()
    try:
        provider = runtime.provider(provider_id)
    except NotConfigured as error:
        log.error("webhook for %s refused: %s", provider_id, error)
        return Response({"error": f"{provider_id} is not configured"}, status_code=503)
    delivery = WebhookRequest(
        body=body,
        headers={key.lower(): value for key, value in request.headers.items()},
        path_params=path_params,
        received_at=utcnow(),
    )
    try:
        if provider.capabilities.webhooks_call_api:
            verdict = await to_thread.run_sync(provider.handle_webhook, delivery)
        else:
            verdict = provider.handle_webhook(delivery)
    except ProviderUnavailable as error:
        log.warning("webhook for %s deferred, processor unavailable: %s", provider_id, error)
        return Response({"error": "processor unavailable, retry later"}, status_code=503)
    if isinstance(verdict, Rejected):
        log.warning("webhook for %s rejected: %s", provider_id, verdict.reason)
        if verdict.status_code == 404:
            raise NotFoundException()
        if verdict.store:
            await runtime.webhook_intake.submit(Delivery(provider_id, verdict, body))
        return Response({"error": verdict.reason}, status_code=verdict.status_code)
    if isinstance(verdict, FraudWarningReceived):
        warning = await to_thread.run_sync(
            runtime.fraud_warnings.record_delivery, provider_id, verdict, body
        )
        return Response({"received": True, "outcome": warning.outcome}, status_code=200)
    outcome = await runtime.webhook_intake.submit(Delivery(provider_id, verdict, body))
    return Response({"received": True, "outcome": outcome.outcome}, status_code=200)
