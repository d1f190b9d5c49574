"""The group commit alone (no database): concurrent callers share a batch, a failing batch is
retried item by item so one bad item fails alone, idle work waits for a quiet queue, closing
writes what waits, and a caller that goes away does not take its write back."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from engine.intake.group_commit import GroupCommit


class Recorder:
    """A writer that records its batches; ``gate`` holds the first batch until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.singles: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def write_batch(self, items: Sequence[int]) -> list[str]:
        self.entered.set()
        self.gate.wait(5)
        if any(item < 0 for item in items):
            raise ValueError("a negative item spoils the batch")
        self.batches.append(list(items))
        return [f"wrote {item}" for item in items]

    def write_one(self, item: int) -> str:
        if item < 0:
            raise ValueError(f"{item} cannot be written")
        self.singles.append(item)
        return f"wrote {item} alone"


def test_callers_waiting_together_share_one_batch() -> None:
    recorder = Recorder()
    commit: GroupCommit[int, str] = GroupCommit(recorder.write_batch, recorder.write_one)

    async def scenario() -> list[str]:
        recorder.gate.clear()
        first = asyncio.ensure_future(commit.submit(0))
        await asyncio.to_thread(recorder.entered.wait, 5)  # the writer holds item 0
        rest = [asyncio.ensure_future(commit.submit(n)) for n in range(1, 6)]
        await asyncio.sleep(0.05)
        recorder.gate.set()
        return [await first, *[await task for task in rest]]

    try:
        answers = asyncio.run(scenario())
    finally:
        commit.close()
    assert answers == [f"wrote {n}" for n in range(6)]
    assert recorder.batches == [[0], [1, 2, 3, 4, 5]]


def test_a_failing_batch_is_retried_item_by_item_and_only_the_bad_item_fails() -> None:
    recorder = Recorder()
    commit: GroupCommit[int, str] = GroupCommit(recorder.write_batch, recorder.write_one)

    async def scenario() -> list[str | BaseException]:
        recorder.gate.clear()
        blocker = asyncio.ensure_future(commit.submit(100))
        await asyncio.to_thread(recorder.entered.wait, 5)
        tasks = [asyncio.ensure_future(commit.submit(n)) for n in (1, -2, 3)]
        await asyncio.sleep(0.05)
        recorder.gate.set()
        await blocker
        return list(await asyncio.gather(*tasks, return_exceptions=True))

    try:
        first, bad, third = asyncio.run(scenario())
    finally:
        commit.close()
    assert (first, third) == ("wrote 1 alone", "wrote 3 alone")
    assert isinstance(bad, ValueError) and "-2 cannot be written" in str(bad)
    assert recorder.singles == [1, 3]


def test_idle_work_waits_for_a_quiet_queue_and_stops_when_done() -> None:
    recorder = Recorder()
    calls: list[float] = []
    left = [3]

    def idle(quiet: bool) -> float | None:
        calls.append(time.monotonic())
        left[0] -= 1
        return 0.0 if left[0] > 0 else None  # three rounds of work, then nothing

    commit: GroupCommit[int, str] = GroupCommit(
        recorder.write_batch, recorder.write_one, idle=idle, quiet=0.02
    )
    try:
        commit.start()
        deadline = time.monotonic() + 5
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert len(calls) == 3  # and no fourth: it said it has nothing left

        async def one() -> str:
            return await commit.submit(7)

        assert asyncio.run(one()) == "wrote 7"
        time.sleep(0.1)
        assert len(calls) == 3  # an item alone does not wake idle work that said None
    finally:
        commit.close()


def test_idle_work_is_not_starved_by_a_steady_stream() -> None:
    recorder = Recorder()
    calls: list[float] = []
    pressed: list[bool] = []

    def idle(quiet: bool) -> float:
        calls.append(time.monotonic())
        pressed.append(not quiet)
        return 0.0  # always more to do

    commit: GroupCommit[int, str] = GroupCommit(
        recorder.write_batch, recorder.write_one, idle=idle, quiet=10.0, starve_after=0.05
    )

    async def stream() -> None:
        for n in range(60):  # an item every 5 ms: never quiet for 10 s
            await commit.submit(n)
            await asyncio.sleep(0.005)

    try:
        commit.start()
        asyncio.run(stream())
    finally:
        commit.close()
    assert len(calls) >= 3  # the first call, then at least every 50 ms of the ~0.3 s stream
    assert any(pressed)  # and those calls were told the queue was not quiet


def test_closing_writes_what_waits_and_refuses_more() -> None:
    recorder = Recorder()
    commit: GroupCommit[int, str] = GroupCommit(recorder.write_batch, recorder.write_one)

    async def scenario() -> list[str]:
        tasks = [asyncio.ensure_future(commit.submit(n)) for n in range(4)]
        await asyncio.sleep(0)
        await asyncio.to_thread(commit.close)
        return list(await asyncio.gather(*tasks))

    assert asyncio.run(scenario()) == [f"wrote {n}" for n in range(4)]

    async def late() -> str:
        return await commit.submit(9)

    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(late())


def test_a_caller_that_goes_away_does_not_take_its_write_back() -> None:
    recorder = Recorder()
    commit: GroupCommit[int, str] = GroupCommit(recorder.write_batch, recorder.write_one)

    async def scenario() -> None:
        recorder.gate.clear()
        task = asyncio.ensure_future(commit.submit(5))
        await asyncio.to_thread(recorder.entered.wait, 5)
        task.cancel()  # the client hung up
        await asyncio.sleep(0)
        recorder.gate.set()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(scenario())
    finally:
        commit.close()
    assert recorder.batches == [[5]]
