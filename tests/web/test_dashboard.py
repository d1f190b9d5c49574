"""The dashboard as a person reads it: stats, filters, pages, the detail page, its actions,
and the evidence files behind signed links."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from engine.db.base import utcnow
from engine.db.models import Dispute, EvidenceState, NotificationRow, Submission
from engine.disputes.model import Status
from engine.runtime import Runtime
from engine.storage.names import object_name
from engine.storage.signing import file_link_query
from tests.support.engine import add_dispute
from tests.web.conftest import PDF, Client, add_evidence
from web.auth import SESSION_COOKIE

SCRIPT = "<script>alert('pwned')</script>"


def csrf(client: Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None
    return match.group(1)


def test_the_list_shows_stats_per_currency_and_the_deadline_window(
    signed_in: Client, runtime: Runtime
) -> None:
    now = utcnow()
    add_dispute(runtime, "dp_due", respond_by=now + timedelta(hours=30), amount="10.50")
    add_dispute(runtime, "dp_later", respond_by=now + timedelta(days=9), amount="5.25")
    add_dispute(runtime, "dp_eur", amount="100.00", currency="EUR")
    add_dispute(runtime, "dp_won1", Status.WON, amount="20.00")
    add_dispute(runtime, "dp_won2", Status.WON, amount="30.00")
    add_dispute(runtime, "dp_lost", Status.LOST, amount="99.99")
    page = signed_in.get("/disputes")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="win-rate">66.7%<', html)  # 2 won of 3 decided
    assert re.search(r'id="due-soon">1<', html)
    assert "$15.75" in html and "€100.00" in html  # at risk, exact decimals
    assert re.search(r'id="recovered">\$50.00<', html)
    assert "Needs response · 3" in html and "Won · 2" in html and "Lost · 1" in html
    assert '<svg class="chart"' in html  # outcomes by month
    rows = html[html.index("<tbody") :]
    # Rows show each currency's own format and words, not "10.50 USD" and "needs_response"
    assert "$10.50" in rows and "€100.00" in rows and "$99.99" in rows
    assert ">Needs response<" in rows and ">Won<" in rows and ">Lost<" in rows
    assert "needs_response<" not in rows and "Fraudulent" in rows
    due_list = html[html.index('id="due-list"') : html.index("By status")]
    assert "dp_due" in due_list and "dp_later" not in due_list


def test_the_win_rate_by_reason_counts_only_decided_disputes(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_f1", Status.WON, reason="fraudulent")
    add_dispute(runtime, "dp_f2", Status.WON, reason="fraudulent")
    add_dispute(runtime, "dp_f3", Status.ACCEPTED, reason="fraudulent")
    add_dispute(runtime, "dp_f4", Status.NEEDS_RESPONSE, reason="fraudulent")
    add_dispute(runtime, "dp_d1", Status.LOST, reason="duplicate")
    add_dispute(runtime, "dp_g1", Status.UNDER_REVIEW, reason="general")
    html = signed_in.get("/disputes").text
    rates = html[html.index('id="win-rate-by-reason"') :]
    rates = rates[: rates.index("</ul>")]
    items = re.findall(r'href="/disputes\?reason=(\w+)">[^<]+</a>.*?(\d+)% of (\d+)', rates, re.S)
    # most decided first; accepted counts as lost; undecided reasons are left out
    assert items == [("fraudulent", "67", "3"), ("duplicate", "0", "1")]
    assert 'aria-label="67% won"' in rates and "general" not in rates


def test_filters_narrow_the_list(signed_in: Client, runtime: Runtime) -> None:
    add_dispute(runtime, "dp_fraud")
    add_dispute(runtime, "dp_dup", reason="duplicate")
    add_dispute(runtime, "dp_hand", provider="handpay")
    html = signed_in.get("/disputes?reason=duplicate").text
    assert "dp_dup" in html and "dp_fraud" not in html
    assert "Duplicate charge" in html
    html = signed_in.get("/disputes?provider=handpay").text
    assert "dp_hand" in html and "dp_dup" not in html
    assert "No disputes match." in signed_in.get("/disputes?status=won").text


def test_the_list_pages_with_a_cursor(signed_in: Client, runtime: Runtime) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(30):
        add_dispute(runtime, f"dp_{n:02d}", created_at=base + timedelta(hours=n))
    first = signed_in.get("/disputes?provider=acme").text
    assert "dp_29" in first and "dp_04" not in first
    match = re.search(r'rel="next" href="([^"]+)"', first)
    assert match is not None
    following = signed_in.get(match.group(1).replace("&amp;", "&")).text
    assert "dp_04" in following and "dp_29" not in following
    assert 'rel="next"' not in following


def test_the_last_sync_is_shown_per_provider(signed_in: Client, runtime: Runtime) -> None:
    from engine.db.models import SyncRun

    assert "No sync has run yet" in signed_in.get("/disputes").text
    with runtime.database.transaction() as session:
        session.add(SyncRun(provider="acme", state="finished", started_at=utcnow(), seen=7,
                            new=2, updated=0, queued=1, failed=0, errors=[]))  # fmt: skip
    assert "<strong>acme</strong> finished" in signed_in.get("/disputes").text


def test_the_detail_shows_status_timeline_evidence_submissions_and_notifications(
    signed_in: Client, runtime: Runtime
) -> None:
    pk = add_dispute(runtime, "dp_1", respond_by=utcnow() + timedelta(days=2, hours=3))
    add_evidence(runtime, "acme", "dp_1", fields={"customer_name": "Ada"})
    with runtime.database.transaction() as session:
        session.add(Submission(dispute_pk=pk, evidence_version=1, idempotency_key="k1",
                               state="rejected", attempts=1, error="evidence too long",
                               response={"processor_says": "nope"}))  # fmt: skip
        session.add(NotificationRow(dispute_pk=pk, notifier="telegram", kind="new_dispute",
                                    dedupe_key="x", state="sent", attempts=1,
                                    sent_at=utcnow()))  # fmt: skip
    html = signed_in.get("/disputes/acme/dp_1").text
    assert "needs_response" in html and "<code>raw_needs_response</code>" in html
    assert "<dt>Status</dt><dd>Needs response <small>" in html
    assert "<dt>Stage</dt><dd>Chargeback</dd>" in html
    assert re.search(r"in [23] days</strong>", html)  # the respond-by countdown, in words
    assert "<code>dispute.updated</code>" in html  # timeline
    assert "Design service, version 1" in html and "customer_name" in html
    assert "_receipt_url" not in html  # the engine's own bookkeeping stays hidden
    assert "evidence too long" in html and "processor_says" in html
    assert "telegram · new_dispute · <strong>sent</strong>" in html
    assert '<iframe class="preview" src="/files/' in html
    assert 'id="mark-sent"' not in html  # acme has an evidence API


def test_a_customer_name_with_markup_renders_inert(signed_in: Client, runtime: Runtime) -> None:
    add_dispute(runtime, "dp_1", customer_name=SCRIPT)
    for path in ("/disputes", "/disputes/acme/dp_1"):
        html = signed_in.get(path).text
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html


def test_regenerate_from_the_page_queues_work_and_says_so(
    signed_in: Client, runtime: Runtime
) -> None:
    pk = add_dispute(runtime, "dp_1", Status.UNDER_REVIEW)
    token = csrf(signed_in, "/disputes/acme/dp_1")
    response = signed_in.post(
        "/disputes/acme/dp_1/regenerate", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/disputes/acme/dp_1?queued=1"
    assert 'id="queued"' in signed_in.get(response.headers["location"]).text
    with runtime.database.reading() as session:
        assert session.get_one(Dispute, pk).work_state == "queued"


def test_mark_as_sent_is_offered_and_works_for_a_processor_without_evidence_api(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_h", Status.OPEN, provider="handpay")
    add_evidence(runtime, "handpay", "dp_h", state=EvidenceState.MANUAL_REQUIRED)
    page = signed_in.get("/disputes/handpay/dp_h").text
    assert 'id="mark-sent"' in page
    token = csrf(signed_in, "/disputes/handpay/dp_h")
    response = signed_in.post(
        "/disputes/handpay/dp_h/mark-sent",
        data={"csrf_token": token, "note": "faxed to the bank"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    html = signed_in.get(response.headers["location"]).text
    assert "Version 1 recorded as sent by hand." in html
    assert "sent_manually" in html and "faxed to the bank" in html
    # a second time is refused with a page that says why
    again = signed_in.post(
        "/disputes/handpay/dp_h/mark-sent", data={"csrf_token": token}, follow_redirects=False
    )
    assert again.status_code == 409
    assert "already recorded as sent" in again.text


def test_a_held_version_is_offered_for_submission_and_queued_from_the_page(
    signed_in: Client, runtime: Runtime
) -> None:
    pk = add_dispute(runtime, "dp_r")
    assert 'id="submit-held"' not in signed_in.get("/disputes/acme/dp_r").text
    add_evidence(runtime, "acme", "dp_r", state=EvidenceState.READY)
    page = signed_in.get("/disputes/acme/dp_r").text
    assert "Submit version 1" in page
    token = csrf(signed_in, "/disputes/acme/dp_r")
    # without the CSRF token the approval is refused
    assert signed_in.post("/disputes/acme/dp_r/submit", follow_redirects=False).status_code == 403
    response = signed_in.post(
        "/disputes/acme/dp_r/submit", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    with runtime.database.reading() as session:
        row = session.get_one(Dispute, pk)
    assert (row.work_state, row.work_reason) == ("queued", "submit")


def test_an_unknown_dispute_is_a_404_page(signed_in: Client) -> None:
    response = signed_in.get("/disputes/acme/nope")
    assert response.status_code == 404
    assert "no acme dispute nope" in response.text


def test_a_file_link_serves_the_pdf_inline_and_only_to_its_signature(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_1")
    add_evidence(runtime, "acme", "dp_1")
    found = re.search(r'src="(/files/[^"]+)"', signed_in.get("/disputes/acme/dp_1").text)
    assert found is not None
    link = found.group(1).replace("&amp;", "&")
    signed_in.cookies.clear()  # the link itself is the permission, for a while
    response = signed_in.get(link)
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "private, no-store"
    # another file's name under this signature, or a longer life, is refused
    path, _, query = link.partition("?")
    other = object_name(runtime.settings.secret_key, "acme", "dp_2", "receipt", 1, "pdf")
    assert signed_in.get(f"/files/{other}?{query}").status_code == 404
    expires = int(re.search(r"expires=(\d+)", query).group(1))  # type: ignore[union-attr]
    longer = query.replace(f"expires={expires}", f"expires={expires + 3600}")
    assert signed_in.get(f"{path}?{longer}").status_code == 404
    assert signed_in.get(path).status_code == 404


def test_an_expired_file_link_is_refused(client: Client, runtime: Runtime) -> None:
    name = object_name(runtime.settings.secret_key, "acme", "dp_1", "receipt", 1, "pdf")
    query = file_link_query(runtime.settings.secret_key, name, 60, now=time.time() - 3600)
    assert client.get(f"/files/{name}", params=query).status_code == 404


@pytest.mark.parametrize("path", ["/static/app.css"])
def test_static_files_are_public(client: Client, path: str) -> None:
    assert client.get(path).status_code == 200


def test_sign_out_is_on_every_page_needs_its_csrf_token_and_clears_the_session(
    signed_in: Client, runtime: Runtime
) -> None:
    add_dispute(runtime, "dp_1")
    for path in ("/disputes", "/disputes/acme/dp_1", "/disputes/acme/nope"):
        assert 'action="/disputes/sign-out"' in signed_in.get(path).text, path
    forged = signed_in.post("/disputes/sign-out", data={"csrf_token": "x"}, follow_redirects=False)
    assert forged.status_code == 403
    assert signed_in.get("/disputes").status_code == 200  # still signed in
    token = csrf(signed_in, "/disputes")
    response = signed_in.post(
        "/disputes/sign-out", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/disputes"
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{SESSION_COOKIE}=") and "Max-Age=0" in set_cookie
    after = signed_in.get("/disputes")
    assert after.status_code == 401 and 'action="/disputes/sign-out"' not in after.text


def test_action_needed_cards_count_review_manual_and_due_soon(
    signed_in: Client, runtime: Runtime
) -> None:
    from sqlalchemy import update

    from engine.db.models import EvidenceState

    add_dispute(runtime, "dp_soon", respond_by=utcnow() + timedelta(hours=30))
    add_dispute(runtime, "dp_later", respond_by=utcnow() + timedelta(days=9))
    add_dispute(runtime, "dp_review", respond_by=utcnow() + timedelta(days=9))
    add_dispute(runtime, "dp_hand", respond_by=utcnow() + timedelta(days=9))
    add_dispute(runtime, "dp_done", Status.WON)
    with runtime.database.transaction() as session:
        for dispute_id, state in (
            ("dp_review", EvidenceState.READY),
            ("dp_done", EvidenceState.READY),  # decided: nothing to do
            ("dp_hand", EvidenceState.MANUAL_REQUIRED),
        ):
            session.execute(
                update(Dispute)
                .where(Dispute.dispute_id == dispute_id)
                .values(evidence_state=state.value)
            )
    html = signed_in.get("/disputes").text
    start = html.index('id="action-needed"')
    cards = html[start : html.index("</section>", start)]
    assert re.search(r'id="action-due"[^>]*><strong>1</strong> due within 72 h', cards)
    assert "<strong>1</strong> evidence packet to review" in cards
    assert "<strong>1</strong> to send by hand" in cards
    assert html.index('id="action-needed"') < html.index('class="stats"')
