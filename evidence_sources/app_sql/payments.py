"""``kind = "payments"``: the merchant's own per-payment facts, for Visa Compelling Evidence 3.0.

One row per payment, named by the processor's payment id (Stripe: the charge ``ch_…``) in a
``payment_id`` column; any of these columns add what the app knows about it:

``customer_account_id`` (the login the customer recognises), ``customer_purchase_ip``,
``customer_device_id`` (at least 15 characters), ``customer_device_fingerprint`` (at least 20),
``customer_email_address``, ``product_description``, ``merchandise_or_services``
(``merchandise`` | ``services``), and the shipping address as ``shipping_line1``,
``shipping_line2``, ``shipping_city``, ``shipping_state``, ``shipping_postal_code``,
``shipping_country`` (two letters).

The processor says which payments exist, when, and that they were never disputed; these rows
only add facts to them (a row for a payment the processor does not list is never a prior).
A row without ``payment_id``, or with an unknown ``merchandise_or_services``, is skipped and
logged, never guessed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from engine.evidence.visa_ce3.model import MerchandiseOrServices, PaymentRecord, ShippingAddress

log = logging.getLogger("disputes.evidence.app_sql")


def _text(value: object) -> str | None:
    if value is None:
        return None
    rendered = str(value).strip()
    return rendered or None


def payment_records(query: str, rows: Iterable[Mapping[str, Any]]) -> list[PaymentRecord]:
    records = []
    for index, row in enumerate(rows, start=1):
        payment_id = _text(row.get("payment_id"))
        if payment_id is None:
            log.warning("app_sql %s row %d: no payment_id, skipped", query, index)
            continue
        kind_text = _text(row.get("merchandise_or_services"))
        kind = None
        if kind_text is not None:
            try:
                kind = MerchandiseOrServices(kind_text.lower())
            except ValueError:
                log.warning(
                    "app_sql %s row %d: merchandise_or_services %r is neither merchandise nor "
                    "services, skipped",
                    query,
                    index,
                    kind_text,
                )
                continue
        records.append(
            PaymentRecord(
                payment_id=payment_id,
                merchandise_or_services=kind,
                shipping_address=_address(row),
                customer_account_id=_text(row.get("customer_account_id")),
                customer_purchase_ip=_text(row.get("customer_purchase_ip")),
                customer_device_id=_text(row.get("customer_device_id")),
                customer_device_fingerprint=_text(row.get("customer_device_fingerprint")),
                customer_email_address=_text(row.get("customer_email_address")),
                product_description=_text(row.get("product_description")),
            )
        )
    return records


def _address(row: Mapping[str, Any]) -> ShippingAddress | None:
    parts = {
        key: _text(row.get(f"shipping_{key}")) or ""
        for key in ("line1", "line2", "city", "state", "postal_code", "country")
    }
    if not all(parts[key] for key in ("line1", "city", "postal_code", "country")):
        return None
    return ShippingAddress(**parts)
