"""Evidence requests done at once, for tests that read the outcome."""

from __future__ import annotations

from engine.evidence.pipeline import RespondOutcome
from engine.evidence.requests import regenerate_now
from engine.runtime import Runtime


def regenerate(runtime: Runtime, provider: str, dispute_id: str) -> RespondOutcome:
    """Regenerate a dispute's evidence now, as ``disputes regen`` does; the outcome."""
    outcome = regenerate_now(runtime, provider, dispute_id)
    assert outcome is not None, "no worker should hold the dispute in this test"
    return outcome
