"""Facilities (cơ sở tiêm chủng): create, list within scope, edit; their industrial zones.

A facility lies in a commune (a GSO code, `issuer.admin_units`), which fixes its province, and
may also belong to an industrial zone (khu công nghiệp: `issuer.models.IndustrialZone` says why
a zone is a row of its own). The zone is given by name; the name is normalised (Unicode NFC,
spacing) and found within the facility's province, or added there.

A facility's code and province never change: `issuer.services.reference_cache` keeps them per
process and the scope of its accounts follows the province. Its commune may change only within
its province (`COMMUNE_OUTSIDE_PROVINCE`). Who may do what is `issuer.services.scope`'s.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import admin_units
from issuer.admin_units import Province
from issuer.models import Facility, IndustrialZone
from issuer.services import audit, scope
from issuer.services.errors import Conflict, Invalid, IssuerCode, not_found
from issuer.services.registry import facility_ref
from issuer.services.scope import Actor
from issuer.services.unique import insert_if_absent

LIST_LIMIT = 500
ZONE_NAME_MAX = 120


@dataclass(frozen=True, slots=True)
class FacilityView:
    """A facility as the API shows it."""

    id: int
    code: str
    name: str
    province_code: str
    commune_code: str | None
    industrial_zone: str | None
    mobile: bool


@dataclass(frozen=True, slots=True)
class FacilityEdit:
    """What an edit asks to change (None: leave as it is).

    `clear_industrial_zone` takes the facility out of its zone (and `industrial_zone` is then
    None).
    """

    name: str | None = None
    commune_code: str | None = None
    industrial_zone: str | None = None
    clear_industrial_zone: bool = False
    mobile: bool | None = None

    @property
    def fields(self) -> frozenset[str]:
        """The names of the fields the edit names (what the scope decides on)."""
        named = {
            "name": self.name is not None,
            "commune_code": self.commune_code is not None,
            "industrial_zone": self.industrial_zone is not None or self.clear_industrial_zone,
            "mobile": self.mobile is not None,
        }
        return frozenset(name for name, given in named.items() if given)


def normalise_zone_name(name: str) -> str:
    """A zone's name as stored: Unicode NFC, single spaces, no spaces at the ends."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def _commune_province(commune_code: str) -> Province:
    province = admin_units.province_of_commune(commune_code)
    if province is None:
        raise Invalid(
            IssuerCode.COMMUNE_NOT_FOUND, f"commune_code: {commune_code!r} is not a GSO commune"
        )
    return province


def _zone_id(session: Session, province_code: str, name: str) -> int:
    """The id of the province's zone of this name, added if it is new."""
    name = normalise_zone_name(name)
    if not name or len(name) > ZONE_NAME_MAX:
        raise Invalid(
            IssuerCode.FIELD_INVALID,
            f"industrial_zone: expected a name of 1 to {ZONE_NAME_MAX} characters",
        )
    values = {"province_code": province_code, "name": name}
    new_id = insert_if_absent(session, IndustrialZone, values, ("province_code", "name"))
    if new_id is not None:
        return new_id
    found = session.scalar(
        select(IndustrialZone.id).where(
            IndustrialZone.province_code == province_code, IndustrialZone.name == name
        )
    )
    assert found is not None, values  # the insert found it taken
    return found


def _views(session: Session, *where: object, after: int | None, limit: int) -> list[FacilityView]:
    query = (
        select(
            Facility.id,
            Facility.code,
            Facility.name,
            Facility.province_code,
            Facility.commune_code,
            IndustrialZone.name,
            Facility.mobile,
        )
        .outerjoin(IndustrialZone, IndustrialZone.id == Facility.industrial_zone_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Facility.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Facility.id > after)
    return [FacilityView(*row) for row in session.execute(query)]


def _view(session: Session, facility_id: int) -> FacilityView:
    return _views(session, Facility.id == facility_id, after=None, limit=1)[0]


def create_facility(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    commune_code: str,
    industrial_zone: str | None = None,
    mobile: bool = False,
    now: datetime,
) -> FacilityView:
    """Create a facility in a commune (whose province it takes), optionally in a zone.

    Raises:
        Invalid: COMMUNE_NOT_FOUND, FIELD_INVALID (a zone name that is blank once normalised).
        Forbidden: FORBIDDEN (national admins anywhere, provincial admins in their province).
        Conflict: FACILITY_CODE_TAKEN.
    """
    province = _commune_province(commune_code)
    scope.require_manage_province(actor, province.code, "creating a facility")
    zone = _zone_id(session, province.code, industrial_zone) if industrial_zone else None
    values = {
        "code": code,
        "name": name.strip(),
        "province_code": province.code,
        "commune_code": commune_code,
        "mobile": mobile,
        "industrial_zone_id": zone,
    }
    new_id = insert_if_absent(session, Facility, values, ("code",))
    if new_id is None:
        raise Conflict(IssuerCode.FACILITY_CODE_TAKEN, f"a facility has the code {code!r} already")
    created = _view(session, new_id)
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="create-facility",
        entity="facility",
        entity_id=new_id,
        details={
            "code": code,
            "province": province.code,
            "commune": commune_code,
            "industrial_zone": created.industrial_zone,
            "mobile": mobile,
        },
    )
    return created


def list_facilities(
    session: Session,
    actor: Actor,
    *,
    province_code: str | None = None,
    after: int | None = None,
    limit: int = LIST_LIMIT,
) -> list[FacilityView]:
    """The facilities `actor` sees, by id: at most `limit`, those after the id `after`.

    Never refuses: a role that sees no facility gets an empty list.
    """
    where = [scope.visible_facilities(actor)]
    if province_code is not None:
        where.append(Facility.province_code == province_code)
    return _views(session, *where, after=after, limit=min(limit, LIST_LIMIT))


def update_facility(
    session: Session, actor: Actor, facility_id: int, edit: FacilityEdit, now: datetime
) -> FacilityView:
    """Change a facility's name, commune (within its province), zone or mobility.

    An edit that changes nothing writes nothing (and no audit entry).

    Raises:
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN (a facility admin: the name of their own facility only).
        Invalid: COMMUNE_NOT_FOUND, COMMUNE_OUTSIDE_PROVINCE, FIELD_INVALID.
    """
    ref = facility_ref(session, facility_id)
    scope.require_edit_facility(actor, ref, edit.fields)
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    changes: dict[str, object] = {}
    if edit.name is not None and edit.name.strip() != facility.name:
        facility.name = changes["name"] = edit.name.strip()
    if edit.commune_code is not None and edit.commune_code != facility.commune_code:
        if _commune_province(edit.commune_code).code != facility.province_code:
            raise Invalid(
                IssuerCode.COMMUNE_OUTSIDE_PROVINCE,
                f"commune_code: {edit.commune_code} lies outside province "
                f"{facility.province_code}; a facility never changes province",
            )
        facility.commune_code = changes["commune"] = edit.commune_code
    if edit.clear_industrial_zone and facility.industrial_zone_id is not None:
        facility.industrial_zone_id = None
        changes["industrial_zone"] = None
    elif edit.industrial_zone is not None:
        zone = _zone_id(session, facility.province_code, edit.industrial_zone)
        if zone != facility.industrial_zone_id:
            facility.industrial_zone_id = zone
            changes["industrial_zone"] = normalise_zone_name(edit.industrial_zone)
    if edit.mobile is not None and edit.mobile != facility.mobile:
        facility.mobile = changes["mobile"] = edit.mobile
    if changes:
        session.flush()
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="edit-facility",
            entity="facility",
            entity_id=facility_id,
            details=changes,
        )
    return _view(session, facility_id)
