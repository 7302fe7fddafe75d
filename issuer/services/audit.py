"""The append-only, hash-chained audit log of every state change, in the registry database."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from issuer.models import AuditRecord

GENESIS = "0" * 64
_LOCK_KEY = 7_246_100  # PostgreSQL advisory lock serialising appends to the chain


def _digest(
    prev: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    details: dict[str, Any] | None,
) -> str:
    body = json.dumps(
        [prev, _utc(at), actor, action, entity, entity_id, details],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the chain when the caller's transaction commits.

    Entries are chained just before the commit (under a PostgreSQL advisory lock that serialises
    writers of the chain), so the lock is held for one insert and the commit, not for the whole
    transaction: concurrent requests do not queue behind each other's work.
    """
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    pending.append(
        {
            "at": at,
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "details": details,
        }
    )


_PENDING = "vaxpass.audit.pending"


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    prev = (
        session.scalar(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)) or GENESIS
    )
    for entry in pending:
        digest = _digest(
            prev,
            entry["at"],
            entry["actor"],
            entry["action"],
            entry["entity"],
            entry["entity_id"],
            entry["details"],
        )
        session.add(AuditRecord(**entry, prev_hash=prev, hash=digest))
        prev = digest
    session.flush()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def verify(session: Session, batch: int = 10_000) -> tuple[int, int | None]:
    """Walk the chain; return (entries checked, id of the first broken entry or None)."""
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.id > last_id)
            .order_by(AuditRecord.id)
            .limit(batch)
        ).all()
        if not rows:
            return count, None
        for row in rows:
            expected = _digest(
                prev, row.at, row.actor, row.action, row.entity, row.entity_id, row.details
            )
            if row.prev_hash != prev or row.hash != expected:
                return count, row.id
            prev, count, last_id = row.hash, count + 1, row.id


def _utc(t: datetime) -> str:
    # SQLite hands back naive datetimes, PostgreSQL ones in the session's zone: hash UTC always
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
