"""The audit log is written unchained and sealed into the chain afterwards (a sequence number).

Entries chained by 0001's scheme (hash over the previous hash and the entry, in id order) are
checked here first, and the upgrade refuses a broken chain; then they are handed to the new
sealer, which chains them again, in the same order, with their sequence numbers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:10:00
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
# typed, so that both drivers hand back datetimes and decoded JSON
_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("details", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _old_digest(prev: str, row: sa.Row[Any]) -> str:  # 0001's scheme, kept here to check it
    at = (row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)).astimezone(UTC)
    body = [prev, at.isoformat(), row.actor, row.action, row.entity, row.entity_id, row.details]
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    prev = GENESIS
    for row in op.get_bind().execute(sa.select(_log).order_by(_log.c.id)):
        if row.prev_hash != prev or row.hash != _old_digest(prev, row):
            raise RuntimeError(f"audit_log: the chain is broken at entry {row.id}; not migrating")
        prev = row.hash
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_audit_log_seq", ["seq"])
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
    op.execute(_log.update().values(prev_hash=None, hash=None))


def downgrade() -> None:
    # 0001 needs every entry chained: chain them by 0001's scheme again, in id order
    bind = op.get_bind()
    prev = GENESIS
    for row in bind.execute(sa.select(_log).order_by(_log.c.id)).all():
        digest = _old_digest(prev, row)
        bind.execute(_log.update().where(_log.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_seq", type_="unique")
        batch.drop_column("seq")
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
