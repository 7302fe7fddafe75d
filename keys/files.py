"""Private keys and certificates on disk: encrypted PKCS#8 (AES-256, PBKDF2), mode 0600."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hcert.cose import KeySigner, PrivateKey
from hcert.x509 import kid_of
from keys.pkcs8 import encrypt_private_key


def write_private_key(path: Path, key: PrivateKey, passphrase: bytes) -> None:
    """Write `key` as PKCS#8 encrypted with `passphrase`, mode 0600.

    PBES2: PBKDF2-HMAC-SHA256 at `keys.pkcs8.KDF_ROUNDS` iterations, AES-256-CBC.

    Raises:
        ValueError: `passphrase` is empty.
    """
    write_secret(path, encrypt_private_key(key, passphrase))


def make_private_directory(path: Path) -> None:
    """Create `path` and each missing parent with mode 0700 (existing ones are left as they are).

    ``Path.mkdir(parents=True, mode=…)`` would give the parents the default mode: the data
    directory above ``keys/`` would then be listable by anyone.
    """
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)


def write_secret(path: Path, data: bytes) -> None:
    """Create `path` (and its parents, mode 0700) readable by its owner only, atomically."""
    make_private_directory(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def read_private_key(path: Path, passphrase: bytes | None) -> PrivateKey:
    """Read a PEM private key (encrypted PKCS#8 normally); must be P-256 EC or RSA.

    Raises:
        ValueError: wrong passphrase, unreadable key, or an unsupported key type.
    """
    key = serialization.load_pem_private_key(path.read_bytes(), passphrase or None)
    if isinstance(key, rsa.RSAPrivateKey) or (
        isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    ):
        return key
    raise ValueError(f"{path}: only P-256 EC (ES256) and RSA (PS256) keys can sign")


def write_certificate(path: Path, certificate: x509.Certificate) -> None:
    """Write a certificate as PEM (public: mode 0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def load_signer(key_path: Path, certificate_path: Path, passphrase: bytes | None) -> KeySigner:
    """A signer for the key at `key_path`, named by the kid of the certificate beside it.

    Raises:
        ValueError: the key does not belong to the certificate, or cannot be read.
    """
    key = read_private_key(key_path, passphrase)
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    if certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise ValueError(f"{key_path} is not the key of {certificate_path}")
    return KeySigner(key, kid_of(certificate.public_bytes(serialization.Encoding.DER)))
