"""Who may see and change what: the one scope policy every service call goes through.

The rule (ARCHITECTURE §6), decided once here and nowhere else:

- ``site_staff``: their own facility, to read and record; a person checked in there with a
  matching identity, or given a dose there, to read; nobody's identity to change.
- ``facility_admin``: as site staff, and may manage the facility and change the identity of
  the persons it sees who belong to the facility's province.
- ``provincial_admin``: the province's facilities; the persons of the province and those seen
  at its sites, to read; the identity of the persons of the province, to change.
- ``national_admin``: everything.
- ``auditor``: everything, read only.

"Seen at a site" is a matching check-in or a dose there. A check-in whose identity did not
match (a number typed with another name or birth date) lets the site screen and vaccinate the
person (the citizen stands there with a card), but answers only a summary: that the person
exists and their doses, no name, birth date, phone or address. Doses are what the site wrote
itself, so a dose given there opens the record (its certificate names the person anyway).

Every refusal is a `Forbidden`; callers audit it (`issuer.services.audit.record_denial`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from issuer.domain import Role
from issuer.models import CheckIn, Dose, Facility, Person
from issuer.services.errors import Forbidden, IssuerCode, forbidden
from issuer.services.reference_cache import FacilityRef

WRITE_ROLES = frozenset(
    {Role.SITE_STAFF, Role.FACILITY_ADMIN, Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN}
)
ADMIN_ROLES = frozenset({Role.FACILITY_ADMIN, Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN})
EVERYWHERE = frozenset({Role.NATIONAL_ADMIN, Role.AUDITOR})
SITE_ROLES = frozenset({Role.SITE_STAFF, Role.FACILITY_ADMIN})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a staff account with its role and scope."""

    staff_id: int
    username: str
    role: Role
    facility_id: int | None = None
    province_code: str | None = None


def require_role(actor: Actor, roles: frozenset[Role], what: str) -> None:
    """Refuse unless the actor's role is one of `roles`.

    Raises:
        Forbidden: FORBIDDEN, naming `what` was asked.
    """
    if actor.role not in roles:
        raise forbidden(f"{what} is not for the role {actor.role}")


def require_facility(actor: Actor, facility: FacilityRef, *, write: bool = False) -> None:
    """Refuse unless `actor` may read (or, with `write`, act for) `facility`.

    Raises:
        Forbidden: FORBIDDEN.
    """
    if write and actor.role not in WRITE_ROLES:
        raise forbidden(f"the role {actor.role} is read-only")
    if actor.role in SITE_ROLES and actor.facility_id != facility.id:
        raise forbidden(f"{actor.username} works at another facility than {facility.code}")
    if actor.role is Role.PROVINCIAL_ADMIN and actor.province_code != facility.province_code:
        raise forbidden(f"{facility.code} is outside province {actor.province_code}")


def _seen_at(person_id: int, facility_ids: object) -> list[object]:
    """Conditions: a matching check-in or a dose of the person at one of `facility_ids`."""
    return [
        exists().where(
            CheckIn.person_id == person_id,
            CheckIn.facility_id.in_(facility_ids),  # type: ignore[arg-type]
            CheckIn.identity_matched,
        ),
        exists().where(Dose.person_id == person_id, Dose.facility_id.in_(facility_ids)),  # type: ignore[arg-type]
    ]


def can_read_person(session: Session, actor: Actor, person: Person) -> bool:
    """Whether the policy opens the person's full record to `actor`."""
    if actor.role in EVERYWHERE:
        return True
    if actor.role is Role.PROVINCIAL_ADMIN:
        if person.province_code is not None and person.province_code == actor.province_code:
            return True
        sites: object = select(Facility.id).where(Facility.province_code == actor.province_code)
    elif actor.role in SITE_ROLES and actor.facility_id is not None:
        sites = [actor.facility_id]
    else:
        return False
    seen = _seen_at(person.id, sites)
    return bool(session.scalar(select(seen[0] | seen[1])))  # type: ignore[operator]


def require_read_person(session: Session, actor: Actor, person: Person) -> None:
    """Refuse unless the person's full record is open to `actor`.

    Raises:
        Forbidden: FORBIDDEN.
    """
    if not can_read_person(session, actor, person):
        raise forbidden(f"person {person.id} is outside the scope of {actor.username}")


def require_present_at(session: Session, actor: Actor, person_id: int, facility_id: int) -> None:
    """Refuse to screen or vaccinate a person the site has never checked in or vaccinated.

    A check-in whose identity did not match counts here: the citizen stands at the site.

    Raises:
        Forbidden: NOT_CHECKED_IN (check the person in first).
    """
    if actor.role in (Role.NATIONAL_ADMIN, Role.PROVINCIAL_ADMIN):
        return  # they reach every person of their scope's sites through `require_facility`
    present = session.scalar(
        select(
            exists().where(CheckIn.person_id == person_id, CheckIn.facility_id == facility_id)
            | exists().where(Dose.person_id == person_id, Dose.facility_id == facility_id)
        )
    )
    if not present:
        raise Forbidden(
            IssuerCode.NOT_CHECKED_IN,
            f"person {person_id} has not been checked in at facility {facility_id}",
        )


def require_change_identity(session: Session, actor: Actor, person: Person) -> None:
    """Refuse unless `actor` may change who the person is (verification, identity corrections).

    Raises:
        Forbidden: FORBIDDEN.
    """
    require_role(actor, ADMIN_ROLES, "changing a person's identity data")
    if actor.role is Role.NATIONAL_ADMIN:
        return
    if actor.role is Role.PROVINCIAL_ADMIN:
        if person.province_code is None or person.province_code != actor.province_code:
            raise forbidden(f"person {person.id} belongs to another province")
        return
    # a facility admin: persons of the site's province that the site has seen
    site_province = session.scalar(
        select(Facility.province_code).where(Facility.id == actor.facility_id)
    )
    if person.province_code != site_province or not can_read_person(session, actor, person):
        raise forbidden(f"person {person.id} is outside the scope of {actor.username}")
