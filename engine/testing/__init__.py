"""A pytest plugin (entry point ``pytest11``) for testing against a real engine.

Fixtures for plugin authors and for the engine's own tests:

* ``make_settings(**values)`` — engine settings in a private data directory; ``values`` are
  ``DISPUTES_*`` names without the prefix (``make_settings(auto_submit="false")``).
* ``disputes_runtime`` — a migrated engine on SQLite with every installed plugin loaded.
* ``postgres_url`` — a fresh, empty PostgreSQL database for one test (needs
  ``DISPUTES_TEST_POSTGRES_URL``; skipped without it, and a failure when ``CI=true``).
* ``database_url`` — parametrised: the same test on SQLite and on PostgreSQL.
* ``evidence_source_runner(source, dispute=None, provider_facts=None)`` — run one evidence
  source as the worker does and render both PDFs from its contribution (:class:`SourceRun`).
* helpers: :func:`make_dispute_state`, :func:`make_dispute_event` (seed a dispute),
  :func:`make_design_image` (a realistic PNG), :func:`run_evidence_source`.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from engine.db.migrate import upgrade
from engine.disputes.model import (
    Described,
    DisputeState,
    Funds,
    Money,
    Stage,
    Status,
    snapshot_of,
)
from engine.evidence.model import EvidenceRules
from engine.plugins.sources import Contribution, EvidenceSource
from engine.runtime import Runtime
from engine.settings import Settings, load_settings

if TYPE_CHECKING:
    from engine.evidence.packet.appendix import DocumentOutcome

POSTGRES_ENV = "DISPUTES_TEST_POSTGRES_URL"

MakeSettings = Callable[..., Settings]


def unavailable(reason: str) -> NoReturn:
    """Skip a test that needs something this machine lacks — but fail it on CI (``CI=true``),
    where everything the suite needs must be installed."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)


@pytest.fixture
def make_settings(tmp_path: Path) -> MakeSettings:
    def build(**values: str) -> Settings:
        environ = {
            "DISPUTES_DATA_DIR": str(tmp_path / "data"),
            "DISPUTES_SECRET_KEY": "test-secret-" + "x" * 40,
        }
        environ.update({f"DISPUTES_{key.upper()}": value for key, value in values.items()})
        return load_settings(environ, cwd=tmp_path)

    return build


@pytest.fixture
def disputes_runtime(make_settings: MakeSettings) -> Iterator[Runtime]:
    runtime = Runtime(make_settings())
    upgrade(runtime.database)
    yield runtime
    runtime.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        unavailable(f"{POSTGRES_ENV} is not set: no PostgreSQL to test against")
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"disputes_test_{secrets.token_hex(6)}"
    url = make_url(admin_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL at {POSTGRES_ENV} does not answer: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'disputes.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


# --- Evidence sources: what a source author needs to test a plugin against the real pipeline.


def make_dispute_state(**overrides: Any) -> DisputeState:
    """A dispute that needs a response, as the lifecycle would describe it; override any field
    (``make_dispute_state(customer_email="a@example.com")``)."""
    now = datetime.now(UTC).replace(microsecond=0)
    values: dict[str, Any] = {
        "provider": "testpay",
        "dispute_id": "dp_test_1",
        "account": None,
        "stage": Stage.CHARGEBACK,
        "status": Status.NEEDS_RESPONSE,
        "provider_status": "needs_response",
        "reason": "fraudulent",
        "provider_reason": "fraudulent",
        "money": Money(Decimal("798.29"), "USD"),
        "funds": Funds.DEBITED,
        "network_reason_code": None,
        "respond_by": now + timedelta(days=10),
        "payment_id": "ch_test_1",
        "customer_id": "cus_test_1",
        "customer_email": "customer@example.com",
        "customer_name": "Jane Customer",
        "created_at": now - timedelta(days=1),
        "fees": (),
        "submission_count": 0,
        "last_event_at": now,
        "raw_dispute": None,
    }
    values.update(overrides)
    return DisputeState(**values)


def make_dispute_event(state: DisputeState | None = None, event_id: str | None = None) -> Described:
    """An event describing ``state`` (default :func:`make_dispute_state`), to seed the book:
    ``runtime.book.apply_one(make_dispute_event(), source=EventSource.SYNC)``."""
    state = state or make_dispute_state()
    snapshot = snapshot_of(state)
    return Described(
        provider=state.provider,
        event_id=event_id or f"evt_{secrets.token_hex(8)}",
        dispute_id=state.dispute_id,
        type="test.snapshot",
        occurred_at=state.last_event_at,
        snapshot=snapshot,
        account=state.account,
    )


def make_design_image(path: Path, width: int = 1600, height: int = 1200, seed: int = 0) -> Path:
    """Write a PNG that compresses like a generated design (noise and shapes, not flat colour)."""
    import random

    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.effect_noise((width, height), 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rnd.randrange(width), rnd.randrange(height)
        size_x, size_y = (
            rnd.randrange(20, max(21, width // 4)),
            rnd.randrange(20, max(21, height // 4)),
        )
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse([x, y, x + size_x, y + size_y], fill=colour)
    image.save(path, "PNG")
    return path


@dataclass(frozen=True)
class SourceRun:
    """One source run through the real pipeline, and the documents it produced."""

    state: str
    """``ok``, ``failed``, ``timeout`` or ``off``."""
    error: str | None
    contribution: Contribution | None
    receipt_pdf: bytes
    service_documentation_pdf: bytes
    images_shown: int
    images_omitted: int
    documents: tuple[DocumentOutcome, ...] = ()
    """What became of each PDF the source gave (included, refused or left out, and why)."""


def run_evidence_source(
    source: EvidenceSource,
    work_dir: Path,
    dispute: DisputeState | None = None,
    *,
    provider_facts: dict[str, str] | None = None,
    rules: EvidenceRules | None = None,
) -> SourceRun:
    """Run ``source`` for ``dispute`` exactly as the worker does (own thread, its timeout) and
    render both PDFs from what it contributed. ``provider_facts`` stand in for the processor's
    own source."""
    from engine.evidence.packet import PacketLimits, build_documents
    from engine.evidence.pipeline.build import packet_content
    from engine.evidence.pipeline.collect import collect

    dispute = dispute or make_dispute_state()
    collected = collect([source], dispute, work_dir)
    report = collected.reports[source.name]
    facts = dict(provider_facts or {})
    for key, value in collected.facts.items():
        facts.setdefault(key, value)
    content = dataclasses.replace(
        packet_content(dispute, "Test processor", 1, collected), facts=facts
    )
    documents = build_documents(content, PacketLimits.from_rules(rules))
    return SourceRun(
        state=report.state,
        error=report.error,
        contribution=report.contribution,
        receipt_pdf=documents.receipt.data,
        service_documentation_pdf=documents.service_documentation.data,
        images_shown=documents.images_shown,
        images_omitted=documents.images_omitted,
        documents=documents.documents,
    )


EvidenceSourceRunner = Callable[..., SourceRun]


@pytest.fixture
def evidence_source_runner(tmp_path: Path) -> EvidenceSourceRunner:
    """``evidence_source_runner(source, dispute=None, provider_facts=None)`` →
    :class:`SourceRun`: a source author's one-liner for an end-to-end check."""
    counter = iter(range(1_000_000))

    def run(
        source: EvidenceSource, dispute: DisputeState | None = None, **kwargs: Any
    ) -> SourceRun:
        work_dir = tmp_path / f"evidence-work-{next(counter)}"
        work_dir.mkdir()
        return run_evidence_source(source, work_dir, dispute, **kwargs)

    return run
