"""``/auth``: log in for a bearer token, log out; `authenticated` guards every other route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request

from issuer.services import auth
from issuer.services.context import DATABASE_ERRORS
from issuer.services.errors import IssuerCode, Unauthenticated
from issuer.web.api._http import body, field, iso, now
from issuer.web.context import services

blueprint = Blueprint("auth", __name__, url_prefix="/auth")
F = TypeVar("F", bound=Callable[..., Any])


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or len(header) > 200:
        raise Unauthenticated(
            IssuerCode.UNAUTHORIZED, "send Authorization: Bearer <token> (POST /api/v1/auth/token)"
        )
    return header.removeprefix("Bearer ").strip()


def authenticated(fn: F) -> F:
    """Require a valid bearer token; the acting staff account becomes `g.actor`.

    A request whose database connection turns out dead (the server restarted) runs once more
    on fresh connections: its unit of work was rolled back whole, and SQLAlchemy has dropped
    the pool's dead connections, so the retry neither repeats a write nor meets one again.
    """

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _bearer()
        for last in (False, True):
            try:
                with services().transaction() as session:
                    g.actor = auth.authenticate(session, token, now())
                return fn(*args, **kwargs)
            except DATABASE_ERRORS:
                if last:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    return wrapper  # type: ignore[return-value]


@blueprint.post("/token")
def issue_token() -> tuple[Response, int]:
    """Exchange a username and password for a bearer token."""
    data = body()
    username = field(data, "username", str)
    password = field(data, "password", str)
    issued = auth.login(
        services().sessions, username, password, request.remote_addr or "unknown", now()
    )
    return jsonify(token=issued.token, expires_at=iso(issued.expires_at), role=issued.role), 201


@blueprint.post("/logout")
@authenticated
def logout() -> Response:
    """End this token's life at once."""
    with services().transaction() as session:
        auth.logout(session, g.actor, _bearer(), now())
    return jsonify(logged_out=True)
