"""Errors as JSON problems (RFC 9457) with stable codes; never an HTML page or a traceback.

One table says which HTTP status each kind of refusal answers; the services never choose one.
A refusal by scope or role is audited here, in a transaction of its own, so that the denial is
on record even though the request fails. Anything unexpected answers 500 with a reference that
the log line carries too; the log line holds the exception's type and place, never the request
body or the exception's message (either may hold personal data).
"""

from __future__ import annotations

import logging
import secrets
import traceback
from datetime import UTC, datetime

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from hcert.problem import MEDIA_TYPE, problem_document
from issuer.services import audit
from issuer.services.context import DATABASE_ERRORS
from issuer.services.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Refusal,
    Throttled,
    Unauthenticated,
    Unavailable,
)
from issuer.web.context import services

_log = logging.getLogger(__name__)

STATUS: dict[type[Refusal], int] = {
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    Throttled: 429,
    Unavailable: 503,
}

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "BODY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE",
}


def problem(status: int, code: str, detail: str) -> Response:
    """The problem document every error of the issuer answers with."""
    response = jsonify(problem_document(status, code, detail))
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    return response


def render_refusal(refusal: Refusal) -> Response:
    """A service's refusal, with the status of its kind; a denial is audited first."""
    status = STATUS[type(refusal)]
    if isinstance(refusal, Forbidden):
        actor = g.get("actor")
        audit.record_denial(
            services().sessions,
            at=datetime.now(UTC),
            actor=actor.username if actor else "anonymous",
            request=f"{request.method} {request.path}",
            reason=f"{refusal.code}: {refusal.message}",
        )
    response = problem(status, refusal.code, refusal.message)
    if isinstance(refusal, Throttled | Unavailable):
        response.headers["Retry-After"] = str(getattr(refusal, "retry_after", 1))
    return response


def render_unavailable(error: Exception) -> Response:
    """The database did not answer (a restart, a lost connection, SQLite busy): retry later.

    SQLAlchemy has dropped the broken connections by now, so a retry gets fresh ones; a retried
    dose carries its Idempotency-Key, so it is recorded once whatever happened.
    """
    response = problem(
        503,
        "DATABASE_UNAVAILABLE",
        f"the database did not answer ({error.__class__.__name__}); retry shortly",
    )
    response.headers["Retry-After"] = "1"
    return response


def render_http(error: HTTPException) -> Response:
    """Werkzeug's errors (404 route, 405, 413 body too large …) as problems too."""
    status = error.code or 500
    response = problem(status, _CODES.get(status, "HTTP_ERROR"), error.description or "")
    for name, value in error.get_headers():  # e.g. Allow on a 405 (RFC 9110 §15.5.6)
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def render_unexpected(error: Exception) -> Response:
    """A bug: 500 with a reference; the log says where, never what the request held."""
    reference = secrets.token_hex(6)
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    _log.error(
        "unexpected %s at %s (ref %s) on %s %s",
        type(error).__name__,
        where,
        reference,
        request.method,
        request.url_rule.rule if request.url_rule else "?",
    )
    return problem(500, "INTERNAL_ERROR", f"an unexpected error; quote reference {reference}")


def install(app: Flask) -> None:
    """Register the handlers on `app`: every error answers a problem document."""
    app.register_error_handler(Refusal, render_refusal)
    app.register_error_handler(HTTPException, render_http)
    for error in DATABASE_ERRORS:
        app.register_error_handler(error, render_unavailable)
    app.register_error_handler(Exception, render_unexpected)
