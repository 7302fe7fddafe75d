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

Administration (facilities, staff accounts, stock), decided here too:

- Facilities: national admins create and edit them anywhere, provincial admins in their
  province. A facility admin may rename their own facility and change nothing else of it: the
  name is how the site appears on lists and forms and a site knows best how it is called, but
  its commune and industrial zone place it in the province's reports, which are the province's
  to keep. A facility's code and province never change (a site that moves is a new facility).
  Everybody sees the facilities of their scope (site roles: their own).
- Staff accounts: a facility admin manages the ``site_staff`` of their facility; a provincial
  admin the ``site_staff`` and ``facility_admin`` accounts of their province's facilities, and
  no provincial or national account; a national admin every account. The same rule bounds what
  may be given: nobody creates or changes an account into a role, facility or province they
  could not manage themselves (`ROLE_NOT_ALLOWED` for the role), so nobody raises an account
  above their own role or outside their scope. Nobody disables or edits their own account
  (role, placement or name) through these routes. Admins and auditors list the accounts of
  their scope.
- Stock: the admins of a facility receive lots into it. Transfers between facilities are for
  provincial admins (both ends in their province) and national admins: moving stock between
  sites is the province's allocation (the provincial CDC's), and a site admin acting for a
  site that is not theirs would be outside their scope at one end anyway.
- Adverse events are listed to whoever reads the facility; the list names doses, not persons.

