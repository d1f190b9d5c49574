"""Evidence sources: plugins that contribute the merchant's own data to an evidence packet."""

from __future__ import annotations

import abc
from typing import ClassVar

import msgspec

from engine.disputes.model import DisputeState
from engine.evidence.model import EvidenceText
from engine.evidence.visa_ce3.model import Eligibility, PaymentRecord
from engine.settings import Settings


class Attachment(msgspec.Struct, frozen=True, kw_only=True):
    """An image or PDF a source contributes, already fetched to a local file by the source.

    ``provenance`` says where it came from (a table and row, a URL) for the evidence record.
    """

    name: str
    path: str
    mime: str
    caption: str | None = None
    provenance: str
    created_at: str | None = None


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """A narrative section of the service documentation (a heading and paragraphs or rows)."""

    title: str
    paragraphs: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    """A table, first row the header (an activity log, a list of facts)."""


class Contribution(msgspec.Struct, frozen=True, kw_only=True):
    texts: tuple[EvidenceText, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    sections: tuple[Section, ...] = ()
    facts: dict[str, str] = {}
    """Named facts for the receipt (``total_amount_paid``, ``product``…), shown as given."""
    payments: tuple[PaymentRecord, ...] = ()
    """Per-payment facts (the disputed payment and the customer's others: IP, device, account
    id…) from which Visa Compelling Evidence 3.0 finds prior undisputed payments."""
    visa_ce3: Eligibility | None = None
    """The processor's word on CE 3.0 for this dispute; only its own source gives it."""


class EvidenceContext(msgspec.Struct, frozen=True, kw_only=True):
    """What a source is told about the dispute. ``provider_facts`` holds what the processor's
    own source already found (customer name/email, total actually paid…)."""

    dispute: DisputeState
    provider_facts: dict[str, str]
    work_dir: str
    """A private scratch directory for files the source fetches."""


class EvidenceSource(abc.ABC):
    """Contributes evidence. Register the class from ``register_evidence_sources``."""

    name: ClassVar[str]
    timeout_seconds: ClassVar[float] = 30.0
    provider: ClassVar[str | None] = None
    """Set to a provider id for a source that reads that processor's own facts (the total
    actually paid…): it runs only for that provider's disputes, before every other source, and
    its ``facts`` reach the others as ``EvidenceContext.provider_facts``."""

    @classmethod
    @abc.abstractmethod
    def from_settings(cls, settings: Settings) -> EvidenceSource | None:
        """Build the source, or return ``None`` when its settings leave it off."""

    @abc.abstractmethod
    def contribute(self, context: EvidenceContext) -> Contribution:
        """Return this source's contribution. Called in the evidence worker, once per
        evidence version; may block on I/O. Raise to report a failure: it is recorded and the
        other sources go on. Must not write outside ``context.work_dir``."""
