"""The JSON REST API under ``/api/v1``: thin handlers over `issuer.services`.

Every handler: authenticate, parse and check the body, call one service in one transaction,
answer JSON. Refusals are problems with stable codes (`issuer.web.problems`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcert.qrcode import render_png
from issuer import admin_units
from issuer.identity import (
    DocumentKind,
    IdentityError,
    Sex,
    check_cccd_number,
    normalise_document,
    normalise_name,
    parse_cccd_qr,
)
from issuer.models import (
    ApiToken,
    Certificate,
    Dose,
    Facility,
    Person,
    Role,
    ScreeningOutcome,
    Staff,
    Team,
    TeamRole,
)
from issuer.models import VerificationStatus as Verification
from issuer.passwords import check_password
from issuer.services import audit
from issuer.services.corrections import correct_dose, correct_person
from issuer.services.doses import DoseData, DoseRecord, record_and_commit
from issuer.services.errors import ServiceError
from issuer.services.registry import (
    Actor,
    PersonData,
    backlog,
    check_in,
    create_team,
    lot_stock,
    record_screening,
    report_adverse_event,
    set_verification,
    teams_of,
)
from issuer.services.signing import SignedCertificate, current_certificate, sign_now
from issuer.web.context import services
from issuer.web.openapi import MAX_INT, OPENAPI
from issuer.web.problems import Problem

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
TOKEN_LIFETIME = timedelta(hours=12)
# A checked token is trusted for this long in each worker process, so that most requests skip
# the token query; a deactivated account loses access at most this much later.
TOKEN_CACHE_SECONDS = 30.0
_TOKENS: dict[str, tuple[Actor, float]] = {}
F = TypeVar("F", bound=Callable[..., Any])


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _transaction() -> Iterator[Session]:
    with services().sessions() as session, session.begin():
        yield session


# -- request helpers ----------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    if not request.is_json:
        raise Problem(
            415, "UNSUPPORTED_MEDIA_TYPE", "send JSON with Content-Type: application/json"
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "MALFORMED_JSON", "the body is not a JSON object")
    return body


def _field(
    body: dict[str, Any], name: str, kind: type, *, required: bool = True, max_len: int = 200
) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise Problem(422, "FIELD_MISSING", f"{name}: required")
        return None
    if kind is int:
        # JSON Schema 2020-12 §6.1.1: 2.0 is an integer too
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Problem(
                422, "FIELD_INVALID", f"{name}: got {type(value).__name__}, expected an integer"
            )
        if not 1 <= value <= MAX_INT:
            raise Problem(422, "FIELD_INVALID", f"{name}: expected an integer from 1 to {MAX_INT}")
    if kind is str and (not isinstance(value, str) or not value.strip() or len(value) > max_len):
        raise Problem(
            422,
            "FIELD_INVALID",
            f"{name}: expected a non-empty text of at most {max_len} characters",
        )
    if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise Problem(422, "FIELD_INVALID", f"{name}: expected a list of texts")
    return value


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(body: dict[str, Any], name: str) -> date:
    text = _field(body, name, str, max_len=10)
    try:
        # RFC 3339 full-date only: date.fromisoformat also takes 20210101 and 2021-W01-1
        if not _FULL_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as e:
        raise Problem(422, "FIELD_INVALID", f"{name}: got {text!r}, expected YYYY-MM-DD") from e


def _service_call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ServiceError as e:
        if e.status == 403:
            _audit_denial(e.message)
        raise Problem(e.status, e.code, e.message) from e
    except IdentityError as e:
        raise Problem(422, str(e.code), e.message) from e


def _audit_denial(reason: str) -> None:
    actor: Actor | None = g.get("actor")
    with _transaction() as s:
        audit.record(
            s,
            at=_now(),
            actor=actor.username if actor else "anonymous",
            action="denied",
            entity="request",
            entity_id=f"{request.method} {request.path}",
            details={"reason": reason},
        )


@blueprint.after_request
def _seal_the_audit_log(response: Response) -> Response:
    """Chain the audit entries of the last second, once the answer has gone out."""
    if request.method != "GET":
        sessions = services().sessions
        response.call_on_close(lambda: audit.seal_if_due(sessions))
    return response


@blueprint.before_request
def _refuse_ids_beyond_the_database() -> None:
    """A path id above `MAX_INT` names no row (and the drivers refuse to bind it)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and value > MAX_INT:
            raise Problem(404, "NOT_FOUND", f"{name}: no row has an id above {MAX_INT}")


