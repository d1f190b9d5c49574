"""The Stripe emulator is strict where Stripe is strict: driven through stripe-python."""

from __future__ import annotations

import http.server
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, Unpack, cast

import pytest
import stripe
from stripe import RequestOptions
from stripe.params import ChargeListParams, DisputeUpdateParams

from emulators.stripe import StripeEmulator

ACCOUNT = "acct_1EmulatorTest01"
SECRET = "whsec_emulator_test"


@pytest.fixture
def emulator() -> Iterator[StripeEmulator]:
    with StripeEmulator(webhook_secret=SECRET) as running:
        yield running


@pytest.fixture
def client(emulator: StripeEmulator) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": emulator.url, "files": emulator.url},
        http_client=stripe.RequestsClient(timeout=2),
    )


def blob(data: bytes, name: str = "evidence.pdf") -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


PDF = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF"


def upload(
    client: stripe.StripeClient, data: bytes = PDF, **options: Unpack[RequestOptions]
) -> str:
    created = client.v1.files.create(
        params={"purpose": "dispute_evidence", "file": blob(data)}, options=options or None
    )
    return str(created.id)


def refused(call: Any) -> stripe.StripeError:
    with pytest.raises(stripe.StripeError) as caught:
        call()
    return caught.value


# -- listing -------------------------------------------------------------------------------


