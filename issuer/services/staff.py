"""Staff accounts: create, list within scope, change role or placement, disable, reset password.

Who manages whom is `issuer.services.scope`'s (`require_manage_account`, `require_grant`): the
account as it is and the account as it would be must both lie within the actor's power, so
nobody raises an account above what they could give or moves it out of their scope.

Passwords: at least `PASSWORD_MIN` characters; hashed with scrypt in the process's bounded slots
(`auth.hash_new_password`); never logged, never in an audit entry, never answered except the
random one a reset generates, which is answered once and stored only as its hash. Disabling an
account or resetting its password deletes its bearer tokens: they stop at once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import admin_units
from issuer.domain import Role
from issuer.models import Staff
from issuer.services import audit, auth, scope
from issuer.services.errors import Conflict, Invalid, IssuerCode, not_found
from issuer.services.registry import facility_ref
from issuer.services.scope import Actor, Placement
from issuer.services.unique import insert_if_absent

PASSWORD_MIN = 12
GENERATED_PASSWORD_BYTES = 12  # 16 URL-safe characters, 96 bits
USERNAME = re.compile(r"[a-z0-9._-]{3,60}")
LIST_LIMIT = 500
FACILITY_ROLES = frozenset({Role.SITE_STAFF, Role.FACILITY_ADMIN})


@dataclass(frozen=True, slots=True)
class StaffView:
    """An account as the API shows it (no password hash, ever)."""

    id: int
    username: str
    full_name: str
    role: str
    facility_id: int | None
    province_code: str | None
    active: bool

    @classmethod
    def of(cls, staff: Staff) -> StaffView:
        """From the stored row."""
        return cls(
            staff.id,
            staff.username,
            staff.full_name,
            staff.role,
            staff.facility_id,
            staff.province_code,
            staff.active,
        )


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """A reset's outcome: the account, and the generated password (shown once) if one was."""

    staff: StaffView
    generated_password: str | None
    tokens_revoked: int


def check_password_rules(password: str) -> None:
    """Refuse a password shorter than `PASSWORD_MIN` (the message never repeats it).

    Raises:
        Invalid: PASSWORD_TOO_SHORT.
    """
    if len(password) < PASSWORD_MIN:
        raise Invalid(
            IssuerCode.PASSWORD_TOO_SHORT,
            f"password: got {len(password)} characters, expected at least {PASSWORD_MIN}",
        )


def placement(
    session: Session, role: Role, facility_id: int | None, province_code: str | None
) -> Placement:
    """Where an account of `role` would work: its facility for the site roles, its province
    for a provincial admin, nothing for national admins and auditors.

    Raises:
        Invalid: STAFF_PLACEMENT_INVALID (a facility or province missing or out of place),
            PROVINCE_NOT_FOUND.
        NotFound: FACILITY_NOT_FOUND.
    """  # noqa: D205
    if role in FACILITY_ROLES:
        if facility_id is None or province_code is not None:
            raise Invalid(
                IssuerCode.STAFF_PLACEMENT_INVALID,
                f"a {role} account needs a facility_id (its province is the facility's)",
            )
        facility = facility_ref(session, facility_id)
        return Placement(role, facility, facility.province_code)
    if facility_id is not None:
        raise Invalid(
            IssuerCode.STAFF_PLACEMENT_INVALID, f"a {role} account works at no single facility"
        )
    if role is Role.PROVINCIAL_ADMIN:
        if province_code is None:
            raise Invalid(
                IssuerCode.STAFF_PLACEMENT_INVALID, "a provincial_admin account needs a province"
            )
        if admin_units.province(province_code) is None:
            raise Invalid(
                IssuerCode.PROVINCE_NOT_FOUND, f"province_code: {province_code!r} is not a GSO code"
            )
        return Placement(role, None, province_code)
    if province_code is not None:
        raise Invalid(IssuerCode.STAFF_PLACEMENT_INVALID, f"a {role} account has no province")
    return Placement(role)


def _current(session: Session, staff: Staff) -> Placement:
    facility = facility_ref(session, staff.facility_id) if staff.facility_id else None
    return Placement(Role(staff.role), facility, staff.province_code)


def _load(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise not_found("staff", staff_id)
    return staff


def create_staff(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    role: Role,
    password: str,
    facility_id: int | None = None,
    province_code: str | None = None,
    now: datetime,
) -> StaffView:
    """Create an account with its initial password.

    Raises:
        Invalid: FIELD_INVALID (username: 3-60 of a-z 0-9 . _ -), STAFF_PLACEMENT_INVALID,
            PROVINCE_NOT_FOUND, PASSWORD_TOO_SHORT.
        NotFound: FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN, ROLE_NOT_ALLOWED.
        Conflict: USERNAME_TAKEN.
    """
    if not USERNAME.fullmatch(username):
        raise Invalid(
            IssuerCode.FIELD_INVALID, "username: expected 3 to 60 of a-z, 0-9, '.', '_', '-'"
        )
    where = placement(session, role, facility_id, province_code)
    scope.require_grant(actor, where)
    check_password_rules(password)
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict(IssuerCode.USERNAME_TAKEN, f"the username {username!r} is taken")
    values = {
        "username": username,
        "full_name": full_name.strip(),
        "password_hash": auth.hash_new_password(password),
        "role": role.value,
        "facility_id": where.facility.id if where.facility else None,
        "province_code": where.province_code,
        "active": True,
    }
    new_id = insert_if_absent(session, Staff, values, ("username",))
    if new_id is None:  # taken while the password was hashed
        raise Conflict(IssuerCode.USERNAME_TAKEN, f"the username {username!r} is taken")
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="create-staff",
        entity="staff",
        entity_id=new_id,
        details={
            "username": username,
            "role": role.value,
            "facility": values["facility_id"],
            "province": where.province_code,
        },
    )
    return StaffView.of(_load(session, new_id))


