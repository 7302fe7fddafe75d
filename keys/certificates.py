"""Creating the CSCA and DSC certificates (ARCHITECTURE §5).

This is the part of the PKI the core and its tests need; rotation, lifecycle states, the key
store and the audit log build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hcert.certtype import KEY_USAGE_OIDS, CertType
from hcert.cose import PrivateKey

DEFAULT_DSC_VALIDITY = timedelta(days=365 + 183)  # 6-month usage period + 12-month certificates
DEFAULT_CSCA_VALIDITY = timedelta(days=365 * 10)
_SPEC_OIDS = {t: oid for oid, t in KEY_USAGE_OIDS.items() if ".0.1847." not in oid}


def new_private_key(algorithm: str = "ES256") -> PrivateKey:
    """A fresh key: P-256 for ES256 (the default), RSA-3072 for PS256."""
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "PS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise ValueError(f"unsupported algorithm {algorithm!r}: ES256 or PS256")


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A private key with its certificate."""

    private_key: PrivateKey
    certificate: x509.Certificate


def create_csca(
    *,
    common_name: str,
    now: datetime,
    validity: timedelta = DEFAULT_CSCA_VALIDITY,
    country: str = "VN",
) -> IssuedCertificate:
    """Create a self-signed country signing CA (ICAO 9303 part 12 profile, simplified)."""
    key = new_private_key("ES256")
    name = _name(common_name, country)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return IssuedCertificate(key, certificate)


def create_dsc(
    csca: IssuedCertificate,
    *,
    common_name: str,
    now: datetime,
    validity: timedelta = DEFAULT_DSC_VALIDITY,
    cert_types: frozenset[CertType] | None = None,
    algorithm: str = "ES256",
    country: str = "VN",
) -> IssuedCertificate:
    """Create a document signer certificate issued by `csca`.

    Args:
        csca: the issuing CA.
        common_name: the DSC's CN.
        now: its notBefore.
        validity: how long it verifies (its usage period plus the longest certificate validity).
        cert_types: the certificate types it may sign, written as extended-key-usage OIDs
            (hcert spec 5.1.1); None writes none, which allows every type.
        algorithm: ES256 (P-256) or PS256 (RSA-3072).
        country: the subject's country.
    """
    key = new_private_key(algorithm)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, country))
        .issuer_name(csca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(csca.private_key.public_key()),
            critical=False,
        )
    )
    if cert_types:
        oids = [x509.ObjectIdentifier(_SPEC_OIDS[t]) for t in sorted(cert_types)]
        builder = builder.add_extension(x509.ExtendedKeyUsage(oids), critical=False)
    return IssuedCertificate(key, builder.sign(csca.private_key, hashes.SHA256()))


def _name(common_name: str, country: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
