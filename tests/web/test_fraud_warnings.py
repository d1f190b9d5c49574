"""``GET /api/early-fraud-warnings`` and the dashboard's page: newest first, in pages, with the
refund decision; behind the dashboard key like the rest."""

from __future__ import annotations

from datetime import timedelta

from engine.db.base import utcnow
from engine.fraud_warnings.model import RefundDecision
from engine.runtime import Runtime
from tests.support.fraud_warnings import add_warning
from tests.web.conftest import Client
from tests.web.test_api import assert_matches

PATH = "/api/early-fraud-warnings"


def seed(runtime: Runtime) -> None:
    now = utcnow()
    add_warning(
        runtime,
        "issfr_old",
        created_at=now - timedelta(days=2),
        decision=RefundDecision.NOT_REFUNDED_ABOVE_THRESHOLD,
        amount="80.00",
        detail="80.00 USD is not below DISPUTES_EFW_REFUND_BELOW (25.00)",
    )
    add_warning(
        runtime,
        "issfr_mid",
        created_at=now - timedelta(days=1),
        decision=RefundDecision.REFUNDED,
        refund_id="re_123",
    )
    add_warning(runtime, "issfr_new", created_at=now - timedelta(hours=1), amount=None)


def test_the_list_is_newest_first_with_each_decision(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    # Given three warnings: above the limit, refunded, and one not yet decided
    seed(runtime)
    # When the API lists them
    response = client.get(PATH, headers=bearer)
    # Then newest first, each with its decision, amount and refund, as the schema says
    assert response.status_code == 200
    body = response.json()
    assert_matches(client, PATH, "get", 200, body)
    assert [(w["warning_id"], w["decision"]) for w in body["items"]] == [
        ("issfr_new", "recorded"),
        ("issfr_mid", "refunded"),
        ("issfr_old", "not_refunded_above_threshold"),
    ]
    newest, refunded, _ = body["items"]
    assert (newest["amount"], newest["currency"], newest["decided_at"]) == (None, None, None)
    assert (refunded["amount"], refunded["currency"], refunded["refund_id"]) == (
        "19.99",
        "USD",
        "re_123",
    )
    assert body["next_cursor"] is None


def test_pages_follow_the_cursor_and_a_made_up_cursor_is_a_400(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    seed(runtime)
    first = client.get(PATH, params={"limit": 2}, headers=bearer).json()
    second = client.get(
        PATH, params={"limit": 2, "cursor": first["next_cursor"]}, headers=bearer
    ).json()
    assert [w["warning_id"] for w in first["items"] + second["items"]] == [
        "issfr_new",
        "issfr_mid",
        "issfr_old",
    ]
    assert second["next_cursor"] is None
    bad = client.get(PATH, params={"cursor": "bm9wZQ"}, headers=bearer)
    assert bad.status_code == 400
    assert_matches(client, PATH, "get", 400, bad.json())


def test_without_the_key_the_list_is_refused(client: Client) -> None:
    response = client.get(PATH)
    assert response.status_code == 401
    assert_matches(client, PATH, "get", 401, response.json())


def test_the_dashboard_page_shows_each_warning_and_what_was_done(
    signed_in: Client, runtime: Runtime
) -> None:
    seed(runtime)
    page = signed_in.get("/early-fraud-warnings")
    assert page.status_code == 200
    text = page.text
    assert text.index("ch_issfr_new") < text.index("ch_issfr_mid") < text.index("ch_issfr_old")
    assert "Refunded" in text and "re_123" in text
    assert "Not refunded: above the limit" in text
    assert "Automatic refunds are off" in text  # this engine has no DISPUTES_EFW_REFUND_BELOW
    assert 'href="/early-fraud-warnings"' in signed_in.get("/disputes").text


def test_the_dashboard_page_needs_the_key(client: Client) -> None:
    assert client.get("/early-fraud-warnings").status_code == 401
