"""CWT claims (RFC 8392) as the hcert spec uses them (§3.3.3): iss, iat, exp, hcert."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

import cbor2

from hcert import cbor
from hcert.errors import DecodeError, ErrorCode
from hcert.limits import DecodeLimits


class CwtClaim(IntEnum):
    """CWT claim keys (RFC 8392 §4, hcert spec 3.3.3)."""

    ISS = 1
    EXP = 4
    IAT = 6
    HCERT = -260


class HcertClaim(IntEnum):
    """Keys inside the hcert claim (hcert spec 3.3.3)."""

    EU_DCC_V1 = 1


@dataclass(frozen=True, slots=True)
class CwtClaims:
    """The claims a verifier needs.

    Attributes:
        issuer: `iss`, the ISO 3166-1 alpha-2 country of the issuer, if present.
        issued_at: `iat`, aware UTC.
        expires_at: `exp`, aware UTC.
        dcc: the DCC payload as decoded CBOR, not yet validated (see `hcert.dcc`).
    """

    issuer: str | None
    issued_at: datetime
    expires_at: datetime
    dcc: Mapping[str, Any]


def decode_cwt(payload: bytes, limits: DecodeLimits) -> CwtClaims:
    """Decode the CWT inside a verified COSE payload.

    Args:
        payload: the COSE payload bytes.
        limits: decoding bounds.

    Returns:
        The claims.

    Raises:
        DecodeError: CBOR_* codes; CWT_STRUCTURE_INVALID when the payload is not a map;
            CWT_CLAIM_MISSING for a missing iat, exp or hcert v1 claim;
            CWT_CLAIM_INVALID for a claim of the wrong type.
    """
    claims = cbor.loads(payload, limits)
    if isinstance(claims, cbor2.CBORTag) and claims.tag == 61:  # CWT tag (RFC 8392 §6)
        claims = claims.value
    if not _is_map(claims):
        raise DecodeError(ErrorCode.CWT_STRUCTURE_INVALID, "the COSE payload is not a CWT map")
    issuer = claims.get(CwtClaim.ISS)
    if issuer is not None and not isinstance(issuer, str):
        raise DecodeError(
            ErrorCode.CWT_CLAIM_INVALID, f"iss: got {type(issuer).__name__}, expected text"
        )
    hcert = claims.get(CwtClaim.HCERT)
    if hcert is None:
        raise DecodeError(ErrorCode.CWT_CLAIM_MISSING, "no hcert claim (-260)")
    if not _is_map(hcert):
        raise DecodeError(ErrorCode.CWT_CLAIM_INVALID, "hcert claim (-260) is not a map")
    dcc = hcert.get(HcertClaim.EU_DCC_V1)
    if dcc is None:
        raise DecodeError(ErrorCode.CWT_CLAIM_MISSING, "no eu_DCC_v1 (1) inside the hcert claim")
    if not _is_map(dcc):
        raise DecodeError(ErrorCode.CWT_CLAIM_INVALID, "eu_DCC_v1 is not a map")
    return CwtClaims(
        issuer=issuer,
        issued_at=_timestamp(claims, CwtClaim.IAT),
        expires_at=_timestamp(claims, CwtClaim.EXP),
        dcc=dcc,
    )


def _is_map(value: object) -> bool:
    # dict first: the ABC check costs a microsecond, and cbor2 returns dicts but inside tags
    return type(value) is dict or isinstance(value, Mapping)


def _timestamp(claims: Mapping[Any, Any], claim: CwtClaim) -> datetime:
    # RFC 8392 §2: NumericDate, seconds since the epoch (integer or float), untagged or tag 1
    value = claims.get(claim)
    if value is None:
        raise DecodeError(ErrorCode.CWT_CLAIM_MISSING, f"no {claim.name.lower()} claim")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DecodeError(
            ErrorCode.CWT_CLAIM_INVALID,
            f"{claim.name.lower()}: got {type(value).__name__}, expected a NumericDate",
        )
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as e:
        raise DecodeError(
            ErrorCode.CWT_CLAIM_INVALID, f"{claim.name.lower()}: {value} is out of range"
        ) from e


def encode_cwt(
    *, issuer: str, issued_at: datetime, expires_at: datetime, dcc: Mapping[str, Any]
) -> bytes:
    """Encode CWT claims with integer NumericDates (hcert spec 3.3.3).

    Args:
        issuer: `iss`, the issuing country (e.g. ``"VN"``).
        issued_at: `iat`.
        expires_at: `exp`, after `issued_at`.
        dcc: the DCC payload as a JSON-compatible mapping.

    Returns:
        The CBOR bytes of the claims map.
    """
    if expires_at <= issued_at:
        raise ValueError("expires_at must be after issued_at")
    return cbor2.dumps(
        {
            CwtClaim.ISS: issuer,
            CwtClaim.IAT: int(issued_at.timestamp()),
            CwtClaim.EXP: int(expires_at.timestamp()),
            CwtClaim.HCERT: {HcertClaim.EU_DCC_V1: dcc},
        }
    )
