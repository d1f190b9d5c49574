"""The dashboard in a real browser (Debian's Chromium through Playwright) against a real server
(uvicorn on a free loopback port) with the worker running in-process, as ``disputes serve``
runs it. Screenshots land in ``test-artifacts/``."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from engine.db.models import Dispute, EventSource
from engine.disputes.model import Status
from engine.runtime import Runtime
from engine.work.worker import Worker
from tests.support.engine import add_dispute
from tests.support.serving import serving
from tests.web.conftest import DASHBOARD_KEY, add_evidence

if TYPE_CHECKING:
    from playwright.sync_api import Dialog

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCRIPT_NAME = "<script>document.title='pwned'</script>"
PHONE = {"width": 390, "height": 844}


def evidence_pipeline(runtime: Runtime, dispute_pk: int, reason: str) -> None:
    """Stands in for engine.respond: archives a new evidence version of the dispute."""
    with runtime.database.reading() as session:
        dispute = session.get_one(Dispute, dispute_pk)
        provider, dispute_id = dispute.provider, dispute.dispute_id
    add_evidence(runtime, provider, dispute_id)


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    with serving(runtime, Worker(runtime, evidence_pipeline, idle_seconds=0.1)) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        from engine.testing import unavailable

        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_sign_in_browse_open_a_dispute_and_regenerate_its_evidence(
    server: str, browser: Any, runtime: Runtime
) -> None:
    from datetime import timedelta

    from engine.db.base import utcnow

    # given disputes in the book, one with evidence already built (version 1)
    add_dispute(runtime, "dp_fight", respond_by=utcnow() + timedelta(days=2), amount="798.29")
    add_evidence(runtime, "acme", "dp_fight")
    add_dispute(runtime, "dp_won", Status.WON, amount="49.00")
    add_dispute(runtime, "dp_lost", Status.LOST, amount="120.00", currency="EUR")
    add_dispute(runtime, "dp_hand", provider="handpay", customer_name=SCRIPT_NAME)
    while Worker(runtime, evidence_pipeline, idle_seconds=0).process_next_dispute():
        pass  # the first responses are built before the person looks
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []

    def record_and_dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_and_dismiss)

    # when the person opens the dashboard with the key
    page.goto(f"{server}/disputes?key={DASHBOARD_KEY}")
    # then the key is gone from the address bar and the list is there
    assert page.url == f"{server}/disputes"
    assert page.locator("table.disputes tbody tr").count() == 4
    assert page.locator("#win-rate").inner_text() == "50.0%"
    shot(page, "dashboard-list")

    # when they open a dispute
    page.locator("table.disputes").get_by_role("link", name="acme dp_fight").click()
    page.wait_for_url(f"{server}/disputes/acme/dp_fight")
    version_before = int(page.locator("#evidence-version").inner_text())
    assert page.locator("iframe.preview").count() == 1
    shot(page, "dispute-detail")

    # and regenerate its evidence
    page.locator("#regenerate").click()
    page.wait_for_url("**/disputes/acme/dp_fight?queued=1")
    assert page.locator("#queued").is_visible()
    # then the in-process worker builds the next version, which the page shows on reload
    deadline = time.monotonic() + 20
    while int(page.locator("#evidence-version").inner_text()) == version_before:
        assert time.monotonic() < deadline, "the new evidence version never appeared"
        time.sleep(0.2)
        page.reload()
    assert int(page.locator("#evidence-version").inner_text()) == version_before + 1
    shot(page, "dispute-regenerated")

    # a customer name with markup is shown as text, never run
    page.goto(f"{server}/disputes/handpay/dp_hand")
    assert SCRIPT_NAME in page.locator("#customer").inner_text()
    assert page.title() != "pwned"
    assert page.locator("#mark-sent").is_visible()
    assert dialogs == []

    # a POST without the CSRF token is refused, even with the session cookie
    refused = page.request.post(f"{server}/disputes/acme/dp_fight/regenerate", form={})
    assert refused.status == 403

    # and the whole thing is usable on a phone
    phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{server}/disputes")
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(small, "phone-list")
    small.goto(f"{server}/disputes/acme/dp_fight")
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert small.locator("#regenerate").is_visible()
    shot(small, "phone-detail")
    phone.close()
    context.close()

    with runtime.database.reading() as session:
        assert session.scalars(select(Dispute.work_state)).all() == ["idle"] * 4


def test_a_wrong_key_in_the_browser_gets_the_sign_in_page(server: str, browser: Any) -> None:
    page = browser.new_page()
    response = page.goto(f"{server}/disputes?key=not-the-right-key-at-all")
    assert response is not None and response.status == 401
    assert page.locator("input[name=key]").is_visible()
    page.fill("input[name=key]", DASHBOARD_KEY)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/disputes")
    assert page.locator("h2", has_text="Last sync").is_visible()
    page.close()


def test_the_real_pipeline_answers_a_dispute_and_regenerates_it_from_the_browser(
    browser: Any, make_settings: Any
) -> None:
    from engine.db.migrate import upgrade
    from engine.plugins.manager import Plugins, create_plugin_manager
    from engine.testing import make_dispute_event
    from tests.engine.evidence.pipeline.testpay import ProcessorServer

    # given the real evidence pipeline, a processor on loopback and a dispute needing an answer
    processor = ProcessorServer()
    runtime = Runtime(
        make_settings(
            dashboard_key=DASHBOARD_KEY,
            testpay_api_base=processor.url,
            test_sources="designs",
        ),
        Plugins(
            create_plugin_manager(
                entry_points=False, extra=["tests.engine.evidence.pipeline.testpay"]
            )
        ),
    )
    upgrade(runtime.database)
    runtime.book.apply_one(make_dispute_event(), source=EventSource.WEBHOOK)
    try:
        with serving(runtime, Worker(runtime, idle_seconds=0.1)) as base:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/disputes?key={DASHBOARD_KEY}")
            # when the worker has answered it (version 1, submitted to the processor)
            deadline = time.monotonic() + 60
            while "evidence submitted" not in page.locator("table.disputes").inner_text():
                assert time.monotonic() < deadline, "the dispute was never answered"
                time.sleep(0.3)
                page.reload()
            page.locator("table.disputes").get_by_role("link", name="testpay dp_test_1").click()
            assert page.locator("#evidence-version").inner_text() == "1"
            # then its archived PDFs are served behind signed links, previewed inline
            previews = page.locator("iframe.preview")
            assert previews.count() == 2
            for index in range(2):
                link = previews.nth(index).get_attribute("src")
                served = page.request.get(f"{base}{link}")
                assert served.status == 200
                assert served.headers["content-type"] == "application/pdf"
                assert served.body().startswith(b"%PDF")
            assert "succeeded" in page.locator("section", has_text="Submissions").inner_text()
            shot(page, "pipeline-submitted")
            # when the person regenerates, the worker builds version 2 with the real pipeline
            page.locator("#regenerate").click()
            deadline = time.monotonic() + 60
            while (
                page.locator("#evidence-version").inner_text() != "2"
                or page.locator("#work-state").count()
            ):
                assert time.monotonic() < deadline, "version 2 was never finished"
                time.sleep(0.3)
                page.reload()
            heading = page.locator("h2", has_text="Evidence · version 2").inner_text()
            assert "building" not in heading
            assert page.locator("iframe.preview").count() == 2
            shot(page, "pipeline-regenerated")
            # and the processor was sent evidence exactly once (already answered: v2 is held)
            assert len(processor.submissions) == 1
            page.close()
    finally:
        runtime.close()
        processor.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_people_read_words_and_can_sign_out_at_phone_and_desktop_width(
    server: str, browser: Any, runtime: Runtime, width: int
) -> None:
    add_dispute(runtime, "dp_words", amount="129.00", reason="product_not_received")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/disputes?key={DASHBOARD_KEY}")
    row = page.locator("table.disputes tbody tr").first
    assert "Product not received" in row.inner_text() and "$129.00" in row.inner_text()
    sign_out = page.get_by_role("button", name="Sign out")
    assert sign_out.is_visible()
    shot(page, f"dashboard-list-{width}")
    sign_out.click()
    page.wait_for_url(f"{server}/disputes")
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert "Sign in" in page.content()
    context.close()


LONG_ID = "du_1QxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.mark.parametrize("width", [390, 1280])
def test_ids_stay_whole_and_badges_keep_their_size_at_phone_and_desktop_width(
    server: str, browser: Any, runtime: Runtime, width: int
) -> None:
    from datetime import timedelta

    from engine.db.base import utcnow

    add_dispute(
        runtime,
        LONG_ID,
        provider="stripe",
        amount="9.60",
        respond_by=utcnow() + timedelta(days=2, hours=1),
        customer_name="Maya Lindqvist",
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/disputes?key={DASHBOARD_KEY}")
    row = page.locator("table.disputes tbody tr").first
    text = row.inner_text()
    assert "$9.60" in text and "in 2 days" in text and "Stripe" in text
    assert "1 due within 72 h" in " ".join(page.locator("#action-due").inner_text().split())
    ident = row.locator(".id")
    # one line box: the id is never broken across lines (ellipsis at phone width instead)
    assert ident.evaluate("e => e.getClientRects().length") == 1
    assert ident.get_attribute("title") == LONG_ID
    # a badge is as wide as its words plus padding, never stretched to its cell
    slack = row.locator(".badge").first.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " const s = getComputedStyle(e);"
        " return e.getBoundingClientRect().width - r.getBoundingClientRect().width"
        " - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"
    )
    assert abs(slack) < 2
    shot(page, f"dashboard-ids-{width}")
    assert _wider_than(page, width) == []
    row.locator("a").first.click()
    page.wait_for_selector("#respond-by")
    assert "in 2 days" in page.locator("#respond-by").inner_text()
    shot(page, f"dashboard-detail-{width}")
    assert _wider_than(page, width) == []
    context.close()


def _wider_than(page: Any, width: int) -> list[str]:
    """The elements that reach past the viewport's right edge (the page would scroll sideways)."""
    return list(
        page.evaluate(
            "w => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 1)"
            ".map(e => e.outerHTML.slice(0, 80))",
            width,
        )
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_early_fraud_warnings_read_at_phone_and_desktop_width(
    server: str, browser: Any, runtime: Runtime, width: int
) -> None:
    from datetime import timedelta

    from engine.db.base import utcnow
    from engine.fraud_warnings.model import RefundDecision
    from tests.support.fraud_warnings import add_warning

    # Given a refunded warning and one above the limit
    now = utcnow()
    add_warning(
        runtime,
        "issfr_1QxYzAbCdEfGhIjKlMnOpQr",
        created_at=now - timedelta(hours=3),
        decision=RefundDecision.REFUNDED,
        amount="19.99",
        refund_id="re_3QxYzAbCdEfGhIjKlMnOpQr",
        charge_id="ch_3QxYzAbCdEfGhIjKlMnOpQrStUv",
    )
    add_warning(
        runtime,
        "issfr_2QxYzAbCdEfGhIjKlMnOpQr",
        created_at=now - timedelta(hours=1),
        decision=RefundDecision.NOT_REFUNDED_ABOVE_THRESHOLD,
        amount="480.00",
        detail="480.00 USD is not below DISPUTES_EFW_REFUND_BELOW (25.00)",
        fraud_type="unauthorized_use_of_card",
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    # When a person follows the link from the list
    page.goto(f"{server}/disputes?key={DASHBOARD_KEY}")
    page.locator("#efw-link a").click()
    page.wait_for_selector("#fraud-warnings")
    # Then both read in words, newest first, and nothing scrolls sideways
    rows = page.locator("table.warnings tbody tr")
    assert "Not refunded: above the limit" in rows.nth(0).inner_text()
    assert "$480.00" in rows.nth(0).inner_text()
    assert "Refunded" in rows.nth(1).inner_text() and "$19.99" in rows.nth(1).inner_text()
    shot(page, f"early-fraud-warnings-{width}")
    assert _wider_than(page, width) == []
    context.close()
