"""``/facilities`` and ``/provinces/{code}``: sites created, listed, edited; backlog, teams.

A site's stock is `issuer.web.api.lots`', its adverse events `issuer.web.api.adverse_events`'.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from issuer.domain import TeamRole
from issuer.services import backlog, facilities, registry
from issuer.services.backlog import Backlog
from issuer.services.errors import Invalid, IssuerCode
from issuer.services.facilities import FacilityEdit
from issuer.web.api._http import actor, body, field, int_arg, iso, now
from issuer.web.api.auth import authenticated
from issuer.web.api.shapes import facility_json
from issuer.web.context import services

blueprint = Blueprint("facilities", __name__)
FACILITY_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,19}")
COMMUNE_CODE = re.compile(r"[0-9]{5}")
PROVINCE_CODE = re.compile(r"[0-9]{2}")


def _matching(data: dict[str, Any], name: str, pattern: re.Pattern[str], what: str) -> Any:
    value = field(data, name, str, required=False, max_len=20)
    if value is not None and not pattern.fullmatch(value):
        raise Invalid(IssuerCode.FIELD_INVALID, f"{name}: expected {what}")
    return value


@blueprint.get("/facilities")
@authenticated
def list_facilities() -> Response:
    """The facilities in the caller's scope, by id: ``?province_code=``, ``after``, ``limit``."""
    province = request.args.get("province_code")
    if province is not None:
        _matching({"province_code": province}, "province_code", PROVINCE_CODE, "two digits")
    after, limit = int_arg("after"), int_arg("limit", maximum=facilities.LIST_LIMIT)
    with services().transaction() as session:
        found = facilities.list_facilities(
            session,
            actor(),
            province_code=province,
            after=after,
            limit=limit or facilities.LIST_LIMIT,
        )
    return jsonify([facility_json(f) for f in found])


@blueprint.post("/facilities")
@authenticated
def create_facility() -> tuple[Response, int]:
    """Create a facility in a commune (its province follows), perhaps in an industrial zone."""
    data = body()
    code = _matching(data, "code", FACILITY_CODE, "1-20 of A-Z, 0-9, '.', '_', '-'")
    commune = _matching(data, "commune_code", COMMUNE_CODE, "a GSO commune code (5 digits)")
    if code is None or commune is None:
        raise Invalid(IssuerCode.FIELD_MISSING, "code and commune_code: required")
    name = field(data, "name", str, max_len=200)
    with services().transaction() as session:
        created = facilities.create_facility(
            session,
            actor(),
            code=code,
            name=name,
            commune_code=commune,
            industrial_zone=field(data, "industrial_zone", str, required=False, max_len=120),
            mobile=bool(field(data, "mobile", bool, required=False)),
            now=now(),
        )
    return jsonify(facility_json(created)), 201


@blueprint.patch("/facilities/<int:facility_id>")
@authenticated
def edit_facility(facility_id: int) -> Response:
    """Change a facility's name, commune, industrial zone (null: none) or mobility."""
    data = body()
    zone = data.get("industrial_zone")
    edit = FacilityEdit(
        name=field(data, "name", str, required=False, max_len=200),
        commune_code=_matching(data, "commune_code", COMMUNE_CODE, "a GSO commune code"),
        industrial_zone=field(data, "industrial_zone", str, required=False, max_len=120),
        clear_industrial_zone="industrial_zone" in data and zone is None,
        mobile=field(data, "mobile", bool, required=False),
    )
    with services().transaction() as session:
        changed = facilities.update_facility(session, actor(), facility_id, edit, now())
    return jsonify(facility_json(changed))


def _backlog_json(b: Backlog) -> dict[str, Any]:
    return {
        "waiting": b.waiting,
        "pending": b.pending,
        "reasons": b.reasons,
        "refusals": b.refusals,
        "oldest_unsigned_at": iso(b.oldest_unsigned_at),
        "oldest_age_seconds": b.oldest_age_seconds,
    }


@blueprint.get("/facilities/<int:facility_id>/backlog")
@authenticated
def facility_backlog(facility_id: int) -> Response:
    """Unsigned doses of one facility, by why they wait, with the age of the oldest."""
    ctx = services()
    with ctx.transaction() as session:
        found = backlog.facility_backlog(session, actor(), facility_id, ctx.signer_source, now())
    return jsonify(facility_id=facility_id, **_backlog_json(found))


@blueprint.get("/provinces/<code>/backlog")
@authenticated
def province_backlog(code: str) -> Response:
    """Unsigned doses of a province's sites, by why they wait, with the age of the oldest."""
    if not (len(code) == 2 and code.isascii() and code.isdigit()):
        raise Invalid(IssuerCode.FIELD_INVALID, "code: expected the province's two GSO digits")
    ctx = services()
    with ctx.transaction() as session:
        found = backlog.province_backlog(session, actor(), code, ctx.signer_source, now())
    return jsonify(province_code=code, **_backlog_json(found))


def _team_json(team: Any, members: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": team.id,
        "facility_id": team.facility_id,
        "name": team.name,
        "members": [{"username": u, "role": r} for u, r in members],
    }


@blueprint.get("/facilities/<int:facility_id>/teams")
@authenticated
def teams(facility_id: int) -> Response:
    """The facility's injection teams (ê kíp) and their members."""
    with services().transaction() as session:
        return jsonify(
            [_team_json(t, m) for t, m in registry.teams_of(session, actor(), facility_id)]
        )


@blueprint.post("/facilities/<int:facility_id>/teams")
@authenticated
def form_team(facility_id: int) -> tuple[Response, int]:
    """Form a team of the facility's staff: ``{"name": …, "members": {username: role}}``."""
    data = body()
    name = field(data, "name", str, max_len=80)
    members = data.get("members")
    roles = {r.value for r in TeamRole}
    if (
        not isinstance(members, dict)
        or not 1 <= len(members) <= 50
        or not all(
            isinstance(u, str) and len(u) <= 60 and isinstance(v, str) and v in roles
            for u, v in members.items()
        )
    ):
        raise Invalid(
            IssuerCode.FIELD_INVALID,
            "members: expected 1-50 {username: role}, roles " + ", ".join(sorted(roles)),
        )
    with services().transaction() as session:
        team = registry.create_team(
            session,
            actor(),
            facility_id,
            name.strip(),
            {u: TeamRole(r) for u, r in members.items()},
            now(),
        )
        out = _team_json(team, sorted(members.items()))
    return jsonify(out), 201
