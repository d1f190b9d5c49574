"""A real app around a real engine (SQLite, the test providers), driven by Litestar's client."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from engine.db.base import utcnow
from engine.db.models import Dispute, EvidenceState, EvidenceVersion
from engine.evidence.archive import ArchivedFile
from engine.runtime import Runtime
from engine.storage.names import object_name
from engine.testing import MakeSettings
from tests.support.engine import make_runtime
from web.app import create_app

DASHBOARD_KEY = "dashboard-key-0123456789"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

Client = TestClient[Litestar]


@pytest.fixture
def runtime(make_settings: MakeSettings) -> Iterator[Runtime]:
    runtime = make_runtime(make_settings(dashboard_key=DASHBOARD_KEY))
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[Client]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def signed_in(client: Client) -> Client:
    """The client after exchanging the key for a session cookie."""
    response = client.get(f"/disputes?key={DASHBOARD_KEY}", follow_redirects=False)
    assert response.status_code == 303
    return client


@pytest.fixture
def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {DASHBOARD_KEY}"}


def add_evidence(
    runtime: Runtime,
    provider: str,
    dispute_id: str,
    *,
    fields: dict[str, str] | None = None,
    state: EvidenceState = EvidenceState.READY,
) -> int:
    """Archive a packet the way the pipeline does: a version row and a stored PDF."""
    storage = runtime.storage
    with runtime.database.transaction() as session:
        dispute = session.scalars(
            select(Dispute).where(Dispute.provider == provider, Dispute.dispute_id == dispute_id)
        ).one()
        latest = session.scalar(
            select(EvidenceVersion.version)
            .where(EvidenceVersion.dispute_pk == dispute.id)
            .order_by(EvidenceVersion.version.desc())
        )
        version = (latest or 0) + 1
        name = object_name(
            runtime.settings.secret_key, provider, dispute_id, "receipt", version, "pdf"
        )
        url = storage.put(name, PDF, "application/pdf")
        session.add(
            EvidenceVersion(
                dispute_pk=dispute.id,
                version=version,
                state=state,
                fields={
                    "product_description": f"Design service, version {version}",
                    **(fields or {}),
                },
                files=[
                    ArchivedFile(
                        kind="receipt",
                        name=name,
                        filename=f"{provider}-{dispute_id}-v{version}-receipt.pdf",
                        url=url,
                        sha256=hashlib.sha256(PDF).hexdigest(),
                        bytes=len(PDF),
                        mime="application/pdf",
                    ).as_record()
                ],
                sources={},
                created_at=utcnow(),
            )
        )
        dispute.evidence_state = state
        return version
