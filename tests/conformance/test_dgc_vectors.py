"""The EU DCC test vectors (dgc-testdata), flag by flag, both ways.

Every flag of every case is one test: a `true` flag must pass its step, a `false` flag must
fail it. Deviations we accept are listed one by one, with their reason, in
`exclusions.csv`; an excluded flag must still deviate (a stale exclusion fails). A last test
per case checks the whole verdict: its category must be one of those the false flags name.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from hcert import base45, codec, compression, cose, cwt
from hcert import cbor as hcert_cbor
from hcert.clock import FixedClock
from hcert.dcc import parse_dcc
from hcert.errors import Category, HcertError
from hcert.limits import DecodeLimits
from hcert.x509 import parse_signer_certificate
from tests.conformance.dgc import FLAGS, Case, load_cases, normalise
from verifier.trust_store import StaticTrustStore, TrustedKey
from verifier.verifier import (
    VerifiedContent,
    Verifier,
    check_certificate_time,
    check_dsc_validity,
    check_key_usage,
)

LIMITS = DecodeLimits()
EXCLUSIONS_FILE = Path(__file__).with_name("exclusions.csv")
VERDICT = "VERDICT"  # the pseudo-flag of the end-to-end check


class CannotEvaluate(Exception):
    """The case lacks the data this flag's step needs."""


def _exclusions() -> dict[tuple[str, str], str]:
    with EXCLUSIONS_FILE.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]
    return {(r["case"], r["flag"]): r["reason"] for r in rows}


EXCLUDED = _exclusions()


def _require(value: object, what: str) -> None:
    if value is None:
        raise CannotEvaluate(f"the case has no {what}")


def _passes(step: Callable[[], object]) -> bool:
    try:
        return step() is not False
    except HcertError:
        return False


def _passes_value(step: Callable[[], bytes]) -> bytes | None:
    try:
        return step()
    except HcertError:
        return None


def _cose(case: Case) -> bytes:
    """The case's COSE, else what its PREFIX decodes to (PT 1.3.0 ship only the chain)."""
    data = case.hex("COSE")
    if data is None and case.raw.get("PREFIX"):
        try:
            data = codec.decode_envelope(case.raw["PREFIX"], LIMITS)
        except HcertError:
            data = None
    _require(data, "COSE")
    assert data is not None
    return data


def _content(case: Case) -> VerifiedContent:
    """The CWT content, read without checking the signature (for the later steps in isolation)."""
    message = cose.decode_sign1(_cose(case), LIMITS)
    claims = cwt.decode_cwt(message.payload, LIMITS)
    return VerifiedContent(claims.issuer, claims.issued_at, claims.expires_at, claims.dcc)


def _dcc(case: Case) -> object:
    """The payload: from the COSE when there is one, else from the case's bare CBOR."""
    if case.raw.get("COSE") or case.raw.get("PREFIX"):
        return _content(case).dcc
    raw = case.hex("CBOR")
    _require(raw, "COSE or CBOR")
    assert raw is not None
    return hcert_cbor.loads(raw, LIMITS)


def _key(case: Case) -> TrustedKey:
    der = case.certificate_der
    _require(der, "CERTIFICATE")
    assert der is not None
    certificate = parse_signer_certificate(der)
    return TrustedKey(certificate.kid, certificate)


def _unprefix(case: Case) -> bool:
    prefix, b45 = case.raw.get("PREFIX"), case.raw.get("BASE45")
    _require(prefix, "PREFIX")
    return _passes(lambda: b45 is None or codec.strip_prefix(prefix, LIMITS) == b45)


def _b45decode(case: Case) -> bool:
    b45, compressed = case.raw.get("BASE45"), case.hex("COMPRESSED")
    _require(b45, "BASE45")
    return _passes(lambda: compressed is None or base45.decode(b45) == compressed)


