"""UVCI creation, shape and the Luhn mod 38 check character (hcert.uvci)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from hcert.uvci import (
    ALPHABET,
    MAX_LENGTH,
    RANDOM_BYTES,
    check_character,
    has_valid_check_character,
    is_well_formed,
    new_uvci,
)
from tests.conformance.dgc import load_cases
from tests.conftest import require_conformance

OUR_SHAPE = re.compile(r"URN:UVCI:01:VN:[0-9A-F]{32}")


def counting_source(start: int = 0) -> Iterator[bytes]:
    """Deterministic 'random' bytes: 16 consecutive byte values per call."""
    n = start
    while True:
        yield bytes((n + i) % 256 for i in range(RANDOM_BYTES))
        n += 1


def reference_luhn_mod_n(text: str) -> str:
    """Luhn mod N written out the textbook way, independently of the module."""
    n = len(ALPHABET)
    factor, total = 2, 0
    for ch in reversed(text):
        addend = factor * ALPHABET.index(ch)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


# --- new_uvci ---------------------------------------------------------------------------------


def test_shape_without_check_character() -> None:
    uvci = new_uvci()
    assert OUR_SHAPE.fullmatch(uvci), uvci
    assert len(uvci) == 47
    assert is_well_formed(uvci)
    assert not has_valid_check_character(uvci)


def test_shape_with_check_character() -> None:
    uvci = new_uvci(check_character=True)
    body, sep, check = uvci.rpartition("#")
    assert sep == "#"
    assert OUR_SHAPE.fullmatch(body), uvci
    assert len(uvci) == 49 <= MAX_LENGTH
    assert check == reference_luhn_mod_n(body)
    assert has_valid_check_character(uvci)
    assert is_well_formed(uvci)


def test_deterministic_with_an_injected_source() -> None:
    calls: list[int] = []

    def source(n: int) -> bytes:
        calls.append(n)
        return bytes(range(n))

    assert new_uvci(source) == "URN:UVCI:01:VN:000102030405060708090A0B0C0D0E0F"
    assert new_uvci(source, check_character=True) == (
        "URN:UVCI:01:VN:000102030405060708090A0B0C0D0E0F#L"
    )
    assert calls == [RANDOM_BYTES, RANDOM_BYTES]


def test_same_source_same_uvcis() -> None:
    a, b = counting_source(), counting_source()
    first = [new_uvci(lambda _n: next(a)) for _ in range(5)]
    second = [new_uvci(lambda _n: next(b)) for _ in range(5)]
    assert first == second
    assert len(set(first)) == 5


def test_hex_is_upper_case() -> None:
    assert new_uvci(lambda n: b"\xab" * n) == "URN:UVCI:01:VN:" + "AB" * 16


def test_other_country() -> None:
    assert new_uvci(bytes, country="DE") == "URN:UVCI:01:DE:" + "00" * 16


@pytest.mark.parametrize("country", ["vn", "VNM", "V", "", "V1", "Vn"])
def test_bad_country_is_refused(country: str) -> None:
    with pytest.raises(ValueError, match="country"):
        new_uvci(country=country)


@pytest.mark.parametrize("length", [0, 15, 17, 32])
def test_random_source_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        new_uvci(lambda _n: bytes(length))


def test_unique_over_100k_draws() -> None:
    draws = [new_uvci() for _ in range(100_000)]
    assert len(set(draws)) == len(draws)


# --- check character --------------------------------------------------------------------------

# Published UVCIs whose check character is right (EU DCC test vectors: AT, DK, FR, HU). They pin
# the definition: the alphabet order (letters first), N = 38, and the prefix taking part.
PUBLISHED = [
    "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
    "URN:UVCI:01:DK:B986830007345F99AE898FB82C6C61F2#A",
    "URN:UVCI:01:FR:Y4996KBJ4Q3Q#:",
    "URN:UVCI:01:FR:P4LU2647E8HN#/",
    "URN:UVCI:01:FR:GGD81AAH16A4#Y",
    "URN:UVCI:01:HU:242100001023540659V1T20210614180542#S",
]


@pytest.mark.parametrize("uvci", PUBLISHED)
def test_published_check_characters(uvci: str) -> None:
    body, _, check = uvci.rpartition("#")
    assert check_character(body) == check
    assert has_valid_check_character(uvci)


def test_prefix_takes_part_in_the_sum() -> None:
    body = "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813"
    assert check_character(body) == "B"
    assert check_character(body.removeprefix("URN:UVCI:")) != "B"


def test_matches_the_textbook_algorithm() -> None:
    source = counting_source(7)
    for _ in range(500):
        body = new_uvci(lambda _n: next(source))
        assert check_character(body) == reference_luhn_mod_n(body)
    for text in ["A", "0", ":", "/", ALPHABET, ALPHABET[::-1], "01:VN:X/Y"]:
        assert check_character(text) == reference_luhn_mod_n(text)


def test_single_characters() -> None:
    # One character is doubled: A=0 → 0 → A; B=1 → 2 → check 36 '/'; ':'=37 → 74 = 1*38+36,
    # digit sum 37 → check 1 'B'.
    assert check_character("A") == "A"
    assert check_character("B") == "/"
    assert check_character(":") == "B"


@pytest.mark.parametrize("bad", ["", "urn:uvci:01:VN:AB", "01:VN:AB#C", "01 VN", "01:VN:AB-C"])
def test_check_character_refuses_text_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(ValueError):
        check_character(bad)


@pytest.mark.parametrize(
    "uvci",
    [
        "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#C",  # wrong character
        "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813",  # none
        "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#",  # empty
        "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#BB",  # two
        "urn:uvci:01:AT:10807843F94AEE0EE5093FBC254BD813#B",  # lower case body
        "#B",
        "",
        "URN:UVCI:01:FI:AELZ0DC71KA2SJWUETRTAFEL2##",
    ],
)
def test_invalid_check_characters(uvci: str) -> None:
    assert has_valid_check_character(uvci) is False


def test_every_single_substitution_is_detected_exhaustively() -> None:
    uvci = new_uvci(lambda n: bytes(range(100, 100 + n)), check_character=True)
    assert has_valid_check_character(uvci)
    for i, original in enumerate(uvci):
        for replacement in ALPHABET + "#a":
            if replacement != original:
                mutated = uvci[:i] + replacement + uvci[i + 1 :]
                assert not has_valid_check_character(mutated), mutated


# --- shape ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uvci",
    [
        "URN:UVCI:01:VN:000102030405060708090A0B0C0D0E0F",
        "URN:UVCI:01:VN:000102030405060708090A0B0C0D0E0F#L",
        "01:VN:000102030405060708090A0B0C0D0E0F",  # the prefix is optional
        "URN:UVCI:01:NL:187/37512422923",  # Annex 2 examples
        "URN:UVCI:01:SE:EHM/C878/123456789ABC#B",
        "URN:UVCI:01:PL:1/4F86BBF0865B465F9BDD907C3A2C141F",
        "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W",  # Germany's form, no ':' after 01
        "01/PT/SPMS/TRC01234567890123456#1",
        "URN:UVCI:01:VN:" + "A" * 35,  # exactly 50
    ],
)
def test_well_formed(uvci: str) -> None:
    assert is_well_formed(uvci)


@pytest.mark.parametrize(
    "uvci",
    [
        "",
        "URN:UVCI:",
        "URN:UVCI:01:VN:",  # no identifier
        "URN:UVCI:01:VN:" + "A" * 36,  # 51 characters
        "URN:UVCI:02:VN:ABC",  # unknown version
        "URN:UVCI:V1:CY:PYE1LE1O2X54P5845G8RRMM9JE",
        "urn:uvci:01:NL:00b176a4d9d4452ba540f6eec8631026",  # lower case
        "URN:UVCI:01:VNM:ABC",  # three-letter country
        "URN:UVCI:01:V1:ABC",
        "URN:UVCI:01:VN:AB-CD",  # '-' not allowed
        "URN:UVCI:01:VN:AB CD",
        "URN:UVCI:01:VN:ABCD#",  # '#' without a character
        "01/LU/2O1I84U8U12I5#UK",  # two characters after '#'
        "URN:UVCI:01:VN:AB#C#D",
        "dgci:V1:CY:GRHC8O6ECPWMUM16D3WAXOPN4:89",
        "URN:UVCI:01:VN:ABC\n",
    ],
)
def test_not_well_formed(uvci: str) -> None:
    assert not is_well_formed(uvci)


# --- the EU DCC test vectors -------------------------------------------------------------------


def _vector_uvcis() -> dict[str, set[str]]:
    by_country: dict[str, set[str]] = {}
    for case in load_cases():
        payload = case.raw.get("JSON")
        if not isinstance(payload, dict):
            continue
        country = case.id.split("/")[0]
        for kind in ("v", "t", "r"):
            for entry in payload.get(kind) or []:
                if isinstance(entry, dict) and isinstance(entry.get("ci"), str):
                    by_country.setdefault(country, set()).add(entry["ci"])
    return by_country


def test_check_characters_in_eu_test_vectors() -> None:
    require_conformance("dgc-testdata")
    by_country = _vector_uvcis()
    with_check = {c: {u for u in s if "#" in u} for c, s in by_country.items()}
    failing = sorted(u for s in with_check.values() for u in s if not has_valid_check_character(u))
    total = sum(len(s) for s in with_check.values())
    print(f"\n{total} distinct vector UVCIs with '#', {len(failing)} fail the checksum")
    # Countries whose issuers computed the check character as the eHN FAQ defines it: every
    # one of their upper-case UVCIs verifies (lower-case "urn:uvci:" ones are outside the
    # alphabet, and FR wrote some that way).
    for country in ("AT", "DK", "GR", "HU", "SI", "FR"):
        uvcis = {u for u in with_check.get(country, set()) if u == u.upper()}
        assert uvcis, country
        assert all(has_valid_check_character(u) for u in uvcis), country
    # And the README's warning holds: failing check characters are common in real data.
    assert len(failing) >= 50
