"""Which reverse proxies may name the client's address (``DISPUTES_TRUSTED_PROXIES``).

Behind a proxy every request arrives from the proxy's address, so the key-guessing throttle
would lock every person out together. Naming the proxy lets uvicorn take the client's address
from ``X-Forwarded-For`` — from that proxy only; anyone else's forwarded headers are ignored.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from engine.errors import SettingError
from engine.settings import Settings

VARIABLE = "DISPUTES_TRUSTED_PROXIES"


def trusted_proxies(settings: Settings) -> list[str]:
    """The configured proxy addresses or networks (comma-separated); empty when none."""
    value = settings.get("TRUSTED_PROXIES") or ""
    entries = [part.strip() for part in value.split(",") if part.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise SettingError(
                VARIABLE, f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/8)"
            ) from None
    return entries


def uvicorn_proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for the configured proxies: off unless some are trusted."""
    proxies = trusted_proxies(settings)
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}
