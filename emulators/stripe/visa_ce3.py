"""Visa Compelling Evidence 3.0 as the emulator's Stripe judges it.

Written apart from the engine's rules on purpose (the emulator is the yardstick). The block's
shape is stripe-python 16's ``DisputeUpdateParamsEvidenceEnhancedEvidenceVisaCompellingEvidence3``:
``disputed_transaction`` (strings, ``merchandise_or_services`` ∈ merchandise|services, a
``shipping_address`` hash) and ``prior_undisputed_transactions``, a list of exactly two hashes
each with a ``charge``. Unknown keys are refused as Stripe refuses them.

Eligibility (``evidence_details.enhanced_eligibility.visa_compelling_evidence_3``):
``not_qualified`` when the account holds fewer than two paid, undisputed, unrefunded charges of
the disputed charge's customer 120 to 365 days before it; otherwise ``requires_action`` with the
``required_actions`` still open, and ``qualified`` once the staged block satisfies Visa: product
descriptions everywhere, merchandise or services, and each prior matching the disputed
transaction on two main elements (IP, device id or fingerprint, account id) or one main and one
secondary (shipping address, email).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime
from typing import Any

from emulators.stripe.errors import invalid, missing

PROGRAM = "visa_compelling_evidence_3"
ENHANCED_KEYS = frozenset({PROGRAM, "visa_compliance", "mastercard_compliance"})
_TRANSACTION_TEXT = frozenset(
    {
        "customer_account_id",
        "customer_device_fingerprint",
        "customer_device_id",
        "customer_email_address",
        "customer_purchase_ip",
        "product_description",
    }
)
_ADDRESS = ("city", "country", "line1", "line2", "postal_code", "state")


def _day(timestamp: int) -> date:
    """The calendar day (UTC) a charge was processed: Visa counts calendar days."""
    return datetime.fromtimestamp(timestamp, tz=UTC).date()


def _text(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise invalid("Invalid string", param=param)
    if len(value) > 5000:
        raise invalid("Invalid string: at most 5000 characters", param=param)
    return value


def _address(value: Any, param: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid("Invalid hash", param=param)
    unknown = set(value) - set(_ADDRESS)
    if unknown:
        name = f"{param}[{sorted(unknown)[0]}]"
        raise invalid(f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
    address = {key: _text(value.get(key, ""), f"{param}[{key}]") for key in _ADDRESS}
    for key in ("line1", "city", "postal_code", "country"):
        if not address[key]:
            raise invalid(
                f"All shipping address fields are required for Visa Compelling Evidence 3.0: "
                f"{key} is empty.",
                param=f"{param}[{key}]",
            )
    return address


def _transaction(value: Any, param: str, extra: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid("Invalid hash", param=param)
    allowed = _TRANSACTION_TEXT | {"shipping_address"} | extra
    for key in value:
        if key not in allowed:
            name = f"{param}[{key}]"
            raise invalid(
                f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )
    checked: dict[str, Any] = {}
    for key in _TRANSACTION_TEXT | extra:
        if key in value:
            checked[key] = _text(value[key], f"{param}[{key}]") or None
    if "shipping_address" in value:
        checked["shipping_address"] = _address(
            value["shipping_address"], f"{param}[shipping_address]"
        )
    fingerprint = checked.get("customer_device_fingerprint")
    if fingerprint and len(fingerprint) < 20:
        raise invalid(
            "customer_device_fingerprint must be at least 20 characters.",
            param=f"{param}[customer_device_fingerprint]",
        )
    device = checked.get("customer_device_id")
    if device and len(device) < 15:
        raise invalid(
            "customer_device_id must be at least 15 characters.",
            param=f"{param}[customer_device_id]",
        )
    ip_text = checked.get("customer_purchase_ip")
    if ip_text:
        try:
            ipaddress.ip_address(ip_text)
        except ValueError:
            raise invalid(
                f"{ip_text!r} is not an IP address.", param=f"{param}[customer_purchase_ip]"
            ) from None
    return checked


def _listed(value: Any, param: str) -> list[Any]:
    """A form-encoded list (``x[0][charge]=…``) back as a list; indices must run 0, 1, …"""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or sorted(value) != [str(i) for i in range(len(value))]:
        raise invalid("Invalid array", param=param)
    return [value[str(i)] for i in range(len(value))]


def checked_enhanced(
    value: Any, dispute: dict[str, Any], charges: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``evidence[enhanced_evidence]``: ``""`` clears it; only CE 3.0 is modelled (the
    compliance programmes answer that the dispute is not eligible)."""
    param = "evidence[enhanced_evidence]"
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise invalid("Invalid hash", param=param)
    held = dict(dispute["evidence"].get("enhanced_evidence") or {})
    for key, block in value.items():
        if key not in ENHANCED_KEYS:
            name = f"{param}[{key}]"
            raise invalid(
                f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )
        if key != PROGRAM:
            raise invalid(f"This dispute is not eligible for {key}.", param=f"{param}[{key}]")
        held[key] = checked_block(block, dispute, charges, f"{param}[{key}]")
    return held


