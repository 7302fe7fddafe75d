"""Properties of the whole pipeline: round trips, tamper evidence, total verification."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import cbor2
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hcert import base45, codec, compression, cose, cwt
from hcert.errors import Category, HcertError
from hcert.limits import DecodeLimits
from tests.factories import ISSUED, default_dsc, hc1, vaccination_json, verifier_for

LIMITS = DecodeLimits()
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)
names = (
    st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " -", min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@SETTINGS
@given(st.binary(max_size=2000))
def test_base45_round_trip(data: bytes) -> None:
    assert base45.decode(base45.encode(data)) == data


@SETTINGS
@given(st.binary(max_size=4000))
def test_compression_round_trip(data: bytes) -> None:
    assert compression.inflate(compression.compress(data), LIMITS.max_inflated_bytes) == data


@SETTINGS
@given(st.binary(min_size=1, max_size=1000))
def test_cose_round_trip(payload: bytes) -> None:
    dsc = default_dsc()
    message = cose.decode_sign1(cose.encode_sign1(payload, dsc.signer), LIMITS)
    assert message.payload == payload
    assert message.kid == dsc.certificate.kid
    assert message.algorithm == cose.CoseAlgorithm.ES256
    cose.verify_signature(message, dsc.certificate.public_key)


@SETTINGS
@given(fn=names, gn=names, seconds=st.integers(min_value=0, max_value=10**6))
def test_cwt_round_trip(fn: str, gn: str, seconds: int) -> None:
    dcc = vaccination_json(nam={"fn": fn, "gn": gn, "fnt": "X", "gnt": "Y"})
    issued = ISSUED + timedelta(seconds=seconds)
    claims = cwt.decode_cwt(
        cwt.encode_cwt(
            issuer="VN", issued_at=issued, expires_at=issued + timedelta(days=1), dcc=dcc
        ),
        LIMITS,
    )
    assert (claims.issuer, claims.issued_at, claims.dcc) == ("VN", issued, dcc)


@SETTINGS
@given(fn=names, gn=names, dose=st.integers(min_value=1, max_value=9))
def test_end_to_end_sign_then_verify(fn: str, gn: str, dose: int) -> None:
    dsc = default_dsc()
    dcc = vaccination_json(nam={"fn": fn, "gn": gn, "fnt": "NGUYEN", "gnt": "AN"})
    dcc["v"][0]["dn"] = dose
    dcc["v"][0]["sd"] = max(dose, 2)
    verdict = verifier_for(dsc).verify(dsc.sign(dcc))
    assert verdict.valid, verdict.message
    assert verdict.content is not None and verdict.content.dcc == dcc


def _signed_parts() -> tuple[bytes, bytes, bytes]:
    dsc = default_dsc()
    message = cose.decode_sign1(codec.decode_envelope(dsc.sign(), LIMITS), LIMITS)
    return message.protected_bytes, message.payload, message.signature


PROTECTED, PAYLOAD, SIGNATURE = _signed_parts()


@settings(max_examples=300, deadline=None)
@given(part=st.sampled_from(["protected", "payload", "signature"]), data=st.data())
def test_flipping_any_signed_byte_is_never_valid(part: str, data: st.DataObject) -> None:
    parts = {"protected": PROTECTED, "payload": PAYLOAD, "signature": SIGNATURE}
    target = bytearray(parts[part])
    index = data.draw(st.integers(min_value=0, max_value=len(target) - 1), label="index")
    bit = data.draw(st.integers(min_value=0, max_value=7), label="bit")
    target[index] ^= 1 << bit
    parts[part] = bytes(target)
    forged = cbor2.dumps(
        cbor2.CBORTag(18, [parts["protected"], {}, parts["payload"], parts["signature"]])
    )
    verdict = verifier_for(default_dsc()).verify(hc1(forged))
    assert not verdict.valid
    assert verdict.content is None  # nothing of a forged payload is ever interpreted


@SETTINGS
@given(st.text(max_size=3000))
def test_any_text_gets_a_verdict(text: str) -> None:
    verdict = verifier_for(default_dsc()).verify(text)
    assert not verdict.valid
    assert isinstance(verdict.category, Category)


@SETTINGS
@given(st.binary(max_size=3000))
def test_any_bytes_behind_the_prefix_get_a_verdict(data: bytes) -> None:
    verifier = verifier_for(default_dsc())
    for text in (hc1(data), codec.PREFIX + base45.encode(data)):
        assert not verifier.verify(text).valid


cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.binary(max_size=40) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers() | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=30,
)


@SETTINGS
@given(
    protected=cbor_values,
    unprotected=cbor_values,
    payload=cbor_values,
    tag=st.sampled_from([None, 18, 61, 98, 5]),
)
def test_any_cose_shaped_structure_gets_a_verdict(
    protected: object, unprotected: object, payload: object, tag: int | None
) -> None:
    body = [cbor2.dumps(protected), unprotected, cbor2.dumps(payload), b"\x00" * 64]
    data = cbor2.dumps(cbor2.CBORTag(tag, body) if tag is not None else body)
    verdict = verifier_for(default_dsc()).verify(hc1(data))
    assert not verdict.valid


@SETTINGS
@given(st.binary(max_size=500))
def test_cbor_decoder_raises_only_its_own_errors(data: bytes) -> None:
    from hcert import cbor

    with contextlib.suppress(HcertError):
        cbor.loads(data, LIMITS)


@SETTINGS
@given(claims=cbor_values)
def test_any_signed_claims_get_a_verdict(claims: object) -> None:
    """Even a correctly signed but nonsensical CWT yields a verdict, never an exception."""
    dsc = default_dsc()
    payload = cbor2.dumps(claims)
    assume(payload)
    verdict = verifier_for(dsc).verify(hc1(cose.encode_sign1(payload, dsc.signer)))
    assert not verdict.valid
    assert verdict.category is not Category.BAD_SIGNATURE
