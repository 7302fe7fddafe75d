"""The Unique Vaccination Certificate Identifier (UVCI), eHealth Network guidelines Annex 2.

Shape (eHN "Guidelines on verifiable vaccination certificates: basic interoperability elements",
Annex 2; ARCHITECTURE §3)::

    URN:UVCI:  01  :  VN  :  <opaque identifier>  [ # <check character> ]
    (prefix,   version  country                     optional checksum)
    optional)

Upper-case ``A``–``Z``, ``0``–``9`` and the separators ``/ # :`` only, at most 50 characters.
We always write the ``URN:UVCI:`` prefix, version ``01``, and 32 upper-case hex digits
(16 random bytes) as the opaque part, as Vietnam's issued certificates did: 47 characters,
49 with a check character.

The check character is Luhn mod N over the alphabet ``A``–``Z``, ``0``–``9``, ``/``, ``:``
(N = 38, in that order: ``A`` = 0, ``0`` = 26, ``/`` = 36, ``:`` = 37), computed over the UVCI as
written, prefix included, and appended after ``#``. Source: the DCC schema FAQ "UVCI checksum"
(ehn-dcc-development eu-dcc-schema wiki), confirmed against the EU test vectors: every UVCI with
a check character from AT, DK, FR, GR, HU and SI verifies under exactly this definition, while
leaving out the prefix or putting the digits first makes almost all of them fail.

The check character only catches typing errors. It is *not* a validity test: many UVCIs in the
EU test vectors carry a check character that fails (the conformance README counts 84), and a
certificate is accepted or refused by its signature, never by its UVCI's checksum.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

PREFIX = "URN:UVCI:"
"""The optional URN prefix; `new_uvci` always writes it."""

VERSION = "01"
"""The only UVCI schema version the guidelines define."""

MAX_LENGTH = 50
"""The longest UVCI the guidelines allow, prefix and check character included."""

CHECK_SEPARATOR = "#"
"""Separates the UVCI from its check character."""

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"
"""The Luhn mod N alphabet, in code-point order (N = 38)."""

RANDOM_BYTES = 16
"""Random bytes in a UVCI we issue; written as 32 upper-case hex digits."""

_CODE_POINT = {ch: i for i, ch in enumerate(ALPHABET)}
_N = len(ALPHABET)
# Luhn mod N doubles every second code point from the right and adds the base-N digits of the
# product; precomputed for each code point.
_DOUBLED = tuple((2 * cp) // _N + (2 * cp) % _N for cp in range(_N))

_COUNTRY = re.compile(r"[A-Z]{2}")
# Annex 2: optional prefix, version 01, a separator (Germany writes none after the version:
# "01DE/..."), the country, a separator, an identifier of upper-case letters, digits, "/" and
# ":", optionally "#" and one check character.
_WELL_FORMED = re.compile(r"(?:URN:UVCI:)?01[:/]?[A-Z]{2}[:/][A-Z0-9][A-Z0-9/:]*(?:#[A-Z0-9/:])?")


def _luhn_mod_n(text: str) -> str:
    """Compute the Luhn mod N check character of `text` (all of it in ALPHABET)."""
    total = 0
    # From the right, the first code point is doubled, the second not, and so on.
    for i, ch in enumerate(reversed(text)):
        cp = _CODE_POINT[ch]
        total += _DOUBLED[cp] if i % 2 == 0 else cp
    return ALPHABET[-total % _N]


def check_character(uvci: str) -> str:
    """Compute the check character of a UVCI (Luhn mod 38, see the module docstring).

    Args:
        uvci: the UVCI without ``#`` and check character, as it will be written (with the
            ``URN:UVCI:`` prefix if it will carry one: the prefix takes part in the sum).

    Returns:
        One character of `ALPHABET`, to append after ``#``.

    Raises:
        ValueError: `uvci` is empty or has a character outside `ALPHABET` (lower case, ``#``,
            ...): caller misuse, no `ErrorCode`.

    """
    if not uvci:
        raise ValueError("cannot compute the check character of an empty UVCI")
    bad = sorted({ch for ch in uvci if ch not in _CODE_POINT})
    if bad:
        raise ValueError(f"got characters {bad!r}, expected only {ALPHABET!r}")
    return _luhn_mod_n(uvci)


def has_valid_check_character(uvci: str) -> bool:
    """Tell whether a UVCI ends in ``#`` and a correct check character.

    A helper for spotting typing errors, not a validity test (see the module docstring).

    Args:
        uvci: any text.

    Returns:
        True if `uvci` is ``body#c`` with a non-empty `body` over `ALPHABET` and
        ``c == check_character(body)``; False otherwise (no check character, a wrong one,
        characters outside the alphabet). Never raises for a string.

    """
    body, separator, check = uvci.rpartition(CHECK_SEPARATOR)
    if not separator or not body or len(check) != 1:
        return False
    if any(ch not in _CODE_POINT for ch in body):
        return False
    return _luhn_mod_n(body) == check


def is_well_formed(uvci: str) -> bool:
    """Tell whether text has the UVCI shape of the eHN guidelines, Annex 2.

    Version ``01``, a two-letter country, upper-case letters, digits and ``/ # :`` only, at most
    50 characters, an optional ``URN:UVCI:`` prefix and an optional ``#`` plus one check
    character (whose value is not checked). Shape only: many real certificates carry UVCIs
    that break it (lower case, a longer tail after ``#``), and verification does not depend on it.

    Args:
        uvci: any text.

    Returns:
        True if `uvci` has the shape, else False. Never raises for a string.

    """
    return len(uvci) <= MAX_LENGTH and _WELL_FORMED.fullmatch(uvci) is not None


def new_uvci(
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    *,
    country: str = "VN",
    check_character: bool = False,
) -> str:
    """Create a new UVCI: ``URN:UVCI:01:VN:`` and 32 upper-case hex digits.

    Args:
        random_bytes: returns that many random bytes; `secrets.token_bytes` unless a test
            injects a deterministic source. Called once, with `RANDOM_BYTES`.
        country: the issuing country, two upper-case letters (ISO 3166-1 alpha-2).
        check_character: append ``#`` and the Luhn mod 38 check character (49 characters
            instead of 47).

    Returns:
        The UVCI, at most 50 characters.

    Raises:
        ValueError: `country` is not two upper-case letters, or `random_bytes` did not return
            exactly `RANDOM_BYTES` bytes: caller misuse, no `ErrorCode`.

    """
    if not _COUNTRY.fullmatch(country):
        raise ValueError(f"got country {country!r}, expected two upper-case letters")
    raw = random_bytes(RANDOM_BYTES)
    if not isinstance(raw, bytes) or len(raw) != RANDOM_BYTES:
        raise ValueError(f"random source returned {raw!r}, expected {RANDOM_BYTES} bytes")
    uvci = f"{PREFIX}{VERSION}:{country}:{raw.hex().upper()}"
    if check_character:
        uvci += CHECK_SEPARATOR + _luhn_mod_n(uvci)
    return uvci
