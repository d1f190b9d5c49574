"""The contract between the engine and a payment processor.

A provider plugin registers a :class:`DisputeProvider` subclass. The engine asks it for
capabilities instead of checking its type, and calls its methods at the moments each docstring
names. Every method runs in a worker thread (the engine is synchronous), so blocking I/O is fine;
none of them may touch the engine's database — they translate and talk to the processor, the
engine keeps the books.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import ClassVar

import msgspec

from engine.disputes.model import Described, DisputeEvent, DisputeState, Money
from engine.evidence.model import EvidencePacket, EvidenceRules
from engine.fraud_warnings.model import FraudWarning
from engine.health.checks import Check, Verdict
from engine.settings import Settings

MAX_WEBHOOK_BYTES = 1024 * 1024
"""Webhook bodies above this are refused with 413 before any provider code sees them."""


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    """What the engine asks of a provider before acting; each flag is read where named.

    How webhooks are authenticated (a signature, or a secret URL and fetch-back) and whether
    disputes carry a deadline are the provider's own business: ``handle_webhook`` verifies, and
    ``respond_by`` is simply ``None`` where there is none. No flag describes them, because
    nothing in the engine would decide differently on it.
    """

    supports_evidence_api: bool
    """Evidence can be uploaded and submitted through the API, else a person sends the packet
    (read by the submission gate, the evidence pipeline and the requests a person makes)."""
    supports_accept: bool
    """A dispute can be accepted (conceded) through the API, else accepting only records the
    decision (read by :mod:`engine.decisions.accept`)."""
    supports_sync: bool = True
    """Existing disputes can be listed, for ``disputes sync`` and the reconciliation sweep
    (read by :mod:`engine.disputes.sync`)."""
    supports_refund: bool = False
    """A charge can be read and refunded through the API (:meth:`DisputeProvider.read_charge`,
    :meth:`DisputeProvider.refund_charge`): early fraud warnings below
    ``DISPUTES_EFW_REFUND_BELOW`` are refunded."""
    registers_webhooks: bool = False
    """The webhook endpoint can be created through the API (read by ``disputes setup-webhook``
    and ``disputes doctor``)."""
    webhooks_call_api: bool = True
    """``handle_webhook`` may call the processor (a fetch-back), so the web app runs it in a
    thread; a provider whose handler only verifies and translates says ``False`` and is called
    on the event loop, without a thread's cost (read by :mod:`web.webhooks`)."""


class WebhookRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A webhook delivery as received: raw bytes, lower-cased header names, path parameters."""

    body: bytes
    headers: Mapping[str, str]
    path_params: Mapping[str, str]
    received_at: datetime


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    """An authentic delivery about disputes: the engine stores and applies ``events``."""

    event_id: str
    event_type: str
    events: tuple[DisputeEvent, ...]


class Ignored(msgspec.Struct, frozen=True, kw_only=True):
    """An authentic delivery the engine does not act on (another object): answered 200."""

    event_id: str | None
    event_type: str | None
    reason: str


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery that is forged, malformed or about nothing the processor knows.

    ``status_code`` is what the processor gets back (400; 404 for a wrong secret path, which
    must look exactly like an unknown route). ``store`` is False for unauthenticated requests:
    they leave only a log line.
    """

    status_code: int
    reason: str
    store: bool = False


class FraudWarningReceived(msgspec.Struct, frozen=True, kw_only=True):
    """An authentic delivery about an early fraud warning: the engine stores ``warning``."""

    event_id: str
    event_type: str
    warning: FraudWarning


WebhookVerdict = Accepted | FraudWarningReceived | Ignored | Rejected


class ChargeFacts(msgspec.Struct, frozen=True, kw_only=True):
    """A charge as the processor reports it now, read before deciding on a refund."""

    charge_id: str
    money: Money
    refunded: bool
    """Fully refunded already: nothing is left to refund."""
    disputed: bool
    """Charged back already: a refund is no longer possible (the dispute decides)."""


class SubmissionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything needed to hand one evidence version to the processor.

    ``idempotency_key`` is stable for (dispute, evidence version): a crash and retry reuses it,
    so the processor sees the same request again instead of a second submission. Derive
    per-call keys from it (``f"{key}:file:receipt"``, ``f"{key}:submit"``).
    """

    dispute: DisputeState
    packet: EvidencePacket
    evidence_version: int
    idempotency_key: str
    submit: bool = True


class SubmissionReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """What the processor answered; ``response`` is kept on the submission record."""

    submitted: bool
    response: dict[str, object]
    uploaded_files: dict[str, str] = {}
    """Neutral file field → the processor's file id."""


class UnreadableDispute(msgspec.Struct, frozen=True, kw_only=True):
    """Yielded by :meth:`DisputeProvider.iter_disputes` for a dispute the provider listed but
    cannot translate: the sync records ``error`` against ``dispute_id`` and goes on."""

    dispute_id: str
    error: str


class WebhookRegistration(msgspec.Struct, frozen=True, kw_only=True):
    """The processor's webhook endpoint after :meth:`DisputeProvider.register_webhook`."""

    endpoint_id: str
    url: str
    events: tuple[str, ...]
    created: bool
    """A new endpoint (else an existing one for the same URL was updated)."""
    signing_secret: str | None
    """The endpoint's signing secret: processors show it once, when the endpoint is created."""


