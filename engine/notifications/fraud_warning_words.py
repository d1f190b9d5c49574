"""The words of an early fraud warning's announcement, in plain text (see ``messages``): the
amount, the charge, the fraud type, and what the engine did about it."""

from __future__ import annotations

from engine.disputes.money import format_amount
from engine.fraud_warnings.model import FraudWarningView, RefundDecision
from engine.notifications.notifier import FraudWarningNotification

_DONE = {
    RefundDecision.RECORDED: "Recorded; the charge is not read yet.",
    RefundDecision.REFUND_PENDING: "A refund is on its way.",
    RefundDecision.REFUNDED: "Refunded automatically: no dispute, no dispute fee.",
    RefundDecision.NOT_REFUNDED_DISPUTED: "Not refunded: the charge is already disputed.",
    RefundDecision.NOT_REFUNDED_ALREADY_REFUNDED: "Not refunded: it was refunded already.",
    RefundDecision.NOT_REFUNDED_ABOVE_THRESHOLD: (
        "Not refunded: the amount is not below DISPUTES_EFW_REFUND_BELOW."
    ),
    RefundDecision.NOT_REFUNDED_OFF: (
        "Not refunded: automatic refunds are off (DISPUTES_EFW_REFUND_BELOW is not set)."
    ),
    RefundDecision.NOT_REFUNDED_UNSUPPORTED: "Not refunded: the processor cannot refund by API.",
    RefundDecision.REFUND_FAILED: "⚠️ The refund failed: refund it by hand if you want to.",
}


def render_fraud_warning(notification: FraudWarningNotification) -> str:
    warning = notification.warning
    lines = [
        f"🚩 Early fraud warning: {_amount(warning)}",
        f"{warning.provider} charge {warning.charge_id}",
        f"Fraud type: {warning.fraud_type.replace('_', ' ')}",
        _done(warning),
    ]
    if warning.decision is RefundDecision.REFUND_FAILED and warning.decision_detail:
        lines.append(f"Problem: {warning.decision_detail}")
    if notification.dashboard_url:
        lines.append(notification.dashboard_url)
    return "\n".join(lines)


def _amount(warning: FraudWarningView) -> str:
    if warning.money is None:
        return "amount not known"
    return f"{format_amount(warning.money.amount)} {warning.money.currency}"


def _done(warning: FraudWarningView) -> str:
    done = _DONE[warning.decision]
    if warning.decision is RefundDecision.REFUNDED and warning.refund_id:
        return f"{done} (refund {warning.refund_id})"
    return done
