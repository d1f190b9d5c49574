"""Responding to a dispute end to end: sources → PDFs → storage → version → processor."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db.base import utcnow
from engine.db.models import (
    Dispute,
    DisputeEventRow,
    EventSource,
    EvidenceVersion,
    NotificationRow,
    Submission,
)
from engine.errors import DisputeMissing, ProviderUnavailable
from engine.evidence.pipeline import Outcome, respond
from engine.runtime import Runtime
from engine.testing import make_dispute_event, make_dispute_state
from engine.work.queue import WorkReason
from tests.engine.evidence.pipeline.conftest import RuntimeFactory
from tests.engine.evidence.pipeline.testpay import ProcessorServer
from tests.support.evidence import regenerate


def seed(runtime: Runtime, **overrides: object) -> int:
    outcome = runtime.book.apply_one(
        make_dispute_event(make_dispute_state(**overrides)), source=EventSource.SYNC
    )
    return outcome.dispute_pk


def versions(runtime: Runtime, dispute_pk: int) -> list[EvidenceVersion]:
    with runtime.database.reading() as session:
        return list(
            session.scalars(
                select(EvidenceVersion)
                .where(EvidenceVersion.dispute_pk == dispute_pk)
                .order_by(EvidenceVersion.version)
            )
        )


def notifications(runtime: Runtime) -> list[str]:
    """What the pipeline announced (new disputes and outcomes are announced by the book)."""
    book_kinds = ("new_dispute", "outcome")
    with runtime.database.reading() as session:
        rows = session.scalars(
            select(NotificationRow).where(NotificationRow.kind.not_in(book_kinds))
        )
        return [row.kind for row in rows]


def test_a_dispute_is_answered_once_with_both_pdfs_archived_and_announced(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    # given a TestPay dispute that needs a response and a source with three designs
    runtime = make_runtime(test_notifier="true")
    dispute_pk = seed(runtime)

    # when the worker responds
    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    # then version 1 reached the processor exactly once, with both documents and text fields
    assert outcome.state == Outcome.SUBMITTED
    assert outcome.version == 1
    assert len(processor.submissions) == 1
    sent = processor.submissions[0]
    assert sent["idempotency_key"] == "disputes:testpay:dp_test_1:v1"
    assert {f["field"] for f in sent["files"]} == {"receipt", "service_documentation"}
    assert sent["fields"]["customer_name"] == "Jane Customer"
    assert sent["fields"]["customer_email_address"] == "customer@example.com"
    assert "login" in sent["fields"]["access_activity_log"]
    assert "USD 1,234.56" in sent["fields"]["uncategorized_text"]
    # and the version records fields, archived files (with hashes that match storage) and sources
    (version,) = versions(runtime, dispute_pk)
    assert version.state == "submitted"
    assert version.submitted_at is not None
    # (storage locations live on the archived files, never among the text fields)
    assert not any(name.endswith("_url") for name in version.fields)
    assert all(record["url"].startswith("file://") for record in version.files)
    by_kind = {record["kind"]: record for record in version.files}
    for sent_file in sent["files"]:
        record = by_kind[sent_file["field"]]
        stored = runtime.storage.get(record["name"])
        assert hashlib.sha256(stored).hexdigest() == record["sha256"] == sent_file["sha256"]
        assert len(stored) == record["bytes"]
    assert version.sources["test_designs"]["state"] == "ok"
    assert len(version.sources["test_designs"]["attachments"]) == 3
    assert version.sources["_packet"]["images_shown"] == 3
    with runtime.database.reading() as session:
        assert session.get_one(Dispute, dispute_pk).evidence_state == "submitted"
    assert notifications(runtime) == ["submitted"]
    # and the scratch files are gone
    assert not any((runtime.settings.data_dir / "work").iterdir())


def test_a_failing_and_a_hanging_source_are_recorded_and_the_others_go_on(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(test_sources="designs,broken,slow")
    dispute_pk = seed(runtime)

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert outcome.state == Outcome.SUBMITTED
    (version,) = versions(runtime, dispute_pk)
    assert version.sources["test_broken"]["state"] == "failed"
    assert "the CRM is on fire" in version.sources["test_broken"]["error"]
    assert version.sources["test_slow"]["state"] == "timeout"
    assert version.sources["test_designs"]["state"] == "ok"
    assert version.sources["app_sql"]["state"] == "off"


def test_provider_facts_run_first_and_reach_the_other_sources(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    from tests.engine.evidence.pipeline.testpay import ProviderFactsSource

    ProviderFactsSource.seen_by_others.clear()
    runtime = make_runtime(test_sources="designs,provider_facts")
    dispute_pk = seed(runtime)

    respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert ProviderFactsSource.seen_by_others == [
        {"total_amount_paid": "USD 2,000.00", "customer_email": "p@x.io"}
    ]
    # the processor's own figure wins over the app's
    assert "USD 2,000.00" in processor.submissions[0]["fields"]["uncategorized_text"]


def test_held_for_review_regenerated_still_held_then_submitted_by_a_person(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(auto_submit="false")
    dispute_pk = seed(runtime)

    held = respond(runtime, dispute_pk, WorkReason.RESPOND)
    again = respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert held.state == again.state == Outcome.READY
    assert [v.version for v in versions(runtime, dispute_pk)] == [1]  # a retry builds nothing new
    assert processor.submissions == []

    # a person regenerates: with DISPUTES_AUTO_SUBMIT=false a build nobody has seen stays held
    rebuilt = regenerate(runtime, "testpay", "dp_test_1")
    assert (rebuilt.state, rebuilt.version) == (Outcome.READY, 2)
    assert processor.submissions == []

    # and only a person's approval sends it: that very version
    outcome = respond(runtime, dispute_pk, WorkReason.SUBMIT)

    assert outcome.state == Outcome.SUBMITTED
    assert outcome.version == 2
    assert [s["version"] for s in processor.submissions] == [2]


def test_regenerate_after_submission_builds_a_new_version_but_says_already_submitted(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime()
    dispute_pk = seed(runtime)
    respond(runtime, dispute_pk, WorkReason.RESPOND)

    outcome = regenerate(runtime, "testpay", "dp_test_1")

    assert outcome.state == Outcome.REFUSED
    assert outcome.version == 2
    assert "already submitted (version 1)" in outcome.message
    assert len(processor.submissions) == 1
    assert [v.state for v in versions(runtime, dispute_pk)] == ["submitted", "ready"]
    with runtime.database.reading() as session:
        assert session.get_one(Dispute, dispute_pk).evidence_state == "submitted"


def test_regenerate_past_the_deadline_says_past_due(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime()
    seed(runtime, respond_by=utcnow() - timedelta(hours=1))

    outcome = regenerate(runtime, "testpay", "dp_test_1")

    assert outcome.state == Outcome.REFUSED
    assert "past due" in outcome.message
    assert processor.submissions == []


def test_the_processors_own_blocker_is_reported(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime()
    seed(runtime, submission_count=1)

    outcome = regenerate(runtime, "testpay", "dp_test_1")

    assert outcome.state == Outcome.REFUSED
    assert "TestPay already has evidence" in outcome.message


def test_a_provider_without_evidence_api_gets_manual_required(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(test_notifier="true")
    dispute_pk = seed(runtime, provider="manualpay", dispute_id="ps_1")

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)
    regenerated = regenerate(runtime, "manualpay", "ps_1")

    assert outcome.state == regenerated.state == Outcome.MANUAL_REQUIRED
    assert "no evidence API" in regenerated.message
    assert [v.state for v in versions(runtime, dispute_pk)] == ["superseded", "manual_required"]
    with runtime.database.reading() as session:
        assert session.get_one(Dispute, dispute_pk).evidence_state == "manual_required"
    assert notifications(runtime) == ["manual_required", "manual_required"]
    assert processor.requests == 0


def test_a_crash_mid_submission_resumes_the_same_version_with_the_same_key(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    # given a processor that is down for the first attempt
    runtime = make_runtime()
    dispute_pk = seed(runtime)
    processor.fail_next = 1

    with pytest.raises(ProviderUnavailable):
        respond(runtime, dispute_pk, WorkReason.RESPOND)
    with runtime.database.reading() as session:
        (pending,) = session.scalars(select(Submission)).all()
        assert pending.state == "pending"

    # when the worker retries
    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    # then the same version went out once, under the same key, and no second version was built
    assert outcome.state == Outcome.SUBMITTED
    assert outcome.version == 1
    assert len(processor.submissions) == 1
    assert processor.submissions[0]["idempotency_key"] == pending.idempotency_key
    assert [v.version for v in versions(runtime, dispute_pk)] == [1]


def test_a_processor_refusal_is_recorded_and_needs_attention(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(test_notifier="true")
    dispute_pk = seed(runtime)
    processor.refuse_with = "evidence too long"

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert outcome.state == Outcome.REJECTED
    assert "evidence too long" in outcome.message
    assert versions(runtime, dispute_pk)[0].state == "rejected"
    assert notifications(runtime) == ["needs_attention"]


def test_a_closed_dispute_is_skipped_by_the_worker(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    from engine.disputes.model import Status

    runtime = make_runtime()
    dispute_pk = seed(runtime, status=Status.WON, provider_status="won")

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert outcome.state == Outcome.SKIPPED
    assert versions(runtime, dispute_pk) == []


def test_regenerate_names_an_unknown_dispute(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    with pytest.raises(DisputeMissing, match="no testpay dispute 'dp_nope'"):
        regenerate(runtime, "testpay", "dp_nope")


@pytest.mark.postgres
def test_the_crash_resume_path_holds_on_postgresql(
    make_runtime: RuntimeFactory, processor: ProcessorServer, postgres_url: str
) -> None:
    runtime = make_runtime(database_url=postgres_url)
    dispute_pk = seed(runtime)
    processor.fail_next = 1
    with pytest.raises(ProviderUnavailable):
        respond(runtime, dispute_pk, WorkReason.RESPOND)

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)
    regenerated = regenerate(runtime, "testpay", "dp_test_1")

    assert outcome.state == Outcome.SUBMITTED
    assert regenerated.state == Outcome.REFUSED
    assert len(processor.submissions) == 1
    assert [v.state for v in versions(runtime, dispute_pk)] == ["submitted", "ready"]


def test_regenerate_after_a_manual_hand_over_says_it_was_sent_by_hand(
    make_runtime: RuntimeFactory,
) -> None:

    runtime = make_runtime()
    dispute_pk = seed(runtime, provider="manualpay", dispute_id="ps_2")
    respond(runtime, dispute_pk, WorkReason.RESPOND)
    runtime.evidence.record_manual(dispute_pk, 1, "emailed to the dispute team")

    outcome = regenerate(runtime, "manualpay", "ps_2")

    assert outcome.state == Outcome.REFUSED
    assert "already sent by hand (version 1)" in outcome.message
    with runtime.database.reading() as session:
        assert session.get_one(Dispute, dispute_pk).evidence_state == "sent_manually"


def test_a_tampered_archive_is_never_resent(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    from engine.evidence.pipeline.respond import ArchiveMismatch

    runtime = make_runtime()
    dispute_pk = seed(runtime)
    processor.fail_next = 1
    with pytest.raises(ProviderUnavailable):
        respond(runtime, dispute_pk, WorkReason.RESPOND)
    (version,) = versions(runtime, dispute_pk)
    receipt = next(r for r in version.files if r["kind"] == "receipt")
    runtime.storage.put(receipt["name"], b"%PDF-1.7 something else", "application/pdf")

    with pytest.raises(ArchiveMismatch, match="receipt of evidence version 1"):
        respond(runtime, dispute_pk, WorkReason.RESPOND)
    assert processor.submissions == []


def test_approving_the_held_version_submits_that_very_version(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    # given evidence built and held for review
    runtime = make_runtime(auto_submit="false")
    dispute_pk = seed(runtime)
    assert respond(runtime, dispute_pk, WorkReason.RESPOND).state == Outcome.READY
    reviewed = versions(runtime, dispute_pk)[0]

    # when a person approves it
    outcome = respond(runtime, dispute_pk, WorkReason.SUBMIT)

    # then the reviewed version 1 is what reached the processor — no new build
    assert (outcome.state, outcome.version) == (Outcome.SUBMITTED, 1)
    assert [v.version for v in versions(runtime, dispute_pk)] == [1]
    assert [s["version"] for s in processor.submissions] == [1]
    sent = {f["kind"]: f["sha256"] for f in versions(runtime, dispute_pk)[0].files}
    assert sent == {f["kind"]: f["sha256"] for f in reviewed.files}

    # and approving again sends nothing more
    again = respond(runtime, dispute_pk, WorkReason.SUBMIT)
    assert again.state == Outcome.REFUSED
    assert "no evidence version is held for review" in again.message
    assert len(processor.submissions) == 1


def test_approving_without_a_held_version_is_refused(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(auto_submit="false")
    dispute_pk = seed(runtime)

    outcome = respond(runtime, dispute_pk, WorkReason.SUBMIT)

    assert outcome.state == Outcome.REFUSED
    assert "there is none" in outcome.message
    assert versions(runtime, dispute_pk) == []
    assert processor.submissions == []


def test_the_customer_a_provider_source_identifies_is_recorded_on_the_dispute(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    # given a dispute whose processor names no customer (as Stripe's dispute object does not)
    runtime = make_runtime(test_sources="designs,provider_facts")
    dispute_pk = seed(runtime, customer_id=None, customer_email=None, customer_name=None)

    # when the evidence is built and the provider's facts source reads the customer's email
    respond(runtime, dispute_pk, WorkReason.RESPOND)

    # then the dispute shows who the customer is, and the timeline says where it came from
    with runtime.database.reading() as session:
        dispute = session.get_one(Dispute, dispute_pk)
        assert dispute.customer_email == "p@x.io"
        assert dispute.customer_name is None
    # and building again adds no second identification
    regenerate(runtime, "testpay", "dp_test_1")
    with runtime.database.reading() as session:
        kinds = session.scalars(
            select(DisputeEventRow.type).where(DisputeEventRow.dispute_pk == dispute_pk)
        ).all()
    assert kinds.count("engine.customer_identified") == 1


def test_a_processors_own_customer_is_never_overridden_by_a_source(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(test_sources="designs,provider_facts")
    dispute_pk = seed(runtime)  # the processor says customer@example.com

    respond(runtime, dispute_pk, WorkReason.RESPOND)

    with runtime.database.reading() as session:
        assert session.get_one(Dispute, dispute_pk).customer_email == "customer@example.com"
