"""Database engine, sessions and migrations (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from keys.files import make_private_directory

DEFAULT_URL = "sqlite:///data/vaxpass.db"


def make_engine(url: str) -> Engine:
    """An engine for `url` (``sqlite:///…`` or ``postgresql+psycopg://…``).

    SQLite gets WAL, foreign keys and a busy timeout so that a few writers can share it; a new
    database file is created 0600 in a directory created 0700 (`create_private_sqlite_file`).
    """
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # No ping before each checkout: it would cost a round trip on every request. A connection
    # the server closed fails its first statement instead; SQLAlchemy then drops the pool's
    # connections and the API answers 503 DATABASE_UNAVAILABLE (the dose path reads again on a
    # fresh connection itself). Recycled after 30 min, before idle timeouts on the way cut them.
    return create_engine(
        url, pool_size=10, max_overflow=20, pool_recycle=1800, hide_parameters=True
    )


def create_private_sqlite_file(url: str) -> None:
    """Create the file of the SQLite database at `url`, if missing, readable by its owner only.

    Its missing directories are created 0700 and the file 0600 before SQLite opens it (SQLite
    would make it 0644 under the usual umask, and gives its -wal and -shm files the database
    file's mode). Existing files and directories keep their modes; in-memory and ``file:``
    URI databases are left to SQLite.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    make_private_directory(path.parent)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire objects on commit (services hand them back to callers)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    """Alembic's configuration for `url`, with the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (the same migrations on SQLite and PostgreSQL)."""
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)  # Alembic opens its own engine
    command.upgrade(alembic_config(url), revision)


class SchemaOutdated(Exception):
    """The database is not at the migration revision this code needs."""


def check_current(url: str) -> None:
    """Refuse to work on a database whose schema is behind (or ahead of) the code.

    Raises:
        SchemaOutdated: saying which revision it has and which the code needs.
    """
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if current != head:
        raise SchemaOutdated(
            f"the database schema is at {current or 'nothing'}, this code needs {head}: "
            "run `vaxpass db upgrade`"
        )
