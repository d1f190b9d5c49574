"""What the detail page and the API say about CE 3.0 for one dispute: the engine's verdict on
the latest evidence version (and why not), the processor's status before, and after sending."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from engine.evidence.visa_ce3.assess import RECORD_KEY, VISA_CE3_RESPONSE_KEY


class Ce3View(msgspec.Struct, kw_only=True):
    qualified: bool
    """The engine found two prior payments that meet Visa's rules and sends them."""
    reasons: list[str]
    """Why it does not qualify (empty when it does)."""
    prior_payments: list[str]
    status_before: str | None
    required_actions_before: list[str]
    status_after: str | None = None
    """The processor's status once the evidence was sent (``None`` until then)."""
    required_actions_after: list[str] = []


def ce3_view(
    sources: Mapping[str, Any] | None, responses: Iterable[Mapping[str, Any] | None] = ()
) -> Ce3View | None:
    """``None`` when the processor did not offer CE 3.0 for the dispute. ``responses`` are the
    dispute's submission responses, newest first."""
    record = (sources or {}).get(RECORD_KEY)
    if not isinstance(record, dict):
        return None
    before = record.get("before") or {}
    view = Ce3View(
        qualified=bool(record.get("qualified")),
        reasons=[str(reason) for reason in record.get("reasons") or []],
        prior_payments=[str(payment) for payment in record.get("prior_payments") or []],
        status_before=before.get("status"),
        required_actions_before=[str(a) for a in before.get("required_actions") or []],
    )
    for response in responses:
        after = (response or {}).get(VISA_CE3_RESPONSE_KEY)
        if isinstance(after, dict):
            view.status_after = after.get("status")
            view.required_actions_after = [str(a) for a in after.get("required_actions") or []]
            break
    return view
