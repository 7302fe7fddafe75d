"""The shift's counters and the repeat window: counted once, reset by the officer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint_app.checkpoint import Checkpoint, CheckpointConfig, Outcome, open_checkpoint
from checkpoint_app.session import ShiftCounters
from hcert.errors import Category
from tests.checkpoint_factories import SteppedClock, World, tampered, vaccination

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_counters_count_valid_and_invalid_by_category_and_reset() -> None:
    counters = ShiftCounters(T0)
    for category in (Category.VALID, Category.VALID, Category.EXPIRED, Category.RULES_FAILED,
                     Category.EXPIRED):  # fmt: skip
        counters.record(category)
    snap = counters.snapshot()
    assert (snap.since, snap.scans, snap.valid) == (T0, 5, 2)
    assert snap.invalid == {Category.EXPIRED: 2, Category.RULES_FAILED: 1}
    counters.reset(T0 + timedelta(hours=8))
    snap = counters.snapshot()
    assert (snap.since, snap.scans, snap.valid, snap.invalid) == (T0 + timedelta(hours=8), 0, 0, {})


@pytest.fixture
def checkpoint(tmp_path: Path) -> tuple[Checkpoint, World, SteppedClock]:
    world = World(T0 - timedelta(days=30))
    clock = SteppedClock(T0)
    config = CheckpointConfig(tmp_path / "state", (world.write_anchor(tmp_path),), clock=clock)
    checkpoint = open_checkpoint(config)
    checkpoint.trust.load_bytes(world.publish(T0), "test")
    return checkpoint, world, clock


def test_the_same_code_within_the_window_is_shown_but_counted_once(
    checkpoint: tuple[Checkpoint, World, SteppedClock],
) -> None:
    cp, world, clock = checkpoint
    a, b = world.sign(issued_at=T0), world.sign(vaccination(dn=1), issued_at=T0)
    scans = [cp.scan_text(a), cp.scan_text(a)]
    clock.instant += timedelta(seconds=4)
    scans.append(cp.scan_text(" " + a + "\n"))  # still in view: the window slides
    clock.instant += timedelta(seconds=4)
    scans.append(cp.scan_text(a))
    scans.append(cp.scan_text(b))  # another code
    clock.instant += timedelta(seconds=6)
    scans.append(cp.scan_text(a))  # out of view for longer than the window: a new scan
    assert [s.repeat for s in scans] == [False, True, True, True, False, False]
    assert all(s.outcome is Outcome.VALID for s in scans)
    assert cp.counters.snapshot().scans == 3


def test_a_changed_verdict_is_a_new_scan(
    checkpoint: tuple[Checkpoint, World, SteppedClock],
) -> None:
    cp, world, _ = checkpoint
    text = world.sign(issued_at=T0)
    assert cp.scan_text(text).outcome is Outcome.VALID
    cp.update_settings({"mode": "booster"})
    second = cp.scan_text(text)
    assert (second.outcome, second.repeat) == (Outcome.RULES, False)
    snap = cp.counters.snapshot()
    assert (snap.scans, snap.valid, snap.invalid) == (2, 1, {Category.RULES_FAILED: 1})


def test_outcomes_are_green_amber_red(checkpoint: tuple[Checkpoint, World, SteppedClock]) -> None:
    cp, world, _ = checkpoint
    cp.update_settings({"mode": "vaccinated"})
    valid = cp.scan_text(world.sign(issued_at=T0))
    amber = cp.scan_text(world.sign(vaccination(dn=1), issued_at=T0))
    red = cp.scan_text(tampered(world.sign(issued_at=T0), b"1985-03-09", b"1985-03-08"))
    assert (valid.outcome, valid.rule) == (Outcome.VALID, None)
    assert amber.outcome is Outcome.RULES
    assert amber.rule is not None and amber.rule.rule == "PRIMARY_SERIES"
    assert amber.verdict.category is Category.RULES_FAILED
    assert (red.outcome, red.verdict.category, red.rule) == (
        Outcome.INVALID,
        Category.BAD_SIGNATURE,
        None,
    )
