"""Our own vectors: what upstream describes but never shipped, and each verdict category."""

from __future__ import annotations

from datetime import timedelta

import cbor2
import pytest

from hcert import base45, codec, cose
from hcert.certtype import CertType
from hcert.clock import FixedClock
from hcert.errors import Category, ErrorCode
from tests.factories import (
    ISSUED,
    NOW,
    claims,
    default_dsc,
    hc1,
    make_dsc,
    p384_dsc,
    raw_cose,
    raw_ecdsa,
    vaccination_json,
    verifier_for,
)
from verifier.trust_store import StaticTrustStore, TrustedKey
from verifier.verifier import Verifier

ES256, PS256 = cose.CoseAlgorithm.ES256, cose.CoseAlgorithm.PS256
ALG, KID = cose.HeaderLabel.ALG, cose.HeaderLabel.KID


def _es256(dsc=None):  # type: ignore[no-untyped-def]
    dsc = dsc or default_dsc()
    return dsc, dsc.signer.sign


def test_es256_round_trip_is_valid_with_content() -> None:
    dsc = default_dsc()
    verdict = verifier_for(dsc).verify(dsc.sign())
    assert verdict.category is Category.VALID, verdict.message
    assert verdict.code is ErrorCode.OK
    assert verdict.kid == dsc.certificate.kid
    assert verdict.algorithm == ES256
    assert verdict.content is not None and verdict.content.payload is not None
    assert verdict.content.issued_at == ISSUED
    assert verdict.content.expires_at == ISSUED + timedelta(days=365)
    assert verdict.content.cert_types == {CertType.VACCINATION}


def test_ps256_round_trip_is_valid() -> None:
    dsc = make_dsc(algorithm="PS256")
    verdict = verifier_for(dsc).verify(dsc.sign())
    assert verdict.valid, verdict.message
    assert verdict.algorithm == PS256


def test_vietnamese_names_round_trip_unchanged() -> None:
    dsc = default_dsc()
    nam = {"fn": "Nguyễn Đỗ", "fnt": "NGUYEN<DO", "gn": "Thị Hường", "gnt": "THI<HUONG"}
    verdict = verifier_for(dsc).verify(dsc.sign(vaccination_json(nam=nam)))
    assert verdict.valid, verdict.message
    assert verdict.content is not None
    assert verdict.content.dcc["nam"] == nam


def test_tampered_payload_reads_bad_signature() -> None:
    dsc = default_dsc()
    text = dsc.sign()
    message = cose.decode_sign1(
        codec.decode_envelope(text, verifier_for(dsc).limits), verifier_for(dsc).limits
    )
    tampered_payload = message.payload.replace(b"1985-03-09", b"1995-03-09")
    assert tampered_payload != message.payload
    forged = cbor2.dumps(
        cbor2.CBORTag(18, [message.protected_bytes, {}, tampered_payload, message.signature])
    )
    verdict = verifier_for(dsc).verify(hc1(forged))
    assert verdict.category is Category.BAD_SIGNATURE
    assert verdict.code is ErrorCode.SIGNATURE_INVALID
    assert verdict.content is None  # nothing of an unverified payload is shown


def test_unsupported_algorithm() -> None:
    dsc, sign = _es256()
    data = raw_cose(
        claims(), protected={ALG: cose.CoseAlgorithm.ES384, KID: dsc.certificate.kid}, sign=sign
    )
    verdict = verifier_for(dsc).verify(hc1(data))
    assert verdict.category is Category.UNSUPPORTED
    assert verdict.code is ErrorCode.ALGORITHM_UNSUPPORTED
    assert "ES384" in verdict.message


def test_missing_algorithm() -> None:
    dsc, sign = _es256()
    data = raw_cose(claims(), protected={KID: dsc.certificate.kid}, sign=sign)
    assert verifier_for(dsc).verify(hc1(data)).code is ErrorCode.ALGORITHM_MISSING


