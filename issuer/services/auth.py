"""Staff authentication: passwords to bearer tokens, tokens to actors, logout, the throttle.

- A login does the same work whether the account exists or not (a password check against a
  dummy hash for an unknown name), so its time tells nothing about who has an account.
- At most `SCRYPT_SLOTS` password checks run at once in a process (each takes 32 MiB), so a
  burst of parallel attempts queues instead of exhausting memory.
- Failures are written in a transaction of their own (committed with the 401) and audited;
  `MAX_FAILURES_PER_ACCOUNT` in `WINDOW` for one username, or `MAX_FAILURES_PER_ADDRESS` from
  one address, answer 429 with the seconds to wait, before any password is checked.
- Only a token's SHA-256 is stored. Every request reads its token row and account afresh, so
  logout and a disabled account take effect at once, in every process; disabling an account or
  resetting its password also deletes its tokens (`revoke_tokens`).
- New passwords are hashed through the same bounded slots (`hash_new_password`).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from issuer.domain import Role
from issuer.models import ApiToken, LoginFailure, Staff
from issuer.passwords import check_password, hash_password
from issuer.services import audit
from issuer.services.errors import IssuerCode, Throttled, Unauthenticated
from issuer.services.scope import Actor

TOKEN_LIFETIME = timedelta(hours=12)
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_ADDRESS = 50  # a site's shared NAT may hold several nurses
SCRYPT_SLOTS = 2
_scrypt = threading.BoundedSemaphore(SCRYPT_SLOTS)
_dummy: list[str] = []  # a hash to check unknown names against, made once per process


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new bearer token (shown once; only its hash is kept)."""

    token: str
    expires_at: datetime
    role: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _password_matches(password: str, stored: str | None) -> bool:
    if not _dummy:
        _dummy.append(hash_password(secrets.token_urlsafe(16)))
    with _scrypt:
        matches = check_password(password, stored or _dummy[0])
    return matches and stored is not None


def hash_new_password(password: str) -> str:
    """The scrypt hash of a new password, computed in one of the process's `SCRYPT_SLOTS`."""
    with _scrypt:
        return hash_password(password)


def revoke_tokens(session: Session, staff_id: int) -> int:
    """Delete every bearer token of one account (they stop at once); how many there were."""
    result = session.execute(delete(ApiToken).where(ApiToken.staff_id == staff_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _throttle(session: Session, username: str, address: str, now: datetime) -> None:
    since = now - WINDOW
    for column, value, limit in (
        (LoginFailure.username, username, MAX_FAILURES_PER_ACCOUNT),
        (LoginFailure.address, address, MAX_FAILURES_PER_ADDRESS),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                column == value, LoginFailure.at > since
            )
        ).one()
        if count >= limit:
            wait = (_aware(oldest) + WINDOW - now).total_seconds()
            raise Throttled(
                IssuerCode.TOO_MANY_ATTEMPTS,
                f"too many failed logins; try again in {int(wait) + 1} s",
                retry_after=max(1, int(wait) + 1),
            )


def login(
    factory: sessionmaker[Session], username: str, password: str, address: str, now: datetime
) -> IssuedToken:
    """Exchange a username and password for a bearer token.

    Raises:
        Throttled: TOO_MANY_ATTEMPTS, with the seconds to wait.
        Unauthenticated: UNAUTHORIZED, the same for an unknown name, a wrong password and a
            disabled account.
    """
    username, address = username[:200], address[:45]
    with factory() as session, session.begin():
        _throttle(session, username, address, now)
        staff = session.scalar(select(Staff).where(Staff.username == username))
    matches = _password_matches(password, staff.password_hash if staff else None)
    with factory() as session, session.begin():
        if staff is None or not staff.active or not matches:
            session.add(LoginFailure(username=username, address=address, at=now))
            audit.record(
                session,
                at=now,
                actor=username[:60],
                action="login-failed",
                entity="staff",
                details={"address": address},
            )
        else:
            token = secrets.token_urlsafe(32)
            expires = now + TOKEN_LIFETIME
            session.add(
                ApiToken(
                    staff_id=staff.id,
                    token_hash=_digest(token),
                    created_at=now,
                    expires_at=expires,
                )
            )
            session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
            session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW))
            audit.record(
                session, at=now, actor=username, action="login", entity="staff", entity_id=staff.id
            )
            return IssuedToken(token, expires, staff.role)
    raise Unauthenticated(IssuerCode.UNAUTHORIZED, "wrong username or password")


def authenticate(session: Session, token: str, now: datetime) -> Actor:
    """The actor a bearer token stands for.

    Raises:
        Unauthenticated: UNAUTHORIZED, the token is unknown, expired, logged out, or its
            account disabled.
    """
    row = session.execute(
        select(ApiToken.expires_at, Staff)
        .join(Staff, Staff.id == ApiToken.staff_id)
        .where(ApiToken.token_hash == _digest(token))
    ).first()
    if row is None or _aware(row[0]) < now or not row[1].active:
        raise Unauthenticated(IssuerCode.UNAUTHORIZED, "unknown or expired token")
    st = row[1]
    return Actor(st.id, st.username, Role(st.role), st.facility_id, st.province_code)


def logout(session: Session, actor: Actor, token: str, now: datetime) -> None:
    """End one token's life at once."""
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))
    audit.record(
        session,
        at=now,
        actor=actor.username,
        action="logout",
        entity="staff",
        entity_id=actor.staff_id,
    )


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)
