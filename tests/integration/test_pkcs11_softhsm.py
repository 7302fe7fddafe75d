"""`keys.pkcs11.Pkcs11KeyStore` against a real SoftHSM2 token (no mocks).

One fresh token per run of this file, in a temporary directory. SoftHSM2 reads SOFTHSM2_CONF
when the module is initialised (C_Initialize), and python-pkcs11 loads and initialises a module
once per process; so the fixture sets the variable and then re-initialises the module, in case
something in this process loaded it before with another configuration, and finalises it at the
end so that a later user reads its own configuration again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hcert import codec
from hcert.clock import FixedClock
from hcert.cose import CoseAlgorithm, PublicKey, verify_raw
from hcert.errors import ErrorCode, SignatureError
from hcert.x509 import SignerCertificate, parse_signer_certificate
from keys.certificates import create_csca, issue_dsc
from keys.pkcs11 import MODULE_ENV, PIN_ENV, TOKEN_ENV, Pkcs11KeyStore, Pkcs11Signer
from keys.store import KeyStoreError
from tests.factories import vaccination_json
from verifier.trust_store import StaticTrustStore
from verifier.verifier import Verifier

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
SOFTHSM_UTIL = shutil.which("softhsm2-util")
LABEL = "vaxpass-test"
PIN = "pin-4921-test"  # distinctive, so that a leak into a repr would show
SO_PIN = "so-pin-8765"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
KID = bytes(range(8))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pkcs11KeyStore]:
    if not SOFTHSM.exists() or SOFTHSM_UTIL is None:
        pytest.skip(f"SoftHSM2 not installed ({SOFTHSM} and softhsm2-util are needed)")
    pkcs11 = pytest.importorskip("pkcs11", reason="python-pkcs11 (the extra vaxpass[hsm])")
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\n"
    )
    init = ["--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", SO_PIN]
    subprocess.run(
        [SOFTHSM_UTIL, *init],
        env={**os.environ, "SOFTHSM2_CONF": str(conf)},
        check=True,
        capture_output=True,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOFTHSM2_CONF", str(conf))
        pkcs11.lib(str(SOFTHSM)).reinitialize()  # read our SOFTHSM2_CONF even if loaded before
        key_store = Pkcs11KeyStore(SOFTHSM, LABEL, PIN)
        yield key_store
        key_store.close()
        pkcs11.lib(str(SOFTHSM)).finalize()


@pytest.fixture(scope="module")
def es256(store: Pkcs11KeyStore) -> str:
    store.generate("dsc-es256", "ES256")
    return "dsc-es256"


@pytest.fixture(scope="module")
def ps256(store: Pkcs11KeyStore) -> str:
    store.generate("dsc-ps256", "PS256")
    return "dsc-ps256"


def fresh_name() -> str:
    return f"dsc-{uuid.uuid4().hex[:12]}"


def spki(key: PublicKey) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def test_es256_key_signs_in_the_token(store: Pkcs11KeyStore) -> None:
    name = fresh_name()
    generated = store.generate(name, "ES256")
    public = store.public_key(name)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert isinstance(public.curve, ec.SECP256R1)
    assert spki(public) == spki(generated)

    signer = store.signer(name, KID)
    assert (signer.algorithm, signer.kid) == (CoseAlgorithm.ES256, KID)
    signature = signer.sign(b"to be signed")
    assert len(signature) == 64  # raw r ‖ s
    verify_raw(CoseAlgorithm.ES256, public, signature, b"to be signed")
    with pytest.raises(SignatureError) as caught:
        verify_raw(CoseAlgorithm.ES256, public, signature, b"to be signeD")
    assert caught.value.code is ErrorCode.SIGNATURE_INVALID


def test_ps256_key_signs_in_the_token(store: Pkcs11KeyStore, ps256: str) -> None:
    public = store.public_key(ps256)
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 3072
    assert public.public_numbers().e == 65537

    signer = store.signer(ps256, KID)
    assert signer.algorithm is CoseAlgorithm.PS256
    first, second = signer.sign(b"to be signed"), signer.sign(b"to be signed")
    assert len(first) == 384
    assert first != second  # PSS is randomised: a fresh salt each time
    for signature in (first, second):  # checks MGF1-SHA-256 and the 32-byte salt too
        verify_raw(CoseAlgorithm.PS256, public, signature, b"to be signed")
    with pytest.raises(SignatureError):
        verify_raw(CoseAlgorithm.PS256, public, first, b"something else")


def hsm_dsc(store: Pkcs11KeyStore, name: str) -> SignerCertificate:
    """A DSC for the token's public key, issued by a CSCA on file (as in production)."""
    csca = create_csca(common_name="HSM test CSCA", now=NOW - timedelta(days=400))
    certificate = issue_dsc(
        csca, store.public_key(name), common_name=f"HSM {name}", now=NOW - timedelta(days=30)
    )
    return parse_signer_certificate(certificate.public_bytes(Encoding.DER))


