"""The benchmarks still run (at a tiny size): not timed, only that each prints its table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import dashboard, packet, size, sync
from bench.generate import generate
from engine.db.database import Database
from engine.db.models import Dispute


def test_the_generator_makes_distinct_disputes(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'g.db'}")
    generate(database, 300)
    generate(database, 200, start=300)
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 500
        assert session.scalar(select(func.count(func.distinct(Dispute.dispute_id)))) == 500


def test_the_dashboard_bench_prints_every_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dashboard.run(str(tmp_path / "bench"), baseline=50, size=120, runs=2)
    out = capsys.readouterr().out
    for name in ("list cursor at 99%", "list reason=duplicate", "detail", "stats"):
        assert name in out
    assert out.count("x\n") == 8  # one ratio per query


def test_the_packet_bench_prints_both_baselines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["bench.packet", "--runs", "1", "--designs", "2"])
    packet.main()
    out = capsys.readouterr().out
    assert "images as given" in out and "images already prepared" in out
    assert "MB of the" in out


def test_the_size_bench_counts_bytes_per_dispute(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["bench.size", "--disputes", "20"])
    size.main()
    out = capsys.readouterr().out
    assert "bytes per dispute" in out and "dispute_events" in out


def test_the_sync_bench_reads_cpu_and_memory_of_a_real_sync(tmp_path: Path) -> None:
    run = sync.sync_once(30, "sqlite", tmp_path)
    assert run.disputes == 30 and run.cpu_seconds > 0 and run.peak_rss_mb > 10
