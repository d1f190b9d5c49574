"""The evidence book: the only writer of evidence and submission state, along its moves only."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, EventSource, EvidenceState, EvidenceVersion, Submission
from engine.disputes.ingest import DisputeBook
from engine.errors import DisputeEngineError
from engine.evidence.archive import ArchivedFile
from engine.evidence.book import (
    SETTLED,
    EvidenceBook,
    IllegalMove,
    SubmissionRefused,
    idempotency_key,
)
from engine.evidence.dossier import HELD_STATES
from engine.testing import make_dispute_event, make_dispute_state
from tests.engine.strategies import BASE
from tests.support.acme import AcmeProvider, HandPayProvider

ROOT = Path(__file__).resolve().parents[3]
ARCHIVED = ArchivedFile(
    kind="receipt",
    name="obj",
    filename="acme-dp_1-v1-receipt.pdf",
    sha256="0" * 64,
    bytes=1,
    mime="application/pdf",
)


@pytest.fixture
def book(database_url: str) -> EvidenceBook:
    database = Database(database_url)
    upgrade(database)
    disputes = DisputeBook(database)
    disputes.apply_one(
        make_dispute_event(
            make_dispute_state(
                provider="acme", dispute_id="dp_1", respond_by=utcnow() + timedelta(days=7)
            )
        ),
        source=EventSource.WEBHOOK,
    )
    return EvidenceBook(database, disputes)


def pk(book: EvidenceBook) -> int:
    with book.database.reading() as session:
        return book.find(session, "acme", "dp_1").id


def dispute_state(book: EvidenceBook) -> EvidenceState:
    with book.database.reading() as session:
        return session.get_one(Dispute, pk(book)).evidence_state


def test_a_version_goes_from_building_to_submitted_and_the_dispute_follows(
    book: EvidenceBook,
) -> None:
    # Given a version built and ready
    version, _ = book.reserve(pk(book))
    assert dispute_state(book) is EvidenceState.BUILDING
    book.record_built(pk(book), version, error=None, fields={}, files=[ARCHIVED], sources={})
    assert book.dossier(pk(book)).latest is not None
    # When it is submitted and the processor says yes
    opened = book.open_submission(pk(book), version, AcmeProvider())
    assert book.dossier(pk(book)).pending == version
    book.finish_submission(pk(book), version, opened.key, accepted=True, response={"id": "x"})
    # Then the version, the dispute and the dossier all say so, and the file is a struct again
    dossier = book.dossier(pk(book))
    assert dossier.latest is not None and dossier.latest.state is EvidenceState.SUBMITTED
    assert dossier.latest.files == (ARCHIVED,)
    assert dossier.sent == "submitted (version 1)" and dossier.held_version == 1
    assert dossier.pending is None
    assert dispute_state(book) is EvidenceState.SUBMITTED
    # And the gate refuses any further version
    with pytest.raises(SubmissionRefused, match="already submitted"):
        book.open_submission(pk(book), version + 1, AcmeProvider())


def test_a_rebuild_after_submission_never_moves_the_dispute_out_of_submitted(
    book: EvidenceBook,
) -> None:
    version, _ = book.reserve(pk(book))
    book.record_built(pk(book), version, error=None, fields={}, files=[], sources={})
    opened = book.open_submission(pk(book), version, AcmeProvider())
    book.finish_submission(pk(book), version, opened.key, accepted=True)
    # When a person regenerates (the packet is rebuilt, then fails)
    second, _ = book.reserve(pk(book))
    book.fail(pk(book), second, "storage down")
    # Then the dispute still records what the processor holds
    assert dispute_state(book) is EvidenceState.SUBMITTED


def test_an_interrupted_build_is_failed_and_unsent_versions_superseded_by_the_next(
    book: EvidenceBook,
) -> None:
    first, _ = book.reserve(pk(book))
    book.record_built(pk(book), first, error=None, fields={}, files=[], sources={})
    second, _ = book.reserve(pk(book))  # first: ready → superseded
    third, _ = book.reserve(pk(book))  # second: building → failed (interrupted)
    assert (first, second, third) == (1, 2, 3)
    assert book.version(pk(book), 1).state is EvidenceState.SUPERSEDED
    assert book.version(pk(book), 2).state is EvidenceState.FAILED
    assert book.version(pk(book), 2).error == "interrupted while building"


def test_a_move_the_table_does_not_allow_raises(book: EvidenceBook) -> None:
    version, _ = book.reserve(pk(book))
    # A version still building cannot be handed to a person as "manual required"
    with pytest.raises(IllegalMove, match="from building to manual_required"):
        book.require_manual(pk(book), version)


def test_sent_by_hand_needs_a_built_version_and_happens_once(book: EvidenceBook) -> None:
    version, _ = book.reserve(pk(book))
    with pytest.raises(SubmissionRefused, match="is building: there is nothing to send"):
        book.record_manual(pk(book), version, "emailed")
    book.record_built(pk(book), version, error=None, fields={}, files=[], sources={})
    book.require_manual(pk(book), version)
    book.record_manual(pk(book), version, "emailed")
    assert dispute_state(book) is EvidenceState.SENT_MANUALLY
    with book.database.reading() as session:
        sent = session.scalars(select(Submission)).one()
        assert (sent.state, sent.attempts, sent.response) == ("manual", 1, {"note": "emailed"})
        assert sent.finished_at is not None
    with pytest.raises(SubmissionRefused, match="already recorded as sent"):
        book.record_manual(pk(book), version, "again")


def test_the_gate_holds_the_neutral_rules_in_the_base_provider(book: EvidenceBook) -> None:
    _, state = book.reserve(pk(book))
    assert state.respond_by is not None
    # An evidence API, an open dispute and a deadline not yet reached: allowed
    assert (
        AcmeProvider().submission_blocker(state, now=state.respond_by - timedelta(seconds=1))
        is None
    )
    # At the deadline itself it is too late (one rule, `<=`, for every provider)
    at_deadline = AcmeProvider().submission_blocker(state, now=state.respond_by)
    assert at_deadline is not None and at_deadline.startswith("past due")
    # A processor without an evidence API says so in one wording
    manual = HandPayProvider().submission_blocker(state, now=BASE)
    assert manual == "HandPay has no evidence API: send the packet by hand"


OPERATIONS = st.lists(
    st.sampled_from(["reserve", "built", "broken", "accepted", "rejected", "manual", "by_hand"]),
    max_size=10,
)


@settings(max_examples=40, deadline=None)
@given(OPERATIONS)
def test_whatever_is_asked_the_processor_holds_at_most_one_version_and_settled_stays(
    tmp_path_factory: pytest.TempPathFactory, operations: list[str]
) -> None:
    # Given a fresh book (SQLite), and any sequence of what workers and people may ask of it
    url = f"sqlite:///{tmp_path_factory.mktemp('book')}/book.db"
    database = Database(url)
    upgrade(database)
    disputes = DisputeBook(database)
    disputes.apply_one(
        make_dispute_event(
            make_dispute_state(provider="acme", respond_by=utcnow() + timedelta(days=7))
        ),
        source=EventSource.WEBHOOK,
    )
    book = EvidenceBook(database, disputes)
    dispute_pk = 1
    settled_once = False
    for operation in operations:
        latest = book.dossier(dispute_pk).latest
        version = latest.version if latest is not None else 0
        try:
            if operation == "reserve":
                book.reserve(dispute_pk)
            elif operation in {"built", "broken"} and version:
                error = "rules broken" if operation == "broken" else None
                book.record_built(dispute_pk, version, error=error, fields={}, files=[], sources={})
            elif operation in {"accepted", "rejected"} and version:
                opened = book.open_submission(dispute_pk, version, AcmeProvider())
                book.finish_submission(
                    dispute_pk, version, opened.key, accepted=operation == "accepted"
                )
            elif operation == "manual" and version:
                book.require_manual(dispute_pk, version)
            elif operation == "by_hand" and version:
                book.record_manual(dispute_pk, version, "emailed")
        except (SubmissionRefused, IllegalMove):
            pass  # refused, and nothing written: the invariants below still hold
        dossier = book.dossier(dispute_pk)
        # Then the processor never holds two versions
        with database.reading() as session:
            held = session.scalar(
                select(func.count())
                .select_from(Submission)
                .where(Submission.state.in_(HELD_STATES))
            )
        assert held in {0, 1}
        # And once the dispute records what the processor holds, it never forgets it
        settled_once = settled_once or dossier.evidence_state in SETTLED
        assert (dossier.evidence_state in SETTLED) == settled_once


def test_only_the_book_writes_evidence_and_submission_state() -> None:
    # Every assignment to an evidence or submission state, and every new Submission or
    # EvidenceVersion row, in the engine and the web app, is in engine/evidence/book.py.
    offenders = []
    for folder in ("engine", "web", "providers", "evidence_sources"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "engine/evidence/book.py" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Assign) and any(
                    isinstance(target, ast.Attribute) and target.attr == "evidence_state"
                    for target in node.targets
                ):
                    offenders.append(f"{path}:{node.lineno}")
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"Submission", "EvidenceVersion"}
                ):
                    offenders.append(f"{path}:{node.lineno}")
    assert offenders == []


def test_an_unrecorded_version_is_named_not_guessed(book: EvidenceBook) -> None:
    with pytest.raises(DisputeEngineError, match="^evidence version 7 is not recorded$"):
        book.require_manual(pk(book), 7)
    with pytest.raises(DisputeEngineError, match="^evidence version 7 is not recorded$"):
        book.version(pk(book), 7)


def test_idempotency_keys_stay_within_what_processors_accept() -> None:
    # 200 characters at most, leaving room for per-call suffixes under Stripe's 255
    prefix = len("disputes:acme::v1")
    assert len(idempotency_key("acme", "d" * (200 - prefix), 1)) == 200
    with pytest.raises(ValueError, match="dispute id too long"):
        idempotency_key("acme", "d" * (201 - prefix), 1)


def test_a_failed_build_keeps_what_its_sources_reported(book: EvidenceBook) -> None:
    # A person reading a failed version sees what each source gave before it failed
    version, _ = book.reserve(pk(book))
    book.fail(pk(book), version, "the packet is too large", {"designs": {"state": "ok"}})
    with book.database.reading() as session:
        row = session.scalars(select(EvidenceVersion)).one()
        assert (row.state, row.error) == (EvidenceState.FAILED, "the packet is too large")
        assert row.sources == {"designs": {"state": "ok"}}
    # and the dispute, holding no evidence at the processor, reads failed
    assert dispute_state(book) is EvidenceState.FAILED


def test_a_submission_the_processor_did_not_answer_is_resumed_with_its_key_and_counted(
    book: EvidenceBook,
) -> None:
    version, _ = book.reserve(pk(book))
    book.record_built(pk(book), version, error=None, fields={}, files=[], sources={})
    first = book.open_submission(pk(book), version, AcmeProvider())
    book.note_unavailable(first.key, "Acme answered 503")
    # When the worker tries again, the same key is resumed and both tries are counted
    again = book.open_submission(pk(book), version, AcmeProvider())
    assert again.key == first.key
    with book.database.reading() as session:
        row = session.scalars(select(Submission)).one()
        assert (row.attempts, row.error, row.state) == (2, "Acme answered 503", "pending")
