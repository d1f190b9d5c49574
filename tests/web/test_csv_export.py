"""``GET /disputes.csv``: the list's rows with its filters, behind the dashboard key, every row
once across pages, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from engine.disputes.model import Status
from engine.runtime import Runtime
from tests.support.engine import add_dispute
from tests.web.conftest import Client
from web.export import csv_list


def rows(client: Client, **query: str) -> list[dict[str, str]]:
    response = client.get("/disputes.csv", params=query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_csv_needs_the_dashboard_key(client: Client) -> None:
    response = client.get("/disputes.csv", follow_redirects=False)
    assert response.status_code in {303, 401}
    assert "dp_" not in response.text


def test_every_row_once_across_pages_with_the_lists_filters(
    signed_in: Client, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_list, "PAGE", 3)  # several pages from a handful of rows
    for n in range(7):
        add_dispute(runtime, f"dp_{n}", Status.WON if n % 2 else Status.NEEDS_RESPONSE)
    add_dispute(runtime, "dp_evil", customer_name='=HYPERLINK("http://x")')
    everything = rows(signed_in)
    assert sorted(row["dispute_id"] for row in everything) == sorted(
        [f"dp_{n}" for n in range(7)] + ["dp_evil"]
    )
    assert {row["dispute_id"] for row in rows(signed_in, status="won")} == {
        "dp_1",
        "dp_3",
        "dp_5",
    }
    evil = next(row for row in everything if row["dispute_id"] == "dp_evil")
    assert evil["customer_name"] == '\'=HYPERLINK("http://x")'
    assert evil["amount"] == "798.29" and evil["currency"] == "USD"
