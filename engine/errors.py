"""Errors a user or a processor can cause. Each carries one sentence fit for a console or log."""

from __future__ import annotations


class DisputeEngineError(Exception):
    """Base for errors the engine reports without a traceback."""


class SettingError(DisputeEngineError):
    """A missing or malformed setting. ``variable`` is the environment variable to fix."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class NotConfigured(DisputeEngineError):
    """A part of the engine was asked for that its settings do not enable."""


class ProviderError(DisputeEngineError):
    """Base for a processor's refusal or failure."""


class ProviderUnavailable(ProviderError):
    """The processor could not answer (network, 5xx, 429): the same call may succeed later."""


class ProviderRejected(ProviderError):
    """The processor refused the request for good (a 4xx): retrying the same call cannot help.

    ``code`` is the processor's own error code where it gives one.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class DisputeUnknown(ProviderError):
    """The processor does not know the dispute (or event) it was asked about."""


class DisputeMissing(DisputeEngineError):
    """No such dispute is recorded in the engine's database."""
