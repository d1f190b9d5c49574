"""The Telegram emulator answers like the Bot API, over real HTTP."""

from __future__ import annotations

import httpx

from emulators.telegram import TelegramEmulator
from tests.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN


def send(
    telegram: TelegramEmulator, token: str = TELEGRAM_TOKEN, **payload: object
) -> httpx.Response:
    return httpx.post(f"{telegram.url}/bot{token}/sendMessage", json=payload)


def test_a_message_is_recorded_and_acknowledged(telegram: TelegramEmulator) -> None:
    response = send(telegram, chat_id=TELEGRAM_CHAT, text="hello")
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["result"]["message_id"] == 1
    assert [(m.chat_id, m.text) for m in telegram.messages] == [(TELEGRAM_CHAT, "hello")]


def test_what_telegram_refuses_is_refused(telegram: TelegramEmulator) -> None:
    assert send(telegram, token="1:wrong", chat_id=TELEGRAM_CHAT, text="x").status_code == 401
    assert send(telegram, chat_id="999", text="x").json()["description"].endswith("chat not found")
    assert send(telegram, chat_id=TELEGRAM_CHAT, text="").status_code == 400
    assert send(telegram, chat_id=TELEGRAM_CHAT, text="x" * 4097).status_code == 400
    assert send(telegram, chat_id=TELEGRAM_CHAT, text="x", parse_mode="BBCode").status_code == 400
    assert telegram.messages == []


def test_injected_faults_answer_in_order_then_clear(telegram: TelegramEmulator) -> None:
    telegram.fail_next(429, retry_after=3)
    telegram.fail_next(500)
    throttled = send(telegram, chat_id=TELEGRAM_CHAT, text="a")
    assert throttled.status_code == 429
    assert throttled.json()["parameters"] == {"retry_after": 3}
    assert send(telegram, chat_id=TELEGRAM_CHAT, text="a").status_code == 500
    assert send(telegram, chat_id=TELEGRAM_CHAT, text="a").status_code == 200
    assert len(telegram.messages) == 1
    assert telegram.requests == 3


def test_the_emulator_runs_as_a_module_and_prints_what_it_receives() -> None:
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.telegram", "--port", str(port), "--token", "7:T"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/bot7:T/sendMessage",
                    json={"chat_id": "42", "text": "❌ lost"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.2)
        assert answer.json()["ok"] is True
        time.sleep(1.2)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "❌ lost" in output
