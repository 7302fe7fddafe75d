"""DSC parsing (hcert.x509, hcert.der): strict where cryptography accepts, lenient where not."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from hcert import der
from hcert.certtype import KEY_USAGE_OIDS, CertType
from hcert.errors import ErrorCode, HcertError, TrustError, UnsupportedError
from hcert.x509 import (
    MAX_CERTIFICATE_BYTES,
    SignerCertificate,
    kid_of,
    parse_lenient,
    parse_signer_certificate,
)
from tests.conformance.dgc import Case, load_cases
from tests.conftest import require_conformance

DER = serialization.Encoding.DER
PEM = serialization.Encoding.PEM
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo
T0 = datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
ALL_TYPES = frozenset(CertType)
PARSE_CODES = {ErrorCode.TRUST_LIST_INVALID, ErrorCode.ALGORITHM_UNSUPPORTED}
BMP_STRING = x509.name._ASN1Type.BMPString
KEY_USAGE_OIDS_BY_TYPE = {t: o for o, t in KEY_USAGE_OIDS.items() if ".0.1847." not in o}


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def build(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    *extensions: x509.ExtensionType,
    subject: x509.Name | None = None,
    not_before: datetime = T0,
    not_after: datetime = T0 + timedelta(days=365),
) -> bytes:
    """A self-signed certificate's DER, built with cryptography."""
    name = subject or x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, "DSC Ha Noi"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(4711)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(DER)


def eku(*oids: str) -> x509.ExtendedKeyUsage:
    return x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in oids])


def raw_extension(oid: x509.ObjectIdentifier, value: bytes) -> x509.UnrecognizedExtension:
    """An extension with hand-written value bytes (to encode what strict parsers refuse)."""
    return x509.UnrecognizedExtension(oid, value)


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    size = (n.bit_length() + 7) // 8
    length = bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")
    return bytes([tag]) + length + content


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = b""
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.insert(0, 0x80 | (arc & 0x7F))
        body += bytes(chunk)
    return tlv(0x06, body)


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def utc_time(text: str) -> bytes:
    return tlv(0x17, text.encode())


def generalized_time(text: str) -> bytes:
    return tlv(0x18, text.encode())


def hand_built(
    public_key: ec.EllipticCurvePublicKey,
    not_before: bytes = utc_time("210601120000Z"),
    not_after: bytes = utc_time("220601120000Z"),
    extensions: bytes | None = None,
    version: bool = True,
) -> bytes:
    """A certificate assembled from our own DER (unsigned: only the fields we read matter)."""
    name = seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0C, b"Hand"))))
    algorithm = seq(oid("1.2.840.10045.4.3.2"))
    tbs = seq(
        tlv(0xA0, tlv(0x02, b"\x02")) if version else b"",
        tlv(0x02, b"\x01"),
        algorithm,
        name,
        seq(not_before, not_after),
        name,
        public_key.public_bytes(DER, SPKI),
        tlv(0xA3, extensions) if extensions is not None else b"",
    )
    return seq(tbs, algorithm, tlv(0x03, b"\x00\x01"))


def hand_eku(value: bytes) -> bytes:
    """An extensions block holding one EKU extension whose extnValue content is `value`."""
    return seq(seq(oid("2.5.29.37"), tlv(0x04, value)))


def same_key(a: SignerCertificate, b: SignerCertificate) -> bool:
    return bool(a.public_key.public_numbers() == b.public_key.public_numbers())


def observable(c: SignerCertificate) -> tuple[object, ...]:
    return (c.der, c.kid, c.not_before, c.not_after, c.key_usages, c.subject, c.country)


# --- the public test vectors ----------------------------------------------------------------


@dataclass(frozen=True)
class VectorCertificate:
    der: bytes
    cases: tuple[str, ...]  # the vector files that carry it


def _vector_file(case: Case) -> str:
    """The case's file under dgc-testdata: "FI/1" is "FI/2DCode/raw/1.json"."""
    *folders, stem = case.id.split("/")
    return "/".join([*folders, "2DCode", "raw", f"{stem}.json"])


@pytest.fixture(scope="module")
def vector_certificates() -> list[VectorCertificate]:
    require_conformance("dgc-testdata")
    found: dict[bytes, list[str]] = {}
    for case in load_cases():
        der_bytes = case.certificate_der
        if der_bytes is not None:
            found.setdefault(der_bytes, []).append(_vector_file(case))
    assert len(found) > 50, "expected the ~76 distinct DSCs of dgc-testdata"
    return [VectorCertificate(d, tuple(cases)) for d, cases in found.items()]


