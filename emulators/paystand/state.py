"""What the Paystand emulator remembers: disputes, the events about them, access tokens, and the
faults a test asked for. Every method is thread-safe (the server answers on many threads)."""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from emulators.paystand.faults import Faults
from emulators.paystand.query import date_filter, whole_number
from emulators.paystand.wire import ApiError, iso, new_id, parse_iso

Json = dict[str, Any]

WEBHOOK_VOCABULARY = ("created", "processing", "active", "won", "lost", "failed")
"""The statuses Paystand's webhook page documents."""
OBJECT_VOCABULARY = ("created", "processing", "acceptingEvidence", "underReview", "won", "lost")
"""The statuses Paystand's dispute-object page documents."""


class PaystandState:
    """The emulated merchant account."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        customer_id: str,
        token_ttl: float = 14 * 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.customer_id = customer_id
        self.token_ttl = token_ttl
        self._clock = clock
        self._lock = threading.RLock()
        self._disputes: dict[str, Json] = {}
        self._events: dict[str, Json] = {}
        self._tokens: dict[str, float] = {}
        self.faults = Faults()
        self.token_requests = 0
        self.unauthorized = 0
        self.requests: list[tuple[str, str]] = []

    # --- OAuth -----------------------------------------------------------------------------

    def issue_token(self, form: dict[str, str]) -> Json:
        with self._lock:
            self.token_requests += 1
            if form.get("grant_type") != "client_credentials":
                raise ApiError(400, "grant_type must be client_credentials")
            if form.get("scope") != "auth":
                raise ApiError(400, "scope must be auth")
            known = secrets.compare_digest(
                form.get("client_id", ""), self.client_id
            ) and secrets.compare_digest(form.get("client_secret", ""), self.client_secret)
            if not known:
                raise ApiError(401, "invalid client credentials")
            token = secrets.token_urlsafe(32)
            self._tokens[token] = self._clock() + self.token_ttl
            return {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_ttl,
                "scope": "auth",
            }

    def revoke_tokens(self) -> None:
        """Forget every issued token, as after a credential rotation: the next call gets 401."""
        with self._lock:
            self._tokens.clear()

    def authorize(self, authorization: str | None, customer_id: str | None) -> None:
        with self._lock:
            scheme, _, token = (authorization or "").partition(" ")
            expires = self._tokens.get(token) if scheme.lower() == "bearer" else None
            if expires is None or expires <= self._clock():
                self._tokens.pop(token, None)
                self.unauthorized += 1
                raise ApiError(401, "invalid or expired access token")
            if customer_id != self.customer_id:
                self.unauthorized += 1
                raise ApiError(401, "missing or unknown X-CUSTOMER-ID")

    # --- disputes ----------------------------------------------------------------------------

    def put_dispute(self, resource: Json) -> Json:
        """Store a full dispute resource as the API's current state (no event)."""
        with self._lock:
            self._disputes[resource["id"]] = copy.deepcopy(resource)
            return copy.deepcopy(resource)

    def create_dispute(
        self,
        *,
        amount: str = "798.29",
        currency: str = "USD",
        reason: str = "fraudulent",
        status: str = "created",
        created: datetime | None = None,
        payer_name: str = "Mercury Rising Technologies",
        payer_email: str = "ap@example.com",
        source_type: str = "Card",
    ) -> tuple[Json, Json]:
        """Open a new dispute on a new payment; returns ``(dispute, its creation event)``."""
        moment = iso(created or datetime.now(UTC))
        dispute_id, payment_id = new_id(), new_id()
        resource: Json = {
            "object": "dispute",
            "id": dispute_id,
            "amount": amount,
            "currency": currency,
            "settlementAmount": amount,
            "settlementCurrency": currency,
            "fees": [],
            "paymentId": payment_id,
            "resourceId": payment_id,
            "resourceType": "Payment",
            "reason": reason,
            "status": status,
            "created": moment,
            "lastUpdated": moment,
            "resource": {
                "object": "payment",
                "id": payment_id,
                "amount": amount,
                "currency": currency,
                "payer": {
                    "object": "payer",
                    "id": new_id(),
                    "name": payer_name,
                    "email": payer_email,
                    "externalId": f"CUST-{new_id()[:8].upper()}",
                },
                "source": {"object": "source", "id": new_id(), "brand": "visa", "last4": "0259"},
                "sourceType": source_type,
                "status": "posted",
            },
        }
        with self._lock:
            self._disputes[dispute_id] = resource
            event = self._record_event(resource, previous={}, changes=_creation_diff(resource))
            return copy.deepcopy(resource), event

    def transition(self, dispute_id: str, status: str, **changes: Any) -> Json:
        """Move a dispute to ``status`` (any word: the emulator lets tests send statuses Paystand
        may add later), apply ``changes``, and return the event Paystand would send."""
        with self._lock:
            resource = self._get(dispute_id)
            changes = {"status": status, **changes}
            if status == "processing" and not resource["fees"] and "fees" not in changes:
                changes["fees"] = [self._dispute_fee(resource)]
                changes["balanceChangeId"] = new_id()
            changes["lastUpdated"] = self._next_update(resource)
            previous = {key: copy.deepcopy(resource.get(key)) for key in changes}
            resource.update(copy.deepcopy(changes))
            return self._record_event(resource, previous=previous, changes=changes)

    def set_state(self, dispute_id: str, **fields: Any) -> Json:
        """Change the API's view of a dispute without any event (a test's back door)."""
        with self._lock:
            resource = self._get(dispute_id)
            resource.update(copy.deepcopy(fields))
            return copy.deepcopy(resource)

    def delete_dispute(self, dispute_id: str) -> None:
        with self._lock:
            self._disputes.pop(dispute_id, None)

    def get_dispute(self, dispute_id: str) -> Json:
        with self._lock:
            return copy.deepcopy(self._get(dispute_id))

    def list_disputes(self, query: dict[str, str]) -> Json:
        limit = whole_number(query.get("f.limit", "50"), "f.limit", low=1, high=500)
        offset = whole_number(query.get("f.offset", "0"), "f.offset", low=0, high=None)
        keep = date_filter(query)
        with self._lock:
            ordered = sorted(self._disputes.values(), key=lambda d: (d["created"], d["id"]))
            matching = [d for d in ordered if keep(d)]
            page = matching[offset : offset + limit]
            return {"results": copy.deepcopy(page), "count": len(matching)}

    def verify_event(self, event_id: str) -> Json:
        with self._lock:
            event = self._events.get(event_id)
            if event is None:
                raise ApiError(404, f"no event {event_id}")
            return copy.deepcopy(event)

    def record_event(self, event: Json) -> None:
        """Remember an event built elsewhere (a documented sample) so ``verify`` knows it."""
        with self._lock:
            self._events[event["id"]] = copy.deepcopy(event)

    @property
    def dispute_count(self) -> int:
        with self._lock:
            return len(self._disputes)

    # --- internals ---------------------------------------------------------------------------

    def _get(self, dispute_id: str) -> Json:
        resource = self._disputes.get(dispute_id)
        if resource is None:
            raise ApiError(404, f"no dispute {dispute_id}")
        return resource

    def _record_event(self, resource: Json, *, previous: Json, changes: Json) -> Json:
        event = {
            "object": "event",
            "id": new_id(),
            "resource": copy.deepcopy(resource),
            "diff": {"previous": previous, "changes": copy.deepcopy(changes)},
            "sourceId": resource["id"],
            "sourceType": "Dispute",
            "status": "active",
            "created": resource["lastUpdated"],
            "lastUpdated": resource["lastUpdated"],
        }
        self._events[event["id"]] = event
        return copy.deepcopy(event)

    @staticmethod
    def _next_update(resource: Json) -> str:
        # Strictly after the last update, so two quick transitions never share a timestamp.
        now = datetime.now(UTC)
        last = parse_iso(resource["lastUpdated"])
        return iso(max(now, last + timedelta(milliseconds=1)))

    @staticmethod
    def _dispute_fee(resource: Json) -> Json:
        moment = iso(datetime.now(UTC))
        return {
            "object": "fee",
            "id": new_id(),
            "amount": "35.00",
            "resourceAmount": resource["amount"],
            "currency": resource["currency"],
            "status": "active",
            "created": moment,
            "lastUpdated": moment,
        }


def _creation_diff(resource: Json) -> Json:
    return {key: resource[key] for key in ("object", "id", "reason", "status")}