@pytest.mark.parametrize("algorithm", ["ES256", "PS256"])
def test_hc1_signed_in_the_token_verifies(
    store: Pkcs11KeyStore, es256: str, ps256: str, algorithm: str
) -> None:
    name = es256 if algorithm == "ES256" else ps256
    dsc = hsm_dsc(store, name)
    signer = store.signer(name, dsc.kid)
    issued = NOW - timedelta(days=1)
    hc1 = codec.sign(
        vaccination_json(), signer, issuer="VN", issued_at=issued, expires_at=NOW + timedelta(365)
    )

    verdict = Verifier(StaticTrustStore.of(dsc), FixedClock(NOW)).verify(hc1)

    assert verdict.code is ErrorCode.OK, verdict.message
    assert verdict.kid == dsc.kid
    assert verdict.algorithm == CoseAlgorithm[algorithm]
    assert verdict.content is not None
    assert verdict.content.dcc["nam"]["fnt"] == "DO"
    assert verdict.content.issued_at == issued


def test_hc1_signed_by_another_token_key_does_not_verify(store: Pkcs11KeyStore, es256: str) -> None:
    dsc = hsm_dsc(store, es256)
    other = fresh_name()
    store.generate(other, "ES256")
    impostor = Pkcs11Signer(
        store, other, dsc.kid, CoseAlgorithm.ES256
    )  # the DSC's kid, not its key
    hc1 = codec.sign(
        vaccination_json(), impostor, issuer="VN", issued_at=NOW, expires_at=NOW + timedelta(365)
    )

    verdict = Verifier(StaticTrustStore.of(dsc), FixedClock(NOW)).verify(hc1)

    assert verdict.code is ErrorCode.SIGNATURE_INVALID


@pytest.mark.parametrize("algorithm", ["ES256", "PS256"])
def test_private_key_is_sensitive_and_never_extractable(
    store: Pkcs11KeyStore, es256: str, ps256: str, algorithm: str
) -> None:
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    name = es256 if algorithm == "ES256" else ps256
    store.public_key(name)  # the store's session is logged in, so a second one sees private keys
    token = pkcs11.lib(str(SOFTHSM)).get_token(token_label=LABEL)
    with token.open() as session:  # no PIN: it shares the process's login, and never logs out
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=name)
        assert key[Attribute.TOKEN] is True
        assert key[Attribute.PRIVATE] is True
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.ALWAYS_SENSITIVE] is True  # …and never was otherwise
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        assert key[Attribute.SIGN] is True
        assert key[Attribute.DECRYPT if algorithm == "PS256" else Attribute.DERIVE] is False
        secret = Attribute.PRIVATE_EXPONENT if algorithm == "PS256" else Attribute.VALUE
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[secret]

    with pytest.raises(KeyStoreError, match="never leaves the token"):
        store.private_key(name)


def test_duplicate_name_is_refused_and_the_key_kept(store: Pkcs11KeyStore, es256: str) -> None:
    before = spki(store.public_key(es256))
    for algorithm in ("ES256", "PS256"):
        with pytest.raises(KeyStoreError, match="exists already"):
            store.generate(es256, algorithm)
    assert spki(store.public_key(es256)) == before
    assert store.signer(es256, KID).algorithm is CoseAlgorithm.ES256


def test_unknown_name_is_a_key_store_error(store: Pkcs11KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="no key named 'absent'"):
        store.signer("absent", KID)
    with pytest.raises(KeyStoreError, match="no key named 'absent'"):
        store.public_key("absent")
    store.delete("absent")  # idempotent: nothing to do


def test_bad_arguments_are_refused(store: Pkcs11KeyStore) -> None:
    with pytest.raises(ValueError, match="ES384"):
        store.generate(fresh_name(), "ES384")
    with pytest.raises(KeyStoreError, match="invalid key name"):
        store.generate("", "ES256")


