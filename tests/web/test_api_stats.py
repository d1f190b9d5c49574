"""``GET /api/stats`` over HTTP: behind the dashboard key, amounts as exact decimal strings."""

from __future__ import annotations

from engine.disputes.model import Status
from engine.runtime import Runtime
from tests.support.engine import add_dispute
from tests.web.conftest import Client


def test_stats_need_the_key(client: Client) -> None:
    assert client.get("/api/stats").status_code == 401


def test_stats_as_json(client: Client, runtime: Runtime, bearer: dict[str, str]) -> None:
    add_dispute(runtime, "dp_open", amount="10.10")
    add_dispute(runtime, "dp_won", Status.WON, amount="20.20", reason="duplicate")
    add_dispute(runtime, "dp_lost", Status.LOST, amount="0.05", reason="duplicate")
    response = client.get("/api/stats", headers=bearer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3
    assert body["by_status"] == {"needs_response": 1, "won": 1, "lost": 1}
    assert body["win_rate"] == 0.5
    assert body["by_reason"] == [
        {"reason": "duplicate", "count": 2, "won": 1, "lost": 1, "win_rate": 0.5},
        {"reason": "fraudulent", "count": 1, "won": 0, "lost": 0, "win_rate": None},
    ]
    assert body["by_provider"] == [
        {"provider": "acme", "count": 3, "won": 1, "lost": 1, "win_rate": 0.5}
    ]
    assert [month["count"] for month in body["by_month"]] == [3]
    assert body["amounts"] == {
        "USD": {
            "at_risk": "10.10",
            "won": "20.20",
            "lost": "0.05",
            "fees": "0.00",
            "net_recovery": "20.20",
        }
    }
