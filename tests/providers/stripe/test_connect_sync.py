"""``disputes sync`` on a Connect platform: connected accounts' disputes, each under its account.

Every test seeds the same books: one dispute on the platform, two on connected account A
(one open, one won), one open on connected account B.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from emulators.stripe import StripeEmulator
from engine.db.migrate import upgrade
from engine.db.models import Dispute, DisputeEventRow, Submission
from engine.disputes.sync import sync_provider
from engine.errors import ProviderRejected
from engine.evidence.model import EvidencePacket
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.providers.stripe.conftest import drain_queue

ACCOUNT_A = "acct_1ConnectedAaaa01"
ACCOUNT_B = "acct_1ConnectedBbbb01"

Books = dict[str, str | None]
"""Dispute id → the connected account it lives on (``None``: the platform)."""

RuntimeFor = Callable[[str | None], Runtime]


@pytest.fixture
def books(stripe_emulator: StripeEmulator) -> Books:
    state = stripe_emulator.state
    seeded = [
        (None, state.add_dispute(created=1_700_000_000, emit=False)),
        (ACCOUNT_A, state.add_dispute(account=ACCOUNT_A, created=1_700_000_001, emit=False)),
        (
            ACCOUNT_A,
            state.add_dispute(account=ACCOUNT_A, status="won", created=1_700_000_002, emit=False),
        ),
        (ACCOUNT_B, state.add_dispute(account=ACCOUNT_B, created=1_700_000_003, emit=False)),
    ]
    return {str(dispute["id"]): account for account, dispute in seeded}


@pytest.fixture
def runtime_for(make_settings: MakeSettings, stripe_env: dict[str, str]) -> Iterator[RuntimeFor]:
    """An engine against the emulator with ``DISPUTES_STRIPE_CONNECT_ACCOUNTS`` set (or not)."""
    built: list[Runtime] = []

    def build(connect_accounts: str | None) -> Runtime:
        env = dict(stripe_env)
        if connect_accounts is not None:
            env["stripe_connect_accounts"] = connect_accounts
        runtime = Runtime(make_settings(**env))
        upgrade(runtime.database)
        built.append(runtime)
        return runtime

    yield build
    for runtime in built:
        runtime.close()


def stored(runtime: Runtime) -> Books:
    with runtime.database.reading() as session:
        return {row.dispute_id: row.account for row in session.scalars(select(Dispute))}


def of(books: Books, *accounts: str | None) -> Books:
    return {dispute: account for dispute, account in books.items() if account in accounts}


def listings(emulator: StripeEmulator) -> Counter[str | None]:
    """How often each account's disputes were listed (``None``: the platform's)."""
    return Counter(r.account for r in emulator.requests_for("GET", "/v1/disputes"))


def test_unset_syncs_only_the_platforms_disputes(
    runtime_for: RuntimeFor, stripe_emulator: StripeEmulator, books: Books
) -> None:
    # Given disputes on the platform and on two connected accounts, and no Connect setting
    runtime = runtime_for(None)
    # When the engine syncs
    report = sync_provider(runtime, "stripe")
    # Then it read the platform only, as before the setting existed
    assert (report.state, report.seen, report.new, report.failed) == ("finished", 1, 1, 0)
    assert stored(runtime) == of(books, None)
    assert listings(stripe_emulator) == {None: 1}
    assert not stripe_emulator.requests_for("GET", "/v1/accounts")


def test_a_listed_account_is_synced_after_the_platform_and_the_others_are_not(
    runtime_for: RuntimeFor, stripe_emulator: StripeEmulator, books: Books
) -> None:
    # Given the setting names account A only (B exists too)
    runtime = runtime_for(f" {ACCOUNT_A} , ")
    # When the engine syncs
    report = sync_provider(runtime, "stripe")
    # Then the platform's dispute and A's two are stored, A's under A, and B was never asked
    assert (report.state, report.seen, report.new, report.failed) == ("finished", 3, 3, 0)
    assert stored(runtime) == of(books, None, ACCOUNT_A)
    assert listings(stripe_emulator) == {None: 1, ACCOUNT_A: 1}
    assert not stripe_emulator.requests_for("GET", "/v1/accounts")


def test_all_syncs_every_connected_account_paging_through_the_accounts(
    runtime_for: RuntimeFor, stripe_emulator: StripeEmulator, books: Books
) -> None:
    # Given 100 more connected accounts without disputes: 102 accounts, two pages of accounts
    quiet = {stripe_emulator.state.add_account() for _ in range(100)}
    runtime = runtime_for("all")
    # When the engine syncs
    report = sync_provider(runtime, "stripe")
    # Then every dispute is stored under its own account
    assert (report.state, report.seen, report.new, report.failed) == ("finished", 4, 4, 0)
    assert stored(runtime) == books
    # and every account was listed once, the accounts 100 per page by the platform
    every: dict[str | None, int] = {None: 1, ACCOUNT_A: 1, ACCOUNT_B: 1, **dict.fromkeys(quiet, 1)}
    assert listings(stripe_emulator) == every
    account_pages = stripe_emulator.requests_for("GET", "/v1/accounts")
    assert [(r.status, r.account) for r in account_pages] == [(200, None), (200, None)]


def test_every_call_for_a_connected_accounts_dispute_carries_it_through_to_submission(
    runtime_for: RuntimeFor,
    stripe_emulator: StripeEmulator,
    books: Books,
    packet: EvidencePacket,
) -> None:
    # Given a sync of every account queued the three open disputes
    open_ids = {d for d in books if stripe_emulator.state.dispute(d)["status"] == "needs_response"}
    runtime = runtime_for("all")
    report = sync_provider(runtime, "stripe")
    assert report.queued == len(open_ids) == 3
    # When the worker answers them
    outcomes = drain_queue(runtime, packet)
    # Then each was submitted once at Stripe
    assert len(outcomes) == 3
    assert stripe_emulator.state.counters.submissions == dict.fromkeys(open_ids, 1)
    # and every request about an answered dispute was made for the account it lives on
    for dispute_id in open_ids:
        about = [r for r in stripe_emulator.requests if dispute_id in r.path]
        assert about, dispute_id
        assert {r.account for r in about} == {books[dispute_id]}, dispute_id
    # and each account's evidence file was uploaded to that account, not the platform
    uploads = stripe_emulator.requests_for("POST", "/v1/files")
    assert Counter(r.account for r in uploads) == {None: 1, ACCOUNT_A: 1, ACCOUNT_B: 1}
    for dispute_id, account in books.items():
        evidence = stripe_emulator.state.dispute(dispute_id)["evidence"]
        if evidence["receipt"]:
            owner = stripe_emulator.state.files[evidence["receipt"]].account
            assert owner == (account or "acct_emulatorplatform")


def test_one_account_refusing_the_platform_does_not_stop_the_others(
    runtime_for: RuntimeFor, stripe_emulator: StripeEmulator, books: Books
) -> None:
    # Given account A revoked the platform's access (Stripe answers 403 for it)
    stripe_emulator.faults.deny_account(ACCOUNT_A)
    runtime = runtime_for("all")
    # When the engine syncs every account
    report = sync_provider(runtime, "stripe")
    # Then the platform's and B's disputes are stored and A is named in the report
    assert stored(runtime) == of(books, None, ACCOUNT_B)
    assert (report.state, report.new, report.failed) == ("finished", 2, 1)
    [error] = report.errors
    assert error["dispute_id"] == ACCOUNT_A
    assert error["error"].startswith(f"disputes of connected account {ACCOUNT_A} cannot be listed")
    assert "Stripe refused access to connected account" in error["error"]
    assert "does not have access" in error["error"]
    assert "DISPUTES_STRIPE_API_KEY" not in error["error"]  # the key is not what is wrong
    # and A was asked once: a 403 is not retried
    assert Counter(r.fault for r in stripe_emulator.requests if r.account == ACCOUNT_A) == {
        "403": 1
    }

    # When A reconnects and the sync runs again
    stripe_emulator.faults.clear()
    again = sync_provider(runtime, "stripe")
    # Then A's disputes arrive and nothing else is stored twice
    assert (again.state, again.new, again.updated, again.failed) == ("finished", 2, 0, 0)
    assert stored(runtime) == books


def test_a_rerun_duplicates_nothing(
    runtime_for: RuntimeFor, stripe_emulator: StripeEmulator, books: Books
) -> None:
    # Given a finished sync of every account
    runtime = runtime_for(f"{ACCOUNT_A},{ACCOUNT_B}")
    first = sync_provider(runtime, "stripe")
    assert (first.new, first.failed) == (4, 0)
    # When it runs again with nothing changed at Stripe
    again = sync_provider(runtime, "stripe")
    # Then nothing is new, nothing changed, and no event was stored twice
    assert (again.state, again.seen, again.new, again.updated, again.queued) == (
        "finished",
        4,
        0,
        0,
        0,
    )
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 4
        assert session.scalar(select(func.count()).select_from(DisputeEventRow)) == 4
        assert session.scalar(select(func.count()).select_from(Submission)) == 0
    assert stored(runtime) == books


def test_accounts_that_cannot_be_listed_fail_the_sync_clearly_after_the_platform(
    runtime_for: RuntimeFor, stripe_emulator: StripeEmulator, books: Books, fast_retries: None
) -> None:
    # Given Stripe fails every attempt to list the connected accounts (1 + 4 retries)
    stripe_emulator.faults.add_rule("GET", "/v1/accounts", "500", times=5)
    runtime = runtime_for("all")
    # When the engine syncs
    report = sync_provider(runtime, "stripe")
    # Then the platform's dispute is kept and the run failed naming the setting
    assert (report.state, report.new) == ("failed", 1)
    assert report.error is not None
    assert "DISPUTES_STRIPE_CONNECT_ACCOUNTS=all" in report.error
    assert stored(runtime) == of(books, None)


def test_a_later_call_for_a_disconnected_account_blames_the_account_not_the_key(
    runtime_for: RuntimeFor, stripe_emulator: StripeEmulator, books: Books
) -> None:
    # Given B's dispute was synced, then B disconnected the platform
    runtime = runtime_for(ACCOUNT_B)
    sync_provider(runtime, "stripe")
    [dispute_id] = of(books, ACCOUNT_B)
    stripe_emulator.faults.deny_account(ACCOUNT_B)
    # When the engine re-reads the dispute
    with pytest.raises(ProviderRejected) as refused:
        runtime.provider("stripe").fetch_dispute(dispute_id, ACCOUNT_B)
    # Then the error names the account; the API key is not what is wrong
    assert str(refused.value).startswith(f"Stripe refused access to connected account {ACCOUNT_B}")
    assert "DISPUTES_STRIPE_API_KEY" not in str(refused.value)
    # and the platform's own calls still work
    [platform_dispute] = of(books, None)
    assert runtime.provider("stripe").fetch_dispute(platform_dispute, None).account is None
