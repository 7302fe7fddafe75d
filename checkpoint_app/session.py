"""The shift's counters: how many scans, how many valid, how many invalid by category.

In memory only, never written anywhere: nothing about the persons scanned is kept, not even a
count per person. The officer resets them at the start of a shift.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from hcert.errors import Category


@dataclass(frozen=True, slots=True)
class CounterSnapshot:
    """The counters at one moment.

    Attributes:
        since: when the shift's counting started (the last reset).
        scans: certificates checked.
        valid: of which valid.
        invalid: the others by category (RULES_FAILED and TRUST_LIST included).
    """

    since: datetime
    scans: int
    valid: int
    invalid: dict[Category, int]


class ShiftCounters:
    """Counts verdicts for the shift (thread-safe).

    Args:
        since: when counting starts.
    """

    def __init__(self, since: datetime) -> None:
        self._lock = threading.Lock()
        self._since = since
        self._by_category: Counter[Category] = Counter()

    def record(self, category: Category) -> None:
        """Count one verdict."""
        with self._lock:
            self._by_category[category] += 1

    def reset(self, now: datetime) -> None:
        """Start counting again from zero at `now`."""
        with self._lock:
            self._since = now
            self._by_category.clear()

    def snapshot(self) -> CounterSnapshot:
        """The counts now."""
        with self._lock:
            counts = dict(self._by_category)
            since = self._since
        valid = counts.pop(Category.VALID, 0)
        invalid = {c: n for c, n in sorted(counts.items()) if n}
        return CounterSnapshot(since, valid + sum(invalid.values()), valid, invalid)
