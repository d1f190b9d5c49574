"""Required and recommended evidence per neutral reason (``domain/stripe.md``,
"Per-reason evidence"), and a version's readiness against them.

A requirement is a group of fields of which any one will do (a refund policy as a file *or* as
disclosure text). The receipt and service documentation PDFs are always built, so they prove
nothing on their own: the groups name the fields only real data fills.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from engine.disputes.model import Reason
from engine.evidence.archive import ArchivedFile
from engine.evidence.model import FileField, TextField

Field = TextField | FileField


class Requirement(msgspec.Struct, frozen=True):
    """Any one of ``fields`` satisfies it."""

    fields: tuple[Field, ...]

    @property
    def label(self) -> str:
        return " or ".join(item.value for item in self.fields)

    def met_by(self, present: frozenset[str]) -> bool:
        return any(item.value in present for item in self.fields)


def _any(*fields: Field) -> Requirement:
    return Requirement(fields)


_T, _F = TextField, FileField
REQUIREMENTS: dict[Reason, tuple[tuple[Requirement, ...], tuple[Requirement, ...]]] = {
    # (required, recommended)
    Reason.FRAUDULENT: (
        (
            _any(_T.CUSTOMER_NAME, _T.CUSTOMER_EMAIL_ADDRESS),
            _any(_T.ACCESS_ACTIVITY_LOG, _T.CUSTOMER_PURCHASE_IP, _T.BILLING_ADDRESS),
        ),
        (
            _any(_T.ACCESS_ACTIVITY_LOG),
            _any(_T.CUSTOMER_PURCHASE_IP),
            _any(_T.BILLING_ADDRESS),
            _any(_F.CUSTOMER_COMMUNICATION),
        ),
    ),
    Reason.PRODUCT_NOT_RECEIVED: (
        (
            _any(_T.SHIPPING_DATE, _T.SERVICE_DATE),
            _any(_T.SHIPPING_TRACKING_NUMBER, _F.SHIPPING_DOCUMENTATION, _T.ACCESS_ACTIVITY_LOG),
        ),
        (_any(_T.SHIPPING_CARRIER, _T.ACCESS_ACTIVITY_LOG), _any(_F.CUSTOMER_COMMUNICATION)),
    ),
    Reason.PRODUCT_UNACCEPTABLE: (
        (_any(_T.PRODUCT_DESCRIPTION), _any(_F.REFUND_POLICY, _T.REFUND_POLICY_DISCLOSURE)),
        (_any(_T.REFUND_REFUSAL_EXPLANATION), _any(_F.CUSTOMER_COMMUNICATION)),
    ),
    Reason.SUBSCRIPTION_CANCELED: (
        (
            _any(_F.CANCELLATION_POLICY, _T.CANCELLATION_POLICY_DISCLOSURE),
            _any(_T.CANCELLATION_REBUTTAL),
        ),
        (_any(_T.ACCESS_ACTIVITY_LOG), _any(_F.CUSTOMER_COMMUNICATION)),
    ),
    Reason.CREDIT_NOT_PROCESSED: (
        (
            _any(_F.REFUND_POLICY, _T.REFUND_POLICY_DISCLOSURE),
            _any(_T.REFUND_REFUSAL_EXPLANATION),
        ),
        (_any(_F.CUSTOMER_COMMUNICATION),),
    ),
    Reason.DUPLICATE: (
        (
            _any(_T.DUPLICATE_CHARGE_ID, _F.DUPLICATE_CHARGE_DOCUMENTATION),
            _any(_T.DUPLICATE_CHARGE_EXPLANATION),
        ),
        (_any(_F.DUPLICATE_CHARGE_DOCUMENTATION),),
    ),
    Reason.UNRECOGNIZED: (
        (_any(_T.PRODUCT_DESCRIPTION), _any(_T.CUSTOMER_NAME, _T.CUSTOMER_EMAIL_ADDRESS)),
        (_any(_T.ACCESS_ACTIVITY_LOG), _any(_F.CUSTOMER_COMMUNICATION)),
    ),
    Reason.GENERAL: (
        (_any(_T.PRODUCT_DESCRIPTION),),
        (_any(_F.UNCATEGORIZED_FILE, _F.CUSTOMER_COMMUNICATION),),
    ),
}


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    complete: bool
    missing: list[str]
    """Required evidence not in the version (each ``a or b`` when any one will do)."""
    recommended_missing: list[str]
    present: list[str]
    """Requirements (required and recommended) the version meets, for the checklist."""


def readiness_of(reason: str, present_fields: Iterable[str]) -> Readiness:
    """Readiness of a packet holding ``present_fields`` for a dispute of neutral ``reason``
    (an unknown reason is judged as ``general``)."""
    try:
        neutral = Reason(reason)
    except ValueError:
        neutral = Reason.GENERAL
    present = frozenset(present_fields)
    required, recommended = REQUIREMENTS[neutral]
    missing = [item.label for item in required if not item.met_by(present)]
    return Readiness(
        complete=not missing,
        missing=missing,
        recommended_missing=[item.label for item in recommended if not item.met_by(present)],
        present=[item.label for item in (*required, *recommended) if item.met_by(present)],
    )


def version_readiness(
    reason: str, fields: Mapping[str, Any], files: Iterable[ArchivedFile]
) -> Readiness:
    """Readiness of a stored version: its non-empty text fields and the files in its packet."""
    present = {
        name
        for name, value in fields.items()
        if not name.startswith("_") and isinstance(value, str) and value.strip()
    }
    present.update(archived.kind for archived in files if archived.in_packet)
    return readiness_of(reason, present)
