"""Offline verification of HC1 certificates, in the order of ARCHITECTURE §4.

Envelope → key by kid → **signature** → CWT claims → time → DSC rules → schema. Nothing of the
payload is interpreted before its signature verifies, so a tampered payload reads BAD_SIGNATURE
and unsigned data is never shown to an officer.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from hcert import codec, cose, cwt
from hcert.certtype import CertType
from hcert.clock import Clock, SystemClock
from hcert.dcc import DccPayload, parse_dcc
from hcert.errors import Category, ErrorCode, HcertError, SignatureError, ValidityError
from hcert.limits import DecodeLimits
from verifier.trust_store import TrustedKey, TrustStore

DEFAULT_SKEW = timedelta(minutes=5)
_CERT_TYPES = tuple(CertType)


@dataclass(frozen=True, slots=True)
class VerifiedContent:
    """What a certificate says, known only once its signature verified.

    Attributes:
        issuer: the `iss` claim (country), if present.
        issued_at: `iat`.
        expires_at: `exp`.
        dcc: the payload as decoded CBOR.
        payload: the schema-checked payload; None when the schema check failed.
    """

    issuer: str | None
    issued_at: datetime
    expires_at: datetime
    dcc: Mapping[str, Any]
    payload: DccPayload | None = None

    @property
    def cert_types(self) -> frozenset[CertType]:
        """The entry types present in the payload (exactly one in a schema-valid one)."""
        return frozenset(t for t in _CERT_TYPES if t.value in self.dcc)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of verifying one input. Every failure has a code and a category.

    Attributes:
        code: the fine-grained reason (`ErrorCode.OK` when valid).
        message: a human explanation.
        kid: the key identifier, once the COSE headers decoded.
        algorithm: the COSE `alg`, once the headers decoded.
        key: the trusted key whose signature verified.
        content: the certificate's content, once its signature verified.
    """

    code: ErrorCode
    message: str
    kid: bytes | None = None
    algorithm: int | None = None
    key: TrustedKey | None = None
    content: VerifiedContent | None = None

    @property
    def category(self) -> Category:
        """The coarse verdict (ARCHITECTURE §4)."""
        return self.code.category

    @property
    def valid(self) -> bool:
        """True only for a fully valid certificate."""
        return self.code is ErrorCode.OK

    @property
    def kid_b64(self) -> str | None:
        """The kid in standard base64, as trust lists write it."""
        return base64.b64encode(self.kid).decode("ascii") if self.kid is not None else None


class Verifier:
    """Verifies ``HC1:`` texts against a trust store, offline.

    Args:
        trust_store: where DSCs are looked up by kid.
        clock: the reference time; read once per verification.
        limits: bounds on decoding.
        skew: how far in the future `iat` may lie (clocks of issuers and devices drift).
        allow_uncompressed: accept COSE that was not zlib-compressed (refused by default:
            hcert spec 3.2 says issuers SHALL compress).
    """

    def __init__(
        self,
        trust_store: TrustStore,
        clock: Clock | None = None,
        limits: DecodeLimits | None = None,
        *,
        skew: timedelta = DEFAULT_SKEW,
        allow_uncompressed: bool = False,
    ) -> None:
        self.trust_store = trust_store
        self.clock: Clock = clock or SystemClock()
        self.limits = limits or DecodeLimits()
        self.skew = skew
        self.allow_uncompressed = allow_uncompressed

    def verify(self, text: str) -> Verdict:
        """Verify scanned text. Never raises for bad input: every failure is a `Verdict`.

        Args:
            text: what the QR code or scanner gave, normally ``HC1:…``.

        Returns:
            The verdict; `Verdict.valid` is True only when every check passed.
        """
        try:
            self.trust_store.check_usable(self.clock.now())
            cose_bytes = codec.decode_envelope(
                text, self.limits, allow_uncompressed=self.allow_uncompressed
            )
        except HcertError as e:
            return Verdict(e.code, e.message)
        return self.verify_cose(cose_bytes)

    def verify_cose(self, cose_bytes: bytes) -> Verdict:
        """Verify a COSE_Sign1 message (the envelope already undone).

        Args:
            cose_bytes: the inflated COSE bytes.

        Returns:
            The verdict.
        """
        try:
            self.trust_store.check_usable(self.clock.now())
            message = cose.decode_sign1(cose_bytes, self.limits)
        except HcertError as e:
            return Verdict(e.code, e.message)
        kid, alg = message.kid, message.algorithm
        try:
            key = self._check_signature(message)
        except HcertError as e:
            return Verdict(e.code, e.message, kid, alg)
        content: VerifiedContent | None = None
        try:
            claims = cwt.decode_cwt(message.payload, self.limits)
            content = VerifiedContent(
                claims.issuer, claims.issued_at, claims.expires_at, claims.dcc
            )
            now = self.clock.now()
            check_certificate_time(content, now, self.skew)
            check_dsc_validity(content, key, now)
            check_key_usage(content, key)
            payload = parse_dcc(claims.dcc)
            content = replace(content, payload=payload)
            if self.trust_store.is_revoked(payload.uvci):
                raise ValidityError(
                    ErrorCode.CERTIFICATE_REVOKED, "this certificate is on the revocation list"
                )
        except HcertError as e:
            return Verdict(e.code, e.message, kid, alg, key, content)
        return Verdict(ErrorCode.OK, "valid", kid, alg, key, content)

    def _check_signature(self, message: cose.CoseSign1) -> TrustedKey:
        kid = message.kid
        if kid is None:
            raise SignatureError(ErrorCode.KID_MISSING, "no kid in the COSE headers")
        candidates = self.trust_store.keys_for(kid)
        if not candidates:
            if len(kid) != cose.KID_LENGTH:
                raise SignatureError(
                    ErrorCode.KID_LENGTH_INVALID,
                    f"got a {len(kid)}-byte kid, expected {cose.KID_LENGTH}; no such key trusted",
                )
            raise SignatureError(ErrorCode.KID_UNKNOWN, "no trusted key has this kid")
        first_error: HcertError | None = None
        for key in candidates:  # several DSCs may share a kid: any one may have signed
            try:
                cose.verify_signature(message, key.certificate.public_key)
            except SignatureError as e:
                first_error = first_error or e
                continue
            return key
        assert first_error is not None
        raise first_error


