"""Stripe dispute objects → the engine's neutral snapshots and events.

Rules (``domain/stripe.md``): the status comes from the dispute object, never from the event
type; funds come from the dispute's balance transactions; ``won``/``lost`` carry no stage so the
lifecycle closes the stage that was running; ``due_by`` 0 or null means no response is allowed;
unknown statuses read ``open`` and unknown reasons ``general``, the raw words always kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from engine.disputes.model import (
    Described,
    DisputeSnapshot,
    Funds,
    Money,
    Reason,
    Stage,
    Status,
)
from engine.disputes.money import money_from_minor_units
from engine.plugins.provider import snapshot_event_id
from providers.stripe.consts import (
    FUNDS_BY_EVENT_TYPE,
    FUNDS_EVENT_TYPES,
    PROVIDER_ID,
    REASON_MAP,
    STATUS_MAP,
    UNKNOWN_STATUS,
    currency_exponent,
)
from providers.stripe.payloads import Dispute, dispute_from_object


class MappingError(ValueError):
    """A dispute object that cannot be read (a wrong type, an impossible amount)."""


def stage_and_status(provider_status: str) -> tuple[Stage | None, Status]:
    return STATUS_MAP.get(provider_status, UNKNOWN_STATUS)


def neutral_reason(provider_reason: str | None) -> Reason:
    if provider_reason is None:
        return Reason.GENERAL
    return REASON_MAP.get(provider_reason, Reason.GENERAL)


def minor_to_money(units: int, currency: str) -> Money:
    return money_from_minor_units(units, currency, currency_exponent(currency))


def funds_of(dispute: Dispute, stage: Stage | None) -> Funds:
    """What the balance transactions say happened to the money.

    Stripe debits a chargeback (one negative transaction) and credits it back on a win (a
    positive one). An inquiry or a prevented dispute never moves money.
    """
    if stage in {Stage.INQUIRY, Stage.PREVENTION}:
        # An inquiry never moves money, whatever an event or a transaction list suggests.
        return Funds.NOT_DEBITED
    withdrawn = -sum(t.amount for t in dispute.balance_transactions if t.amount < 0)
    returned = sum(t.amount for t in dispute.balance_transactions if t.amount > 0)
    if withdrawn == 0:
        return Funds.UNKNOWN
    if returned == 0:
        return Funds.DEBITED
    if returned >= withdrawn:
        return Funds.REINSTATED
    return Funds.PARTIALLY_REINSTATED


def respond_by_of(dispute: Dispute) -> datetime | None:
    due_by = dispute.evidence_details.due_by if dispute.evidence_details else None
    if due_by is None:  # an old API version: the deadline sits at the top level
        due_by = dispute.evidence_due_by
    if not due_by:  # 0 or null: Stripe takes no response
        return None
    return _timestamp(due_by)


def snapshot_of(raw: dict[str, Any]) -> DisputeSnapshot:
    """The neutral snapshot of one Stripe dispute object."""
    try:
        dispute = dispute_from_object(raw)
        stage, status = stage_and_status(dispute.status)
        fees = tuple(
            minor_to_money(t.fee, t.currency) for t in dispute.balance_transactions if t.fee
        )
        money = minor_to_money(dispute.amount, dispute.currency)
    except (msgspec.ValidationError, ValueError) as error:
        raise MappingError(f"unreadable Stripe dispute: {error}") from None
    card = dispute.payment_method_details.card if dispute.payment_method_details else None
    evidence = dispute.evidence
    details = dispute.evidence_details
    return DisputeSnapshot(
        stage=stage,
        status=status,
        provider_status=dispute.status,
        reason=neutral_reason(dispute.reason),
        provider_reason=dispute.reason,
        money=money,
        funds=funds_of(dispute, stage),
        network_reason_code=dispute.network_reason_code
        or (card.network_reason_code if card else None),
        respond_by=respond_by_of(dispute),
        payment_id=dispute.charge or dispute.payment_intent,
        customer_email=evidence.customer_email_address if evidence else None,
        customer_name=evidence.customer_name if evidence else None,
        created_at=_timestamp(dispute.created) if dispute.created else None,
        fees=fees,
        submission_count=details.submission_count if details else None,
    )


def event_from_webhook(
    event_id: str, event_type: str, created: int, account: str | None, raw: dict[str, Any]
) -> Described:
    """A ``charge.dispute.*`` event in neutral terms.

    Funds events carry the dispute object too; its status is the dispute's own status at that
    moment (so a funds event arriving first still describes the dispute), and ``funds`` records
    the money movement they announce.
    """
    snapshot = snapshot_of(raw)
    funds = snapshot.funds if event_type in FUNDS_EVENT_TYPES else None
    if funds is Funds.UNKNOWN:
        # The event itself is the evidence of the movement when the object lists no
        # transactions (some API versions and fixtures send them empty).
        funds = FUNDS_BY_EVENT_TYPE[event_type]
    return Described(
        provider=PROVIDER_ID,
        event_id=event_id,
        dispute_id=_dispute_id(raw),
        type=event_type,
        occurred_at=_timestamp(created),
        snapshot=snapshot,
        funds=funds,
        account=account,
        raw_dispute=raw,
    )


def event_from_api(raw: dict[str, Any], account: str | None, fetched_at: datetime) -> Described:
    """The dispute as the API shows it now (sync, fetch-back): a stable id per state."""
    dispute_id = _dispute_id(raw)
    return Described(
        provider=PROVIDER_ID,
        event_id=snapshot_event_id("stripe:api", dispute_id, raw),
        dispute_id=dispute_id,
        type="stripe.dispute.snapshot",
        occurred_at=fetched_at,
        snapshot=snapshot_of(raw),
        account=account,
        raw_dispute=raw,
    )


def _dispute_id(raw: dict[str, Any]) -> str:
    dispute_id = raw.get("id")
    if not isinstance(dispute_id, str) or not dispute_id:
        raise MappingError("Stripe dispute without an id")
    return dispute_id


def _timestamp(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise MappingError(f"impossible timestamp {seconds!r}") from error
