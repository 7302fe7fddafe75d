"""The key registry: every key's record (never a private key), as a JSON file or in memory."""

from __future__ import annotations

import base64
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from hcert.certtype import CertType
from keys.files import make_private_directory
from keys.lifecycle import KeyRecord, Role


class RegistryError(Exception):
    """A record is missing or duplicated, or the registry file is damaged."""


class Registry(Protocol):
    """Stores key records by name."""

    def all(self) -> list[KeyRecord]:
        """Every record, oldest first."""
        ...

    def get(self, name: str) -> KeyRecord:
        """The record called `name`.

        Raises:
            RegistryError: no such record.
        """
        ...

    def add(self, record: KeyRecord) -> None:
        """Store a new record.

        Raises:
            RegistryError: the name is taken.
        """
        ...

    def update(self, record: KeyRecord) -> None:
        """Replace the record of the same name.

        Raises:
            RegistryError: no such record.
        """
        ...


class MemoryRegistry:
    """Records in a dict (tests and scenario tables)."""

    def __init__(self) -> None:
        self._records: dict[str, KeyRecord] = {}

    def all(self) -> list[KeyRecord]:
        """Every record, oldest first (ties in the order they were added)."""
        return sorted(self._records.values(), key=lambda r: r.created_at)

    def get(self, name: str) -> KeyRecord:
        """The record called `name`."""
        try:
            return self._records[name]
        except KeyError as e:
            raise RegistryError(f"no key named {name!r}") from e

    def add(self, record: KeyRecord) -> None:
        """Store a new record."""
        if record.name in self._records:
            raise RegistryError(f"a key named {record.name!r} exists already")
        self._records[record.name] = record

    def update(self, record: KeyRecord) -> None:
        """Replace the record of the same name."""
        self.get(record.name)
        self._records[record.name] = record


class FileRegistry(MemoryRegistry):
    """Records in one JSON file, rewritten atomically under an exclusive lock on every change."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._load()

    def refresh(self) -> None:
        """Re-read the file if another process changed it since it was last read."""
        if self._mtime != _mtime(self.path):
            self._load()

    def _load(self) -> None:
        self._records = {}
        self._mtime = _mtime(self.path)
        if self.path.exists():
            try:
                rows = json.loads(self.path.read_text(encoding="utf-8"))
                for row in rows:
                    record = record_from_json(row)
                    self._records[record.name] = record
            except (ValueError, KeyError, TypeError) as e:
                raise RegistryError(f"{self.path}: damaged registry: {e}") from e

    @contextmanager
    def _locked(self) -> Iterator[None]:
        make_private_directory(self.path.parent)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._load()  # another process may have changed it
            yield
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(
                json.dumps([record_to_json(r) for r in self.all()], indent=1) + "\n",
                encoding="utf-8",
            )
            os.replace(tmp, self.path)

    def add(self, record: KeyRecord) -> None:
        """Store a new record, on disk."""
        with self._locked():
            super().add(record)

    def update(self, record: KeyRecord) -> None:
        """Replace a record, on disk."""
        with self._locked():
            super().update(record)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


_DATETIMES = {"created_at", "activate_at", "usage_until", "not_after", "retired_at", "revoked_at"}


def record_to_json(record: KeyRecord) -> dict[str, Any]:
    """A record as JSON-compatible values (bytes in base64, times in ISO 8601)."""
    out: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, frozenset):
            value = sorted(t.value for t in value)
        out[f.name] = value
    return out


def record_from_json(row: dict[str, Any]) -> KeyRecord:
    """The inverse of `record_to_json`."""
    values: dict[str, Any] = dict(row)
    for name in _DATETIMES:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    values["kid"] = base64.b64decode(values["kid"])
    values["certificate"] = base64.b64decode(values["certificate"])
    values["role"] = Role(values["role"])
    if values.get("cert_types") is not None:
        values["cert_types"] = frozenset(CertType(t) for t in values["cert_types"])
    return KeyRecord(**values)
