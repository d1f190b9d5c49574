"""Recording who the customer is once the evidence sources have found out.

Some processors' dispute objects name no customer (Stripe's names a charge), so the dispute row
would show none though the provider's facts source just read it from the charge. The pipeline
records what it learnt as an engine event; the lifecycle fills the row's gaps from it and never
lets it override what the processor itself says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import msgspec

from engine.db.base import utcnow
from engine.db.models import EventSource
from engine.disputes.model import CustomerFound, CustomerIdentity, DisputeEvent, DisputeState
from engine.evidence.packet.facts import CUSTOMER_EMAIL, CUSTOMER_ID, CUSTOMER_NAME
from engine.runtime import Runtime


def identity_event(dispute: DisputeState, facts: Mapping[str, str]) -> DisputeEvent | None:
    """The event recording what ``facts`` add to ``dispute``'s customer; ``None`` if nothing."""
    identity = CustomerIdentity(
        customer_id=facts.get(CUSTOMER_ID) or None,
        email=facts.get(CUSTOMER_EMAIL) or None,
        name=facts.get(CUSTOMER_NAME) or None,
    )
    adds = (
        (identity.customer_id and not dispute.customer_id)
        or (identity.email and not dispute.customer_email)
        or (identity.name and not dispute.customer_name)
    )
    if not adds:
        return None
    digest = hashlib.sha256(msgspec.json.encode(identity)).hexdigest()[:16]
    return CustomerFound(
        provider=dispute.provider,
        event_id=f"engine:customer:{dispute.dispute_id}:{digest}",
        dispute_id=dispute.dispute_id,
        type="engine.customer_identified",
        occurred_at=utcnow(),
        account=dispute.account,
        customer=identity,
    )


def record_customer_identity(
    runtime: Runtime, dispute: DisputeState, facts: Mapping[str, str]
) -> None:
    event = identity_event(dispute, facts)
    if event is not None:
        runtime.book.apply_one(event, source=EventSource.ENGINE)
