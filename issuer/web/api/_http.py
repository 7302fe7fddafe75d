"""Reading requests and writing answers: the only HTTP knowledge the resource modules share."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from flask import g, request

from issuer.services.errors import BadRequest, Invalid, IssuerCode
from issuer.services.scope import Actor
from issuer.web.openapi import MAX_INT

MAX_DEPTH = 8  # our bodies nest two levels; a deeper one is refused before it is parsed
EARLIEST_BIRTH = date(1890, 1, 1)
# C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates (Unicode UAX #9):
# nothing a name, a lot number or a note needs, and what makes a log or a screen lie
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def now() -> datetime:
    """The request's reference time."""
    return datetime.now(UTC)


def actor() -> Actor:
    """The authenticated account of this request (`auth.authenticated` set it)."""
    found: Actor = g.actor
    return found


def _nesting(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text, strings skipped."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def body() -> dict[str, Any]:
    """The request's JSON object.

    Raises:
        BadRequest: UNSUPPORTED_MEDIA_TYPE, MALFORMED_JSON (not JSON, not an object, or nested
            deeper than `MAX_DEPTH`).
    """
    if not request.is_json:
        raise BadRequest(
            IssuerCode.UNSUPPORTED_MEDIA_TYPE, "send JSON with Content-Type: application/json"
        )
    raw = request.get_data(cache=True)
    if _nesting(raw) > MAX_DEPTH:
        raise BadRequest(IssuerCode.MALFORMED_JSON, f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        found = json.loads(raw)
    except ValueError as e:
        raise BadRequest(IssuerCode.MALFORMED_JSON, "the body is not JSON") from e
    if not isinstance(found, dict):
        raise BadRequest(IssuerCode.MALFORMED_JSON, "the body is not a JSON object")
    return found


def check_text(name: str, value: str, max_len: int) -> str:
    """A text field: not blank, at most `max_len` characters, no control characters.

    Raises:
        Invalid: FIELD_INVALID, TEXT_CONTROL_CHARACTER.
    """
    if not value.strip() or len(value) > max_len:
        raise Invalid(
            IssuerCode.FIELD_INVALID,
            f"{name}: expected a non-empty text of at most {max_len} characters",
        )
    if found := _CONTROL.search(value):
        raise Invalid(
            IssuerCode.TEXT_CONTROL_CHARACTER,
            f"{name}: control character U+{ord(found.group()):04X} at {found.start()}",
        )
    return value


def field(
    data: dict[str, Any], name: str, kind: type, *, required: bool = True, max_len: int = 200
) -> Any:
    """One field of a body, checked against its type (null reads as absent).

    Raises:
        Invalid: FIELD_MISSING, FIELD_INVALID, TEXT_CONTROL_CHARACTER.
    """
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid(IssuerCode.FIELD_MISSING, f"{name}: required")
        return None
    if kind is int:
        # JSON Schema 2020-12 §6.1.1: 2.0 is an integer too
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(
                IssuerCode.FIELD_INVALID,
                f"{name}: got {type(value).__name__}, expected an integer",
            )
        if not 1 <= value <= MAX_INT:
            raise Invalid(
                IssuerCode.FIELD_INVALID, f"{name}: expected an integer from 1 to {MAX_INT}"
            )
    if kind is bool and not isinstance(value, bool):
        raise Invalid(IssuerCode.FIELD_INVALID, f"{name}: expected true or false")
    if kind is str:
        if not isinstance(value, str):
            raise Invalid(IssuerCode.FIELD_INVALID, f"{name}: expected a text")
        check_text(name, value, max_len)
    if kind is list:
        if not (
            isinstance(value, list) and len(value) <= 50 and all(isinstance(v, str) for v in value)
        ):
            raise Invalid(IssuerCode.FIELD_INVALID, f"{name}: expected a list of at most 50 texts")
        for item in value:
            check_text(name, item, max_len)
    return value


def date_field(data: dict[str, Any], name: str, *, birth: bool = False) -> date:
    """A ``YYYY-MM-DD`` date field; with `birth`, one from 1890 to today.

    Raises:
        Invalid: FIELD_MISSING, FIELD_INVALID, DATE_INVALID.
    """
    text = field(data, name, str, max_len=10)
    try:
        # RFC 3339 full-date only: date.fromisoformat also takes 20210101 and 2021-W01-1
        if not _FULL_DATE.fullmatch(text):
            raise ValueError(text)
        value = date.fromisoformat(text)
    except ValueError as e:
        raise Invalid(IssuerCode.FIELD_INVALID, f"{name}: got {text!r}, expected YYYY-MM-DD") from e
    if birth and not EARLIEST_BIRTH <= value <= now().date():
        raise Invalid(
            IssuerCode.DATE_INVALID, f"{name}: got {value}, expected {EARLIEST_BIRTH} to today"
        )
    return value


def int_arg(name: str, *, maximum: int = MAX_INT) -> int | None:
    """An optional query parameter: an integer from 1 to `maximum`.

    Raises:
        Invalid: FIELD_INVALID.
    """
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= maximum):
        raise Invalid(IssuerCode.FIELD_INVALID, f"{name}: expected an integer from 1 to {maximum}")
    return int(raw)


def date_arg(name: str) -> date | None:
    """An optional query parameter: a ``YYYY-MM-DD`` date.

    Raises:
        Invalid: FIELD_INVALID, TEXT_CONTROL_CHARACTER.
    """
    raw = request.args.get(name)
    return None if raw is None else date_field({name: raw}, name)


def iso(t: datetime | None) -> str | None:
    """UTC, to the second, with a Z."""
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
