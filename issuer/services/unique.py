"""Inserting a row unless its unique key is taken, without a race and without an exception.

Checking first and inserting after leaves a gap in which a concurrent request inserts the same
key; the unique constraint then fails the second transaction with an `IntegrityError`, which
would answer 500. ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL, and SQLite
from 3.35) decides in the statement itself: the caller learns whether its row went in, and a
concurrent insert of the same key on PostgreSQL waits for the first to commit, then does
nothing.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from issuer.models import Base


def insert_if_absent(
    session: Session, model: type[Base], values: dict[str, Any], key: tuple[str, ...]
) -> int | None:
    """Insert one row of `model` unless a row with the same unique `key` columns exists.

    Returns:
        The new row's id, or None when the key was taken (nothing was written).
    """
    table = cast(Table, model.__table__)
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[table.c[name] for name in key])
        .returning(table.c.id)
    )
    new_id: int | None = session.execute(statement).scalar_one_or_none()
    return new_id
