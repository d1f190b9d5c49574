"""``StripeProvider``: the engine's view of Stripe."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from engine.disputes.model import Described, DisputeEvent, DisputeState, Stage
from engine.errors import ProviderError, ProviderRejected
from engine.evidence.model import EvidenceRules, validate_packet
from engine.evidence.visa_ce3.assess import VISA_CE3_RESPONSE_KEY
from engine.health.checks import Check, Verdict, one_line
from engine.plugins.provider import (
    Capabilities,
    ChargeFacts,
    DisputeProvider,
    Rejected,
    SubmissionReceipt,
    SubmissionRequest,
    UnreadableDispute,
    WebhookRegistration,
    WebhookRequest,
    WebhookVerdict,
)
from engine.plugins.settings import decode_settings
from engine.settings import Settings
from providers.stripe import endpoint, visa_ce3, webhook
from providers.stripe.connect import PLATFORM_ONLY, ConnectScope, parse_connect_accounts
from providers.stripe.connect import VARIABLE as CONNECT_VARIABLE
from providers.stripe.consts import (
    EVIDENCE_RULES,
    FILE_PURPOSE,
    PAGE_SIZE,
    PROVIDER_ID,
    RESPONDABLE_STATUSES,
)
from providers.stripe.fraud_warnings import charge_facts
from providers.stripe.mapping import MappingError, event_from_api
from providers.stripe.settings import StripeSettings
from providers.stripe.stripe_api import StripeApi

log = logging.getLogger("disputes.stripe")


class StripeProvider(DisputeProvider):
    id: ClassVar[str] = PROVIDER_ID
    display_name: ClassVar[str] = "Stripe"
    capabilities: ClassVar[Capabilities] = Capabilities(
        supports_evidence_api=True,
        supports_accept=True,
        supports_sync=True,
        supports_refund=True,
        registers_webhooks=True,
        webhooks_call_api=False,
    )

    def __init__(
        self,
        api: StripeApi,
        webhook_secrets: tuple[str, ...],
        connect: ConnectScope = PLATFORM_ONLY,
    ) -> None:
        self.api = api
        self.webhook_secrets = webhook_secrets
        self.connect = connect

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeProvider:
        typed = stripe_settings(settings)
        connect = parse_connect_accounts(typed.connect_accounts)
        secrets = webhook.parse_secrets(typed.webhook_secret or "")
        return cls(api_from_settings(typed), secrets, connect)

    # -- webhooks --------------------------------------------------------------------------

    def handle_webhook(self, request: WebhookRequest) -> WebhookVerdict:
        if not self.webhook_secrets:
            # 503, not 400: Stripe keeps retrying for three days, so nothing is lost while the
            # operator sets the secret.
            return Rejected(
                status_code=503,
                reason="DISPUTES_STRIPE_WEBHOOK_SECRET is not set: cannot verify Stripe webhooks",
            )
        return webhook.handle(request, self.webhook_secrets)

    # -- reading -----------------------------------------------------------------------------

    def iter_disputes(self) -> Iterator[DisputeEvent | UnreadableDispute]:
        """Every dispute of the platform, then of each connected account that
        ``DISPUTES_STRIPE_CONNECT_ACCOUNTS`` names, newest first, 100 per page.

        A connected account's disputes carry its id as ``account``, so every later call for
        them sends ``Stripe-Account``. A platform page that still fails after retries stops the
        sync (raised); one connected account that cannot be read (access revoked, a permission
        the key lacks, Stripe failing for it) is yielded as one :class:`UnreadableDispute` named
        by the account id, so the report shows it, and the next account is read.
        """
        return self._every_account(None)

    def iter_disputes_since(self, since: datetime) -> Iterator[DisputeEvent | UnreadableDispute]:
        """The same, for disputes created at or after ``since`` (``created[gte]``)."""
        return self._every_account(int(since.timestamp()))

    def _every_account(self, created_gte: int | None) -> Iterator[DisputeEvent | UnreadableDispute]:
        yield from self._disputes_of(None, created_gte)
        for account in self._connected_accounts():
            try:
                yield from self._disputes_of(account, created_gte)
            except ProviderError as error:
                log.warning("Stripe connected account %s cannot be synced: %s", account, error)
                yield UnreadableDispute(
                    dispute_id=account,
                    error=f"disputes of connected account {account} cannot be listed: {error}",
                )

    def _disputes_of(
        self, account: str | None, created_gte: int | None = None
    ) -> Iterator[DisputeEvent | UnreadableDispute]:
        """One account's disputes (``None``: the platform's), page by page."""
        starting_after: str | None = None
        while True:
            page, has_more = self.api.list_disputes(
                limit=PAGE_SIZE,
                starting_after=starting_after,
                account=account,
                created_gte=created_gte,
            )
            fetched_at = datetime.now(tz=UTC)
            for raw in page:
                try:
                    yield event_from_api(raw, account, fetched_at)
                except MappingError as error:
                    yield UnreadableDispute(
                        dispute_id=str(raw.get("id")),
                        error=f"Stripe dispute cannot be read: {error}",
                    )
            if not has_more or not page:
                return
            starting_after = str(page[-1]["id"])

    def _connected_accounts(self) -> Iterator[str]:
        """The connected accounts to read: the configured ids, or every account the platform
        lists (page by page, so a large platform is never held in memory)."""
        if not self.connect.every_account:
            yield from self.connect.accounts
            return
        starting_after: str | None = None
        while True:
            try:
                page, has_more = self.api.list_accounts(
                    limit=PAGE_SIZE, starting_after=starting_after
                )
            except ProviderError as error:
                raise type(error)(
                    f"Stripe's connected accounts cannot be listed ({CONNECT_VARIABLE}=all): "
                    f"{error}"
                ) from error
            yield from page
            if not has_more or not page:
                return
            starting_after = page[-1]

    def fetch_dispute(self, dispute_id: str, account: str | None) -> Described:
        raw = self.api.retrieve_dispute(dispute_id, account)
        try:
            return event_from_api(raw, account, datetime.now(tz=UTC))
        except MappingError as error:
            raise ProviderError(f"Stripe dispute {dispute_id!r} cannot be read: {error}") from error

    # -- evidence ----------------------------------------------------------------------------

    @property
    def evidence_rules(self) -> EvidenceRules:
        return EVIDENCE_RULES

    def submission_blocker(self, dispute: DisputeState, *, now: datetime) -> str | None:
        neutral = super().submission_blocker(dispute, now=now)
        if neutral is not None:
            return neutral
        if dispute.submission_count:
            return (
                f"Stripe already has {dispute.submission_count} submission(s) for this dispute "
                "and accepts only one"
            )
        if dispute.stage is Stage.APPEAL:
            return "an appeal takes Stripe's appeal evidence, which is filed by hand"
        if dispute.provider_status not in RESPONDABLE_STATUSES:
            return f"Stripe does not take evidence for a dispute that is {dispute.provider_status}"
        if dispute.respond_by is None:
            return "Stripe allows no response to this dispute (no due date)"
        return None

    def submit_evidence(self, request: SubmissionRequest) -> SubmissionReceipt:
        """Validate, upload the files, then submit — every write under a key derived from
        ``request.idempotency_key``, so a retry after a crash replays instead of repeating."""
        packet = request.packet
        sizes = {}
        for document in packet.files:
            try:
                sizes[document.path] = Path(document.path).stat().st_size
            except OSError as error:
                raise ProviderRejected(
                    f"{document.field}: evidence file {document.name} cannot be read: "
                    f"{error.strerror}"
                ) from error
        violations = validate_packet(packet, EVIDENCE_RULES, sizes)
        if violations:
            raise ProviderRejected(
                "evidence breaks Stripe's rules: " + "; ".join(str(v) for v in violations),
                code="evidence_invalid",
            )
        # The deadline is not re-checked here: the engine asked submission_blocker before a new
        # submission, and a resumed one may already have reached Stripe before the deadline —
        # only Stripe can say (it replays the earlier answer, or refuses with its own 400).
        dispute = request.dispute
        key = request.idempotency_key
        uploaded: dict[str, str] = {}
        for document in packet.files:
            uploaded[document.field.value] = self.api.upload_evidence_file(
                document.path,
                purpose=FILE_PURPOSE,
                account=dispute.account,
                idempotency_key=f"{key}:file:{document.field.value}",
            )
        texts = {item.field.value: item.text for item in packet.texts}
        evidence: dict[str, Any] = {**texts, **uploaded}
        if packet.visa_ce3 is not None:
            evidence["enhanced_evidence"] = visa_ce3.enhanced_evidence(packet.visa_ce3)
        try:
            answer = self.api.update_dispute(
                dispute.dispute_id,
                evidence=evidence,
                submit=request.submit,
                account=dispute.account,
                idempotency_key=f"{key}:{'submit' if request.submit else 'stage'}",
            )
        except ProviderRejected as refusal:
            answer = self._already_holds(dispute.dispute_id, dispute.account, texts, refusal)
        details = answer.get("evidence_details") or {}
        response: dict[str, object] = {
            "id": answer.get("id"),
            "status": answer.get("status"),
            "submission_count": details.get("submission_count"),
            "files": dict(uploaded),
        }
        after = visa_ce3.eligibility(answer)
        if after.offered:
            # Stripe's own verdict once the block is in: what the detail page shows as "after".
            response[VISA_CE3_RESPONSE_KEY] = {
                "sent": packet.visa_ce3 is not None,
                "status": after.status,
                "required_actions": list(after.required_actions),
            }
        return SubmissionReceipt(
            submitted=request.submit,
            response=response,
            uploaded_files=uploaded,
        )

    def _already_holds(
        self,
        dispute_id: str,
        account: str | None,
        texts: dict[str, str],
        refusal: ProviderRejected,
    ) -> dict[str, Any]:
        """Stripe's dispute when a refused submission is one Stripe already took from us.

        Stripe keeps idempotency keys for 24 hours: a submission resumed after a longer outage
        (the first attempt reached Stripe, our record of it did not survive) is refused as a
        second submission. If Stripe holds exactly our text evidence, it took ours: that is a
        success, not a refusal. Anything else re-raises the refusal. (Stripe's error code for a
        second submission is not documented, so Stripe's own record is what is checked.)
        """
        current = self.api.retrieve_dispute(dispute_id, account)
        held = current.get("evidence") or {}
        details = current.get("evidence_details") or {}
        if (
            texts
            and details.get("submission_count")
            and all(held.get(name) == text for name, text in texts.items())
        ):
            log.info("Stripe already holds this evidence for %s: recorded as submitted", dispute_id)
            return current
        raise refusal

    def close(self) -> None:
        self.api.close()

    # -- early fraud warnings ------------------------------------------------------------------

    def read_charge(self, charge_id: str, account: str | None) -> ChargeFacts:
        raw = self.api.retrieve_charge(charge_id, account)
        try:
            return charge_facts(raw)
        except MappingError as error:
            raise ProviderError(f"Stripe charge {charge_id!r}: {error}") from error

    def refund_charge(
        self, charge_id: str, account: str | None, *, idempotency_key: str, warning_id: str
    ) -> str:
        refund = self.api.create_refund(
            charge_id, account=account, idempotency_key=idempotency_key, warning_id=warning_id
        )
        return str(refund["id"])

    # -- set-up and diagnosis ----------------------------------------------------------------

    def register_webhook(self, url: str) -> WebhookRegistration:
        return endpoint.register(self.api, url)

    def diagnose(self, public_url: str | None) -> list[Check]:
        """The key reads disputes (the permission the engine needs most), a signing secret is
        set, and Stripe's endpoint for this engine sends every event it handles."""
        credentials = self._credentials_check()
        checks = [credentials]
        if not self.webhook_secrets:
            checks.append(
                Check(
                    name="stripe webhook secret",
                    verdict=Verdict.FAILED,
                    detail="DISPUTES_STRIPE_WEBHOOK_SECRET is not set: Stripe's webhooks are "
                    "answered 503 until it is",
                )
            )
        if credentials.verdict is Verdict.OK:
            checks.append(endpoint.check(self.api, public_url))
        else:
            checks.append(
                Check(
                    name=endpoint.CHECK_NAME,
                    verdict=Verdict.SKIPPED,
                    detail="not checked: the API key does not work",
                )
            )
        return checks

    def _credentials_check(self) -> Check:
        name = "stripe credentials"
        try:
            self.api.list_disputes(limit=1)
        except ProviderError as error:
            return Check(name=name, verdict=Verdict.FAILED, detail=one_line(error))
        return Check(name=name, verdict=Verdict.OK, detail="the API key reads disputes")

    def accept_dispute(self, dispute: DisputeState, idempotency_key: str) -> None:
        self.api.close_dispute(
            dispute.dispute_id, account=dispute.account, idempotency_key=f"{idempotency_key}:close"
        )


def stripe_settings(settings: Settings) -> StripeSettings:
    """The ``DISPUTES_STRIPE_*`` settings; :class:`NotConfigured` without an API key."""
    return decode_settings(settings, StripeSettings, "STRIPE", display_name="Stripe")


def api_from_settings(settings: StripeSettings) -> StripeApi:
    return StripeApi(
        settings.api_key,
        api_base=settings.api_base.rstrip("/") if settings.api_base else None,
        max_network_retries=settings.max_network_retries,
        timeout_seconds=settings.timeout_seconds,
    )
