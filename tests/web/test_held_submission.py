"""Once the processor holds a submission: the page says which version, no Submit, and 409."""

from __future__ import annotations

from engine.db.models import Dispute, Submission
from engine.runtime import Runtime
from tests.support.engine import add_dispute
from tests.web.conftest import Client, add_evidence


def test_a_submission_the_processor_holds_cannot_be_replaced(
    signed_in: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_dispute(runtime, "dp_1")
    add_evidence(runtime, "acme", "dp_1")
    page = signed_in.get("/disputes/acme/dp_1").text
    assert 'id="submit-held"' in page  # held for review: a person may submit it
    assert 'id="readiness"' in page and "(required)" in page

    with runtime.database.transaction() as session:
        [dispute] = session.query(Dispute).all()
        session.add(
            Submission(
                dispute_pk=dispute.id, evidence_version=1, idempotency_key="k1", state="succeeded"
            )
        )
    add_evidence(runtime, "acme", "dp_1")  # version 2, built afterwards (a regenerate)

    page = signed_in.get("/disputes/acme/dp_1").text
    assert 'id="submit-held"' not in page
    assert "The processor holds evidence version <strong>1</strong>" in page
    response = signed_in.post("/api/disputes/acme/dp_1/submit", headers=bearer)
    assert response.status_code == 409
    assert "already holds evidence version 1" in response.json()["error"]