@pytest.mark.parametrize("extra", [b"\x00", b"\x00" * 8])
def test_over_long_ecdsa_signature(extra: bytes) -> None:
    dsc, sign = _es256()
    data = raw_cose(
        claims(),
        protected={ALG: ES256, KID: dsc.certificate.kid},
        sign=sign,
        mutate_signature=lambda s: s + extra,
    )
    verdict = verifier_for(dsc).verify(hc1(data))
    assert verdict.category is Category.BAD_SIGNATURE
    assert verdict.code is ErrorCode.SIGNATURE_LENGTH_INVALID


@pytest.mark.parametrize("kid_length", [3, 12])
def test_kid_of_wrong_length(kid_length: int) -> None:
    dsc, sign = _es256()
    kid = (dsc.certificate.kid * 2)[:kid_length]
    data = hc1(raw_cose(claims(), protected={ALG: ES256, KID: kid}, sign=sign))
    verdict = verifier_for(dsc).verify(data)
    assert verdict.category is Category.UNKNOWN_KEY
    assert verdict.code is ErrorCode.KID_LENGTH_INVALID
    # A trust list may publish a key under such a kid explicitly: then it is found and verifies.
    store = StaticTrustStore([TrustedKey(kid, dsc.certificate)])
    assert Verifier(store, FixedClock(NOW)).verify(data).valid


def test_unknown_and_missing_kid() -> None:
    dsc, sign = _es256()
    other = make_dsc()
    assert verifier_for(other).verify(dsc.sign()).code is ErrorCode.KID_UNKNOWN
    no_kid = hc1(raw_cose(claims(), protected={ALG: ES256}, sign=sign))
    verdict = verifier_for(dsc).verify(no_kid)
    assert (verdict.category, verdict.code) == (Category.UNKNOWN_KEY, ErrorCode.KID_MISSING)


def test_p384_key_under_es256_is_an_alg_key_mismatch() -> None:
    key, certificate = p384_dsc()  # what ES 401–403 do upstream
    data = hc1(
        raw_cose(claims(), protected={ALG: ES256, KID: certificate.kid}, sign=raw_ecdsa(key))
    )
    verdict = Verifier(StaticTrustStore.of(certificate), FixedClock(NOW)).verify(data)
    assert verdict.category is Category.BAD_SIGNATURE
    assert verdict.code is ErrorCode.ALGORITHM_KEY_MISMATCH


def test_rsa_key_under_es256_and_ec_key_under_ps256() -> None:
    rsa_dsc, ec_dsc = make_dsc(algorithm="PS256"), default_dsc()
    es_on_rsa = hc1(
        raw_cose(
            claims(), protected={ALG: ES256, KID: rsa_dsc.certificate.kid}, sign=ec_dsc.signer.sign
        )
    )
    ps_on_ec = hc1(
        raw_cose(
            claims(), protected={ALG: PS256, KID: ec_dsc.certificate.kid}, sign=rsa_dsc.signer.sign
        )
    )
    verifier = verifier_for(rsa_dsc, ec_dsc)
    assert verifier.verify(es_on_rsa).code is ErrorCode.ALGORITHM_KEY_MISMATCH
    assert verifier.verify(ps_on_ec).code is ErrorCode.ALGORITHM_KEY_MISMATCH


def test_kid_collision_between_two_dscs() -> None:
    first, second, stranger = make_dsc(), make_dsc(), make_dsc()
    shared_kid = first.certificate.kid
    store = StaticTrustStore(
        [TrustedKey(shared_kid, first.certificate), TrustedKey(shared_kid, second.certificate)]
    )
    verifier = Verifier(store, FixedClock(NOW))
    for dsc in (first, second):
        text = hc1(
            raw_cose(claims(), protected={ALG: ES256, KID: shared_kid}, sign=dsc.signer.sign)
        )
        verdict = verifier.verify(text)
        assert verdict.valid, verdict.message
        assert verdict.key is not None and verdict.key.certificate == dsc.certificate
    forged = hc1(
        raw_cose(claims(), protected={ALG: ES256, KID: shared_kid}, sign=stranger.signer.sign)
    )
    assert verifier.verify(forged).code is ErrorCode.SIGNATURE_INVALID


