"""``StripeProvider``: the engine's view of Stripe."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from engine.disputes.model import DisputeEvent, DisputeState, Stage
from engine.errors import NotConfigured, ProviderError, ProviderRejected, SettingError
from engine.evidence.model import EvidenceRules, validate_packet
from engine.evidence.visa_ce3.assess import VISA_CE3_RESPONSE_KEY
from engine.health.checks import Check, Verdict, one_line
from engine.plugins.provider import (
    Capabilities,
    DisputeProvider,
    Rejected,
    SubmissionReceipt,
    SubmissionRequest,
    UnreadableDispute,
    WebhookRegistration,
    WebhookRequest,
    WebhookVerdict,
)
from engine.settings import Settings, parse_int
from providers.stripe import endpoint, visa_ce3, webhook
from providers.stripe.connect import PLATFORM_ONLY, ConnectScope, connect_scope_from_settings
from providers.stripe.connect import VARIABLE as CONNECT_VARIABLE
from providers.stripe.consts import (
    EVIDENCE_RULES,
    FILE_PURPOSE,
    PAGE_SIZE,
    PROVIDER_ID,
    RESPONDABLE_STATUSES,
)
from providers.stripe.mapping import MappingError, event_from_api
from providers.stripe.stripe_api import StripeApi

log = logging.getLogger("disputes.stripe")

DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_MAX_RETRIES = 3


class StripeProvider(DisputeProvider):
    id: ClassVar[str] = PROVIDER_ID
    display_name: ClassVar[str] = "Stripe"
    capabilities: ClassVar[Capabilities] = Capabilities(
        verifies_signatures=True,
        supports_evidence_api=True,
        supports_accept=True,
        provides_deadline=True,
        supports_sync=True,
        registers_webhooks=True,
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
        api = api_from_settings(settings)  # NotConfigured first: no key means Stripe is off
        try:
            secrets = webhook_secrets_from_settings(settings)
            connect = connect_scope_from_settings(settings)
        except SettingError:
            api.close()
            raise
        return cls(api, secrets, connect)

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
        yield from self._disputes_of(None)
        for account in self._connected_accounts():
            try:
                yield from self._disputes_of(account)
            except ProviderError as error:
                log.warning("Stripe connected account %s cannot be synced: %s", account, error)
                yield UnreadableDispute(
                    dispute_id=account,
                    error=f"disputes of connected account {account} cannot be listed: {error}",
                )

    def _disputes_of(self, account: str | None) -> Iterator[DisputeEvent | UnreadableDispute]:
        """One account's disputes (``None``: the platform's), page by page."""
        starting_after: str | None = None
        while True:
            page, has_more = self.api.list_disputes(
                limit=PAGE_SIZE, starting_after=starting_after, account=account
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

    def fetch_dispute(self, dispute_id: str, account: str | None) -> DisputeEvent:
        raw = self.api.retrieve_dispute(dispute_id, account)
        try:
            return event_from_api(raw, account, datetime.now(tz=UTC))
        except MappingError as error:
            raise ProviderError(f"Stripe dispute {dispute_id!r} cannot be read: {error}") from error

    # -- evidence ----------------------------------------------------------------------------

    @property
    def evidence_rules(self) -> EvidenceRules:
        return EVIDENCE_RULES

    def submission_blocker(self, dispute: DisputeState) -> str | None:
        if dispute.submission_count:
            return (
                f"Stripe already has {dispute.submission_count} submission(s) for this dispute "
                "and accepts only one"
            )
        if dispute.stage is Stage.APPEAL:
            return "an appeal takes Stripe's appeal evidence, which is filed by hand"
        if dispute.provider_status not in RESPONDABLE_STATUSES:
            return f"Stripe does not take evidence for a dispute that is {dispute.provider_status}"
        return _deadline_blocker(dispute)

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


def _deadline_blocker(dispute: DisputeState) -> str | None:
    if dispute.respond_by is None:
        return "Stripe allows no response to this dispute (no due date)"
    if dispute.respond_by <= datetime.now(tz=UTC):
        return f"the deadline passed at {dispute.respond_by.isoformat()}"
    return None


def api_from_settings(settings: Settings) -> StripeApi:
    api_key = settings.get("STRIPE_API_KEY")
    if api_key is None:
        raise NotConfigured("Stripe is not configured: set DISPUTES_STRIPE_API_KEY")
    if not api_key.startswith(("sk_", "rk_")):
        raise SettingError(
            "DISPUTES_STRIPE_API_KEY", "must be a secret (sk_…) or restricted (rk_…) key"
        )
    api_base = settings.get("STRIPE_API_BASE")
    if api_base is not None:
        parts = urlsplit(api_base)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise SettingError(
                "DISPUTES_STRIPE_API_BASE", f"must be an http(s) URL, not {api_base!r}"
            )
        api_base = api_base.rstrip("/")
    return StripeApi(
        api_key,
        api_base=api_base,
        max_network_retries=parse_int(
            settings.get("STRIPE_MAX_NETWORK_RETRIES"),
            "DISPUTES_STRIPE_MAX_NETWORK_RETRIES",
            default=DEFAULT_MAX_RETRIES,
        ),
        timeout_seconds=parse_int(
            settings.get("STRIPE_TIMEOUT_SECONDS"),
            "DISPUTES_STRIPE_TIMEOUT_SECONDS",
            default=DEFAULT_TIMEOUT_SECONDS,
            minimum=1,
        ),
    )


def webhook_secrets_from_settings(settings: Settings) -> tuple[str, ...]:
    value = settings.get("STRIPE_WEBHOOK_SECRET")
    if value is None:
        return ()
    secrets = webhook.parse_secrets(value)
    for secret in secrets:
        if not secret.startswith("whsec_"):
            raise SettingError(
                "DISPUTES_STRIPE_WEBHOOK_SECRET",
                "each secret (comma-separated) must be an endpoint secret starting with whsec_",
            )
    if not secrets:
        raise SettingError("DISPUTES_STRIPE_WEBHOOK_SECRET", "holds no secret")
    return secrets
