"""Paystand as a :class:`DisputeProvider`: the thin processor that keeps the core honest — no
webhook signature, no evidence API, no deadline."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from engine.disputes.model import DisputeEvent, DisputeState
from engine.errors import NotConfigured, ProviderError, SettingError
from engine.evidence.model import EvidenceRules, FileField, TextField
from engine.health.checks import Check, Verdict, one_line
from engine.plugins.provider import Capabilities, DisputeProvider, WebhookRequest, WebhookVerdict
from engine.settings import PREFIX, Settings
from providers.paystand import webhook
from providers.paystand.api import Credentials, PaystandApi
from providers.paystand.consts import DEFAULT_API_BASE, PROVIDER_ID
from providers.paystand.mapping import UnreadableDispute, is_bank_dispute, to_event

log = logging.getLogger("disputes.paystand")

MIN_WEBHOOK_TOKEN_LENGTH = 32
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._~-]+")
PAGE_SIZE = 50
"""Paystand's default page size; the API's maximum is not documented."""
_REQUIRED = ("CLIENT_ID", "CLIENT_SECRET", "CUSTOMER_ID", "WEBHOOK_TOKEN")


class PaystandProvider(DisputeProvider):
    id = PROVIDER_ID
    display_name = "Paystand"
    capabilities = Capabilities(
        verifies_signatures=False,
        supports_evidence_api=False,
        supports_accept=False,
        provides_deadline=False,
    )

    def __init__(self, api: PaystandApi, webhook_token: str) -> None:
        self.api = api
        self._webhook_token = webhook_token

    @classmethod
    def from_settings(cls, settings: Settings) -> PaystandProvider:
        names = [f"PAYSTAND_{name}" for name in _REQUIRED]
        values = {name: settings.get(name) for name in names}
        if not any(values.values()):
            raise NotConfigured(
                "Paystand is not configured: set " + ", ".join(PREFIX + name for name in names)
            )
        for name, value in values.items():
            if value is None:  # half a configuration is a mistake, not "off"
                raise SettingError(PREFIX + name, "is not set (the other Paystand settings are)")
        token = settings.require("PAYSTAND_WEBHOOK_TOKEN")
        if len(token) < MIN_WEBHOOK_TOKEN_LENGTH or not _TOKEN_CHARACTERS.fullmatch(token):
            raise SettingError(
                PREFIX + "PAYSTAND_WEBHOOK_TOKEN",
                f"must be at least {MIN_WEBHOOK_TOKEN_LENGTH} URL-safe characters (letters, "
                "digits, - _ . ~), e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`: it is the webhook's only authentication",
            )
        base = settings.get("PAYSTAND_API_BASE") or DEFAULT_API_BASE
        if not base.startswith(("https://", "http://")):
            raise SettingError(
                PREFIX + "PAYSTAND_API_BASE", f"must be an http(s) URL, not {base!r}"
            )
        timeout = _seconds(settings.get("PAYSTAND_TIMEOUT"), PREFIX + "PAYSTAND_TIMEOUT")
        credentials = Credentials(
            client_id=settings.require("PAYSTAND_CLIENT_ID"),
            client_secret=settings.require("PAYSTAND_CLIENT_SECRET"),
            customer_id=settings.require("PAYSTAND_CUSTOMER_ID"),
        )
        return cls(PaystandApi(base, credentials, timeout=timeout), token)

    def handle_webhook(self, request: WebhookRequest) -> WebhookVerdict:
        return webhook.handle(request, token=self._webhook_token, fetch=self.api.get_dispute)

    def iter_disputes(self) -> Iterator[DisputeEvent]:
        """Every dispute, page by page (offset pagination). A dispute seen twice (the list
        shifted under us) is yielded once; disputes the engine cannot read are skipped and named
        in one error at the end, so one bad record does not hold back the rest."""
        seen: set[str] = set()
        unreadable: list[str] = []
        offset = 0
        while True:
            page = self.api.list_disputes(offset=offset, limit=PAGE_SIZE)
            for raw in page.results:
                dispute_id = str(raw.get("id"))
                if dispute_id in seen:
                    continue
                seen.add(dispute_id)
                try:
                    event = to_event(raw)
                except UnreadableDispute as error:
                    log.error("%s", error)
                    unreadable.append(dispute_id)
                    continue
                yield event
            offset += len(page.results)
            if not page.results or offset >= page.count:
                break
        if unreadable:
            raise ProviderError(
                f"{len(unreadable)} Paystand disputes could not be read: "
                + ", ".join(unreadable[:20])
            )

    def fetch_dispute(self, dispute_id: str, account: str | None) -> DisputeEvent:
        return to_event(self.api.get_dispute(dispute_id))

    @property
    def evidence_rules(self) -> EvidenceRules:
        # A person hands the packet to Paystand's team, who file it with the network: every
        # neutral field is welcome and Paystand sets no limits of its own.
        return EvidenceRules(text_fields=frozenset(TextField), file_fields=frozenset(FileField))

    def submission_blocker(self, dispute: DisputeState) -> str | None:
        if is_bank_dispute(dispute.raw_dispute):
            return "Paystand bank (ACH) disputes are final on arrival and cannot be contested"
        return "Paystand has no evidence API: send the packet by hand"

    def diagnose(self, public_url: str | None) -> list[Check]:
        """One page of one dispute: a token for the client credentials, then a read the
        customer id must allow. The webhook is registered in Paystand's dashboard, where no API
        can see it: the check says which URL to register, without its token."""
        name = "paystand credentials"
        try:
            page = self.api.list_disputes(offset=0, limit=1)
        except ProviderError as error:
            credentials = Check(name=name, verdict=Verdict.FAILED, detail=one_line(error))
        else:
            credentials = Check(
                name=name,
                verdict=Verdict.OK,
                detail=f"client credentials and customer id read disputes ({page.count} known)",
            )
        base = (public_url or "https://YOUR-ENGINE").rstrip("/")
        webhook_check = Check(
            name="paystand webhook",
            verdict=Verdict.SKIPPED,
            detail=f"not visible through Paystand's API: register {base}/webhooks/paystand/"
            "<DISPUTES_PAYSTAND_WEBHOOK_TOKEN> in Paystand's dashboard",
        )
        return [credentials, webhook_check]

    def close(self) -> None:
        self.api.close()


def _seconds(value: str | None, variable: str) -> float:
    if value is None:
        return 10.0
    try:
        seconds = float(value)
    except ValueError:
        raise SettingError(variable, f"must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= 120:
        raise SettingError(variable, "must be between 0 and 120 seconds")
    return seconds
