"""Why the issuer refused: one vocabulary of stable codes and one exception class per meaning.

The services raise these; they know nothing of HTTP. `issuer.web.problems` turns each class
into one status in one table, so the same refusal answers the same way on every route.
"""

from __future__ import annotations

from enum import StrEnum


class IssuerCode(StrEnum):
    """Stable machine-readable reasons; the string values are a public contract (the API's
    ``code`` field), so a value never changes meaning once released.
    """  # noqa: D205

    # the request itself
    BAD_REQUEST = "BAD_REQUEST"
    MALFORMED_JSON = "MALFORMED_JSON"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    IDEMPOTENCY_KEY_MISSING = "IDEMPOTENCY_KEY_MISSING"
    FIELD_MISSING = "FIELD_MISSING"
    FIELD_INVALID = "FIELD_INVALID"
    TEXT_CONTROL_CHARACTER = "TEXT_CONTROL_CHARACTER"
    DATE_INVALID = "DATE_INVALID"
    SEARCH_CRITERIA_MISSING = "SEARCH_CRITERIA_MISSING"
    # who asks
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    # what is named
    NOT_FOUND = "NOT_FOUND"
    PERSON_NOT_FOUND = "PERSON_NOT_FOUND"
    DOSE_NOT_FOUND = "DOSE_NOT_FOUND"
    FACILITY_NOT_FOUND = "FACILITY_NOT_FOUND"
    STAFF_NOT_FOUND = "STAFF_NOT_FOUND"
    TEAM_NOT_FOUND = "TEAM_NOT_FOUND"
    LOT_NOT_FOUND = "LOT_NOT_FOUND"
    CERTIFICATE_NOT_FOUND = "CERTIFICATE_NOT_FOUND"
    CERTIFICATE_NOT_SIGNED = "CERTIFICATE_NOT_SIGNED"
    COMMUNE_NOT_FOUND = "COMMUNE_NOT_FOUND"
    PROVINCE_NOT_FOUND = "PROVINCE_NOT_FOUND"
    DISTRICT_NOT_FOUND = "DISTRICT_NOT_FOUND"
    TRUST_LIST_NOT_PUBLISHED = "TRUST_LIST_NOT_PUBLISHED"
    # identity documents (`issuer.identity.IdentityErrorCode`, the same values)
    CCCD_QR_MALFORMED = "CCCD_QR_MALFORMED"
    CCCD_QR_TOO_LONG = "CCCD_QR_TOO_LONG"
    CCCD_ID_INVALID = "CCCD_ID_INVALID"
    CCCD_DATE_INVALID = "CCCD_DATE_INVALID"
    CCCD_SEX_INVALID = "CCCD_SEX_INVALID"
    ID_FORMAT_INVALID = "ID_FORMAT_INVALID"
    # the rules of a dose, a person, a lot
    CCCD_INCONSISTENT = "CCCD_INCONSISTENT"
    LOT_PRODUCT_MISMATCH = "LOT_PRODUCT_MISMATCH"
    LOT_EXPIRED = "LOT_EXPIRED"
    SCREENING_REQUIRED = "SCREENING_REQUIRED"
    NOT_CHECKED_IN = "NOT_CHECKED_IN"
    DOSE_NUMBER_INCONSISTENT = "DOSE_NUMBER_INCONSISTENT"
    NAME_NOT_TRANSLITERABLE = "NAME_NOT_TRANSLITERABLE"
    # conflicts with what is stored
    CONFLICT = "CONFLICT"
    DOSE_DUPLICATE = "DOSE_DUPLICATE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    TEAM_EXISTS = "TEAM_EXISTS"
    CERTIFICATE_NOT_VALID = "CERTIFICATE_NOT_VALID"
    # administration: facilities, staff accounts, stock
    ROLE_NOT_ALLOWED = "ROLE_NOT_ALLOWED"  # Forbidden: a role above what the actor may give
    SELF_MANAGEMENT_NOT_ALLOWED = "SELF_MANAGEMENT_NOT_ALLOWED"  # Forbidden: own role, disable
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"  # Invalid
    STAFF_PLACEMENT_INVALID = "STAFF_PLACEMENT_INVALID"  # Invalid: role without its facility …
    USERNAME_TAKEN = "USERNAME_TAKEN"  # Conflict
    FACILITY_CODE_TAKEN = "FACILITY_CODE_TAKEN"  # Conflict
    COMMUNE_OUTSIDE_PROVINCE = "COMMUNE_OUTSIDE_PROVINCE"  # Invalid: a facility never moves
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"  # Invalid: not in vaccine_products
    LOT_DETAILS_MISMATCH = "LOT_DETAILS_MISMATCH"  # Conflict: same number, other product/expiry
    TRANSFER_TO_SAME_FACILITY = "TRANSFER_TO_SAME_FACILITY"  # Invalid
    STOCK_INSUFFICIENT = "STOCK_INSUFFICIENT"  # Conflict: more than the lot has left
    # the service's own state
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


class Refusal(Exception):
    """A refusal the caller can act on (the base: catch this to catch them all).

    Attributes:
        code: the stable reason.
        message: what is wrong, "got X, expected Y" where it can.
    """

    def __init__(self, code: IssuerCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BadRequest(Refusal):
    """The request cannot be read at all (not JSON, no idempotency key)."""


class Invalid(Refusal):
    """The input breaks a rule: a field, a date, the dose's history or lot."""


class Unauthenticated(Refusal):
    """No one, or no one we know, is asking: log in."""


class Forbidden(Refusal):
    """The account's role or scope does not allow this; every one is audited."""


class Throttled(Refusal):
    """Too many attempts: come back after `retry_after` seconds."""

    def __init__(self, code: IssuerCode, message: str, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class NotFound(Refusal):
    """What the request names does not exist (or is not the caller's to know of)."""


class Conflict(Refusal):
    """The request contradicts what is stored: a duplicate, a reused key."""


class Unavailable(Refusal):
    """The database did not answer; the same request may be retried."""


def not_found(what: str, key: object) -> NotFound:
    """The refusal for an unknown `what` (``person``, ``dose``, ``facility`` …)."""
    return NotFound(IssuerCode(f"{what.upper()}_NOT_FOUND"), f"no {what} {key!r}")


def forbidden(message: str) -> Forbidden:
    """The account's role or scope does not allow this."""
    return Forbidden(IssuerCode.FORBIDDEN, message)
