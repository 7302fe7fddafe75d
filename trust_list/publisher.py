"""Publishing signed trust lists where any static web server (or a USB stick) can serve them.

A publication directory holds every version as ``trust-list-v<N>.json`` and the newest as
``trust-list.json``. Each file is written to a temporary name, flushed and renamed, so readers
never see half a file; versions only go up.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

_VERSIONED = re.compile(r"trust-list-v(\d+)\.json")
LATEST = "trust-list.json"


class PublishError(Exception):
    """A publication would not move the version forward, or the directory cannot be written."""


class Publisher(Protocol):
    """Where signed trust lists go."""

    def latest_version(self) -> int:
        """The highest version published so far (0 when none)."""
        ...

    def publish(self, version: int, data: bytes) -> str:
        """Publish `data` as `version`; return where it went.

        Raises:
            PublishError: `version` is not above `latest_version()`.
        """
        ...


class MemoryPublisher:
    """Publications kept in a dict (tests)."""

    def __init__(self) -> None:
        self.files: dict[int, bytes] = {}

    def latest_version(self) -> int:
        """The highest version published so far (0 when none)."""
        return max(self.files, default=0)

    def publish(self, version: int, data: bytes) -> str:
        """Keep `data` as `version`."""
        if version <= self.latest_version():
            raise PublishError(f"version {version} is not above {self.latest_version()}")
        self.files[version] = data
        return f"memory:{version}"


class DirectoryPublisher:
    """Publications as files in `directory`, atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def latest_version(self) -> int:
        """The highest version in the directory (0 when none)."""
        if not self.directory.is_dir():
            return 0
        versions = (
            int(m[1]) for p in self.directory.iterdir() if (m := _VERSIONED.fullmatch(p.name))
        )
        return max(versions, default=0)

    def publish(self, version: int, data: bytes) -> str:
        """Write version `version`, then make it the latest."""
        if version <= self.latest_version():
            raise PublishError(f"version {version} is not above {self.latest_version()}")
        self.directory.mkdir(parents=True, exist_ok=True)
        versioned = self.directory / f"trust-list-v{version}.json"
        _write_atomically(versioned, data)
        _write_atomically(self.directory / LATEST, data)
        return str(versioned)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