def _strict_refuses(der_bytes: bytes) -> bool:
    try:
        cert = x509.load_der_x509_certificate(der_bytes)
        cert.extensions  # noqa: B018 -- parsed lazily; this is where FI and CO15 fail
    except ValueError:
        return True
    return False


def test_every_vector_certificate_yields_a_key_and_validity(
    vector_certificates: list[VectorCertificate],
) -> None:
    for vector in vector_certificates:
        cert = parse_signer_certificate(vector.der)
        assert isinstance(cert.public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
        assert cert.kid == hashlib.sha256(vector.der).digest()[:8]
        assert cert.not_before is not None and cert.not_after is not None
        assert cert.not_before.utcoffset() == timedelta(0) and cert.not_before < cert.not_after


def test_lenient_path_is_taken_exactly_where_strict_parsing_fails(
    vector_certificates: list[VectorCertificate],
) -> None:
    lenient = {v.cases for v in vector_certificates if parse_signer_certificate(v.der).lenient}
    refused = {v.cases for v in vector_certificates if _strict_refuses(v.der)}
    assert lenient == refused
    lenient_cases = {case for cases in lenient for case in cases}
    fi_cases = {c for v in vector_certificates for c in v.cases if c.startswith("FI/")}
    assert len(fi_cases) == 10
    assert fi_cases | {"common/2DCode/raw/CO15.json"} <= lenient_cases


def test_fi_and_co15_read_leniently_with_their_key_usages(
    vector_certificates: list[VectorCertificate],
) -> None:
    by_case = {case: v.der for v in vector_certificates for case in v.cases}
    fi = parse_signer_certificate(by_case["FI/2DCode/raw/1.json"])
    assert fi.lenient and fi.key_usages == ALL_TYPES  # FI lists all three OIDs
    assert fi.country == "FI" and fi.subject.startswith("CN=Todistuspalvelu_testi,")
    assert fi.not_before == datetime(2021, 6, 11, 13, 0, tzinfo=UTC)
    co15 = parse_signer_certificate(by_case["common/2DCode/raw/CO15.json"])
    assert co15.lenient and co15.key_usages is None  # empty EKU: every type
    assert all(co15.allows(t) for t in CertType)


def test_lenient_parser_agrees_with_strict_on_every_vector_certificate(
    vector_certificates: list[VectorCertificate],
) -> None:
    compared, mismatches = 0, []
    for vector in vector_certificates:
        strict = parse_signer_certificate(vector.der)
        if strict.lenient:
            continue
        lenient = parse_lenient(vector.der)
        compared += 1
        assert lenient.lenient
        if observable(strict) != observable(lenient) or not same_key(strict, lenient):
            mismatches.append((vector.cases[0], observable(strict), observable(lenient)))
    assert mismatches == []
    assert compared >= 50
    usages = {parse_signer_certificate(v.der).key_usages for v in vector_certificates}
    assert {None, ALL_TYPES, frozenset({CertType.TEST})} <= usages  # the walk saw real EKUs


# --- generated certificates -----------------------------------------------------------------


@pytest.mark.parametrize("family", ["1.3.6.1.4.1.1847.2021.1", "1.3.6.1.4.1.0.1847.2021.1"])
@pytest.mark.parametrize(
    ("arc", "cert_type"),
    [(1, CertType.TEST), (2, CertType.VACCINATION), (3, CertType.RECOVERY)],
)
def test_each_key_usage_oid_allows_exactly_its_type(
    ec_key: ec.EllipticCurvePrivateKey, family: str, arc: int, cert_type: CertType
) -> None:
    data = build(ec_key, eku(f"{family}.{arc}", ExtendedKeyUsageOID.SERVER_AUTH.dotted_string))
    cert = parse_signer_certificate(data)
    assert not cert.lenient and cert.key_usages == {cert_type}
    assert [t for t in CertType if cert.allows(t)] == [cert_type]
    assert parse_lenient(data).key_usages == {cert_type}


def test_several_key_usage_oids_allow_their_union(ec_key: ec.EllipticCurvePrivateKey) -> None:
    spec = "1.3.6.1.4.1.1847.2021.1"
    data = build(ec_key, eku(f"{spec}.1", "1.3.6.1.4.1.0.1847.2021.1.3"))
    for cert in (parse_signer_certificate(data), parse_lenient(data)):
        assert cert.key_usages == {CertType.TEST, CertType.RECOVERY}
        assert not cert.allows(CertType.VACCINATION)


@pytest.mark.parametrize(
    "extensions",
    [(), (eku(ExtendedKeyUsageOID.SERVER_AUTH.dotted_string),)],
    ids=["no-eku", "eku-without-dcc-oids"],
)
def test_no_dcc_key_usage_allows_every_type(
    ec_key: ec.EllipticCurvePrivateKey, extensions: tuple[x509.ExtensionType, ...]
) -> None:
    data = build(ec_key, x509.BasicConstraints(ca=False, path_length=None), *extensions)
    for cert in (parse_signer_certificate(data), parse_lenient(data)):
        assert cert.key_usages is None
        assert all(cert.allows(t) for t in CertType)


def test_empty_eku_is_refused_strictly_and_read_as_none_leniently(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    data = build(ec_key, eku())  # SEQUENCE {} as CO15 has it
    assert _strict_refuses(data)
    cert = parse_signer_certificate(data)
    assert cert.lenient and cert.key_usages is None
    assert isinstance(cert.public_key, ec.EllipticCurvePublicKey)


def test_encoded_default_basic_constraints_falls_back_like_fi(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    # BasicConstraints { cA BOOLEAN DEFAULT FALSE } with FALSE written out (X.690 §11.5 forbids)
    bc = raw_extension(ExtensionOID.BASIC_CONSTRAINTS, bytes.fromhex("3003010100"))
    vaccination = KEY_USAGE_OIDS_BY_TYPE[CertType.VACCINATION]
    data = build(ec_key, bc, eku(vaccination))
    assert _strict_refuses(data)
    cert = parse_signer_certificate(data)
    assert cert.lenient and cert.key_usages == {CertType.VACCINATION}
    assert cert.public_key.public_numbers() == ec_key.public_key().public_numbers()
    assert (cert.not_before, cert.not_after) == (T0, T0 + timedelta(days=365))


def test_unreadable_eku_allows_nothing(ec_key: ec.EllipticCurvePrivateKey) -> None:
    data = build(ec_key, raw_extension(ExtensionOID.EXTENDED_KEY_USAGE, b"\x04\x00"))
    cert = parse_signer_certificate(data)
    assert cert.lenient and cert.key_usages == frozenset()
    assert not any(cert.allows(t) for t in CertType)


@pytest.mark.parametrize("key_name", ["ec_key", "rsa_key"])
def test_pem_and_der_give_the_same_certificate(
    key_name: str, request: pytest.FixtureRequest
) -> None:
    key = request.getfixturevalue(key_name)
    data = build(key)
    pem = x509.load_der_x509_certificate(data).public_bytes(PEM)
    from_der, from_pem = parse_signer_certificate(data), parse_signer_certificate(pem)
    assert from_pem.der == data and observable(from_pem) == observable(from_der)
    assert from_der.public_key.public_numbers() == key.public_key().public_numbers()
    assert same_key(parse_lenient(pem), from_der)
    assert from_der.kid == kid_of(data) == hashlib.sha256(data).digest()[:8]
    assert (from_der.subject, from_der.country) == ("CN=DSC Ha Noi,C=VN", "VN")


def test_pem_with_surrounding_text_and_crlf(ec_key: ec.EllipticCurvePrivateKey) -> None:
    data = build(ec_key)
    pem = x509.load_der_x509_certificate(data).public_bytes(PEM).replace(b"\n", b"\r\n")
    assert parse_signer_certificate(b"\n  subject=CN=x\r\n" + pem + b"trailer").der == data


def test_validity_bounds_are_inclusive_and_need_aware_times(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    cert = parse_signer_certificate(build(ec_key))
    end = T0 + timedelta(days=365)
    assert cert.valid_at(T0) and cert.valid_at(end)
    assert not cert.valid_at(T0 - timedelta(seconds=1))
    assert not cert.valid_at(end + timedelta(seconds=1))
    ict = datetime(2021, 6, 1, 18, 59, 59, tzinfo=UTC).astimezone()  # any zone compares right
    assert cert.valid_at(ict)
    with pytest.raises(ValueError, match="aware"):
        cert.valid_at(datetime(2021, 7, 1))  # naive: the misuse under test


def test_utc_time_and_generalized_time_read_the_same_both_ways(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    # RFC 5280 §4.1.2.5: UTCTime up to 2049 ("49" is 2049), GeneralizedTime from 2050
    before = datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)
    after = datetime(2050, 1, 1, tzinfo=UTC)
    data = build(ec_key, not_before=before, not_after=after)
    assert b"\x17\x0d491231235959Z" in data and b"\x18\x0f20500101000000Z" in data
    strict, lenient = parse_signer_certificate(data), parse_lenient(data)
    assert (strict.not_before, strict.not_after) == (before, after)
    assert (lenient.not_before, lenient.not_after) == (before, after)


def test_subject_escaping_and_multivalued_rdns_match_cryptography(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    name = x509.Name(
        [
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]),
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Bộ Y tế, "VNCDC"+<x>; #1 '),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, "0101"),
                ]
            ),
            x509.RelativeDistinguishedName(
                [x509.NameAttribute(NameOID.COMMON_NAME, "#Sở Y tế", _type=BMP_STRING)]
            ),
        ]
    )
    data = build(ec_key, subject=name)
    lenient = parse_lenient(data)
    assert lenient.subject == x509.load_der_x509_certificate(data).subject.rfc4514_string()
    # DER sorts the SET OF an RDN: serialNumber (2.5.4.5) before O (2.5.4.10)
    escaped_o = 'O=Bộ Y tế\\, \\"VNCDC\\"\\+\\<x\\>\\; #1\\ '
    assert lenient.subject == f"CN=\\#Sở Y tế,2.5.4.5=0101+{escaped_o},C=VN"
    assert lenient.country == "VN"


def test_a_key_other_than_ec_or_rsa_is_unsupported() -> None:
    data = build(ed25519.Ed25519PrivateKey.generate())
    for parse in (parse_signer_certificate, parse_lenient):
        with pytest.raises(UnsupportedError) as e:
            parse(data)
        assert e.value.code is ErrorCode.ALGORITHM_UNSUPPORTED


# --- lenient times, hand-built DER -----------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (utc_time("210601120000Z"), datetime(2021, 6, 1, 12, 0, tzinfo=UTC)),
        (utc_time("4912312359Z"), datetime(2049, 12, 31, 23, 59, tzinfo=UTC)),  # no seconds
        (utc_time("500101000000Z"), datetime(1950, 1, 1, tzinfo=UTC)),  # RFC 5280 §4.1.2.5.1
        (utc_time("210601120000+0700"), datetime(2021, 6, 1, 5, 0, tzinfo=UTC)),
        (generalized_time("20210601120000.5Z"), datetime(2021, 6, 1, 12, 0, 0, 500000, UTC)),
        (generalized_time("20210601120000"), datetime(2021, 6, 1, 12, 0, tzinfo=UTC)),
        (generalized_time("20210601120000-0130"), datetime(2021, 6, 1, 13, 30, tzinfo=UTC)),
    ],
)
def test_lenient_time_forms(
    ec_key: ec.EllipticCurvePrivateKey, encoded: bytes, expected: datetime
) -> None:
    cert = parse_lenient(hand_built(ec_key.public_key(), not_before=encoded))
    assert cert.not_before == expected and cert.not_before.tzinfo is UTC


