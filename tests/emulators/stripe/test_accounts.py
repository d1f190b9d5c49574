"""The emulator's Connect side: ``GET /v1/accounts`` and an account that refuses the platform."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from emulators.stripe import PLATFORM_ACCOUNT, StripeEmulator


@pytest.fixture
def emulator() -> Iterator[StripeEmulator]:
    with StripeEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: StripeEmulator) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": emulator.url, "files": emulator.url},
        http_client=stripe.RequestsClient(timeout=2),
    )


def test_accounts_are_listed_newest_first_page_by_page(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    # Given five connected accounts, two of them known through their disputes only
    explicit = [emulator.state.add_account(created=1_700_000_000 + i) for i in range(3)]
    emulator.state.add_dispute(account="acct_1SeededByDispute1", emit=False)
    emulator.state.add_charge(account="acct_1SeededByCharge01")
    emulator.state.add_dispute(emit=False)  # the platform's own: not a connected account
    # When the platform pages through its accounts two at a time
    ids: list[str] = []
    pages = 0
    starting_after: str | None = None
    while True:
        params: dict[str, object] = {"limit": 2}
        if starting_after:
            params["starting_after"] = starting_after
        page = client.v1.accounts.list(params=params)  # type: ignore[arg-type]
        pages += 1
        ids += [account.id for account in page.data]
        if not page.has_more:
            break
        starting_after = page.data[-1].id
    # Then it sees each connected account once, in Stripe's account shape, and not itself
    assert pages == 3
    assert sorted(ids) == sorted([*explicit, "acct_1SeededByDispute1", "acct_1SeededByCharge01"])
    assert PLATFORM_ACCOUNT not in ids
    account = client.v1.accounts.list(params={"limit": 1}).data[0]
    assert (account.object, account.charges_enabled) == ("account", True)


def test_only_the_platform_lists_accounts_and_unknown_params_are_refused(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    emulator.state.add_account("acct_1ConnectedOnly01")
    with pytest.raises(stripe.PermissionError) as refused:
        client.v1.accounts.list(options={"stripe_account": "acct_1ConnectedOnly01"})
    assert refused.value.http_status == 403
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.accounts.list(params={"email": "x@example.com"})  # type: ignore[arg-type]
    assert unknown.value.code == "parameter_unknown"


def test_a_denied_account_refuses_every_request_with_stripes_403(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    # Given two connected accounts with a dispute each, one of which revoked the platform
    denied = emulator.state.add_dispute(account="acct_1RevokedAccess01", emit=False)
    fine = emulator.state.add_dispute(account="acct_1StillConnected1", emit=False)
    emulator.faults.deny_account("acct_1RevokedAccess01")
    # When the platform reads each account's disputes
    with pytest.raises(stripe.PermissionError) as refused:
        client.v1.disputes.retrieve(
            str(denied["id"]), options={"stripe_account": "acct_1RevokedAccess01"}
        )
    listed = client.v1.disputes.list(options={"stripe_account": "acct_1StillConnected1"})
    # Then the revoked one answers 403 in Stripe's shape, the other answers as usual
    assert refused.value.http_status == 403
    assert "does not have access to account 'acct_1RevokedAccess01'" in str(refused.value)
    body: Any = refused.value.json_body
    assert body["error"]["type"] == "invalid_request_error"
    assert [d.id for d in listed.data] == [fine["id"]]
    assert [r.fault for r in emulator.requests] == ["403", None]
    # and clearing the faults restores access
    emulator.faults.clear()
    again = client.v1.disputes.list(options={"stripe_account": "acct_1RevokedAccess01"})
    assert [d.id for d in again.data] == [denied["id"]]
