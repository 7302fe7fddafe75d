"""One error vocabulary for the whole certificate pipeline.

`ErrorCode` values are a public contract: the CLI, the API and the checkpoint screen print
them, and other tools match on them. Never rename a value; add new ones instead.
Each code belongs to exactly one coarse `Category` (ARCHITECTURE §4).
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """The coarse verdict a person acts on (ARCHITECTURE §4)."""

    VALID = "VALID"
    MALFORMED = "MALFORMED"
    UNSUPPORTED = "UNSUPPORTED"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    KEY_USAGE = "KEY_USAGE"
    KEY_EXPIRED = "KEY_EXPIRED"
    KEY_REVOKED = "KEY_REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    SCHEMA = "SCHEMA"
    REVOKED = "REVOKED"
    RULES_FAILED = "RULES_FAILED"
    TRUST_LIST = "TRUST_LIST"


class ErrorCode(StrEnum):
    """Fine-grained, stable reason codes. Each maps to one `Category` via `category`."""

    OK = "OK"
    # envelope (hcert spec 3.x: prefix, Base45, zlib)
    INPUT_EMPTY = "INPUT_EMPTY"
    INPUT_TOO_LONG = "INPUT_TOO_LONG"
    INPUT_NOT_TEXT = "INPUT_NOT_TEXT"
    PREFIX_MISSING = "PREFIX_MISSING"
    BASE45_DECODING_FAILED = "BASE45_DECODING_FAILED"
    DECOMPRESSION_FAILED = "DECOMPRESSION_FAILED"
    INFLATED_TOO_LARGE = "INFLATED_TOO_LARGE"
    NOT_COMPRESSED = "NOT_COMPRESSED"
    # CBOR / COSE / CWT structure
    CBOR_DECODING_FAILED = "CBOR_DECODING_FAILED"
    CBOR_TOO_DEEP = "CBOR_TOO_DEEP"
    CBOR_TOO_MANY_ITEMS = "CBOR_TOO_MANY_ITEMS"
    COSE_STRUCTURE_INVALID = "COSE_STRUCTURE_INVALID"
    COSE_HEADER_INVALID = "COSE_HEADER_INVALID"
    CWT_STRUCTURE_INVALID = "CWT_STRUCTURE_INVALID"
    CWT_CLAIM_MISSING = "CWT_CLAIM_MISSING"
    CWT_CLAIM_INVALID = "CWT_CLAIM_INVALID"
    HCERT_MISSING = "HCERT_MISSING"
    # images
    IMAGE_UNREADABLE = "IMAGE_UNREADABLE"
    QR_NOT_FOUND = "QR_NOT_FOUND"
    # unsupported
    ALGORITHM_MISSING = "ALGORITHM_MISSING"
    ALGORITHM_UNSUPPORTED = "ALGORITHM_UNSUPPORTED"
    FORMAT_UNSUPPORTED = "FORMAT_UNSUPPORTED"
    # keys and signatures
    KID_MISSING = "KID_MISSING"
    KID_UNKNOWN = "KID_UNKNOWN"
    KID_LENGTH_INVALID = "KID_LENGTH_INVALID"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_LENGTH_INVALID = "SIGNATURE_LENGTH_INVALID"
    ALGORITHM_KEY_MISMATCH = "ALGORITHM_KEY_MISMATCH"
    KEY_USAGE_MISMATCH = "KEY_USAGE_MISMATCH"
    DSC_NOT_VALID_AT_ISSUANCE = "DSC_NOT_VALID_AT_ISSUANCE"
    DSC_EXPIRED = "DSC_EXPIRED"
    DSC_REVOKED = "DSC_REVOKED"
    # time
    CERTIFICATE_EXPIRED = "CERTIFICATE_EXPIRED"
    ISSUED_IN_FUTURE = "ISSUED_IN_FUTURE"
    EXPIRES_BEFORE_ISSUED = "EXPIRES_BEFORE_ISSUED"
    # payload
    SCHEMA_INVALID = "SCHEMA_INVALID"
    # revocation and rules
    CERTIFICATE_REVOKED = "CERTIFICATE_REVOKED"
    RULE_FAILED = "RULE_FAILED"
    # trust list
    TRUST_LIST_MISSING = "TRUST_LIST_MISSING"
    TRUST_LIST_INVALID = "TRUST_LIST_INVALID"
    TRUST_LIST_EXPIRED = "TRUST_LIST_EXPIRED"
    TRUST_LIST_ROLLBACK = "TRUST_LIST_ROLLBACK"
    TRUST_LIST_BAD_SIGNATURE = "TRUST_LIST_BAD_SIGNATURE"

    @property
    def category(self) -> Category:
        """The one coarse category this code belongs to."""
        return _CATEGORY[self]


_C = Category
_E = ErrorCode
_CATEGORY: dict[ErrorCode, Category] = {
    _E.OK: _C.VALID,
    **dict.fromkeys(
        (
            _E.INPUT_EMPTY,
            _E.INPUT_TOO_LONG,
            _E.INPUT_NOT_TEXT,
            _E.PREFIX_MISSING,
            _E.BASE45_DECODING_FAILED,
            _E.DECOMPRESSION_FAILED,
            _E.INFLATED_TOO_LARGE,
            _E.NOT_COMPRESSED,
            _E.CBOR_DECODING_FAILED,
            _E.CBOR_TOO_DEEP,
            _E.CBOR_TOO_MANY_ITEMS,
            _E.COSE_STRUCTURE_INVALID,
            _E.COSE_HEADER_INVALID,
            _E.CWT_STRUCTURE_INVALID,
            _E.CWT_CLAIM_MISSING,
            _E.CWT_CLAIM_INVALID,
            _E.HCERT_MISSING,
            _E.IMAGE_UNREADABLE,
            _E.QR_NOT_FOUND,
        ),
        _C.MALFORMED,
    ),
    _E.ALGORITHM_MISSING: _C.UNSUPPORTED,
    _E.ALGORITHM_UNSUPPORTED: _C.UNSUPPORTED,
    _E.FORMAT_UNSUPPORTED: _C.UNSUPPORTED,
    _E.KID_MISSING: _C.UNKNOWN_KEY,
    _E.KID_UNKNOWN: _C.UNKNOWN_KEY,
    _E.KID_LENGTH_INVALID: _C.UNKNOWN_KEY,
    _E.SIGNATURE_INVALID: _C.BAD_SIGNATURE,
    _E.SIGNATURE_LENGTH_INVALID: _C.BAD_SIGNATURE,
    _E.ALGORITHM_KEY_MISMATCH: _C.BAD_SIGNATURE,
    _E.KEY_USAGE_MISMATCH: _C.KEY_USAGE,
    _E.DSC_NOT_VALID_AT_ISSUANCE: _C.KEY_EXPIRED,
    _E.DSC_EXPIRED: _C.KEY_EXPIRED,
    _E.DSC_REVOKED: _C.KEY_REVOKED,
    _E.CERTIFICATE_EXPIRED: _C.EXPIRED,
    _E.ISSUED_IN_FUTURE: _C.NOT_YET_VALID,
    _E.EXPIRES_BEFORE_ISSUED: _C.MALFORMED,
    _E.SCHEMA_INVALID: _C.SCHEMA,
    _E.CERTIFICATE_REVOKED: _C.REVOKED,
    _E.RULE_FAILED: _C.RULES_FAILED,
    _E.TRUST_LIST_MISSING: _C.TRUST_LIST,
    _E.TRUST_LIST_INVALID: _C.TRUST_LIST,
    _E.TRUST_LIST_EXPIRED: _C.TRUST_LIST,
    _E.TRUST_LIST_ROLLBACK: _C.TRUST_LIST,
    _E.TRUST_LIST_BAD_SIGNATURE: _C.TRUST_LIST,
}


class HcertError(Exception):
    """Base of every error the certificate pipeline raises; carries a stable `code`.

    Args:
        code: the stable reason code.
        message: a human explanation ("got X, expected Y").
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def category(self) -> Category:
        """The coarse category of `code`."""
        return self.code.category

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class DecodeError(HcertError):
    """The input is not a decodable certificate (envelope, CBOR, COSE, CWT structure)."""


class UnsupportedError(HcertError):
    """The input decodes but uses an algorithm or format we do not handle."""


class SignatureError(HcertError):
    """The signature does not verify, or no trusted key matches its kid."""


class ValidityError(HcertError):
    """A time or key-usage rule fails (certificate or DSC)."""


class SchemaError(HcertError):
    """The signed payload breaks the DCC schema.

    Args:
        message: what is wrong.
        path: a JSON-pointer-like path to the offending field (e.g. ``v/0/dn``).
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(ErrorCode.SCHEMA_INVALID, f"{path}: {message}" if path else message)
        self.path = path


class TrustError(HcertError):
    """The trust data itself is missing, badly signed, rolled back or expired."""
