"""Guessing the dashboard key over real HTTP: a real uvicorn server on loopback, clients that
connect from different loopback addresses (127.0.0.2, 127.0.0.3…), as ``disputes serve`` sees
them. Wrong keys are 401s, then 429 with ``Retry-After``; other addresses do not notice."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from engine.errors import SettingError
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.engine import make_runtime
from tests.support.serving import serving
from tests.web.conftest import DASHBOARD_KEY
from web.proxies import uvicorn_proxy_options
from web.throttle import FREE_ATTEMPTS

WRONG = "not-the-dashboard-key-at-all"


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    with serving(runtime) as base:
        yield base


@contextmanager
def client_at(base: str, address: str) -> Iterator[httpx.Client]:
    """An HTTP client whose connections come from ``address`` (any 127.x is loopback)."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=base, transport=transport, follow_redirects=False) as client:
        yield client


def sign_in(client: httpx.Client, key: str) -> httpx.Response:
    # what the sign-in form submits, and the ``?key=`` link: the same request
    return client.get("/disputes", params={"key": key})


def api(client: httpx.Client, key: str) -> httpx.Response:
    return client.get("/api/disputes", headers={"Authorization": f"Bearer {key}"})


def test_wrong_keys_at_sign_in_get_401s_then_429_with_retry_after(server: str) -> None:
    with client_at(server, "127.0.0.2") as client:
        # when an address sends a few wrong keys, then each is an ordinary 401
        for _ in range(FREE_ATTEMPTS):
            assert sign_in(client, WRONG).status_code == 401
        # when it keeps going, then it is told to wait
        refused = sign_in(client, WRONG)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        assert "Too many wrong keys" in refused.text
        assert "text/html" in refused.headers["content-type"]
        # and the right key is refused too until the wait is over (else guessing still works)
        right_too_soon = sign_in(client, DASHBOARD_KEY)
        assert right_too_soon.status_code == 429
        assert "set-cookie" not in right_too_soon.headers


def test_wrong_bearer_keys_on_the_api_get_401s_then_429_with_retry_after(server: str) -> None:
    with client_at(server, "127.0.0.3") as client:
        for _ in range(FREE_ATTEMPTS):
            assert api(client, WRONG).status_code == 401
        refused = api(client, DASHBOARD_KEY)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json() == {
            "error": "Too many wrong keys from your address: try again in 1 s."
        }


def test_the_sign_in_form_and_the_api_share_one_count(server: str) -> None:
    with client_at(server, "127.0.0.4") as client:
        for _ in range(FREE_ATTEMPTS - 2):
            assert sign_in(client, WRONG).status_code == 401
        assert api(client, WRONG).status_code == 401
        assert api(client, WRONG).status_code == 401
        assert sign_in(client, WRONG).status_code == 429


def test_another_address_is_unaffected_by_a_lockout(server: str) -> None:
    # given one address locked out
    with client_at(server, "127.0.0.5") as guesser:
        for _ in range(FREE_ATTEMPTS + 1):
            sign_in(guesser, WRONG)
        assert sign_in(guesser, WRONG).status_code == 429
        # when someone else signs in or uses the API, then they are let in as usual
        with client_at(server, "127.0.0.6") as someone:
            assert sign_in(someone, DASHBOARD_KEY).status_code == 303
            assert api(someone, DASHBOARD_KEY).status_code == 200
            assert api(someone, WRONG).status_code == 401


def test_after_the_delay_the_right_key_works_and_the_count_starts_over(server: str) -> None:
    with client_at(server, "127.0.0.7") as client:
        for _ in range(FREE_ATTEMPTS):
            sign_in(client, WRONG)
        wait = int(sign_in(client, WRONG).headers["retry-after"])
        # when the person waits as told and signs in with the right key
        time.sleep(wait + 0.05)
        signed_in = sign_in(client, DASHBOARD_KEY)
        # then they are in, with a session that opens the dashboard
        assert signed_in.status_code == 303
        assert client.get("/disputes").status_code == 200
        # and a later typo is a plain 401 again, not a longer lockout
        assert sign_in(client, WRONG).status_code == 401
        assert api(client, DASHBOARD_KEY).status_code == 200


def test_a_signed_in_browser_keeps_working_while_its_address_is_locked_out(server: str) -> None:
    # the session cookie is not a key guess: only presenting keys is throttled
    with client_at(server, "127.0.0.8") as client:
        assert sign_in(client, DASHBOARD_KEY).status_code == 303
        for _ in range(FREE_ATTEMPTS):
            assert api(client, WRONG).status_code == 401
        assert api(client, WRONG).status_code == 429
        assert client.get("/disputes").status_code == 200
        assert client.get("/api/disputes").status_code == 200


def test_a_lockout_is_logged_with_the_address_never_the_key(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO), client_at(server, "127.0.0.9") as client:
        for _ in range(FREE_ATTEMPTS):
            api(client, WRONG)
        sign_in(client, DASHBOARD_KEY)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("disputes")]
    assert any("127.0.0.9" in line and "wrong dashboard keys" in line for line in lines)
    for line in lines:
        assert WRONG not in line
        assert DASHBOARD_KEY not in line


def test_a_guesser_cannot_pose_as_other_addresses_with_forwarded_headers(server: str) -> None:
    with client_at(server, "127.0.0.10") as client:
        for n in range(FREE_ATTEMPTS + 1):
            client.get(
                "/disputes",
                params={"key": WRONG},
                headers={"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"198.51.100.{n}"},
            )
        spoofed = client.get(
            "/api/disputes",
            headers={"Authorization": f"Bearer {WRONG}", "X-Forwarded-For": "192.0.2.1"},
        )
        assert spoofed.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_count(make_settings: MakeSettings) -> None:
    # Given the engine behind a reverse proxy at 127.0.0.20 that it was told to trust
    settings = make_settings(dashboard_key=DASHBOARD_KEY, trusted_proxies="127.0.0.20")
    runtime = make_runtime(settings)
    try:
        with serving(runtime) as base, client_at(base, "127.0.0.20") as proxy:
            # When one client guesses through the proxy until it is locked out
            for _ in range(FREE_ATTEMPTS + 1):
                proxy.get(
                    "/disputes",
                    params={"key": WRONG},
                    headers={"X-Forwarded-For": "198.51.100.7"},
                )
            guesser = proxy.get(
                "/disputes", params={"key": WRONG}, headers={"X-Forwarded-For": "198.51.100.7"}
            )
            # Then that client is locked out, and another client behind the same proxy is not
            other = proxy.get(
                "/disputes",
                params={"key": DASHBOARD_KEY},
                headers={"X-Forwarded-For": "198.51.100.8"},
            )
            assert guesser.status_code == 429
            assert other.status_code == 303
        # And a peer that is not the proxy cannot use forwarded headers to dodge its count
        with serving(runtime) as base, client_at(base, "127.0.0.21") as stranger:
            for n in range(FREE_ATTEMPTS + 1):
                stranger.get(
                    "/disputes", params={"key": WRONG}, headers={"X-Forwarded-For": f"192.0.2.{n}"}
                )
            blocked = stranger.get(
                "/disputes", params={"key": WRONG}, headers={"X-Forwarded-For": "192.0.2.99"}
            )
            assert blocked.status_code == 429
    finally:
        runtime.close()


def test_a_malformed_trusted_proxy_names_its_variable(make_settings: MakeSettings) -> None:
    with pytest.raises(SettingError, match="DISPUTES_TRUSTED_PROXIES"):
        uvicorn_proxy_options(make_settings(trusted_proxies="10.0.0.5, proxy.example"))