# -- authentication -----------------------------------------------------------------------------


def authenticated(fn: F) -> F:
    """Require a valid bearer token; the acting staff account becomes `g.actor`."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Problem(
                401, "UNAUTHORIZED", "send Authorization: Bearer <token> (POST /api/v1/auth/token)"
            )
        digest = hashlib.sha256(header.removeprefix("Bearer ").strip().encode()).hexdigest()
        cached = _TOKENS.get(digest)
        if cached is None or cached[1] < time.monotonic():
            with _transaction() as s:
                row = s.execute(
                    select(ApiToken.expires_at, Staff)
                    .join(Staff, Staff.id == ApiToken.staff_id)
                    .where(ApiToken.token_hash == digest)
                ).first()
                if row is None or _aware(row[0]) < _now() or not row[1].active:
                    _TOKENS.pop(digest, None)
                    raise Problem(401, "UNAUTHORIZED", "unknown or expired token")
                st = row[1]
                actor = Actor(st.id, st.username, Role(st.role), st.facility_id, st.province_code)
            cached = (actor, time.monotonic() + TOKEN_CACHE_SECONDS)
            _TOKENS[digest] = cached
        g.actor = cached[0]
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@blueprint.post("/auth/token")
def issue_token() -> tuple[Response, int]:
    """Exchange a username and password for a bearer token."""
    body = _body()
    username, password = _field(body, "username", str), _field(body, "password", str)
    with _transaction() as s:
        staff = s.scalar(select(Staff).where(Staff.username == username))
        if staff is None or not staff.active or not check_password(password, staff.password_hash):
            audit.record(s, at=_now(), actor=username, action="login-failed", entity="staff")
            raise Problem(401, "UNAUTHORIZED", "wrong username or password")
        token = secrets.token_urlsafe(32)
        expires = _now() + TOKEN_LIFETIME
        s.add(
            ApiToken(
                staff_id=staff.id,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                created_at=_now(),
                expires_at=expires,
            )
        )
        audit.record(
            s, at=_now(), actor=username, action="login", entity="staff", entity_id=staff.id
        )
    return jsonify(token=token, expires_at=_iso(expires), role=staff.role), 201


# -- persons --------------------------------------------------------------------------------------


@blueprint.post("/persons/check-in")
@authenticated
def check_in_person() -> tuple[Response, int]:
    """Check a person in from the citizen-ID QR line, or from typed identity data."""
    body = _body()
    data = _person_data(body)
    with _transaction() as s:
        person, created = _service_call(lambda: check_in(s, g.actor, data, _now()))
        out = _person_json(person)
    return jsonify(out), 201 if created else 200


def _person_data(body: dict[str, Any]) -> PersonData:
    commune, phone = (
        _field(body, "commune_code", str, required=False, max_len=10),
        _field(body, "phone", str, required=False, max_len=20),
    )
    if commune is not None and admin_units.commune(commune) is None:
        raise Problem(422, "COMMUNE_NOT_FOUND", f"commune_code: {commune!r} is not a GSO commune")
    if body.get("qr") is not None:
        card = _service_call(lambda: parse_cccd_qr(_field(body, "qr", str, max_len=1000)))
        mismatches = check_cccd_number(card.id_number, card.date_of_birth, card.sex)
        if mismatches:
            raise Problem(
                422, "CCCD_INCONSISTENT", "the ID number disagrees with: " + ", ".join(mismatches)
            )
        return PersonData(
            "cccd",
            card.id_number,
            card.full_name,
            card.date_of_birth.isoformat(),
            card.sex.value,
            "VN",
            commune,
            phone,
        )
    kind = _field(body, "document_kind", str, max_len=10)
    try:
        document_kind = DocumentKind(kind)
    except ValueError as e:
        raise Problem(422, "FIELD_INVALID", "document_kind: expected cccd, cmnd or passport") from e
    number = _service_call(
        lambda: normalise_document(document_kind, _field(body, "document_number", str, max_len=20))
    )
    dob = _date(body, "date_of_birth")
    sex_text = _field(body, "sex", str, max_len=10)
    try:
        sex = Sex(sex_text)
    except ValueError as e:
        raise Problem(422, "FIELD_INVALID", "sex: expected male or female") from e
    if document_kind is DocumentKind.CCCD and (mismatches := check_cccd_number(number, dob, sex)):
        raise Problem(
            422, "CCCD_INCONSISTENT", "the ID number disagrees with: " + ", ".join(mismatches)
        )
    nationality = _field(body, "nationality", str, required=False, max_len=2) or "VN"
    return PersonData(
        document_kind.value,
        number,
        normalise_name(_field(body, "full_name", str, max_len=120)),
        dob.isoformat(),
        sex.value,
        nationality,
        commune,
        phone,
    )


@blueprint.get("/persons/<int:person_id>")
@authenticated
def get_person(person_id: int) -> Response:
    """A person with their doses."""
    with _transaction() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise Problem(404, "PERSON_NOT_FOUND", f"no person {person_id}")
        return jsonify(
            _person_json(person) | {"doses": [_stored_dose_json(s, d) for d in person.doses]}
        )


@blueprint.post("/persons/<int:person_id>/verification")
@authenticated
def verify_person(person_id: int) -> Response:
    """Record the result of checking a person against the resident registry."""
    body = _body()
    try:
        status = Verification(_field(body, "status", str, max_len=12))
    except ValueError as e:
        raise Problem(
            422, "FIELD_INVALID", "status: verified, mismatch, not_found or unverified"
        ) from e
    fields = _field(body, "mismatched_fields", list, required=False)
    with _transaction() as s:
        person = _service_call(
            lambda: set_verification(s, g.actor, person_id, status, fields, _now())
        )
        return jsonify(_person_json(person))


# -- screening, doses, certificates --------------------------------------------------------------


@blueprint.post("/screenings")
@authenticated
def screen() -> tuple[Response, int]:
    """Record a screening before a dose."""
    body = _body()
    try:
        outcome = ScreeningOutcome(_field(body, "outcome", str, max_len=20))
    except ValueError as e:
        raise Problem(
            422, "FIELD_INVALID", "outcome: " + ", ".join(o.value for o in ScreeningOutcome)
        ) from e
    person_id, facility_id = _field(body, "person_id", int), _field(body, "facility_id", int)
    reasons = _field(body, "reasons", list, required=False) or []
    with _transaction() as s:
        screening = _service_call(
            lambda: record_screening(
                s,
                g.actor,
                person_id=person_id,
                facility_id=facility_id,
                outcome=outcome,
                reasons=reasons,
                now=_now(),
            )
        )
        return jsonify(id=screening.id, outcome=screening.outcome, at=_iso(screening.at)), 201


@blueprint.post("/doses")
@authenticated
def record() -> tuple[Response, int]:
    """Record a dose; the Idempotency-Key header makes a retry return the first answer."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 80:
        raise Problem(
            400, "IDEMPOTENCY_KEY_MISSING", "send an Idempotency-Key header (at most 80 characters)"
        )
    body = _body()
    data = DoseData(
        idempotency_key=key,
        person_id=_field(body, "person_id", int),
        facility_id=_field(body, "facility_id", int),
        lot_number=_field(body, "lot_number", str, max_len=40),
        product_code=_field(body, "product_code", str, max_len=40),
        dose_number=_field(body, "dose_number", int),
        given_on=_date(body, "given_on"),
        team_id=_field(body, "team_id", int, required=False),
    )
    sessions, source = services().sessions, services().signer_source
    dose, created, certificate = _service_call(
        lambda: record_and_commit(sessions, g.actor, data, _now(), source)
    )
    return jsonify(_dose_json(dose, certificate)), 201 if created else 200


