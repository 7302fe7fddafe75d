"""The registry's audit log: written with each change, sealed into a hash chain, proven whole."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from issuer.db import make_engine, session_factory, transaction
from issuer.models import AuditRecord
from issuer.services import audit
from vaxpass.cli import main

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def factory(database_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(database_url))


def _write(factory: sessionmaker[Session], n: int, actor: str = "nurse") -> None:
    for i in range(n):
        with transaction(factory) as s:
            audit.record(s, at=NOW, actor=actor, action="test", entity="dose", entity_id=i)


def test_entries_commit_with_their_change_and_are_sealed_in_order(
    factory: sessionmaker[Session],
) -> None:
    _write(factory, 3)
    with pytest.raises(RuntimeError), transaction(factory) as s:
        audit.record(s, at=NOW, actor="nurse", action="lost", entity="dose")
        raise RuntimeError("the change fails: its entry must not exist")
    with transaction(factory) as s:
        assert audit.unsealed(s) == 3
        assert audit.verify(s) == (0, None)
        assert audit.seal(s) == 3
    _write(factory, 2)
    assert audit.seal_all(factory) == 2
    with transaction(factory) as s:
        rows = s.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        assert [(r.seq, r.entity_id) for r in rows] == [
            (1, "0"),
            (2, "1"),
            (3, "2"),
            (4, "0"),
            (5, "1"),
        ]
        assert all(r.prev_hash == p.hash for p, r in itertools.pairwise(rows))
        assert audit.verify(s) == (5, None) and audit.unsealed(s) == 0


@pytest.mark.parametrize(
    ("tamper", "broken_at"),
    [
        (lambda s: s.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(actor="x")), 2),
        (
            lambda s: s.execute(
                update(AuditRecord).where(AuditRecord.seq == 3).values(details={"a": 1})
            ),
            3,
        ),
        (lambda s: s.execute(text("DELETE FROM audit_log WHERE seq = 2")), 3),  # a gap
        (lambda s: s.execute(update(AuditRecord).where(AuditRecord.seq == 4).values(seq=40)), 40),
    ],
)
def test_verify_finds_an_edited_or_deleted_sealed_entry(
    factory: sessionmaker[Session], database_url: str, tamper: object, broken_at: int
) -> None:
    _write(factory, 4)
    audit.seal_all(factory)
    with transaction(factory) as s:
        tamper(s)  # type: ignore[operator]
    with transaction(factory) as s:
        assert audit.verify(s)[1] == broken_at
    result = CliRunner().invoke(main, ["audit", "verify", "--database-url", database_url])
    assert result.exit_code == 1 and f"BROKEN at entry {broken_at}" in result.output


def test_the_cli_seals_what_is_waiting_then_proves_the_chain(
    factory: sessionmaker[Session], database_url: str
) -> None:
    _write(factory, 3)
    result = CliRunner().invoke(main, ["audit", "verify", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "3 entries (3 sealed just now), chain unbroken" in result.output


def test_concurrent_writers_and_sealers_make_one_unbroken_chain(
    factory: sessionmaker[Session],
) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for _ in range(15):
                _write(factory, 1, actor=name)
                audit._throttle.last = 0.0  # every write tries to seal, the worst case
                audit.seal_if_due(factory)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    audit.seal_all(factory)
    with transaction(factory) as s:
        seqs = s.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)).all()
        assert seqs == list(range(1, 61))
        assert audit.verify(s) == (60, None)


def _old_chain_digest(prev: str, at: datetime, actor: str, details: dict[str, int]) -> str:
    # the scheme of migration 0001, written out independently of the migration's own copy
    body = [prev, at.isoformat(), actor, "test", "dose", "1", details]
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


@pytest.mark.parametrize("tampered", [False, True])
def test_upgrading_checks_the_old_chain_and_hands_it_to_the_sealer(
    database_url: str, tampered: bool
) -> None:
    from alembic import command

    from issuer.db import alembic_config, upgrade

    command.downgrade(alembic_config(database_url), "0002")
    engine = make_engine(database_url)
    prev = "0" * 64
    with engine.begin() as c:
        for i in range(3):
            details = {"n": i}
            digest = _old_chain_digest(prev, NOW, "nurse", details)
            c.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id, details, prev_hash, hash)"
                    " VALUES (:at, 'nurse', 'test', 'dose', '1', :d, :p, :h)"
                ),
                {"at": NOW, "d": json.dumps(details), "p": prev, "h": digest},
            )
            prev = digest
        if tampered:
            c.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"))
    if tampered:
        with pytest.raises(RuntimeError, match="broken at entry 2"):
            upgrade(database_url)
        return
    upgrade(database_url)
    factory = session_factory(engine)
    assert audit.seal_all(factory) == 3
    with transaction(factory) as s:
        assert audit.verify(s) == (3, None)
