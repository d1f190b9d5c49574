"""The ``disputes`` command. Every error a user can cause prints one line and exits non-zero:
2 for settings and usage, 1 for a processor or runtime failure."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError

from engine.db.migrate import upgrade
from engine.db.models import SyncState
from engine.errors import DisputeEngineError, NotConfigured, SettingError
from engine.plugins.manager import PluginError
from engine.runtime import Runtime
from engine.settings import load_settings
from web.logs import configure_logging

EXIT_FAILURE = 1
EXIT_USAGE = 2

Command = Callable[[argparse.Namespace], int]


@dataclass
class LoggingChoice:
    verbosity: int = 0
    service: bool = False
    """A long-running command (serve, worker, demo): the engine logs at INFO."""


_logging = LoggingChoice()
"""What ``main`` was asked for, for :func:`_runtime` to configure again with the settings."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    command: Command = args.command
    try:
        # From the environment first, so even a command that fails early logs in one format;
        # _runtime() configures again once the settings (and so every secret) are read.
        _logging.verbosity, _logging.service = args.verbose, args.service
        configure_logging(args.verbose, service=args.service)
        return command(args)
    except (SettingError, NotConfigured, PluginError) as error:
        print(f"disputes: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DisputeEngineError as error:
        print(f"disputes: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except SQLAlchemyError as error:
        code, line = database_failure(error)
        print(f"disputes: {line}", file=sys.stderr)
        return code
    except OSError as error:
        # A file or socket the user pointed us at (a port in use, a read-only folder).
        print(f"disputes: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE


def database_failure(error: SQLAlchemyError) -> tuple[int, str]:
    """One line for a database that cannot be used, and the exit code: 2 when the server
    answered and refused what the settings name (no such database, role or password), 1 when
    it did not answer at all."""
    cause = getattr(error, "orig", None) or error
    detail = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    detail = detail.removeprefix("connection failed: ")
    if "FATAL:" in detail:
        return EXIT_USAGE, f"DISPUTES_DATABASE_URL: {' '.join(detail.split())}"
    return EXIT_FAILURE, f"the database cannot be used: {' '.join(detail.split())}"


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is not between 1 and 65535")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disputes", description="Fight payment disputes automatically."
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log progress to stderr (-vv: everything, at DEBUG level)",
    )
    parser.set_defaults(service=False)
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('dispute-engine')}"
    )
    # "-v" is also accepted after the subcommand; SUPPRESS keeps a subcommand that was not
    # given "-v" from resetting a "-v" given before it.
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    add_command = partial(commands.add_parser, parents=[verbosity])

    serve = add_command(
        "serve",
        help="web app and in-process evidence worker; migrates the database",
        description="Run the web app (webhooks, dashboard, API) and an in-process evidence "
        "worker. Creates or migrates the database first.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    serve.set_defaults(command=_serve, service=True)

    sync = add_command(
        "sync",
        help="backfill every dispute from the processors' APIs",
        description="Read every existing dispute of one or all configured providers, store "
        "them, queue evidence for open ones not yet answered, and write the sync report.",
    )
    sync.add_argument("--provider", metavar="NAME", help="only this provider (default: all)")
    sync.set_defaults(command=_sync)

    worker = add_command(
        "worker",
        help="run the evidence worker alone (for scale-out)",
        description="Claim queued evidence work from the database and process it until stopped.",
    )
    worker.set_defaults(command=_worker, service=True)

    regen = add_command(
        "regen",
        help="regenerate (and, if still allowed, resubmit) a dispute's evidence",
        description="Build a new evidence version for one dispute and submit it if the "
        "processor still accepts evidence; otherwise say why not.",
    )
    regen.add_argument("provider", metavar="PROVIDER")
    regen.add_argument("dispute_id", metavar="DISPUTE_ID")
    regen.set_defaults(command=_regen)

    accept = add_command(
        "accept",
        help="accept the loss of a dispute (Stripe: close it; others: record the decision)",
        description="Concede one dispute. Exit 0 when it is accepted (or already was), 1 when "
        "it cannot be (already won or lost, the processor refused or did not answer).",
    )
    accept.add_argument("provider", metavar="PROVIDER")
    accept.add_argument("dispute_id", metavar="DISPUTE_ID")
    accept.set_defaults(command=_accept)

    doctor = add_command(
        "doctor",
        help="check the settings, database, storage, processors and notifications",
        description="Check every setting, the database (reachable, migrations current), the "
        "storage (a probe written, read, deleted), each configured processor's credentials and "
        "webhook set-up, and the notification channels. Exit 0 when every check passes, 1 when "
        "one fails, 2 when a setting is wrong.",
    )
    doctor.set_defaults(command=_doctor)

    setup_webhook = add_command(
        "setup-webhook",
        help="create or update a processor's webhook endpoint for this engine",
        description="Create the processor's webhook endpoint for URL with every event the "
        "engine handles, or update the endpoint already registered for URL. A new endpoint's "
        "signing secret is printed once.",
    )
    setup_webhook.add_argument("provider", metavar="PROVIDER", help="stripe")
    setup_webhook.add_argument(
        "--url",
        required=True,
        help="where the engine receives the webhooks, e.g. https://disputes.example.com/webhooks/stripe",
    )
    setup_webhook.set_defaults(command=_setup_webhook)

    demo = add_command(
        "demo",
        help="the engine with emulated Stripe, Paystand and Telegram, seeded (Ctrl-C stops)",
        description="Start the engine and local Stripe, Paystand and Telegram emulators on free "
        "ports, seeded with customers, disputes and an app database of generated designs; print "
        "the dashboard URL and the Telegram messages. Ctrl-C stops everything.",
    )
    demo.add_argument("--port", type=int, help="the engine's port (default: a free one)")
    demo.add_argument(
        "--data-dir", type=Path, help="keep the demo's files here (default: a temp dir)"
    )
    demo.set_defaults(command=_demo, service=True)

    db = add_command("db", help="database maintenance")
    db_commands = db.add_subparsers(title="db commands", required=True, metavar="COMMAND")
    db_upgrade = db_commands.add_parser(
        "upgrade",
        parents=[verbosity],
        help="apply migrations",
        description="Apply Alembic migrations up to head.",
    )
    db_upgrade.set_defaults(command=_db_upgrade)
    return parser


def _runtime() -> Runtime:
    settings = load_settings()
    # Now every secret is known (the TOML file's too): the same logging, fully redacted.
    configure_logging(_logging.verbosity, settings=settings, service=_logging.service)
    return Runtime(settings)


def _doctor(args: argparse.Namespace) -> int:
    from web.ops import doctor

    return doctor(args)


def _setup_webhook(args: argparse.Namespace) -> int:
    from web.ops import setup_webhook

    return setup_webhook(args)


def _demo(args: argparse.Namespace) -> int:
    from web.demo.run import run_demo

    return run_demo(port=args.port, data_dir=args.data_dir)


def _db_upgrade(args: argparse.Namespace) -> int:
    runtime = _runtime()
    upgrade(runtime.database)
    print(f"database at {runtime.database.url.render_as_string(hide_password=True)} is up to date")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from engine.work.worker import Worker
    from web.app import create_app
    from web.proxies import uvicorn_proxy_options

    runtime = _runtime()
    # Build every configured provider now: a malformed provider setting (a short Paystand
    # webhook token…) stops start-up with one line instead of failing the first webhook.
    runtime.configured_providers()
    upgrade(runtime.database)
    runtime.notifiers  # noqa: B018 - a bad notifier setting fails here, in one line
    # The storage too: a scheme no plugin handles, or a malformed URL for the one that does,
    # is one line at start-up (exit 2), not a failed evidence build hours later.
    runtime.storage  # noqa: B018
    proxy_options = uvicorn_proxy_options(runtime.settings)
    app = create_app(runtime, worker=Worker.for_service(runtime))
    # uvicorn's access log prints query strings (``?key=``): the app logs paths only. Its
    # logging config would replace web.logs' handler, its level the one chosen there.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        log_level=None,
        access_log=False,
        **proxy_options,
    )
    return 0


