"""Factories for tests: keys, DSCs, payloads and hand-built COSE messages (no mocks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from hcert import base45, codec, compression, cose, cwt
from hcert.certtype import CertType
from hcert.clock import FixedClock
from hcert.x509 import SignerCertificate, parse_signer_certificate
from keys.certificates import IssuedCertificate, create_csca, create_dsc
from verifier.trust_store import StaticTrustStore
from verifier.verifier import Verifier

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUED = NOW - timedelta(days=10)


def vaccination_json(**overrides: Any) -> dict[str, Any]:
    """A schema-valid Vietnamese vaccination payload (DCC 1.3.0)."""
    dcc: dict[str, Any] = {
        "ver": "1.3.0",
        "nam": {"fn": "Đỗ", "fnt": "DO", "gn": "Ngọc Vĩnh", "gnt": "NGOC<VINH"},
        "dob": "1985-03-09",
        "v": [
            {
                "tg": "840539006",
                "vp": "1119349007",
                "mp": "EU/1/20/1528",
                "ma": "ORG-100030215",
                "dn": 2,
                "sd": 2,
                "dt": "2021-10-01",
                "co": "VN",
                "is": "Ministry of Health of Viet Nam",
                "ci": "URN:UVCI:01:VN:0123456789ABCDEF0123456789ABCDEF",
            }
        ],
    }
    dcc.update(overrides)
    return dcc


@cache
def _csca() -> IssuedCertificate:
    return create_csca(common_name="test CSCA", now=NOW - timedelta(days=400))


@dataclass(frozen=True)
class TestDsc:
    """A DSC with its key, ready to sign and to trust."""

    issued: IssuedCertificate
    certificate: SignerCertificate

    @property
    def signer(self) -> cose.KeySigner:
        return cose.KeySigner(self.issued.private_key, self.certificate.kid)

    def sign(
        self,
        dcc: Mapping[str, Any] | None = None,
        *,
        issued_at: datetime = ISSUED,
        expires_at: datetime | None = None,
    ) -> str:
        return codec.sign(
            dcc if dcc is not None else vaccination_json(),
            self.signer,
            issuer="VN",
            issued_at=issued_at,
            expires_at=expires_at or issued_at + timedelta(days=365),
        )


def make_dsc(
    *,
    algorithm: str = "ES256",
    cert_types: frozenset[CertType] | None = None,
    not_before: datetime = NOW - timedelta(days=100),
    validity: timedelta = timedelta(days=548),
) -> TestDsc:
    """A fresh DSC issued by the shared test CSCA."""
    issued = create_dsc(
        _csca(),
        common_name="test DSC",
        now=not_before,
        validity=validity,
        cert_types=cert_types,
        algorithm=algorithm,
    )
    return TestDsc(issued, parse_signer_certificate(issued.certificate.public_bytes(Encoding.DER)))


@cache
def default_dsc() -> TestDsc:
    """One ES256 DSC shared by tests that do not care which key signs."""
    return make_dsc()


def verifier_for(*dscs: TestDsc, now: datetime = NOW, **kwargs: Any) -> Verifier:
    """A verifier trusting `dscs`, with its clock fixed at `now`."""
    return Verifier(StaticTrustStore.of(*(d.certificate for d in dscs)), FixedClock(now), **kwargs)


def claims(dcc: Mapping[str, Any] | None = None, issued_at: datetime = ISSUED) -> bytes:
    return cwt.encode_cwt(
        issuer="VN",
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=365),
        dcc=dcc if dcc is not None else vaccination_json(),
    )


def raw_cose(
    payload: bytes,
    *,
    protected: Mapping[int, Any] | None,
    unprotected: Mapping[int, Any] | None = None,
    sign: Callable[[bytes], bytes],
    tag: int | None = 18,
    mutate_signature: Callable[[bytes], bytes] = lambda s: s,
) -> bytes:
    """A COSE_Sign1 built by hand, to make the messages a well-behaved signer never would."""
    protected_bytes = cbor2.dumps(dict(protected)) if protected is not None else b""
    signature = mutate_signature(sign(cose.sig_structure(protected_bytes, payload)))
    body = [protected_bytes, dict(unprotected or {}), payload, signature]
    return cbor2.dumps(cbor2.CBORTag(tag, body) if tag is not None else body)


def hc1(cose_bytes: bytes) -> str:
    return codec.PREFIX + base45.encode(compression.compress(cose_bytes))


def raw_ecdsa(key: ec.EllipticCurvePrivateKey) -> Callable[[bytes], bytes]:
    """Sign as COSE does (raw r ‖ s), with any curve: for alg/key mismatch vectors."""
    size = (key.curve.key_size + 7) // 8

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    return sign


def p384_dsc() -> tuple[ec.EllipticCurvePrivateKey, SignerCertificate]:
    """A DSC on P-384 (which no ES256 header may name), issued by the test CSCA."""
    key = ec.generate_private_key(ec.SECP384R1())
    csca = _csca()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "P-384 DSC")]))
        .issuer_name(csca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=100))
        .not_valid_after(NOW + timedelta(days=400))
        .sign(csca.private_key, hashes.SHA256())
    )
    return key, parse_signer_certificate(certificate.public_bytes(Encoding.DER))
