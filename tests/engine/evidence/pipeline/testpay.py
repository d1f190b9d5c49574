"""A test-only processor and test evidence sources, loaded as a plugin by dotted path.

``testpay`` submits evidence over real HTTP to :class:`ProcessorServer` (a loopback server that
records what it receives, replays answers for a repeated idempotency key, and can be told to
fail or refuse); ``manualpay`` has no evidence API.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx

from engine import hookimpl
from engine.disputes.model import Described, DisputeEvent, DisputeState
from engine.errors import DisputeUnknown, ProviderRejected, ProviderUnavailable
from engine.evidence.model import EvidenceRules, FileField, TextField
from engine.notifications.notifier import Notification, Notifier
from engine.plugins.provider import (
    Capabilities,
    DisputeProvider,
    Rejected,
    SubmissionReceipt,
    SubmissionRequest,
    WebhookRequest,
    WebhookVerdict,
)
from engine.plugins.registry import EvidenceSourceRegister, NotifierRegister, ProviderRegister
from engine.plugins.sources import (
    Attachment,
    Contribution,
    EvidenceContext,
    EvidenceSource,
    Section,
)
from engine.settings import Settings
from engine.testing import make_design_image
from tests.engine.evidence.packet.contributed_pdfs import encrypted_pdf, garbage_pdf, hostile_pdf

STRIPE_LIKE_RULES = EvidenceRules(
    text_fields=frozenset(TextField),
    file_fields=frozenset(FileField),
    long_text_limit=20_000,
    long_text_fields=frozenset(
        {TextField.ACCESS_ACTIVITY_LOG, TextField.UNCATEGORIZED_TEXT, TextField.PRODUCT_DESCRIPTION}
    ),
    short_text_limit=5_000,
    total_text_limit=150_000,
    file_size_limit=5_000_000,
    total_file_size_limit=4_500_000,
)


class ProcessorServer:
    """Records evidence submissions: ``submissions`` holds each distinct one."""

    def __init__(self) -> None:
        self.submissions: list[dict[str, Any]] = []
        self.requests = 0
        self.fail_next = 0
        self.refuse_with: str | None = None
        self._answers: dict[str, bytes] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = server.handle(self.path, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, path: str, headers: Any, body: bytes) -> tuple[int, bytes]:
        self.requests += 1
        if self.fail_next:
            self.fail_next -= 1
            return 503, b'{"error": "try later"}'
        if self.refuse_with:
            return 400, json.dumps({"error": self.refuse_with}).encode()
        key = headers["Idempotency-Key"]
        if key in self._answers:
            return 200, self._answers[key]
        payload = json.loads(body)
        payload["path"] = path
        payload["idempotency_key"] = key
        self.submissions.append(payload)
        answer = json.dumps({"id": f"sub_{len(self.submissions)}", "status": "under_review"})
        self._answers[key] = answer.encode()
        return 200, self._answers[key]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Base(DisputeProvider):
    def handle_webhook(self, request: WebhookRequest) -> WebhookVerdict:
        return Rejected(status_code=400, reason="test provider takes no webhooks")

    def iter_disputes(self) -> Iterator[DisputeEvent]:
        return iter(())

    def fetch_dispute(self, dispute_id: str, account: str | None) -> Described:
        raise DisputeUnknown(dispute_id)

    @property
    def evidence_rules(self) -> EvidenceRules:
        return STRIPE_LIKE_RULES


class TestPay(_Base):
    id = "testpay"
    display_name = "TestPay"
    capabilities = Capabilities(
        supports_evidence_api=True,
        supports_accept=False,
    )

    def __init__(self, api_base: str) -> None:
        self.client = httpx.Client(base_url=api_base, timeout=10)

    @classmethod
    def from_settings(cls, settings: Settings) -> TestPay:
        return cls(settings.require("TESTPAY_API_BASE"))

    def submission_blocker(self, dispute: DisputeState, *, now: datetime) -> str | None:
        neutral = super().submission_blocker(dispute, now=now)
        if neutral is not None:
            return neutral
        if dispute.submission_count:
            return "TestPay already has evidence for this dispute"
        return None

    def submit_evidence(self, request: SubmissionRequest) -> SubmissionReceipt:
        files = []
        for document in request.packet.files:
            data = Path(document.path).read_bytes()
            files.append(
                {
                    "field": document.field.value,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                }
            )
        body = {
            "fields": {item.field.value: item.text for item in request.packet.texts},
            "files": files,
            "version": request.evidence_version,
        }
        try:
            response = self.client.post(
                f"/disputes/{request.dispute.dispute_id}/evidence",
                json=body,
                headers={"Idempotency-Key": request.idempotency_key},
            )
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"TestPay unreachable: {error}") from None
        if response.status_code >= 500:
            raise ProviderUnavailable(f"TestPay answered {response.status_code}")
        if response.status_code >= 400:
            raise ProviderRejected(response.json()["error"])
        answer: dict[str, object] = response.json()
        return SubmissionReceipt(submitted=True, response=answer)

    def close(self) -> None:
        self.client.close()


class ManualPay(_Base):
    id = "manualpay"
    display_name = "ManualPay"
    capabilities = Capabilities(
        supports_evidence_api=False,
        supports_accept=False,
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> ManualPay:
        return cls()


def _enabled(settings: Settings, name: str) -> bool:
    return name in (settings.get("TEST_SOURCES") or "").split(",")


class DesignsSource(EvidenceSource):
    """Contributes ``TEST_DESIGNS`` generated designs (default 3) and an activity table."""

    name = "test_designs"

    def __init__(self, count: int) -> None:
        self.count = count

    @classmethod
    def from_settings(cls, settings: Settings) -> DesignsSource | None:
        if not _enabled(settings, "designs"):
            return None
        return cls(int(settings.get("TEST_DESIGNS") or "3"))

    def contribute(self, context: EvidenceContext) -> Contribution:
        attachments = []
        for index in range(self.count):
            path = make_design_image(
                Path(context.work_dir) / f"design-{index}.png", 800, 600, index
            )
            attachments.append(
                Attachment(
                    name=path.name,
                    path=str(path),
                    mime="image/png",
                    caption=f"prompt {index}",
                    provenance="test",
                )
            )
        return Contribution(
            attachments=tuple(attachments),
            sections=(Section(title="Activity", rows=(("when", "what"), ("2026-01-02", "login"))),),
            facts={"total_amount_paid": "USD 1,234.56", "product": "Design Pro"},
        )


class DocumentsSource(EvidenceSource):
    """Contributes PDFs as a CRM would: signed terms (with a script in it), an encrypted
    invoice, and a chat export that is not a PDF at all despite its type."""

    name = "test_documents"

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentsSource | None:
        return cls() if _enabled(settings, "documents") else None

    def contribute(self, context: EvidenceContext) -> Contribution:
        work = Path(context.work_dir)
        made = (
            (hostile_pdf(work / "terms.pdf"), "Terms of service accepted at sign-up"),
            (encrypted_pdf(work / "invoice.pdf"), "Invoice 42"),
            (garbage_pdf(work / "chat.pdf"), "Support chat export"),
        )
        return Contribution(
            attachments=tuple(
                Attachment(
                    name=path.name,
                    path=str(path),
                    mime="application/pdf",
                    caption=caption,
                    provenance=f"crm.documents/{path.stem}",
                )
                for path, caption in made
            )
        )


class BrokenSource(EvidenceSource):
    name = "test_broken"

    @classmethod
    def from_settings(cls, settings: Settings) -> BrokenSource | None:
        return cls() if _enabled(settings, "broken") else None

    def contribute(self, context: EvidenceContext) -> Contribution:
        raise RuntimeError("the CRM is on fire")


class SlowSource(EvidenceSource):
    name = "test_slow"
    timeout_seconds = 0.5

    @classmethod
    def from_settings(cls, settings: Settings) -> SlowSource | None:
        return cls() if _enabled(settings, "slow") else None

    def contribute(self, context: EvidenceContext) -> Contribution:
        time.sleep(5)
        return Contribution(facts={"never": "seen"})


class ProviderFactsSource(EvidenceSource):
    """A provider's own source: runs first, only for testpay, feeds ``provider_facts``."""

    name = "testpay_facts"
    provider: ClassVar[str | None] = "testpay"
    seen_by_others: ClassVar[list[dict[str, str]]] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> ProviderFactsSource | None:
        return cls() if _enabled(settings, "provider_facts") else None

    def contribute(self, context: EvidenceContext) -> Contribution:
        return Contribution(facts={"total_amount_paid": "USD 2,000.00", "customer_email": "p@x.io"})


class FactsEchoSource(EvidenceSource):
    name = "test_echo"

    @classmethod
    def from_settings(cls, settings: Settings) -> FactsEchoSource | None:
        return cls() if _enabled(settings, "provider_facts") else None

    def contribute(self, context: EvidenceContext) -> Contribution:
        ProviderFactsSource.seen_by_others.append(dict(context.provider_facts))
        return Contribution()


@hookimpl
def register_providers(register: ProviderRegister) -> None:
    register(TestPay)
    register(ManualPay)


@hookimpl
def register_evidence_sources(register: EvidenceSourceRegister) -> None:
    for source in (
        DesignsSource,
        DocumentsSource,
        BrokenSource,
        SlowSource,
        ProviderFactsSource,
        FactsEchoSource,
    ):
        register(source)


class RecordingNotifier(Notifier):
    """Enabled by ``TEST_NOTIFIER=true``; the outbox rows are what the tests look at."""

    name = "test_channel"

    @classmethod
    def from_settings(cls, settings: Settings) -> RecordingNotifier | None:
        return cls() if settings.get("TEST_NOTIFIER") else None

    def send(self, notification: Notification) -> None:
        pass


@hookimpl
def register_notifiers(register: NotifierRegister) -> None:
    register(RecordingNotifier)
