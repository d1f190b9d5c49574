"""Paystand webhooks: no signature, so the URL's secret token authenticates the sender and the
API authenticates the content.

Paystand posts every event of the account to every registered URL and retries anything but 2xx
for days. Hence: a wrong token looks exactly like an unknown route (404); a body that is not a
Paystand event is refused (400); an event about anything but a dispute is acknowledged and
ignored (200); for a dispute event the body is only a hint — the dispute is re-read from the
API and only what the API says is applied. The one thing the hint decides is *when*: if the body
shows a change the API does not show yet, the delivery is answered 503 for Paystand to retry
(rule and bounds in :mod:`providers.paystand.freshness`).
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from engine.disputes.model import DisputeEvent
from engine.errors import DisputeUnknown, ProviderRejected, ProviderUnavailable
from engine.intake.depth import MAX_JSON_DEPTH, too_deep
from engine.plugins.provider import Accepted, Ignored, Rejected, WebhookRequest, WebhookVerdict
from providers.paystand.consts import DISPUTE_SOURCE_TYPE, EVENT_OBJECT
from providers.paystand.freshness import Freshness, claimed_last_updated, judge
from providers.paystand.mapping import UnreadableRecord, to_event

log = logging.getLogger("disputes.paystand")


class EventEnvelope(msgspec.Struct, kw_only=True):
    """The part of a Paystand event the engine reads before deciding anything. There is no
    event-type field; ``resource``, ``diff`` and ``status`` are never trusted."""

    object: str
    id: str
    sourceType: str | None = None
    sourceId: str | None = None


_envelope_decoder = msgspec.json.Decoder(EventEnvelope)
_RESOURCE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
"""Paystand ids are short lower-case alphanumerics; anything else never reaches a URL."""

FetchDispute = Callable[[str], dict[str, Any]]


def token_matches(request: WebhookRequest, expected: str) -> bool:
    given = request.path_params.get("token")
    if given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def read_envelope(body: bytes) -> EventEnvelope | str:
    """The event's envelope, or why the body is not a Paystand event."""
    try:
        envelope = _envelope_decoder.decode(body)
    except msgspec.DecodeError as error:
        return f"not a Paystand event: {error}"
    if envelope.object != EVENT_OBJECT or not envelope.id.strip():
        return "not a Paystand event: object must be 'event' with an id"
    return envelope


def handle(request: WebhookRequest, *, token: str, fetch: FetchDispute) -> WebhookVerdict:
    if not token_matches(request, token):
        return Rejected(status_code=404, reason="wrong Paystand webhook token")
    if too_deep(request.body):
        return Rejected(
            status_code=400, reason=f"body nested deeper than {MAX_JSON_DEPTH} levels", store=False
        )
    envelope = read_envelope(request.body)
    if isinstance(envelope, str):
        return Rejected(status_code=400, reason=envelope, store=True)
    if envelope.sourceType != DISPUTE_SOURCE_TYPE:
        return Ignored(
            event_id=envelope.id,
            event_type=envelope.sourceType,
            reason=f"Paystand event about a {envelope.sourceType or 'unnamed'} resource",
        )
    dispute_id = envelope.sourceId or ""
    if not _RESOURCE_ID.fullmatch(dispute_id):
        return Rejected(
            status_code=400,
            reason=f"Paystand dispute event {envelope.id} without a valid sourceId",
            store=True,
        )
    try:
        raw = fetch(dispute_id)
    except DisputeUnknown:
        # A forged or mistaken event: nothing the API knows, so nothing changes.
        return Rejected(
            status_code=400,
            reason=f"event {envelope.id}: Paystand does not know dispute {dispute_id}",
            store=True,
        )
    except ProviderRejected as error:
        # Paystand refusing our read (permissions, a changed API) is ours to fix; the event
        # must come back once it is, so it is not acknowledged.
        raise ProviderUnavailable(str(error)) from None
    try:
        event: DisputeEvent = to_event(raw, event_id=envelope.id)
    except UnreadableRecord as error:
        # Our reading of Paystand's answer failed: keep the delivery coming back (503) until
        # the mapping is fixed, rather than lose it.
        log.error("Paystand event %s: %s", envelope.id, error)
        raise ProviderUnavailable(str(error)) from None
    if event.dispute_id != dispute_id:
        raise ProviderUnavailable(f"Paystand answered dispute {dispute_id} with {event.dispute_id}")
    _wait_for_the_api(request, envelope.id, dispute_id, api_updated=event.occurred_at)
    return Accepted(event_id=envelope.id, event_type=event.type, events=(event,))


def _wait_for_the_api(
    request: WebhookRequest, event_id: str, dispute_id: str, *, api_updated: datetime
) -> None:
    """Raise :class:`ProviderUnavailable` (503, Paystand retries) while the API is behind the
    change this event announces; log, and let the API's state through, when the body's claim
    is one the engine will not wait for."""
    claim = claimed_last_updated(request.body, dispute_id)
    freshness = judge(claim, api_updated, request.received_at)
    if freshness is Freshness.API_BEHIND:
        raise ProviderUnavailable(
            f"Paystand event {event_id}: the API shows dispute {dispute_id} as of "
            f"{api_updated.isoformat()}, older than the event's {_claim_text(claim)}; "
            "not applied, Paystand will retry"
        )
    if freshness is Freshness.WAITED_ENOUGH:
        log.warning(
            "Paystand event %s: the API still shows dispute %s as of %s, older than the "
            "event's %s; applying the API's state (a later event or a sync brings the rest)",
            event_id,
            dispute_id,
            api_updated.isoformat(),
            _claim_text(claim),
        )
    elif freshness is Freshness.IMPLAUSIBLE:
        log.warning(
            "Paystand event %s claims dispute %s changed at %s, in the future: hint ignored, "
            "the API's state applied",
            event_id,
            dispute_id,
            _claim_text(claim),
        )


def _claim_text(claim: datetime | None) -> str:
    return claim.isoformat() if claim is not None else "(no claim)"
