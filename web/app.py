"""``create_app()``: the Litestar application, wired in one place."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import Provide

from engine.runtime import Runtime
from engine.settings import load_settings
from web.webhooks import WebhookController


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers. No auth, no database."""
    return {"status": "ok"}


def create_app(runtime: Runtime | None = None) -> Litestar:
    """Build the app around ``runtime`` (one is made from the environment when omitted)."""
    engine_runtime = runtime or Runtime(load_settings())

    def provide_runtime() -> Runtime:
        return engine_runtime

    return Litestar(
        route_handlers=[healthz, WebhookController],
        dependencies={"runtime": Provide(provide_runtime, sync_to_thread=False)},
        on_shutdown=[engine_runtime.close],
        debug=False,
    )
