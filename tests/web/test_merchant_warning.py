"""The dashboard warns while the evidence would not name the seller."""

from __future__ import annotations

from litestar.testing import TestClient

from engine.testing import MakeSettings
from tests.support.engine import make_runtime
from tests.web.conftest import DASHBOARD_KEY, Client
from web.app import create_app


def test_the_list_warns_while_no_seller_is_configured(signed_in: Client) -> None:
    html = signed_in.get("/disputes").text
    assert 'id="merchant-warning"' in html
    assert "DISPUTES_MERCHANT_NAME" in html


def test_the_warning_goes_once_the_seller_is_named(make_settings: MakeSettings) -> None:
    runtime = make_runtime(make_settings(dashboard_key=DASHBOARD_KEY, merchant_name="Acme Studio"))
    try:
        with TestClient(create_app(runtime)) as client:
            client.get(f"/disputes?key={DASHBOARD_KEY}", follow_redirects=False)
            page = client.get("/disputes")
            assert page.status_code == 200
            assert 'id="merchant-warning"' not in page.text
    finally:
        runtime.close()