def _compression(case: Case) -> bool:
    compressed, cose_bytes = case.hex("COMPRESSED"), case.hex("COSE")
    if compressed is None and case.raw.get("PREFIX"):
        compressed = _passes_value(
            lambda: base45.decode(codec.strip_prefix(case.raw["PREFIX"], LIMITS))
        )
    _require(compressed, "COMPRESSED")
    assert compressed is not None
    # strict policy (hcert spec 3.2: issuers SHALL compress): uncompressed data fails this step
    return compression.looks_compressed(compressed) and _passes(
        lambda: (
            cose_bytes is None
            or compression.inflate(compressed, LIMITS.max_inflated_bytes) == cose_bytes
        )
    )


def _valid_object(case: Case) -> bool:
    return _passes(lambda: cose.decode_sign1(_cose(case), LIMITS))


def _verify(case: Case) -> bool:
    key = _key(case)
    verdict = Verifier(StaticTrustStore([key])).verify_cose(_cose(case))
    return verdict.key is not None  # the signature verified with CERTIFICATE under its kid


def _decode(case: Case) -> bool:
    expected = case.raw.get("JSON")
    _require(expected, "JSON")
    return _passes(lambda: normalise(_dcc(case)) == normalise(expected))


def _schema(case: Case) -> bool:
    return _passes(lambda: parse_dcc(_dcc(case)))


def _expiration(case: Case) -> bool:
    clock = case.validation_clock
    _require(clock, "VALIDATIONCLOCK")
    assert clock is not None
    content, key = _content(case), _key(case)
    return _passes(lambda: check_certificate_time(content, clock, timedelta(0))) and _passes(
        lambda: check_dsc_validity(content, key, clock)
    )


def _key_usage(case: Case) -> bool:
    content, key = _content(case), _key(case)
    return _passes(lambda: check_key_usage(content, key))


def _encode(case: Case) -> bool:
    """Our encoder signs the case's JSON, and our decoder reads back the same payload."""
    from keys.certificates import create_csca, create_dsc

    expected = case.raw.get("JSON")
    _require(expected, "JSON")
    clock = case.validation_clock or _content(case).issued_at
    csca = create_csca(common_name="test CSCA", now=clock - timedelta(days=1))
    dsc = create_dsc(csca, common_name="test DSC", now=clock - timedelta(days=1))
    certificate = parse_signer_certificate(dsc.certificate.public_bytes(Encoding.DER))
    signer = cose.KeySigner(dsc.private_key, certificate.kid)
    text = codec.sign(
        expected, signer, issuer="XX", issued_at=clock, expires_at=clock + timedelta(days=1)
    )
    verdict = Verifier(StaticTrustStore.of(certificate), FixedClock(clock)).verify(text)
    return verdict.content is not None and normalise(verdict.content.dcc) == normalise(expected)


STEPS: dict[str, Callable[[Case], bool]] = {
    "EXPECTEDUNPREFIX": _unprefix,
    "EXPECTEDB45DECODE": _b45decode,
    "EXPECTEDCOMPRESSION": _compression,
    "EXPECTEDVALIDOBJECT": _valid_object,
    "EXPECTEDVERIFY": _verify,
    "EXPECTEDDECODE": _decode,
    "EXPECTEDVALIDJSON": _decode,
    "EXPECTEDSCHEMAVALIDATION": _schema,
    "EXPECTEDEXPIRATIONCHECK": _expiration,
    "EXPECTEDKEYUSAGE": _key_usage,
    "EXPECTEDENCODE": _encode,
}
# EXPECTEDPICTUREDECODE is checked from the pixels in test_picture_decode.py.
assert set(STEPS) == set(FLAGS) - {"EXPECTEDPICTUREDECODE"}

