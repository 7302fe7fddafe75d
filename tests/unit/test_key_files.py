"""Encrypted key files: the work factor of new files, and files written before still open.

The PKCS#8 structure is read with asn1crypto, a parser independent of the code that writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keys.certificates import new_private_key
from keys.files import read_private_key, write_private_key
from keys.pkcs8 import KDF_ROUNDS, encrypt_private_key
from keys.store import FileKeyStore, KeyStoreError

asn1_keys = pytest.importorskip("asn1crypto.keys")
asn1_pem = pytest.importorskip("asn1crypto.pem")

OWASP_PBKDF2_HMAC_SHA256 = 600_000  # OWASP Password Storage Cheat Sheet


def pbes2_parameters(pem: bytes) -> dict[str, Any]:
    """The PBES2 parameters of an encrypted PKCS#8 PEM file (RFC 8018 A.4)."""
    label, _, der = asn1_pem.unarmor(pem)
    assert label == "ENCRYPTED PRIVATE KEY"
    algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"].native
    assert algorithm["algorithm"] == "pbes2"
    params: dict[str, Any] = algorithm["parameters"]
    return params


def assert_current_work_factor(pem: bytes) -> None:
    params = pbes2_parameters(pem)
    kdf = params["key_derivation_func"]
    assert kdf["algorithm"] == "pbkdf2"
    assert kdf["parameters"]["iteration_count"] == KDF_ROUNDS >= OWASP_PBKDF2_HMAC_SHA256
    assert kdf["parameters"]["prf"]["algorithm"] == "sha256"
    assert len(kdf["parameters"]["salt"]) == 16
    assert params["encryption_scheme"]["algorithm"] == "aes256_cbc"
    assert len(params["encryption_scheme"]["parameters"]) == 16  # the IV


@pytest.mark.parametrize("algorithm", ["ES256", "PS256"])
def test_a_new_key_file_uses_the_owasp_pbkdf2_rounds_and_aes_256(
    tmp_path: Path, algorithm: str
) -> None:
    store = FileKeyStore(tmp_path, b"passphrase")
    public_key = store.generate("dsc-a", algorithm)
    path = tmp_path / "dsc-a.key.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    assert_current_work_factor(path.read_bytes())
    # and what was written opens again, with the passphrase only
    assert store.private_key("dsc-a").public_key() == public_key
    with pytest.raises(ValueError, match="password"):
        serialization.load_pem_private_key(path.read_bytes(), b"wrong")
    with pytest.raises(KeyStoreError, match="cannot unlock"):
        FileKeyStore(tmp_path, b"wrong").private_key("dsc-a")


def test_each_file_gets_its_own_salt_and_iv() -> None:
    key = new_private_key("ES256")
    first, second = encrypt_private_key(key, b"pw"), encrypt_private_key(key, b"pw")
    a, b = pbes2_parameters(first), pbes2_parameters(second)
    salts = [p["key_derivation_func"]["parameters"]["salt"] for p in (a, b)]
    assert salts[0] != salts[1]
    assert a["encryption_scheme"]["parameters"] != b["encryption_scheme"]["parameters"]


def test_write_private_key_writes_the_current_work_factor(tmp_path: Path) -> None:
    key = new_private_key("PS256")
    write_private_key(tmp_path / "k.pem", key, b"s3cret")
    assert_current_work_factor((tmp_path / "k.pem").read_bytes())
    assert read_private_key(tmp_path / "k.pem", b"s3cret").public_key() == key.public_key()
    with pytest.raises(ValueError, match="without a passphrase"):
        write_private_key(tmp_path / "k2.pem", key, b"")


def test_a_file_written_before_opens_and_re_encrypts_to_the_current_work_factor(
    tmp_path: Path,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    old = key.private_bytes(  # as earlier versions wrote it: 2,048 PBKDF2 rounds
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"old"),
    )
    assert pbes2_parameters(old)["key_derivation_func"]["parameters"]["iteration_count"] < (
        KDF_ROUNDS
    )
    (tmp_path / "csca.key.pem").write_bytes(old)

    assert FileKeyStore(tmp_path, b"old").private_key("csca").public_key() == key.public_key()

    store = FileKeyStore(tmp_path, b"new")
    with pytest.raises(KeyStoreError, match="cannot unlock"):
        store.reencrypt("csca", b"not the old one")
    assert (tmp_path / "csca.key.pem").read_bytes() == old  # untouched by the failure
    store.reencrypt("csca", b"old")
    assert_current_work_factor((tmp_path / "csca.key.pem").read_bytes())
    assert store.private_key("csca").public_key() == key.public_key()
    with pytest.raises(KeyStoreError):
        FileKeyStore(tmp_path, b"old").private_key("csca")


def test_the_passphrase_is_asked_for_once_on_first_use_and_never_shown(tmp_path: Path) -> None:
    asked: list[int] = []

    def passphrase() -> bytes:
        asked.append(1)
        return b"lazy secret"

    store = FileKeyStore(tmp_path, passphrase)
    assert asked == []  # opening a store asks nothing
    store.generate("k", "ES256")
    store.private_key("k")
    assert asked == [1]
    assert "lazy secret" not in repr(store)
