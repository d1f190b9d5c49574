"""``create_app()``: the Litestar application. All wiring lives in :mod:`web.plugin`."""

from __future__ import annotations

from litestar import Litestar

from engine.runtime import Runtime
from engine.settings import load_settings
from engine.work.worker import Worker
from web.plugin import DisputesPlugin


def create_app(runtime: Runtime | None = None, *, worker: Worker | None = None) -> Litestar:
    """Build the app around ``runtime`` (made from the environment when omitted).

    With ``worker`` the app also runs that evidence worker in a background thread for as long
    as it is up (``disputes serve``); webhooks never wait for it.
    """
    engine_runtime = runtime or Runtime(load_settings())
    return Litestar(plugins=[DisputesPlugin(engine_runtime, worker)], debug=False)
