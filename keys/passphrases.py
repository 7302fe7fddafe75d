"""Which passphrase unlocks which key: one secret per key class (ARCHITECTURE §5).

The CSCA, the trust-list signer and the DSCs are encrypted under three different passphrases, so
that the online issuer service, which signs with DSCs, never holds the secret of the offline
root. A class's passphrase is, in this order:

1. ``VAXPASS_<CLASS>_PASSPHRASE`` (``CSCA``, ``TRUST_LIST``, ``DSC``), else the file that
   ``VAXPASS_<CLASS>_PASSPHRASE_FILE`` names (it must exist and not be empty);
2. development only: ``DATA/keys/dev-passphrases/<class>``, which exists only where
   ``vaxpass demo`` or ``vaxpass keys init-csca --dev`` generated it;
3. where the caller allows it (the administrator's commands, never the issuer service): the
   deprecated passphrase shared by every class, ``VAXPASS_KEY_PASSPHRASE`` or the file
   ``VAXPASS_KEY_PASSPHRASE_FILE`` names, or the old generated ``DATA/keys/passphrase``, with a
   warning saying which variable to set instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from keys.files import write_secret
from keys.lifecycle import Role
from keys.store import KeyStoreError

SHARED_ENV = "VAXPASS_KEY_PASSPHRASE"
SHARED_FILE_ENV = "VAXPASS_KEY_PASSPHRASE_FILE"
DEV_DIRECTORY = "dev-passphrases"
LEGACY_DEV_FILE = "passphrase"  # the one generated file of earlier versions, for every class


class PassphraseMissing(KeyStoreError):
    """No passphrase is configured for a key class."""


class KeyClass(StrEnum):
    """The kinds of private key, each behind its own passphrase."""

    CSCA = "csca"
    TRUST_LIST = "trust-list"
    DSC = "dsc"

    @property
    def env(self) -> str:
        """The variable holding the passphrase, e.g. ``VAXPASS_DSC_PASSPHRASE``."""
        return f"VAXPASS_{self.name}_PASSPHRASE"

    @property
    def file_env(self) -> str:
        """The variable naming a file that holds it, e.g. ``VAXPASS_DSC_PASSPHRASE_FILE``."""
        return f"{self.env}_FILE"

    @classmethod
    def of(cls, role: Role) -> KeyClass:
        """The class of a key with `role`.

        Raises:
            ValueError: `role` is a foreign DSC, whose private key we never hold.
        """
        classes = {Role.CSCA: cls.CSCA, Role.TRUST_LIST_SIGNER: cls.TRUST_LIST, Role.DSC: cls.DSC}
        if role not in classes:
            raise ValueError(f"a {role} has no private key here")
        return classes[role]


def dev_passphrase_path(keys_dir: Path, key_class: KeyClass) -> Path:
    """Where `vaxpass demo` and `keys init-csca --dev` keep the development passphrase."""
    return keys_dir / DEV_DIRECTORY / key_class.value


def is_configured(key_class: KeyClass) -> bool:
    """Whether the environment names this class's passphrase (either variable set)."""
    return bool(os.environ.get(key_class.env) or os.environ.get(key_class.file_env))


def passphrase_for(
    key_class: KeyClass,
    keys_dir: Path | None = None,
    *,
    allow_shared: bool = False,
    warn: Callable[[str], None] | None = None,
) -> bytes:
    """The passphrase of `key_class`'s keys, found as the module docstring says.

    Args:
        key_class: whose passphrase.
        keys_dir: the key directory, for the development files (None: no files).
        allow_shared: also accept the deprecated passphrase shared by every class.
        warn: told when the shared passphrase is used.

    Raises:
        PassphraseMissing: none is configured.
        KeyStoreError: a ``…_FILE`` variable names a missing, unreadable or empty file.
    """
    if value := os.environb.get(key_class.env.encode()):
        return value
    if path_text := os.environ.get(key_class.file_env):
        return _read_file(Path(path_text), key_class.file_env)
    if keys_dir is not None:
        dev_file = dev_passphrase_path(keys_dir, key_class)
        if dev_file.is_file() and (value := dev_file.read_bytes().strip()):
            return value
    if allow_shared and (shared := _shared_passphrase(keys_dir)) is not None:
        value, source = shared
        if warn is not None:
            warn(
                f"the {key_class.value} key is unlocked with {source}, one passphrase for every "
                f"key class (deprecated): set {key_class.env} or {key_class.file_env}, then "
                "`vaxpass keys re-encrypt` (see README, Running the signing PKI)"
            )
        return value
    raise PassphraseMissing(
        f"no passphrase for the {key_class.value} keys: set {key_class.env} or "
        f"{key_class.file_env} (a file, mode 0600)"
    )


def _shared_passphrase(keys_dir: Path | None) -> tuple[bytes, str] | None:
    if value := os.environb.get(SHARED_ENV.encode()):
        return value, SHARED_ENV
    if path_text := os.environ.get(SHARED_FILE_ENV):
        return _read_file(Path(path_text), SHARED_FILE_ENV), SHARED_FILE_ENV
    if keys_dir is not None:
        legacy = keys_dir / LEGACY_DEV_FILE
        if legacy.is_file() and (value := legacy.read_bytes().strip()):
            return value, str(legacy)
    return None


def _read_file(path: Path, variable: str) -> bytes:
    try:
        value = path.read_bytes().strip()
    except OSError as e:
        raise KeyStoreError(f"{variable} names {path}, which cannot be read: {e.strerror}") from e
    if not value:
        raise KeyStoreError(f"{variable} names {path}, which is empty")
    return value


def create_dev_passphrases(keys_dir: Path) -> list[Path]:
    """Development only: a random passphrase file for each class the environment leaves unset.

    For a new PKI (a class whose keys exist already must keep the passphrase they were encrypted
    with). Each file is 0600 in ``keys_dir/dev-passphrases/`` (0700), beside the keys it
    unlocks, so it protects nothing from whoever reads that directory. The old shared
    ``keys_dir/passphrase``, when present, is moved into the files instead (the keys it
    encrypted stay openable).

    Returns:
        The files written (none when every class has a passphrase already).
    """
    legacy = keys_dir / LEGACY_DEV_FILE
    inherited = legacy.read_bytes().strip() if legacy.is_file() else b""
    written = []
    for key_class in KeyClass:
        path = dev_passphrase_path(keys_dir, key_class)
        if is_configured(key_class) or path.is_file():
            continue
        write_secret(path, inherited or secrets.token_urlsafe(32).encode())
        written.append(path)
    if inherited and written:
        legacy.unlink()
    return written


__all__ = [
    "DEV_DIRECTORY",
    "LEGACY_DEV_FILE",
    "SHARED_ENV",
    "SHARED_FILE_ENV",
    "KeyClass",
    "PassphraseMissing",
    "create_dev_passphrases",
    "dev_passphrase_path",
    "is_configured",
    "passphrase_for",
]
