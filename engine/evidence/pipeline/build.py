"""Building one evidence version: sources → documents → text fields → validation → archive.

The version number is reserved first (a ``building`` row under the dispute's lock), so the
archived names can carry it and two concurrent builds never share a number. A build that dies
leaves that row behind; the next build marks it failed ("interrupted").
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engine.db.base import utcnow
from engine.db.models import Dispute, EvidenceState, EvidenceVersion
from engine.db.records import read_state
from engine.disputes.model import DisputeState
from engine.errors import ProviderUnavailable
from engine.evidence.model import (
    EvidenceFile,
    EvidencePacket,
    EvidenceRules,
    FileField,
    Violation,
    validate_packet,
)
from engine.evidence.packet import PacketContent, PacketImage, PacketLimits, PacketTooLarge
from engine.evidence.packet import build_documents as render_documents
from engine.evidence.packet import facts as known_facts
from engine.evidence.packet.appendix import INCLUDED, DocumentOutcome
from engine.evidence.packet.documents import PacketDocument, merged_facts
from engine.evidence.pipeline.argument import compose_argument
from engine.evidence.pipeline.collect import Collected, build_sources, collect
from engine.evidence.pipeline.identity import record_customer_identity
from engine.evidence.pipeline.texts import plan_texts
from engine.evidence.visa_ce3.assess import RECORD_KEY, assess, encode_evidence, merge_payments
from engine.merchant import MerchantIdentity
from engine.runtime import Runtime
from engine.storage.names import object_name

log = logging.getLogger("disputes.evidence")

SETTLED = frozenset({EvidenceState.SUBMITTED, EvidenceState.SENT_MANUALLY})
"""Dispute evidence states that record what the processor already has: a new version never
overwrites them."""

_DOCUMENTS = (
    (FileField.RECEIPT, "receipt", "_receipt_url"),
    (FileField.SERVICE_DOCUMENTATION, "service_documentation", "_service_doc_url"),
)


@dataclass(frozen=True)
class BuiltVersion:
    version: int
    state: str
    """``ready`` or ``failed``."""
    packet: EvidencePacket
    error: str | None


def set_dispute_evidence_state(dispute: Dispute, state: EvidenceState) -> None:
    if dispute.evidence_state in SETTLED and state not in SETTLED:
        return
    dispute.evidence_state = state


def reserve_version(runtime: Runtime, dispute_pk: int) -> tuple[int, DisputeState]:
    with runtime.database.transaction() as session:
        dispute = session.scalars(
            select(Dispute).where(Dispute.id == dispute_pk).with_for_update()
        ).one()
        for stale in session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk,
                EvidenceVersion.state == EvidenceState.BUILDING,
            )
        ):
            stale.state, stale.error = EvidenceState.FAILED, "interrupted while building"
        for unsent in session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk,
                EvidenceVersion.state.in_((EvidenceState.READY, EvidenceState.MANUAL_REQUIRED)),
            )
        ):
            # Never sent, and about to be replaced: only the newest packet is the one to send.
            unsent.state = EvidenceState.SUPERSEDED
        latest = session.scalar(
            select(func.max(EvidenceVersion.version)).where(
                EvidenceVersion.dispute_pk == dispute_pk
            )
        )
        version = (latest or 0) + 1
        session.add(
            EvidenceVersion(
                dispute_pk=dispute_pk,
                version=version,
                state=EvidenceState.BUILDING,
                fields={},
                files=[],
                sources={},
            )
        )
        set_dispute_evidence_state(dispute, EvidenceState.BUILDING)
        return version, read_state(dispute)


def build_version(runtime: Runtime, dispute_pk: int, work_dir: Path) -> BuiltVersion:
    """Build, validate and archive a new evidence version of the dispute.

    Returns the version whatever its fate (``failed`` with the reason when the packet breaks the
    provider's rules); raises :class:`ProviderUnavailable` (storage down) after marking the
    version failed, so the caller can retry later with a fresh version.
    """
    version, dispute = reserve_version(runtime, dispute_pk)
    provider = runtime.provider(dispute.provider)
    try:
        return _build(
            runtime,
            dispute_pk,
            dispute,
            version,
            provider.display_name,
            provider.evidence_rules,
            work_dir,
        )
    except ProviderUnavailable as error:
        _fail(runtime, dispute_pk, version, f"archiving failed: {error}")
        raise
    except BaseException as error:
        _fail(runtime, dispute_pk, version, f"{type(error).__name__}: {error}")
        raise


def _build(
    runtime: Runtime,
    dispute_pk: int,
    dispute: DisputeState,
    version: int,
    provider_name: str,
    rules: EvidenceRules,
    work_dir: Path,
) -> BuiltVersion:
    sources, reports = build_sources(runtime.plugins.evidence_sources, runtime.settings)
    collected = collect(sources, dispute, work_dir)
    reports.update(collected.reports)
    record_customer_identity(runtime, dispute, collected.facts)
    content = packet_content(
        dispute,
        provider_name,
        version,
        collected,
        merchant=runtime.settings.merchant,
        send_by_hand=not runtime.provider(dispute.provider).capabilities.supports_evidence_api,
    )
    record: dict[str, Any] = {name: report.as_record() for name, report in reports.items()}
    try:
        documents = render_documents(content, PacketLimits.from_rules(rules))
    except PacketTooLarge as error:
        _fail(runtime, dispute_pk, version, str(error), record)
        return BuiltVersion(version, EvidenceState.FAILED, EvidencePacket(), str(error))
    facts = merged_facts(content)
    included = _record_documents(record, documents.documents)
    argument = compose_argument(
        dispute, facts, content.sections, len(content.images), collected.texts, rules, included
    )
    plan = plan_texts(
        collected.texts,
        facts,
        content.sections,
        argument,
        rules,
        seller_product=seller_product(runtime.settings.merchant),
    )
    files: list[EvidenceFile] = []
    file_records: list[dict[str, Any]] = []
    fields: dict[str, Any] = {item.field.value: item.text for item in plan.texts}
    for (field, kind, url_field), pdf in zip(
        _DOCUMENTS, (documents.receipt, documents.service_documentation), strict=True
    ):
        local = work_dir / f"{kind}.pdf"
        local.write_bytes(pdf.data)
        name = object_name(
            runtime.settings.secret_key, dispute.provider, dispute.dispute_id, kind, version, "pdf"
        )
        url = runtime.storage.put(name, pdf.data, "application/pdf")
        fields[url_field] = url
        accepted = field in rules.file_fields
        if accepted:
            files.append(EvidenceFile(field, str(local), "application/pdf"))
        file_records.append(
            {
                "kind": kind,
                "name": name,
                "filename": f"{dispute.provider}-{dispute.dispute_id}-v{version}-{kind}.pdf",
                "url": url,
                "sha256": hashlib.sha256(pdf.data).hexdigest(),
                "bytes": len(pdf.data),
                "mime": "application/pdf",
                "pages": pdf.pages,
                "in_packet": accepted,
            }
        )
    ce3 = assess(
        dispute,
        collected.visa_ce3,
        merge_payments(collected.payments),
        product_description=facts.get(known_facts.PRODUCT)
        or seller_product(runtime.settings.merchant),
    )
    visa_ce3 = ce3.evidence if ce3 is not None and rules.takes_visa_ce3 else None
    if ce3 is not None:
        record[RECORD_KEY] = ce3.as_record()
    if visa_ce3 is not None:
        fields[RECORD_KEY] = encode_evidence(visa_ce3)
    packet = EvidencePacket(texts=tuple(plan.texts), files=tuple(files), visa_ce3=visa_ce3)
    violations = validate_packet(
        packet, rules, {f.path: Path(f.path).stat().st_size for f in files}
    )
    record["_packet"] = {
        "images_shown": documents.images_shown,
        "images_omitted": documents.images_omitted,
        "unreadable": documents.unreadable,
        "documents_included": included,
        "documents_left_out": len(documents.documents) - included,
        "texts_dropped": plan.dropped,
        "texts_cut": plan.cut,
        "conflicts": collected.conflicts,
    }
    problem = violations_text(violations) or None
    state = EvidenceState.FAILED if violations else EvidenceState.READY
    with runtime.database.transaction() as session:
        row = _version_row(session, dispute_pk, version)
        row.state, row.error = state, problem
        row.fields, row.files, row.sources = fields, file_records, record
        dispute_row = session.get_one(Dispute, dispute_pk, with_for_update=True)
        set_dispute_evidence_state(dispute_row, state)
    if violations:
        log.error(
            "%s %s v%d breaks the rules: %s", dispute.provider, dispute.dispute_id, version, problem
        )
    return BuiltVersion(version, state, packet, problem)


def violations_text(violations: list[Violation]) -> str:
    return "; ".join(str(violation) for violation in violations)


def seller_product(merchant: MerchantIdentity) -> str | None:
    """``product_description`` from the seller's settings, naming the seller where known."""
    if not merchant.product_description:
        return None
    seller = merchant.name or merchant.legal_name
    where = f" ({merchant.website})" if merchant.website else ""
    return (
        f"{seller}{where}: {merchant.product_description}"
        if seller
        else (merchant.product_description)
    )


def packet_content(
    dispute: DisputeState,
    provider_name: str,
    version: int,
    collected: Collected,
    *,
    merchant: MerchantIdentity | None = None,
    send_by_hand: bool = False,
) -> PacketContent:
    """What the documents show: images and PDFs among the attachments, the rest noted."""
    images: list[PacketImage] = []
    documents: list[PacketDocument] = []
    notes: list[str] = []
    for attachment, (source, index) in zip(collected.attachments, collected.origins, strict=True):
        declared = attachment.mime.split(";")[0].strip().lower()
        mime = declared or mimetypes.guess_type(attachment.name)[0] or ""
        if mime == "application/pdf":
            documents.append(
                PacketDocument(
                    name=attachment.name,
                    path=attachment.path,
                    caption=attachment.caption,
                    provenance=attachment.provenance,
                    source=source,
                    index=index,
                )
            )
        elif mime.startswith("image/"):
            images.append(
                PacketImage(
                    name=attachment.name,
                    path=attachment.path,
                    caption=attachment.caption,
                    created_at=attachment.created_at,
                )
            )
        else:
            notes.append(
                f"The document “{attachment.name}” ({mime or 'unknown type'}) is kept with the "
                "evidence but cannot be shown inside this PDF."
            )
    return PacketContent(
        dispute=dispute,
        provider_name=provider_name,
        version=version,
        generated_at=utcnow(),
        facts=dict(collected.facts),
        sections=tuple(collected.sections),
        images=tuple(images),
        documents=tuple(documents),
        notes=tuple(notes),
        merchant=merchant or MerchantIdentity(),
        send_by_hand=send_by_hand,
    )


def _record_documents(record: dict[str, Any], outcomes: tuple[DocumentOutcome, ...]) -> int:
    """Note on each source's record what became of each PDF it gave (a person reading the
    version sees why one is missing); returns how many are in the packet."""
    for outcome in outcomes:
        entry = record[outcome.source]["attachments"][outcome.index]
        entry["state"] = outcome.state
        if outcome.reason:
            entry["reason"] = outcome.reason
        if outcome.pages:
            entry["pages"] = outcome.pages
    return sum(1 for outcome in outcomes if outcome.state == INCLUDED)


def _version_row(session: Any, dispute_pk: int, version: int) -> EvidenceVersion:
    row: EvidenceVersion = session.scalars(
        select(EvidenceVersion).where(
            EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.version == version
        )
    ).one()
    return row


def _fail(
    runtime: Runtime,
    dispute_pk: int,
    version: int,
    error: str,
    sources: dict[str, Any] | None = None,
) -> None:
    with runtime.database.transaction() as session:
        row = _version_row(session, dispute_pk, version)
        row.state, row.error = EvidenceState.FAILED, error
        if sources is not None:
            row.sources = sources
        dispute = session.get_one(Dispute, dispute_pk, with_for_update=True)
        set_dispute_evidence_state(dispute, EvidenceState.FAILED)
