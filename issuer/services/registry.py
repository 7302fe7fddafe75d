"""Check-in, screening and dose recording: the injection site's day.

Functions take a session inside the caller's transaction and an `Actor` (who acts, with which
role and scope). They validate everything before writing anything, and raise `ServiceError`
with a stable code for every refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hcert.icao import transliterate
from issuer.models import (
    AdverseEvent,
    Dose,
    Facility,
    Lot,
    Person,
    Role,
    Screening,
    ScreeningOutcome,
    SignState,
    Staff,
    Team,
    TeamMember,
    TeamRole,
    VerificationStatus,
)
from issuer.services import audit, reference_cache
from issuer.services.errors import ServiceError, forbidden, not_found
from issuer.services.reference_cache import FacilityRef

WRITE_ROLES = {Role.SITE_STAFF, Role.FACILITY_ADMIN, Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a staff account with its role and scope."""

    staff_id: int
    username: str
    role: Role
    facility_id: int | None = None
    province_code: str | None = None


def check_facility_scope(
    actor: Actor, facility: Facility | FacilityRef, *, write: bool = True
) -> None:
    """Refuse (403) unless `actor` may act on `facility`.

    Raises:
        ServiceError: FORBIDDEN.
    """
    if write and actor.role not in WRITE_ROLES:
        raise forbidden(f"the role {actor.role} is read-only")
    if actor.role in (Role.SITE_STAFF, Role.FACILITY_ADMIN) and actor.facility_id != facility.id:
        raise forbidden(f"{actor.username} works at another facility than {facility.code}")
    if actor.role is Role.PROVINCIAL_ADMIN and actor.province_code != facility.province_code:
        raise forbidden(f"{facility.code} is outside province {actor.province_code}")


# -- check-in -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonData:
    """What a check-in knows of a person (from the CCCD QR, or typed)."""

    document_kind: str
    document_number: str
    full_name: str
    date_of_birth: str  # YYYY-MM-DD (or YYYY, YYYY-MM as the DCC allows)
    sex: str
    nationality: str = "VN"
    commune_code: str | None = None
    phone: str | None = None