@blueprint.post("/doses/<int:dose_id>/adverse-events")
@authenticated
def adverse_event(dose_id: int) -> tuple[Response, int]:
    """Report a reaction after a dose."""
    body = _body()
    severity = _field(body, "severity", str, max_len=12)
    grade = _field(body, "anaphylaxis_grade", int, required=False)
    outcome = _field(body, "outcome", str, required=False, max_len=40)
    description = _field(body, "description", str, required=False, max_len=2000)
    with _transaction() as s:
        event = _service_call(
            lambda: report_adverse_event(
                s,
                g.actor,
                dose_id,
                severity=severity,
                anaphylaxis_grade=grade,
                outcome=outcome,
                description=description,
                now=_now(),
            )
        )
        out = {
            "id": event.id,
            "dose_id": dose_id,
            "severity": event.severity,
            "anaphylaxis_grade": event.anaphylaxis_grade,
            "outcome": event.outcome,
            "reported_at": _iso(event.reported_at),
        }
    return jsonify(out), 201


@blueprint.get("/doses/<int:dose_id>/certificate")
@authenticated
def certificate(dose_id: int) -> Response:
    """The dose's signed certificate (404 while it is not signed yet)."""
    with _transaction() as s:
        return jsonify(_certificate_json(_certificate(s, dose_id)))


