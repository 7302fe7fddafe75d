"""Recording a dose: the injection day's hot path, signed into a certificate the same day.

The rules are one pure function, `issuer.services.dose_rules.decide_dose`; this module is its
storage shell: it reads the facts, signs what the decision lets it sign (`_sign`), and writes
the dose, its certificate and its audit entry (`issuer.services.audit.dose_recorded`). Two
ways in share all of it:

- `record_dose` works in the caller's session and transaction, on any database (the seed, the
  corrections, the tests);
- `record_and_commit` is what the API calls: it records and commits one dose. On PostgreSQL it
  reads once and writes once on an autocommit connection, through the driver: the dose, its
  certificate and its audit entry go in one ``INSERT … WITH`` statement, which is atomic on its
  own. That is as safe as a transaction (which would take no locks on its reads either; the
  unique idempotency key settles a race) and costs the web worker less than half the CPU of
  the same work through the ORM session (`bench/bench_http.py`). Elsewhere it is
  `record_dose` in a transaction.

Every statement is a SQLAlchemy Core construct. The PostgreSQL path's two are compiled once per
process for the psycopg dialect (`_DriverStatement`) and run on the driver's connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple, cast

import psycopg
from psycopg.types.json import Json
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker
from sqlalchemy.sql import ClauseElement

from issuer.domain import CertificateStatus
from issuer.models import AuditRecord, Certificate, Dose, Lot, Person, Screening
from issuer.services import audit, reference_cache, scope
from issuer.services.dose_rules import (
    DoseData,
    DoseDecision,
    DoseRecord,
    FacilityRef,
    ScreeningResult,
    Vaccinee,
    decide_dose,
)
from issuer.services.errors import IssuerCode, Unavailable, not_found
from issuer.services.scope import Actor
from issuer.services.signing import DEFAULT_VALIDITY, SignedCertificate, SignerSource, try_sign

__all__ = [
    "DoseData",
    "DoseRecord",
    "RecordedDose",
    "dose_record",
    "find_by_idempotency_key",
    "record_and_commit",
    "record_dose",
]


class RecordedDose(NamedTuple):
    """The outcome of recording a dose."""

    dose: DoseRecord
    created: bool  # False: the same idempotency key was recorded before
    certificate: SignedCertificate | None  # its valid certificate, when signed


def dose_record(dose: Dose) -> DoseRecord:
    """The plain values of a stored dose (its lot is loaded)."""
    return DoseRecord(
        lot_number=dose.lot.number, **{name: getattr(dose, name) for name in _RECORD_COLUMNS}
    )


def find_by_idempotency_key(session: Session, key: str) -> Dose | None:
    """The dose recorded under `key`, if any (with its lot loaded)."""
    return session.scalar(
        select(Dose).where(Dose.idempotency_key == key).options(joinedload(Dose.lot))
    )


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
        DoseRecord(*row)
        for row in connection.execute(
            _HISTORY, {"person_id": data.person_id, "key": data.idempotency_key}
        )
    ]
    row = connection.execute(
        _PERSON_SCREENED, {"person_id": data.person_id, "facility_id": facility.id}
    ).first()
    person = _vaccinee(row) if row else None
    decided = _decide(connection, actor, data, now, facility, person, history)
    if isinstance(decided, DoseRecord):
        return _replay(connection, decided)
    decision, certificate = _sign(connection, decided, source, now)
    dose_id = connection.execute(_INSERT_DOSE, decision.columns()).scalar_one()
    if certificate is not None:
        connection.execute(_INSERT_CERTIFICATE, certificate._asdict() | {"dose_id": dose_id})
    audit.record(session, **audit.dose_recorded(decision, actor.username, dose_id))
    return RecordedDose(decision.record(dose_id), True, certificate)


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


# -- the shell around the rules: facts in, signature, outcome out ---------------------------------


def _facility_in_scope(bind: Connection, actor: Actor, facility_id: int) -> FacilityRef:
    facility = reference_cache.facility(bind, facility_id)
    if facility is None:
        raise not_found("facility", facility_id)
    scope.require_facility(actor, facility, write=True)
    return facility


def _vaccinee(row: Sequence[Any]) -> Vaccinee:
    """The person from a row of their columns (`_PERSON_COLUMNS`) and their latest screening's."""
    n = len(_PERSON_COLUMNS)
    screening = ScreeningResult(*row[n : n + 3]) if row[n] is not None else None
    return Vaccinee(**dict(zip(_PERSON_COLUMNS, row, strict=False)), screening=screening)


def _decide(
    bind: Connection,
    actor: Actor,
    data: DoseData,
    now: datetime,
    facility: FacilityRef,
    person: Vaccinee | None,
    history: Sequence[DoseRecord],
) -> DoseDecision | DoseRecord:
    """`decide_dose` over the facts read, and the lot and team from `reference_cache`."""
    team = data.team_id
    return decide_dose(
        data,
        person=person,
        lot=reference_cache.lot(bind, facility.id, data.lot_number),
        facility=facility,
        team_facility_id=None if team is None else reference_cache.team_facility(bind, team),
        history=history,
        staff_id=actor.staff_id,
        now=now,
    )


