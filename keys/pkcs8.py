"""Encrypted PKCS#8 with a chosen work factor: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC.

`cryptography`'s ``BestAvailableEncryption`` writes PBES2 with a fixed 2,048 PBKDF2 iterations,
and its ``encryption_builder()`` (which takes ``kdf_rounds``) serves only OpenSSH and PKCS#12
(cryptography 50). So the ``EncryptedPrivateKeyInfo`` is built here (RFC 5958 §3) around the
DER ``PrivateKeyInfo`` that `cryptography` writes, with its own primitives for the key
derivation and the cipher. Reading stays with `cryptography`, which opens any PBES2 file
(ours, and those written before with 2,048 iterations).

Pure: bytes in, bytes out; the files live in `keys.files`.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from hcert.cose import PrivateKey

# OWASP Password Storage Cheat Sheet (PBKDF2-HMAC-SHA256: 600,000 iterations)
KDF_ROUNDS = 600_000
SALT_LENGTH = 16  # NIST SP 800-132 §5.1: at least 128 bits
AES_KEY_LENGTH = 32  # AES-256
AES_BLOCK_LENGTH = 16  # the IV of CBC (RFC 8018 B.2.5)

# Object identifiers (RFC 8018 A.2, A.4, B.1.2; NIST CSOR for AES)
OID_PBES2 = "1.2.840.113549.1.5.13"
OID_PBKDF2 = "1.2.840.113549.1.5.12"
OID_HMAC_WITH_SHA256 = "1.2.840.113549.2.9"
OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"

_SEQUENCE, _INTEGER, _OCTET_STRING, _NULL, _OID = 0x30, 0x02, 0x04, 0x05, 0x06


def encrypt_private_key(key: PrivateKey, passphrase: bytes, *, rounds: int = KDF_ROUNDS) -> bytes:
    """`key` as PEM ``ENCRYPTED PRIVATE KEY``: PBES2 (RFC 8018 §6.2) with PBKDF2-HMAC-SHA256
    (§5.2) over `rounds` iterations and a random 16-byte salt, then AES-256-CBC (B.2.5).

    Raises:
        ValueError: `passphrase` is empty or `rounds` is not positive.
    """  # noqa: D205
    if not passphrase:
        raise ValueError("refusing to encrypt a private key without a passphrase")
    if rounds < 1:
        raise ValueError(f"PBKDF2 rounds: got {rounds}, expected a positive count")
    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    salt, iv = os.urandom(SALT_LENGTH), os.urandom(AES_BLOCK_LENGTH)
    aes_key = PBKDF2HMAC(hashes.SHA256(), AES_KEY_LENGTH, salt, rounds).derive(passphrase)
    padder = padding.PKCS7(AES_BLOCK_LENGTH * 8).padder()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()

    pbkdf2_params = _sequence(
        _tlv(_OCTET_STRING, salt),
        _integer(rounds),
        _sequence(_oid(OID_HMAC_WITH_SHA256), _tlv(_NULL, b"")),  # prf (default is SHA-1)
    )
    pbes2_params = _sequence(
        _sequence(_oid(OID_PBKDF2), pbkdf2_params),
        _sequence(_oid(OID_AES256_CBC), _tlv(_OCTET_STRING, iv)),
    )
    der = _sequence(_sequence(_oid(OID_PBES2), pbes2_params), _tlv(_OCTET_STRING, ciphertext))
    return _pem("ENCRYPTED PRIVATE KEY", der)


# -- DER (X.690 §8), just what the structure above needs ----------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:  # long form (X.690 §8.1.3.5)
        octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + content


def _sequence(*items: bytes) -> bytes:
    return _tlv(_SEQUENCE, b"".join(items))


def _integer(value: int) -> bytes:
    # non-negative: the minimal two's complement, with a leading zero when the top bit is set
    return _tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(arc) for arc in dotted.split("."))
    body = bytearray()
    for arc in (40 * first + second, *rest):  # X.690 §8.19: base 128, high bit = more follows
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.append(0x80 | (arc & 0x7F))
        body += bytes(reversed(chunk))
    return _tlv(_OID, bytes(body))


def _pem(label: str, der: bytes) -> bytes:
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""]).encode()


__all__ = ["KDF_ROUNDS", "encrypt_private_key"]
