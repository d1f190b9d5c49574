"""A small in-process provider for engine tests that need no processor on the wire.

The processor tests (Stripe, Paystand) talk to their emulators over HTTP; engine-level rules
(sync bookkeeping, failures of one dispute) are tested against this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from engine import hookimpl
from engine.disputes.model import DisputeEvent
from engine.errors import DisputeUnknown, ProviderError
from engine.evidence.model import EvidenceRules
from engine.plugins.provider import (
    Capabilities,
    DisputeProvider,
    Ignored,
    WebhookRequest,
    WebhookVerdict,
)
from engine.settings import Settings


class AcmeProvider(DisputeProvider):
    id = "acme"
    display_name = "Acme Pay"
    capabilities = Capabilities(
        verifies_signatures=True,
        supports_evidence_api=False,
        supports_accept=False,
        provides_deadline=True,
    )
    disputes: ClassVar[list[DisputeEvent]] = []
    fail_after: ClassVar[int | None] = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AcmeProvider:
        return cls()

    def handle_webhook(self, request: WebhookRequest) -> WebhookVerdict:
        return Ignored(event_id=None, event_type=None, reason="acme sends no webhooks")

    def iter_disputes(self) -> Iterator[DisputeEvent]:
        for index, event in enumerate(self.disputes):
            if self.fail_after is not None and index >= self.fail_after:
                raise ProviderError("Acme's list endpoint answered 500 three times")
            yield event

    def fetch_dispute(self, dispute_id: str, account: str | None) -> DisputeEvent:
        for event in self.disputes:
            if event.dispute_id == dispute_id:
                return event
        raise DisputeUnknown(dispute_id)

    @property
    def evidence_rules(self) -> EvidenceRules:
        return EvidenceRules(text_fields=frozenset(), file_fields=frozenset())


@hookimpl
def register_providers(register: object) -> None:
    register(AcmeProvider)  # type: ignore[operator]
