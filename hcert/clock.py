"""The one way pure code learns the time: an injected `Clock`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The real wall clock. Only shells (CLI, services) construct it."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at one instant: for tests and `vaxpass verify --at`."""

    instant: datetime

    def now(self) -> datetime:
        """Return the fixed instant."""
        return self.instant
