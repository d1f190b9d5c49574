"""Fixtures for the Paystand tests: the emulator on loopback, an engine configured against it,
and the web app served for real (uvicorn on a free port) so the emulator can deliver to it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from emulators.paystand import PaystandEmulator
from engine.db.migrate import upgrade
from engine.runtime import Runtime
from engine.testing import MakeSettings
from web.app import create_app

CLIENT_ID = "client-under-test"
CLIENT_SECRET = "secret-under-test"
CUSTOMER_ID = "customer-under-test"
WEBHOOK_TOKEN = "whk_" + "Q7v2mN9xL4pR8sT1uW6yZ3aB5cD0eF2g"


@pytest.fixture
def emulator() -> Iterator[PaystandEmulator]:
    with PaystandEmulator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, customer_id=CUSTOMER_ID
    ) as running:
        yield running


@pytest.fixture
def paystand_settings(emulator: PaystandEmulator) -> dict[str, str]:
    return {
        "paystand_client_id": CLIENT_ID,
        "paystand_client_secret": CLIENT_SECRET,
        "paystand_customer_id": CUSTOMER_ID,
        "paystand_webhook_token": WEBHOOK_TOKEN,
        "paystand_api_base": emulator.url,
        "paystand_timeout": "1",
    }


@pytest.fixture
def runtime(make_settings: MakeSettings, paystand_settings: dict[str, str]) -> Iterator[Runtime]:
    engine = Runtime(make_settings(**paystand_settings))
    upgrade(engine.database)
    yield engine
    engine.close()


class LiveApp:
    """The web app on 127.0.0.1, answering real HTTP."""

    def __init__(self, base: str, runtime: Runtime) -> None:
        self.base = base
        self.runtime = runtime
        self.http = httpx.Client(base_url=base, timeout=20)

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/webhooks/paystand/{WEBHOOK_TOKEN}"

    def post_webhook(
        self, body: bytes | dict[str, Any], token: str = WEBHOOK_TOKEN
    ) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.http.post(
            f"/webhooks/paystand/{token}",
            content=content,
            headers={"content-type": "application/json"},
        )


@pytest.fixture
def live_app(runtime: Runtime, emulator: PaystandEmulator) -> Iterator[LiveApp]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(runtime), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    app = LiveApp(f"http://127.0.0.1:{port}", runtime)
    emulator.webhook_url = app.webhook_url
    yield app
    app.http.close()
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def sample_events(fixtures_dir: Path) -> list[dict[str, Any]]:
    """The two documented events, in the order Paystand sent them."""
    return [
        json.loads((fixtures_dir / "paystand" / name).read_text())
        for name in ("dispute_created.json", "dispute_processing.json")
    ]


SeedSamples = Callable[[], dict[str, Any]]


@pytest.fixture
def seed_samples(emulator: PaystandEmulator, sample_events: list[dict[str, Any]]) -> SeedSamples:
    """Give the emulator the documented dispute as its current state: the created resource
    (with the payment and payer) updated by the processing event's resource."""

    def seed() -> dict[str, Any]:
        created, processing = sample_events
        resource = {**created["resource"], **processing["resource"]}
        for event in sample_events:
            emulator.state.record_event(event)
        return emulator.state.put_dispute(resource)

    return seed
