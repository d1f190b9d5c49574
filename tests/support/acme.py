"""The test providers, registered like any third-party plugin: ``acme`` has an evidence API,
``handpay`` has none (its evidence is sent by hand). Their webhooks take JSON bodies naming one
dispute snapshot, with a shared-secret header standing in for a signature; their list endpoint
answers :attr:`AcmeProvider.listed` (engine tests of sync bookkeeping need no processor on the
wire — the processor tests talk to the Stripe and Paystand emulators over HTTP)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import msgspec

from engine import hookimpl
from engine.disputes.model import (
    Described,
    DisputeEvent,
    DisputeSnapshot,
    Funds,
    Money,
    Reason,
    Stage,
    Status,
)
from engine.errors import DisputeUnknown, ProviderError
from engine.evidence.model import EvidenceRules, FileField, TextField
from engine.plugins.provider import (
    Accepted,
    Capabilities,
    DisputeProvider,
    Ignored,
    Rejected,
    WebhookRequest,
    WebhookVerdict,
)
from engine.plugins.registry import ProviderRegister
from engine.settings import Settings

WEBHOOK_SECRET = "acme-webhook-secret"


class AcmeProvider(DisputeProvider):
    id = "acme"
    display_name = "Acme Pay"
    capabilities = Capabilities(
        supports_evidence_api=True,
        supports_accept=False,
    )
    listed: ClassVar[list[DisputeEvent]] = []
    """What Acme's list endpoint answers (and ``fetch_dispute`` reads from)."""
    fail_after: ClassVar[int | None] = None
    """The list endpoint fails for good after this many disputes."""

    @classmethod
    def from_settings(cls, settings: Settings) -> AcmeProvider:
        return cls()

    def handle_webhook(self, request: WebhookRequest) -> WebhookVerdict:
        if not hmac.compare_digest(request.headers.get("x-acme-secret", ""), WEBHOOK_SECRET):
            return Rejected(status_code=400, reason="bad secret")
        document: dict[str, Any] = msgspec.json.decode(request.body)
        if document.get("type") != "dispute.updated":
            return Ignored(event_id=document.get("id"), event_type=document.get("type"), reason="")
        event = event_for(
            self.id,
            str(document["id"]),
            str(document["dispute_id"]),
            Status(document["status"]),
            customer_name=document.get("customer_name"),
        )
        return Accepted(event_id=event.event_id, event_type="dispute.updated", events=(event,))

    def iter_disputes(self) -> Iterator[DisputeEvent]:
        for index, event in enumerate(self.listed):
            if self.fail_after is not None and index >= self.fail_after:
                raise ProviderError("Acme's list endpoint answered 500 three times")
            yield event

    def fetch_dispute(self, dispute_id: str, account: str | None) -> Described:
        for event in self.listed:
            if isinstance(event, Described) and event.dispute_id == dispute_id:
                return event
        raise DisputeUnknown(f"Acme does not know dispute {dispute_id}")

    @property
    def evidence_rules(self) -> EvidenceRules:
        return EvidenceRules(
            text_fields=frozenset({TextField.PRODUCT_DESCRIPTION}),
            file_fields=frozenset({FileField.RECEIPT}),
        )


class HandPayProvider(AcmeProvider):
    id = "handpay"
    display_name = "HandPay"
    capabilities = Capabilities(
        supports_evidence_api=False,
        supports_accept=False,
        supports_sync=False,
    )


def event_for(
    provider: str,
    event_id: str,
    dispute_id: str,
    status: Status,
    *,
    occurred_at: datetime | None = None,
    amount: str = "798.29",
    currency: str = "USD",
    reason: str = "fraudulent",
    customer_name: str | None = "Ada Lovelace",
    respond_by: datetime | None = None,
    created_at: datetime | None = None,
    stage: Stage = Stage.CHARGEBACK,
    fees: tuple[Money, ...] = (),
) -> Described:
    moment = occurred_at or datetime.now(UTC)
    return Described(
        provider=provider,
        event_id=event_id,
        dispute_id=dispute_id,
        type="dispute.updated",
        occurred_at=moment,
        snapshot=DisputeSnapshot(
            stage=stage,
            status=status,
            provider_status=f"raw_{status.value}",
            reason=Reason(reason),
            provider_reason=reason,
            money=Money(amount=Decimal(amount), currency=currency),
            funds=Funds.DEBITED,
            network_reason_code="10.4",
            respond_by=respond_by,
            payment_id=f"pay_{dispute_id}",
            customer_email="ada@example.com",
            customer_name=customer_name,
            created_at=created_at or moment,
            fees=fees,
        ),
        raw_dispute={"id": dispute_id, "status": f"raw_{status.value}"},
    )


@hookimpl
def register_providers(register: ProviderRegister) -> None:
    register(AcmeProvider)
    register(HandPayProvider)
