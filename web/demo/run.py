"""``disputes demo [--port N]``: one process runs the engine (web app and evidence worker) and the
Stripe, Paystand and Telegram emulators, each on a free loopback port, seeded by
:mod:`web.demo.seed`. The engine is listening before any emulator sends a webhook, the disputes
arrive by the engine's first sync, Telegram messages are printed as they arrive, and Ctrl-C
(SIGINT) stops the web server, then the sync, the printer and the emulators, in that order."""

from __future__ import annotations

import contextlib
import secrets
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from emulators.paystand.server import PaystandEmulator
from emulators.stripe.server import StripeEmulator
from emulators.telegram.server import TelegramEmulator
from engine.db.migrate import upgrade
from engine.runtime import Runtime
from engine.settings import load_settings
from web.demo.seed import APP_SQL_TOML, make_app_database, seed_paystand, seed_stripe

HOST = "127.0.0.1"
TELEGRAM_TOKEN = "1:demo"  # noqa: S105 - the local emulator's bot token
TELEGRAM_CHAT = "42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def run_demo(*, port: int | None, data_dir: Path | None, out: TextIO = sys.stdout) -> int:
    import uvicorn

    from engine.work.worker import Worker
    from web.app import create_app

    # Absolute: a relative path in a setting is refused (engine.paths); --data-dir is an
    # argument, relative to where the command was started.
    folder = (data_dir or Path(tempfile.mkdtemp(prefix="disputes-demo-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    engine_url = f"http://{HOST}:{port}"
    dashboard_key = secrets.token_urlsafe(18)
    webhook_secret = "whsec_" + secrets.token_hex(16)
    paystand_token = secrets.token_urlsafe(24)

    stripe = StripeEmulator(
        host=HOST, webhook_url=f"{engine_url}/webhooks/stripe", webhook_secret=webhook_secret
    )
    paystand = PaystandEmulator(
        client_id="demo-client",
        client_secret="demo-secret",  # noqa: S106 - the local emulator's credentials
        customer_id="demo-customer",
        webhook_url=f"{engine_url}/webhooks/paystand/{paystand_token}",
        host=HOST,
        port=0,
    )
    telegram = TelegramEmulator(tokens={TELEGRAM_TOKEN}, chats={TELEGRAM_CHAT}, host=HOST)
    seed_stripe(stripe.state)
    seed_paystand(paystand.state)
    app_db = make_app_database(folder / "app")
    config = folder / "disputes.toml"
    config.write_text(APP_SQL_TOML.format(database=app_db, root=app_db.parent), encoding="utf-8")

    stripe.start()
    paystand.start()
    telegram.start()
    environ = {
        "DISPUTES_DATA_DIR": str(folder / "data"),
        "DISPUTES_CONFIG": str(config),
        "DISPUTES_SECRET_KEY": secrets.token_urlsafe(48),
        "DISPUTES_DASHBOARD_KEY": dashboard_key,
        "DISPUTES_STRIPE_API_KEY": "sk_test_demo",
        "DISPUTES_STRIPE_API_BASE": stripe.url,
        "DISPUTES_STRIPE_WEBHOOK_SECRET": webhook_secret,
        "DISPUTES_PAYSTAND_API_BASE": paystand.url,
        "DISPUTES_PAYSTAND_CLIENT_ID": "demo-client",
        "DISPUTES_PAYSTAND_CLIENT_SECRET": "demo-secret",
        "DISPUTES_PAYSTAND_CUSTOMER_ID": "demo-customer",
        "DISPUTES_PAYSTAND_WEBHOOK_TOKEN": paystand_token,
        "DISPUTES_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "DISPUTES_TELEGRAM_CHAT_ID": TELEGRAM_CHAT,
        "DISPUTES_TELEGRAM_API_BASE": telegram.url,
    }
    runtime = Runtime(load_settings(environ, cwd=folder))
    stop = threading.Event()
    printer = threading.Thread(
        target=_print_messages, args=(telegram, stop, out), name="demo-telegram", daemon=True
    )
    try:
        runtime.configured_providers()
        upgrade(runtime.database)
        app = create_app(runtime, worker=Worker.for_service(runtime))
        server = uvicorn.Server(
            # Logging is web.logs' (configured by the CLI): uvicorn must not replace it.
            uvicorn.Config(
                app, host=HOST, port=port, log_config=None, log_level=None, access_log=False
            )
        )
        banner = f"Dashboard: {engine_url}/disputes?key={dashboard_key}\nCtrl-C stops everything."
        syncer = threading.Thread(
            target=_sync_when_up,
            args=(server, runtime, stop, out, banner),
            name="demo-sync",
            daemon=True,
        )
        syncer.start()
        printer.start()
        print(f"Dispute engine demo, data in {folder}", file=out, flush=True)
        print(f"  Stripe emulator   {stripe.url}", file=out)
        print(f"  Paystand emulator {paystand.url}", file=out)
        print(f"  Telegram emulator {telegram.url}", file=out, flush=True)
        # uvicorn shuts down on SIGINT/SIGTERM, then re-raises the signal it caught.
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        stop.set()
        syncer.join(timeout=30)
        printer.join(timeout=5)
    finally:
        stop.set()
        runtime.close()
        telegram.stop()
        paystand.stop()
        stripe.stop()
    print("demo stopped", file=out, flush=True)
    return 0


def _sync_when_up(
    server: object, runtime: Runtime, stop: threading.Event, out: TextIO, banner: str
) -> None:
    """Once the engine listens: print its address (a URL printed earlier could be refused),
    then read every dispute the emulators hold."""
    from engine.disputes.sync import sync_provider

    while not getattr(server, "started", False):
        if stop.wait(0.05):
            return
    print(banner, file=out, flush=True)
    for provider_id in sorted(runtime.configured_providers()):
        if stop.is_set():
            return
        report = sync_provider(runtime, provider_id)
        print(
            f"{provider_id}: {report.seen} disputes read, {report.queued} queued for evidence",
            file=out,
            flush=True,
        )


def _print_messages(telegram: TelegramEmulator, stop: threading.Event, out: TextIO) -> None:
    printed = 0
    while True:
        messages = telegram.messages
        for message in messages[printed:]:
            print(f"--- Telegram to chat {message.chat_id}\n{message.text}", file=out, flush=True)
        printed = len(messages)
        if stop.wait(0.3):
            return
