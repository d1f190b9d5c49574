"""The example third-party source, tested the way its README tells plugin authors to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.errors import SettingError
from engine.plugins.manager import Plugins, create_plugin_manager
from engine.testing import EvidenceSourceRunner, MakeSettings, make_dispute_state
from evidence_sources.example_crm.source import ExampleCrmSource
from tests.engine.evidence.packet.pdfs import text_of


class Crm:
    """A loopback CRM API with one customer and two conversations; 401 without the token."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if self.headers.get("Authorization") != "Bearer t0ken":
                    self._send(401, {"error": "unauthorised"})
                elif parts.path == "/api/customers":
                    email = parse_qs(parts.query).get("email", [""])[0]
                    found = email == "customer@example.com"
                    customers = (
                        [{"id": "c1", "since": "2024-02-01", "plan": "Pro"}] if found else []
                    )
                    self._send(200, {"customers": customers})
                elif parts.path == "/api/customers/c1/conversations":
                    self._send(
                        200,
                        {
                            "conversations": [
                                {
                                    "at": "2026-10-04",
                                    "channel": "chat",
                                    "summary": "asked for a <b>bigger</b> logo",
                                },
                                {
                                    "at": "2026-10-06",
                                    "channel": "email",
                                    "summary": "refund request withdrawn",
                                },
                            ]
                        },
                    )
                else:
                    self._send(404, {"error": "no such route"})

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"
        Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def crm() -> Iterator[Crm]:
    server = Crm()
    yield server
    server.close()


def test_conversations_reach_the_service_documentation(
    crm: Crm, evidence_source_runner: EvidenceSourceRunner
) -> None:
    run = evidence_source_runner(ExampleCrmSource(crm.url, "t0ken"))

    assert run.state == "ok", run.error
    assert run.contribution is not None
    assert run.contribution.facts == {"customer_since": "2024-02-01", "crm_plan": "Pro"}
    service = text_of(run.service_documentation_pdf)
    assert "refund request withdrawn" in service
    assert "asked for a <b>bigger</b> logo" in service
    assert "2024-02-01" in text_of(run.receipt_pdf)


def test_an_unknown_customer_contributes_nothing(
    crm: Crm, evidence_source_runner: EvidenceSourceRunner
) -> None:
    run = evidence_source_runner(
        ExampleCrmSource(crm.url, "t0ken"), make_dispute_state(customer_email="other@example.com")
    )
    assert run.state == "ok"
    assert run.contribution is not None
    assert run.contribution.sections == ()


def test_a_crm_refusal_is_a_recorded_failure(
    crm: Crm, evidence_source_runner: EvidenceSourceRunner
) -> None:
    run = evidence_source_runner(ExampleCrmSource(crm.url, "wrong"))
    assert run.state == "failed"
    assert "401" in (run.error or "")


def test_registered_through_the_plugin_hook_and_configured_from_toml(
    crm: Crm, tmp_path: Path, make_settings: MakeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "merchant.toml"
    config.write_text(f'[evidence_sources.example_crm]\nbase_url = "{crm.url}"\n')
    plugins = Plugins(
        create_plugin_manager(entry_points=False, extra=["evidence_sources.example_crm.plugin"])
    )
    source_class = plugins.evidence_sources["example_crm"]

    with pytest.raises(SettingError, match="EXAMPLE_CRM_TOKEN"):
        source_class.from_settings(make_settings(config=str(config)))
    monkeypatch.setenv("EXAMPLE_CRM_TOKEN", "t0ken")
    assert isinstance(
        source_class.from_settings(make_settings(config=str(config))), ExampleCrmSource
    )
    assert source_class.from_settings(make_settings()) is None