def check_certificate_time(content: VerifiedContent, now: datetime, skew: timedelta) -> None:
    """The certificate's own time window (hcert spec 3.3.3): iat ≤ now + skew, now ≤ exp.

    Raises:
        ValidityError: ISSUED_IN_FUTURE, CERTIFICATE_EXPIRED.
    """
    if content.issued_at > now + skew:
        raise ValidityError(
            ErrorCode.ISSUED_IN_FUTURE,
            f"issued at {_iso(content.issued_at)}, after now ({_iso(now)}) plus {skew}",
        )
    if content.expires_at < now:
        raise ValidityError(ErrorCode.CERTIFICATE_EXPIRED, f"expired at {_iso(content.expires_at)}")


def check_dsc_validity(content: VerifiedContent, key: TrustedKey, now: datetime) -> None:
    """The DSC that signed must be unrevoked and valid both at `iat` and now.

    Raises:
        ValidityError: DSC_REVOKED, DSC_NOT_VALID_AT_ISSUANCE, DSC_EXPIRED.
    """
    if key.revoked:
        raise ValidityError(ErrorCode.DSC_REVOKED, "the signing key (DSC) is revoked")
    dsc = key.certificate
    if not dsc.valid_at(content.issued_at):
        raise ValidityError(
            ErrorCode.DSC_NOT_VALID_AT_ISSUANCE,
            f"issued at {_iso(content.issued_at)}, outside the DSC's validity "
            f"{_iso(dsc.not_before)} – {_iso(dsc.not_after)}",
        )
    if not dsc.valid_at(now):
        raise ValidityError(
            ErrorCode.DSC_EXPIRED,
            f"the DSC is valid {_iso(dsc.not_before)} – {_iso(dsc.not_after)}, not now",
        )


def check_key_usage(content: VerifiedContent, key: TrustedKey) -> None:
    """The DSC's key-usage OIDs must allow the certificate's type (hcert spec 5.1.1).

    Raises:
        ValidityError: KEY_USAGE_MISMATCH.
    """
    dsc = key.certificate
    for cert_type in sorted(content.cert_types):
        if not dsc.allows(cert_type):
            allowed = ", ".join(sorted(dsc.key_usages or ())) or "nothing"
            raise ValidityError(
                ErrorCode.KEY_USAGE_MISMATCH,
                f"got a {cert_type.value!r} certificate, the DSC may sign only: {allowed}",
            )


def _iso(t: datetime | None) -> str:
    return t.isoformat().replace("+00:00", "Z") if t is not None else "∞"
