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

AnyRequest = Request[Any, Any, Any]


def auth_of(request: AnyRequest) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


def error_page(status_code: int, title: str, message: str, *, login: bool = False) -> Template:
    return Template(
        template_name="error.html",
        context={"title": title, "message": message, "login": login},
        status_code=status_code,
    )


async def dashboard_gate(request: AnyRequest) -> Template | Redirect | None:
    auth = auth_of(request)
    if not auth.enabled:
        return error_page(503, "Dashboard off", NOT_CONFIGURED)
    key = request.query_params.get("key")
    if key is not None:
        if request.method != "GET" or not auth.key_matches(key):
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
        if scheme.lower() == "bearer" and auth.key_matches(credentials.strip()):
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


def _api_error(status_code: int, message: str) -> Response[dict[str, str]]:
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    return Response({"error": message}, status_code=status_code, headers=headers)
