"""Persons: check-in, reading a record, identity verification, search — all through the scope.

Functions take a session inside the caller's transaction and an `Actor`; every read of a
person's data is audited (`audit.record_read`), every refusal raised as a typed `Refusal`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hcert.icao import transliterate
from issuer import admin_units
from issuer.domain import SignState, VerificationStatus
from issuer.models import CheckIn, Dose, Facility, Person
from issuer.services import audit, scope
from issuer.services.doses import dose_record
from issuer.services.errors import Invalid, IssuerCode, not_found
from issuer.services.scope import Actor
from issuer.services.signing import SignerSource, current_certificate, sign_now
from issuer.services.views import CertificateView, DoseSummary, DoseView, PersonView


@dataclass(frozen=True, slots=True)
class PersonData:
    """What a check-in knows of a person (from the CCCD QR, or typed)."""

    document_kind: str
    document_number: str
    full_name: str
    date_of_birth: str  # YYYY-MM-DD (or YYYY, YYYY-MM as the DCC allows)
    sex: str
    nationality: str = "VN"
    commune_code: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class CheckInResult:
    """A check-in's outcome: the person as the caller may see them, and whether they are new."""

    person: PersonView
    created: bool


def split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese order: the family name first, then middle and given names."""
    parts = full_name.split()
    return (parts[0], " ".join(parts[1:])) if len(parts) > 1 else (full_name, "")


def check_in(session: Session, actor: Actor, data: PersonData, now: datetime) -> CheckInResult:
    """Find the person by identity document, or register them; never a duplicate.

    The visit is recorded against the actor's site (`CheckIn`), with whether the identity
    presented matched the registered one. A returning person whose data differs keeps the
    registered data; the differences are noted as mismatched fields for the province to clean,
    and a site that could not see the person before gets only a summary (`scope`).

    Raises:
        Forbidden: FORBIDDEN for a read-only role.
        Invalid: COMMUNE_NOT_FOUND.
    """
    scope.require_role(actor, scope.WRITE_ROLES, "checking a person in")
    if data.commune_code is not None and admin_units.commune(data.commune_code) is None:
        raise Invalid(
            IssuerCode.COMMUNE_NOT_FOUND,
            f"commune_code: {data.commune_code!r} is not a GSO commune",
        )
    existing = session.scalar(
        select(Person).where(
            Person.document_kind == data.document_kind,
            Person.document_number == data.document_number,
        )
    )
    if existing is None:
        person = _register(session, actor, data, now)
        _record_visit(session, actor, person.id, matched=True, now=now)
        return CheckInResult(PersonView.of(person), True)
    differing = [
        name
        for name, new in (
            ("full_name", data.full_name),
            ("date_of_birth", data.date_of_birth),
            ("sex", data.sex),
        )
        if getattr(existing, name) != new
    ]
    if differing and set(differing) != set(existing.mismatched_fields or []):
        existing.mismatched_fields = differing
        existing.updated_at = now
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="check-in-mismatch",
            entity="person",
            entity_id=existing.id,
            details={"fields": differing},
        )
    seen_before = scope.can_read_person(session, actor, existing)
    _record_visit(session, actor, existing.id, matched=not differing, now=now)
    if seen_before or not differing:
        audit.record_read(
            session, at=now, actor=actor.username, entity="person", entity_id=existing.id
        )
        return CheckInResult(_full(session, existing), False)
    return CheckInResult(PersonView.summary(existing, _dose_summary(session, existing.id)), False)


def _register(session: Session, actor: Actor, data: PersonData, now: datetime) -> Person:
    family, given = split_name(data.full_name)
    province = admin_units.province_of_commune(data.commune_code) if data.commune_code else None
    person = Person(
        document_kind=data.document_kind,
        document_number=data.document_number,
        full_name=data.full_name,
        family_name=family,
        given_name=given,
        family_name_t=transliterate(family),
        given_name_t=transliterate(given),
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        nationality=data.nationality,
        commune_code=data.commune_code,
        province_code=province.code if province else _actor_province(session, actor),
        phone=data.phone,
        verification=VerificationStatus.UNVERIFIED,
        created_at=now,
        updated_at=now,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="register",
        entity="person",
        entity_id=person.id,
        details={"document_kind": data.document_kind},
    )
    return person


def _actor_province(session: Session, actor: Actor) -> str | None:
    if actor.facility_id is not None:
        return session.scalar(
            select(Facility.province_code).where(Facility.id == actor.facility_id)
        )
    return actor.province_code


def _record_visit(
    session: Session, actor: Actor, person_id: int, *, matched: bool, now: datetime
) -> None:
    if actor.facility_id is None:
        return  # provincial and national staff register, they do not vaccinate
    session.add(
        CheckIn(
            person_id=person_id,
            facility_id=actor.facility_id,
            staff_id=actor.staff_id,
            identity_matched=matched,
            at=now,
        )
    )
    session.flush()


def _dose_summary(session: Session, person_id: int) -> tuple[DoseSummary, ...]:
    rows = session.execute(
        select(Dose.dose_number, Dose.given_on, Dose.product_code)
        .where(Dose.person_id == person_id, Dose.probable_duplicate_of.is_(None))
        .order_by(Dose.given_on, Dose.id)
    )
    return tuple(DoseSummary(*row) for row in rows)


def _full(session: Session, person: Person) -> PersonView:
    doses = session.scalars(
        select(Dose).where(Dose.person_id == person.id).order_by(Dose.dose_number, Dose.id)
    )
    views = []
    for d in doses:
        certificate = (
            current_certificate(session, d.id) if d.sign_state == SignState.SIGNED else None
        )
        views.append(
            DoseView(dose_record(d), CertificateView.of(certificate) if certificate else None)
        )
    return PersonView.of(person, tuple(views))


def load(session: Session, person_id: int) -> Person:
    """The person with this id.

    Raises:
        NotFound: PERSON_NOT_FOUND.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise not_found("person", person_id)
    return person


