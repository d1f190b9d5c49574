"""Whether one dispute gets a CE 3.0 block, from what the sources found.

The processor's own source says whether CE 3.0 is offered (and its status before anything is
sent); every source may contribute per-payment facts. The outcome is recorded on the evidence
version (``sources["_visa_ce3"]``) so the detail page and the API can say why a dispute does not
qualify, and the block itself rides with the packet to the provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from engine.disputes.model import DisputeState
from engine.evidence.visa_ce3.model import Ce3Evidence, Eligibility, PaymentRecord
from engine.evidence.visa_ce3.rules import VISA_FRAUD_CODE, NotQualified, plan

RECORD_KEY = "_visa_ce3"
"""Where the outcome lives in an evidence version's ``sources`` and the block in its ``fields``."""
VISA_CE3_RESPONSE_KEY = "visa_ce3"
"""Where a provider's submission receipt puts the processor's CE 3.0 verdict after sending:
``{"sent": bool, "status": str | None, "required_actions": [str]}``."""


class Assessment(msgspec.Struct, frozen=True, kw_only=True):
    qualified: bool
    reasons: tuple[str, ...] = ()
    before: Eligibility | None = None
    evidence: Ce3Evidence | None = None

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"qualified": self.qualified, "reasons": list(self.reasons)}
        if self.before is not None:
            record["before"] = {
                "status": self.before.status,
                "required_actions": list(self.before.required_actions),
            }
        if self.evidence is not None:
            record["prior_payments"] = [prior.payment_id for prior in self.evidence.priors]
        return record


def merge_payments(records: Iterable[PaymentRecord]) -> dict[str, PaymentRecord]:
    """One record per payment id, the first word on each element standing (the processor's
    source runs first)."""
    merged: dict[str, PaymentRecord] = {}
    for record in records:
        known = merged.get(record.payment_id)
        merged[record.payment_id] = record if known is None else known.merged(record)
    return merged


def assess(
    dispute: DisputeState,
    eligibility: Eligibility | None,
    payments: dict[str, PaymentRecord],
    *,
    product_description: str | None,
) -> Assessment | None:
    """``None`` when the processor does not offer CE 3.0 for this dispute (nothing to say)."""
    if eligibility is None or not eligibility.offered:
        return None
    if dispute.network_reason_code != VISA_FRAUD_CODE:
        return Assessment(
            qualified=False,
            reasons=(
                f"the dispute's network reason code is {dispute.network_reason_code}, not "
                f"Visa {VISA_FRAUD_CODE}",
            ),
            before=eligibility,
        )
    disputed = payments.get(dispute.payment_id or "")
    if disputed is None:
        return Assessment(
            qualified=False,
            reasons=("nothing is known about the disputed payment",),
            before=eligibility,
        )
    described = [_described(record, product_description) for record in payments.values()]
    outcome = plan(_described(disputed, product_description), described)
    if isinstance(outcome, NotQualified):
        return Assessment(qualified=False, reasons=outcome.reasons, before=eligibility)
    return Assessment(qualified=True, before=eligibility, evidence=outcome)


def _described(record: PaymentRecord, fallback: str | None) -> PaymentRecord:
    """The seller's product description where the payment has none of its own."""
    if record.product_description or not fallback:
        return record
    return msgspec.structs.replace(record, product_description=fallback)


def encode_evidence(evidence: Ce3Evidence) -> str:
    return msgspec.json.encode(evidence).decode()


def decode_evidence(text: str) -> Ce3Evidence:
    return msgspec.json.decode(text, type=Ce3Evidence)
