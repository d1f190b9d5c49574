"""``disputes serve`` in a thread for tests: uvicorn on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn

from engine.runtime import Runtime
from engine.work.worker import Worker
from web.app import create_app
from web.proxies import uvicorn_proxy_options


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(runtime: Runtime, worker: Worker | None = None) -> Iterator[str]:
    """The app as ``disputes serve`` runs it (no access log, its proxy options, the worker
    in-process when given); yields the base URL."""
    config = uvicorn.Config(
        create_app(runtime, worker=worker),
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        access_log=False,
        **uvicorn_proxy_options(runtime.settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(20)
