"""The unsigned backlog, by why each dose waits, with the age of the oldest, per site or province.

A dose waits for one of these reasons, so that a site knows what to do about it:

- ``identity_unverified``: its person is not verified against the resident list (the province
  verifies; the dose is signed at once when it does);
- ``probable_duplicate``: another site recorded a dose for the person the same day (resolve it);
- ``refused``: the data cannot make a valid certificate, with the refusal code (correct it);
- ``no_active_dsc``: signable, but no DSC may sign now (the administrators activate one);
- ``queued``: signable with the active DSC; the signing loop takes it within a minute.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.domain import Role, SignState, VerificationStatus
from issuer.models import Dose, Facility, Person
from issuer.services import scope
from issuer.services.errors import forbidden
from issuer.services.registry import facility_ref
from issuer.services.scope import Actor
from issuer.services.signing import DEFAULT_VALIDITY, SignerSource


@dataclass(frozen=True, slots=True)
class Backlog:
    """The unsigned doses of one site or province."""

    waiting: int
    pending: int
    reasons: dict[str, int]
    refusals: dict[str, int] = field(default_factory=dict)  # refusal code -> doses
    oldest_unsigned_at: datetime | None = None
    oldest_age_seconds: int | None = None


def _backlog(
    session: Session, where: list[object], source: SignerSource | None, now: datetime
) -> Backlog:
    rows = session.execute(
        select(
            Dose.sign_state,
            Person.verification,
            Dose.probable_duplicate_of.is_not(None),
            Dose.sign_refusal,
            func.count(),
            func.min(Dose.created_at),
        )
        .join(Person, Person.id == Dose.person_id)
        .where(Dose.sign_state != SignState.SIGNED, *where)  # type: ignore[arg-type]
        .group_by(
            Dose.sign_state,
            Person.verification,
            Dose.probable_duplicate_of.is_not(None),
            Dose.sign_refusal,
        )
    ).all()
    can_sign = source is not None and source.signer(now + DEFAULT_VALIDITY) is not None
    reasons: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    states: Counter[str] = Counter()
    oldest: datetime | None = None
    for state, verification, duplicate, refusal, count, first_at in rows:
        states[state] += count
        first = first_at if first_at.tzinfo else first_at.replace(tzinfo=UTC)
        oldest = first if oldest is None else min(oldest, first)
        if state == SignState.PENDING:
            reasons["queued" if can_sign else "no_active_dsc"] += count
        elif duplicate:
            reasons["probable_duplicate"] += count
        elif verification != VerificationStatus.VERIFIED:
            reasons["identity_unverified"] += count
        elif refusal:
            reasons["refused"] += count
            refusals[refusal.split(":")[0]] += count
        else:
            reasons["no_active_dsc"] += count  # waited for a DSC before the verification
    return Backlog(
        waiting=states[SignState.WAITING],
        pending=states[SignState.PENDING],
        reasons=dict(reasons),
        refusals=dict(refusals),
        oldest_unsigned_at=oldest,
        oldest_age_seconds=int((now - oldest).total_seconds()) if oldest else None,
    )


def facility_backlog(
    session: Session, actor: Actor, facility_id: int, source: SignerSource | None, now: datetime
) -> Backlog:
    """One site's backlog.

    Raises:
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN.
    """
    scope.require_facility(actor, facility_ref(session, facility_id))
    return _backlog(session, [Dose.facility_id == facility_id], source, now)


def province_backlog(
    session: Session, actor: Actor, province_code: str, source: SignerSource | None, now: datetime
) -> Backlog:
    """A province's backlog, all its sites together.

    Raises:
        Forbidden: FORBIDDEN unless a national admin, an auditor or the province's admin.
    """
    own = actor.role is Role.PROVINCIAL_ADMIN and actor.province_code == province_code
    if actor.role not in scope.EVERYWHERE and not own:
        raise forbidden(f"province {province_code} is outside the scope of {actor.username}")
    sites = select(Facility.id).where(Facility.province_code == province_code)
    return _backlog(session, [Dose.facility_id.in_(sites)], source, now)