def checked_block(
    value: Any, dispute: dict[str, Any], charges: dict[str, dict[str, Any]], param: str
) -> dict[str, Any]:
    """``evidence[enhanced_evidence][visa_compelling_evidence_3]`` checked; ``charges`` are the
    account's own (a prior on another account does not exist)."""
    if PROGRAM not in dispute["enhanced_eligibility_types"]:
        raise invalid(
            "This dispute is not eligible for Visa Compelling Evidence 3.0.",
            code="dispute_not_eligible",
            param=param,
        )
    if not isinstance(value, dict):
        raise invalid("Invalid hash", param=param)
    for key in value:
        if key not in {"disputed_transaction", "prior_undisputed_transactions"}:
            name = f"{param}[{key}]"
            raise invalid(
                f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )
    block: dict[str, Any] = {"disputed_transaction": None, "prior_undisputed_transactions": []}
    if "disputed_transaction" in value:
        disputed = _transaction(
            value["disputed_transaction"],
            f"{param}[disputed_transaction]",
            frozenset({"merchandise_or_services"}),
        )
        kind = disputed.get("merchandise_or_services")
        if kind not in {None, "merchandise", "services"}:
            raise invalid(
                "Invalid merchandise_or_services: must be one of merchandise, services",
                param=f"{param}[disputed_transaction][merchandise_or_services]",
            )
        block["disputed_transaction"] = disputed
    if "prior_undisputed_transactions" in value:
        where = f"{param}[prior_undisputed_transactions]"
        listed = _listed(value["prior_undisputed_transactions"], where)
        if len(listed) != 2:
            raise invalid(
                f"prior_undisputed_transactions must list exactly two transactions, not "
                f"{len(listed)}.",
                param=where,
            )
        priors = []
        for index, raw in enumerate(listed):
            item = f"{where}[{index}]"
            if not isinstance(raw, dict) or not raw.get("charge"):
                raise invalid("Missing required param: charge.", param=f"{item}[charge]")
            prior = _transaction(raw, item, frozenset({"charge"}))
            if prior["charge"] not in charges:
                raise missing("charge", prior["charge"], f"{item}[charge]")
            if prior["charge"] == dispute["charge"]:
                raise invalid(
                    "A prior undisputed transaction cannot be the disputed charge.",
                    param=f"{item}[charge]",
                )
            priors.append(prior)
        if priors[0]["charge"] == priors[1]["charge"]:
            raise invalid("The two prior transactions must be different charges.", param=where)
        block["prior_undisputed_transactions"] = priors
    return block


# -- eligibility ----------------------------------------------------------------------------


def qualifying_priors(dispute: dict[str, Any], charges: dict[str, dict[str, Any]]) -> set[str]:
    """Ids of the account's charges Stripe would accept as priors for this dispute."""
    disputed = charges.get(dispute["charge"])
    if disputed is None or not disputed.get("customer"):
        return set()
    found = set()
    for charge in charges.values():
        days = (_day(disputed["created"]) - _day(charge["created"])).days
        if (
            charge["id"] != disputed["id"]
            and charge.get("customer") == disputed["customer"]
            and charge["status"] == "succeeded"
            and not charge.get("disputed")
            and not charge.get("amount_refunded")
            and 120 <= days <= 365
        ):
            found.add(charge["id"])
    return found


def _same(a: Any, b: Any) -> bool:
    return bool(a) and bool(b) and str(a).strip().lower() == str(b).strip().lower()


def _elements(disputed: dict[str, Any], prior: dict[str, Any]) -> tuple[int, int]:
    """(main, secondary) elements the two transactions share."""
    main = sum(
        (
            _same(disputed.get("customer_purchase_ip"), prior.get("customer_purchase_ip")),
            _same(disputed.get("customer_account_id"), prior.get("customer_account_id")),
            _same(disputed.get("customer_device_id"), prior.get("customer_device_id"))
            or _same(
                disputed.get("customer_device_fingerprint"),
                prior.get("customer_device_fingerprint"),
            ),
        )
    )
    secondary = sum(
        (
            _same(disputed.get("customer_email_address"), prior.get("customer_email_address")),
            disputed.get("shipping_address") is not None
            and disputed.get("shipping_address") == prior.get("shipping_address"),
        )
    )
    return main, secondary


def _linked(disputed: dict[str, Any], prior: dict[str, Any]) -> bool:
    main, secondary = _elements(disputed, prior)
    return main >= 2 or (main == 1 and secondary >= 1)


def eligibility(
    dispute: dict[str, Any], charges: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The ``visa_compelling_evidence_3`` eligibility of a dispute given its staged evidence."""
    if PROGRAM not in dispute["enhanced_eligibility_types"]:
        return None
    allowed = qualifying_priors(dispute, charges)
    if len(allowed) < 2:
        return {"status": "not_qualified", "required_actions": []}
    block = (dispute["evidence"].get("enhanced_evidence") or {}).get(PROGRAM) or {}
    disputed = block.get("disputed_transaction") or {}
    priors = block.get("prior_undisputed_transactions") or []
    actions = []
    usable = [p for p in priors if p["charge"] in allowed]
    if len(usable) < 2:
        actions.append("missing_prior_undisputed_transactions")
    if not disputed.get("product_description"):
        actions.append("missing_disputed_transaction_description")
    if not disputed.get("merchandise_or_services"):
        actions.append("missing_merchandise_or_services")
    if not priors or not all(p.get("product_description") for p in priors):
        actions.append("missing_prior_undisputed_transaction_description")
    linked = [p for p in usable if _linked(disputed, p)]
    if len(linked) < 2:
        actions.append("missing_customer_identifiers")
    return {
        "status": "requires_action" if actions else "qualified",
        "required_actions": sorted(actions),
    }