def _sync(args: argparse.Namespace) -> int:
    from engine.disputes.sync import sync_provider

    runtime = _runtime()
    upgrade(runtime.database)
    if args.provider:
        targets = [args.provider]
        runtime.provider(args.provider)  # a clear NotConfigured before any work
    else:
        targets = sorted(runtime.configured_providers())
        if not targets:
            raise NotConfigured(
                "no provider is configured: set DISPUTES_STRIPE_API_KEY or the "
                "DISPUTES_PAYSTAND_* settings"
            )
    failed = False
    for provider_id in targets:
        with Progress(
            TextColumn(f"[bold]{provider_id}"),
            BarColumn(),
            TextColumn("{task.completed} disputes"),
            TimeElapsedColumn(),
            transient=False,
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task(provider_id, total=None)
            report = sync_provider(runtime, provider_id, progress=partial(_advance, bar, task))
        print(
            f"{provider_id}: {report.state}, seen {report.seen}, new {report.new}, "
            f"updated {report.updated}, queued {report.queued}, failed {report.failed}"
            + (f" ({report.error})" if report.error else "")
        )
        failed = failed or report.state is not SyncState.FINISHED or report.failed > 0
    return EXIT_FAILURE if failed else 0


def _advance(bar: Progress, task: TaskID, seen: int) -> None:
    bar.update(task, completed=seen)


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from engine.work.worker import Worker

    runtime = _runtime()
    runtime.configured_providers()  # a malformed provider setting: one line, now
    upgrade(runtime.database)
    runtime.notifiers  # noqa: B018 - a bad notifier setting fails here, in one line
    runtime.storage  # noqa: B018 - and a bad storage URL
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print("disputes worker: processing queued evidence work (Ctrl-C to stop)", file=sys.stderr)
    try:
        Worker.for_service(runtime).run(stop)
    finally:
        runtime.close()
    return 0


def _accept(args: argparse.Namespace) -> int:
    from engine.decisions import accept_dispute

    runtime = _runtime()
    upgrade(runtime.database)
    try:
        result = accept_dispute(runtime, args.provider, args.dispute_id)
    finally:
        runtime.close()
    print(f"{args.provider} {args.dispute_id}: {result.message}")
    return 0


def _regen(args: argparse.Namespace) -> int:
    from engine.evidence.pipeline import Outcome
    from engine.evidence.requests import regenerate_now

    runtime = _runtime()
    upgrade(runtime.database)
    try:
        outcome = regenerate_now(runtime, args.provider, args.dispute_id)
    finally:
        runtime.close()
    if outcome is None:
        print(f"{args.provider} {args.dispute_id}: queued; a running worker is answering it")
        return 0
    print(f"{args.provider} {args.dispute_id}: {outcome}")
    # Built but not sent for a reason the person should know (already submitted, past due):
    # the command did its job, so only a failed build or a processor refusal is an error.
    return EXIT_FAILURE if outcome.state in {Outcome.FAILED, Outcome.REJECTED} else 0


if __name__ == "__main__":
    sys.exit(main())
