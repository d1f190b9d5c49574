"""app_sql end to end: a real SQLite app database, local design files, and a loopback image host."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from engine.errors import SettingError
from engine.plugins.manager import Plugins, create_plugin_manager
from engine.testing import EvidenceSourceRunner, MakeSettings, make_design_image
from evidence_sources.app_sql.config import parse_config
from evidence_sources.app_sql.source import AppSqlSource
from tests.engine.evidence.packet.pdfs import image_count, text_of

EMAIL = "customer@example.com"


class ImageHost:
    """A loopback HTTP server serving one PNG and counting requests."""

    def __init__(self, png: bytes) -> None:
        self.hits: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.hits.append(self.path)
                if self.path == "/redirect-away":
                    self.send_response(302)
                    self.send_header("Location", "http://localhost:1/elsewhere.png")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def image_host(tmp_path: Path) -> Iterator[ImageHost]:
    png = make_design_image(tmp_path / "remote.png", 900, 700, 42).read_bytes()
    host = ImageHost(png)
    yield host
    host.close()


@pytest.fixture
def app(tmp_path: Path, image_host: ImageHost) -> dict[str, Any]:
    """The merchant's app: a designs table, a logins table, an account, and an uploads dir."""
    uploads = tmp_path / "uploads"
    (uploads / "designs").mkdir(parents=True)
    make_design_image(uploads / "designs" / "fox.png", 1600, 1200, 1)
    make_design_image(uploads / "designs" / "owl.png", 1600, 1200, 2)
    outside = make_design_image(tmp_path / "outside.png", 200, 200, 3)
    (uploads / "designs" / "sneaky.png").symlink_to(outside)
    database = tmp_path / "app.db"
    with sqlite3.connect(database) as connection:
        connection.executescript(
            """
            CREATE TABLE designs (user_email TEXT, image TEXT, prompt TEXT, created_at TEXT);
            CREATE TABLE logins (user_email TEXT, at TEXT, ip TEXT);
            CREATE TABLE accounts (email TEXT, plan TEXT, signed_up TEXT);
            """
        )
        base = f"http://127.0.0.1:{image_host.port}"
        connection.executemany(
            "INSERT INTO designs VALUES (?, ?, ?, ?)",
            [
                (EMAIL, "designs/fox.png", "a teal fox logo", "2026-10-01 10:00"),
                (EMAIL, "designs/owl.png", "an owl <b>mascot</b>", "2026-10-02 11:00"),
                (EMAIL, f"{base}/cdn/bear.png", "a bear badge", "2026-10-03 12:00"),
                (EMAIL, f"http://localhost:{image_host.port}/cdn/x.png", "wrong host", None),
                (EMAIL, f"{base}/redirect-away", "redirects off the list", None),
                (EMAIL, "../outside.png", "escape by ..", None),
                (EMAIL, "designs/sneaky.png", "escape by symlink", None),
                (EMAIL, "/etc/passwd", "absolute", None),
                (EMAIL, "file:///etc/passwd", "file url", None),
                ("someone-else@example.com", "designs/owl.png", "not this customer", None),
            ],
        )
        connection.executemany(
            "INSERT INTO logins VALUES (?, ?, ?)",
            [
                (EMAIL, "2026-10-01 09:58", "203.0.113.7"),
                (EMAIL, "2026-10-05 18:20", "203.0.113.7"),
            ],
        )
        connection.execute("INSERT INTO accounts VALUES (?, 'Design Pro', '2026-09-30')", (EMAIL,))
    return {
        "url": f"sqlite:///{database}",
        "files_root": str(uploads),
        "allowed_hosts": [f"127.0.0.1:{image_host.port}"],
        "queries": [
            {
                "name": "designs",
                "kind": "images",
                "sql": "SELECT image AS image, prompt AS caption, created_at FROM designs "
                "WHERE user_email = :customer_email ORDER BY rowid",
            },
            {
                "name": "logins",
                "kind": "activity",
                "sql": "SELECT at, ip FROM logins WHERE user_email = :customer_email",
            },
            {
                "name": "account",
                "kind": "facts",
                "sql": "SELECT plan AS product, signed_up FROM accounts "
                "WHERE email = :customer_email",
            },
        ],
    }


