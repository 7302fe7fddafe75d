"""Where private keys live: the `KeyStore` port and its file and in-memory backends.

A key store creates keys and hands out `Signer`s for them; whether the private key can ever be
read back is the backend's business. The encrypted-file store is the default; the PKCS#11 store
(`keys.pkcs11`) keeps keys inside a hardware security module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hcert.cose import KeySigner, PrivateKey, PublicKey, Signer
from keys.certificates import new_private_key
from keys.files import read_private_key, write_private_key


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


@dataclass
class FileKeyStore:
    """Encrypted PKCS#8 files (AES-256-CBC, PBKDF2), one per key, mode 0600, in `directory`.

    Attributes:
        directory: where the files are.
        passphrase: the passphrase of every key in this store, or a function that finds it,
            called on first use (so that a command asks only for the passphrases it needs;
            see `keys.passphrases`).
        backend: ``"file"``.
    """

    directory: Path
    passphrase: bytes | Callable[[], bytes] = field(repr=False)
    backend: str = "file"

    def _passphrase(self) -> bytes:
        if callable(self.passphrase):
            self.passphrase = self.passphrase()
        return self.passphrase

    def _path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise KeyStoreError(f"invalid key name {name!r}")
        return self.directory / f"{name}.key.pem"

    def generate(self, name: str, algorithm: str) -> PublicKey:
        """Create and store a key pair (see `KeyStore.generate`)."""
        path = self._path(name)
        if path.exists():
            raise KeyStoreError(f"a key named {name!r} exists already")
        passphrase = self._passphrase()  # before the work: no passphrase, no key
        key = new_private_key(algorithm)
        write_private_key(path, key, passphrase)
        return key.public_key()

    def private_key(self, name: str) -> PrivateKey:
        """Decrypt and return the key (see `KeyStore.private_key`)."""
        return self._read(name, self._passphrase())

    def _read(self, name: str, passphrase: bytes) -> PrivateKey:
        path = self._path(name)
        if not path.exists():
            raise KeyStoreError(f"no key named {name!r} in {self.directory}")
        try:
            return read_private_key(path, passphrase)
        except (ValueError, TypeError) as e:
            raise KeyStoreError(
                f"cannot unlock {path.name}: wrong passphrase or damaged file"
            ) from e

    def reencrypt(self, name: str, old_passphrase: bytes | None = None) -> None:
        """Write the key `name` again under this store's passphrase and the current work factor.

        Args:
            name: the key.
            old_passphrase: what opens it now (None: this store's own passphrase, so that only
                the work factor changes).

        Raises:
            KeyStoreError: no such key, or `old_passphrase` does not open it.
        """
        passphrase = self._passphrase()
        key = self._read(name, old_passphrase or passphrase)
        write_private_key(self._path(name), key, passphrase)  # atomic: os.replace

    def signer(self, name: str, kid: bytes) -> Signer:
        """A signer holding the decrypted key in memory (see `KeyStore.signer`)."""
        return KeySigner(self.private_key(name), kid)

    def delete(self, name: str) -> None:
        """Remove the key file (see `KeyStore.delete`)."""
        self._path(name).unlink(missing_ok=True)


@dataclass(slots=True)
class UnavailableKeyStore:
    """A store that holds no key and says why: e.g. the CA keys, seen from the issuer service.

    Attributes:
        reason: the refusal, as every operation raises it.
    """

    reason: str
    backend: str = "none"

    def generate(self, name: str, algorithm: str) -> PublicKey:
        """Refuse (see `KeyStore.generate`).

        Raises:
            KeyStoreError: always.
        """
        raise KeyStoreError(f"cannot create {name!r}: {self.reason}")

    def signer(self, name: str, kid: bytes) -> Signer:
        """Refuse (see `KeyStore.signer`).

        Raises:
            KeyStoreError: always.
        """
        raise KeyStoreError(f"cannot sign with {name!r}: {self.reason}")

    def private_key(self, name: str) -> PrivateKey:
        """Refuse (see `KeyStore.private_key`).

        Raises:
            KeyStoreError: always.
        """
        raise KeyStoreError(f"cannot open {name!r}: {self.reason}")

    def delete(self, name: str) -> None:
        """Refuse (see `KeyStore.delete`).

        Raises:
            KeyStoreError: always.
        """
        raise KeyStoreError(f"cannot delete {name!r}: {self.reason}")


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
    "UnavailableKeyStore",
]
