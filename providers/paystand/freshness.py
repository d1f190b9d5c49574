"""Whether Paystand's API has caught up with one of its own webhooks.

The webhook body is a hint, never trusted for state: the engine applies only what
``GET /disputes/{id}`` returns. But Paystand's API may lag behind its webhooks. Applying the
API's older state under the event's id would consume that id: the retry that would have carried
the change is then a duplicate, and the change is missing from the dispute's timeline (a later
event or a sync fixes the status, not the history). So the body's ``resource.lastUpdated`` is
read for one purpose only: to decide whether to apply now or to answer 503 and let Paystand
retry (5 min, 15 min, 1 h, 12 h, then daily; 8 attempts over about 4 days).

The rule, with ``claim`` = the body's ``resource.lastUpdated``, ``api`` = the API's
``lastUpdated`` and ``now`` = when the delivery reached us (our clock):

* no usable claim (absent, not a timestamp, about another resource), or ``claim <= api``:
  **apply** the API's state, as always.
* ``claim > now + CLOCK_SKEW``: a change that has not happened yet — a forged or broken body.
  The hint is worthless: **apply** the API's state and log it. Refusing would hand a forged
  far-future claim a refusal with no end.
* ``api < claim`` and ``now - claim <= PATIENCE``: the API is behind a change Paystand just
  announced. **Defer** (503): nothing is stored, the event id stays unconsumed, and Paystand's
  retry of the same delivery is judged afresh.
* ``api < claim`` and ``now - claim > PATIENCE``: we waited long enough; the API's state is
  **applied** (as before this rule) and the gap logged, so the delivery is never lost to
  Paystand's last retry and a sync corrects the rest.

What a forged body can do with this: for a claim inside ``[now - PATIENCE, now + CLOCK_SKEW]``
it gets its own delivery answered 503 — nothing stored, nothing changed, and no other delivery
affected (another body with the same event id is judged on its own claim). It can never make
the engine apply anything the API did not return. The window is anchored on our clock, not on
``claim - api``: a real dispute's previous update may be days older than its new event, so the
gap says nothing about plausibility, while the claim's age does.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

PATIENCE = timedelta(hours=1)
"""How long after the claimed change the engine waits for the API to show it. Paystand's
retries land at about 0, 5, 20 and 80 minutes: three chances to catch up, and the fourth
attempt applies whatever the API says. Short on purpose: if Paystand's two timestamps ever
differ for good (an assumption we cannot confirm), every event is delayed by at most ~80 min."""

CLOCK_SKEW = timedelta(minutes=10)
"""How far ahead of our clock Paystand's clock may plausibly be."""


class Freshness(enum.Enum):
    CURRENT = "current"
    """The API is at least as new as the body claims (or the body claims nothing usable)."""
    API_BEHIND = "api_behind"
    """The API lags a change announced moments ago: defer the delivery."""
    WAITED_ENOUGH = "waited_enough"
    """The API still lags, long after the claimed change: apply it anyway."""
    IMPLAUSIBLE = "implausible"
    """The body claims a change in the future: ignore the hint."""


def judge(claim: datetime | None, api: datetime, now: datetime) -> Freshness:
    """Compare the body's claim with the API's ``lastUpdated`` (see the module's rule)."""
    if claim is None:
        return Freshness.CURRENT
    claim, api, now = _utc(claim), _utc(api), _utc(now)
    if claim <= api:
        return Freshness.CURRENT
    if claim > now + CLOCK_SKEW:
        return Freshness.IMPLAUSIBLE
    if now - claim > PATIENCE:
        return Freshness.WAITED_ENOUGH
    return Freshness.API_BEHIND


def claimed_last_updated(body: bytes, dispute_id: str) -> datetime | None:
    """The body's ``resource.lastUpdated`` when the resource is the dispute the event names;
    ``None`` for anything else (no claim is a claim of nothing, not an error)."""
    try:
        decoded: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    resource = decoded.get("resource") if isinstance(decoded, dict) else None
    if not isinstance(resource, dict) or resource.get("id") != dispute_id:
        return None
    value = resource.get("lastUpdated")
    if not isinstance(value, str):
        return None
    try:
        return msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        return None


def _utc(moment: datetime) -> datetime:
    # Paystand writes UTC ("...Z"); a timestamp without a zone is read as UTC so that the
    # comparison never fails on a mix of aware and naive values.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
