"""Accepting from the dashboard: a CSRF-protected form, a confirmation step, then the decision
and the numbers on the page (and in a real browser, with screenshots)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from engine.db.base import utcnow
from engine.disputes.model import Status
from engine.runtime import Runtime
from tests.support.engine import add_dispute
from tests.support.serving import serving
from tests.web.conftest import DASHBOARD_KEY, Client
from tests.web.test_browser import PHONE, browser, shot

__all__ = ["browser"]  # the Chromium fixture, shared

PAGE = "/disputes/acme/dp_1"
ACCEPT = "/disputes/acme/dp_1/accept"


def csrf(client: Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None
    return match.group(1)


def test_accept_asks_first_then_records_once(signed_in: Client, runtime: Runtime) -> None:
    add_dispute(runtime, "dp_1", amount="64.00", respond_by=utcnow() + timedelta(days=3))
    page = signed_in.get(PAGE).text
    assert 'id="accept"' in page and 'id="confirm-accept"' not in page
    assert 'id="expected-value"' in page
    token = csrf(signed_in, PAGE)
    # the first press only asks for confirmation
    first = signed_in.post(ACCEPT, data={"csrf_token": token}, follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (
        303,
        f"{PAGE}?confirm_accept=1#decision",
    )
    confirm_page = signed_in.get(f"{PAGE}?confirm_accept=1").text
    assert 'id="confirm-accept"' in confirm_page
    assert "Accepting concedes $64.00" in confirm_page  # Babel: one format per currency
    assert signed_in.get(PAGE).text.count('id="decision-value">not decided') == 1
    # the confirmed press accepts
    confirmed = signed_in.post(
        ACCEPT, data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].startswith(f"{PAGE}?accepted=")
    after = signed_in.get(PAGE).text
    assert 'id="decision-value">accepted' in after
    assert 'id="accept"' not in after  # a final dispute offers no accept button
    # a second confirmed press (another tab) answers "already accepted" and records nothing
    again = signed_in.post(
        ACCEPT, data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False
    )
    assert again.headers["location"] == f"{PAGE}?accepted=already+accepted"
    with runtime.database.reading() as session:
        from sqlalchemy import func, select

        from engine.db.models import DisputeEventRow

        accepted_events = session.scalar(
            select(func.count())
            .select_from(DisputeEventRow)
            .where(DisputeEventRow.type == "engine.accepted")
        )
    assert accepted_events == 1


def test_accept_without_the_csrf_token_is_refused_and_changes_nothing(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_1")
    response = signed_in.post(ACCEPT, data={"confirm": "yes"}, follow_redirects=False)
    assert response.status_code == 403
    assert 'id="decision-value">not decided' in signed_in.get(PAGE).text


def test_a_won_dispute_cannot_be_accepted_from_the_page(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_1", Status.WON)
    assert 'id="accept"' not in signed_in.get(PAGE).text
    token = csrf(signed_in, PAGE)
    response = signed_in.post(ACCEPT, data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 409
    assert "already won" in response.text


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    with serving(runtime, None) as base:
        yield base


@pytest.mark.browser
def test_accepting_in_the_browser_at_desktop_and_phone_width(
    server: str, browser: Any, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_1", amount="64.00", respond_by=utcnow() + timedelta(days=3))
    add_dispute(runtime, "dp_w", Status.WON, reason="fraudulent")
    add_dispute(runtime, "dp_l", Status.LOST, reason="fraudulent")
    for name, viewport in (("phone", PHONE), ("desktop", {"width": 1280, "height": 900})):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{server}/disputes?key={DASHBOARD_KEY}")
        page.goto(f"{server}{PAGE}")
        shot(page, f"decision-{name}")
        if name == "desktop":
            page.locator("#accept").click()
            page.wait_for_url(f"**{PAGE}?confirm_accept=1#decision")
            assert page.locator("#confirm-accept").is_visible()
            shot(page, "decision-confirm-desktop")
            page.locator("#confirm-accept").click()
            page.wait_for_url(f"**{PAGE}?accepted=*")
            assert page.locator("#decision-value").inner_text() == "accepted"
            assert "10.4" in page.locator("dl.facts").first.inner_text()  # nothing lost
            shot(page, "decision-accepted-desktop")
        context.close()