@blueprint.get("/doses/<int:dose_id>/certificate.png")
@authenticated
def certificate_png(dose_id: int) -> Response:
    """The certificate's QR code as a PNG (alphanumeric mode, error correction Q)."""
    with _transaction() as s:
        text = _certificate(s, dose_id).hc1
    return Response(render_png(text, scale=6), mimetype="image/png")


@blueprint.get("/facilities/<int:facility_id>/backlog")
@authenticated
def facility_backlog(facility_id: int) -> Response:
    """Unsigned doses of one facility: waiting (identity not verified) and pending (to sign)."""
    with _transaction() as s:
        if s.get(Facility, facility_id) is None:
            raise Problem(404, "FACILITY_NOT_FOUND", f"no facility {facility_id}")
        return jsonify(facility_id=facility_id, **backlog(s, facility_id))


@blueprint.patch("/persons/<int:person_id>")
@authenticated
def correct_person_data(person_id: int) -> Response:
    """Correct a person's name, its MRZ form, date of birth or sex: certificates are re-issued."""
    body = _body()
    name = _field(body, "full_name", str, required=False, max_len=120)
    dob = (
        _date(body, "date_of_birth").isoformat() if body.get("date_of_birth") is not None else None
    )
    sex = _field(body, "sex", str, required=False, max_len=10)
    if sex is not None and sex not in ("male", "female"):
        raise Problem(422, "FIELD_INVALID", "sex: expected male or female")
    family_t = _field(body, "family_name_t", str, required=False, max_len=80)
    given_t = _field(body, "given_name_t", str, required=False, max_len=80)
    with _transaction() as s:
        revoked = _service_call(
            lambda: correct_person(
                s,
                g.actor,
                person_id,
                now=_now(),
                revocations=services().revocations,
                full_name=normalise_name(name) if name else None,
                date_of_birth=dob,
                sex=sex,
                family_name_t=family_t,
                given_name_t=given_t,
            )
        )
        reissued = _reissue(s, select(Dose).where(Dose.person_id == person_id))
    return jsonify(revoked=revoked, reissued=reissued)


@blueprint.get("/facilities/<int:facility_id>/lots")
@authenticated
def facility_lots(facility_id: int) -> Response:
    """The lots a facility received, with what was administered from each and what remains."""
    with _transaction() as s:
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
                    "expired": lot.expires_on < _now().date(),
                }
                for lot in _service_call(lambda: lot_stock(s, g.actor, facility_id))
            ]
        )


@blueprint.get("/facilities/<int:facility_id>/teams")
@authenticated
def facility_teams(facility_id: int) -> Response:
    """The facility's injection teams (ê kíp) and their members."""
    with _transaction() as s:
        return jsonify(
            [
                _team_json(team, members)
                for team, members in _service_call(lambda: teams_of(s, g.actor, facility_id))
            ]
        )


