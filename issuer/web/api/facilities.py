"""``/facilities/{id}`` and ``/provinces/{code}``: the backlog, lots and teams of a site."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from issuer.domain import TeamRole
from issuer.services import backlog, registry
from issuer.services.backlog import Backlog
from issuer.services.errors import Invalid, IssuerCode
from issuer.web.api._http import actor, body, field, iso, now
from issuer.web.api.auth import authenticated
from issuer.web.context import services

blueprint = Blueprint("facilities", __name__)


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


@blueprint.get("/facilities/<int:facility_id>/lots")
@authenticated
def lots(facility_id: int) -> Response:
    """The lots a facility received, with what was administered from each and what remains."""
    today = now().date()
    with services().transaction() as session:
        stock = registry.lot_stock(session, actor(), facility_id)
    return jsonify(
        [
            {
                "id": lot.id,
                "number": lot.number,
                "product_code": lot.product_code,
                "expires_on": lot.expires_on.isoformat(),
                "received": lot.received,
                "administered": lot.administered,
                "remaining": lot.remaining,
                "expired": lot.expires_on < today,
            }
            for lot in stock
        ]
    )


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
