"""``GET /api/disputes?reason=…``: the dashboard's reason filter in the API."""

from __future__ import annotations

from engine.disputes.model import Reason
from engine.runtime import Runtime
from tests.support.engine import add_dispute
from tests.web.conftest import Client


def test_the_reason_filter_selects_and_an_unknown_reason_is_a_400(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_dispute(runtime, "dp_fraud", reason=Reason.FRAUDULENT)
    add_dispute(runtime, "dp_dup", reason=Reason.DUPLICATE)
    add_dispute(runtime, "dp_fraud_2", reason=Reason.FRAUDULENT)

    def ids(**query: str) -> set[str]:
        response = client.get("/api/disputes", params=query, headers=bearer)
        assert response.status_code == 200, response.text
        return {item["dispute_id"] for item in response.json()["items"]}

    assert ids(reason="fraudulent") == {"dp_fraud", "dp_fraud_2"}
    assert ids(reason="duplicate", status="needs_response") == {"dp_dup"}
    assert ids(reason="general") == set()
    refused = client.get("/api/disputes", params={"reason": "bogus"}, headers=bearer)
    assert refused.status_code == 400
