"""``/staff``: accounts created, listed, re-roled, disabled and given new passwords by admins.

A password is read from the body and handed to the service; it is never logged, audited or
answered, except the random one a reset generates, answered once with ``Cache-Control:
no-store``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from issuer.domain import Role
from issuer.services import staff
from issuer.services.errors import Invalid, IssuerCode
from issuer.web.api._http import actor, body, field, int_arg, now
from issuer.web.api.auth import authenticated
from issuer.web.api.shapes import staff_json
from issuer.web.context import services

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
PASSWORD_MAX = 200


def _role(data: dict[str, Any], *, required: bool) -> Role | None:
    value = field(data, "role", str, required=required, max_len=20)
    if value is None:
        return None
    try:
        return Role(value)
    except ValueError as e:
        raise Invalid(IssuerCode.FIELD_INVALID, "role: " + ", ".join(r.value for r in Role)) from e


def _province(data: dict[str, Any]) -> str | None:
    value: str | None = field(data, "province_code", str, required=False, max_len=2)
    if value is not None and not (len(value) == 2 and value.isascii() and value.isdigit()):
        raise Invalid(IssuerCode.FIELD_INVALID, "province_code: expected two digits")
    return value


@blueprint.get("")
@authenticated
def list_staff() -> Response:
    """The accounts in the caller's scope, by id: ``?facility_id=``, ``after``, ``limit``."""
    with services().transaction() as session:
        found = staff.list_staff(
            session,
            actor(),
            now(),
            facility_id=int_arg("facility_id"),
            after=int_arg("after"),
            limit=int_arg("limit", maximum=staff.LIST_LIMIT) or staff.LIST_LIMIT,
        )
    return jsonify([staff_json(s) for s in found])


@blueprint.post("")
@authenticated
def create() -> tuple[Response, int]:
    """Create an account: username, full name, role, its facility or province, a password."""
    data = body()
    username = field(data, "username", str, max_len=60)
    full_name = field(data, "full_name", str, max_len=120)
    role = _role(data, required=True)
    assert role is not None
    password = field(data, "password", str, max_len=PASSWORD_MAX)
    with services().transaction() as session:
        created = staff.create_staff(
            session,
            actor(),
            username=username,
            full_name=full_name,
            role=role,
            password=password,
            facility_id=field(data, "facility_id", int, required=False),
            province_code=_province(data),
            now=now(),
        )
    return jsonify(staff_json(created)), 201


@blueprint.patch("/<int:staff_id>")
@authenticated
def edit(staff_id: int) -> Response:
    """Change an account's role, facility, province or full name (not one's own)."""
    data = body()
    with services().transaction() as session:
        changed = staff.update_staff(
            session,
            actor(),
            staff_id,
            role=_role(data, required=False),
            facility_id=field(data, "facility_id", int, required=False),
            province_code=_province(data),
            full_name=field(data, "full_name", str, required=False, max_len=120),
            now=now(),
        )
    return jsonify(staff_json(changed))


@blueprint.post("/<int:staff_id>/disable")
@authenticated
def disable(staff_id: int) -> Response:
    """Disable an account (not one's own): it cannot log in and its tokens stop at once."""
    with services().transaction() as session:
        disabled = staff.disable_staff(session, actor(), staff_id, now())
    return jsonify(staff_json(disabled))


@blueprint.post("/<int:staff_id>/password")
@authenticated
def reset_password(staff_id: int) -> Response:
    """Set a new password (``{"password": …}``), or ``{}`` for a random one answered once;
    every token of the account stops at once.
    """  # noqa: D205
    data = body()
    password = field(data, "password", str, required=False, max_len=PASSWORD_MAX)
    with services().transaction() as session:
        done = staff.reset_password(session, actor(), staff_id, password, now())
    out: dict[str, Any] = {"staff": staff_json(done.staff), "tokens_revoked": done.tokens_revoked}
    if done.generated_password is not None:
        out["password"] = done.generated_password
    response = jsonify(out)
    response.headers["Cache-Control"] = "no-store"
    return response