def _sign(
    bind: Connection, decision: DoseDecision, source: SignerSource | None, now: datetime
) -> tuple[DoseDecision, SignedCertificate | None]:
    """Sign the dose when the decision allows it and a DSC may sign now.

    Returns:
        The decision as signed (or refused: data that cannot make a valid certificate), with
        the certificate; the decision unchanged (the dose goes to the backlog) and None when
        it may not be signed or no DSC is active.
    """
    signer = source.signer(now + DEFAULT_VALIDITY) if decision.may_sign and source else None
    if signer is None:
        return decision, None
    primary = reference_cache.primary_doses(bind, decision.lot.product_code) or 1
    certificate, refusal = try_sign(decision.request, decision.person, primary, signer, now)
    if certificate is None:
        return decision.refused(refusal or ""), None
    return decision.signed(certificate.uvci, certificate.dsc_kid), certificate


def _replay(bind: Connection, dose: DoseRecord) -> RecordedDose:
    """The answer to a retry of `dose`: the dose, and its valid certificate when signed."""
    row = bind.execute(_CURRENT_CERTIFICATE, {"dose_id": dose.id}).first()
    return RecordedDose(dose, False, SignedCertificate(*row) if row else None)


# -- the statements -------------------------------------------------------------------------------
# Built once: SQLAlchemy caches the compiled form of a statement object, psycopg prepares a
# query it has seen a few times.

_DOSES, _CERTIFICATES = cast(Table, Dose.__table__), cast(Table, Certificate.__table__)
_PERSONS, _SCREENINGS = cast(Table, Person.__table__), cast(Table, Screening.__table__)
_LOTS, _AUDIT_LOG = cast(Table, Lot.__table__), cast(Table, AuditRecord.__table__)
_RECORD_COLUMNS = tuple(f.name for f in fields(DoseRecord) if f.name != "lot_number")
_PERSON_COLUMNS = tuple(f.name for f in fields(Vaccinee) if f.name != "screening")
# a `DoseRecord`, column by column: the dose's own and its lot's number
_RECORD = tuple(
    _LOTS.c.number if name == "lot_number" else _DOSES.c[name]
    for name in (f.name for f in fields(DoseRecord))
)
_SCREENING_COLUMNS = tuple(f.name for f in fields(ScreeningResult))

_HISTORY = (
    select(*_RECORD)
    .join(_LOTS, _LOTS.c.id == _DOSES.c.lot_id)
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
        *(_PERSONS.c[name] for name in _PERSON_COLUMNS),
        *(_SCREENINGS.c[name] for name in _SCREENING_COLUMNS),
    )
    .outerjoin(_SCREENINGS, _SCREENINGS.c.id == _LATEST_SCREENING)
    .where(_PERSONS.c.id == bindparam("person_id"))
)
_INSERT_DOSE = insert(_DOSES).returning(_DOSES.c.id)
_INSERT_CERTIFICATE = insert(_CERTIFICATES)
_CURRENT_CERTIFICATE = select(*(_CERTIFICATES.c[name] for name in SignedCertificate._fields)).where(
    _CERTIFICATES.c.dose_id == bindparam("dose_id"),
    _CERTIFICATES.c.status == CertificateStatus.VALID,
)


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
                rows = _PG_READ.run(
                    driver,
                    {
                        "person_id": data.person_id,
                        "facility_id": facility.id,
                        "key": data.idempotency_key,
                    },
                )
            except psycopg.OperationalError as e:
                # a pooled connection the server closed (a restart): nothing is written yet,
                # so read again on a new one (SQLAlchemy never saw this driver error)
                connection.invalidate()
                if retry:
                    continue
                raise _unavailable(e) from e
            past = len(_PERSON_COLUMNS) + len(_SCREENING_COLUMNS)  # where a row's dose begins
            history = [DoseRecord(*row[past:]) for row in rows if row[past] is not None]
            person = _vaccinee(rows[0]) if rows[0][0] is not None else None
            decided = _decide(connection, actor, data, now, facility, person, history)
            if isinstance(decided, DoseRecord):
                return _replay(connection, decided)
            decision, certificate = _sign(connection, decided, source, now)
            try:
                written = (_PG_WRITE_SIGNED if certificate else _PG_WRITE).run(
                    driver, _write_values(decision, certificate, actor)
                )
            except psycopg.OperationalError as e:
                connection.invalidate()  # written or not: the client's retry with the key tells
                raise _unavailable(e) from e
            return RecordedDose(decision.record(written[0][0]), True, certificate)
    raise AssertionError("unreachable: the second attempt returns or raises")


def _write_values(
    decision: DoseDecision, certificate: SignedCertificate | None, actor: Actor
) -> dict[str, Any]:
    """The parameters of `_PG_WRITE` (or `_PG_WRITE_SIGNED`, with a certificate)."""
    values = {"dose_" + name: value for name, value in decision.columns().items()}
    entry = audit.dose_recorded(decision, actor.username)  # its entity id: the statement's
    values |= {"entry_" + name: entry[name] for name in _ENTRY_COLUMNS}
    values["entry_details"] = Json(entry["details"])  # the driver's: SQLAlchemy's type is bypassed
    if certificate is not None:
        values |= {"certificate_" + name: value for name, value in certificate._asdict().items()}
    return values


