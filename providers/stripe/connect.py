"""Which Connect accounts a backfill reads (``DISPUTES_STRIPE_CONNECT_ACCOUNTS``).

With direct charges a Connect platform's disputes live on its connected accounts, visible only
with the ``Stripe-Account`` header. Webhooks name the account, but a sync lists disputes, so it
must be told which accounts to list: none (the platform only), a fixed list, or every account
``GET /v1/accounts`` returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import SettingError

VARIABLE = "DISPUTES_STRIPE_CONNECT_ACCOUNTS"
ALL = "all"

_ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]{1,64}")
"""Stripe's account ids: ``acct_`` then letters and digits (the emulator's header rule too)."""


@dataclass(frozen=True)
class ConnectScope:
    """The connected accounts a sync reads after the platform's own disputes."""

    every_account: bool = False
    """Read every connected account the platform lists (``all``)."""
    accounts: tuple[str, ...] = ()
    """Read these accounts (when ``every_account`` is false)."""

    @property
    def platform_only(self) -> bool:
        return not self.every_account and not self.accounts


PLATFORM_ONLY = ConnectScope()


def parse_connect_accounts(value: str | None) -> ConnectScope:
    """``None`` → the platform only; ``all``; or comma-separated ``acct_…`` ids (order kept,
    repeats dropped). Anything else is a :class:`SettingError` naming the variable."""
    if value is None:
        return PLATFORM_ONLY
    if value.strip().lower() == ALL:
        return ConnectScope(every_account=True)
    items = [item.strip() for item in value.split(",")]
    named = [item for item in items if item]
    if not named:
        raise SettingError(VARIABLE, "holds no account: set `all` or acct_… ids, comma-separated")
    for item in named:
        if item.lower() == ALL:
            raise SettingError(VARIABLE, "`all` cannot be combined with account ids")
        if not _ACCOUNT_ID.fullmatch(item):
            raise SettingError(
                VARIABLE,
                f"{item!r} is not a Stripe account id (acct_…): set `all` or acct_… ids, "
                "comma-separated",
            )
    return ConnectScope(accounts=tuple(dict.fromkeys(named)))
