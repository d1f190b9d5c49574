"""PDFs from a source reach the processor inside the service documentation, or are recorded."""

from __future__ import annotations

import io

from pypdf import PdfReader

from engine.evidence.pipeline import Outcome, respond
from engine.work.queue import WorkReason
from tests.engine.evidence.packet.contributed_pdfs import squashed
from tests.engine.evidence.packet.pdfs import text_of
from tests.engine.evidence.pipeline.conftest import RuntimeFactory
from tests.engine.evidence.pipeline.test_respond import seed, versions
from tests.engine.evidence.pipeline.testpay import ProcessorServer


def test_a_sources_pdfs_are_submitted_or_recorded_with_the_reason(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    # given a source with designs and one with a signed terms PDF, an encrypted invoice and junk
    runtime = make_runtime(test_sources="designs,documents")
    dispute_pk = seed(runtime)

    # when the worker responds
    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    # then the packet was submitted, nothing failed for the attachments
    assert outcome.state == Outcome.SUBMITTED
    assert len(processor.submissions) == 1
    (version,) = versions(runtime, dispute_pk)
    # and the source's record says what became of each PDF, and why
    terms, invoice, chat = version.sources["test_documents"]["attachments"]
    assert (terms["name"], terms["state"], terms["pages"]) == ("terms.pdf", "included", 1)
    assert invoice["state"] == "refused"
    assert "encrypted" in invoice["reason"]
    assert chat["state"] == "refused"
    assert "parsed" in chat["reason"] or "not a PDF" in chat["reason"]
    assert version.sources["_packet"]["documents_included"] == 1
    assert version.sources["_packet"]["documents_left_out"] == 2
    # and the archived service documentation that was sent ends with the terms, script-free
    (record,) = [item for item in version.files if item["kind"] == "service_documentation"]
    stored = runtime.storage.get(record["name"])
    reader = PdfReader(io.BytesIO(stored))
    assert record["pages"] == len(reader.pages)
    last = squashed(reader.pages[-1].extract_text())
    assert squashed("Terms of service page 1") in last
    assert b"EVILSCRIPTMARKER" not in stored
    text = squashed(text_of(stored))
    assert squashed("Attached document 1: terms.pdf") in text
    assert squashed("“invoice.pdf” could not be included: it is encrypted") in text
    assert (
        "1 document from the merchant" in processor.submissions[0]["fields"]["uncategorized_text"]
    )
