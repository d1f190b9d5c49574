"""The one place the web app is wired: routes, dependencies, templates, security, lifespan."""

from __future__ import annotations

from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Response, get
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from engine.health.readiness import check_readiness
from engine.runtime import Runtime
from engine.work.worker import Worker, WorkerThread
from web.api.disputes import DisputeApiController
from web.api.fraud_warnings import FraudWarningApiController
from web.api.stats import StatsApiController
from web.auth import Auth
from web.dashboard.controller import DashboardController
from web.dashboard.fraud_warnings import FraudWarningPageController
from web.export.csv_list import DisputeCsvController
from web.files import FileController
from web.labels import label, money_of, when_filter
from web.metrics import metrics
from web.security import access_log_middleware, add_security_headers, log_server_error
from web.throttle import KeyThrottle
from web.webhooks import WebhookController

HERE = Path(__file__).resolve().parent


@get("/healthz", sync_to_thread=False, tags=["health"], summary="Liveness (no auth)")
def healthz() -> dict[str, str]:
    """Liveness: the process answers. No auth, no database."""
    return {"status": "ok"}


@get(
    "/readyz",
    tags=["health"],
    summary="Readiness (no auth)",
    responses={
        503: ResponseSpec(
            data_container=dict[str, str | None],
            description="Database unreachable or migrations pending",
        )
    },
)
async def readyz(runtime: NamedDependency[Runtime]) -> Response[dict[str, str | None]]:
    """Readiness: 200 when the database answers and its schema is at head, else 503."""
    report = await anyio.to_thread.run_sync(check_readiness, runtime.database)
    body = {
        "status": report.status.value,
        "schema_revision": report.schema_revision,
        "code_revision": report.code_revision,
    }
    return Response(body, status_code=200 if report.ready else 503)


def template_environment() -> Environment:
    """Autoescape for every template: dispute fields come from outside (customer names)."""
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Dashboard for people (issue 13): words and currency formats instead of identifiers.
    environment.filters["label"] = label
    environment.filters["money"] = money_of
    environment.filters["when"] = when_filter
    return environment


class DisputesPlugin(InitPluginProtocol):
    """Everything the app needs from the engine: the runtime (one per process), the auth and
    signing built from its settings, and — for ``disputes serve`` — the in-process worker."""

    def __init__(self, runtime: Runtime, worker: Worker | None = None) -> None:
        self.runtime = runtime
        self.worker_thread = WorkerThread(worker) if worker is not None else None

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        runtime = self.runtime
        public_url = runtime.settings.get("PUBLIC_URL") or ""
        auth = Auth(
            runtime.settings.secret_key,
            runtime.settings.dashboard_key,
            always_secure=public_url.startswith("https://"),
        )

        def provide_runtime() -> Runtime:
            return runtime

        app_config.route_handlers.extend(
            [
                healthz,
                readyz,
                metrics,
                WebhookController,
                DashboardController,
                DisputeApiController,
                StatsApiController,
                FraudWarningApiController,
                FraudWarningPageController,
                DisputeCsvController,
                FileController,
                create_static_files_router(
                    path="/static", directories=[HERE / "static"], include_in_schema=False
                ),
            ]
        )
        app_config.dependencies["runtime"] = Provide(provide_runtime, sync_to_thread=False)
        # One throttle per app, so per process: see web.throttle for what that means.
        app_config.state = State({"auth": auth, "key_throttle": KeyThrottle(), "runtime": runtime})
        app_config.template_config = TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(template_environment())
        )
        app_config.middleware = [access_log_middleware, *app_config.middleware]
        app_config.before_send.append(add_security_headers)
        # Logging is configured once per process (web.logs), not by the app: Litestar's own
        # config would reset the root logger's level and handlers at start-up.
        app_config.logging_config = None
        app_config.after_exception.append(log_server_error)
        app_config.openapi_config = OpenAPIConfig(
            title="Dispute engine API",
            version="1",
            path="/schema",
            # The JSON document only: the HTML viewers load scripts from CDNs, which the CSP
            # (rightly) refuses and a self-hosted money tool should not do anyway.
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "dashboard_key": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="The dashboard key (DISPUTES_DASHBOARD_KEY).",
                    )
                }
            ),
        )
        worker_thread = self.worker_thread
        if worker_thread is not None:

            def start_worker() -> None:
                # The webhook writer too: it first applies what a previous run left in the
                # inbox (a crash between answering a webhook and applying it).
                runtime.webhook_intake.start()
                worker_thread.start()

            async def stop_worker() -> None:
                # Joining blocks: off the event loop, so shutdown stays responsive.
                await anyio.to_thread.run_sync(worker_thread.stop)

            app_config.on_startup.append(start_worker)
            app_config.on_shutdown.append(stop_worker)
        app_config.on_shutdown.append(runtime.close)
        return app_config
