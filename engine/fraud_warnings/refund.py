"""Refunding charges with an early fraud warning (``DISPUTES_EFW_REFUND_BELOW``), as worker work.

About four in five warned charges become disputes; a refund before that prevents the dispute
and its fee. Rules, in the order they are applied:

* the worker claims a due warning row in a transaction (``SKIP LOCKED``, a lease): one worker
  at a time, and a worker that died is taken over once the lease ran out;
* it reads the charge from the processor first and records its amount; a charge already
  disputed or already refunded is never refunded, nor one whose amount is not below the
  threshold, nor any when the setting is unset — each decision records why;
* a refund is decided by committing ``refund_pending`` before the processor is called, and
  every attempt sends the same idempotency key (``efw-refund-<warning id>``): duplicate
  deliveries, retries, a crash and two workers all end in one refund;
* 429, 5xx and network failures retry later with the engine's backoff; a refusal re-reads the
  charge, so a dispute or refund that came first is recorded as such;
* every final decision is announced once, in the transaction that records it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.disputes.money import format_amount
from engine.errors import DisputeEngineError, ProviderRejected, ProviderUnavailable
from engine.fraud_warnings.model import RefundDecision, refund_idempotency_key
from engine.notifications.outbox import announce_fraud_warning
from engine.plugins.provider import ChargeFacts, DisputeProvider
from engine.runtime import Runtime
from engine.work.backoff import Backoff

log = logging.getLogger("disputes.fraud_warnings")

VARIABLE = "DISPUTES_EFW_REFUND_BELOW"


@dataclass(frozen=True)
class RefundPolicy(Backoff):
    """Retries of warning work: the engine's one backoff rule, and the claim's lease."""

    lease: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class Verdict:
    decision: RefundDecision
    detail: str | None = None


def decide(charge: ChargeFacts, threshold: Decimal | None) -> Verdict:
    """What to do about a warned charge: refund (``refund_pending``) or why not."""
    if charge.disputed:
        return Verdict(RefundDecision.NOT_REFUNDED_DISPUTED, "the charge is already disputed")
    if charge.refunded:
        return Verdict(RefundDecision.NOT_REFUNDED_ALREADY_REFUNDED, "the charge was refunded")
    if threshold is None:
        return Verdict(RefundDecision.NOT_REFUNDED_OFF, f"{VARIABLE} is not set")
    if charge.money.amount >= threshold:
        amount = f"{format_amount(charge.money.amount)} {charge.money.currency}"
        return Verdict(
            RefundDecision.NOT_REFUNDED_ABOVE_THRESHOLD,
            f"{amount} is not below {VARIABLE} ({format_amount(threshold)})",
        )
    return Verdict(RefundDecision.REFUND_PENDING)


@dataclass(frozen=True)
class _Claimed:
    pk: int
    provider: str
    warning_id: str
    charge_id: str
    account: str | None
    decision: RefundDecision
    attempts: int


def refund_next(runtime: Runtime, worker_id: str, policy: RefundPolicy) -> bool:
    """Do the work of at most one due warning; True if there was one."""
    claimed = _claim(runtime.database, worker_id, policy.lease)
    if claimed is None:
        return False
    if claimed.attempts > policy.max_attempts:
        # Every earlier claim ran out its lease: doing it again will not help.
        _finish(runtime, claimed, Verdict(RefundDecision.REFUND_FAILED, "the work never ended"))
        return True
    try:
        _work(runtime, claimed)
    except ProviderUnavailable as error:
        _retry_later(runtime, claimed, policy, str(error))
    except DisputeEngineError as error:
        _finish(runtime, claimed, Verdict(RefundDecision.REFUND_FAILED, str(error)))
    except Exception as error:
        log.exception("early fraud warning %s: work failed", claimed.warning_id)
        detail = f"internal error: {type(error).__name__}: {error}"
        _finish(runtime, claimed, Verdict(RefundDecision.REFUND_FAILED, detail))
    return True


def _work(runtime: Runtime, claimed: _Claimed) -> None:
    provider = runtime.provider(claimed.provider)
    if not provider.capabilities.supports_refund:
        verdict = Verdict(
            RefundDecision.NOT_REFUNDED_UNSUPPORTED,
            f"{provider.display_name} cannot refund charges through its API",
        )
        _finish(runtime, claimed, verdict)
        return
    if claimed.decision is RefundDecision.RECORDED:
        charge = provider.read_charge(claimed.charge_id, claimed.account)
        verdict = decide(charge, runtime.settings.efw_refund_below)
        if verdict.decision is not RefundDecision.REFUND_PENDING:
            _finish(runtime, claimed, verdict, charge=charge)
            return
        if not _mark_pending(runtime.database, claimed, charge):
            return  # decided meanwhile by another worker
    _refund(runtime, provider, claimed)


def _refund(runtime: Runtime, provider: DisputeProvider, claimed: _Claimed) -> None:
    try:
        refund_id = provider.refund_charge(
            claimed.charge_id,
            claimed.account,
            idempotency_key=refund_idempotency_key(claimed.warning_id),
            warning_id=claimed.warning_id,
        )
    except ProviderRejected as refusal:
        # A dispute or a refund may have come first: the charge says which.
        charge = provider.read_charge(claimed.charge_id, claimed.account)
        verdict = decide(charge, None)
        if verdict.decision is RefundDecision.NOT_REFUNDED_OFF:
            verdict = Verdict(RefundDecision.REFUND_FAILED, str(refusal))
        _finish(runtime, claimed, verdict, charge=charge)
        return
    log.info("early fraud warning %s: charge %s refunded", claimed.warning_id, claimed.charge_id)
    _finish(runtime, claimed, Verdict(RefundDecision.REFUNDED), refund_id=refund_id)


def _claim(database: Database, worker_id: str, lease: timedelta) -> _Claimed | None:
    now = utcnow()
    with database.transaction() as session:
        row = session.scalars(
            select(EarlyFraudWarning)
            .where(EarlyFraudWarning.work_not_before <= now)
            .order_by(EarlyFraudWarning.work_not_before, EarlyFraudWarning.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        row.work_not_before = now + lease
        row.work_claimed_by = worker_id
        row.work_attempts += 1
        return _Claimed(
            pk=row.id,
            provider=row.provider,
            warning_id=row.warning_id,
            charge_id=row.charge_id,
            account=row.account,
            decision=row.decision,
            attempts=row.work_attempts,
        )


def _lock(session: Session, pk: int) -> EarlyFraudWarning:
    return session.scalars(
        select(EarlyFraudWarning).where(EarlyFraudWarning.id == pk).with_for_update()
    ).one()


def _mark_pending(database: Database, claimed: _Claimed, charge: ChargeFacts) -> bool:
    """Commit the decision to refund before the processor hears of it. False when the warning
    was decided meanwhile (a worker that took over after the lease)."""
    with database.transaction() as session:
        row = _lock(session, claimed.pk)
        if row.decision.is_final:
            return False
        row.decision = RefundDecision.REFUND_PENDING
        _record_charge(row, charge)
        row.updated_at = utcnow()
        return True


def _finish(
    runtime: Runtime,
    claimed: _Claimed,
    verdict: Verdict,
    *,
    charge: ChargeFacts | None = None,
    refund_id: str | None = None,
) -> None:
    """Record a final decision and announce it, once: the first final decision stands."""
    with runtime.database.transaction() as session:
        row = _lock(session, claimed.pk)
        if row.decision.is_final:
            return
        now = utcnow()
        row.decision, row.decision_detail = verdict.decision, verdict.detail
        if refund_id is not None:
            row.refund_id = refund_id
        if charge is not None:
            _record_charge(row, charge)
        row.decided_at = row.updated_at = now
        row.work_not_before = row.work_claimed_by = row.work_error = None
        announce_fraud_warning(session, runtime.notifiers, row, key="decided")
    if verdict.decision is RefundDecision.REFUND_FAILED:
        log.error("early fraud warning %s: %s", claimed.warning_id, verdict.detail)


def _retry_later(runtime: Runtime, claimed: _Claimed, policy: RefundPolicy, error: str) -> None:
    if claimed.attempts >= policy.max_attempts:
        detail = f"gave up after {claimed.attempts} attempts: {error}"
        _finish(runtime, claimed, Verdict(RefundDecision.REFUND_FAILED, detail))
        return
    delay = policy.delay(claimed.attempts)
    with runtime.database.transaction() as session:
        row = _lock(session, claimed.pk)
        if row.decision.is_final or row.work_claimed_by is None:
            return
        row.work_not_before = utcnow() + delay
        row.work_claimed_by = None
        row.work_error = error[:2000]
    log.warning(
        "early fraud warning %s: %s (attempt %d), retrying in %s",
        claimed.warning_id,
        error,
        claimed.attempts,
        delay,
    )


def _record_charge(row: EarlyFraudWarning, charge: ChargeFacts) -> None:
    row.amount = format_amount(charge.money.amount)
    row.currency = charge.money.currency