@pytest.mark.parametrize(
    "encoded",
    [
        utc_time("211301120000Z"),  # month 13
        utc_time("2106011200Z00"),
        generalized_time("20210601120000+9900"),  # offset beyond a day
        tlv(0x04, b"210601120000Z"),  # not a time type
        utc_time("２１0601120000Z"),  # non-ASCII digits
    ],
)
def test_unreadable_validity_is_refused(ec_key: ec.EllipticCurvePrivateKey, encoded: bytes) -> None:
    with pytest.raises(TrustError) as e:
        parse_signer_certificate(hand_built(ec_key.public_key(), not_after=encoded))
    assert e.value.code is ErrorCode.TRUST_LIST_INVALID


def test_hand_built_without_version_and_with_eku(ec_key: ec.EllipticCurvePrivateKey) -> None:
    recovery = seq(oid("1.3.6.1.4.1.0.1847.2021.1.3"), oid("1.3.6.1.5.5.7.3.1"))
    data = hand_built(ec_key.public_key(), extensions=hand_eku(recovery), version=False)
    cert = parse_lenient(data)
    strict = parse_signer_certificate(data)
    assert not strict.lenient and observable(strict) == observable(cert)  # our DER is DER
    assert cert.key_usages == {CertType.RECOVERY} and cert.subject == "CN=Hand"
    assert cert.country is None and cert.not_after == datetime(2022, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "extensions",
    [hand_eku(b"\x30\x03\x02\x01\x01"), tlv(0x04, b""), hand_eku(b"\x30\x02\x06\x00")],
    ids=["integer-in-eku", "extensions-not-a-sequence", "empty-oid"],
)
def test_lenient_eku_fails_closed(ec_key: ec.EllipticCurvePrivateKey, extensions: bytes) -> None:
    cert = parse_lenient(hand_built(ec_key.public_key(), extensions=extensions))
    assert cert.key_usages == frozenset()


