"""Session rules of dashboard auth: a session is only ever valid while the dashboard is on,
and only under the key it was issued for."""

from __future__ import annotations

import pytest

from web.auth import Auth

SECRET = "s" * 32
KEY = "dashboard-key-0123456789"


def test_a_session_is_honoured_under_the_key_it_was_issued_for() -> None:
    auth = Auth(SECRET, KEY)
    session_id, cookie = auth.new_session()
    assert auth.session_id(cookie) == session_id


def test_no_session_is_valid_while_the_dashboard_is_disabled() -> None:
    # Given the dashboard turned off (no key), and a cookie signed with the app's secret
    disabled = Auth(SECRET, None)
    _, cookie = disabled.new_session()
    # When that cookie is presented, then it names no session
    assert not disabled.enabled
    assert disabled.session_id(cookie) is None


def test_changing_the_key_logs_every_browser_out() -> None:
    _, cookie = Auth(SECRET, KEY).new_session()
    assert Auth(SECRET, KEY + "-rotated").session_id(cookie) is None


def test_no_key_matches_while_the_dashboard_is_disabled() -> None:
    assert not Auth(SECRET, None).key_matches("")
    assert not Auth(SECRET, KEY).key_matches(None)
    assert Auth(SECRET, KEY).key_matches(KEY)


def test_a_session_lasts_exactly_fourteen_days(monkeypatch: pytest.MonkeyPatch) -> None:
    auth = Auth(SECRET, KEY)
    issued = 1_800_000_000.0
    monkeypatch.setattr("web.signing.time.time", lambda: issued)
    session_id, cookie = auth.new_session()
    fourteen_days = 14 * 24 * 3600
    monkeypatch.setattr("web.signing.time.time", lambda: issued + fourteen_days - 1)
    assert auth.session_id(cookie) == session_id
    monkeypatch.setattr("web.signing.time.time", lambda: issued + fourteen_days + 1)
    assert auth.session_id(cookie) is None


def test_a_session_id_carries_192_random_bits() -> None:
    ids = {Auth(SECRET, KEY).new_session()[0] for _ in range(50)}
    assert len(ids) == 50
    assert {len(session_id) for session_id in ids} == {32}  # 24 bytes, URL-safe base64
