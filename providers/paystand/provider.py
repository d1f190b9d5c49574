"""Paystand as a :class:`DisputeProvider`: the thin processor that keeps the core honest — no
webhook signature, no evidence API, no deadline."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from engine.disputes.model import Described, DisputeEvent, DisputeState
from engine.evidence.model import EvidenceRules, FileField, TextField
from engine.plugins.provider import (
    Capabilities,
    DisputeProvider,
    UnreadableDispute,
    WebhookRequest,
    WebhookVerdict,
)
from engine.plugins.settings import decode_settings
from engine.settings import Settings
from providers.paystand import webhook
from providers.paystand.api import Credentials, PaystandApi
from providers.paystand.consts import PROVIDER_ID
from providers.paystand.mapping import UnreadableRecord, is_bank_dispute, to_event
from providers.paystand.settings import PaystandSettings

log = logging.getLogger("disputes.paystand")

PAGE_SIZE = 50
"""Paystand's default page size; the API's maximum is not documented."""


class PaystandProvider(DisputeProvider):
    id = PROVIDER_ID
    display_name = "Paystand"
    capabilities = Capabilities(
        supports_evidence_api=False,
        supports_accept=False,
    )

    def __init__(self, api: PaystandApi, webhook_token: str) -> None:
        self.api = api
        self._webhook_token = webhook_token

    @classmethod
    def from_settings(cls, settings: Settings) -> PaystandProvider:
        typed = decode_settings(settings, PaystandSettings, "PAYSTAND", display_name="Paystand")
        credentials = Credentials(
            client_id=typed.client_id,
            client_secret=typed.client_secret,
            customer_id=typed.customer_id,
        )
        return cls(
            PaystandApi(typed.api_base, credentials, timeout=typed.timeout), typed.webhook_token
        )

    def handle_webhook(self, request: WebhookRequest) -> WebhookVerdict:
        return webhook.handle(request, token=self._webhook_token, fetch=self.api.get_dispute)

    def iter_disputes(self) -> Iterator[DisputeEvent | UnreadableDispute]:
        """Every dispute, page by page (offset pagination). A dispute seen twice (the list
        shifted under us) is yielded once; one the engine cannot read is yielded as
        :class:`UnreadableDispute`, so the sync records it and one bad record does not hold
        back the rest."""
        return self._listing(None)

    def iter_disputes_since(self, since: datetime) -> Iterator[DisputeEvent | UnreadableDispute]:
        """The disputes created on or after the day before ``since``: Paystand filters by
        whole days, and in which time zone is not documented, so a day more is read."""
        return self._listing((since.astimezone(UTC) - timedelta(days=1)).date())

    def _listing(self, created_from: date | None) -> Iterator[DisputeEvent | UnreadableDispute]:
        seen: set[str] = set()
        offset = 0
        while True:
            page = self.api.list_disputes(offset=offset, limit=PAGE_SIZE, created_from=created_from)
            for raw in page.results:
                dispute_id = str(raw.get("id"))
                if dispute_id in seen:
                    continue
                seen.add(dispute_id)
                try:
                    yield to_event(raw)
                except UnreadableRecord as error:
                    yield UnreadableDispute(dispute_id=dispute_id, error=str(error))
            offset += len(page.results)
            if not page.results or offset >= page.count:
                break

    def fetch_dispute(self, dispute_id: str, account: str | None) -> Described:
        return to_event(self.api.get_dispute(dispute_id))

    @property
    def evidence_rules(self) -> EvidenceRules:
        # A person hands the packet to Paystand's team, who file it with the network: every
        # neutral field is welcome and Paystand sets no limits of its own.
        return EvidenceRules(text_fields=frozenset(TextField), file_fields=frozenset(FileField))

    def submission_blocker(self, dispute: DisputeState, *, now: datetime) -> str | None:
        if is_bank_dispute(dispute.raw_dispute):
            return "Paystand bank (ACH) disputes are final on arrival and cannot be contested"
        return super().submission_blocker(dispute, now=now)

    def close(self) -> None:
        self.api.close()
