"""Submitting evidence to the Stripe emulator through the engine's exactly-once path."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.models import Dispute, EvidenceVersion, Submission
from engine.disputes.lifecycle import fold
from engine.disputes.sync import sync_provider
from engine.errors import ProviderUnavailable
from engine.evidence.model import EvidenceFile, EvidencePacket, EvidenceText, FileField, TextField
from engine.evidence.submission import SubmissionRefused, submit_version
from engine.runtime import Runtime
from tests.providers.stripe.conftest import dispute_pk, drain_queue

UPDATE = r"/v1/disputes/dp_\w+"


def stored(runtime: Runtime, emulator_dispute: dict[str, object]) -> int:
    """Bring the emulator's dispute into the engine the way a sync does."""
    sync_provider(runtime, "stripe")
    return dispute_pk(runtime, str(emulator_dispute["id"]))


def submissions(runtime: Runtime) -> list[Submission]:
    with runtime.database.reading() as session:
        return list(session.scalars(select(Submission)))


def test_an_open_dispute_is_answered_once_with_its_files(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    # Given an open chargeback the engine has synced (and queued)
    dispute = stripe_emulator.state.add_dispute()
    stored(stripe_runtime, dispute)
    # When the queued work runs
    outcomes = drain_queue(stripe_runtime, packet)
    # Then Stripe took one submission, with the uploaded receipt and the text
    assert [o.state for o in outcomes.values()] == ["succeeded"]  # type: ignore[union-attr]
    after = stripe_emulator.state.dispute(str(dispute["id"]))
    assert after["evidence_details"]["submission_count"] == 1
    assert stripe_emulator.state.counters.submissions[dispute["id"]] == 1
    files = stripe_emulator.state.files_for()
    assert len(files) == 1
    assert (files[0].purpose, files[0].type) == ("dispute_evidence", "png")
    assert files[0].filename == "receipt.png"  # never the server's local path
    assert after["evidence"]["receipt"] == files[0].id
    assert after["evidence"]["uncategorized_text"] == "winning_evidence"
    assert after["status"] == "won"  # the emulator's test-mode outcome
    # and every write carried an idempotency key derived from dispute + version
    writes = [r for r in stripe_emulator.requests if r.method == "POST"]
    assert len(writes) == 2
    assert all(
        r.idempotency_key and r.idempotency_key.startswith(f"disputes:stripe:{dispute['id']}:v1")
        for r in writes
    )
    [record] = submissions(stripe_runtime)
    assert (record.state, record.response and record.response["status"]) == (
        "succeeded",
        "under_review",
    )


def test_a_second_submission_is_refused_by_the_engine(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    assert (
        submit_version(
            stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
        ).state
        == "succeeded"
    )
    before = len(stripe_emulator.requests)
    for version in (1, 2):
        with pytest.raises(SubmissionRefused, match="already"):
            submit_version(
                stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, version, packet
            )
    assert len(stripe_emulator.requests) == before
    assert stripe_emulator.state.counters.submissions[dispute["id"]] == 1


def test_stripe_already_holding_a_submission_blocks_ours(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    # Given a dispute answered elsewhere (the Dashboard) but still needing a response in Stripe
    dispute = stripe_emulator.state.add_dispute()
    stripe_emulator.state.disputes[dispute["id"]].object["evidence_details"]["submission_count"] = 1
    pk = stored(stripe_runtime, dispute)
    # Then the engine neither queues nor submits
    with stripe_runtime.database.reading() as session:
        assert session.get_one(Dispute, pk).work_state == "idle"
    with pytest.raises(SubmissionRefused, match="already has 1 submission"):
        submit_version(stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet)
    assert not [r for r in stripe_emulator.requests if r.method == "POST"]


@pytest.mark.parametrize("due_by", [0, "past"])
def test_never_when_due_by_is_zero_or_past(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    packet: EvidencePacket,
    due_by: int | str,
) -> None:
    deadline = int(time.time()) - 60 if due_by == "past" else 0
    dispute = stripe_emulator.state.add_dispute(due_by=deadline)
    pk = stored(stripe_runtime, dispute)
    with pytest.raises(SubmissionRefused, match=r"deadline|no response"):
        submit_version(stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet)
    assert not [r for r in stripe_emulator.requests if r.method == "POST"]


def big_file(directory: Path, size: int) -> Path:
    path = directory / f"big-{size}.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8))
    return path


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("text too long", "20001 characters, the limit is 20000"),
        ("short text too long", "5001 characters, the limit is 5000"),
        ("total too long", "in all text fields, the limit is 150000"),
        ("file too big", "the limit is 5242880"),
        ("files too big together", "in all files, the limit is 4500000"),
    ],
)
def test_a_packet_over_stripes_limits_is_refused_before_any_upload(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    tmp_path: Path,
    case: str,
    expected: str,
) -> None:
    long_fields = [
        TextField.ACCESS_ACTIVITY_LOG,
        TextField.CANCELLATION_POLICY_DISCLOSURE,
        TextField.CANCELLATION_REBUTTAL,
        TextField.DUPLICATE_CHARGE_EXPLANATION,
        TextField.PRODUCT_DESCRIPTION,
        TextField.REFUND_POLICY_DISCLOSURE,
        TextField.REFUND_REFUSAL_EXPLANATION,
        TextField.UNCATEGORIZED_TEXT,
    ]
    packets = {
        "text too long": EvidencePacket(
            texts=(EvidenceText(TextField.UNCATEGORIZED_TEXT, "x" * 20_001),)
        ),
        "short text too long": EvidencePacket(
            texts=(EvidenceText(TextField.BILLING_ADDRESS, "x" * 5_001),)
        ),
        "total too long": EvidencePacket(
            texts=tuple(EvidenceText(field, "y" * 19_000) for field in long_fields)
        ),
        "file too big": EvidencePacket(
            files=(
                EvidenceFile(
                    FileField.RECEIPT, str(big_file(tmp_path, 5 * 1024**2 + 1)), "image/png"
                ),
            )
        ),
        "files too big together": EvidencePacket(
            files=(
                EvidenceFile(FileField.RECEIPT, str(big_file(tmp_path, 2_300_000)), "image/png"),
                EvidenceFile(
                    FileField.SERVICE_DOCUMENTATION,
                    str(big_file(tmp_path, 2_300_001)),
                    "image/png",
                ),
            )
        ),
    }
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    outcome = submit_version(
        stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packets[case]
    )
    assert outcome.state == "rejected"
    assert expected in outcome.message
    assert not [r for r in stripe_emulator.requests if r.method == "POST"]
    assert stripe_emulator.state.files_for() == []


def test_a_stripe_400_is_recorded_with_stripes_message_and_not_retried(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    # Given a dispute whose deadline Stripe moved into the past after the engine synced it
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    stripe_emulator.state.set_due_by(str(dispute["id"]), int(time.time()) - 1)
    # When the engine submits
    outcome = submit_version(
        stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
    )
    # Then Stripe's refusal is recorded word for word, and the update was sent once
    assert outcome.state == "rejected"
    assert outcome.message == (
        "Stripe refused: The deadline for responding to this dispute has passed. (dispute_past_due)"
    )
    [record] = submissions(stripe_runtime)
    assert record.state == "rejected"
    assert record.error == outcome.message
    assert len(stripe_emulator.requests_for("POST", UPDATE)) == 1
    with stripe_runtime.database.reading() as session:
        assert session.get_one(Dispute, pk).evidence_state == "rejected"


def test_429_and_500_are_retried_and_submit_once(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    packet: EvidencePacket,
    fast_retries: None,
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    stripe_emulator.faults.add_rule("POST", r"/v1/files", "429", times=1)
    stripe_emulator.faults.add_rule("POST", UPDATE, "500", times=2)
    assert (
        submit_version(
            stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
        ).state
        == "succeeded"
    )
    assert [r.status for r in stripe_emulator.requests_for("POST", r"/v1/files")] == [429, 200]
    assert [r.status for r in stripe_emulator.requests_for("POST", UPDATE)] == [500, 500, 200]
    assert stripe_emulator.state.counters.submissions[dispute["id"]] == 1


def test_a_request_hanging_past_the_timeout_is_retried(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    packet: EvidencePacket,
    fast_retries: None,
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    stripe_emulator.faults.hang_seconds = 3  # the client gives up after 2 s
    stripe_emulator.faults.add_rule("POST", UPDATE, "hang", times=1)
    assert (
        submit_version(
            stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
        ).state
        == "succeeded"
    )
    assert stripe_emulator.state.counters.submissions[dispute["id"]] == 1


def test_stripe_down_beyond_retries_leaves_a_pending_submission_that_resumes_once(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    packet: EvidencePacket,
    fast_retries: None,
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    stripe_emulator.faults.add_rule("POST", UPDATE, "500")
    with pytest.raises(ProviderUnavailable):
        submit_version(stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet)
    [record] = submissions(stripe_runtime)
    assert record.state == "pending"
    assert "Stripe failed" in (record.error or "")
    assert len(stripe_emulator.requests_for("POST", UPDATE)) == 5  # 1 + max_network_retries
    # When Stripe is back, the same version resumes under the same keys
    stripe_emulator.faults.clear()
    assert (
        submit_version(
            stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
        ).state
        == "succeeded"
    )
    assert stripe_emulator.state.counters.submissions[dispute["id"]] == 1
    assert len(stripe_emulator.state.files_for()) == 1  # the upload was replayed, not repeated


def test_accepting_a_dispute_closes_it_at_stripe(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    stored(stripe_runtime, dispute)
    provider = stripe_runtime.provider("stripe")
    state = provider.fetch_dispute(str(dispute["id"]), None)
    assert state.snapshot is not None
    folded = fold([state])
    assert folded is not None
    provider.accept_dispute(folded, "disputes:stripe:accept")
    provider.accept_dispute(folded, "disputes:stripe:accept")  # a retry replays
    assert stripe_emulator.state.dispute(str(dispute["id"]))["status"] == "lost"
    closes = stripe_emulator.requests_for("POST", r"/v1/disputes/dp_\w+/close")
    assert [r.replayed for r in closes] == [False, True]


def test_an_answer_lost_after_stripe_acted_is_replayed_not_repeated(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    packet: EvidencePacket,
    fast_retries: None,
) -> None:
    # Given Stripe carries out the upload and the submit but the answers never arrive
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    stripe_emulator.faults.add_rule("POST", r"/v1/files", "drop", times=1)
    stripe_emulator.faults.add_rule("POST", UPDATE, "drop", times=1)
    # When the engine submits (the SDK retries with the same keys)
    assert (
        submit_version(
            stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
        ).state
        == "succeeded"
    )
    # Then Stripe replayed its answers: one file, one submission
    assert [r.replayed for r in stripe_emulator.requests_for("POST", UPDATE)] == [False, True]
    assert [r.replayed for r in stripe_emulator.requests_for("POST", r"/v1/files")] == [False, True]
    assert len(stripe_emulator.state.files_for()) == 1
    assert stripe_emulator.state.counters.submissions[dispute["id"]] == 1


def test_a_submission_resumed_after_stripe_forgot_its_key_is_recognised_as_ours(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    from engine.db.records import read_state
    from engine.errors import ProviderRejected
    from engine.plugins.provider import SubmissionRequest

    # Given evidence Stripe took under one idempotency key
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    with stripe_runtime.database.reading() as session:
        state = read_state(session.get_one(Dispute, pk))
    provider = stripe_runtime.provider("stripe")
    first = SubmissionRequest(
        dispute=state, packet=packet, evidence_version=1, idempotency_key="disputes:k1"
    )
    assert provider.submit_evidence(first).submitted
    # When the same evidence is sent again under a key Stripe no longer knows (a resume after
    # Stripe's 24-hour idempotency window)
    resumed = provider.submit_evidence(
        SubmissionRequest(
            dispute=state, packet=packet, evidence_version=1, idempotency_key="disputes:k2"
        )
    )
    # Then it is recognised as the submission Stripe already holds, and nothing is resubmitted
    assert resumed.submitted
    assert resumed.response["submission_count"] == 1
    assert stripe_emulator.state.counters.submissions[dispute["id"]] == 1
    # But other evidence refused as a second submission stays a refusal
    other = EvidencePacket(
        texts=(EvidenceText(TextField.UNCATEGORIZED_TEXT, "losing_evidence"),), files=packet.files
    )
    with pytest.raises(ProviderRejected):
        provider.submit_evidence(
            SubmissionRequest(
                dispute=state, packet=other, evidence_version=2, idempotency_key="disputes:k3"
            )
        )


def _versions(runtime: Runtime, pk: int, *states: str) -> None:
    with runtime.database.transaction() as session:
        for number, state in enumerate(states, start=1):
            session.add(EvidenceVersion(dispute_pk=pk, version=number, state=state, fields={}))


def _version_states(runtime: Runtime, pk: int) -> dict[int, tuple[str, str | None, bool]]:
    with runtime.database.reading() as session:
        return {
            v.version: (v.state, v.error, v.submitted_at is not None)
            for v in session.scalars(
                select(EvidenceVersion).where(EvidenceVersion.dispute_pk == pk)
            )
        }


def test_a_submitted_version_is_marked_submitted_and_its_siblings_are_untouched(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    _versions(stripe_runtime, pk, "ready", "ready")
    assert (
        submit_version(
            stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 2, packet
        ).state
        == "succeeded"
    )
    assert _version_states(stripe_runtime, pk) == {
        1: ("ready", None, False),
        2: ("submitted", None, True),
    }


def test_a_refused_version_keeps_stripes_reason_and_no_submission_time(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    _versions(stripe_runtime, pk, "ready")
    stripe_emulator.state.set_due_by(str(dispute["id"]), int(time.time()) - 1)
    outcome = submit_version(
        stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
    )
    assert _version_states(stripe_runtime, pk) == {1: ("rejected", outcome.message, False)}


def test_a_version_already_refused_is_not_sent_again(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, packet: EvidencePacket
) -> None:
    dispute = stripe_emulator.state.add_dispute()
    pk = stored(stripe_runtime, dispute)
    stripe_emulator.state.set_due_by(str(dispute["id"]), int(time.time()) - 1)
    assert (
        submit_version(
            stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet
        ).state
        == "rejected"
    )
    stripe_emulator.state.set_due_by(str(dispute["id"]), int(time.time()) + 86400)
    before = len(stripe_emulator.requests)
    with pytest.raises(SubmissionRefused, match=r"version 1 was already sent \(rejected\)"):
        submit_version(stripe_runtime.evidence, stripe_runtime.provider("stripe"), pk, 1, packet)
    assert len(stripe_emulator.requests) == before
