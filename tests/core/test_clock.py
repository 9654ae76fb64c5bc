"""The fake's clock: real by default, freeze/advance/set/real."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from pytest_mailblocks import Clock
from pytest_mailblocks.core.clock import MAX_TIME, MIN_TIME, parse_instant


def test_real_by_default():
    clock = Clock()
    assert clock.is_real and not clock.frozen


def test_freeze_and_advance():
    clock = Clock()
    clock.freeze("2024-02-28T23:00:00Z")
    clock.advance(hours=2)
    assert clock.now() == datetime(2024, 2, 29, 1, tzinfo=timezone.utc)
    assert clock.time() == clock.time()  # frozen: no drift


def test_advance_a_running_clock_adds_an_offset():
    clock = Clock()
    before = clock.time()
    clock.advance(days=1)
    assert clock.time() - before >= 86400
    assert not clock.frozen and not clock.is_real


def test_set_jumps_and_keeps_running():
    clock = Clock()
    clock.set("2030-01-01T00:00:00Z")
    assert clock.now().year == 2030 and not clock.frozen


def test_real_undoes_everything():
    clock = Clock()
    clock.freeze(0)
    clock.real()
    assert clock.is_real and clock.now().year >= 2025


def test_a_reader_never_sees_a_half_moved_clock(monkeypatch):
    """Requests read the clock outside any lock while a test may move it: a reading
    is the instant before or after the move, never real time leaking through a
    half-made change. ``set()`` is paused where it reads the wall clock (between the
    two fields it used to write one by one) while another thread reads."""
    import pytest_mailblocks.core.clock as clock_module

    wall = clock_module._time
    reached, go = threading.Event(), threading.Event()

    class PausingWallClock:
        @staticmethod
        def time() -> float:
            if threading.current_thread().name == "mover":
                reached.set()
                go.wait(10)
            return wall.time()

    clock = Clock()
    frozen_at, set_to = 2208988800.0, 2524608000.0  # 2040-01-01, 2050-01-01; real time is neither
    clock.freeze(frozen_at)
    monkeypatch.setattr(clock_module, "_time", PausingWallClock)
    mover = threading.Thread(target=clock.set, args=(set_to,), name="mover")
    mover.start()
    assert reached.wait(10)
    seen = clock.time()
    go.set()
    mover.join(10)
    assert seen == frozen_at
    assert clock.time() >= set_to


def test_cannot_go_backwards():
    with pytest.raises(ValueError, match="only moves forward"):
        Clock().advance(seconds=-1)


@pytest.mark.parametrize(
    "value",
    [
        1714564800,
        1714564800.0,
        "2024-05-01T12:00:00Z",
        "2024-05-01T21:00:00+09:00",
        "2024-05-01 12:00:00",
        datetime(2024, 5, 1, 12),
        datetime(2024, 5, 1, 12, tzinfo=timezone.utc),
    ],
)
def test_parse_instant(value):
    assert parse_instant(value) == 1714564800


@pytest.mark.parametrize("value", [True, "tomorrow", None, [1]])
def test_parse_instant_rejects(value):
    with pytest.raises(ValueError):
        parse_instant(value)


def test_server_reset_puts_the_clock_back_to_real(mailblocks):
    mailblocks.clock.freeze(0)
    mailblocks.reset()
    assert mailblocks.clock.is_real


@pytest.mark.parametrize(
    "move",
    [
        lambda c: c.freeze(1e20),
        lambda c: c.freeze(-1),
        lambda c: c.freeze(float("nan")),
        lambda c: c.freeze(10**400),
        lambda c: c.freeze("9999-12-31T23:59:59Z"),
        lambda c: c.set(float("inf")),
        lambda c: c.set("1969-12-31T23:59:59Z"),
        lambda c: c.advance(days=1e9),
        lambda c: c.advance(weeks=1e300),
        lambda c: c.advance(seconds=float("nan")),
        lambda c: c.advance(days=365 * 7000),
    ],
)
def test_an_instant_outside_the_clocks_range_is_refused_and_changes_nothing(move):
    """Found while fuzzing the control plane: {"freeze": 1e20} used to stop the clock at an instant no
    datetime can show, and every later request failed."""
    clock = Clock()
    clock.freeze("2024-01-01T00:00:00Z")
    with pytest.raises(ValueError, match=r"range|too large"):
        move(clock)
    assert clock.now() == datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_the_clock_runs_from_the_epoch_to_the_year_9000():
    clock = Clock()
    assert clock.freeze(MIN_TIME).year == 1970
    assert clock.freeze(MAX_TIME).year == 9000
    clock.freeze("8999-12-31T00:00:00Z")
    with pytest.raises(ValueError, match="range"):
        clock.advance(days=2)