def list_staff(
    session: Session,
    actor: Actor,
    now: datetime,
    *,
    facility_id: int | None = None,
    after: int | None = None,
    limit: int = LIST_LIMIT,
) -> list[StaffView]:
    """The accounts `actor` may see, by id (at most `limit`, after the id `after`); audited,
    since it names people.

    Raises:
        Forbidden: FORBIDDEN for site staff.
        NotFound: FACILITY_NOT_FOUND (with `facility_id`).
    """  # noqa: D205
    scope.require_role(actor, scope.STAFF_READERS, "listing staff accounts")
    query = select(Staff).where(scope.visible_staff(actor))
    if facility_id is not None:
        scope.require_facility(actor, facility_ref(session, facility_id))
        query = query.where(Staff.facility_id == facility_id)
    if after is not None:
        query = query.where(Staff.id > after)
    found = [
        StaffView.of(s)
        for s in session.scalars(query.order_by(Staff.id).limit(min(limit, LIST_LIMIT)))
    ]
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="read",
        entity="staff",
        details={"facility": facility_id, "after": after, "accounts": len(found)},
    )
    return found


def update_staff(
    session: Session,
    actor: Actor,
    staff_id: int,
    *,
    role: Role | None = None,
    facility_id: int | None = None,
    province_code: str | None = None,
    full_name: str | None = None,
    now: datetime,
) -> StaffView:
    """Change an account's role, facility, province or full name.

    What is not given stays; a role that needs a facility keeps the account's facility, a
    provincial admin keeps its province (a site account turned provincial admin: the province
    of its facility). An edit that changes nothing writes nothing.

    Raises:
        NotFound: STAFF_NOT_FOUND, FACILITY_NOT_FOUND.
        Forbidden: FORBIDDEN, ROLE_NOT_ALLOWED, SELF_MANAGEMENT_NOT_ALLOWED (one's own account).
        Invalid: STAFF_PLACEMENT_INVALID, PROVINCE_NOT_FOUND.
    """
    staff = _load(session, staff_id)
    scope.require_manage_account(actor, _current(session, staff))
    scope.require_not_self(actor, staff_id, "edits")
    new_role = role or Role(staff.role)
    if new_role in FACILITY_ROLES:
        facility_id = facility_id if facility_id is not None else staff.facility_id
    elif new_role is Role.PROVINCIAL_ADMIN:
        province_code = province_code or staff.province_code
    where = placement(session, new_role, facility_id, province_code)
    scope.require_grant(actor, where)
    changes: dict[str, object] = {}
    new_facility = where.facility.id if where.facility else None
    for name, value in (
        ("role", new_role.value),
        ("facility_id", new_facility),
        ("province_code", where.province_code),
        ("full_name", full_name.strip() if full_name is not None else staff.full_name),
    ):
        if getattr(staff, name) != value:
            setattr(staff, name, value)
            changes[name] = value
    if changes:
        session.flush()
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="edit-staff",
            entity="staff",
            entity_id=staff_id,
            details=changes,
        )
    return StaffView.of(staff)


def disable_staff(session: Session, actor: Actor, staff_id: int, now: datetime) -> StaffView:
    """Disable an account: it cannot log in, and its tokens are deleted (they stop at once).

    Disabling a disabled account changes nothing.

    Raises:
        NotFound: STAFF_NOT_FOUND.
        Forbidden: FORBIDDEN, SELF_MANAGEMENT_NOT_ALLOWED.
    """
    staff = _load(session, staff_id)
    scope.require_manage_account(actor, _current(session, staff))
    scope.require_not_self(actor, staff_id, "disables")
    revoked = auth.revoke_tokens(session, staff_id)
    if staff.active or revoked:
        staff.active = False
        session.flush()
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="disable-staff",
            entity="staff",
            entity_id=staff_id,
            details={"tokens_revoked": revoked},
        )
    return StaffView.of(staff)


def reset_password(
    session: Session, actor: Actor, staff_id: int, password: str | None, now: datetime
) -> PasswordReset:
    """Give an account a new password (the admin's, or a random one answered once) and delete
    its tokens.

    Raises:
        NotFound: STAFF_NOT_FOUND.
        Forbidden: FORBIDDEN.
        Invalid: PASSWORD_TOO_SHORT.
    """  # noqa: D205
    staff = _load(session, staff_id)
    scope.require_manage_account(actor, _current(session, staff))
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    check_password_rules(password)
    staff.password_hash = auth.hash_new_password(password)
    revoked = auth.revoke_tokens(session, staff_id)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="reset-password",
        entity="staff",
        entity_id=staff_id,
        details={"generated": generated is not None, "tokens_revoked": revoked},
    )
    return PasswordReset(StaffView.of(staff), generated, revoked)
