"""The SQLite registry's files: created readable by their owner only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from issuer.db import make_engine, upgrade


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    umask = os.umask(0o022)
    yield
    os.umask(umask)


def test_a_new_sqlite_database_is_0600_in_a_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "data" / "registry" / "vaxpass.db"
    engine = make_engine(f"sqlite:///{path}")
    assert mode(path) == 0o600  # before SQLite has opened it
    assert mode(tmp_path / "data") == mode(tmp_path / "data" / "registry") == 0o700
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE person (name TEXT)"))
        connection.execute(text("INSERT INTO person VALUES ('Lò Văn Pọm')"))
        wal = path.with_name(path.name + "-wal")
        assert wal.exists() and mode(wal) == 0o600  # SQLite copies the database's mode
    engine.dispose()
    assert mode(path) == 0o600


def test_migrating_a_new_database_creates_it_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "vaxpass.db"
    upgrade(f"sqlite:///{path}")
    assert mode(path) == 0o600 and mode(tmp_path / "data") == 0o700


def test_an_existing_database_and_memory_databases_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o640
    with make_engine("sqlite://").connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    with make_engine("sqlite:///:memory:").connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    assert not (Path.cwd() / ":memory:").exists()
