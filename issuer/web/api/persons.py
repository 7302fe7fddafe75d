"""``/persons``: check-in, a person's record, identity verification, corrections, search."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from issuer.domain import VerificationStatus
from issuer.identity import (
    DocumentKind,
    IdentityError,
    Sex,
    check_cccd_number,
    normalise_document,
    normalise_name,
    parse_cccd_qr,
)
from issuer.services import corrections, persons
from issuer.services.errors import Invalid, IssuerCode
from issuer.services.persons import PersonData
from issuer.web.api._http import actor, body, check_text, date_field, field, now
from issuer.web.api.auth import authenticated
from issuer.web.api.shapes import person_json
from issuer.web.context import services

blueprint = Blueprint("persons", __name__, url_prefix="/persons")


def _identity(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except IdentityError as e:
        raise Invalid(IssuerCode(e.code.value), e.message) from e


def _inconsistent(mismatches: list[str]) -> Invalid:
    return Invalid(
        IssuerCode.CCCD_INCONSISTENT, "the ID number disagrees with: " + ", ".join(mismatches)
    )


def _person_data(data: dict[str, Any]) -> PersonData:
    commune = field(data, "commune_code", str, required=False, max_len=10)
    phone = field(data, "phone", str, required=False, max_len=20)
    if isinstance(qr := data.get("qr"), str):
        # a scanner ends the line with CR LF: the only control characters a QR line may carry
        card = _identity(parse_cccd_qr, field({"qr": qr.rstrip("\r\n")}, "qr", str, max_len=1000))
        check_text("qr", card.full_name, 120)
        if mismatches := check_cccd_number(card.id_number, card.date_of_birth, card.sex):
            raise _inconsistent(mismatches)
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
    try:
        kind = DocumentKind(field(data, "document_kind", str, max_len=10))
    except ValueError as e:
        raise Invalid(
            IssuerCode.FIELD_INVALID, "document_kind: expected cccd, cmnd or passport"
        ) from e
    number = _identity(normalise_document, kind, field(data, "document_number", str, max_len=20))
    dob = date_field(data, "date_of_birth", birth=True)
    try:
        sex = Sex(field(data, "sex", str, max_len=10))
    except ValueError as e:
        raise Invalid(IssuerCode.FIELD_INVALID, "sex: expected male or female") from e
    if kind is DocumentKind.CCCD and (mismatches := check_cccd_number(number, dob, sex)):
        raise _inconsistent(mismatches)
    return PersonData(
        kind.value,
        number,
        normalise_name(field(data, "full_name", str, max_len=120)),
        dob.isoformat(),
        sex.value,
        field(data, "nationality", str, required=False, max_len=2) or "VN",
        commune,
        phone,
    )


@blueprint.post("/check-in")
@authenticated
def check_in() -> tuple[Response, int]:
    """Check a person in from the citizen-ID QR line, or from typed identity data."""
    data = _person_data(body())
    with services().transaction() as session:
        result = persons.check_in(session, actor(), data, now())
    return jsonify(person_json(result.person)), 201 if result.created else 200


@blueprint.get("/<int:person_id>")
@authenticated
def get_person(person_id: int) -> Response:
    """A person with their doses (in scope; the read is audited)."""
    with services().transaction() as session:
        return jsonify(person_json(persons.get_person(session, actor(), person_id, now())))


@blueprint.get("")
@authenticated
def search() -> Response:
    """Persons by ``document_number``, or by ``name`` and ``date_of_birth``, within scope."""
    args = request.args
    number = args.get("document_number")
    name, dob = args.get("name"), args.get("date_of_birth")
    for label, value, size in (
        ("document_number", number, 20),
        ("name", name, 120),
        ("date_of_birth", dob, 10),
    ):
        if value is not None:
            check_text(label, value, size)
    with services().transaction() as session:
        found = persons.search(
            session,
            actor(),
            now(),
            document_number=number.strip() if number else None,
            name=normalise_name(name) if name else None,
            date_of_birth=dob,
        )
    return jsonify([person_json(p) for p in found])


@blueprint.post("/<int:person_id>/verification")
@authenticated
def verify(person_id: int) -> Response:
    """Record the result of checking a person against the resident registry."""
    data = body()
    try:
        status = VerificationStatus(field(data, "status", str, max_len=12))
    except ValueError as e:
        raise Invalid(
            IssuerCode.FIELD_INVALID, "status: verified, mismatch, not_found or unverified"
        ) from e
    fields = field(data, "mismatched_fields", list, required=False, max_len=40)
    ctx = services()
    with ctx.transaction() as session:
        person = persons.set_verification(
            session, actor(), person_id, status, fields, now(), ctx.signer_source
        )
    return jsonify(person_json(person))


@blueprint.patch("/<int:person_id>")
@authenticated
def correct(person_id: int) -> Response:
    """Correct a person's name, its MRZ form, date of birth or sex: certificates are re-issued."""
    data = body()
    name = field(data, "full_name", str, required=False, max_len=120)
    dob = (
        date_field(data, "date_of_birth", birth=True).isoformat()
        if data.get("date_of_birth") is not None
        else None
    )
    sex = field(data, "sex", str, required=False, max_len=10)
    if sex is not None and sex not in ("male", "female"):
        raise Invalid(IssuerCode.FIELD_INVALID, "sex: expected male or female")
    ctx = services()
    with ctx.transaction() as session:
        done = corrections.correct_person(
            session,
            actor(),
            person_id,
            now=now(),
            revocations=ctx.revocations,
            source=ctx.signer_source,
            full_name=normalise_name(name) if name else None,
            date_of_birth=dob,
            sex=sex,
            family_name_t=field(data, "family_name_t", str, required=False, max_len=80),
            given_name_t=field(data, "given_name_t", str, required=False, max_len=80),
        )
    return jsonify(revoked=done.revoked, reissued=done.reissued)
