"""The API's response shapes, as msgspec Structs: they are both what is encoded
and what the OpenAPI schema is generated from, so the two cannot drift apart.

Every field is always present (``None`` encodes as ``null``); amounts are decimal strings.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

import msgspec

from engine.db.models import Dispute, DisputeEventRow, EvidenceState, EvidenceVersion
from engine.decisions.assess import assess, packet_is_complete
from engine.decisions.decision import Decision, decision_of
from engine.decisions.expected_value import Recommendation, WinHistory
from engine.disputes.model import Funds, Stage, Status
from engine.disputes.money import format_amount
from engine.evidence.archive import decode_archived
from engine.evidence.readiness import Readiness, version_readiness
from engine.evidence.visa_ce3.view import ce3_view

DecimalText = Annotated[str, msgspec.Meta(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]
"""An exact amount in major units: ``"798.29"``."""
CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]


class FileOut(msgspec.Struct, kw_only=True, omit_defaults=False):
    kind: str
    url: str | None
    sha256: str | None
    bytes: int | None


class ReadinessOut(msgspec.Struct, kw_only=True):
    complete: bool
    missing: list[str]


class Ce3Out(msgspec.Struct, kw_only=True):
    qualified: bool
    reasons: list[str]
    prior_payments: list[str]
    status_before: str | None
    """The processor's CE 3.0 status when the version was built."""
    required_actions_before: list[str]


def _ce3_out(sources: dict[str, Any] | None) -> Ce3Out | None:
    view = ce3_view(sources)
    if view is None:
        return None
    return Ce3Out(
        qualified=view.qualified,
        reasons=view.reasons,
        prior_payments=view.prior_payments,
        status_before=view.status_before,
        required_actions_before=view.required_actions_before,
    )


class EvidenceOut(msgspec.Struct, kw_only=True):
    state: str
    version: int | None
    submitted_at: datetime | None
    fields: dict[str, str]
    files: list[FileOut]
    readiness: ReadinessOut
    visa_ce3: Ce3Out | None = None
    """Visa Compelling Evidence 3.0, when the processor offers it: whether the latest version
    qualifies and, if not, why (``null`` when not offered)."""


class EventOut(msgspec.Struct, kw_only=True):
    id: str
    type: str
    occurred_at: datetime
    status: str | None
    applied: bool


class FeeKind(enum.StrEnum):
    DISPUTE_FEE = "dispute_fee"


class FeeOut(msgspec.Struct, kw_only=True):
    amount: DecimalText
    currency: CurrencyCode
    kind: FeeKind


class ExpectedValueOut(msgspec.Struct, kw_only=True):
    currency: CurrencyCode
    value_of_fighting: DecimalText
    """Expected money back from fighting minus the expected countered fee, versus accepting."""
    win_probability: DecimalText
    win_rate_cases: int
    """Decided disputes of this reason the win rate comes from (a prior fills in for few)."""
    dispute_fee: DecimalText
    countered_fee: DecimalText
    packet_complete: bool
    recommendation: Recommendation


def expected_value_out(
    dispute: Dispute, latest: EvidenceVersion | None, histories: Mapping[str, WinHistory]
) -> ExpectedValueOut | None:
    history = histories.get(dispute.reason, WinHistory())
    complete = packet_is_complete(dispute, latest)
    numbers = assess(dispute, history, complete)
    if numbers is None:
        return None
    return ExpectedValueOut(
        currency=dispute.currency,
        value_of_fighting=format_amount(numbers.value_of_fighting),
        win_probability=format_amount(numbers.win_probability),
        win_rate_cases=history.decided,
        dispute_fee=format_amount(numbers.dispute_fee),
        countered_fee=format_amount(numbers.countered_fee),
        packet_complete=complete,
        recommendation=numbers.recommendation,
    )


