"""Money parsing: exact decimals only. A float never touches an amount."""

from __future__ import annotations

import re
from decimal import Decimal

from engine.disputes.model import Money

_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,6})?")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


class MoneyError(ValueError):
    """An amount or currency a processor sent that cannot be an exact amount of money."""


def parse_currency(code: str) -> str:
    """Normalise an ISO 4217 code to upper case; reject anything that is not three letters."""
    if not isinstance(code, str) or not _CURRENCY.fullmatch(code):
        raise MoneyError(f"not an ISO 4217 currency code: {code!r}")
    return code.upper()


def parse_decimal_amount(text: str) -> Decimal:
    """Parse a decimal string such as ``"798.29"`` exactly.

    Exponents, thousands separators, ``NaN``/``Infinity``, leading ``+`` and more than six
    decimals are refused: a processor amount is plain digits.
    """
    if not isinstance(text, str) or not _DECIMAL_TEXT.fullmatch(text.strip()):
        raise MoneyError(f"not a decimal amount: {text!r}")
    return Decimal(text.strip())


def money_from_decimal_text(text: str, currency: str) -> Money:
    return Money(amount=parse_decimal_amount(text), currency=parse_currency(currency))


def money_from_minor_units(units: int, currency: str, exponent: int) -> Money:
    """Build money from an integer count of minor units (Stripe's ``amount``)."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise MoneyError(f"not an integer amount of minor units: {units!r}")
    if not 0 <= exponent <= 4:
        raise MoneyError(f"unsupported currency exponent {exponent}")
    return Money(amount=Decimal(units).scaleb(-exponent), currency=parse_currency(currency))


def to_minor_units(money: Money, exponent: int) -> int:
    """The inverse of :func:`money_from_minor_units`; refuses amounts that would lose digits."""
    scaled = money.amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{money.amount} {money.currency} has more than {exponent} decimals")
    return int(scaled)


def format_amount(amount: Decimal) -> str:
    """Render an amount as the API's decimal string: fixed point, never an exponent.

    The scale the amount was built with is kept (``Decimal("49.00")`` stays ``"49.00"``), so
    amounts from minor units show their currency's decimals.
    """
    return format(amount, "f")
