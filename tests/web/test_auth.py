"""Who gets in: the key exchanged once for a cookie, bearer on the API, CSRF on every POST,
503 while no key is configured — and the key never written to a log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.engine import add_dispute, make_runtime
from tests.web.conftest import DASHBOARD_KEY, Client
from web.app import create_app
from web.auth import SESSION_COOKIE

PAGES = ["/disputes", "/disputes/acme/dp_1"]
API = ["/api/disputes", "/api/disputes/acme/dp_1", "/api/sync"]


@pytest.fixture
def keyless(make_settings: MakeSettings) -> Iterator[Client]:
    runtime = make_runtime(make_settings())
    add_dispute(runtime, "dp_1")
    with TestClient(create_app(runtime)) as client:
        yield client
    runtime.close()


@pytest.mark.parametrize("path", PAGES + API)
def test_without_a_configured_key_dashboard_and_api_answer_503_naming_the_setting(
    keyless: Client, path: str
) -> None:
    response = keyless.get(path, headers={"Authorization": "Bearer anything-at-all-long"})
    assert response.status_code == 503
    assert "DISPUTES_DASHBOARD_KEY" in response.text


def test_healthz_needs_no_key(keyless: Client) -> None:
    response = keyless.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_key_is_exchanged_for_a_cookie_and_a_redirect_without_it(client: Client) -> None:
    response = client.get(
        f"/disputes?status=won&key={DASHBOARD_KEY}&provider=acme", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/disputes?status=won&provider=acme"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert DASHBOARD_KEY not in cookie
    # then the cookie alone opens the dashboard
    assert client.get("/disputes").status_code == 200


def test_a_wrong_key_gets_a_401_page_and_no_cookie(client: Client) -> None:
    response = client.get("/disputes?key=not-the-dashboard-key", follow_redirects=False)
    assert response.status_code == 401
    assert "Wrong key" in response.text
    assert "set-cookie" not in response.headers
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("path", PAGES)
def test_no_session_gets_a_401_sign_in_page(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert 'name="key"' in response.text


def test_a_forged_or_foreign_cookie_is_refused(client: Client, make_settings: MakeSettings) -> None:
    client.cookies.set(SESSION_COOKIE, "forged.9999999999.c2lnbmF0dXJl")
    assert client.get("/disputes").status_code == 401
    # a cookie signed for another key (the key was changed) is refused too
    other = make_runtime(make_settings(dashboard_key="another-key-0123456789"))
    with TestClient(create_app(other)) as elsewhere:
        elsewhere.get("/disputes?key=another-key-0123456789", follow_redirects=False)
        foreign = elsewhere.cookies[SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, foreign)
    assert client.get("/disputes").status_code == 401


@pytest.mark.parametrize("path", API)
def test_the_api_takes_the_key_as_a_bearer_token(
    client: Client, runtime: Runtime, bearer: dict[str, str], path: str
) -> None:
    add_dispute(runtime, "dp_1")
    assert client.get(path, headers=bearer).status_code == 200
    wrong = client.get(path, headers={"Authorization": "Bearer wrong-key-wrong-key"})
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "wrong key: send Authorization: Bearer <dashboard key>"}
    assert client.get(path).status_code == 401


def test_the_api_does_not_exchange_a_key_in_the_url(client: Client) -> None:
    assert client.get(f"/api/disputes?key={DASHBOARD_KEY}").status_code == 401


def test_a_dashboard_post_without_the_csrf_token_is_refused(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_1")
    refused = signed_in.post("/disputes/acme/dp_1/regenerate", data={}, follow_redirects=False)
    assert refused.status_code == 403
    forged = signed_in.post(
        "/disputes/acme/dp_1/regenerate", data={"csrf_token": "x"}, follow_redirects=False
    )
    assert forged.status_code == 403
    token = _csrf_token(signed_in)
    accepted = signed_in.post(
        "/disputes/acme/dp_1/regenerate", data={"csrf_token": token}, follow_redirects=False
    )
    assert accepted.status_code == 303


def test_a_signed_in_browser_needs_the_csrf_header_for_api_posts(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_1")
    assert signed_in.get("/api/disputes").status_code == 200  # reading needs no token
    path = "/api/disputes/acme/dp_1/regenerate"
    assert signed_in.post(path).status_code == 403
    token = _csrf_token(signed_in)
    assert signed_in.post(path, headers={"X-CSRF-Token": token}).status_code == 202


@pytest.mark.parametrize("path", ["/disputes", "/healthz", "/api/disputes", "/nowhere"])
def test_every_response_carries_the_security_headers(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert "script-src" not in csp  # no script runs on any page


def test_the_key_never_reaches_the_logs(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client.get(f"/disputes?key={DASHBOARD_KEY}", follow_redirects=False)
        client.get("/disputes?key=a-wrong-key-1234567")
        client.get("/api/disputes", headers={"Authorization": f"Bearer {DASHBOARD_KEY}"})
    server_records = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert any(r.name == "disputes.access" for r in server_records)
    for record in server_records:
        assert DASHBOARD_KEY not in record.getMessage()
        assert "a-wrong-key" not in record.getMessage()


def _csrf_token(client: Client) -> str:
    import re

    page = client.get("/disputes/acme/dp_1").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def test_behind_an_https_proxy_the_cookie_is_secure(make_settings: MakeSettings) -> None:
    runtime = make_runtime(
        make_settings(dashboard_key=DASHBOARD_KEY, public_url="https://disputes.example.com")
    )
    with TestClient(create_app(runtime)) as client:
        response = client.get(f"/disputes?key={DASHBOARD_KEY}", follow_redirects=False)
    assert "Secure" in response.headers["set-cookie"]


def test_only_the_json_schema_is_served_no_script_viewer(client: Client) -> None:
    assert client.get("/schema/openapi.json").status_code == 200
    assert "html" not in client.get("/schema").headers["content-type"]
    for viewer in ("swagger", "redoc", "elements", "rapidoc", "scalar"):
        assert client.get(f"/schema/{viewer}").status_code == 404
