"""The neutral early fraud warning: what a provider hands the engine, and what the engine decided.

A provider translates its own warning object (Stripe's ``radar.early_fraud_warning``) into a
:class:`FraudWarning`; the engine stores it and decides whether to refund the charge. The
processor's own words (``fraud_type``) are kept verbatim: new values appear without notice.
"""

from __future__ import annotations

import enum
from datetime import datetime

import msgspec

from engine.disputes.model import Money


class FraudWarning(msgspec.Struct, frozen=True, kw_only=True):
    """One warning as the processor describes it now (an event carries the whole object)."""

    provider: str
    warning_id: str
    charge_id: str
    account: str | None = None
    """The connected account the charge belongs to (``None``: the platform's own)."""
    payment_id: str | None = None
    """The processor's payment (Stripe: the payment intent), when it has one."""
    fraud_type: str
    actionable: bool
    """The processor's view: not yet disputed and not fully refunded."""
    created_at: datetime
    """When the processor raised the warning."""
    observed_at: datetime
    """When the processor described it so (the event's time): a later description wins."""


class RefundDecision(enum.StrEnum):
    """What the engine did about a warning (``EarlyFraudWarning.decision``).

    ``recorded`` and ``refund_pending`` are work the worker still has to do; every other value is
    final and announced once.
    """

    RECORDED = "recorded"
    """Stored; the worker has not read the charge yet."""
    REFUND_PENDING = "refund_pending"
    """The refund was decided and its idempotency key written; the processor may not have it
    yet. A retry resends the same key, so it can never refund twice."""
    REFUNDED = "refunded"
    NOT_REFUNDED_DISPUTED = "not_refunded_disputed"
    NOT_REFUNDED_ALREADY_REFUNDED = "not_refunded_already_refunded"
    NOT_REFUNDED_ABOVE_THRESHOLD = "not_refunded_above_threshold"
    NOT_REFUNDED_OFF = "not_refunded_off"
    """``DISPUTES_EFW_REFUND_BELOW`` is not set: record and notify only."""
    NOT_REFUNDED_UNSUPPORTED = "not_refunded_unsupported"
    """The provider cannot refund through its API."""
    REFUND_FAILED = "refund_failed"
    """The processor refused the refund or never answered; ``decision_detail`` says what."""

    @property
    def is_final(self) -> bool:
        return self not in _OPEN


_OPEN = frozenset({RefundDecision.RECORDED, RefundDecision.REFUND_PENDING})
OPEN_DECISIONS = _OPEN
"""Decisions the worker still has to act on."""


class FraudWarningView(msgspec.Struct, frozen=True, kw_only=True):
    """A stored warning as people see it (notifications, the dashboard, the API)."""

    provider: str
    warning_id: str
    charge_id: str
    payment_id: str | None
    fraud_type: str
    actionable: bool
    money: Money | None
    """The charge's amount, once the worker has read the charge."""
    decision: RefundDecision
    decision_detail: str | None
    refund_id: str | None
    created_at: datetime
    decided_at: datetime | None


def refund_idempotency_key(warning_id: str) -> str:
    """The one key every refund attempt for ``warning_id`` carries, from any worker, ever."""
    return f"efw-refund-{warning_id}"
