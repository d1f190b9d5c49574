"""The ``before_request`` hooks that guard the dashboard and the API (rules in
:mod:`web.auth`). Returning a response stops the request before its handler runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response
from litestar.response import Redirect, Template

from web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    NOT_CONFIGURED,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Auth,
    url_without_key,
)
from web.throttle import Allowed, KeyThrottle, LockedOut

AnyRequest = Request[Any, Any, Any]


def auth_of(request: AnyRequest) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


def throttle_of(request: AnyRequest) -> KeyThrottle:
    throttle: KeyThrottle = request.app.state.key_throttle
    return throttle


def client_address(request: AnyRequest) -> str:
    """The TCP peer (``X-Forwarded-For`` is not trusted: see :mod:`web.throttle`)."""
    return request.client.host if request.client is not None else "unknown"


def error_page(
    status_code: int,
    title: str,
    message: str,
    *,
    login: bool = False,
    headers: dict[str, str] | None = None,
) -> Template:
    return Template(
        template_name="error.html",
        context={"title": title, "message": message, "login": login},
        status_code=status_code,
        headers=headers,
    )


def _too_many(retry_after: int) -> str:
    return f"Too many wrong keys from your address: try again in {retry_after} s."


async def dashboard_gate(request: AnyRequest) -> Template | Redirect | None:
    auth = auth_of(request)
    if not auth.enabled:
        return error_page(503, "Dashboard off", NOT_CONFIGURED)
    key = request.query_params.get("key")
    if key is not None:
        right = request.method == "GET" and auth.key_matches(key)
        verdict = throttle_of(request).judge(client_address(request), right)
        if isinstance(verdict, LockedOut):
            return error_page(
                429,
                "Too many wrong keys",
                _too_many(verdict.retry_after),
                headers={"Retry-After": str(verdict.retry_after)},
            )
        if not isinstance(verdict, Allowed):
            return error_page(401, "Wrong key", "That key is not the dashboard key.", login=True)
        _, cookie = auth.new_session()
        query = parse_qsl(request.scope.get("query_string", b"").decode(), keep_blank_values=True)
        target = url_without_key(request.url.path, query)
        redirect = Redirect(target, status_code=303)
        redirect.set_cookie(
            SESSION_COOKIE,
            cookie,
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=auth.always_secure or request.url.scheme == "https",
        )
        return redirect
    session_id = auth.session_id(request.cookies.get(SESSION_COOKIE))
    if session_id is None:
        return error_page(401, "Sign in", "Open the dashboard with its key to sign in.", login=True)
    request.state.session_id = session_id
    request.state.csrf_token = auth.csrf_token(session_id)
    if request.method == "POST":
        form = await request.form()
        token = form.get(CSRF_FIELD)
        if not auth.csrf_ok(session_id, token if isinstance(token, str) else None):
            return error_page(403, "Form expired", "Reload the page and try again (CSRF check).")
        request.state.form = {name: value for name, value in form.items() if isinstance(value, str)}
    return None


def api_gate(request: AnyRequest) -> Response[dict[str, str]] | None:
    auth = auth_of(request)
    if not auth.enabled:
        return _api_error(503, NOT_CONFIGURED)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        right = scheme.lower() == "bearer" and auth.key_matches(credentials.strip())
        verdict = throttle_of(request).judge(client_address(request), right)
        if isinstance(verdict, LockedOut):
            return _api_error(
                429, _too_many(verdict.retry_after), {"Retry-After": str(verdict.retry_after)}
            )
        if isinstance(verdict, Allowed):
            return None
        return _api_error(401, "wrong key: send Authorization: Bearer <dashboard key>")
    session_id = auth.session_id(request.cookies.get(SESSION_COOKIE))
    if session_id is None:
        return _api_error(401, "send Authorization: Bearer <dashboard key>")
    if request.method not in {"GET", "HEAD", "OPTIONS"} and not auth.csrf_ok(
        session_id, request.headers.get(CSRF_HEADER)
    ):
        return _api_error(403, "a signed-in browser must send the X-CSRF-Token header")
    return None


def _api_error(
    status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response[dict[str, str]]:
    if status_code == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return Response({"error": message}, status_code=status_code, headers=headers)