# --- refusals ---------------------------------------------------------------------------------


def test_not_bytes_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_signer_certificate("MIIB...")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kid_of("abc")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x80\x00\x00",  # indefinite length (BER)
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        b"\x30" * (MAX_CERTIFICATE_BYTES + 1),
        seq(seq(), seq(), tlv(0x03, b"\x00")),
    ],
    ids=["empty", "truncated", "indefinite", "bad-pem", "no-cert-block", "too-large", "empty-tbs"],
)
def test_garbage_is_trust_list_invalid(data: bytes) -> None:
    with pytest.raises(TrustError) as e:
        parse_signer_certificate(data)
    assert e.value.code is ErrorCode.TRUST_LIST_INVALID


def test_every_truncation_and_trailing_byte_is_refused(ec_key: ec.EllipticCurvePrivateKey) -> None:
    data = build(ec_key, eku(KEY_USAGE_OIDS_BY_TYPE[CertType.TEST]))
    for bad in [data[:n] for n in range(len(data))] + [data + b"\x00"]:
        with pytest.raises(TrustError) as e:
            parse_signer_certificate(bad)
        assert e.value.code is ErrorCode.TRUST_LIST_INVALID, len(bad)


@pytest.fixture(scope="module")
def sample_der(ec_key: ec.EllipticCurvePrivateKey) -> bytes:
    return build(ec_key, eku(KEY_USAGE_OIDS_BY_TYPE[CertType.VACCINATION]))


