"""Hostile bodies on POST /webhooks/paystand/{token}: deep nesting is a 400 before anything is
read or fetched back, and no body makes the route answer 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import func, select

from engine.db.models import Dispute, WebhookDelivery
from engine.runtime import Runtime
from tests.providers.paystand.conftest import WEBHOOK_TOKEN
from web.app import create_app

URL = f"/webhooks/paystand/{WEBHOOK_TOKEN}"


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def test_deeply_nested_json_is_a_400_and_stores_nothing(
    client: TestClient[Any], runtime: Runtime
) -> None:
    for depth in (65, 1_000, 100_000):
        body = (
            b'{"object":"event","id":"evt_deep","sourceType":"Dispute","sourceId":"dsp1",'
            b'"resource":' + b"[" * depth + b"]" * depth + b"}"
        )
        response = client.post(URL, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, depth
        assert "nested deeper" in response.json()["error"]
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 0
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300), header=st.binary(max_size=40))
def test_no_body_makes_the_webhook_answer_5xx(
    client: TestClient[Any], body: bytes, header: bytes
) -> None:
    clean = header.replace(b"\r", b"").replace(b"\n", b"")
    response = client.post(URL, content=body, headers={b"X-Anything": clean})
    assert response.status_code < 500