def test_kid_and_alg_from_the_unprotected_header_and_protected_wins() -> None:
    dsc, sign = _es256()
    verifier = verifier_for(dsc)
    unprotected_only = raw_cose(
        claims(), protected=None, unprotected={ALG: ES256, KID: dsc.certificate.kid}, sign=sign
    )
    assert verifier.verify(hc1(unprotected_only)).valid
    wrong_in_protected = raw_cose(
        claims(),
        protected={ALG: ES256, KID: b"\x01" * 8},
        unprotected={KID: dsc.certificate.kid},
        sign=sign,
    )
    assert verifier.verify(hc1(wrong_in_protected)).code is ErrorCode.KID_UNKNOWN


def test_cbor_variants_untagged_cwt_tag_and_indefinite_maps() -> None:
    dsc, sign = _es256()
    verifier = verifier_for(dsc)
    protected = {ALG: ES256, KID: dsc.certificate.kid}
    assert verifier.verify(hc1(raw_cose(claims(), protected=protected, sign=sign, tag=None))).valid
    tagged = raw_cose(claims(), protected=protected, sign=sign)
    assert verifier.verify(hc1(cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(tagged))))).valid
    # the CWT claims as an indefinite-length map (0xbf … 0xff), as some issuers write it
    definite = claims()
    indefinite = b"\xbf" + definite[1:] + b"\xff"
    assert definite[0] == 0xA4
    verdict = verifier.verify(hc1(raw_cose(indefinite, protected=protected, sign=sign)))
    assert verdict.valid, verdict.message


def test_uncompressed_cose_is_refused_unless_allowed() -> None:
    dsc = default_dsc()
    cose_bytes = codec.decode_envelope(dsc.sign(), verifier_for(dsc).limits)
    text = codec.PREFIX + base45.encode(cose_bytes)
    verdict = verifier_for(dsc).verify(text)
    assert (verdict.category, verdict.code) == (Category.MALFORMED, ErrorCode.NOT_COMPRESSED)
    assert verifier_for(dsc, allow_uncompressed=True).verify(text).valid


@pytest.mark.parametrize(
    ("text", "category", "code"),
    [
        ("", Category.MALFORMED, ErrorCode.INPUT_EMPTY),
        ("hello", Category.MALFORMED, ErrorCode.PREFIX_MISSING),
        ("HC2:ABC", Category.UNSUPPORTED, ErrorCode.FORMAT_UNSUPPORTED),
        ("shc:/5676290952432060", Category.UNSUPPORTED, ErrorCode.FORMAT_UNSUPPORTED),
        ("HC1:abc", Category.MALFORMED, ErrorCode.BASE45_DECODING_FAILED),
        ("HC1:" + "0" * 9000, Category.MALFORMED, ErrorCode.INPUT_TOO_LONG),
    ],
)
def test_envelope_failures(text: str, category: Category, code: ErrorCode) -> None:
    verdict = verifier_for(default_dsc()).verify(text)
    assert (verdict.category, verdict.code) == (category, code)


def test_scanner_line_endings_are_ignored() -> None:
    dsc = default_dsc()
    assert verifier_for(dsc).verify(dsc.sign() + "\r\n").valid


def test_detached_payload_is_unsupported() -> None:
    dsc = default_dsc()
    body = [cbor2.dumps({ALG: ES256, KID: dsc.certificate.kid}), {}, None, b"\x00" * 64]
    verdict = verifier_for(dsc).verify(hc1(cbor2.dumps(cbor2.CBORTag(18, body))))
    assert verdict.code is ErrorCode.FORMAT_UNSUPPORTED


def test_expired_and_not_yet_valid() -> None:
    dsc = default_dsc()
    verifier = verifier_for(dsc)
    expired = dsc.sign(issued_at=NOW - timedelta(days=30), expires_at=NOW - timedelta(seconds=1))
    assert verifier.verify(expired).category is Category.EXPIRED
    slightly_ahead = dsc.sign(issued_at=NOW + timedelta(minutes=4))
    assert verifier.verify(slightly_ahead).valid  # within the 5-minute skew
    ahead = dsc.sign(issued_at=NOW + timedelta(minutes=6))
    verdict = verifier.verify(ahead)
    assert (verdict.category, verdict.code) == (Category.NOT_YET_VALID, ErrorCode.ISSUED_IN_FUTURE)
    strict = verifier_for(dsc, skew=timedelta(0))
    assert strict.verify(slightly_ahead).category is Category.NOT_YET_VALID


