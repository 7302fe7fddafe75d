"""The site's day around the dose: screening, adverse events and teams (stock: `lots`).

Functions take a session inside the caller's transaction and an `Actor`; the scope is
`issuer.services.scope`'s. They validate everything before writing anything, and raise a typed
`Refusal` with a stable code for every refusal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.domain import ScreeningOutcome, TeamRole
from issuer.models import AdverseEvent, Dose, Person, Screening, Staff, Team, TeamMember
from issuer.services import audit, reference_cache, scope
from issuer.services.errors import Conflict, Invalid, IssuerCode, not_found
from issuer.services.reference_cache import FacilityRef
from issuer.services.scope import Actor


def facility_ref(session: Session, facility_id: int) -> FacilityRef:
    """The facility with this id, as scope checks need it.

    Raises:
        NotFound: FACILITY_NOT_FOUND.
    """
    facility = reference_cache.facility(session, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    return facility


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
    facility = facility_ref(session, facility_id)
    scope.require_facility(actor, facility, write=True)
    if session.get(Person, person_id) is None:
        raise not_found("person", person_id)
    scope.require_present_at(session, actor, person_id, facility_id)
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
    scope.require_facility(actor, facility_ref(session, dose.facility_id), write=True)
    if severity not in SEVERITIES:
        raise Invalid(
            IssuerCode.FIELD_INVALID, f"severity: got {severity!r}, expected common or serious"
        )
    if anaphylaxis_grade is not None and not 1 <= anaphylaxis_grade <= 4:
        raise Invalid(
            IssuerCode.FIELD_INVALID, f"anaphylaxis_grade: got {anaphylaxis_grade}, expected 1-4"
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
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN.
        Invalid: STAFF_NOT_FOUND (a username that is not an active account of this facility).
        Conflict: TEAM_EXISTS.
    """
    facility = facility_ref(session, facility_id)
    scope.require_role(actor, scope.ADMIN_ROLES, "forming teams")
    scope.require_facility(actor, facility, write=True)
    staff = dict(
        session.execute(
            select(Staff.username, Staff.id).where(
                Staff.username.in_(members), Staff.facility_id == facility_id, Staff.active
            )
        ).all()
    )
    if unknown := sorted(set(members) - set(staff)):
        raise Invalid(
            IssuerCode.STAFF_NOT_FOUND, f"not staff of {facility.code}: {', '.join(unknown)}"
        )
    if session.scalar(select(Team.id).where(Team.facility_id == facility_id, Team.name == name)):
        raise Conflict(IssuerCode.TEAM_EXISTS, f"{facility.code} already has a team {name!r}")
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
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN.
    """
    scope.require_facility(actor, facility_ref(session, facility_id))
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
