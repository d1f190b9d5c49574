"""The Paystand client against the emulator: tokens, headers, retries, errors."""

from __future__ import annotations

import time

import pytest

from emulators.paystand import PaystandEmulator
from emulators.paystand.faults import Fault
from engine.errors import DisputeUnknown, ProviderRejected, ProviderUnavailable
from providers.paystand.api import Credentials, PaystandApi
from tests.providers.paystand.conftest import CLIENT_ID, CLIENT_SECRET, CUSTOMER_ID

CREDENTIALS = Credentials(CLIENT_ID, CLIENT_SECRET, CUSTOMER_ID)


def client(emulator: PaystandEmulator, **options: float) -> PaystandApi:
    return PaystandApi(emulator.url, CREDENTIALS, timeout=1.0, backoff=0.01, **options)  # type: ignore[arg-type]


def test_one_token_serves_many_calls(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute()
    api = client(emulator)
    for _ in range(5):
        assert api.get_dispute(dispute["id"])["id"] == dispute["id"]
    assert emulator.state.token_requests == 1
    assert emulator.state.unauthorized == 0


def test_token_is_renewed_before_it_expires() -> None:
    # Given tokens that live two seconds
    with PaystandEmulator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, customer_id=CUSTOMER_ID, token_ttl=2
    ) as emulator:
        dispute, _ = emulator.state.create_dispute()
        api = client(emulator)
        api.get_dispute(dispute["id"])
        # When a call comes in the last tenth of the token's life
        time.sleep(1.85)
        api.get_dispute(dispute["id"])
        # Then a new token was fetched first: the API never had to refuse the old one
        assert emulator.state.token_requests == 2
        assert emulator.state.unauthorized == 0


def test_a_refused_token_is_replaced_once(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute()
    api = client(emulator)
    api.get_dispute(dispute["id"])
    # When Paystand forgets the token (rotation, revocation)
    emulator.state.revoke_tokens()
    assert api.get_dispute(dispute["id"])["id"] == dispute["id"]
    assert emulator.state.token_requests == 2
    assert emulator.state.unauthorized == 1


def test_a_second_401_is_not_retried_forever() -> None:
    # Given a customer id the API does not know: every call answers 401
    with PaystandEmulator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, customer_id="someone-else"
    ) as emulator:
        api = client(emulator)
        with pytest.raises(ProviderUnavailable, match="DISPUTES_PAYSTAND_CUSTOMER_ID"):
            api.get_dispute("abc")
        assert emulator.state.token_requests == 2
        assert emulator.state.unauthorized == 2


def test_wrong_credentials_name_the_settings(emulator: PaystandEmulator) -> None:
    api = PaystandApi(emulator.url, Credentials(CLIENT_ID, "wrong", CUSTOMER_ID), timeout=1.0)
    with pytest.raises(ProviderUnavailable, match="DISPUTES_PAYSTAND_CLIENT_SECRET"):
        api.get_dispute("abc")


def test_every_call_carries_bearer_and_customer_id(emulator: PaystandEmulator) -> None:
    # The emulator answers 401 to a call without either; a successful list proves both.
    emulator.state.create_dispute()
    page = client(emulator).list_disputes(offset=0, limit=10)
    assert page.count == 1
    assert emulator.state.unauthorized == 0


def test_unknown_dispute(emulator: PaystandEmulator) -> None:
    with pytest.raises(DisputeUnknown):
        client(emulator).get_dispute("nosuchdispute")
    with pytest.raises(DisputeUnknown):
        client(emulator).get_dispute("../oauth/token")


def test_server_errors_are_retried_with_backoff(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute()
    emulator.state.faults.queued.extend([Fault("error", 500), Fault("error", 503)])
    assert client(emulator).get_dispute(dispute["id"])["id"] == dispute["id"]
    assert emulator.state.requests.count(("GET", f"/disputes/{dispute['id']}")) == 3


def test_timeouts_are_retried_then_reported(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute()
    emulator.state.faults.queued.append(Fault("hang", seconds=2))
    api = PaystandApi(emulator.url, CREDENTIALS, timeout=0.3, backoff=0.01)
    assert api.get_dispute(dispute["id"])["id"] == dispute["id"]
    emulator.state.faults.error_rate = 1.0
    with pytest.raises(ProviderUnavailable, match="after 4 attempts"):
        api.get_dispute(dispute["id"])


def test_api_down_entirely_is_unavailable() -> None:
    api = PaystandApi("http://127.0.0.1:9/v3", CREDENTIALS, timeout=0.3, backoff=0.01)
    with pytest.raises(ProviderUnavailable):
        api.get_dispute("abc")


def test_rate_limits_are_retried(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute()
    emulator.state.faults.queued.extend([Fault("error", 429), Fault("error", 502)])
    assert client(emulator).get_dispute(dispute["id"])["id"] == dispute["id"]


def test_a_refusal_is_not_retried(emulator: PaystandEmulator) -> None:
    emulator.state.faults.queued.append(Fault("error", 403))
    with pytest.raises(ProviderRejected, match="HTTP 403"):
        client(emulator).list_disputes(offset=0, limit=10)
    assert emulator.state.requests.count(("GET", "/disputes")) == 1
