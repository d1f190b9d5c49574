"""Schemathesis drives the API from its own OpenAPI schema: generated requests against a book
with disputes in it must never get a 5xx, and every answer must match the schema's status
codes, content types and bodies."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from engine.db.models import EvidenceState
from engine.disputes.model import Status
from engine.runtime import Runtime
from tests.support.engine import add_dispute
from tests.web.conftest import DASHBOARD_KEY, add_evidence
from web.app import create_app

AUTH = {"Authorization": f"Bearer {DASHBOARD_KEY}"}


@pytest.fixture
def operations(runtime: Runtime) -> list[Any]:
    add_dispute(runtime, "dp_1")
    add_evidence(runtime, "acme", "dp_1")
    add_dispute(runtime, "dp_2", Status.WON)
    add_dispute(runtime, "dp_3", provider="handpay")
    add_evidence(runtime, "handpay", "dp_3", state=EvidenceState.MANUAL_REQUIRED)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(runtime))
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # a part of the schema it could not read
        operations.append(result.ok())
    return operations


def test_the_api_keeps_its_schema_for_generated_requests(operations: list[Any]) -> None:
    labels = sorted(operation.label for operation in operations)
    assert len(labels) == 11, labels  # + /readyz, /api/stats, …/accept, /api/early-fraud-warnings
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            # A cursor is opaque: only one this API handed out is valid (a made-up one is a
            # 400, tested in test_api). Everything else generated from the schema must pass.
            if case.query:
                case.query.pop("cursor", None)
            case.call_and_validate(headers=AUTH)

        check()


def test_generated_requests_without_the_key_are_refused_as_documented(
    operations: list[Any],
) -> None:
    for operation in operations:
        if operation.path in {"/healthz", "/readyz"}:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call()
            # Generated cases may carry a made-up bearer key; a run of those from the one test
            # client address trips the key throttle, which refuses with a documented 429.
            assert response.status_code in {401, 429}
            case.validate_response(response)

        check()
