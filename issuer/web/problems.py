"""Errors as JSON problems (RFC 9457) with stable codes; never an HTML page or a traceback."""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

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


class Problem(Exception):
    """An error answer: HTTP status, a stable code, and what is wrong."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


def _response(status: int, code: str, detail: str) -> Response:
    response = jsonify({"type": "about:blank", "title": code.replace("_", " ").capitalize(),
                        "status": status, "code": code, "detail": detail})  # fmt: skip
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render(problem: Problem) -> Response:
    """The JSON body of a `Problem`."""
    return _response(problem.status, problem.code, problem.detail)


def render_unavailable(error: Exception) -> Response:
    """The database did not answer (a restart, a lost connection, SQLite busy): retry later.

    SQLAlchemy has dropped the broken connections by now, so a retry gets fresh ones; a retried
    dose carries its Idempotency-Key, so it is recorded once whatever happened.
    """
    response = _response(
        503,
        "DATABASE_UNAVAILABLE",
        f"the database did not answer ({error.__class__.__name__}); retry shortly",
    )
    response.headers["Retry-After"] = "1"
    return response


def render_http(error: HTTPException) -> Response:
    """Werkzeug's errors (404 route, 405, 413 body too large …) as problems too."""
    status = error.code or 500
    response = _response(status, _CODES.get(status, "HTTP_ERROR"), error.description or "")
    for name, value in error.get_headers():  # e.g. Allow on a 405 (RFC 9110 §15.5.6)
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