def test_dsc_outside_its_validity_is_key_expired() -> None:
    young = make_dsc(not_before=NOW - timedelta(days=5))
    verdict = verifier_for(young).verify(young.sign(issued_at=NOW - timedelta(days=10)))
    assert (verdict.category, verdict.code) == (
        Category.KEY_EXPIRED,
        ErrorCode.DSC_NOT_VALID_AT_ISSUANCE,
    )
    short = make_dsc(not_before=NOW - timedelta(days=100), validity=timedelta(days=95))
    verdict = verifier_for(short).verify(short.sign(issued_at=NOW - timedelta(days=50)))
    assert (verdict.category, verdict.code) == (Category.KEY_EXPIRED, ErrorCode.DSC_EXPIRED)


def test_revoked_dsc() -> None:
    dsc = default_dsc()
    store = StaticTrustStore([TrustedKey(dsc.certificate.kid, dsc.certificate, revoked=True)])
    verdict = Verifier(store, FixedClock(NOW)).verify(dsc.sign())
    assert (verdict.category, verdict.code) == (Category.KEY_REVOKED, ErrorCode.DSC_REVOKED)


@pytest.mark.parametrize(
    ("usages", "valid"),
    [
        (frozenset({CertType.TEST}), False),
        (frozenset({CertType.RECOVERY, CertType.TEST}), False),
        (frozenset({CertType.VACCINATION}), True),
        (None, True),  # no key-usage OID: every type
    ],
)
def test_key_usage(usages: frozenset[CertType] | None, valid: bool) -> None:
    dsc = make_dsc(cert_types=usages)
    verdict = verifier_for(dsc).verify(dsc.sign())
    assert verdict.valid is valid
    if not valid:
        assert (verdict.category, verdict.code) == (
            Category.KEY_USAGE,
            ErrorCode.KEY_USAGE_MISMATCH,
        )


def test_schema_violation_after_a_good_signature() -> None:
    dsc = default_dsc()
    bad = vaccination_json()
    del bad["dob"]
    verdict = verifier_for(dsc).verify(dsc.sign(bad))
    assert (verdict.category, verdict.code) == (Category.SCHEMA, ErrorCode.SCHEMA_INVALID)
    assert verdict.content is not None and verdict.content.payload is None
    both = vaccination_json(t=[{"tg": "840539006"}])
    assert verifier_for(dsc).verify(dsc.sign(both)).category is Category.SCHEMA


def test_every_error_code_has_exactly_one_category_and_every_category_a_code() -> None:
    from hcert.errors import _CATEGORY

    assert set(_CATEGORY) == set(ErrorCode)  # no code without a category
    assert {code.category for code in ErrorCode} == set(Category)  # no category without a code
    assert ErrorCode.OK.category is Category.VALID
    assert [c for c in ErrorCode if c.category is Category.VALID] == [ErrorCode.OK]


@pytest.mark.parametrize("size", [0, 1, 23, 24, 255, 256, 65535, 65536])
def test_hand_written_cbor_matches_cbor2(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    protected = cbor2.dumps({ALG: ES256, KID: b"12345678"})
    assert cose.sig_structure(protected, payload) == cbor2.dumps(
        ["Signature1", protected, b"", payload]
    )
    if size:
        dsc = default_dsc()
        message = cose.encode_sign1(payload, dsc.signer)
        decoded = cbor2.loads(message)
        assert decoded.tag == 18
        assert decoded.value[0] == protected.replace(b"12345678", dsc.certificate.kid)
        assert decoded.value[2] == payload
        assert message == cbor2.dumps(cbor2.CBORTag(18, list(decoded.value)))