# What a false flag makes the whole verdict.
FALSE_FLAG_CATEGORIES: dict[str, set[Category]] = {
    "EXPECTEDUNPREFIX": {Category.MALFORMED, Category.UNSUPPORTED},
    "EXPECTEDB45DECODE": {Category.MALFORMED},
    "EXPECTEDCOMPRESSION": {Category.MALFORMED},
    "EXPECTEDVALIDOBJECT": {Category.MALFORMED, Category.UNSUPPORTED},
    "EXPECTEDVERIFY": {Category.BAD_SIGNATURE, Category.UNKNOWN_KEY, Category.UNSUPPORTED},
    "EXPECTEDDECODE": {Category.MALFORMED},
    "EXPECTEDVALIDJSON": {Category.MALFORMED},
    "EXPECTEDSCHEMAVALIDATION": {Category.SCHEMA},
    "EXPECTEDEXPIRATIONCHECK": {Category.EXPIRED, Category.NOT_YET_VALID, Category.KEY_EXPIRED},
    "EXPECTEDKEYUSAGE": {Category.KEY_USAGE},
    "EXPECTEDENCODE": set(),
}
# Flags that, all true, make a case fully valid.
VALIDITY_FLAGS = ("EXPECTEDVERIFY", "EXPECTEDSCHEMAVALIDATION", "EXPECTEDEXPIRATIONCHECK")


def _flag_params() -> list[object]:
    params = []
    for case in load_cases():
        for flag, expected in case.flags.items():
            if flag in STEPS:
                params.append(pytest.param(case, flag, expected, id=f"{case.id}:{flag}"))
    return params or [pytest.param(None, "", False, id="no-data")]


def _case_params() -> list[object]:
    cases = [c for c in load_cases() if c.flags and (c.raw.get("PREFIX") or c.raw.get("COSE"))]
    return [pytest.param(c, id=c.id) for c in cases] or [pytest.param(None, id="no-data")]


def _check_against_exclusion(case_id: str, flag: str, ok: bool, detail: str) -> None:
    reason = EXCLUDED.get((case_id, flag))
    if reason is None:
        assert ok, detail
    else:
        assert not ok, f"stale exclusion {case_id}:{flag} ({reason}): it now passes; remove it"
        pytest.xfail(f"excluded: {reason}")


@pytest.mark.parametrize(("case", "flag", "expected"), _flag_params())
def test_flag(case: Case | None, flag: str, expected: bool) -> None:
    if case is None:
        pytest.skip("dgc-testdata not found beside the repo (../shared/conformance)")
    try:
        outcome = STEPS[flag](case)
    except CannotEvaluate as e:
        _check_against_exclusion(case.id, flag, False, f"cannot evaluate: {e}")
        return
    except HcertError as e:
        outcome, error = False, e
    else:
        error = None
    _check_against_exclusion(
        case.id,
        flag,
        outcome == expected,
        f"{case.id} {flag}: expected {expected}, got {outcome}" + (f" ({error})" if error else ""),
    )


@pytest.mark.parametrize("case", _case_params())
def test_verdict(case: Case | None) -> None:
    """The whole pipeline at VALIDATIONCLOCK: the verdict agrees with the flags."""
    if case is None:
        pytest.skip("dgc-testdata not found beside the repo (../shared/conformance)")
    try:
        key = _key(case)
    except (CannotEvaluate, HcertError):
        store = StaticTrustStore([])
    else:
        store = StaticTrustStore([key])
    clock = case.validation_clock
    verifier = Verifier(store, FixedClock(clock) if clock else None, skew=timedelta(0))
    prefix = case.raw.get("PREFIX")
    verdict = verifier.verify(prefix) if prefix else verifier.verify_cose(_cose(case))
    flags = {f: v for f, v in case.flags.items() if f in STEPS}
    false_flags = [f for f, v in flags.items() if not v]
    if false_flags:
        allowed = set().union(*(FALSE_FLAG_CATEGORIES[f] for f in false_flags))
        ok = verdict.category in allowed
        detail = f"false flags {false_flags} allow {sorted(allowed)}, got {verdict.category} ({verdict.code}: {verdict.message})"
    elif all(flags.get(f) for f in VALIDITY_FLAGS) and clock is not None:
        # without a key-usage flag, the case does not say whether its DSC may sign its type
        ok = verdict.valid or (
            "EXPECTEDKEYUSAGE" not in flags and verdict.category is Category.KEY_USAGE
        )
        detail = f"all flags true, got {verdict.category} ({verdict.code}: {verdict.message})"
    else:
        pytest.skip("the case's flags do not determine a verdict")
    _check_against_exclusion(case.id, VERDICT, ok, detail)
