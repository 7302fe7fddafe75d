"""Where private keys live: the `KeyStore` port and its file and in-memory backends.

A key store creates keys and hands out `Signer`s for them; whether the private key can ever be
read back is the backend's business. The encrypted-file store is the default; the PKCS#11 store
(`keys.pkcs11`) keeps keys inside a hardware security module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hcert.cose import KeySigner, PrivateKey, PublicKey, Signer
from keys.certificates import new_private_key
from keys.files import read_private_key, write_private_key

PASSPHRASE_ENV = "VAXPASS_KEY_PASSPHRASE"
PASSPHRASE_FILE_ENV = "VAXPASS_KEY_PASSPHRASE_FILE"


class KeyStoreError(Exception):
    """A key is missing, cannot be unlocked, or the backend refused an operation."""


class KeyStore(Protocol):
    """Creates keys and signs with them, by name."""

    backend: str

    def generate(self, name: str, algorithm: str) -> PublicKey:
        """Create a key pair called `name` (ES256: P-256, PS256: RSA-3072); return its public key.

        Raises:
            KeyStoreError: `name` exists already, or the backend failed.
        """
        ...

    def signer(self, name: str, kid: bytes) -> Signer:
        """A signer for the key `name`, writing `kid` into what it signs.

        Raises:
            KeyStoreError: no such key, or it cannot be unlocked.
        """
        ...

    def private_key(self, name: str) -> PrivateKey:
        """The key itself, for signing certificates with `cryptography` (CAs on file only).

        Raises:
            KeyStoreError: no such key, or the backend never releases private keys.
        """
        ...

    def delete(self, name: str) -> None:
        """Destroy the key `name` (idempotent)."""
        ...


def passphrase_from_environment(default_file: Path | None = None) -> bytes:
    """The key passphrase: `VAXPASS_KEY_PASSPHRASE`, else the file `VAXPASS_KEY_PASSPHRASE_FILE`
    names, else `default_file`.

    Raises:
        KeyStoreError: none of them gives a non-empty passphrase.
    """  # noqa: D205
    if value := os.environb.get(PASSPHRASE_ENV.encode()):
        return value
    path_text = os.environ.get(PASSPHRASE_FILE_ENV)
    path = Path(path_text) if path_text else default_file
    if path is not None and path.is_file() and (value := path.read_bytes().strip()):
        return value
    raise KeyStoreError(
        f"no key passphrase: set {PASSPHRASE_ENV} or {PASSPHRASE_FILE_ENV} (a file, mode 0600)"
    )


@dataclass
class FileKeyStore:
    """Encrypted PKCS#8 files (AES-256-CBC, PBKDF2), one per key, mode 0600, in `directory`."""

    directory: Path
    passphrase: bytes
    backend: str = "file"

    def _path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise KeyStoreError(f"invalid key name {name!r}")
        return self.directory / f"{name}.key.pem"

    def generate(self, name: str, algorithm: str) -> PublicKey:
        """Create and store a key pair (see `KeyStore.generate`)."""
        path = self._path(name)
        if path.exists():
            raise KeyStoreError(f"a key named {name!r} exists already")
        key = new_private_key(algorithm)
        write_private_key(path, key, self.passphrase)
        return key.public_key()

    def private_key(self, name: str) -> PrivateKey:
        """Decrypt and return the key (see `KeyStore.private_key`)."""
        path = self._path(name)
        if not path.exists():
            raise KeyStoreError(f"no key named {name!r} in {self.directory}")
        try:
            return read_private_key(path, self.passphrase)
        except (ValueError, TypeError) as e:
            raise KeyStoreError(
                f"cannot unlock {path.name}: wrong passphrase or damaged file"
            ) from e

    def signer(self, name: str, kid: bytes) -> Signer:
        """A signer holding the decrypted key in memory (see `KeyStore.signer`)."""
        return KeySigner(self.private_key(name), kid)

    def delete(self, name: str) -> None:
        """Remove the key file (see `KeyStore.delete`)."""
        self._path(name).unlink(missing_ok=True)


class MemoryKeyStore:
    """Keys in a dict: for tests and throw-away demos only, never for a real PKI."""

    backend = "memory"

    def __init__(self) -> None:
        self._keys: dict[str, PrivateKey] = {}

    def generate(self, name: str, algorithm: str) -> PublicKey:
        """Create a key pair in memory (see `KeyStore.generate`)."""
        if name in self._keys:
            raise KeyStoreError(f"a key named {name!r} exists already")
        self._keys[name] = new_private_key(algorithm)
        return self._keys[name].public_key()

    def private_key(self, name: str) -> PrivateKey:
        """The key (see `KeyStore.private_key`)."""
        try:
            return self._keys[name]
        except KeyError as e:
            raise KeyStoreError(f"no key named {name!r}") from e

    def signer(self, name: str, kid: bytes) -> Signer:
        """A signer for the key (see `KeyStore.signer`)."""
        return KeySigner(self.private_key(name), kid)

    def delete(self, name: str) -> None:
        """Forget the key (see `KeyStore.delete`)."""
        self._keys.pop(name, None)


__all__ = [
    "FileKeyStore",
    "KeyStore",
    "KeyStoreError",
    "MemoryKeyStore",
    "passphrase_from_environment",
]