class DisputeOut(msgspec.Struct, kw_only=True):
    provider: str
    dispute_id: str
    account: str | None
    stage: Stage
    status: Status
    provider_status: str
    reason: str
    provider_reason: str | None
    network_reason_code: str | None
    amount: DecimalText
    currency: CurrencyCode
    funds: Funds
    respond_by: datetime | None
    payment_id: str | None
    customer_email: str | None
    customer_name: str | None
    created_at: datetime | None
    updated_at: datetime
    evidence: EvidenceOut
    events: list[EventOut]
    fees: list[FeeOut]
    decision: Decision | None
    expected_value: ExpectedValueOut | None
    """The numbers for fighting versus accepting; ``null`` once the dispute is decided."""


class DisputePage(msgspec.Struct, kw_only=True):
    items: list[DisputeOut]
    next_cursor: str | None


class ErrorOut(msgspec.Struct, kw_only=True):
    error: str


LinkFor = Callable[[dict[str, Any]], str | None]


def public_fields(version: EvidenceVersion) -> dict[str, str]:
    """The neutral text fields; ``_``-prefixed entries are the engine's own bookkeeping."""
    return {
        name: value if isinstance(value, str) else msgspec.json.encode(value).decode()
        for name, value in sorted(version.fields.items())
        if not name.startswith("_")
    }


def evidence_out(
    dispute: Dispute, latest: EvidenceVersion | None, link_for: LinkFor
) -> EvidenceOut:
    if latest is None:
        return EvidenceOut(
            state=dispute.evidence_state or EvidenceState.NONE,
            version=None,
            submitted_at=None,
            fields={},
            files=[],
            readiness=_readiness(version_readiness(dispute.reason, {}, [])),
        )
    return EvidenceOut(
        state=dispute.evidence_state,
        version=latest.version,
        submitted_at=latest.submitted_at,
        fields=public_fields(latest),
        files=[
            FileOut(
                kind=str(record.get("kind") or "file"),
                url=link_for(record),
                sha256=record.get("sha256"),
                bytes=record.get("bytes"),
            )
            for record in latest.files
        ],
        readiness=_readiness(
            version_readiness(dispute.reason, latest.fields, decode_archived(latest.files))
        ),
        visa_ce3=_ce3_out(latest.sources),
    )


def _readiness(found: Readiness) -> ReadinessOut:
    return ReadinessOut(complete=found.complete, missing=found.missing)


def event_out(row: DisputeEventRow) -> EventOut:
    return EventOut(
        id=row.event_id,
        type=row.type,
        occurred_at=row.occurred_at,
        status=row.status,
        applied=row.applied,
    )


def dispute_out(
    dispute: Dispute,
    events: list[DisputeEventRow],
    latest: EvidenceVersion | None,
    link_for: LinkFor,
    histories: Mapping[str, WinHistory],
) -> DisputeOut:
    return DisputeOut(
        provider=dispute.provider,
        dispute_id=dispute.dispute_id,
        account=dispute.account,
        stage=Stage(dispute.stage),
        status=Status(dispute.status),
        provider_status=dispute.provider_status,
        reason=dispute.reason,
        provider_reason=dispute.provider_reason,
        network_reason_code=dispute.network_reason_code,
        amount=dispute.amount,
        currency=dispute.currency,
        funds=Funds(dispute.funds),
        respond_by=dispute.respond_by,
        payment_id=dispute.payment_id,
        customer_email=dispute.customer_email,
        customer_name=dispute.customer_name,
        created_at=dispute.created_at,
        updated_at=dispute.updated_at,
        evidence=evidence_out(dispute, latest, link_for),
        events=[event_out(event) for event in events],
        # Every fee stored today is the processor's dispute fee (Stripe's from the balance
        # transactions, Paystand's flat one).
        fees=[
            FeeOut(amount=fee["amount"], currency=fee["currency"], kind=FeeKind.DISPUTE_FEE)
            for fee in dispute.fees
        ],
        decision=decision_of((event.type for event in events), dispute.evidence_state),
        expected_value=expected_value_out(dispute, latest, histories),
    )