def test_designs_logins_and_facts_become_evidence(
    app: dict[str, Any],
    image_host: ImageHost,
    evidence_source_runner: EvidenceSourceRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "disputes.evidence.app_sql")
    source = AppSqlSource(parse_config(app))

    run = evidence_source_runner(source)

    assert run.state == "ok", run.error
    assert run.contribution is not None
    captions = [a.caption for a in run.contribution.attachments]
    assert captions == ["a teal fox logo", "an owl <b>mascot</b>", "a bear badge"]
    assert run.contribution.facts == {"product": "Design Pro", "signed_up": "2026-09-30"}
    (activity,) = run.contribution.sections
    assert activity.rows[0] == ("at", "ip")
    assert len(activity.rows) == 3
    # the generated designs are really images in the service documentation
    assert run.images_shown == 3
    assert image_count(run.service_documentation_pdf) == 3
    service = text_of(run.service_documentation_pdf)
    assert "a teal fox logo" in service
    assert "an owl <b>mascot</b>" in service
    assert "Design Pro" in text_of(run.receipt_pdf)
    # every reference outside files_root or the allowed hosts was refused, with a reason
    refusals = "\n".join(record.getMessage() for record in caplog.records)
    # the wrong host name, and the allowed host redirecting to it
    assert refusals.count("'localhost' is not in allowed_hosts") == 2
    assert refusals.count("resolves outside files_root") == 3  # .., symlink, absolute
    assert "file: references are not allowed" in refusals
    # the loopback host served the bear and the redirect, nothing for the wrong host name
    assert sorted(image_host.hits) == ["/cdn/bear.png", "/redirect-away"]


def test_the_database_is_opened_read_only(app: dict[str, Any]) -> None:
    source = AppSqlSource(parse_config(app))
    with (
        source.engine.connect() as connection,
        pytest.raises(OperationalError, match=r"readonly|read-only|query_only"),
    ):
        connection.exec_driver_sql("DELETE FROM designs")
    source.close()


def test_a_runaway_query_is_interrupted(
    app: dict[str, Any], evidence_source_runner: EvidenceSourceRunner
) -> None:
    app["statement_timeout"] = 0.3
    app["queries"] = [
        {
            "name": "forever",
            "kind": "facts",
            "sql": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
            "SELECT max(i) AS i FROM n",
        }
    ]
    run = evidence_source_runner(AppSqlSource(parse_config(app)))

    assert run.state == "failed"
    assert "interrupted" in (run.error or "")


def test_an_oversized_remote_image_is_refused(
    app: dict[str, Any], image_host: ImageHost, evidence_source_runner: EvidenceSourceRunner
) -> None:
    app["max_image_bytes"] = 1_000
    run = evidence_source_runner(AppSqlSource(parse_config(app)))

    assert run.contribution is not None
    assert run.contribution.attachments == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": ""}, "url"),
        ({"queries": []}, "queries"),
        ({"queries": [{"name": "x", "kind": "videos", "sql": "SELECT 1"}]}, "kind"),
        ({"queries": [{"name": "x", "kind": "facts", "sql": "DELETE FROM designs"}]}, "SELECT"),
        (
            {
                "queries": [
                    {"name": "x", "kind": "facts", "sql": "SELECT * FROM t WHERE a = :password"}
                ]
            },
            "unknown parameter :password",
        ),
        ({"files_root": "/does/not/exist"}, "files_root"),
        ({"allowed_hosts": "cdn.example.com"}, "allowed_hosts"),
    ],
)
def test_a_bad_configuration_names_the_key(
    app: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingError, match=message) as raised:
        parse_config({**app, **change})
    assert "[evidence_sources.app_sql]" in str(raised.value)


def test_the_source_is_built_from_disputes_toml(
    app: dict[str, Any], tmp_path: Path, make_settings: MakeSettings
) -> None:
    config = tmp_path / "merchant.toml"
    queries = "\n".join(
        f'[[evidence_sources.app_sql.queries]]\nname = "{q["name"]}"\nkind = "{q["kind"]}"\n'
        f'sql = """{q["sql"]}"""'
        for q in app["queries"]
    )
    config.write_text(
        "[evidence_sources.app_sql]\n"
        f'url = "{app["url"]}"\nfiles_root = "{app["files_root"]}"\n'
        f"allowed_hosts = {app['allowed_hosts']!r}\n".replace("'", '"')
        + queries
        + "\n"
    )
    settings = make_settings(config=str(config))
    plugins = Plugins(create_plugin_manager(entry_points=False))

    source = plugins.evidence_sources["app_sql"].from_settings(settings)

    assert isinstance(source, AppSqlSource)
    assert [q.name for q in source.config.queries] == ["designs", "logins", "account"]
    assert plugins.evidence_sources["app_sql"].from_settings(make_settings()) is None