def test_listing_pages_newest_first_with_starting_after(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    made = [emulator.state.add_dispute(created=1_700_000_000 + i, emit=False) for i in range(250)]
    seen: list[str] = []
    after: str | None = None
    while True:
        params: Any = {"limit": 100, **({"starting_after": after} if after else {})}
        page = client.v1.disputes.list(params=params)
        seen += [d.id for d in page.data]
        if not page.has_more:
            break
        after = page.data[-1].id
    assert seen == [d["id"] for d in reversed(made)]
    assert [len(p) for p in (seen[:100], seen[100:200], seen[200:])] == [100, 100, 50]


def test_created_filters_and_limits(emulator: StripeEmulator, client: stripe.StripeClient) -> None:
    for i in range(10):
        emulator.state.add_dispute(created=1_700_000_000 + i, emit=False)
    page = client.v1.disputes.list(
        params={"created": {"gte": 1_700_000_003, "lt": 1_700_000_007}, "limit": 100}
    )
    assert sorted(d.created for d in page.data) == list(range(1_700_000_003, 1_700_000_007))
    error = refused(lambda: client.v1.disputes.list(params={"limit": 101}))
    assert (error.http_status, error.code, getattr(error, "param", None)) == (
        400,
        "parameter_invalid_integer",
        "limit",
    )
    error = refused(lambda: client.v1.disputes.list(params={"starting_after": "dp_nope"}))
    assert (error.http_status, error.code) == (404, "resource_missing")


def test_charges_list_by_customer_and_unknown_params_are_refused(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    emulator.state.add_charge(customer="cus_A")
    emulator.state.add_charge(customer="cus_B")
    page = client.v1.charges.list(params={"customer": "cus_A"})
    assert [c.customer for c in page.data] == ["cus_A"]
    # An unknown parameter is what the SDK's types forbid and the emulator must refuse.
    unknown = cast(ChargeListParams, {"colour": "red"})
    error = refused(lambda: client.v1.charges.list(params=unknown))
    assert (error.http_status, error.code) == (400, "parameter_unknown")


def test_an_api_key_is_required(emulator: StripeEmulator) -> None:
    bad = stripe.StripeClient("pk_test_public", base_addresses={"api": emulator.url})
    error = refused(lambda: bad.v1.disputes.list())
    assert error.http_status == 401


# -- evidence rules --------------------------------------------------------------------------


def test_evidence_is_validated_strictly(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    dispute_id = str(emulator.state.add_dispute(emit=False)["id"])
    other_purpose = client.v1.files.create(
        params={"purpose": "identity_document", "file": blob(PDF)}
    ).id
    other_account = upload(client, stripe_account=ACCOUNT)

    def update(evidence: dict[str, str]) -> stripe.StripeError:
        return refused(
            lambda: client.v1.disputes.update(
                dispute_id,
                # Cast on purpose: most cases send evidence the SDK's types would forbid.
                params=cast(DisputeUpdateParams, {"evidence": evidence, "submit": False}),
            )
        )

    cases = {
        "unknown key": ({"favourite_colour": "blue"}, "parameter_unknown"),
        "text in a file field": ({"receipt": "see attached"}, "resource_missing"),
        "unknown file": ({"receipt": "file_doesnotexist"}, "resource_missing"),
        "other purpose": ({"receipt": other_purpose}, "file_invalid_purpose"),
        "other account's file": ({"receipt": other_account}, "resource_missing"),
        "long text": ({"uncategorized_text": "x" * 20_001}, "string_length_exceeds_maximum"),
    }
    for name, (evidence, code) in cases.items():
        error = update(evidence)
        assert (error.http_status, error.code) == (
            400 if code != "resource_missing" else 404,
            code,
        ), name
        body = error.json_body or {}
        assert isinstance(body, dict)  # stripe types the parsed body as a bare ``object``
        assert set(body["error"]) >= {"type", "message", "code"}, name
        assert body["error"]["type"] == "invalid_request_error", name
    long_fields = [
        "access_activity_log",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "duplicate_charge_explanation",
        "product_description",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "uncategorized_text",
    ]
    # Stripe's OpenAPI spec: maxLength 5000 on each of these.
    short_fields = [
        "billing_address",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "duplicate_charge_id",
        "service_date",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_tracking_number",
    ]
    for name in short_fields:
        assert update({name: "z" * 5_001}).code == "string_length_exceeds_maximum", name
    error = update(dict.fromkeys(long_fields, "y" * 19000))
    assert error.code == "evidence_text_too_long"
    assert emulator.state.dispute(dispute_id)["evidence_details"]["has_evidence"] is False
    at_the_limit = str(emulator.state.add_dispute(emit=False)["id"])
    client.v1.disputes.update(
        at_the_limit,
        params=cast(
            DisputeUpdateParams,
            {"evidence": dict.fromkeys(short_fields, "z" * 5_000), "submit": False},
        ),
    )
    assert emulator.state.dispute(at_the_limit)["evidence"]["billing_address"] == "z" * 5_000


def test_file_size_and_page_limits(emulator: StripeEmulator, client: stripe.StripeClient) -> None:
    error = refused(lambda: upload(client, b"%PDF-" + b"0" * (5 * 1024 * 1024)))
    assert (error.http_status, error.code) == (400, "file_size_too_large")
    error = refused(lambda: upload(client, b"plain text, not a document"))
    assert error.code == "file_invalid_type"
    dispute_id = str(emulator.state.add_dispute(emit=False)["id"])
    big = [upload(client, b"%PDF-" + bytes([i]) * 2_400_000) for i in range(2)]
    error = refused(
        lambda: client.v1.disputes.update(
            dispute_id, params={"evidence": {"receipt": big[0], "service_documentation": big[1]}}
        )
    )
    assert error.code == "dispute_evidence_too_large"
    many_pages = upload(client, b"%PDF-1.4\n" + b"<< /Type /Page >>\n" * 50)
    error = refused(
        lambda: client.v1.disputes.update(
            dispute_id, params={"evidence": {"receipt": many_pages}, "submit": False}
        )
    )
    assert error.code == "dispute_evidence_page_limit_exceeded"


def test_submission_rules(emulator: StripeEmulator, client: stripe.StripeClient) -> None:
    dispute_id = str(emulator.state.add_dispute(emit=False)["id"])
    staged = client.v1.disputes.update(
        dispute_id, params={"evidence": {"product_description": "a print"}, "submit": False}
    )
    assert (staged.status, staged.evidence_details.submission_count) == ("needs_response", 0)
    submitted = client.v1.disputes.update(
        dispute_id, params={"evidence": {"uncategorized_text": "losing_evidence"}}
    )
    assert (submitted.status, submitted.evidence_details.submission_count) == ("under_review", 1)
    assert submitted.evidence.product_description == "a print"
    assert client.v1.disputes.retrieve(dispute_id).status == "lost"
    error = refused(lambda: client.v1.disputes.update(dispute_id, params={"submit": True}))
    assert error.code == "dispute_already_submitted"
    assert emulator.state.counters.submissions[dispute_id] == 1
    for due_by in (0, int(time.time()) - 1):
        late = str(emulator.state.add_dispute(due_by=due_by, emit=False)["id"])
        error = refused(lambda late=late: client.v1.disputes.update(late, params={"submit": True}))
        assert error.code == "dispute_past_due"
    closable = str(emulator.state.add_dispute(emit=False)["id"])
    assert client.v1.disputes.close(closable).status == "lost"
    assert refused(lambda: client.v1.disputes.close(closable)).http_status == 400


# -- idempotency, accounts, faults -------------------------------------------------------------


def test_idempotency_replays_and_refuses_other_parameters(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    first = upload(client, idempotency_key="key-1")
    assert upload(client, idempotency_key="key-1") == first
    assert len(emulator.state.files_for()) == 1
    error = refused(lambda: upload(client, PDF + b" ", idempotency_key="key-1"))
    assert (error.http_status, type(error)) == (400, stripe.IdempotencyError)
    # keys are scoped to the account
    assert upload(client, idempotency_key="key-1", stripe_account=ACCOUNT) != first


def test_disputes_belong_to_their_account(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    emulator.state.add_dispute(account=ACCOUNT, emit=False)
    emulator.state.add_dispute(emit=False)
    platform = client.v1.disputes.list()
    connected = client.v1.disputes.list(options={"stripe_account": ACCOUNT})
    assert len(platform.data) == len(connected.data) == 1
    assert platform.data[0].id != connected.data[0].id
    assert [r.account for r in emulator.requests] == [None, ACCOUNT]


def test_429s_carry_stripes_retry_header_and_hangs_outlast_the_client(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    emulator.faults.add_rule("GET", "/v1/disputes", "429", times=1)
    error = refused(lambda: client.v1.disputes.list())
    assert isinstance(error, stripe.RateLimitError)
    assert error.headers is not None
    assert error.headers.get("Stripe-Should-Retry") == "true"
    emulator.faults.hang_seconds = 3
    emulator.faults.add_rule("GET", "/v1/disputes", "hang", times=1)
    error = refused(lambda: client.v1.disputes.list())
    assert isinstance(error, stripe.APIConnectionError)
    assert client.v1.disputes.list().data == []


def test_a_fraction_of_requests_fail(emulator: StripeEmulator, client: stripe.StripeClient) -> None:
    emulator.faults.error_rate = 0.3
    failures = 0
    for _ in range(100):
        try:
            client.v1.disputes.list()
        except (stripe.APIError, stripe.RateLimitError):
            failures += 1
    assert 15 <= failures <= 45


# -- webhooks ----------------------------------------------------------------------------------


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_changes_are_announced_with_stripe_signed_webhooks(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        emulator.webhooks.url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        dispute = emulator.state.add_dispute(account=ACCOUNT)
        client.v1.disputes.update(
            str(dispute["id"]),
            params={"evidence": {"uncategorized_text": "winning_evidence"}},
            options={"stripe_account": ACCOUNT},
        )
        assert emulator.webhooks.wait_idle()
    finally:
        receiver.shutdown()
        receiver.server_close()
    events = []
    for body, header in _Receiver.received:
        event = stripe.Webhook.construct_event(body.decode(), header, SECRET).to_dict()
        events.append((event["type"], event["data"]["object"]["status"], event.get("account")))
    assert events == [
        ("charge.dispute.created", "needs_response", ACCOUNT),
        ("charge.dispute.funds_withdrawn", "needs_response", ACCOUNT),
        ("charge.dispute.updated", "under_review", ACCOUNT),
        ("charge.dispute.closed", "won", ACCOUNT),
        ("charge.dispute.funds_reinstated", "won", ACCOUNT),
    ]
    last = json.loads(_Receiver.received[-1][0])
    assert [t["amount"] for t in last["data"]["object"]["balance_transactions"]] == [-4900, 4900]
    event_id = last["id"]
    assert client.v1.events.retrieve(event_id, options={"stripe_account": ACCOUNT}).id == event_id
