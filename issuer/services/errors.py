"""Why a service refused: a stable code, an HTTP status for the API, a human message."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal the caller can act on.

    Attributes:
        code: stable machine-readable reason (e.g. ``LOT_EXPIRED``).
        status: the HTTP status the API answers with.
        message: what is wrong ("got X, expected Y").
    """

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        self.message = message


def not_found(what: str, key: object) -> ServiceError:
    """A 404 for an unknown `what`."""
    return ServiceError(f"{what.upper()}_NOT_FOUND", f"no {what} {key!r}", 404)


def forbidden(message: str) -> ServiceError:
    """A 403: the account's role or scope does not allow this."""
    return ServiceError("FORBIDDEN", message, 403)
