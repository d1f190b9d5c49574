"""``DISPUTES_STRIPE_CONNECT_ACCOUNTS``: checked at start-up, a named error for any mistake."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import SettingError
from engine.testing import MakeSettings
from providers.stripe.connect import ConnectScope, parse_connect_accounts
from providers.stripe.provider import StripeProvider

VARIABLE = "DISPUTES_STRIPE_CONNECT_ACCOUNTS"

account_ids = st.from_regex(r"acct_[A-Za-z0-9]{1,24}", fullmatch=True)


@pytest.mark.parametrize(
    ("value", "scope"),
    [
        (None, ConnectScope()),
        ("all", ConnectScope(every_account=True)),
        (" ALL ", ConnectScope(every_account=True)),
        ("acct_1A", ConnectScope(accounts=("acct_1A",))),
        (" acct_1A , acct_2B,acct_1A, ", ConnectScope(accounts=("acct_1A", "acct_2B"))),
    ],
)
def test_a_valid_value_names_the_accounts_to_sync(value: str | None, scope: ConnectScope) -> None:
    assert parse_connect_accounts(value) == scope


@pytest.mark.parametrize(
    "value",
    [
        "acct_1A;acct_2B",  # not comma-separated
        "everyone",
        "all,acct_1A",
        "acct_1A,all",
        "acct_",
        "acct_1A,cus_2B",
        "acct_1A acct_2B",
        " , ",
        "acct_1A\u200b",  # an invisible character pasted along
    ],
)
def test_a_malformed_value_fails_start_up_naming_the_variable(
    make_settings: MakeSettings, value: str
) -> None:
    # Given Stripe is configured with a malformed Connect setting
    settings = make_settings(stripe_api_key="sk_test_ok", stripe_connect_accounts=value)
    # When the provider is built (at start-up)
    with pytest.raises(SettingError) as refused:
        StripeProvider.from_settings(settings)
    # Then the error names the variable to fix
    assert refused.value.variable == VARIABLE
    assert str(refused.value).startswith(f"{VARIABLE}: ")


def test_unset_or_blank_means_the_platform_only(make_settings: MakeSettings) -> None:
    for settings in (
        make_settings(stripe_api_key="sk_test_ok"),
        make_settings(stripe_api_key="sk_test_ok", stripe_connect_accounts=""),
    ):
        provider = StripeProvider.from_settings(settings)
        assert provider.connect.platform_only
        provider.close()


@given(st.lists(account_ids, min_size=1, max_size=8), st.sampled_from([",", ", ", " ,"]))
def test_any_list_of_account_ids_is_read_back_in_order_without_repeats(
    ids: list[str], separator: str
) -> None:
    scope = parse_connect_accounts(separator.join(ids))
    assert scope.accounts == tuple(dict.fromkeys(ids))
    assert not scope.every_account


@given(st.text(max_size=40))
def test_any_value_is_either_accounts_all_or_a_named_setting_error(value: str) -> None:
    try:
        scope = parse_connect_accounts(value or None)
    except SettingError as error:
        assert error.variable == VARIABLE
        return
    assert scope.every_account or all(a.startswith("acct_") and a.isascii() for a in scope.accounts)
