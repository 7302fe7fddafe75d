"""Document signer certificates (DSCs), read for verification: strictly, else leniently.

A verifier needs three things from a DSC (hcert spec 5.1): its public key, its validity and
its extended-key-usage OIDs (which kinds of DCC it may sign, spec 5.1.1). Real DSCs are not all
strict X.509: some encode a DEFAULT value (X.690 §11.5 forbids it) or an empty extKeyUsage
sequence (RFC 5280 §4.2.1.12 requires at least one purpose), and current strict parsers refuse
them. So `parse_signer_certificate` tries `cryptography` first and, where it refuses, walks the
DER itself (`hcert.der`) for just those three things; the result says which path was taken.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hcert import der
from hcert.certtype import KEY_USAGE_OIDS, CertType
from hcert.cose import KID_LENGTH, PublicKey
from hcert.der import DerError, Tag, Tlv
from hcert.errors import ErrorCode, TrustError, UnsupportedError

MAX_CERTIFICATE_BYTES = 64 * 1024  # real DSCs are 0.5-2 KiB
EXT_KEY_USAGE_OID = "2.5.29.37"  # RFC 5280 §4.2.1.12
_COUNTRY_OID = "2.5.4.6"
# RFC 4514 §3 short names, the same set `cryptography` prints (others print as dotted OIDs)
_ATTRIBUTE_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
_TEXT_CODECS: dict[int, str] = {
    Tag.UTF8_STRING: "utf-8",
    Tag.PRINTABLE_STRING: "utf-8",
    Tag.IA5_STRING: "utf-8",
    Tag.NUMERIC_STRING: "utf-8",
    Tag.VISIBLE_STRING: "utf-8",
    Tag.T61_STRING: "latin-1",
    Tag.BMP_STRING: "utf-16-be",
    Tag.UNIVERSAL_STRING: "utf-32-be",
}
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)
# RFC 5280 §4.1.2.5: YYMMDDHHMMSSZ and YYYYMMDDHHMMSSZ; leniently also no seconds, an offset,
# and (GeneralizedTime) a fraction or no zone at all (read as UTC).
_TWO_DIGITS = "([0-9]{2})"
_UTC_TIME = re.compile(_TWO_DIGITS * 5 + r"([0-9]{2})?(Z|[+-][0-9]{4})")
_GENERALIZED_TIME = re.compile(
    "([0-9]{4})" + _TWO_DIGITS * 4 + r"([0-9]{2})?(?:[.,]([0-9]+))?(Z|[+-][0-9]{4})?"
)


@dataclass(frozen=True, slots=True)
class SignerCertificate:
    """What verification needs from a DSC, read once.

    Attributes:
        der: the certificate's DER bytes.
        kid: its key identifier, the first 8 bytes of SHA-256 of `der` (hcert spec 3.3.1).
        public_key: its public key (EC or RSA), loaded and ready to verify with.
        not_before: start of validity (aware, UTC); None means unbounded.
        not_after: end of validity (aware, UTC); None means unbounded.
        key_usages: the DCC types its extended key usage allows; None when it carries no DCC
            key-usage OID (or no EKU, or an empty one), which allows every type (spec 5.1.1).
            An empty set means an EKU was present but unreadable: it allows nothing.
        subject: the subject name, RFC 4514 (best effort on the lenient path).
        country: the subject's C attribute, if any.
        lenient: True when the strict X.509 parser refused it and the DER walk read it.

    """

    der: bytes
    kid: bytes
    public_key: PublicKey
    not_before: datetime | None
    not_after: datetime | None
    key_usages: frozenset[CertType] | None
    subject: str
    country: str | None
    lenient: bool

    def allows(self, cert_type: CertType) -> bool:
        """Whether this DSC may sign a DCC of `cert_type` (hcert spec 5.1.1)."""
        return self.key_usages is None or cert_type in self.key_usages

    def valid_at(self, t: datetime) -> bool:
        """Whether `t` lies within the validity, bounds included (RFC 5280 §4.1.2.5).

        Raises:
            ValueError: `t` is naive (caller misuse: times here are always aware).

        """
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError("valid_at needs an aware datetime")
        if self.not_before is not None and t < self.not_before:
            return False
        return self.not_after is None or t <= self.not_after


def kid_of(der_bytes: bytes) -> bytes:
    """Compute the kid of a DSC: the first 8 bytes of SHA-256 of its DER (hcert spec 3.3.1)."""
    if not isinstance(der_bytes, bytes | bytearray):
        raise TypeError(f"expected bytes, got {type(der_bytes).__name__}")
    return hashlib.sha256(der_bytes).digest()[:KID_LENGTH]


def parse_signer_certificate(data: bytes) -> SignerCertificate:
    """Read a DSC from DER or PEM bytes: strictly if `cryptography` accepts it, else leniently.

    Args:
        data: one certificate, DER or PEM (the first CERTIFICATE block is read).

    Raises:
        TypeError: `data` is not bytes.
        TrustError: TRUST_LIST_INVALID: too large, bad PEM, or no public key and validity can
            be read from it.
        UnsupportedError: ALGORITHM_UNSUPPORTED: the key is neither EC nor RSA.

    """
    der_bytes = _to_der(data)
    try:
        return _parse_strict(der_bytes)
    except (ValueError, UnsupportedAlgorithm, x509.InvalidVersion) as strict_error:
        try:
            return parse_lenient(der_bytes)
        except TrustError as e:
            raise TrustError(e.code, f"{e.message} (strict parser: {strict_error})") from e


def parse_lenient(data: bytes) -> SignerCertificate:
    """Read a DSC by walking its DER for the key, the validity and the EKU only.

    Whatever else the certificate holds is not looked at, so encodings a strict parser refuses
    (a DEFAULT value encoded, an empty EKU) pass. The EKU fails closed: an extension block or
    EKU that cannot be read gives an empty `key_usages` (no type allowed).

    Args:
        data: one certificate, DER or PEM.

    Raises:
        TypeError: `data` is not bytes.
        TrustError: TRUST_LIST_INVALID: too large, bad PEM, not a certificate, or no public key
            or validity can be read from it.
        UnsupportedError: ALGORITHM_UNSUPPORTED: the key is neither EC nor RSA.

    """
    der_bytes = _to_der(data)
    try:
        # RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, sig }
        tbs = der.read_one(der_bytes).expect(Tag.SEQUENCE).children()[0].expect(Tag.SEQUENCE)
        fields = tbs.children()
        first = 1 if fields and fields[0].is_context(0) else 0  # version [0] EXPLICIT, optional
        if len(fields) < first + 6:
            raise DerError(f"TBSCertificate has {len(fields)} fields, expected at least 6")
        # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
        validity, subject, spki = fields[first + 3 : first + 6]
        bounds = validity.expect(Tag.SEQUENCE).children()
        if len(bounds) != 2:
            raise DerError(f"Validity has {len(bounds)} fields, expected 2")
        not_before, not_after = (_parse_time(bound) for bound in bounds)
        public_key = serialization.load_der_public_key(spki.expect(Tag.SEQUENCE).encoded)
    except (DerError, IndexError, ValueError, OverflowError, UnsupportedAlgorithm) as e:
        raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"not a readable certificate: {e}") from e
    extensions = [f for f in fields[first + 6 :] if f.is_context(3)]  # [3] EXPLICIT, optional
    subject_text, country = _read_name(subject)
    return SignerCertificate(
        der=der_bytes,
        kid=kid_of(der_bytes),
        public_key=_checked_key(public_key),
        not_before=not_before,
        not_after=not_after,
        key_usages=_lenient_key_usages(extensions[0]) if extensions else None,
        subject=subject_text,
        country=country,
        lenient=True,
    )


def _parse_strict(der_bytes: bytes) -> SignerCertificate:
    cert = x509.load_der_x509_certificate(der_bytes)
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        oids: list[str] | None = [oid.dotted_string for oid in eku]
    except x509.ExtensionNotFound:
        oids = None
    countries = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)]
    return SignerCertificate(
        der=der_bytes,
        kid=kid_of(der_bytes),
        public_key=_checked_key(cert.public_key()),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_usages=_key_usages(oids),
        subject=cert.subject.rfc4514_string(),
        country=next((c for c in countries if isinstance(c, str)), None),
        lenient=False,
    )


def _to_der(data: bytes) -> bytes:
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise TrustError(
            ErrorCode.TRUST_LIST_INVALID,
            f"got a {len(data)}-byte certificate, expected at most {MAX_CERTIFICATE_BYTES}",
        )
    data = bytes(data)
    if data.startswith(b"\x30") or b"-----BEGIN" not in data:
        return data  # DER: a Certificate is a SEQUENCE (RFC 5280 §4.1)
    block = _PEM_BLOCK.search(data)  # RFC 7468 §5.2: text may surround the block
    if block is None:
        raise TrustError(ErrorCode.TRUST_LIST_INVALID, "PEM without a CERTIFICATE block")
    try:
        return base64.b64decode(b"".join(block.group(1).split()), validate=True)
    except binascii.Error as e:
        raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"bad base64 in PEM: {e}") from e


def _checked_key(key: object) -> PublicKey:
    if isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return key
    raise UnsupportedError(
        ErrorCode.ALGORITHM_UNSUPPORTED,
        f"got a {type(key).__name__} key, expected EC or RSA (hcert spec 3.3.2)",
    )


def _key_usages(oids: list[str] | None) -> frozenset[CertType] | None:
    """Map EKU OIDs to types; no DCC OID among them means every type (hcert spec 5.1.1)."""
    types = frozenset(KEY_USAGE_OIDS[oid] for oid in oids or () if oid in KEY_USAGE_OIDS)
    return types or None


def _lenient_key_usages(extensions: Tlv) -> frozenset[CertType] | None:
    try:
        # RFC 5280 §4.1: Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }
        for extension in extensions.children()[0].expect(Tag.SEQUENCE).children():
            parts = extension.expect(Tag.SEQUENCE).children()
            if der.decode_oid(parts[0]) != EXT_KEY_USAGE_OID:
                continue
            value = der.read_one(parts[-1].expect(Tag.OCTET_STRING).content)
            return _key_usages([der.decode_oid(p) for p in value.expect(Tag.SEQUENCE).children()])
    except (DerError, IndexError):
        return frozenset()  # fail closed: an EKU may be there, unreadable
    return None


def _parse_time(tlv: Tlv) -> datetime:
    """Read a UTCTime or GeneralizedTime as an aware UTC datetime (RFC 5280 §4.1.2.5)."""
    text = tlv.content.decode("ascii")
    if tlv.is_universal(Tag.UTC_TIME) and (m := _UTC_TIME.fullmatch(text)):
        yy = int(m[1])
        year = yy + (1900 if yy >= 50 else 2000)  # RFC 5280 §4.1.2.5.1
        fraction, zone = None, m[7]
    elif tlv.is_universal(Tag.GENERALIZED_TIME) and (m := _GENERALIZED_TIME.fullmatch(text)):
        year, fraction, zone = int(m[1]), m[7], m[8]
    else:
        raise DerError(f"got {text!r} (tag {tlv.number}), expected a UTCTime or GeneralizedTime")
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    offset = timedelta(0)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
    tz = timezone(offset)  # raises ValueError beyond ±24 h
    t = datetime(year, int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), micro, tz)
    return t.astimezone(UTC)


def _read_name(name: Tlv) -> tuple[str, str | None]:
    """RFC 4514 text and country of a Name, printed as `cryptography` prints it; best effort."""
    try:
        rdns: list[str] = []
        country = None
        for rdn in name.expect(Tag.SEQUENCE).children():  # RDNSequence (RFC 5280 §4.1.2.4)
            attributes = []
            for attribute in rdn.expect(Tag.SET).children():
                oid_tlv, value = attribute.expect(Tag.SEQUENCE).children()[:2]
                oid = der.decode_oid(oid_tlv)
                text = _attribute_text(value)
                if oid == _COUNTRY_OID and country is None and isinstance(text, str):
                    country = text
                attributes.append(f"{_ATTRIBUTE_NAMES.get(oid, oid)}={_escape(text)}")
            rdns.append("+".join(attributes))
        return ",".join(reversed(rdns)), country  # RFC 4514 §2.1: last RDN first
    except (DerError, IndexError, ValueError):
        return "", None


def _attribute_text(value: Tlv) -> str | bytes:
    codec = _TEXT_CODECS.get(value.number)
    if value.tag_class is der.TagClass.UNIVERSAL and codec is not None:
        return value.content.decode(codec, errors="replace")
    return value.content


def _escape(value: str | bytes) -> str:
    """RFC 4514 §2.4 escaping of one attribute value."""
    if not value:
        return ""
    if isinstance(value, bytes):
        return "#" + value.hex()
    for special in ("\\", '"', "+", ",", ";", "<", ">"):
        value = value.replace(special, "\\" + special)
    value = value.replace("\0", "\\00")
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value