def test_delete_destroys_the_key(store: Pkcs11KeyStore) -> None:
    name = fresh_name()
    store.generate(name, "ES256")
    signer = store.signer(name, KID)
    signer.sign(b"still here")

    store.delete(name)

    with pytest.raises(KeyStoreError, match="no key named"):
        store.signer(name, KID)
    with pytest.raises(KeyStoreError, match="no key named"):
        signer.sign(b"gone")  # a signer made before cannot sign either
    with pytest.raises(KeyStoreError, match="no key named"):
        store.public_key(name)
    store.delete(name)
    store.generate(name, "PS256")  # the name is free again
    assert store.signer(name, KID).algorithm is CoseAlgorithm.PS256
    with pytest.raises(KeyStoreError, match="no longer an ES256 key"):
        signer.sign(b"stale signer, new key")


def test_wrong_pin_is_a_key_store_error(store: Pkcs11KeyStore, es256: str) -> None:
    import pkcs11

    store.public_key(es256)  # logged in: the token cannot check another PIN now
    with pytest.raises(KeyStoreError, match="wrong PIN"):
        Pkcs11KeyStore(SOFTHSM, LABEL, "0000").public_key(es256)

    store.close()  # logged out: the token itself checks the PIN
    with pytest.raises(KeyStoreError, match="wrong PIN for token") as caught:
        Pkcs11KeyStore(SOFTHSM, LABEL, "0000").signer(es256, KID)
    assert isinstance(caught.value.__cause__, pkcs11.exceptions.PinIncorrect)

    signer = store.signer(es256, KID)  # the right PIN logs in again
    verify_raw(CoseAlgorithm.ES256, store.public_key(es256), signer.sign(b"x"), b"x")


def test_unknown_token_or_module_is_a_key_store_error(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="no token 'no-such-token'"):
        Pkcs11KeyStore(SOFTHSM, "no-such-token", PIN).public_key("any")
    with pytest.raises(KeyStoreError, match="PKCS#11 error"):
        Pkcs11KeyStore(tmp_path / "missing.so", LABEL, PIN).public_key("any")


def test_pin_never_in_a_repr(store: Pkcs11KeyStore, es256: str) -> None:
    signer = store.signer(es256, KID)
    assert PIN not in repr(store)
    assert PIN not in repr(signer)
    assert LABEL in repr(store)


def test_from_environment(
    store: Pkcs11KeyStore, es256: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MODULE_ENV, raising=False)
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(PIN_ENV, raising=False)
    with pytest.raises(KeyStoreError, match=f"set {TOKEN_ENV} and {PIN_ENV}"):
        Pkcs11KeyStore.from_environment()
    monkeypatch.setenv(TOKEN_ENV, LABEL)
    with pytest.raises(KeyStoreError, match=f"set {PIN_ENV}$"):
        Pkcs11KeyStore.from_environment()

    monkeypatch.setenv(PIN_ENV, PIN)
    from_env = Pkcs11KeyStore.from_environment()
    assert (from_env.module, from_env.token_label) == (str(SOFTHSM), LABEL)  # the default module
    assert spki(from_env.public_key(es256)) == spki(store.public_key(es256))


def test_signing_from_many_threads_at_once(store: Pkcs11KeyStore, es256: str, ps256: str) -> None:
    signers = [store.signer(es256, KID), store.signer(ps256, KID)]
    publics = {s.algorithm: store.public_key(s.name) for s in signers}
    jobs = [(signers[i % 7 == 0], f"message {i}".encode()) for i in range(240)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        signatures = list(pool.map(lambda job: job[0].sign(job[1]), jobs))

    for (signer, data), signature in zip(jobs, signatures, strict=True):
        verify_raw(signer.algorithm, publics[signer.algorithm], signature, data)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_forked_child_signs_and_parent_keeps_its_session(store: Pkcs11KeyStore, es256: str) -> None:
    signer = store.signer(es256, KID)
    public = store.public_key(es256)
    signer.sign(b"parent before")  # the parent holds a logged-in session

    pid = os.fork()
    if pid == 0:  # the child: a fresh session after C_Initialize again, exit code says how it went
        code = 1
        try:
            verify_raw(CoseAlgorithm.ES256, public, signer.sign(b"child"), b"child")
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    verify_raw(CoseAlgorithm.ES256, public, signer.sign(b"parent after"), b"parent after")
