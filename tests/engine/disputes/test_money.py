"""Money is exact: decimal strings and minor units round-trip, anything else is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.disputes.model import Money
from engine.disputes.money import (
    MoneyError,
    format_amount,
    money_from_decimal_text,
    money_from_minor_units,
    parse_currency,
    parse_decimal_amount,
    to_minor_units,
)

decimal_texts = st.builds(
    lambda whole, cents, digits: (
        f"{whole}.{str(cents).zfill(digits)[:digits]}" if digits else str(whole)
    ),
    st.integers(0, 10**15),
    st.integers(0, 999999),
    st.integers(0, 6),
)


@given(text=decimal_texts)
def test_decimal_strings_round_trip_exactly(text: str) -> None:
    amount = parse_decimal_amount(text)
    assert isinstance(amount, Decimal)
    assert format_amount(amount) == text


@given(units=st.integers(-(10**15), 10**15), exponent=st.sampled_from([0, 2, 3]))
def test_minor_units_round_trip_exactly(units: int, exponent: int) -> None:
    money = money_from_minor_units(units, "usd", exponent)
    assert money.currency == "USD"
    assert to_minor_units(money, exponent) == units


def test_minor_units_keep_the_currency_scale() -> None:
    assert format_amount(money_from_minor_units(4900, "usd", 2).amount) == "49.00"
    assert format_amount(money_from_minor_units(1500, "jpy", 0).amount) == "1500"
    assert money_from_decimal_text("798.29", "USD") == Money(Decimal("798.29"), "USD")


@pytest.mark.parametrize(
    "text",
    ["", "1e3", "NaN", "Infinity", "+1.00", "1,000.00", "0x10", "1.2345678", " ", "01.5", "1."],
)
def test_anything_but_plain_decimal_digits_is_refused(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_decimal_amount(text)


@given(value=st.floats(allow_nan=True) | st.integers() | st.none())
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_decimal_amount(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["US", "USDX", "U$D", "", "12a"])
def test_currency_codes_are_three_letters(code: str) -> None:
    with pytest.raises(MoneyError):
        parse_currency(code)


def test_converting_to_minor_units_refuses_to_lose_digits() -> None:
    with pytest.raises(MoneyError):
        to_minor_units(Money(Decimal("1.005"), "USD"), 2)
    with pytest.raises(MoneyError):
        money_from_minor_units(True, "USD", 2)  # bool is an int to the type checker, not to us


@pytest.mark.parametrize("exponent", [-1, 5])
def test_only_currency_exponents_from_0_to_4_are_supported(exponent: int) -> None:
    with pytest.raises(MoneyError, match="unsupported currency exponent"):
        money_from_minor_units(100, "USD", exponent)
