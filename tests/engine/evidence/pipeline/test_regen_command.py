"""`disputes regen PROVIDER DISPUTE_ID` (web/cli.py): a new version, and what became of it."""

from __future__ import annotations

import pytest

from engine.db.models import EventSource
from engine.evidence.pipeline import respond
from engine.testing import make_dispute_event
from engine.work.queue import WorkReason
from tests.engine.evidence.pipeline.conftest import RuntimeFactory
from tests.engine.evidence.pipeline.testpay import ProcessorServer
from web import cli


def test_regen_submits_then_says_already_submitted(
    make_runtime: RuntimeFactory,
    processor: ProcessorServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runtime = make_runtime(auto_submit="false")
    dispute_pk = runtime.book.apply_one(make_dispute_event(), source=EventSource.SYNC).dispute_pk
    respond(runtime, dispute_pk, WorkReason.RESPOND)  # held for review: version 1
    # About submission mechanics: a policy that submits whatever is built.
    monkeypatch.setattr(cli, "_runtime", lambda: make_runtime(auto_submit="true"))

    first = cli.main(["regen", "testpay", "dp_test_1"])
    second = cli.main(["regen", "testpay", "dp_test_1"])

    out = capsys.readouterr().out.splitlines()
    assert first == 0
    assert out[0].startswith("testpay dp_test_1: submitted (evidence version 2)")
    assert second == 0
    assert "refused (evidence version 3): not submitted: evidence was already submitted" in out[1]
    assert len(processor.submissions) == 1


def test_regen_of_an_unknown_dispute_is_one_line(
    make_runtime: RuntimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "_runtime", lambda: make_runtime())

    assert cli.main(["regen", "testpay", "dp_missing"]) == cli.EXIT_FAILURE
    assert (
        capsys.readouterr().err.strip() == "disputes: no testpay dispute 'dp_missing' is recorded"
    )
