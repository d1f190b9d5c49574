"""Early fraud warnings (``/v1/radar/early_fraud_warnings``) and refunds (``/v1/refunds``).

As Stripe documents them: a warning names a charge, its ``fraud_type`` and whether it is
``actionable`` ("not yet disputed and not fully refunded"); it arrives as
``radar.early_fraud_warning.created`` and changes as ``…updated``. A refund needs ``charge`` or
``payment_intent``; Stripe refuses one for a charge already refunded (``charge_already_refunded``)
or charged back (``charge_disputed``), and an amount above what is left.
"""

from __future__ import annotations

import copy
from typing import Any

from emulators.stripe.errors import invalid, missing
from emulators.stripe.params import refuse_unknown
from emulators.stripe.state import PLATFORM_ACCOUNT, Owned, StripeState

FRAUD_TYPES = frozenset(
    {
        "card_never_received",
        "fraudulent_card_application",
        "made_with_counterfeit_card",
        "made_with_lost_card",
        "made_with_stolen_card",
        "misc",
        "unauthorized_use_of_card",
    }
)
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
REFUND_PARAMS = frozenset(
    {
        "amount",
        "charge",
        "currency",
        "customer",
        "expand",
        "instructions_email",
        "metadata",
        "origin",
        "payment_intent",
        "reason",
        "refund_application_fee",
        "reverse_transfer",
    }
)


def add_early_fraud_warning(
    state: StripeState,
    charge_id: str,
    *,
    fraud_type: str = "made_with_stolen_card",
    actionable: bool = True,
) -> dict[str, Any]:
    """A warning on ``charge_id`` from the card network, announced by webhook."""
    if fraud_type not in FRAUD_TYPES:
        raise ValueError(f"fraud_type must be one of {', '.join(sorted(FRAUD_TYPES))}")
    with state.lock:
        owned = state.charges.get(charge_id)
        if owned is None:
            raise KeyError(f"no charge {charge_id}")
        charge = owned.object
        warning_id = state.new_id("issfr")
        warning = {
            "id": warning_id,
            "object": "radar.early_fraud_warning",
            "actionable": actionable,
            "charge": charge_id,
            "created": state.now(),
            "fraud_type": fraud_type,
            "livemode": False,
            "payment_intent": charge.get("payment_intent"),
        }
        state.early_fraud_warnings[warning_id] = Owned(owned.account, warning)
        state._emit("radar.early_fraud_warning.created", owned.account, copy.deepcopy(warning))
        return copy.deepcopy(warning)


def create_refund(state: StripeState, account: str, params: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown(params, REFUND_PARAMS)
    reason = params.get("reason")
    if reason is not None and reason not in REFUND_REASONS:
        raise invalid(
            f"Invalid reason: must be one of {', '.join(sorted(REFUND_REASONS))}", param="reason"
        )
    with state.lock:
        charge = _charge_of(state, account, params)
        if charge["disputed"]:
            raise invalid(
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        left = charge["amount"] - charge["amount_refunded"]
        if left <= 0:
            raise invalid(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = _amount(params.get("amount"), left)
        refund_id = state.new_id("re")
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": state.new_id("txn"),
            "charge": charge["id"],
            "created": state.now(),
            "currency": charge["currency"],
            "metadata": dict(params.get("metadata") or {}),
            "payment_intent": charge.get("payment_intent"),
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        state.refunds[refund_id] = Owned(account, refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        state._emit("charge.refunded", account, copy.deepcopy(charge))
        if charge["refunded"]:
            _no_longer_actionable(state, account, charge["id"])
        return copy.deepcopy(refund)


def _charge_of(state: StripeState, account: str, params: dict[str, Any]) -> dict[str, Any]:
    charge_id, intent = params.get("charge"), params.get("payment_intent")
    if not charge_id and not intent:
        raise invalid("One of `charge` or `payment_intent` is required.", param="charge")
    for owned in state.charges.values():
        charge = owned.object
        if owned.account == account and (
            charge["id"] == charge_id or (intent and charge.get("payment_intent") == intent)
        ):
            return charge
    if charge_id:
        raise missing("charge", str(charge_id), "charge")
    raise missing("payment_intent", str(intent), "payment_intent")


def _amount(value: Any, left: int) -> int:
    if value is None:
        return left
    try:
        amount = int(value)
    except (TypeError, ValueError):
        raise invalid("Invalid integer: amount", param="amount") from None
    if amount <= 0:
        raise invalid("Refund amount must be positive.", param="amount")
    if amount > left:
        raise invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            param="amount",
        )
    return amount


def _no_longer_actionable(state: StripeState, account: str, charge_id: str) -> None:
    for owned in state.early_fraud_warnings.values():
        warning = owned.object
        if warning["charge"] == charge_id and warning["actionable"]:
            warning["actionable"] = False
            state._emit(
                "radar.early_fraud_warning.updated",
                account,
                copy.deepcopy(warning),
                previous={"actionable": True},
            )


__all__ = ["PLATFORM_ACCOUNT", "add_early_fraud_warning", "create_refund"]
