"""``GET /api/early-fraud-warnings``: the warnings and what was done about each, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, QueryParameter

from engine.disputes.money import format_amount
from engine.fraud_warnings.listing import BadWarningCursor, list_warnings
from engine.fraud_warnings.model import FraudWarningView, RefundDecision
from engine.runtime import Runtime
from web.api.disputes import api_error
from web.api.schemas import CurrencyCode, DecimalText, ErrorOut
from web.gates import api_gate
from web.queries import DEFAULT_PAGE, MAX_PAGE

_ERRORS = {
    400: ResponseSpec(ErrorOut, description="Bad limit or cursor"),
    401: ResponseSpec(ErrorOut, description="No key, or the wrong key"),
    429: ResponseSpec(
        ErrorOut, description="Too many wrong keys from this address: wait Retry-After seconds"
    ),
    503: ResponseSpec(ErrorOut, description="DISPUTES_DASHBOARD_KEY is not set"),
}


class FraudWarningOut(msgspec.Struct, kw_only=True):
    provider: str
    warning_id: str
    charge_id: str
    payment_id: str | None
    fraud_type: str
    """The processor's word (Stripe: ``made_with_stolen_card``, …)."""
    actionable: bool
    amount: DecimalText | None
    """The charge's amount in major units; ``null`` until the worker has read the charge."""
    currency: CurrencyCode | None
    decision: RefundDecision
    decision_detail: str | None
    refund_id: str | None
    created_at: datetime
    """When the processor raised the warning."""
    decided_at: datetime | None


class FraudWarningPage(msgspec.Struct, kw_only=True):
    items: list[FraudWarningOut]
    next_cursor: str | None


def warning_out(view: FraudWarningView) -> FraudWarningOut:
    return FraudWarningOut(
        provider=view.provider,
        warning_id=view.warning_id,
        charge_id=view.charge_id,
        payment_id=view.payment_id,
        fraud_type=view.fraud_type,
        actionable=view.actionable,
        amount=format_amount(view.money.amount) if view.money else None,
        currency=view.money.currency if view.money else None,
        decision=view.decision,
        decision_detail=view.decision_detail,
        refund_id=view.refund_id,
        created_at=view.created_at,
        decided_at=view.decided_at,
    )


def _bad_cursor(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorOut]:
    return Response(ErrorOut(error=str(error)), status_code=400)


class FraudWarningApiController(Controller):
    path = "/api"
    tags = ["early fraud warnings"]
    before_request = staticmethod(api_gate)
    security = [{"dashboard_key": []}]
    exception_handlers = {HTTPException: api_error, BadWarningCursor: _bad_cursor}

    @get(
        "/early-fraud-warnings",
        sync_to_thread=True,
        summary="List early fraud warnings and their refund decisions, newest first",
        responses=_ERRORS,
    )
    def list(
        self,
        runtime: NamedDependency[Runtime],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        cursor: FromQuery[str | None] = None,
    ) -> FraudWarningPage:
        with runtime.database.reading() as session:
            views, next_cursor = list_warnings(session, limit, cursor)
        return FraudWarningPage(items=[warning_out(v) for v in views], next_cursor=next_cursor)
