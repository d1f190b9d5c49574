"""Paystand's vocabulary and what it means in the engine's neutral terms (domain/paystand.md).

Paystand documents two status vocabularies (the webhook page's and the dispute-object page's);
both are accepted. Paystand has no escalation stages, so every dispute is a chargeback.
"""

from __future__ import annotations

from engine.disputes.model import Reason, Stage, Status

PROVIDER_ID = "paystand"
DEFAULT_API_BASE = "https://api.paystand.com/v3"

STAGE = Stage.CHARGEBACK

STATUSES: dict[str, Status] = {
    "created": Status.RECEIVED,
    "processing": Status.RECEIVED,  # intake, usually the moment the dispute fee is charged
    "acceptingEvidence": Status.NEEDS_RESPONSE,
    # "awaiting resolution": whether we must act is unknown. The lifecycle reads it as
    # under_review once the engine recorded that evidence was handed over.
    "active": Status.OPEN,
    "underReview": Status.UNDER_REVIEW,
    "won": Status.WON,
    "lost": Status.LOST,
    "failed": Status.FAILED,  # a processor error: not final, a person must look
}
UNKNOWN_STATUS = Status.OPEN
"""A status Paystand may add later: kept raw beside this, never a crash."""

REASONS: dict[str, Reason] = {
    "fraudulent": Reason.FRAUDULENT,
    "duplicate": Reason.DUPLICATE,
    "product_not_received": Reason.PRODUCT_NOT_RECEIVED,
    "product_unacceptable": Reason.PRODUCT_UNACCEPTABLE,
    "credit_not_processed": Reason.CREDIT_NOT_PROCESSED,
    "subscription_canceled": Reason.SUBSCRIPTION_CANCELED,
    "unrecognized": Reason.UNRECOGNIZED,
    "general": Reason.GENERAL,
}
"""An open set: an unknown reason is kept raw and reads ``general``."""

BANK_SOURCE_TYPES = frozenset({"ACH", "Bank", "BankAccount", "bank", "ach"})
"""Payment source types of bank (ACH) payments, whose disputes are final on arrival."""

DISPUTE_SOURCE_TYPE = "Dispute"
EVENT_OBJECT = "event"