def get_person(session: Session, actor: Actor, person_id: int, now: datetime) -> PersonView:
    """A person with their doses and certificates, when the scope opens the record; audited.

    Raises:
        NotFound: PERSON_NOT_FOUND.
        Forbidden: FORBIDDEN.
    """
    person = load(session, person_id)
    scope.require_read_person(session, actor, person)
    audit.record_read(session, at=now, actor=actor.username, entity="person", entity_id=person.id)
    return _full(session, person)


def set_verification(
    session: Session,
    actor: Actor,
    person_id: int,
    status: VerificationStatus,
    mismatched: list[str] | None,
    now: datetime,
    source: SignerSource | None = None,
) -> PersonView:
    """Record the outcome of verifying a person against the resident registry.

    A newly verified person's waiting doses move to the backlog and, with a `source` whose DSC
    may sign, are signed at once in this transaction.

    Raises:
        NotFound: PERSON_NOT_FOUND.
        Forbidden: FORBIDDEN (`scope.require_change_identity`).
    """
    person = load(session, person_id)
    scope.require_change_identity(session, actor, person)
    person.verification = status
    person.mismatched_fields = mismatched or None
    person.updated_at = now
    released = []
    if status is VerificationStatus.VERIFIED:
        for dose in session.scalars(
            select(Dose).where(
                Dose.person_id == person.id,
                Dose.sign_state == SignState.WAITING,
                Dose.probable_duplicate_of.is_(None),
            )
        ):
            dose.sign_state = SignState.PENDING
            dose.sign_refusal = None
            released.append(dose)
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="verify-identity",
        entity="person",
        entity_id=person_id,
        details={"status": status.value, "fields": mismatched},
    )
    if released and source is not None:
        session.flush()
        sign_now(session, released, source, now, actor.username)
    return _full(session, person)


SEARCH_LIMIT = 50


def fold(text: str) -> str:
    """A name for comparison: NFC, case, spacing and diacritics ignored; ``Đ``/``đ`` is ``d``.

    ``Đ`` is a letter of its own, not D with a mark (Unicode gives it no decomposition), so it
    is folded by hand, as the ICAO 9303 transliteration does.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def search(
    session: Session,
    actor: Actor,
    now: datetime,
    *,
    document_number: str | None = None,
    name: str | None = None,
    date_of_birth: str | None = None,
) -> list[PersonView]:
    """Persons by ID number, or by name and date of birth (diacritics-insensitive), in scope.

    Only records the scope opens are returned (at most `SEARCH_LIMIT`); each one returned is an
    audited read.

    Raises:
        Invalid: SEARCH_CRITERIA_MISSING without an ID number or a name with a date of birth.
    """
    query = select(Person)
    if document_number:
        query = query.where(Person.document_number == document_number)
    elif name and date_of_birth:
        family, _ = split_name(name)
        query = query.where(
            Person.date_of_birth == date_of_birth,
            or_(
                func.upper(Person.family_name_t) == transliterate(family),
                Person.family_name == family,
            ),
        )
    else:
        raise Invalid(
            IssuerCode.SEARCH_CRITERIA_MISSING,
            "search by document_number, or by name and date_of_birth",
        )
    wanted = fold(name) if name and not document_number else None
    found = []
    for person in session.scalars(query.order_by(Person.id).limit(SEARCH_LIMIT * 4)):
        if wanted is not None and fold(person.full_name) != wanted:
            continue
        if not scope.can_read_person(session, actor, person):
            continue
        audit.record_read(
            session, at=now, actor=actor.username, entity="person", entity_id=person.id
        )
        found.append(_full(session, person))
        if len(found) == SEARCH_LIMIT:
            break
    return found
