"""The emulator's books: accounts, charges, disputes, files and events, with Stripe's rules.

Every object belongs to one account (the platform, or a connected account named by the
``Stripe-Account`` header); another account asking for it gets Stripe's ``resource_missing``.
All methods take the one lock: the HTTP server is threaded.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.stripe import evidence as evidence_rules
from emulators.stripe import rules
from emulators.stripe.errors import invalid, missing
from emulators.stripe.files import StoredFile
from emulators.stripe.forms import Upload
from emulators.stripe.params import bool_param, created_filter, int_param, refuse_unknown

PLATFORM_ACCOUNT = "acct_emulatorplatform"
API_VERSION = "2026-10-28.endive"

Listener = Callable[[dict[str, Any]], None]


@dataclass
class Owned:
    account: str
    object: dict[str, Any]


@dataclass
class Counters:
    """What tests assert on: the emulator's own view of what the client did."""

    submissions: Counter[str] = field(default_factory=Counter)
    """Accepted ``submit=true`` updates per dispute id."""
    requests_by_account: Counter[str] = field(default_factory=Counter)


class StripeState:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.disputes: dict[str, Owned] = {}
        self.charges: dict[str, Owned] = {}
        self.reviews: dict[str, Owned] = {}
        self.events: dict[str, Owned] = {}
        self.files: dict[str, StoredFile] = {}
        self.counters = Counters()
        self.listeners: list[Listener] = []
        self._ids = itertools.count(1)

    # -- ids and time ----------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_Emu{next(self._ids):010d}"

    # -- seeding (tests and the demo) --------------------------------------------------------

    def add_charge(
        self,
        *,
        account: str = PLATFORM_ACCOUNT,
        amount: int = 4900,
        currency: str = "usd",
        customer: str | None = None,
        status: str = "succeeded",
        amount_refunded: int = 0,
        billing_details: dict[str, Any] | None = None,
        ip_address: str | None = None,
        created: int | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            charge_id = self.new_id("ch")
            review_id = None
            if ip_address is not None:
                review_id = self.new_id("prv")
                self.reviews[review_id] = Owned(
                    account,
                    {
                        "id": review_id,
                        "object": "review",
                        "charge": charge_id,
                        "ip_address": ip_address,
                        "open": False,
                        "reason": "approved",
                    },
                )
            charge = {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount if status == "succeeded" else 0,
                "amount_refunded": amount_refunded,
                "refunded": amount_refunded >= amount > 0,
                "billing_details": billing_details
                or {"address": None, "email": None, "name": None, "phone": None},
                "created": created if created is not None else self.now(),
                "currency": currency,
                "customer": customer,
                "disputed": False,
                "livemode": False,
                "metadata": {},
                "paid": status == "succeeded",
                "payment_intent": self.new_id("pi"),
                "receipt_email": None,
                "review": review_id,
                "status": status,
            }
            self.charges[charge_id] = Owned(account, charge)
            return copy.deepcopy(charge)

    def add_dispute(
        self,
        *,
        account: str = PLATFORM_ACCOUNT,
        amount: int = 4900,
        currency: str = "usd",
        reason: str = "fraudulent",
        status: str = "needs_response",
        due_by: int | None = None,
        charge: str | None = None,
        created: int | None = None,
        network_reason_code: str | None = "10.4",
        debited: bool | None = None,
        emit: bool = True,
    ) -> dict[str, Any]:
        """A new dispute (and its charge, unless given), announced as ``charge.dispute.created``."""
        with self.lock:
            now = self.now()
            if charge is None:
                charge = self.add_charge(account=account, amount=amount, currency=currency)["id"]
            dispute_id = self.new_id("dp")
            inquiry = status.startswith("warning_")
            balance = []
            if debited if debited is not None else not inquiry and status not in rules.FINAL:
                balance.append(self._balance_txn(dispute_id, -amount, currency, 1500))
            dispute = {
                "id": dispute_id,
                "object": "dispute",
                "amount": amount,
                "currency": currency,
                "balance_transactions": balance,
                "charge": charge,
                "created": created if created is not None else now,
                "enhanced_eligibility_types": [],
                "evidence": copy.deepcopy(rules.EMPTY_EVIDENCE),
                "evidence_details": {
                    "due_by": due_by if due_by is not None else now + 7 * 86400,
                    "enhanced_eligibility": {},
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                    "submission_method": "not_submitted",
                },
                "intended_submission_method": None,
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "network_reason_code": network_reason_code,
                "payment_intent": self.charges[charge].object["payment_intent"]
                if charge in self.charges
                else None,
                "payment_method_details": {
                    "card": {
                        "brand": "visa",
                        "case_type": "inquiry" if inquiry else "chargeback",
                        "network": "visa",
                        "network_reason_code": network_reason_code,
                    },
                    "type": "card",
                },
                "reason": reason,
                "status": status,
            }
            self.disputes[dispute_id] = Owned(account, dispute)
            if charge in self.charges:
                self.charges[charge].object["disputed"] = True
            if emit:
                self._emit("charge.dispute.created", account, dispute)
                if balance:
                    self._emit("charge.dispute.funds_withdrawn", account, dispute)
            return copy.deepcopy(dispute)

    def _balance_txn(self, dispute_id: str, amount: int, currency: str, fee: int) -> dict[str, Any]:
        return {
            "id": self.new_id("txn"),
            "object": "balance_transaction",
            "amount": amount,
            "currency": currency,
            "fee": fee,
            "net": amount - fee,
            "reporting_category": "dispute" if amount < 0 else "dispute_reversal",
            "type": "adjustment",
            "source": dispute_id,
            "created": self.now(),
        }

    def set_due_by(self, dispute_id: str, due_by: int | None) -> None:
        with self.lock:
            self.disputes[dispute_id].object["evidence_details"]["due_by"] = due_by

    def dispute(self, dispute_id: str) -> dict[str, Any]:
        """A copy of a dispute as stored, whatever its account (for assertions)."""
        with self.lock:
            return copy.deepcopy(self.disputes[dispute_id].object)

    def files_for(self, account: str | None = None) -> list[StoredFile]:
        with self.lock:
            return [f for f in self.files.values() if account is None or f.account == account]

    # -- events ----------------------------------------------------------------------------

    def _emit(
        self,
        event_type: str,
        account: str,
        obj: dict[str, Any],
        previous: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event: dict[str, Any] = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        if account != PLATFORM_ACCOUNT:
            event["account"] = account
        self.events[event["id"]] = Owned(account, event)
        for listener in list(self.listeners):
            listener(copy.deepcopy(event))
        return event

    # -- API operations --------------------------------------------------------------------

    def _owned(self, table: dict[str, Owned], kind: str, account: str, object_id: str) -> Owned:
        owned = table.get(object_id)
        if owned is None or owned.account != account:
            raise missing(kind, object_id, "id")
        return owned

    def retrieve(self, kind: str, account: str, object_id: str) -> dict[str, Any]:
        tables = {
            "dispute": self.disputes,
            "charge": self.charges,
            "event": self.events,
            "review": self.reviews,
        }
        with self.lock:
            return copy.deepcopy(self._owned(tables[kind], kind, account, object_id).object)

    def list_objects(
        self, kind: str, account: str, params: dict[str, Any], filters: frozenset[str]
    ) -> dict[str, Any]:
        table = {"dispute": self.disputes, "charge": self.charges}[kind]
        allowed = filters | {"limit", "starting_after", "ending_before", "created", "expand"}
        refuse_unknown(params, allowed)
        limit = int_param(params.get("limit", "10"), "limit", 1, 100)
        created = created_filter(params.get("created"))
        with self.lock:
            items = [
                owned.object
                for owned in table.values()
                if owned.account == account
                and created(owned.object["created"])
                and all(
                    str(owned.object.get(name)) == params[name]
                    for name in filters
                    if name in params
                )
            ]
            # Newest first, as Stripe lists; ids break ties so paging is stable.
            items.sort(key=lambda item: (item["created"], item["id"]), reverse=True)
            if "starting_after" in params:
                after = str(params["starting_after"])
                position = next((i for i, o in enumerate(items) if o["id"] == after), None)
                if position is None:
                    raise missing(kind, after, "starting_after")
                items = items[position + 1 :]
            page = items[:limit]
            return {
                "object": "list",
                "data": copy.deepcopy(page),
                "has_more": len(items) > limit,
                "url": f"/v1/{kind}s",
            }

    def create_file(
        self, account: str, fields: dict[str, Any], uploads: dict[str, Upload]
    ) -> dict[str, Any]:
        refuse_unknown({**fields, **uploads}, {"purpose", "file", "file_link_data", "expand"})
        purpose = fields.get("purpose")
        if not purpose:
            raise invalid(
                "Missing required param: purpose.", code="parameter_missing", param="purpose"
            )
        if purpose not in rules.FILE_PURPOSES:
            raise invalid(f"Invalid purpose: {purpose}", param="purpose")
        upload = uploads.get("file")
        if upload is None:
            raise invalid("Missing required param: file.", code="parameter_missing", param="file")
        if len(upload.data) > rules.FILE_SIZE_LIMIT:
            raise invalid(
                f"File size {len(upload.data)} exceeds the maximum of {rules.FILE_SIZE_LIMIT} "
                "bytes for dispute evidence.",
                code="file_size_too_large",
                param="file",
            )
        kind = rules.file_type(upload.data)
        if purpose == "dispute_evidence" and kind is None:
            raise invalid(
                "Dispute evidence must be a PDF, JPEG or PNG file.",
                code="file_invalid_type",
                param="file",
            )
        with self.lock:
            stored = StoredFile(
                id=self.new_id("file"),
                account=account,
                purpose=str(purpose),
                filename=upload.filename,
                type=kind or "unknown",
                data=upload.data,
                created=self.now(),
            )
            self.files[stored.id] = stored
            return stored.as_object()

    def update_dispute(
        self, account: str, dispute_id: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        refuse_unknown(
            params, {"evidence", "submit", "metadata", "expand", "intended_submission_method"}
        )
        with self.lock:
            owned = self._owned(self.disputes, "dispute", account, dispute_id)
            dispute = owned.object
            evidence = params.get("evidence", {})
            if not isinstance(evidence, dict):
                raise invalid("Invalid hash", param="evidence")
            submit = bool_param(params.get("submit", "true"), "submit")
            evidence_rules.check_can_update(dispute, self.now())
            merged = {
                **dispute["evidence"],
                **evidence_rules.checked_evidence(self.files, account, evidence),
            }
            evidence_rules.check_totals(self.files, merged)
            previous = {
                "evidence": copy.deepcopy(dispute["evidence"]),
                "evidence_details": copy.deepcopy(dispute["evidence_details"]),
                "status": dispute["status"],
            }
            dispute["evidence"] = merged
            details = dispute["evidence_details"]
            details["has_evidence"] = True
            if isinstance(params.get("metadata"), dict):
                dispute["metadata"].update(params["metadata"])
            if submit:
                details["submission_count"] += 1
                details["submission_method"] = "manual"
                dispute["status"] = rules.UNDER_REVIEW_AFTER_SUBMIT[dispute["status"]]
                self.counters.submissions[dispute_id] += 1
            answer = copy.deepcopy(dispute)
            self._emit("charge.dispute.updated", account, dispute, previous)
            if submit:
                self._decide(account, dispute)
            return answer

    def _decide(self, account: str, dispute: dict[str, Any]) -> None:
        """Stripe's test mode: ``winning_evidence`` / ``losing_evidence`` settle the dispute."""
        text = dispute["evidence"].get("uncategorized_text")
        if text not in {"winning_evidence", "losing_evidence"}:
            return
        won = text == "winning_evidence"
        inquiry = dispute["status"].startswith("warning_")
        previous = {"status": dispute["status"]}
        dispute["status"] = "warning_closed" if inquiry else ("won" if won else "lost")
        self._emit("charge.dispute.closed", account, dispute, previous)
        withdrawn = -sum(t["amount"] for t in dispute["balance_transactions"] if t["amount"] < 0)
        if won and withdrawn > 0:
            dispute["balance_transactions"].append(
                self._balance_txn(dispute["id"], withdrawn, dispute["currency"], -1500)
            )
            self._emit("charge.dispute.funds_reinstated", account, dispute)

    def close_dispute(
        self, account: str, dispute_id: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        refuse_unknown(params, {"expand"})
        with self.lock:
            dispute = self._owned(self.disputes, "dispute", account, dispute_id).object
            if dispute["status"] not in rules.RESPONDABLE:
                raise invalid(
                    f"This dispute is {dispute['status']} and can no longer be closed.",
                    code="dispute_not_respondable",
                )
            previous = {"status": dispute["status"]}
            dispute["status"] = (
                "warning_closed" if dispute["status"].startswith("warning_") else "lost"
            )
            self._emit("charge.dispute.closed", account, dispute, previous)
            return copy.deepcopy(dispute)
