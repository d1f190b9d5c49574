"""The sweep panel in a real browser, after a real sweep: ``disputes serve`` (uvicorn and the
in-process worker, built as the command builds it) against the Stripe emulator, a dispute
changed there without its webhook and another opened without one. Screenshots at 1280 and
390 px land in ``test-artifacts/``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from emulators.stripe import StripeEmulator
from emulators.stripe.state import PLATFORM_ACCOUNT
from engine.db.migrate import upgrade
from engine.db.models import SyncKind
from engine.disputes.sync import last_reports, sync_provider
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.worker import Worker
from tests.support.serving import serving
from tests.web.conftest import DASHBOARD_KEY
from tests.web.test_browser import PHONE, browser, shot

__all__ = ["browser"]  # the fixture, shared with the dashboard's other browser tests

pytestmark = pytest.mark.browser


@pytest.fixture
def stripe_emulator() -> Iterator[StripeEmulator]:
    with StripeEmulator(webhook_secret="whsec_browser_sweeps_0123") as emulator:
        yield emulator


@pytest.fixture
def runtime(make_settings: MakeSettings, stripe_emulator: StripeEmulator) -> Iterator[Runtime]:
    engine = Runtime(
        make_settings(
            dashboard_key=DASHBOARD_KEY,
            stripe_api_key="sk_test_browser_sweeps",
            stripe_api_base=stripe_emulator.url,
            reconcile_interval_seconds="3600",
        )
    )
    upgrade(engine.database)
    yield engine
    engine.close()


def wait_for_sweep(runtime: Runtime) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report = last_reports(runtime, SyncKind.SWEEP).get("stripe")
        if report is not None and report.state != "running":
            return
        time.sleep(0.1)
    pytest.fail("no sweep finished within a minute")


def test_the_sweep_panel_after_a_real_sweep_at_1280_and_390_px(
    runtime: Runtime, stripe_emulator: StripeEmulator, browser: Any
) -> None:
    # given three disputes the engine synced, one closed at Stripe without its webhook, and one
    # opened there that the engine never heard of
    ids = [str(stripe_emulator.state.add_dispute()["id"]) for _ in range(3)]
    sync_provider(runtime, "stripe")
    stripe_emulator.state.close_dispute(PLATFORM_ACCOUNT, ids[1], {})
    found = str(stripe_emulator.state.add_dispute(emit=False)["id"])
    # when the engine is served with its worker, which sweeps as the first one is due
    with serving(runtime, Worker.for_service(runtime)) as base:
        wait_for_sweep(runtime)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/disputes?key={DASHBOARD_KEY}")
        # then the panel shows the sweep and what it put right
        panel = page.locator("#sweeps")
        text = panel.inner_text()
        assert "read 4 · repaired 1 · new 1 · errors 0" in text
        assert f"{ids[1]} Needs response → Lost" in text
        assert f"{found} found, Needs response" in text
        panel.scroll_into_view_if_needed()
        shot(page, "sweep-panel-1280")
        # and a repaired dispute is one tap away
        panel.get_by_role("link", name=ids[1]).click()
        page.wait_for_url(f"{base}/disputes/stripe/{ids[1]}")
        # and on a phone the panel fits the screen
        phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
        small = phone.new_page()
        small.goto(f"{base}/disputes")
        assert small.locator("#sweeps").is_visible()
        assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(small, "sweep-panel-390")
        phone.close()
        context.close()
