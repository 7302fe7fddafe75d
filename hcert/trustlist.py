"""The signed trust list: our format, shared by its producer and its consumers.

`trust_list` builds and signs it, `verifier` opens it; neither imports the other, both import
this module (the TUF split of format, producer and consumer). Documented in
``docs/trust-list.md``. In short, a UTF-8 JSON file::

    {"format": "vaxpass-trust-list/1",
     "signed": "<base64 of the content's JSON bytes: exactly what was signed>",
     "signature": {"alg": -7, "value": "<base64 r‖s>",
                   "chain": ["<base64 DER of the trust-list signer>", "<cross certificate>"…]}}

The content carries a monotonic `version`, `issued_at`, `expires_at`, the DSC entries and the
certificate revocation list (truncated SHA-256 of revoked UVCIs, the EU 2022 "UCI" scheme).
The signer's certificate must chain to a pinned CSCA, directly or through a cross certificate in
the chain, and carry the ICAO master-list-signer extended key usage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from hcert import cose
from hcert.certtype import CertType
from hcert.errors import ErrorCode, HcertError, TrustError

FORMAT = "vaxpass-trust-list/1"
# ICAO Doc 9303 part 12: id-icao-mrtd-security-masterListSigner. Our trust list plays the part
# of a master list, so its signer carries this extended key usage and no DSC does.
TRUST_LIST_SIGNER_OID = x509.ObjectIdentifier("2.23.136.1.1.3")
MAX_TRUST_LIST_BYTES = 32 * 1024 * 1024
UVCI_HASH_BYTES = 16  # EU DCC revocation 2022: the first 128 bits of SHA-256


class KeyStatus(StrEnum):
    """Where a DSC stands in its lifecycle (ARCHITECTURE §5)."""

    PENDING = "pending"
    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class DscEntry:
    """One published document signer.

    Attributes:
        kid: its key identifier.
        country: the country that operates it (foreign DSCs carry theirs).
        certificate: its DER.
        status: lifecycle status when the list was issued.
        usages: the certificate types it may sign; None for every type.
    """

    kid: bytes
    country: str
    certificate: bytes
    status: KeyStatus = KeyStatus.ACTIVE
    usages: frozenset[CertType] | None = None


@dataclass(frozen=True, slots=True)
class TrustList:
    """The content of a trust list.

    Attributes:
        version: strictly increasing with every publication.
        issued_at: when it was published.
        expires_at: after this a verifier must not rely on it (freeze protection).
        issuer: the publishing country.
        dscs: the document signers.
        revoked_uvci_hashes: `uvci_hash` of every revoked certificate.
        cscas: DER of the CSCA certificates in force (a new CSCA appears here, with its cross
            certificate in the signature chain, so that verifiers can move their pin).
    """

    version: int
    issued_at: datetime
    expires_at: datetime
    issuer: str
    dscs: tuple[DscEntry, ...] = ()
    revoked_uvci_hashes: frozenset[bytes] = field(default_factory=frozenset)
    cscas: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenedTrustList:
    """A trust list whose signature chained to an anchor.

    Attributes:
        content: the list.
        signer: the trust-list signer certificate.
        via: the anchor (or cross-certified CSCA) the signer was issued by.
    """

    content: TrustList
    signer: x509.Certificate
    via: x509.Certificate


def uvci_hash(uvci: str) -> bytes:
    """The revocation-list hash of a UVCI: the first 16 bytes of SHA-256 of its text."""
    return hashlib.sha256(uvci.encode("utf-8")).digest()[:UVCI_HASH_BYTES]


def encode_content(content: TrustList) -> bytes:
    """The content as compact, key-sorted UTF-8 JSON (the bytes that get signed)."""
    obj = {
        "version": content.version,
        "issued_at": _iso(content.issued_at),
        "expires_at": _iso(content.expires_at),
        "issuer": content.issuer,
        "dscs": [
            {
                "kid": _b64(e.kid),
                "country": e.country,
                "certificate": _b64(e.certificate),
                "status": e.status.value,
                "usages": None if e.usages is None else sorted(t.value for t in e.usages),
            }
            for e in content.dscs
        ],
        "revoked_certificates": {
            "hash": "UCI-SHA256-128",
            "entries": sorted(_b64(h) for h in content.revoked_uvci_hashes),
        },
        "cscas": [_b64(c) for c in content.cscas],
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(content: TrustList, signer: cose.Signer, chain: Sequence[bytes]) -> bytes:
    """Sign `content` into the published file.

    Args:
        content: the list.
        signer: the trust-list signer's key.
        chain: DER of the signer's certificate, then any cross certificate leading to the pin.

    Returns:
        The file's bytes (UTF-8 JSON).
    """
    signed = encode_content(content)
    envelope = {
        "format": FORMAT,
        "signed": _b64(signed),
        "signature": {
            "alg": int(signer.algorithm),
            "value": _b64(signer.sign(signed)),
            "chain": [_b64(c) for c in chain],
        },
    }
    return json.dumps(envelope, indent=1).encode() + b"\n"


def open_signed(data: bytes, anchors: Sequence[x509.Certificate], now: datetime) -> OpenedTrustList:
    """Check a published file's signature chain against `anchors` and return its content.

    Rollback and expiry are the consumer's state, not checked here (see the verifier's store).

    Raises:
        TrustError: TRUST_LIST_INVALID for a file that does not parse;
            TRUST_LIST_BAD_SIGNATURE when the chain does not reach an anchor, the signer is not
            a trust-list signer or out of its validity, or the signature does not verify.
    """
    if len(data) > MAX_TRUST_LIST_BYTES:
        raise _invalid(f"larger than {MAX_TRUST_LIST_BYTES} bytes")
    try:
        envelope = json.loads(data)
        if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
            raise _invalid(f"not a {FORMAT} document")
        signed = base64.b64decode(envelope["signed"], validate=True)
        sig = envelope["signature"]
        alg, value = int(sig["alg"]), base64.b64decode(sig["value"], validate=True)
        chain = [
            x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in sig["chain"]
        ]
    except HcertError:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise _invalid(f"unreadable envelope: {e}") from e
    if not chain:
        raise _bad_signature("no signer certificate in the chain")
    signer, intermediates = chain[0], chain[1:]
    via = _issuer_among(signer, [*anchors, *_cross_certified(intermediates, anchors, now)])
    if via is None:
        raise _bad_signature(
            f"the signer {signer.subject.rfc4514_string()} does not chain to a pinned CSCA"
        )
    _check_signer(signer, now)
    try:
        cose.verify_raw(alg, _public_key(signer), value, signed)
    except HcertError as e:
        raise _bad_signature(f"signature: {e.message}") from e
    return OpenedTrustList(parse_content(signed), signer, via)


def parse_content(data: bytes) -> TrustList:
    """Parse the signed content.

    Raises:
        TrustError: TRUST_LIST_INVALID, saying which field is wrong.
    """
    try:
        obj: Any = json.loads(data)
        dscs = tuple(_dsc(e) for e in obj["dscs"])
        revoked = obj["revoked_certificates"]
        if revoked["hash"] != "UCI-SHA256-128":
            raise _invalid(f"revocation hash {revoked['hash']!r} unsupported")
        hashes = frozenset(base64.b64decode(h, validate=True) for h in revoked["entries"])
        content = TrustList(
            version=_int(obj["version"]),
            issued_at=_datetime(obj["issued_at"]),
            expires_at=_datetime(obj["expires_at"]),
            issuer=str(obj["issuer"]),
            dscs=dscs,
            revoked_uvci_hashes=hashes,
            cscas=tuple(base64.b64decode(c, validate=True) for c in obj.get("cscas", [])),
        )
    except HcertError:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise _invalid(f"content: {e!r}") from e
    if content.expires_at <= content.issued_at:
        raise _invalid("expires_at is not after issued_at")
    return content


def _dsc(obj: Any) -> DscEntry:
    usages = obj.get("usages")
    return DscEntry(
        kid=base64.b64decode(obj["kid"], validate=True),
        country=str(obj["country"]),
        certificate=base64.b64decode(obj["certificate"], validate=True),
        status=KeyStatus(obj["status"]),
        usages=None if usages is None else frozenset(CertType(u) for u in usages),
    )


def _cross_certified(
    intermediates: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], now: datetime
) -> list[x509.Certificate]:
    """CSCAs vouched for by a pinned anchor through a cross certificate (pin rotation)."""
    return [
        c for c in intermediates if _is_ca(c) and _in_validity(c, now) and _issuer_among(c, anchors)
    ]


def _issuer_among(
    cert: x509.Certificate, issuers: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    for issuer in issuers:
        if issuer.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return issuer
    return None


def _check_signer(signer: x509.Certificate, now: datetime) -> None:
    if not _in_validity(signer, now):
        raise _bad_signature("the trust-list signer certificate is outside its validity")
    try:
        usages = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound as e:
        raise _bad_signature("the signer has no extended key usage: not a trust-list signer") from e
    if TRUST_LIST_SIGNER_OID not in usages or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages:
        raise _bad_signature("the signer is not a trust-list signer (ICAO master-list-signer EKU)")


def _public_key(cert: x509.Certificate) -> cose.PublicKey:
    key = cert.public_key()
    if not isinstance(key, cose.PublicKey):
        raise _bad_signature(f"unsupported signer key {type(key).__name__}")
    return key


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _in_validity(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(f"version: got {value!r}, expected a non-negative integer")
    return value


def _datetime(value: Any) -> datetime:
    t = datetime.fromisoformat(str(value))
    if t.tzinfo is None:
        raise _invalid(f"{value!r} has no time zone")
    return t.astimezone(UTC)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _invalid(message: str) -> TrustError:
    return TrustError(ErrorCode.TRUST_LIST_INVALID, message)


def _bad_signature(message: str) -> TrustError:
    return TrustError(ErrorCode.TRUST_LIST_BAD_SIGNATURE, message)
