"""The append-only, hash-chained log of key operations (who, when, which key, fingerprint).

Each line is a JSON object whose ``hash`` is SHA-256 over the previous line's hash and the
line's own content, so removing, reordering or editing any line breaks the chain from there on.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from keys.files import make_private_directory

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One key operation.

    Attributes:
        at: when.
        actor: who (the operating-system user, or ``VAXPASS_ACTOR``).
        action: what (``create-csca``, ``create-dsc``, ``rotate``, ``revoke`` …).
        key: the key's name.
        fingerprint: SHA-256 of the key's certificate, hex.
        details: anything else worth keeping (never secrets).
    """

    at: datetime
    actor: str
    action: str
    key: str
    fingerprint: str
    details: dict[str, Any]


class AuditLog(Protocol):
    """Where key operations are recorded."""

    def append(self, entry: AuditEntry) -> None:
        """Record one operation."""
        ...


def _line(entry: AuditEntry, previous: str) -> dict[str, Any]:
    body = {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "key": entry.key,
        "fingerprint": entry.fingerprint,
        "details": entry.details,
        "prev": previous,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return body | {"hash": hashlib.sha256(canonical.encode()).hexdigest()}


class MemoryAuditLog:
    """The chain in a list (tests)."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def append(self, entry: AuditEntry) -> None:
        """Record one operation."""
        self.lines.append(_line(entry, self.lines[-1]["hash"] if self.lines else GENESIS))


class FileAuditLog:
    """The chain as JSON lines in a file opened for appending only (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _last_hash(self) -> str:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return GENESIS
        with self.path.open("rb") as f:
            f.seek(max(0, self.path.stat().st_size - 4096))
            last = f.read().splitlines()[-1]
        return str(json.loads(last)["hash"])

    def append(self, entry: AuditEntry) -> None:
        """Record one operation (fsync'd)."""
        make_private_directory(self.path.parent)
        line = json.dumps(_line(entry, self._last_hash()), ensure_ascii=False) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)


def verify_chain(lines: list[dict[str, Any]]) -> int | None:
    """Check a chain; return the index of the first broken line, or None when it is whole."""
    previous = GENESIS
    for i, line in enumerate(lines):
        body = {k: v for k, v in line.items() if k != "hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if line.get("prev") != previous or hashlib.sha256(
            canonical.encode()
        ).hexdigest() != line.get("hash"):
            return i
        previous = line["hash"]
    return None


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The log's lines, parsed (an unparsable line raises ValueError)."""
    if not path.exists():
        return []
    return [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]
