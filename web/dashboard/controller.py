"""``/disputes``: the list with its stats and the detail page with its two actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engine.db.base import utcnow
from engine.db.models import EvidenceState, SyncKind
from engine.decisions import AcceptRefused, accept_dispute
from engine.disputes.model import Stage, Status
from engine.disputes.sync import last_reports
from engine.errors import DisputeMissing, NotConfigured, ProviderRejected, ProviderUnavailable
from engine.evidence.archive import decode_archived
from engine.evidence.dossier import HELD_STATES
from engine.evidence.readiness import version_readiness
from engine.evidence.requests import (
    RequestRefused,
    can_mark_sent,
    mark_sent,
    regenerate,
    submit_held,
)
from engine.evidence.visa_ce3.view import ce3_view
from engine.runtime import Runtime
from web.api.schemas import public_fields
from web.auth import SESSION_COOKIE
from web.dashboard import chart
from web.dashboard.decision import decision_context
from web.dashboard.stats import action_needed, compute
from web.files import file_link, link_origins
from web.gates import dashboard_gate, error_page
from web.labels import every
from web.queries import (
    DEFAULT_PAGE,
    BadCursor,
    Filters,
    distinct_reasons,
    find_dispute,
    list_disputes,
    load_related,
    notifications_of,
    submissions_of,
)
from web.security import BASE_CSP

AnyRequest = Request[Any, Any, Any]


def page_error(request: AnyRequest, error: Exception) -> Template:
    if isinstance(error, DisputeMissing):
        return error_page(404, "Not found", str(error))
    if isinstance(error, AcceptRefused | ProviderRejected | NotConfigured):
        return error_page(409, "Not possible", str(error))
    if isinstance(error, ProviderUnavailable):
        return error_page(502, "The processor did not answer", str(error))
    if isinstance(error, RequestRefused):
        return error_page(409, "Not possible", str(error))
    if isinstance(error, BadCursor):
        return error_page(400, "Bad link", str(error))
    if isinstance(error, HTTPException):
        return error_page(error.status_code, "Error", error.detail)
    raise error


class DashboardController(Controller):
    path = "/disputes"
    include_in_schema = False
    before_request = staticmethod(dashboard_gate)
    exception_handlers = {
        HTTPException: page_error,
        RequestRefused: page_error,
        BadCursor: page_error,
        DisputeMissing: page_error,
        AcceptRefused: page_error,
        ProviderRejected: page_error,
        NotConfigured: page_error,
        ProviderUnavailable: page_error,
    }

    @get("/", sync_to_thread=True)
    def index(
        self,
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
        provider: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        stage: FromQuery[str | None] = None,
        reason: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        filters = Filters(
            provider=provider or None,
            status=status or None,
            stage=stage or None,
            reason=reason or None,
        )
        now = utcnow()
        with runtime.database.reading() as session:
            rows, next_cursor = list_disputes(session, filters, DEFAULT_PAGE, cursor)
            stats = compute(session, now)
            actions = action_needed(session, now)
            reasons = distinct_reasons(session)
        return Template(
            template_name="list.html",
            context={
                "request": request,
                "disputes": rows,
                "next_cursor": next_cursor,
                "filters": filters,
                "active_filters": filters.active(),
                "stats": stats,
                "actions": actions,
                "bars": chart.bars(stats.months),
                "chart": chart,
                "providers": sorted(runtime.plugins.providers),
                "statuses": [s.value for s in Status],
                "stages": [s.value for s in Stage],
                "reasons": reasons,
                "syncs": last_reports(runtime, SyncKind.SYNC),
                "sweeps": last_reports(runtime, SyncKind.SWEEP),
                "sweep_interval": every(runtime.settings.reconcile_interval_seconds),
                "now": now,
                "zone": runtime.settings.timezone,
                "due_in": due_in,
                "seller_missing": not runtime.settings.merchant.is_set,
            },
        )

    @post("/sign-out", sync_to_thread=False, status_code=303)
    def sign_out(self) -> Redirect:
        """Drop the session cookie. A POST (the gate checks its CSRF token), so that no link or
        image on another site can sign the merchant out."""
        expired = Cookie(
            key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True, samesite="lax"
        )
        return Redirect("/disputes", status_code=303, cookies=[expired])

    @get("/{provider:str}/{dispute_id:str}", sync_to_thread=True)
    def detail(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
    ) -> Template:
        with runtime.database.reading() as session:
            dispute = find_dispute(session, provider, dispute_id)
            if dispute is None:
                raise DisputeMissing(f"no {provider} dispute {dispute_id}")
            related = load_related(session, [dispute.id])
            versions = related.versions[dispute.id]
            submissions = submissions_of(session, dispute.id)
            notifications = notifications_of(session, dispute.id)
            decision = decision_context(
                session, dispute, related.events[dispute.id], versions[0] if versions else None
            )
        files = [
            {**record, "link": file_link(runtime, record)}
            for version in versions[:1]
            for record in version.files
        ]
        # Evidence that wins (#10): what the processor holds, and the latest version's readiness.
        held = next((s for s in submissions if s.state in HELD_STATES), None)
        readiness = (
            version_readiness(
                dispute.reason, versions[0].fields, decode_archived(versions[0].files)
            )
            if versions
            else None
        )
        visa_ce3 = ce3_view(
            versions[0].sources if versions else None, (s.response for s in submissions)
        )
        origins = link_origins([f["link"] for f in files])
        csp = BASE_CSP.replace("frame-src 'self'", " ".join(["frame-src 'self'", *origins]))
        return Template(
            template_name="detail.html",
            context={
                "request": request,
                "dispute": dispute,
                "events": related.events[dispute.id],
                "versions": versions,
                "latest": versions[0] if versions else None,
                "fields": public_fields(versions[0]) if versions else {},
                "files": files,
                "submissions": submissions,
                "notifications": notifications,
                "can_mark_sent": can_mark_sent(runtime, provider) and bool(versions),
                "can_submit": bool(versions)
                and held is None
                and versions[0].state == EvidenceState.READY
                and not can_mark_sent(runtime, provider),
                "held_submission": held,
                "readiness": readiness,
                "visa_ce3": visa_ce3,
                "due_in": due_in,
                "now": utcnow(),
                "zone": runtime.settings.timezone,
                "queued": request.query_params.get("queued") == "1",
                "marked": request.query_params.get("marked"),
                "confirm_accept": request.query_params.get("confirm_accept") == "1",
                "accepted": request.query_params.get("accepted"),
                **decision,
            },
            headers={"Content-Security-Policy": csp},
        )

    @post("/{provider:str}/{dispute_id:str}/regenerate", sync_to_thread=True, status_code=303)
    def regenerate(
        self, provider: FromPath[str], dispute_id: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Redirect:
        regenerate(runtime, provider, dispute_id)
        return Redirect(_detail_url(provider, dispute_id) + "?queued=1", status_code=303)

    @post("/{provider:str}/{dispute_id:str}/submit", sync_to_thread=True, status_code=303)
    def submit(
        self, provider: FromPath[str], dispute_id: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Redirect:
        submit_held(runtime, provider, dispute_id)
        return Redirect(_detail_url(provider, dispute_id) + "?queued=1", status_code=303)

    @post("/{provider:str}/{dispute_id:str}/mark-sent", sync_to_thread=True, status_code=303)
    def mark_sent(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        form: dict[str, str] = getattr(request.state, "form", {})
        note = (form.get("note") or "").strip()[:500]
        version = mark_sent(runtime, provider, dispute_id, note or "sent by hand")
        return Redirect(_detail_url(provider, dispute_id) + f"?marked={version}", status_code=303)

    @post("/{provider:str}/{dispute_id:str}/accept", sync_to_thread=True, status_code=303)
    def accept(
        self,
        provider: FromPath[str],
        dispute_id: FromPath[str],
        request: AnyRequest,
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        form: dict[str, str] = getattr(request.state, "form", {})
        url = _detail_url(provider, dispute_id)
        if form.get("confirm") != "yes":  # the first press only asks
            return Redirect(url + "?confirm_accept=1#decision", status_code=303)
        result = accept_dispute(runtime, provider, dispute_id)
        return Redirect(url + "?" + urlencode({"accepted": result.message}), status_code=303)


def _detail_url(provider: str, dispute_id: str) -> str:
    return f"/disputes/{quote(provider, safe='')}/{quote(dispute_id, safe='')}"


def due_in(respond_by: datetime | None, now: datetime) -> str:
    """``"in 2 d 5 h"`` / ``"overdue by 3 h"``: the respond-by countdown as of page load."""
    if respond_by is None:
        return "no deadline given"
    seconds = int((respond_by - now).total_seconds())
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = f"{days} d {hours} h" if days else f"{hours} h {minutes} min"
    return f"in {text}" if seconds >= 0 else f"overdue by {text}"