class DisputeProvider(abc.ABC):
    """One payment processor. Subclass it, set ``id`` and ``capabilities``, and register the
    class from ``register_providers``.

    The engine builds the provider once per process with :meth:`from_settings`.
    """

    id: ClassVar[str]
    """Short stable name used in URLs, the database and the CLI (``stripe``)."""
    display_name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    @classmethod
    @abc.abstractmethod
    def from_settings(cls, settings: Settings) -> DisputeProvider:
        """Build the provider from the engine's settings.

        Raise :class:`engine.errors.NotConfigured` naming the variables to set when the provider
        is not configured, and :class:`engine.errors.SettingError` for a malformed value.
        """

    @abc.abstractmethod
    def handle_webhook(self, request: WebhookRequest) -> WebhookVerdict:
        """Authenticate a webhook delivery and translate it into neutral events (or, for an
        early fraud warning, a :class:`FraudWarningReceived`).

        Called on the request path: verify (signature, or fetch the object back from the API),
        decode, translate, and return. No evidence work, no notifications, no database. A
        processor error during a fetch-back raises :class:`engine.errors.ProviderUnavailable`
        (the engine answers 503 so the processor retries).
        """

    @abc.abstractmethod
    def iter_disputes(self) -> Iterator[DisputeEvent | UnreadableDispute]:
        """Yield one event describing the current state of every dispute, for a backfill.

        Called by ``disputes sync``. Each event's id must be stable for an unchanged dispute
        (see :func:`snapshot_event_id`) so that a re-run changes nothing. Transient failures are
        retried inside; a page that still fails raises :class:`engine.errors.ProviderError`.
        A single dispute that cannot be translated is yielded as :class:`UnreadableDispute`.
        """

    def iter_disputes_since(self, since: datetime) -> Iterator[DisputeEvent | UnreadableDispute]:
        """Like :meth:`iter_disputes`, for the disputes opened at or after ``since`` only.

        Called by the reconciliation sweep to find disputes whose first webhook never came.
        Yielding older disputes too is harmless (each is applied idempotently), so a processor
        that can filter only by day, or not at all, may; this default lists every dispute.
        """
        return self.iter_disputes()

    @abc.abstractmethod
    def fetch_dispute(self, dispute_id: str, account: str | None) -> Described:
        """Re-read one dispute from the API, as an event describing its current state.

        Raises :class:`engine.errors.DisputeUnknown` when the processor does not know it.
        """

    @property
    @abc.abstractmethod
    def evidence_rules(self) -> EvidenceRules:
        """Which neutral evidence fields this provider takes and its limits."""

    def submission_blocker(self, dispute: DisputeState, *, now: datetime) -> str | None:
        """Why evidence cannot be submitted for ``dispute`` at ``now``, in one sentence;
        ``None`` if it can.

        Called by the engine's one submission gate (:mod:`engine.evidence.book`) before a new
        submission — never for resuming one already recorded, which may have reached the
        processor before the deadline. This base holds the rules true of every processor; a
        provider adds its own (its submission count, stages it files by hand) and calls
        ``super()`` for these.
        """
        if not self.capabilities.supports_evidence_api:
            return self.no_evidence_api()
        if dispute.status.is_final:
            return f"the dispute is closed ({dispute.status.value})"
        if dispute.respond_by is not None and dispute.respond_by <= now:
            return f"past due: the response deadline was {dispute.respond_by:%Y-%m-%d %H:%M} UTC"
        return None

    def no_evidence_api(self) -> str:
        """What a person is told when this processor takes evidence only by hand."""
        return f"{self.display_name} has no evidence API: send the packet by hand"

    def submit_evidence(self, request: SubmissionRequest) -> SubmissionReceipt:
        """Upload the packet's files and submit (or stage, ``submit=False``) the evidence.

        Called by the evidence worker after validation against :attr:`evidence_rules` passed.
        Must use ``request.idempotency_key`` for every write. Raise
        :class:`engine.errors.ProviderRejected` for a refusal that retrying cannot fix (the
        message is shown to the merchant) and :class:`engine.errors.ProviderUnavailable` for
        failures worth retrying.
        """
        raise NotImplementedError(self.no_evidence_api())

    def accept_dispute(self, dispute: DisputeState, idempotency_key: str) -> None:
        """Concede the dispute (irreversible). Only called when ``supports_accept``."""
        raise NotImplementedError(f"{self.display_name} cannot accept disputes through its API")

    def read_charge(self, charge_id: str, account: str | None) -> ChargeFacts:
        """Read one charge. Only called when ``supports_refund``; by the worker, before it
        decides on a refund. Raise :class:`engine.errors.ProviderUnavailable` for a failure
        worth retrying."""
        raise NotImplementedError(f"{self.display_name} cannot read charges through its API")

    def refund_charge(
        self, charge_id: str, account: str | None, *, idempotency_key: str, warning_id: str
    ) -> str:
        """Refund what is left of the charge because of the early fraud warning ``warning_id``;
        return the refund's id. Only called when ``supports_refund``, by the worker.

        Must send ``idempotency_key`` with the write: the engine resends the same key after a
        failure or a crash, and two workers may send it at once — the processor must refund
        once. Raise :class:`engine.errors.ProviderUnavailable` for a failure worth retrying
        (429, 5xx, network) and :class:`engine.errors.ProviderRejected` for a refusal.
        """
        raise NotImplementedError(f"{self.display_name} cannot refund charges through its API")

    def diagnose(self, public_url: str | None) -> list[Check]:
        """Checks for ``disputes doctor``: one cheap authenticated read proving the credentials
        work, then the processor-side set-up the engine relies on (a webhook endpoint and its
        events). ``public_url`` is ``DISPUTES_PUBLIC_URL`` (``None`` when unset); webhooks
        arrive at ``{public_url}/webhooks/{id}``.

        Read only: never write at the processor. Report failures as checks instead of raising,
        and keep secrets out of every ``detail``.
        """
        return [
            Check(
                name=f"{self.id} credentials",
                verdict=Verdict.SKIPPED,
                detail=f"the {self.display_name} plugin has no self-check",
            )
        ]

    def register_webhook(self, url: str) -> WebhookRegistration:
        """Create the processor's webhook endpoint for ``url`` with every event type this
        provider handles, or update the one already registered for ``url``.

        Called by ``disputes setup-webhook``, only when ``capabilities.registers_webhooks``.
        Raise :class:`engine.errors.ProviderRejected` when the processor refuses (a URL it
        cannot reach…) and :class:`engine.errors.ProviderUnavailable` when it does not answer.
        """
        raise NotImplementedError(f"{self.display_name} webhooks cannot be registered by API")

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release network clients at shutdown."""


def snapshot_event_id(prefix: str, dispute_id: str, payload: object) -> str:
    """A stable id for a state read from the API (sync, fetch-back): the same dispute in the
    same state always yields the same id, so re-reading it is a duplicate, not a change."""
    digest = hashlib.sha256(msgspec.json.encode(payload, order="sorted")).hexdigest()[:24]
    return f"{prefix}:{dispute_id}:{digest}"
