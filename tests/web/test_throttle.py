"""The key throttle on its own: the delays it hands out, its atomicity under threads, and the
bound on its memory — for any sequence of guesses (hypothesis), with a clock the test moves."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from web.throttle import Allowed, KeyThrottle, LockedOut, Wrong


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def lock_out(throttle: KeyThrottle, address: str, wrong_keys: int = 5) -> None:
    for _ in range(wrong_keys):
        assert throttle.judge(address, key_is_right=False) == Wrong()


def test_the_delay_doubles_from_one_second_and_stops_at_fifteen_minutes() -> None:
    # given an address that has used up its free wrong keys
    clock = Clock()
    throttle = KeyThrottle(clock=clock)
    lock_out(throttle, "198.51.100.7")
    # when it keeps guessing wrong, each time just after its lockout ends
    delays = []
    for _ in range(14):
        verdict = throttle.judge("198.51.100.7", key_is_right=False)
        assert isinstance(verdict, LockedOut)
        delays.append(verdict.retry_after)
        clock.now += verdict.retry_after
        assert throttle.judge("198.51.100.7", key_is_right=False) == Wrong()
    # then each wait is twice the last, up to the cap
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]


def test_a_right_key_during_a_lockout_is_refused_and_after_it_clears_the_count() -> None:
    clock = Clock()
    throttle = KeyThrottle(clock=clock)
    lock_out(throttle, "198.51.100.7")
    # when the right key arrives while locked out, then it is refused like any other
    assert throttle.judge("198.51.100.7", key_is_right=True) == LockedOut(1)
    # when it arrives after the delay, then it is let in and the count starts over
    clock.now += 1
    assert throttle.judge("198.51.100.7", key_is_right=True) == Allowed()
    assert len(throttle) == 0
    lock_out(throttle, "198.51.100.7")


def test_retry_after_counts_down_in_whole_seconds() -> None:
    clock = Clock()
    throttle = KeyThrottle(base_delay=10, clock=clock)
    lock_out(throttle, "198.51.100.7")
    clock.now += 2.5
    assert throttle.judge("198.51.100.7", key_is_right=False) == LockedOut(8)
    clock.now += 7.0
    assert throttle.judge("198.51.100.7", key_is_right=False) == LockedOut(1)


def test_an_address_quiet_for_a_day_starts_afresh() -> None:
    clock = Clock()
    throttle = KeyThrottle(clock=clock)
    lock_out(throttle, "198.51.100.7", wrong_keys=4)
    clock.now += 24 * 3600 + 1
    # then four more typos are still only typos
    lock_out(throttle, "198.51.100.7", wrong_keys=4)
    assert throttle.judge("198.51.100.7", key_is_right=True) == Allowed()


def test_racing_guesses_from_one_address_get_exactly_the_free_wrong_answers() -> None:
    # given one address firing 64 wrong keys from 16 threads at once (time stands still)
    throttle = KeyThrottle(clock=Clock())
    verdicts: list[object] = []
    guard = threading.Lock()
    start = threading.Barrier(16)

    def guess() -> None:
        start.wait()
        for _ in range(4):
            verdict = throttle.judge("203.0.113.9", key_is_right=False)
            with guard:
                verdicts.append(verdict)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then only the five free ones were looked at; every other one was refused
    assert verdicts.count(Wrong()) == 5
    assert sum(isinstance(v, LockedOut) for v in verdicts) == 59


def test_memory_stays_bounded_over_many_addresses_and_the_oldest_go_first() -> None:
    # given a table capped at 1 000 addresses
    throttle = KeyThrottle(max_clients=1000, clock=Clock())
    # when 20 000 addresses each send five wrong keys (and lock themselves out)
    for n in range(20_000):
        lock_out(throttle, f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
        assert len(throttle) <= 1000
    # then the most recent are still locked out and the oldest were forgotten
    assert isinstance(throttle.judge("10.0.78.31", key_is_right=False), LockedOut)  # n = 19 999
    assert throttle.judge("10.0.0.0", key_is_right=True) == Allowed()


@settings(max_examples=200, deadline=None)
@given(
    cap=st.integers(min_value=1, max_value=8),
    guesses=st.lists(
        st.tuples(st.integers(min_value=0, max_value=20), st.booleans(), st.floats(0, 100)),
        max_size=200,
    ),
)
def test_for_any_guesses_the_table_never_exceeds_its_cap(
    cap: int, guesses: list[tuple[int, bool, float]]
) -> None:
    clock = Clock()
    throttle = KeyThrottle(max_clients=cap, free_attempts=2, clock=clock)
    for address, right, wait in guesses:
        clock.now += wait
        verdict = throttle.judge(f"192.0.2.{address}", key_is_right=right)
        # a right key is let in or held off, never called wrong; a wrong one never let in
        assert verdict != (Wrong() if right else Allowed())
        if isinstance(verdict, Allowed):  # and letting it in wiped its slate
            assert throttle.judge(f"192.0.2.{address}", key_is_right=True) == Allowed()
        assert len(throttle) <= cap


@pytest.mark.parametrize(
    "options",
    [{"free_attempts": -1}, {"base_delay": 0}, {"max_delay": 0.5}, {"max_clients": 0}],
)
def test_nonsense_limits_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="key throttle"):
        KeyThrottle(**options)  # type: ignore[arg-type]
