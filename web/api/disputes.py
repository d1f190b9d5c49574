"""``/api``: disputes as JSON, the sync reports, and the two actions."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter

from engine.decisions import AcceptRefused, accept_dispute
from engine.decisions.assess import win_histories
from engine.disputes.model import Reason, Stage, Status
from engine.disputes.sync import SyncReport, last_reports
from engine.errors import DisputeMissing, NotConfigured, ProviderRejected, ProviderUnavailable
from engine.evidence.requests import RequestRefused, mark_sent, regenerate, submit_held
from engine.runtime import Runtime
from web.api.schemas import DisputeOut, DisputePage, ErrorOut, dispute_out
from web.files import file_link
from web.gates import api_gate
from web.queries import (
    DEFAULT_PAGE,
    MAX_PAGE,
    BadCursor,
    Filters,
    find_dispute,
    list_disputes,
    load_related,
)

AnyRequest = Request[Any, Any, Any]

_ERRORS = {
    401: ResponseSpec(ErrorOut, description="No key, or the wrong key"),
    429: ResponseSpec(
        ErrorOut, description="Too many wrong keys from this address: wait Retry-After seconds"
    ),
    503: ResponseSpec(ErrorOut, description="DISPUTES_DASHBOARD_KEY is not set"),
}
_NOT_FOUND = {404: ResponseSpec(ErrorOut, description="No such dispute")}
_REFUSED = {
    403: ResponseSpec(ErrorOut, description="Signed-in browser without the CSRF header"),
    409: ResponseSpec(ErrorOut, description="The action does not apply to this dispute"),
}


def api_error(request: AnyRequest, error: Exception) -> Response[ErrorOut]:
    """Every API error is ``{"error": "…"}``, as the schema says."""
    if isinstance(error, DisputeMissing):
        return Response(ErrorOut(error=str(error)), status_code=404)
    if isinstance(error, RequestRefused | AcceptRefused | ProviderRejected | NotConfigured):
        return Response(ErrorOut(error=str(error)), status_code=409)
    if isinstance(error, ProviderUnavailable):
        return Response(ErrorOut(error=str(error)), status_code=502)
    if isinstance(error, BadCursor):
        return Response(ErrorOut(error=str(error)), status_code=400)
    if isinstance(error, ValidationException):
        details = "; ".join(
            f"{item.get('key', '?')}: {item.get('message', '')}"
            for item in (error.extra if isinstance(error.extra, list) else [])
            if isinstance(item, dict)
        )
        return Response(ErrorOut(error=details or error.detail), status_code=400)
    if isinstance(error, HTTPException):
        return Response(ErrorOut(error=error.detail), status_code=error.status_code)
    raise error


class DisputeApiController(Controller):
    path = "/api"
    tags = ["disputes"]
    before_request = staticmethod(api_gate)
    security = [{"dashboard_key": []}]
    exception_handlers = {
        HTTPException: api_error,
        RequestRefused: api_error,
        BadCursor: api_error,
        DisputeMissing: api_error,
        AcceptRefused: api_error,
        ProviderRejected: api_error,
        NotConfigured: api_error,
        ProviderUnavailable: api_error,
    }

    @get(
        "/disputes",
        sync_to_thread=True,
        summary="List disputes, newest first",
        responses={**_ERRORS, 400: ResponseSpec(ErrorOut, description="Bad filter or cursor")},
    )
    def list(
        self,
        runtime: NamedDependency[Runtime],
        provider: FromQuery[str | None] = None,
        status: FromQuery[Status | None] = None,
        stage: FromQuery[Stage | None] = None,
        reason: FromQuery[Reason | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        cursor: FromQuery[str | None] = None,
    ) -> DisputePage:
        filters = Filters(
            provider=provider,
            status=status.value if status else None,
            stage=stage.value if stage else None,
            reason=reason.value if reason else None,
        )
        with runtime.database.reading() as session:
            rows, next_cursor = list_disputes(session, filters, limit, cursor)
            related = load_related(session, [row.id for row in rows])
            histories = win_histories(session)
            items = [
                dispute_out(
                    row,
                    related.events[row.id],
                    related.latest(row.id),
                    lambda record: file_link(runtime, record),
                    histories,
                )
                for row in rows
            ]
        return DisputePage(items=items, next_cursor=next_cursor)

    @get(
        "/disputes/{provider:str}/{dispute_id:str}",
        sync_to_thread=True,
        summary="One dispute with its events and evidence",
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def detail(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> DisputeOut:
        return _dispute_json(runtime, provider, dispute_id)

    @post(
        "/disputes/{provider:str}/{dispute_id:str}/regenerate",
        sync_to_thread=True,
        status_code=202,
        summary="Queue a new evidence version (resubmitted if still allowed)",
        responses={**_ERRORS, **_NOT_FOUND, **_REFUSED},
    )
    def regenerate(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> DisputeOut:
        regenerate(runtime, provider, dispute_id)
        return _dispute_json(runtime, provider, dispute_id)

    @post(
        "/disputes/{provider:str}/{dispute_id:str}/submit",
        sync_to_thread=True,
        status_code=202,
        summary="Submit the evidence version held for review",
        description="With DISPUTES_AUTO_SUBMIT=false evidence is built and held; this sends "
        "that very version (the worker does it), not a new build.",
        responses={**_ERRORS, **_NOT_FOUND, **_REFUSED},
    )
    def submit(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> DisputeOut:
        submit_held(runtime, provider, dispute_id)
        return _dispute_json(runtime, provider, dispute_id)

    @post(
        "/disputes/{provider:str}/{dispute_id:str}/mark-sent",
        sync_to_thread=True,
        status_code=200,
        summary="Record that the latest packet was sent to the processor by hand",
        description="Only for processors without an evidence API.",
        responses={**_ERRORS, **_NOT_FOUND, **_REFUSED},
    )
    def mark_sent(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> DisputeOut:
        mark_sent(runtime, provider, dispute_id, "marked sent through the API")
        return _dispute_json(runtime, provider, dispute_id)

    @post(
        "/disputes/{provider:str}/{dispute_id:str}/accept",
        sync_to_thread=True,
        status_code=200,
        summary="Accept the loss (Stripe: close the dispute; others: record the decision)",
        description="Idempotent: a second request answers 200 with the dispute already accepted.",
        responses={
            **_ERRORS,
            **_NOT_FOUND,
            **_REFUSED,
            502: ResponseSpec(ErrorOut, description="The processor did not answer; retry"),
        },
    )
    def accept(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> DisputeOut:
        accept_dispute(runtime, provider, dispute_id)
        return _dispute_json(runtime, provider, dispute_id)

    @get(
        "/sync",
        sync_to_thread=True,
        summary="The last sync report of each provider",
        responses=_ERRORS,
    )
    def sync(self, runtime: NamedDependency[Runtime]) -> dict[str, SyncReport]:
        return last_reports(runtime)


def _dispute_json(runtime: Runtime, provider: str, dispute_id: str) -> DisputeOut:
    with runtime.database.reading() as session:
        row = find_dispute(session, provider, dispute_id)
        if row is None:
            raise DisputeMissing(f"no {provider} dispute {dispute_id}")
        related = load_related(session, [row.id])
        return dispute_out(
            row,
            related.events[row.id],
            related.latest(row.id),
            lambda record: file_link(runtime, record),
            win_histories(session),
        )
