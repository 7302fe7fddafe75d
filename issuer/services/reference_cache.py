"""The reference rows every dose needs (facility, lot, product, team), cached in each process.

Recording a dose reads its facility, its lot and the lot's product. The fields read here never
change once the row exists (a lot's number, product and expiry are what was printed on the
box), so each process keeps them for `TTL` seconds instead of asking the database on every
request. Only rows found are cached; a missing row is asked for again. Entries are kept per
database engine (tests run many databases in one process). The values (`FacilityRef`,
`LotRef`) are the dose rules' plain inputs, defined with them in `issuer.services.dose_rules`.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from issuer.models import Facility, Lot, Team, VaccineProduct
from issuer.services.dose_rules import FacilityRef, LotRef

__all__ = [
    "TTL",
    "Bind",
    "FacilityRef",
    "LotRef",
    "facility",
    "lot",
    "primary_doses",
    "team_facility",
]

TTL = 60.0
T = TypeVar("T")
Bind = Session | Connection  # where a missing entry is read from


_entries: weakref.WeakKeyDictionary[Engine, dict[tuple[Any, ...], tuple[Any, float]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def _cached(bind: Bind, key: tuple[Any, ...], load: Callable[[], T | None]) -> T | None:
    engine = bind.get_bind().engine if isinstance(bind, Session) else bind.engine
    now = time.monotonic()
    with _lock:
        entries = _entries.setdefault(engine, {})
        hit = entries.get(key)
    if hit is not None and hit[1] > now:
        value: T = hit[0]
        return value
    found = load()
    if found is not None:
        with _lock:
            entries[key] = (found, now + TTL)
    return found


def facility(bind: Bind, facility_id: int) -> FacilityRef | None:
    """The facility with this id, or None."""

    def load() -> FacilityRef | None:
        row = bind.execute(
            select(Facility.id, Facility.code, Facility.province_code).where(
                Facility.id == facility_id
            )
        ).first()
        return FacilityRef(*row) if row else None

    return _cached(bind, ("facility", facility_id), load)


def lot(bind: Bind, facility_id: int, number: str) -> LotRef | None:
    """The lot `number` as received by the facility, or None."""

    def load() -> LotRef | None:
        row = bind.execute(
            select(Lot.id, Lot.number, Lot.product_code, Lot.expires_on).where(
                Lot.facility_id == facility_id, Lot.number == number
            )
        ).first()
        return LotRef(*row) if row else None

    return _cached(bind, ("lot", facility_id, number), load)


def primary_doses(bind: Bind, product_code: str) -> int | None:
    """The number of doses in the product's primary series, or None for an unknown product."""

    def load() -> int | None:
        return bind.scalar(
            select(VaccineProduct.primary_doses).where(VaccineProduct.code == product_code)
        )

    return _cached(bind, ("product", product_code), load)


def team_facility(bind: Bind, team_id: int) -> int | None:
    """The facility a team belongs to, or None for an unknown team."""

    def load() -> int | None:
        return bind.scalar(select(Team.facility_id).where(Team.id == team_id))

    return _cached(bind, ("team", team_id), load)
