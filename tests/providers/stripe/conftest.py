"""Fixtures: a running Stripe emulator and an engine configured against it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.migrate import upgrade
from engine.db.models import Dispute
from engine.errors import ProviderUnavailable
from engine.evidence.model import EvidenceFile, EvidencePacket, EvidenceText, FileField, TextField
from engine.evidence.submission import SubmissionOutcome, SubmissionRefused, submit_version
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.queue import claim_next, complete, retry_later
from web.app import create_app

WEBHOOK_SECRET = "whsec_test_primary_0123456789"
OLD_WEBHOOK_SECRET = "whsec_test_rotated_out_987654"
API_KEY = "sk_test_emulator_key"


@pytest.fixture
def stripe_emulator() -> Iterator[StripeEmulator]:
    with StripeEmulator(webhook_secret=WEBHOOK_SECRET) as emulator:
        yield emulator


@pytest.fixture
def stripe_env(stripe_emulator: StripeEmulator) -> dict[str, str]:
    """The engine's Stripe settings (without the ``DISPUTES_`` prefix)."""
    return {
        "stripe_api_key": API_KEY,
        "stripe_webhook_secret": f"{WEBHOOK_SECRET},{OLD_WEBHOOK_SECRET}",
        "stripe_api_base": stripe_emulator.url,
        "stripe_timeout_seconds": "2",
        "stripe_max_network_retries": "4",
    }


@pytest.fixture
def stripe_runtime(make_settings: MakeSettings, stripe_env: dict[str, str]) -> Iterator[Runtime]:
    runtime = Runtime(make_settings(**stripe_env))
    upgrade(runtime.database)
    yield runtime
    runtime.close()


@pytest.fixture
def client(stripe_runtime: Runtime) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(stripe_runtime)) as test_client:
        yield test_client


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink stripe-python's backoff (0.5 s to 5 s) so fault-heavy tests stay fast. The SDK's
    retry logic itself still runs unchanged."""
    from stripe import _http_client

    monkeypatch.setattr(_http_client.HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(_http_client.HTTPClient, "MAX_DELAY", 0.05)


@pytest.fixture
def packet(tmp_path: Path) -> EvidencePacket:
    return make_packet(tmp_path)


def make_packet(directory: Path, text: str = "winning_evidence") -> EvidencePacket:
    """A minimal packet: a small PNG receipt and one text field."""
    receipt = directory / "receipt.png"
    if not receipt.exists():
        Image.new("RGB", (64, 32), (200, 220, 240)).save(receipt, format="PNG")
    return EvidencePacket(
        texts=(EvidenceText(TextField.UNCATEGORIZED_TEXT, text),),
        files=(EvidenceFile(FileField.RECEIPT, str(receipt), "image/png"),),
    )


def load_fixture(fixtures_dir: Path, name: str) -> Any:
    return json.loads((fixtures_dir / "stripe" / name).read_text(encoding="utf-8"))


def dispute_pk(runtime: Runtime, dispute_id: str) -> int:
    with runtime.database.reading() as session:
        return session.scalars(
            select(Dispute.id).where(Dispute.provider == "stripe", Dispute.dispute_id == dispute_id)
        ).one()


def drain_queue(
    runtime: Runtime, packet: EvidencePacket, *, worker_id: str = "test-worker"
) -> dict[int, SubmissionOutcome | str]:
    """A stand-in for the evidence worker: claim queued work and submit ``packet`` as
    version 1. Transient failures go back to the queue and are claimed again."""
    outcomes: dict[int, SubmissionOutcome | str] = {}
    while (claim := claim_next(runtime.database, worker_id)) is not None:
        pk, _reason = claim
        try:
            outcomes[pk] = submit_version(
                runtime.evidence, runtime.provider("stripe"), pk, 1, packet
            )
        except ProviderUnavailable as error:
            with runtime.database.transaction() as session:
                retry_later(
                    session, session.get_one(Dispute, pk), worker_id, str(error), timedelta(0)
                )
            continue
        except SubmissionRefused as error:
            outcomes[pk] = f"refused: {error}"
        with runtime.database.transaction() as session:
            complete(session, session.get_one(Dispute, pk), worker_id)
    return outcomes


@pytest.fixture
def live_app(stripe_runtime: Runtime) -> Iterator[str]:
    """The engine's app served by uvicorn on a free loopback port (for the emulator's
    webhooks, which arrive over real HTTP)."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(create_app(stripe_runtime), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="engine-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
