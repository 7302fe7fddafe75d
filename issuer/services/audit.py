"""The append-only, hash-chained audit log of every state change, in the registry database.

Writing and chaining are two steps, so that no request waits for another's commit:

1. `record` queues an entry; it is inserted, unchained, in the same transaction as the change it
   describes (an entry exists exactly when its change committed).
2. `seal` gives the committed unchained entries, in id order, the next sequence numbers and
   chains them: ``hash = SHA-256(prev_hash, seq, the entry)``. One sealer at a time (a
   PostgreSQL advisory try-lock; the unique ``seq`` refuses a second sealer everywhere).
   `seal_if_due` runs it at most once per `SEAL_INTERVAL` per process, after a request has
   been answered, so a second of writes is chained in one short transaction.

`verify` walks the chain in ``seq`` order. Until an entry is sealed (about a second) it is
protected only by the database's access control; `vaxpass audit verify` seals before it walks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from issuer.models import AuditRecord
from issuer.services.dose_rules import DoseDecision

GENESIS = "0" * 64
SEAL_INTERVAL = 1.0  # seconds between two seals in one process
ENTRY_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "details")  # what `entry` fills
_LOCK_KEY = 7_246_100  # PostgreSQL advisory lock class: one sealer at a time
_PENDING = "vaxpass.audit.pending"


class _Throttle:
    """When this process last sealed; one sealing thread at a time."""

    def __init__(self) -> None:
        self.last = 0.0
        self.lock = threading.Lock()


_throttle = _Throttle()


_TABLE = cast(Table, AuditRecord.__table__)
_INSERT = insert(_TABLE)
_UNSEALED = (
    select(_TABLE).where(_TABLE.c.seq.is_(None)).order_by(_TABLE.c.id).limit(bindparam("batch"))
)
_SEAL_ROW = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"))
    .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash"))
)
_PG_SEAL_ROWS = """
UPDATE audit_log SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
FROM unnest(%(row_id)s::integer[], %(seq)s::integer[], %(prev_hash)s::text[], %(hash)s::text[])
    AS v (id, seq, prev_hash, hash)
WHERE audit_log.id = v.id
"""


_log = logging.getLogger(__name__)
_ENTITY_ID_MAX = 60  # the column's length
_PATH_MAX = 200


def _digest(prev: str, seq: int, row: AuditRecord | Row[Any]) -> str:
    body = json.dumps(
        [prev, seq, _utc(row.at), row.actor, row.action, row.entity, row.entity_id, row.details],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def entry(
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one unsealed entry, by column (`ENTRY_COLUMNS`)."""
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "details": None if details is None else dict(details),
    }


def dose_recorded(decision: DoseDecision, actor: str, dose_id: int | None = None) -> dict[str, Any]:
    """The entry for a dose just recorded (and signed, when it was): both ways in write this.

    `issuer.services.doses` queues it in the caller's transaction (`record`), or, on its
    PostgreSQL path, inserts it in the statement that inserts the dose, which fills in the
    entity id (`dose_id` None here).
    """
    return entry(
        at=decision.recorded_at,
        actor=actor,
        action="record-dose",
        entity="dose",
        entity_id=dose_id,
        details=decision.details,
    )


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry to the log when the caller's transaction commits (sealed later)."""
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    pending.append(
        entry(
            at=at, actor=actor, action=action, entity=entity, entity_id=entity_id, details=details
        )
    )


def record_read(session: Session, *, at: datetime, actor: str, entity: str, entity_id: int) -> None:
    """Audit that `actor` read the personal data of one `entity` (who read whom, when)."""
    record(session, at=at, actor=actor, action="read", entity=entity, entity_id=entity_id)


