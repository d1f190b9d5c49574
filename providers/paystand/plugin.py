"""The built-in Paystand plugin: registers :class:`PaystandProvider`."""

from __future__ import annotations

from engine import hookimpl
from engine.registry import ProviderRegister
from providers.paystand.provider import PaystandProvider


@hookimpl
def register_providers(register: ProviderRegister) -> None:
    register(PaystandProvider)