Every refusal is a `Forbidden`; callers audit it (`issuer.services.audit.record_denial`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from issuer.domain import Role
from issuer.models import CheckIn, Dose, Facility, Person, Staff
from issuer.services.errors import Forbidden, IssuerCode, forbidden
from issuer.services.reference_cache import FacilityRef

WRITE_ROLES = frozenset(
    {Role.SITE_STAFF, Role.FACILITY_ADMIN, Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN}
)
ADMIN_ROLES = frozenset({Role.FACILITY_ADMIN, Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN})
EVERYWHERE = frozenset({Role.NATIONAL_ADMIN, Role.AUDITOR})
SITE_ROLES = frozenset({Role.SITE_STAFF, Role.FACILITY_ADMIN})
STOCK_MOVERS = frozenset({Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN})
STAFF_READERS = ADMIN_ROLES | {Role.AUDITOR}
# the roles of the accounts each admin role manages (and so may give)
MANAGED_ROLES: dict[Role, frozenset[Role]] = {
    Role.FACILITY_ADMIN: frozenset({Role.SITE_STAFF}),
    Role.PROVINCIAL_ADMIN: frozenset({Role.SITE_STAFF, Role.FACILITY_ADMIN}),
    Role.NATIONAL_ADMIN: frozenset(Role),
}


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


# -- administration ------------------------------------------------------------------------------


def require_manage_province(actor: Actor, province_code: str, what: str) -> None:
    """Refuse unless `actor` administers `province_code` (national admins: every province).

    Raises:
        Forbidden: FORBIDDEN.
    """
    require_role(actor, frozenset({Role.PROVINCIAL_ADMIN, Role.NATIONAL_ADMIN}), what)
    if actor.role is Role.PROVINCIAL_ADMIN and actor.province_code != province_code:
        raise forbidden(f"{what} in province {province_code} is outside {actor.province_code}")


FACILITY_ADMIN_EDITS = frozenset({"name"})


def require_edit_facility(actor: Actor, facility: FacilityRef, fields: frozenset[str]) -> None:
    """Refuse unless `actor` may change these `fields` of `facility`.

    Raises:
        Forbidden: FORBIDDEN.
    """
    if actor.role is Role.FACILITY_ADMIN and fields <= FACILITY_ADMIN_EDITS:
        require_facility(actor, facility, write=True)
        return
    if actor.role is Role.FACILITY_ADMIN:
        extra = ", ".join(sorted(fields - FACILITY_ADMIN_EDITS))
        raise forbidden(f"a facility admin may change the facility's name only, not {extra}")
    require_manage_province(actor, facility.province_code, f"editing {facility.code}")


def visible_facilities(actor: Actor) -> ColumnElement[bool]:
    """The condition on `Facility` rows that `actor` may list."""
    if actor.role in EVERYWHERE:
        return true()
    if actor.role is Role.PROVINCIAL_ADMIN:
        return Facility.province_code == actor.province_code
    if actor.role in SITE_ROLES and actor.facility_id is not None:
        return Facility.id == actor.facility_id
    return false()


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an account works: its role with its facility (site roles) or province.

    ``site_staff`` and ``facility_admin`` have a facility (and its province), a provincial admin
    a province, national admins and auditors neither.
    """

    role: Role
    facility: FacilityRef | None = None
    province_code: str | None = None


def _within(actor: Actor, placement: Placement) -> bool:
    if actor.role is Role.NATIONAL_ADMIN:
        return True
    facility = placement.facility
    if actor.role is Role.FACILITY_ADMIN:
        return facility is not None and facility.id == actor.facility_id
    if actor.role is Role.PROVINCIAL_ADMIN:
        return facility is not None and facility.province_code == actor.province_code
    return False


def _where(placement: Placement) -> str:
    if placement.facility is not None:
        return f"{placement.role} at {placement.facility.code}"
    if placement.province_code is not None:
        return f"{placement.role} of province {placement.province_code}"
    return f"{placement.role} (national)"


def require_manage_account(actor: Actor, placement: Placement) -> None:
    """Refuse unless `actor` manages an account placed so (to disable it, reset its password).

    Raises:
        Forbidden: FORBIDDEN.
    """
    require_role(actor, frozenset(MANAGED_ROLES), "managing staff accounts")
    if placement.role not in MANAGED_ROLES[actor.role] or not _within(actor, placement):
        raise forbidden(
            f"the account ({_where(placement)}) is outside the scope of {actor.username}"
        )


def require_grant(actor: Actor, placement: Placement) -> None:
    """Refuse unless `actor` may create an account placed so, or change one into it.

    Raises:
        Forbidden: FORBIDDEN (not an admin; a facility or province outside the actor's scope),
            ROLE_NOT_ALLOWED (a role the actor may not give).
    """
    require_role(actor, frozenset(MANAGED_ROLES), "managing staff accounts")
    if placement.role not in MANAGED_ROLES[actor.role]:
        raise Forbidden(
            IssuerCode.ROLE_NOT_ALLOWED,
            f"a {actor.role} may give the roles {', '.join(sorted(MANAGED_ROLES[actor.role]))}, "
            f"not {placement.role}",
        )
    if not _within(actor, placement):
        raise forbidden(f"{_where(placement)} is outside the scope of {actor.username}")


def require_not_self(actor: Actor, staff_id: int, what: str) -> None:
    """Refuse `what` on the actor's own account.

    Raises:
        Forbidden: SELF_MANAGEMENT_NOT_ALLOWED.
    """
    if actor.staff_id == staff_id:
        raise Forbidden(IssuerCode.SELF_MANAGEMENT_NOT_ALLOWED, f"nobody {what} their own account")


def visible_staff(actor: Actor) -> ColumnElement[bool]:
    """The condition on `Staff` rows that `actor` may list (after `STAFF_READERS`)."""
    if actor.role in EVERYWHERE:
        return true()
    if actor.role is Role.PROVINCIAL_ADMIN:
        sites = select(Facility.id).where(Facility.province_code == actor.province_code)
        return or_(Staff.province_code == actor.province_code, Staff.facility_id.in_(sites))
    if actor.role is Role.FACILITY_ADMIN and actor.facility_id is not None:
        return Staff.facility_id == actor.facility_id
    return false()


def require_move_stock(actor: Actor, facility: FacilityRef) -> None:
    """Refuse unless `actor` may move stock out of or into `facility`.

    Raises:
        Forbidden: FORBIDDEN.
    """
    require_role(actor, STOCK_MOVERS, "transferring stock between facilities")
    require_facility(actor, facility, write=True)
