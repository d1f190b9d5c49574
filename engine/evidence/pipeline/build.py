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

from engine.db.base import utcnow
from engine.db.models import EvidenceState
from engine.disputes.model import DisputeState
from engine.errors import ProviderUnavailable
from engine.evidence.archive import ArchivedFile
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

_DOCUMENTS = (FileField.RECEIPT, FileField.SERVICE_DOCUMENTATION)


@dataclass(frozen=True)
class BuiltVersion:
    version: int
    state: EvidenceState
    """``ready`` or ``failed``."""
    packet: EvidencePacket
    error: str | None


def build_version(runtime: Runtime, dispute_pk: int, work_dir: Path) -> BuiltVersion:
    """Build, validate and archive a new evidence version of the dispute.

    Returns the version whatever its fate (``failed`` with the reason when the packet breaks the
    provider's rules); raises :class:`ProviderUnavailable` (storage down) after marking the
    version failed, so the caller can retry later with a fresh version.
    """
    version, dispute = runtime.evidence.reserve(dispute_pk)
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
        runtime.evidence.fail(dispute_pk, version, f"archiving failed: {error}")
        raise
    except BaseException as error:
        runtime.evidence.fail(dispute_pk, version, f"{type(error).__name__}: {error}")
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
        runtime.evidence.fail(dispute_pk, version, str(error), record)
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
    archived: list[ArchivedFile] = []
    fields: dict[str, Any] = {item.field.value: item.text for item in plan.texts}
    for field, pdf in zip(
        _DOCUMENTS, (documents.receipt, documents.service_documentation), strict=True
    ):
        local = work_dir / f"{field}.pdf"
        local.write_bytes(pdf.data)
        name = object_name(
            runtime.settings.secret_key, dispute.provider, dispute.dispute_id, field, version, "pdf"
        )
        url = runtime.storage.put(name, pdf.data, "application/pdf")
        accepted = field in rules.file_fields
        if accepted:
            files.append(EvidenceFile(field, str(local), "application/pdf"))
        archived.append(
            ArchivedFile(
                kind=field.value,
                name=name,
                filename=f"{dispute.provider}-{dispute.dispute_id}-v{version}-{field}.pdf",
                url=url,
                sha256=hashlib.sha256(pdf.data).hexdigest(),
                bytes=len(pdf.data),
                mime="application/pdf",
                pages=pdf.pages,
                in_packet=accepted,
            )
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
    state = runtime.evidence.record_built(
        dispute_pk, version, error=problem, fields=fields, files=archived, sources=record
    )
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