def _unavailable(e: Exception) -> Unavailable:
    return Unavailable(
        IssuerCode.DATABASE_UNAVAILABLE,
        f"the database did not answer ({e.__class__.__name__}); retry with the same "
        "Idempotency-Key",
    )


@dataclass(frozen=True, slots=True)
class _DriverStatement:
    """A Core statement compiled once for psycopg, run on the driver's own connection.

    The statement is a Core construct; its text and the parameters it carries itself (its
    ``LIMIT``) come from SQLAlchemy's compiler, once per process. Executing it through
    SQLAlchemy instead (cache key, parameter and result processing on every call) cost the web
    worker 40-60 % more CPU per dose, signing included (both ways in one process, in
    alternating batches; measured 2026-12-02). The values go to psycopg as they are: a JSON
    value is wrapped (`Json`).
    """

    sql: str
    fixed: Mapping[str, Any]  # the compiled parameters the statement carries itself

    @classmethod
    def of(cls, statement: ClauseElement) -> _DriverStatement:
        """Compile `statement` for PostgreSQL through psycopg (``%(name)s`` placeholders)."""
        compiled = statement.compile(dialect=_PSYCOPG)
        fixed = {name: value for name, value in compiled.params.items() if value is not None}
        return cls(str(compiled), fixed)

    def run(self, driver: psycopg.Connection[Any], values: Mapping[str, Any]) -> list[Any]:
        """Execute with `values` for the named parameters; all the rows."""
        return driver.execute(self.sql, {**self.fixed, **values}).fetchall()


def _pg_read() -> ClauseElement:
    """Everything the rules need of the database, in one row per dose of the history.

    The person (or NULLs) with their latest screening at the facility (a ``LATERAL``
    subquery), repeated on each of their doses and any dose under the key (or once, with
    NULLs, when there is none), in id order.
    """
    wanted = select(bindparam("person_id", type_=_PERSONS.c.id.type).label("id")).subquery("wanted")
    screening = (
        select(*(_SCREENINGS.c[name] for name in _SCREENING_COLUMNS))
        .where(
            _SCREENINGS.c.person_id == _PERSONS.c.id,
            _SCREENINGS.c.facility_id == bindparam("facility_id"),
        )
        .order_by(_SCREENINGS.c.at.desc())
        .limit(1)
        .lateral("screening")
    )
    facts = (
        wanted.outerjoin(_PERSONS, _PERSONS.c.id == wanted.c.id)
        .outerjoin(screening, true())
        .outerjoin(
            _DOSES,
            or_(
                _DOSES.c.person_id == wanted.c.id,
                _DOSES.c.idempotency_key == bindparam("key"),
            ),
        )
        .outerjoin(_LOTS, _LOTS.c.id == _DOSES.c.lot_id)
    )
    return (
        select(
            *(_PERSONS.c[name] for name in _PERSON_COLUMNS),
            *(screening.c[name] for name in _SCREENING_COLUMNS),
            *_RECORD,
        )
        .select_from(facts)
        .order_by(_DOSES.c.id)
    )


_ENTRY_COLUMNS = tuple(name for name in audit.ENTRY_COLUMNS if name != "entity_id")


def _pg_write(signed: bool) -> ClauseElement:
    """The dose, its audit entry and (`signed`) its certificate in one statement.

    Each column's value is the parameter ``<cte>_<column>``; the entry and the certificate
    take the new dose's id from the dose's ``RETURNING``.
    """
    dose = (
        insert(_DOSES)
        .values({name: bindparam("dose_" + name) for name in _RECORD_COLUMNS if name != "id"})
        .returning(_DOSES.c.id)
        .cte("dose")
    )
    dose_id = select(dose.c.id).scalar_subquery()
    entry = (
        insert(_AUDIT_LOG)
        .values(
            {name: bindparam("entry_" + name) for name in _ENTRY_COLUMNS}
            | {"entity_id": sql_cast(dose_id, _AUDIT_LOG.c.entity_id.type)}
        )
        .cte("entry")
    )
    statement = select(dose.c.id).add_cte(entry)
    if signed:
        certificate = (
            insert(_CERTIFICATES)
            .values(
                {name: bindparam("certificate_" + name) for name in SignedCertificate._fields}
                | {"dose_id": dose_id}
            )
            .cte("certificate")
        )
        statement = statement.add_cte(certificate)
    return statement


# the dialect the engine uses (``postgresql+psycopg``), without a connection: it only compiles
_PSYCOPG = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
_PG_READ = _DriverStatement.of(_pg_read())
_PG_WRITE = _DriverStatement.of(_pg_write(signed=False))
_PG_WRITE_SIGNED = _DriverStatement.of(_pg_write(signed=True))
