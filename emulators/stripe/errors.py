"""Stripe-shaped API errors: ``{"error": {"type", "code", "message", "param"}}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.type = type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.param is not None:
            error["param"] = self.param
        return {"error": error}


def invalid(message: str, *, code: str = "parameter_invalid", param: str | None = None) -> ApiError:
    return ApiError(400, message, code=code, param=param)


def missing(kind: str, object_id: str, param: str) -> ApiError:
    return ApiError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def no_access(account: str) -> ApiError:
    """Stripe's 403 for a connected account the key cannot act for: access revoked
    (the account disconnected the platform) or never granted."""
    return ApiError(
        403,
        f"The provided key 'sk_test_****' does not have access to account '{account}' "
        "(or that account does not exist). Application access may have been revoked.",
    )
