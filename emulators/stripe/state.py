"""The emulator's books: accounts, charges, disputes, files and events, with Stripe's rules.

Every object belongs to one account (the platform, or a connected account named by the
``Stripe-Account`` header); another account asking for it gets Stripe's ``resource_missing``.
All methods take the one lock: the HTTP server is threaded. What each object looks like is in
``objects``; list paging in ``listing``; file and evidence checks in ``files`` and ``evidence``.
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
from emulators.stripe import rules, visa_ce3
from emulators.stripe.errors import ApiError, invalid, missing
from emulators.stripe.files import StoredFile, check_upload
from emulators.stripe.forms import Upload
from emulators.stripe.listing import list_page
from emulators.stripe.objects import (
    account_object,
    balance_transaction_object,
    charge_object,
    customer_object,
    dispute_object,
    event_object,
    review_object,
)
from emulators.stripe.params import bool_param, refuse_unknown

PLATFORM_ACCOUNT = "acct_emulatorplatform"

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
        self.accounts: dict[str, dict[str, Any]] = {}
        """Connected accounts, by id: added explicitly or by seeding an object on one."""
        self.disputes: dict[str, Owned] = {}
        self.charges: dict[str, Owned] = {}
        self.customers: dict[str, Owned] = {}
        self.reviews: dict[str, Owned] = {}
        self.events: dict[str, Owned] = {}
        self.early_fraud_warnings: dict[str, Owned] = {}
        self.refunds: dict[str, Owned] = {}
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

    def add_account(self, account_id: str | None = None, *, created: int | None = None) -> str:
        """A connected account of the platform (idempotent for a known id); its id."""
        with self.lock:
            account_id = account_id or self.new_id("acct")
            if account_id == PLATFORM_ACCOUNT:
                raise ValueError("the platform is not one of its own connected accounts")
            if account_id not in self.accounts:
                when = created if created is not None else self.now()
                self.accounts[account_id] = account_object(account_id, created=when)
            return account_id

    def _known(self, account: str) -> None:
        """Seeding an object on a connected account connects that account to the platform."""
        if account != PLATFORM_ACCOUNT:
            self.add_account(account)

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
        card: dict[str, Any] | None = None,
        description: str | None = None,
        shipping: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``card``: keyword arguments of :func:`objects.card_details` (checks, 3-D Secure);
        ``ip_address`` is kept on the charge's Radar review, where Stripe keeps it."""
        with self.lock:
            self._known(account)
            charge_id = self.new_id("ch")
            review_id = None
            if ip_address is not None:
                review_id = self.new_id("prv")
                self.reviews[review_id] = Owned(
                    account, review_object(review_id, charge_id, ip_address)
                )
            charge = charge_object(
                charge_id,
                amount=amount,
                currency=currency,
                customer=customer,
                status=status,
                amount_refunded=amount_refunded,
                billing_details=billing_details,
                created=created if created is not None else self.now(),
                payment_intent=self.new_id("pi"),
                review=review_id,
                card=card,
                description=description,
                shipping=shipping,
            )
            self.charges[charge_id] = Owned(account, charge)
            return copy.deepcopy(charge)

    def add_customer(self, *, account: str = PLATFORM_ACCOUNT, **fields: Any) -> dict[str, Any]:
        """A customer; ``fields``: ``name``, ``email``, ``address`` (a hash), ``phone``."""
        with self.lock:
            self._known(account)
            customer = customer_object(self.new_id("cus"), created=self.now(), **fields)
            self.customers[customer["id"]] = Owned(account, customer)
            return copy.deepcopy(customer)

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
        enhanced_eligibility_types: list[str] | None = None,
    ) -> dict[str, Any]:
        """A new dispute (and its charge, unless given), announced as ``charge.dispute.created``.
        ``enhanced_eligibility_types=["visa_compelling_evidence_3"]`` offers CE 3.0: its
        eligibility is then judged from the account's charges (see ``visa_ce3``)."""
        with self.lock:
            self._known(account)
            now = self.now()
            if charge is None:
                charge = self.add_charge(account=account, amount=amount, currency=currency)["id"]
            dispute_id = self.new_id("dp")
            inquiry = status.startswith("warning_")
            balance = []
            if debited if debited is not None else not inquiry and status not in rules.FINAL:
                balance.append(self._balance_txn(dispute_id, -amount, currency, 1500))
            dispute = dispute_object(
                dispute_id,
                amount=amount,
                currency=currency,
                reason=reason,
                status=status,
                due_by=due_by if due_by is not None else now + 7 * 86400,
                charge=charge,
                payment_intent=self.charges[charge].object["payment_intent"]
                if charge in self.charges
                else None,
                created=created if created is not None else now,
                network_reason_code=network_reason_code,
                balance_transactions=balance,
                enhanced_eligibility_types=enhanced_eligibility_types,
            )
            self._judge_ce3(account, dispute)
            self.disputes[dispute_id] = Owned(account, dispute)
            if charge in self.charges:
                self.charges[charge].object["disputed"] = True
            if emit:
                self._emit("charge.dispute.created", account, dispute)
                if balance:
                    self._emit("charge.dispute.funds_withdrawn", account, dispute)
            return copy.deepcopy(dispute)

    def _account_charges(self, account: str) -> dict[str, dict[str, Any]]:
        return {cid: o.object for cid, o in self.charges.items() if o.account == account}

    def _judge_ce3(self, account: str, dispute: dict[str, Any]) -> None:
        judged = visa_ce3.eligibility(dispute, self._account_charges(account))
        if judged is not None:
            dispute["evidence_details"]["enhanced_eligibility"] = {visa_ce3.PROGRAM: judged}

    def _balance_txn(self, dispute_id: str, amount: int, currency: str, fee: int) -> dict[str, Any]:
        return balance_transaction_object(
            self.new_id("txn"),
            source=dispute_id,
            amount=amount,
            currency=currency,
            fee=fee,
            created=self.now(),
        )

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
        event = event_object(
            self.new_id("evt"),
            event_type,
            account=account if account != PLATFORM_ACCOUNT else None,
            obj=obj,
            previous=previous,
            created=self.now(),
        )
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
            "customer": self.customers,
            "early_fraud_warning": self.early_fraud_warnings,
            "refund": self.refunds,
        }
        with self.lock:
            return copy.deepcopy(self._owned(tables[kind], kind, account, object_id).object)

    def list_objects(
        self, kind: str, account: str, params: dict[str, Any], filters: frozenset[str]
    ) -> dict[str, Any]:
        table = {
            "dispute": self.disputes,
            "charge": self.charges,
            "early_fraud_warning": self.early_fraud_warnings,
        }[kind]
        with self.lock:
            mine = [owned.object for owned in table.values() if owned.account == account]
            return list_page(kind, mine, params, filters)

    def list_accounts(self, account: str, params: dict[str, Any]) -> dict[str, Any]:
        """``GET /v1/accounts``: the platform's connected accounts. A connected account has
        none of its own to list: Stripe answers that only platforms work with other accounts."""
        if account != PLATFORM_ACCOUNT:
            raise ApiError(403, "Only Stripe Connect platforms can work with other accounts.")
        with self.lock:
            return list_page("account", list(self.accounts.values()), params, frozenset())

    def create_file(
        self, account: str, fields: dict[str, Any], uploads: dict[str, Upload]
    ) -> dict[str, Any]:
        checked = check_upload(fields, uploads)
        with self.lock:
            stored = StoredFile(
                id=self.new_id("file"),
                account=account,
                purpose=checked.purpose,
                filename=checked.upload.filename,
                type=checked.type or "unknown",
                data=checked.upload.data,
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
            if "enhanced_evidence" in evidence:
                merged["enhanced_evidence"] = visa_ce3.checked_enhanced(
                    evidence["enhanced_evidence"], dispute, self._account_charges(account)
                )
            evidence_rules.check_totals(self.files, merged)
            previous = {
                "evidence": copy.deepcopy(dispute["evidence"]),
                "evidence_details": copy.deepcopy(dispute["evidence_details"]),
                "status": dispute["status"],
            }
            dispute["evidence"] = merged
            self._judge_ce3(account, dispute)
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
