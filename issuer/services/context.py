"""What the service layer needs to run, built once per app: sessions, the signer, revocations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from issuer.db import DEFAULT_URL, make_engine, session_factory
from issuer.services.revocation import Revocations
from issuer.services.signing import SignerSource

DEFAULT_DATABASE_URL = DEFAULT_URL  # SQLite under data/, for `make run`
# what a database that did not answer raises (a restart, a lost connection, SQLite busy)
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError,)


@dataclass
class Services:
    """The session factory, the signer source and the revocation list of one app."""

    sessions: sessionmaker[Session]
    signer_source: SignerSource | None
    revocations: Revocations

    @classmethod
    def open(
        cls, database_url: str, source: SignerSource | None, revocations: Revocations
    ) -> Services:
        """Services on the database at `database_url`."""
        return cls(session_factory(make_engine(database_url)), source, revocations)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session
