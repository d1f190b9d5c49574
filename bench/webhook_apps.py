"""The baseline of ``bench.webhooks``: a bare Litestar endpoint that verifies the same HMAC.

Run by uvicorn as ``bench.webhook_apps:bare_app`` (a factory). It checks the Stripe signature
with the engine's own verifier and answers 200 — everything a webhook must do before it can
be trusted, and nothing else: the floor any real endpoint stands on.
"""

from __future__ import annotations

import os
import time
from typing import Any

from litestar import Litestar, Request, Response, post

from providers.stripe.webhook import SignatureError, verify_signature

SIGNING_KEY_FROM = "BENCH_STRIPE_WEBHOOK_SECRET"


def bare_app() -> Litestar:
    secret = os.environ[SIGNING_KEY_FROM]

    @post("/webhooks/stripe", status_code=200)
    async def receive(request: Request[Any, Any, Any]) -> Response[dict[str, object]]:
        body = await request.body()
        try:
            verify_signature(body, request.headers.get("stripe-signature"), [secret], time.time())
        except SignatureError as error:
            return Response({"error": str(error)}, status_code=400)
        return Response({"received": True}, status_code=200)

    return Litestar([receive], debug=False)
