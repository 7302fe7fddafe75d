"""Certificates of the signing PKI (ARCHITECTURE §5): CSCA, DSCs, the trust-list signer.

The CSCA is self-signed; it issues DSCs (which sign vaccination certificates), the trust-list
signer (which signs trust lists) and, when the CSCA itself is renewed, a cross certificate for
its successor so that verifiers pinned to the old one can move their pin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hcert.certtype import KEY_USAGE_OIDS, CertType
from hcert.cose import PrivateKey, PublicKey
from hcert.trustlist import TRUST_LIST_SIGNER_OID
from keys.lifecycle import Policy

DEFAULT_DSC_VALIDITY = Policy().dsc_validity  # lead time + usage period + certificates
DEFAULT_CSCA_VALIDITY = Policy().csca_validity
# hcert spec 5.1.1: the spec's OID family (the early 1.3.6.1.4.1.0.1847… form is only read)
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


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: PublicKey, now: datetime, validity: timedelta
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _ca_builder(
    subject: x509.Name, issuer: x509.Name, public_key: PublicKey, now: datetime, validity: timedelta
) -> x509.CertificateBuilder:
    return (
        _builder(subject, issuer, public_key, now, validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
    )


def create_csca(
    *,
    common_name: str,
    now: datetime,
    validity: timedelta = DEFAULT_CSCA_VALIDITY,
    country: str = "VN",
    private_key: PrivateKey | None = None,
) -> IssuedCertificate:
    """Create a self-signed country signing CA (a new P-256 key unless `private_key` is given)."""
    key = private_key or new_private_key("ES256")
    name = name_of(common_name, country)
    certificate = _ca_builder(name, name, key.public_key(), now, validity).sign(
        key, hashes.SHA256()
    )
    return IssuedCertificate(key, certificate)


def cross_certificate(
    old: IssuedCertificate, new: x509.Certificate, *, now: datetime, validity: timedelta
) -> x509.Certificate:
    """The old CSCA's certificate for the new CSCA's key: verifiers pinned to the old one accept
    what the new one issued, and learn the new pin from it.
    """  # noqa: D205
    public_key = new.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
    return _ca_builder(new.subject, old.certificate.subject, public_key, now, validity).sign(
        old.private_key, hashes.SHA256()
    )


def issue_dsc(
    csca: IssuedCertificate,
    public_key: PublicKey,
    *,
    common_name: str,
    now: datetime,
    validity: timedelta = DEFAULT_DSC_VALIDITY,
    usage_period: tuple[datetime, datetime] | None = None,
    cert_types: frozenset[CertType] | None = None,
    country: str = "VN",
) -> x509.Certificate:
    """Issue a document signer certificate for `public_key` (which may live in an HSM).

    Args:
        csca: the issuing CA.
        public_key: the DSC's public key.
        common_name: the DSC's CN.
        now: its notBefore.
        validity: how long it verifies: lead time + usage period + the longest certificate.
        usage_period: when its private key may sign (the X.509 private-key usage period,
            RFC 3280 §4.2.1.4), shorter than the validity.
        cert_types: the types it may sign, as extended-key-usage OIDs (hcert spec 5.1.1);
            None writes none, which allows every type.
        country: the subject's country.
    """
    builder = (
        _builder(name_of(common_name, country), csca.certificate.subject, public_key, now, validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(csca.private_key.public_key()),
            critical=False,
        )
    )
    if usage_period is not None:
        builder = builder.add_extension(x509.PrivateKeyUsagePeriod(*usage_period), critical=False)
    if cert_types:
        oids = [x509.ObjectIdentifier(_SPEC_OIDS[t]) for t in sorted(cert_types)]
        builder = builder.add_extension(x509.ExtendedKeyUsage(oids), critical=False)
    return builder.sign(csca.private_key, hashes.SHA256())


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
    """A new key pair with its DSC certificate (see `issue_dsc`); ES256 or PS256."""
    key = new_private_key(algorithm)
    certificate = issue_dsc(
        csca,
        key.public_key(),
        common_name=common_name,
        now=now,
        validity=validity,
        cert_types=cert_types,
        country=country,
    )
    return IssuedCertificate(key, certificate)


def issue_trust_list_signer(
    csca: IssuedCertificate,
    public_key: PublicKey,
    *,
    common_name: str,
    now: datetime,
    validity: timedelta,
    country: str = "VN",
) -> x509.Certificate:
    """Issue the trust-list signer's certificate: the ICAO master-list-signer EKU, no DCC types."""
    return (
        _builder(name_of(common_name, country), csca.certificate.subject, public_key, now, validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([TRUST_LIST_SIGNER_OID]), critical=False)
        .sign(csca.private_key, hashes.SHA256())
    )


def name_of(common_name: str, country: str) -> x509.Name:
    """A subject name ``C=country, CN=common_name``."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
