"""A small HTTP/1.1 load generator: keep-alive connections, closed loop or paced, in asyncio.

Both sides of a comparison are driven by this one generator from the same process, so its own
cost is the same for both. Paced runs measure latency from each request's *scheduled* time, so
a server that falls behind shows its queueing instead of slowing the generator down with it
(no coordinated omission).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def encode(self, host: str) -> bytes:
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        lines += [f"Content-Length: {len(self.body)}", "", ""]
        return "\r\n".join(lines).encode() + self.body


@dataclass
class Result:
    seconds: float
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    """Indexes of the requests answered 2xx, in order of answer."""

    @property
    def ok(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _run(
    port: int,
    requests: Sequence[Request],
    start: int,
    *,
    connections: int,
    seconds: float,
    rate: float | None,
) -> tuple[Result, int]:
    host = f"127.0.0.1:{port}"
    result = Result(seconds=seconds)
    counter = itertools.count(start)
    began = time.perf_counter()
    deadline = began + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                index = next(counter)
                if index >= len(requests):
                    return
                scheduled = began + (index - start) / rate if rate else time.perf_counter()
                if scheduled >= deadline:
                    return
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(requests[index].encode(host))
                status = await _read_response(reader)
                result.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    result.sent.append(index)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    result.seconds = time.perf_counter() - began
    return result, next(counter)


def drive(
    port: int,
    requests: Sequence[Request],
    start: int = 0,
    *,
    connections: int = 16,
    seconds: float = 5.0,
    rate: float | None = None,
) -> tuple[Result, int]:
    """Send ``requests[start:]`` for ``seconds`` (as fast as answered, or at ``rate`` per
    second); returns the result and the index of the next unsent request."""
    return asyncio.run(
        _run(port, requests, start, connections=connections, seconds=seconds, rate=rate)
    )


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