def record_denial(
    factory: sessionmaker[Session], *, at: datetime, actor: str, request: str, reason: str
) -> None:
    """Audit a refused request in a transaction of its own, committed even as the request fails.

    It must never fail: whatever the request named (a path of any length) is cut to fit the
    columns, and should the database refuse anyway, a log line with a reference (and nothing
    of the request) says so instead of an error.
    """
    try:
        with factory() as session, session.begin():
            record(
                session,
                at=at,
                actor=actor[:_ENTITY_ID_MAX],
                action="denied",
                entity="request",
                entity_id=request[:_ENTITY_ID_MAX],
                details={"request": request[:_PATH_MAX], "reason": reason[:_PATH_MAX]},
            )
    except SQLAlchemyError as e:
        _log.error(
            "audit entry for a denial not written (ref %s): %s", secrets.token_hex(4), type(e)
        )


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:  # Core, on the connection: the ORM's bulk machinery costs more than the insert
        session.connection().execute(_INSERT, pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def seal(session: Session, batch: int = 10_000, *, wait: bool = False) -> int:
    """Chain the committed unsealed entries (up to `batch`) in the caller's transaction.

    Returns:
        How many entries were sealed; 0 also when another sealer holds the lock and not `wait`.

    Raises:
        IntegrityError: a concurrent sealer took the same sequence numbers (SQLite); the
            caller's transaction must roll back, the other sealer's work stands.
    """
    if session.get_bind().dialect.name == "postgresql":
        # one lock per registry: a database may hold several in schemas (the tests do)
        key = (_LOCK_KEY, func.hashtext(func.current_schema()))
        if wait:
            session.execute(select(func.pg_advisory_xact_lock(*key)))
        elif not session.scalar(select(func.pg_try_advisory_xact_lock(*key))):
            return 0
    last = session.execute(
        select(AuditRecord.seq, AuditRecord.hash)
        .where(AuditRecord.seq.is_not(None))
        .order_by(AuditRecord.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last[0] or 0, last[1] or GENESIS) if last else (0, GENESIS)
    connection = session.connection()  # Core rows: the ORM's objects cost more than the hashing
    rows = connection.execute(_UNSEALED, {"batch": batch}).all()
    changes = []
    for row in rows:
        seq += 1
        digest = _digest(prev, seq, row)
        changes.append({"row_id": row.id, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    if changes and connection.dialect.name == "postgresql":  # one statement, not one per row
        columns = {name: [c[name] for c in changes] for name in changes[0]}
        connection.exec_driver_sql(_PG_SEAL_ROWS, columns)
    elif changes:
        connection.execute(_SEAL_ROW, changes)
    return len(changes)


def seal_all(factory: sessionmaker[Session]) -> int:
    """Seal every committed entry, batch after batch; return how many were sealed."""
    total = 0
    while True:
        with factory() as session, session.begin():
            sealed = seal(session, wait=True)
        total += sealed
        if sealed == 0:
            return total


def seal_if_due(factory: sessionmaker[Session]) -> None:
    """Seal what is waiting, unless this process sealed less than `SEAL_INTERVAL` ago.

    Never raises for a lost race with another sealer: the entries are sealed next time.
    """
    now = time.monotonic()
    if now - _throttle.last < SEAL_INTERVAL or not _throttle.lock.acquire(blocking=False):
        return
    try:
        _throttle.last = now
        with factory() as session, session.begin():
            seal(session)
    except (IntegrityError, OperationalError):
        pass  # another process sealed these entries, or SQLite was busy: next time
    finally:
        _throttle.lock.release()


def verify(session: Session, batch: int = 10_000) -> tuple[int, int | None]:
    """Walk the sealed chain in order.

    Returns:
        (entries checked, sequence number of the first broken entry or None).
    """
    prev, count, last_seq = GENESIS, 0, 0
    while True:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.seq > last_seq)
            .order_by(AuditRecord.seq)
            .limit(batch)
        ).all()
        if not rows:
            return count, None
        for row in rows:
            if (
                row.seq != last_seq + 1
                or row.prev_hash != prev
                or row.hash != _digest(prev, row.seq, row)
            ):
                return count, row.seq
            prev, count, last_seq = row.hash, count + 1, row.seq


def unsealed(session: Session) -> int:
    """How many committed entries are not chained yet."""
    return session.scalar(select(func.count()).where(AuditRecord.seq.is_(None))) or 0


def _utc(t: datetime) -> str:
    # SQLite hands back naive datetimes, PostgreSQL ones in the session's zone: hash UTC always
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
