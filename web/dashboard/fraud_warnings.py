"""``/early-fraud-warnings``: the warnings the processors sent and what the engine did."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromQuery
from litestar.response import Template

from engine.db.base import utcnow
from engine.fraud_warnings.listing import BadWarningCursor, list_warnings
from engine.fraud_warnings.model import RefundDecision
from engine.runtime import Runtime
from web.gates import dashboard_gate, error_page
from web.queries import DEFAULT_PAGE

AnyRequest = Request[Any, Any, Any]


def _page_error(request: AnyRequest, error: Exception) -> Template:
    if isinstance(error, BadWarningCursor):
        return error_page(400, "Bad link", str(error))
    if isinstance(error, HTTPException):
        return error_page(error.status_code, "Error", error.detail)
    raise error


class FraudWarningPageController(Controller):
    path = "/early-fraud-warnings"
    include_in_schema = False
    before_request = staticmethod(dashboard_gate)
    exception_handlers = {HTTPException: _page_error, BadWarningCursor: _page_error}

    @get("/", sync_to_thread=True)
    def index(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        with runtime.database.reading() as session:
            warnings, next_cursor = list_warnings(session, DEFAULT_PAGE, cursor)
        threshold = runtime.settings.efw_refund_below
        return Template(
            template_name="fraud_warnings.html",
            context={
                "request": request,
                "warnings": warnings,
                "next_cursor": next_cursor,
                "threshold": threshold,
                "refunded": RefundDecision.REFUNDED,
                "failed": RefundDecision.REFUND_FAILED,
                "now": utcnow(),
                "zone": runtime.settings.timezone,
            },
        )