def split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese order: the family name first, then middle and given names."""
    parts = full_name.split()
    return (parts[0], " ".join(parts[1:])) if len(parts) > 1 else (full_name, "")


def check_in(
    session: Session, actor: Actor, data: PersonData, now: datetime
) -> tuple[Person, bool]:
    """Find the person by identity document, or register them; never a duplicate.

    Returns:
        The person and whether the record was created. A returning person whose data differs
        keeps the registered data; the differences are noted as mismatched fields.
    """
    if actor.role not in WRITE_ROLES:
        raise forbidden(f"the role {actor.role} is read-only")
    existing = session.scalar(
        select(Person).where(
            Person.document_kind == data.document_kind,
            Person.document_number == data.document_number,
        )
    )
    if existing is not None:
        differing = [
            name
            for name, new in (
                ("full_name", data.full_name),
                ("date_of_birth", data.date_of_birth),
                ("sex", data.sex),
            )
            if getattr(existing, name) != new
        ]
        if differing and set(differing) != set(existing.mismatched_fields or []):
            existing.mismatched_fields = differing
            existing.updated_at = now
            audit.record(
                session,
                at=now,
                actor=actor.username,
                action="check-in-mismatch",
                entity="person",
                entity_id=existing.id,
                details={"fields": differing},
            )
        return existing, False
    family, given = split_name(data.full_name)
    person = Person(
        document_kind=data.document_kind,
        document_number=data.document_number,
        full_name=data.full_name,
        family_name=family,
        given_name=given,
        family_name_t=transliterate(family),
        given_name_t=transliterate(given),
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        nationality=data.nationality,
        commune_code=data.commune_code,
        phone=data.phone,
        verification=VerificationStatus.UNVERIFIED,
        created_at=now,
        updated_at=now,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="register",
        entity="person",
        entity_id=person.id,
        details={"document_kind": data.document_kind},
    )
    return person, True


def set_verification(
    session: Session,
    actor: Actor,
    person_id: int,
    status: VerificationStatus,
    mismatched: list[str] | None,
    now: datetime,
) -> Person:
    """Record the outcome of verifying a person against the resident registry.

    A newly verified person's waiting doses move to the signing backlog.
    """
    if actor.role not in (Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN, Role.FACILITY_ADMIN):
        raise forbidden("verifying identities is for facility, provincial and national admins")
    person = session.get(Person, person_id)
    if person is None:
        raise not_found("person", person_id)
    person.verification = status
    person.mismatched_fields = mismatched or None
    person.updated_at = now
    if status is VerificationStatus.VERIFIED:
        for dose in _doses_of(session, person.id):
            if dose.sign_state == SignState.WAITING and dose.probable_duplicate_of is None:
                dose.sign_state = SignState.PENDING
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="verify-identity",
        entity="person",
        entity_id=person_id,
        details={"status": status.value, "fields": mismatched},
    )
    return person


# -- screening and doses -----------------------------------------------------------------------


def record_screening(
    session: Session,
    actor: Actor,
    *,
    person_id: int,
    facility_id: int,
    outcome: ScreeningOutcome,
    reasons: list[str],
    now: datetime,
) -> Screening:
    """Record a screening; only ELIGIBLE and PRECAUTION allow a dose the same day."""
    facility = reference_cache.facility(session, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    check_facility_scope(actor, facility)
    if session.get(Person, person_id) is None:
        raise not_found("person", person_id)
    screening = Screening(
        person_id=person_id,
        facility_id=facility_id,
        staff_id=actor.staff_id,
        outcome=outcome,
        reasons=reasons or None,
        at=now,
    )
    session.add(screening)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="screen",
        entity="screening",
        entity_id=screening.id,
        details={"person": person_id, "outcome": outcome.value},
    )
    return screening


SEVERITIES = ("common", "serious")


def report_adverse_event(
    session: Session,
    actor: Actor,
    dose_id: int,
    *,
    severity: str,
    anaphylaxis_grade: int | None,
    outcome: str | None,
    description: str | None,
    now: datetime,
) -> AdverseEvent:
    """Record a reaction after a dose (phản ứng sau tiêm): common or serious, with the
    anaphylaxis grade (1–4) when there was anaphylaxis, and the outcome.
    """  # noqa: D205
    dose = session.get(Dose, dose_id)
    if dose is None:
        raise not_found("dose", dose_id)
    check_facility_scope(actor, dose.facility)
    if severity not in SEVERITIES:
        raise ServiceError(
            "FIELD_INVALID", f"severity: got {severity!r}, expected common or serious", 422
        )
    if anaphylaxis_grade is not None and not 1 <= anaphylaxis_grade <= 4:
        raise ServiceError(
            "FIELD_INVALID", f"anaphylaxis_grade: got {anaphylaxis_grade}, expected 1-4", 422
        )
    event = AdverseEvent(
        dose_id=dose.id,
        severity=severity,
        anaphylaxis_grade=anaphylaxis_grade,
        outcome=outcome,
        description=description,
        reported_at=now,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="adverse-event",
        entity="dose",
        entity_id=dose.id,
        details={"severity": severity, "grade": anaphylaxis_grade},
    )
    return event


def _doses_of(session: Session, person_id: int) -> list[Dose]:
    # queried, not the relationship: a dose added earlier in this session must count
    return list(session.scalars(select(Dose).where(Dose.person_id == person_id).order_by(Dose.id)))


def backlog(session: Session, facility_id: int | None = None) -> dict[str, int]:
    """Unsigned doses by state (waiting, pending), for one facility or all."""
    query = select(Dose.sign_state, func.count()).where(Dose.sign_state != SignState.SIGNED)
    if facility_id is not None:
        query = query.where(Dose.facility_id == facility_id)
    counts: dict[str, int] = dict(session.execute(query.group_by(Dose.sign_state)).all())
    return {
        state.value: counts.get(state.value, 0) for state in (SignState.WAITING, SignState.PENDING)
    }


@dataclass(frozen=True, slots=True)
class LotStock:
    """A lot at one facility: what was received, administered and remains."""

    id: int
    number: str
    product_code: str
    expires_on: date
    received: int
    administered: int

    @property
    def remaining(self) -> int:
        """Received minus administered; negative means the records disagree with the stock."""
        return self.received - self.administered


def lot_stock(session: Session, actor: Actor, facility_id: int) -> list[LotStock]:
    """The facility's lots with their stock, by expiry (use the soonest first).

    Doses flagged as probable duplicates are not counted: they were recorded twice, given once.

    Raises:
        ServiceError: FACILITY_NOT_FOUND, FORBIDDEN.
    """
    facility = reference_cache.facility(session, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    check_facility_scope(actor, facility, write=False)
    administered = (
        select(Dose.lot_id, func.count().label("n"))
        .where(Dose.facility_id == facility_id, Dose.probable_duplicate_of.is_(None))
        .group_by(Dose.lot_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Lot.id,
            Lot.number,
            Lot.product_code,
            Lot.expires_on,
            Lot.quantity_received,
            func.coalesce(administered.c.n, 0),
        )
        .outerjoin(administered, administered.c.lot_id == Lot.id)
        .where(Lot.facility_id == facility_id)
        .order_by(Lot.expires_on, Lot.number)
    )
    return [LotStock(*row) for row in rows]


MANAGING_ROLES = {Role.FACILITY_ADMIN, Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN}


def create_team(
    session: Session,
    actor: Actor,
    facility_id: int,
    name: str,
    members: dict[str, TeamRole],
    now: datetime,
) -> Team:
    """Form an injection team (ê kíp) of the facility's staff, each with a role in it.

    Raises:
        ServiceError: FACILITY_NOT_FOUND, FORBIDDEN, STAFF_NOT_FOUND (a username that is not an
            active account of this facility), TEAM_EXISTS.
    """
    facility = reference_cache.facility(session, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    if actor.role not in MANAGING_ROLES:
        raise forbidden("forming teams is for facility, provincial and national admins")
    check_facility_scope(actor, facility)
    staff = dict(
        session.execute(
            select(Staff.username, Staff.id).where(
                Staff.username.in_(members), Staff.facility_id == facility_id, Staff.active
            )
        ).all()
    )
    if unknown := sorted(set(members) - set(staff)):
        raise ServiceError(
            "STAFF_NOT_FOUND", f"not staff of {facility.code}: {', '.join(unknown)}", 422
        )
    if session.scalar(select(Team.id).where(Team.facility_id == facility_id, Team.name == name)):
        raise ServiceError("TEAM_EXISTS", f"{facility.code} already has a team {name!r}", 409)
    team = Team(
        facility_id=facility_id,
        name=name,
        members=[TeamMember(staff_id=staff[u], role=role) for u, role in members.items()],
    )
    session.add(team)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="form-team",
        entity="team",
        entity_id=team.id,
        details={"facility": facility_id, "members": {u: r.value for u, r in members.items()}},
    )
    return team


def teams_of(
    session: Session, actor: Actor, facility_id: int
) -> list[tuple[Team, list[tuple[str, str]]]]:
    """The facility's teams, each with its members' usernames and roles.

    Raises:
        ServiceError: FACILITY_NOT_FOUND, FORBIDDEN.
    """
    facility = reference_cache.facility(session, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    check_facility_scope(actor, facility, write=False)
    teams = list(
        session.scalars(select(Team).where(Team.facility_id == facility_id).order_by(Team.name))
    )
    members: dict[int, list[tuple[str, str]]] = {t.id: [] for t in teams}
    for team_id, username, role in session.execute(
        select(TeamMember.team_id, Staff.username, TeamMember.role)
        .join(Staff, Staff.id == TeamMember.staff_id)
        .where(TeamMember.team_id.in_(members))
        .order_by(Staff.username)
    ):
        members[team_id].append((username, role))
    return [(t, members[t.id]) for t in teams]
