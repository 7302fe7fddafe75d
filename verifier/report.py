"""The verdict as the command line and other tools print it (a stable JSON shape)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from verifier.verifier import Verdict

HOLDER_FIELDS = ("fn", "gn", "fnt", "gnt")


def verdict_json(verdict: Verdict, input_ref: str | int) -> dict[str, Any]:
    """The JSON object `vaxpass verify --json` prints for one input.

    Keys: ``input``, ``valid``, ``category``, ``code``, ``message``; once the COSE headers
    decoded ``kid`` (base64) and ``alg``; once the signature verified ``issuer``,
    ``issued_at``, ``expires_at`` (ISO 8601 UTC), ``type`` (``v``/``t``/``r``) and ``holder``
    (``fn``, ``gn``, ``fnt``, ``gnt``, ``dob``). Data of unverified payloads is never shown.
    """
    out: dict[str, Any] = {
        "input": input_ref,
        "valid": verdict.valid,
        "category": verdict.category.value,
        "code": verdict.code.value,
        "message": verdict.message,
    }
    if verdict.kid is not None:
        out["kid"] = verdict.kid_b64
    if verdict.algorithm is not None:
        out["alg"] = verdict.algorithm
    content = verdict.content
    if content is not None:
        types = sorted(content.cert_types)
        nam = content.dcc.get("nam")
        nam = nam if isinstance(nam, dict) else {}
        dob = content.dcc.get("dob")
        out |= {
            "issuer": content.issuer,
            "issued_at": _iso(content.issued_at),
            "expires_at": _iso(content.expires_at),
            "type": types[0].value if len(types) == 1 else None,
            "holder": {k: _text(nam.get(k)) for k in HOLDER_FIELDS} | {"dob": _text(dob)},
        }
    return out


def verdict_line(verdict: Verdict, input_ref: str | int) -> str:
    """A short human line for one input."""
    mark = "✔" if verdict.valid else "✘"
    head = f"{mark} {verdict.category.value}"
    if not verdict.valid:
        head += f" [{verdict.code.value}] {verdict.message}"
    content = verdict.content
    if content is not None and verdict.valid:
        nam = content.dcc.get("nam") or {}
        name = " ".join(str(nam.get(k)) for k in ("fn", "gn") if nam.get(k))
        types = "/".join(sorted(content.cert_types))
        head += (
            f"  {name}  {content.dcc.get('dob', '')}  type={types}  exp={_iso(content.expires_at)}"
        )
    return f"{input_ref}: {head}"


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object) -> str | None:
    return None if value is None else str(value)