@blueprint.post("/facilities/<int:facility_id>/teams")
@authenticated
def form_team(facility_id: int) -> tuple[Response, int]:
    """Form a team of the facility's staff: ``{"name": …, "members": {username: role}}``."""
    body = _body()
    name = _field(body, "name", str, max_len=80)
    members = body.get("members")
    roles = {r.value for r in TeamRole}
    if (
        not isinstance(members, dict)
        or not 1 <= len(members) <= 50
        or not all(
            isinstance(u, str) and isinstance(v, str) and v in roles for u, v in members.items()
        )
    ):
        raise Problem(
            422,
            "FIELD_INVALID",
            "members: expected 1-50 {username: role}, roles " + ", ".join(sorted(roles)),
        )
    with _transaction() as s:
        team = _service_call(
            lambda: create_team(
                s,
                g.actor,
                facility_id,
                name.strip(),
                {u: TeamRole(r) for u, r in members.items()},
                _now(),
            )
        )
        out = _team_json(team, sorted((u, r) for u, r in members.items()))
    return jsonify(out), 201


@blueprint.patch("/doses/<int:dose_id>")
@authenticated
def correct_dose_data(dose_id: int) -> Response:
    """Correct a dose's lot or date: its certificate is re-issued under a new UVCI."""
    body = _body()
    lot = _field(body, "lot_number", str, required=False, max_len=40)
    given_on = _date(body, "given_on") if body.get("given_on") is not None else None
    with _transaction() as s:
        revoked = _service_call(
            lambda: correct_dose(
                s,
                g.actor,
                dose_id,
                now=_now(),
                revocations=services().revocations,
                lot_number=lot,
                given_on=given_on,
            )
        )
        reissued = _reissue(s, select(Dose).where(Dose.id == dose_id))
    return jsonify(revoked=revoked, reissued=reissued)


def _reissue(s: Session, query: Any) -> list[str]:
    source = services().signer_source
    if source is None:
        return []
    doses = list(s.scalars(query))
    return [c.uvci for c in sign_now(s, doses, source, _now(), g.actor.username)]


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return jsonify(OPENAPI)


# -- JSON shapes ----------------------------------------------------------------------------------


def _certificate(s: Session, dose_id: int) -> Certificate:
    if s.get(Dose, dose_id) is None:
        raise Problem(404, "DOSE_NOT_FOUND", f"no dose {dose_id}")
    found = current_certificate(s, dose_id)
    if found is None:
        raise Problem(
            404, "CERTIFICATE_NOT_SIGNED", "this dose is not signed yet (see the backlog)"
        )
    return found


def _person_json(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "document_kind": p.document_kind,
        "document_number": p.document_number,
        "full_name": p.full_name,
        "family_name_t": p.family_name_t,
        "given_name_t": p.given_name_t,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "nationality": p.nationality,
        "verification": p.verification,
        "mismatched_fields": p.mismatched_fields or [],
    }


def _stored_dose_json(s: Session, d: Dose) -> dict[str, Any]:
    certificate = current_certificate(s, d.id) if d.sign_state == "signed" else None
    return _dose_json(DoseRecord.of(d), SignedCertificate.of(certificate) if certificate else None)


def _dose_json(d: DoseRecord, certificate: SignedCertificate | None) -> dict[str, Any]:
    return {
        "id": d.id,
        "person_id": d.person_id,
        "facility_id": d.facility_id,
        "product_code": d.product_code,
        "lot_number": d.lot_number,
        "dose_number": d.dose_number,
        "given_on": d.given_on.isoformat(),
        "sign_state": d.sign_state,
        "probable_duplicate_of": d.probable_duplicate_of,
        "team_id": d.team_id,
        "certificate": _certificate_json(certificate) if certificate else None,
    }


def _team_json(team: Team, members: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": team.id,
        "facility_id": team.facility_id,
        "name": team.name,
        "members": [{"username": u, "role": r} for u, r in members],
    }


def _certificate_json(c: Certificate | SignedCertificate) -> dict[str, Any]:
    return {
        "uvci": c.uvci,
        "kid": c.dsc_kid,
        "issued_at": _iso(c.issued_at),
        "expires_at": _iso(c.expires_at),
        "status": c.status,
        "hc1": c.hc1,
    }


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _iso(t: datetime) -> str:
    return _aware(t).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
