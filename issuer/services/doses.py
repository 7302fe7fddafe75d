"""Recording a dose: the injection day's hot path, signed into a certificate the same day.

Two entry points share every rule (`_prepare`):

- `record_dose` works in the caller's session and transaction, on any database (the seed, the
  corrections, the tests);
- `record_and_commit` is what the API calls: it records and commits one dose. On PostgreSQL it
  reads once and writes once on an autocommit connection, through the driver: the dose, its
  certificate and its audit entry go in one ``INSERT … WITH`` statement, which is atomic on its
  own. That is as safe as a transaction (which would take no locks on its reads either; the
  unique idempotency key settles a race) and costs the web worker less than half the CPU of
  the same work through the ORM session (`bench/bench_http.py`). Elsewhere it is
  `record_dose` in a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Connection, Engine, Table, bindparam, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from issuer.domain import ScreeningOutcome, SignState, VerificationStatus
from issuer.models import Certificate, Dose, Person, Screening
from issuer.services import audit, reference_cache, scope
from issuer.services.errors import Conflict, Invalid, IssuerCode, Unavailable, not_found
from issuer.services.reference_cache import FacilityRef
from issuer.services.scope import Actor
from issuer.services.signing import (
    DEFAULT_VALIDITY,
    SignedCertificate,
    SignerSource,
    current_certificate,
    try_sign,
)

SIGNABLE_SCREENING = {ScreeningOutcome.ELIGIBLE, ScreeningOutcome.PRECAUTION}


@dataclass(frozen=True, slots=True)
class DoseData:
    """A dose as a site records it."""

    idempotency_key: str
    person_id: int
    facility_id: int
    lot_number: str
    product_code: str
    dose_number: int
    given_on: date
    team_id: int | None = None  # the ê kíp that gave it, one of the facility's


@dataclass(frozen=True, slots=True)
class DoseRecord:
    """A dose as stored (plain data, not an ORM object: the hot path builds one per request)."""

    id: int
    idempotency_key: str
    person_id: int
    product_code: str
    lot_id: int
    lot_number: str
    dose_number: int
    given_on: date
    facility_id: int
    staff_id: int
    screening_id: int | None
    team_id: int | None
    probable_duplicate_of: int | None
    sign_state: str
    sign_refusal: str | None
    created_at: datetime

    @classmethod
    def of(cls, dose: Dose) -> DoseRecord:
        """The fields of a stored dose (its lot is loaded)."""
        values = {name: getattr(dose, name) for name in _DOSE_COLUMNS}
        return cls(id=dose.id, lot_number=dose.lot.number, **values)


class RecordedDose(NamedTuple):
    """The outcome of recording a dose."""

    dose: DoseRecord
    created: bool  # False: the same idempotency key was recorded before
    certificate: SignedCertificate | None  # its valid certificate, when signed


def find_by_idempotency_key(session: Session, key: str) -> Dose | None:
    """The dose recorded under `key`, if any (with its lot loaded)."""
    return session.scalar(
        select(Dose).where(Dose.idempotency_key == key).options(joinedload(Dose.lot))
    )


class _Past(NamedTuple):
    """A dose already in the registry that bears on the new one."""

    id: int
    idempotency_key: str
    person_id: int
    dose_number: int
    given_on: date
    facility_id: int
    probable_duplicate_of: int | None


class _Holder(NamedTuple):
    """The person to vaccinate, with their latest screening at this facility."""

    id: int
    date_of_birth: str
    verification: str
    family_name: str
    given_name: str
    family_name_t: str
    given_name_t: str
    screening_id: int | None
    screening_at: datetime | None
    screening_outcome: str | None


class _Prepared(NamedTuple):
    """A validated dose (its columns), signed when it could be, and its audit entry."""

    dose: dict[str, Any]
    certificate: SignedCertificate | None
    audit: dict[str, Any]
    lot_number: str


def record_dose(
    session: Session,
    actor: Actor,
    data: DoseData,
    now: datetime,
    source: SignerSource | None = None,
) -> RecordedDose:
    """Record one dose in the caller's transaction, after validating everything.

    Idempotent on `data.idempotency_key`. With a `source`, a dose that may be signed (verified
    person, not a probable duplicate) is signed at once and stored already SIGNED with its
    certificate; otherwise it goes to the backlog.

    Raises:
        Forbidden: FORBIDDEN.
        NotFound: FACILITY_NOT_FOUND, PERSON_NOT_FOUND.
        Invalid: LOT_NOT_FOUND, LOT_PRODUCT_MISMATCH, LOT_EXPIRED, DATE_INVALID,
            SCREENING_REQUIRED, TEAM_NOT_FOUND, DOSE_NUMBER_INCONSISTENT.
        Conflict: DOSE_DUPLICATE, IDEMPOTENCY_KEY_REUSED.
    """
    connection = session.connection()
    facility = _facility_in_scope(connection, actor, data.facility_id)
    history = [
        _Past(*row)
        for row in connection.execute(
            _HISTORY, {"person_id": data.person_id, "key": data.idempotency_key}
        )
    ]
    if _recorded_before(history, data):
        return replay(session, data.idempotency_key)
    row = connection.execute(
        _PERSON_SCREENED, {"person_id": data.person_id, "facility_id": facility.id}
    ).first()
    person = _Holder._make(row) if row else None
    dose, certificate, entry, lot_number = _prepare(
        connection, actor, data, now, source, facility, history, person
    )
    dose_id = connection.execute(_INSERT_DOSE, dose).scalar_one()
    if certificate is not None:
        connection.execute(_INSERT_CERTIFICATE, certificate._asdict() | {"dose_id": dose_id})
    audit.record(session, entity_id=dose_id, **entry)
    return RecordedDose(DoseRecord(id=dose_id, lot_number=lot_number, **dose), True, certificate)


def record_and_commit(
    factory: sessionmaker[Session],
    actor: Actor,
    data: DoseData,
    now: datetime,
    source: SignerSource | None = None,
) -> RecordedDose:
    """Record one dose and commit it (the API's call).

    On PostgreSQL: one read and one write through the driver (see the module); elsewhere
    `record_dose` in a transaction of its own. A concurrent request with the same idempotency
    key that commits first makes this one answer with that dose, as a replay would.

    Raises:
        Refusal: as `record_dose`; Unavailable: DATABASE_UNAVAILABLE when the connection broke
            while writing (a retry with the same key records the dose once).
    """
    engine: Engine = factory.kw["bind"]
    try:
        if engine.dialect.name == "postgresql":
            return _record_on_postgresql(engine, actor, data, now, source)
        with factory() as session, session.begin():
            return record_dose(session, actor, data, now, source)
    except (IntegrityError, psycopg.errors.UniqueViolation):
        with factory() as session, session.begin():
            if find_by_idempotency_key(session, data.idempotency_key) is None:
                raise  # another unique column: not a race on the key
            # the winner's dose is there: replayed, or refused as a reused key
            return record_dose(session, actor, data, now, source)


def replay(session: Session, key: str) -> RecordedDose:
    """The dose recorded under `key` (which exists), as recording it again answers."""
    dose = find_by_idempotency_key(session, key)
    assert dose is not None, key
    certificate = current_certificate(session, dose.id)
    return RecordedDose(
        DoseRecord.of(dose), False, SignedCertificate.of(certificate) if certificate else None
    )


# -- the rules ------------------------------------------------------------------------------------


def _facility_in_scope(bind: Connection, actor: Actor, facility_id: int) -> FacilityRef:
    facility = reference_cache.facility(bind, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    scope.require_facility(actor, facility, write=True)
    return facility


def _recorded_before(history: Iterable[_Past], data: DoseData) -> bool:
    """Whether this very dose was recorded under its idempotency key already.

    Raises:
        Conflict: IDEMPOTENCY_KEY_REUSED, the key names another dose (or another site's).
    """
    for d in history:
        if d.idempotency_key == data.idempotency_key:
            if (d.person_id, d.dose_number, d.given_on, d.facility_id) == (
                data.person_id,
                data.dose_number,
                data.given_on,
                data.facility_id,
            ):
                return True  # the same site's own retry: another site never sees this dose
            raise Conflict(
                IssuerCode.IDEMPOTENCY_KEY_REUSED, "this idempotency key was used for another dose"
            )
    return False


def _prepare(
    bind: Connection,
    actor: Actor,
    data: DoseData,
    now: datetime,
    source: SignerSource | None,
    facility: FacilityRef,
    history: list[_Past],
    person: _Holder | None,
) -> _Prepared:
    """Validate the dose against its person, lot, screening and history; sign it if it may be.

    `history` is the person's doses (`_recorded_before` has found none under this key); the
    facility, lot, team and product come from `reference_cache`.
    """
    if person is None:
        raise not_found("person", data.person_id)
    if data.team_id is not None and reference_cache.team_facility(bind, data.team_id) != (
        facility.id
    ):
        raise Invalid(
            IssuerCode.TEAM_NOT_FOUND, f"team {data.team_id} is not a team of {facility.code}"
        )
    lot = reference_cache.lot(bind, facility.id, data.lot_number)
    if lot is None:
        raise Invalid(
            IssuerCode.LOT_NOT_FOUND, f"lot {data.lot_number!r} was not received by {facility.code}"
        )
    if lot.product_code != data.product_code:
        raise Invalid(
            IssuerCode.LOT_PRODUCT_MISMATCH,
            f"lot {lot.number} is {lot.product_code}, not {data.product_code}",
        )
    if data.given_on > now.date() or data.given_on.isoformat() < person.date_of_birth[:10]:
        raise Invalid(
            IssuerCode.DATE_INVALID, f"got {data.given_on}, expected a past date after birth"
        )
    if lot.expires_on < data.given_on:
        raise Invalid(IssuerCode.LOT_EXPIRED, f"lot {lot.number} expired on {lot.expires_on}")
    _check_screening(person.screening_at, person.screening_outcome, data.given_on)
    counted = [d for d in history if d.probable_duplicate_of is None]
    same_day = [d for d in counted if d.given_on == data.given_on]
    duplicate_of = None
    if same_day:
        if any(d.facility_id == facility.id for d in same_day):
            raise Conflict(
                IssuerCode.DOSE_DUPLICATE, "this person already has a dose today at this site"
            )
        duplicate_of = same_day[0].id  # another site, same day: kept, flagged, not signed
    elif data.dose_number != len(counted) + 1:
        raise Invalid(
            IssuerCode.DOSE_NUMBER_INCONSISTENT,
            f"got dose {data.dose_number}, the history has {len(counted)} doses",
        )
    signable = person.verification == VerificationStatus.VERIFIED and duplicate_of is None
    details: dict[str, Any] = {
        "person": person.id,
        "dose_number": data.dose_number,
        "lot": lot.number,
        "duplicate_of": duplicate_of,
    }
    state, certificate = SignState.PENDING if signable else SignState.WAITING, None
    signer = source.signer(now + DEFAULT_VALIDITY) if signable and source else None
    if signer is not None:
        primary = reference_cache.primary_doses(bind, lot.product_code) or 1
        certificate, refusal = try_sign(data, person, primary, signer, now)
        state = SignState.SIGNED if certificate else SignState.WAITING
        # signed in the same transaction: one audit entry tells both
        if certificate is not None:
            details |= {"signed": certificate.uvci, "kid": certificate.dsc_kid}
        else:
            details["sign_refused"] = refusal
    dose = {
        "idempotency_key": data.idempotency_key,
        "person_id": person.id,
        "product_code": lot.product_code,
        "lot_id": lot.id,
        "dose_number": data.dose_number,
        "given_on": data.given_on,
        "facility_id": facility.id,
        "staff_id": actor.staff_id,
        "screening_id": person.screening_id,
        "team_id": data.team_id,
        "probable_duplicate_of": duplicate_of,
        "sign_state": state,
        "sign_refusal": details.get("sign_refused"),
        "created_at": now,
    }
    entry = {"at": now, "actor": actor.username, "action": "record-dose", "entity": "dose"}
    return _Prepared(dose, certificate, entry | {"details": details}, lot.number)


def _check_screening(at: datetime | None, outcome: str | None, day: date) -> None:
    if at is None or at.date() != day:
        raise Invalid(IssuerCode.SCREENING_REQUIRED, "no screening for this person here today")
    if outcome not in SIGNABLE_SCREENING:
        raise Invalid(IssuerCode.SCREENING_REQUIRED, f"the screening says {outcome}")


# -- the statements -------------------------------------------------------------------------------
# Built once: SQLAlchemy caches the compiled form of a statement object, psycopg prepares a
# query it has seen a few times.

_DOSES, _CERTIFICATES = cast(Table, Dose.__table__), cast(Table, Certificate.__table__)
_PERSONS, _SCREENINGS = cast(Table, Person.__table__), cast(Table, Screening.__table__)
_DOSE_COLUMNS = tuple(c.key for c in _DOSES.columns if c.key != "id")
_CERTIFICATE_COLUMNS = SignedCertificate._fields
_AUDIT_COLUMNS = ("at", "actor", "action", "entity", "details")

_HISTORY = (
    select(*(_DOSES.c[name] for name in _Past._fields))
    .where(
        or_(
            _DOSES.c.person_id == bindparam("person_id"),
            _DOSES.c.idempotency_key == bindparam("key"),
        )
    )
    .order_by(_DOSES.c.id)
)
_LATEST_SCREENING = (
    select(_SCREENINGS.c.id)
    .where(
        _SCREENINGS.c.person_id == _PERSONS.c.id,
        _SCREENINGS.c.facility_id == bindparam("facility_id"),
    )
    .order_by(_SCREENINGS.c.at.desc())
    .limit(1)
    .correlate(_PERSONS)
    .scalar_subquery()
)
_PERSON_SCREENED = (
    select(
        *(_PERSONS.c[name] for name in _Holder._fields[:7]),
        _SCREENINGS.c.id,
        _SCREENINGS.c.at,
        _SCREENINGS.c.outcome,
    )
    .outerjoin(_SCREENINGS, _SCREENINGS.c.id == _LATEST_SCREENING)
    .where(_PERSONS.c.id == bindparam("person_id"))
)
_INSERT_DOSE = insert(_DOSES).returning(_DOSES.c.id)
_INSERT_CERTIFICATE = insert(_CERTIFICATES)


# -- PostgreSQL: one read, one write ---------------------------------------------------------------


def _record_on_postgresql(
    engine: Engine, actor: Actor, data: DoseData, now: datetime, source: SignerSource | None
) -> RecordedDose:
    for retry in (True, False):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            facility = _facility_in_scope(connection, actor, data.facility_id)
            driver = connection.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            try:
                rows = driver.execute(
                    _PG_READ,
                    {
                        "person_id": data.person_id,
                        "facility_id": facility.id,
                        "key": data.idempotency_key,
                    },
                ).fetchall()
            except psycopg.OperationalError as e:
                # a pooled connection the server closed (a restart): nothing is written yet,
                # so read again on a new one (SQLAlchemy never saw this driver error)
                connection.invalidate()
                if retry:
                    continue
                raise _unavailable(e) from e
            history = [_Past(*row[10:]) for row in rows if row[10] is not None]
            if _recorded_before(history, data):
                with Session(connection) as session:
                    return replay(session, data.idempotency_key)
            person = _Holder(*rows[0][:10]) if rows[0][0] is not None else None
            dose, certificate, entry, lot_number = _prepare(
                connection, actor, data, now, source, facility, history, person
            )
            values = _prefixed("dose_", dose) | _prefixed("entry_", entry)
            values["entry_details"] = Json(entry["details"])
            if certificate is not None:
                values |= _prefixed("certificate_", certificate._asdict())
            try:
                written = driver.execute(_PG_WRITE_SIGNED if certificate else _PG_WRITE, values)
                dose_id = written.fetchall()[0][0]
            except psycopg.OperationalError as e:
                connection.invalidate()  # written or not: the client's retry with the key tells
                raise _unavailable(e) from e
            return RecordedDose(
                DoseRecord(id=dose_id, lot_number=lot_number, **dose), True, certificate
            )
    raise AssertionError("unreachable: the second attempt returns or raises")


def _prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {prefix + key: value for key, value in values.items()}


def _unavailable(e: Exception) -> Unavailable:
    return Unavailable(
        IssuerCode.DATABASE_UNAVAILABLE,
        f"the database did not answer ({e.__class__.__name__}); retry with the same "
        "Idempotency-Key",
    )


def _pg_insert(
    name: str, table: str, columns: Iterable[str], returning: str = "", **computed: str
) -> str:
    """``name AS (INSERT INTO table …)``, each column from the parameter ``name_column``."""
    names = [*computed, *columns]
    values = [*computed.values(), *(f"%({name}_{c})s" for c in columns)]
    return (
        f"{name} AS (INSERT INTO {table} ({', '.join(names)}) "
        f"VALUES ({', '.join(values)}){returning})"
    )


# the person (or NULLs) with their latest screening here, once per past dose (or once)
_PG_READ = f"""
SELECT p.id, p.date_of_birth, p.verification, p.family_name, p.given_name, p.family_name_t,
       p.given_name_t, s.id, s.at, s.outcome, {", ".join(f"d.{name}" for name in _Past._fields)}
FROM (SELECT %(person_id)s::integer AS id) AS wanted
LEFT JOIN persons AS p ON p.id = wanted.id
LEFT JOIN LATERAL (
    SELECT id, at, outcome FROM screenings
    WHERE person_id = p.id AND facility_id = %(facility_id)s
    ORDER BY at DESC LIMIT 1
) AS s ON true
LEFT JOIN doses AS d ON d.person_id = wanted.id OR d.idempotency_key = %(key)s
ORDER BY d.id
"""
_DOSE_ID = "(SELECT id FROM dose)"
_PG_DOSE = _pg_insert("dose", "doses", _DOSE_COLUMNS, returning=" RETURNING id")
_PG_ENTRY = _pg_insert("entry", "audit_log", _AUDIT_COLUMNS, entity_id=f"{_DOSE_ID}::text")
_PG_CERTIFICATE = _pg_insert("certificate", "certificates", _CERTIFICATE_COLUMNS, dose_id=_DOSE_ID)
_PG_WRITE = f"WITH {_PG_DOSE}, {_PG_ENTRY} SELECT id FROM dose"
_PG_WRITE_SIGNED = f"WITH {_PG_DOSE}, {_PG_ENTRY}, {_PG_CERTIFICATE} SELECT id FROM dose"