@settings(max_examples=200, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4)
)
def test_mutated_certificates_parse_or_fail_with_a_code(
    sample_der: bytes, edits: list[tuple[int, int]]
) -> None:
    data = bytearray(sample_der)
    for position, value in edits:
        data[position % len(data)] = value
    try:
        cert = parse_signer_certificate(bytes(data))
    except HcertError as e:
        assert e.code in PARSE_CODES
    else:
        assert cert.kid == kid_of(bytes(data))
        assert isinstance(cert.public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_fail_with_a_code(data: bytes) -> None:
    with pytest.raises(HcertError) as e:
        parse_signer_certificate(data)
    assert e.value.code in PARSE_CODES


# --- the DER reader ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dotted", ["2.5.29.37", "1.3.6.1.4.1.0.1847.2021.1.2", "2.999.3", "0.9.2342.19200300.100.1.25"]
)
def test_oid_round_trip(dotted: str) -> None:
    assert der.decode_oid(der.read_one(oid(dotted))) == dotted


def test_der_reader_forms() -> None:
    long_form = der.read_one(b"\x04\x81\x80" + b"x" * 128)
    assert long_form.content == b"x" * 128 and len(long_form.encoded) == 131
    high_tag = der.read_one(b"\xbf\x81\x00\x00")  # [128] constructed, empty
    assert high_tag.is_context(128) and high_tag.constructed and high_tag.children() == []
    assert der.read_all(b"\x05\x00\x05\x00") == [der.read_one(b"\x05\x00")] * 2
    for bad in (b"\x05\x80", b"\x04\x85\x01\x00\x00\x00\x00", b"\x1f\xff\xff\xff\xff\x01\x00"):
        with pytest.raises(der.DerError):
            der.read_one(bad)
    with pytest.raises(der.DerError, match="primitive"):
        der.read_one(b"\x04\x00").children()
    with pytest.raises(der.DerError):
        der.decode_oid(der.read_one(b"\x06\x01\x81"))  # unterminated arc
