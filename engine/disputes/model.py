"""The neutral dispute model: two axes (stage, status) plus money and funds.

Every provider maps its own vocabulary onto these types and keeps its raw words beside them
(``provider_status``, ``provider_reason``), so nothing the processor said is ever lost.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import msgspec


class Stage(enum.StrEnum):
    """How far a dispute has escalated. Declaration order is escalation order."""

    PREVENTION = "prevention"
    INQUIRY = "inquiry"
    CHARGEBACK = "chargeback"
    APPEAL = "appeal"
    PRE_ARBITRATION = "pre_arbitration"
    ARBITRATION = "arbitration"

    @property
    def rank(self) -> int:
        return _STAGE_RANK[self]


_STAGE_RANK = {stage: index for index, stage in enumerate(Stage)}


class Status(enum.StrEnum):
    """Where the dispute stands within its stage."""

    RECEIVED = "received"
    """Provider intake; not actionable yet."""
    OPEN = "open"
    """Open, and unknown whether we must act (unknown provider statuses land here)."""
    FAILED = "failed"
    """Provider-side error that needs a human. Not final."""
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    PREVENTED = "prevented"
    CLOSED = "closed"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def progress(self) -> int:
        """Position in the usual course of a stage; breaks ties between simultaneous events."""
        return _PROGRESS[self]


_FINAL = frozenset(
    {Status.WON, Status.LOST, Status.ACCEPTED, Status.EXPIRED, Status.PREVENTED, Status.CLOSED}
)
_PROGRESS = {status: index for index, status in enumerate(Status)}


class Funds(enum.StrEnum):
    NOT_DEBITED = "not_debited"
    DEBITED = "debited"
    REINSTATED = "reinstated"
    PARTIALLY_REINSTATED = "partially_reinstated"
    UNKNOWN = "unknown"


class Reason(enum.StrEnum):
    """Neutral reasons. Providers keep their raw reason; unknown ones map to ``GENERAL``."""

    FRAUDULENT = "fraudulent"
    DUPLICATE = "duplicate"
    PRODUCT_NOT_RECEIVED = "product_not_received"
    PRODUCT_UNACCEPTABLE = "product_unacceptable"
    SUBSCRIPTION_CANCELED = "subscription_canceled"
    CREDIT_NOT_PROCESSED = "credit_not_processed"
    UNRECOGNIZED = "unrecognized"
    GENERAL = "general"


class Money(msgspec.Struct, frozen=True):
    """An amount in major units (``Decimal``, never float) and an upper-case ISO 4217 code."""

    amount: Decimal
    currency: str


class DisputeSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What the provider said the dispute looked like at one moment.

    ``stage`` may be ``None`` for a provider status that does not name its stage (Stripe's
    ``won``/``lost`` close whichever stage was running): the lifecycle resolves it to the stage
    the dispute was in at that moment.
    """

    stage: Stage | None
    status: Status
    provider_status: str
    reason: Reason
    provider_reason: str | None
    money: Money
    funds: Funds = Funds.UNKNOWN
    network_reason_code: str | None = None
    respond_by: datetime | None = None
    payment_id: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    created_at: datetime | None = None
    fees: tuple[Money, ...] = ()
    submission_count: int | None = None
    """Submissions the provider has recorded, where it says (Stripe's ``submission_count``)."""


class CustomerIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """Who the customer is, as the engine's evidence sources found out (Stripe's dispute object
    names no customer; its charge does)."""

    customer_id: str | None = None
    email: str | None = None
    name: str | None = None


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """What every kind of event about one dispute carries. ``type`` is the provider's own
    name for it (``charge.dispute.updated``); ``kind`` (the tag) is what the engine reads."""

    provider: str
    event_id: str
    dispute_id: str
    type: str
    occurred_at: datetime
    account: str | None = None
    raw_dispute: dict[str, object] | None = None


class Described(_Event, frozen=True, kw_only=True, tag="described"):
    """The provider described the dispute: ``snapshot`` is it as of this event (or, for
    fetch-back providers, right after). ``funds`` is set when the event also announces a money
    movement (Stripe's ``funds_withdrawn``/``funds_reinstated`` carry the dispute object)."""

    snapshot: DisputeSnapshot
    funds: Funds | None = None


class FundsMoved(_Event, frozen=True, kw_only=True, tag="funds_moved"):
    """Only money moved: never changes the status, and cannot open a dispute on its own."""

    funds: Funds


class EvidenceSent(_Event, frozen=True, kw_only=True, tag="evidence_sent"):
    """The engine's own event: evidence for the current stage reached the processor (by hand,
    for processors without an evidence API). An ``open`` status then reads ``under_review``."""


class CustomerFound(_Event, frozen=True, kw_only=True, tag="customer_found"):
    """The engine's own event: the customer's identity, filling what the processor's own
    description of the dispute leaves out (never overriding it)."""

    customer: CustomerIdentity


DisputeEvent = Described | FundsMoved | EvidenceSent | CustomerFound
"""One event about one dispute, already translated into neutral terms (a tagged union on
``kind``: match on the class, never on optional fields)."""


class DisputeState(msgspec.Struct, frozen=True, kw_only=True):
    """The dispute as the lifecycle derives it from all its events: a pure value."""

    provider: str
    dispute_id: str
    account: str | None
    stage: Stage
    status: Status
    provider_status: str
    reason: Reason
    provider_reason: str | None
    money: Money
    funds: Funds
    network_reason_code: str | None
    respond_by: datetime | None
    payment_id: str | None
    customer_id: str | None
    customer_email: str | None
    customer_name: str | None
    created_at: datetime | None
    fees: tuple[Money, ...]
    submission_count: int | None
    last_event_at: datetime
    raw_dispute: dict[str, object] | None


def snapshot_of(state: DisputeState) -> DisputeSnapshot:
    """The snapshot that describes ``state`` as it is (for the engine's own events about it)."""
    return DisputeSnapshot(
        stage=state.stage,
        status=state.status,
        provider_status=state.provider_status,
        reason=state.reason,
        provider_reason=state.provider_reason,
        money=state.money,
        funds=state.funds,
        network_reason_code=state.network_reason_code,
        respond_by=state.respond_by,
        payment_id=state.payment_id,
        customer_id=state.customer_id,
        customer_email=state.customer_email,
        customer_name=state.customer_name,
        created_at=state.created_at,
        fees=state.fees,
        submission_count=state.submission_count,
    )
