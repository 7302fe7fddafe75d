"""Reading the EU DCC test vectors (dgc-testdata) into typed cases."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tests.conftest import CONFORMANCE

DGC = CONFORMANCE / "dgc-testdata"

# The flags of the upstream README, in pipeline order.
FLAGS = (
    "EXPECTEDPICTUREDECODE",
    "EXPECTEDUNPREFIX",
    "EXPECTEDB45DECODE",
    "EXPECTEDCOMPRESSION",
    "EXPECTEDVALIDOBJECT",
    "EXPECTEDVERIFY",
    "EXPECTEDDECODE",
    "EXPECTEDVALIDJSON",
    "EXPECTEDSCHEMAVALIDATION",
    "EXPECTEDEXPIRATIONCHECK",
    "EXPECTEDKEYUSAGE",
    "EXPECTEDENCODE",
)


@dataclass(frozen=True)
class Case:
    """One test vector file."""

    id: str
    raw: dict[str, Any]

    @property
    def flags(self) -> dict[str, bool]:
        results = self.raw.get("EXPECTEDRESULTS") or {}
        return {k: v for k, v in results.items() if isinstance(v, bool)}

    @property
    def context(self) -> dict[str, Any]:
        return self.raw.get("TESTCTX") or {}

    @property
    def certificate_der(self) -> bytes | None:
        cert = self.context.get("CERTIFICATE")
        return base64.b64decode(cert) if cert else None

    @property
    def validation_clock(self) -> datetime | None:
        clock = self.context.get("VALIDATIONCLOCK")
        if not clock:
            return None
        t = datetime.fromisoformat(clock)
        return t if t.tzinfo else t.replace(tzinfo=UTC)

    def hex(self, key: str) -> bytes | None:
        value = self.raw.get(key)
        return bytes.fromhex(value) if value else None


def _case_id(path: Path) -> str:
    rel = path.relative_to(DGC)
    parts = [p for p in rel.parts[:-1] if p not in ("2DCode", "raw")]
    return "/".join([*parts, rel.stem])


@cache
def load_cases() -> tuple[Case, ...]:
    """Every case file under dgc-testdata, sorted by id (empty when the data is absent)."""
    if not DGC.exists():
        return ()
    cases = []
    for path in sorted(DGC.glob("**/2DCode/raw/*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict):
            cases.append(Case(_case_id(path), raw))
    return tuple(cases)


def normalise(value: Any) -> Any:
    """Make decoded CBOR and JSON comparable: dates and date-times by meaning, not spelling."""
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)
        except ValueError:
            return value
    return value
