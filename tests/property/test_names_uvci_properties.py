"""Properties of name transliteration (hcert.icao) and UVCIs (hcert.uvci)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from hcert.icao import MAX_LENGTH, transliterate
from hcert.uvci import (
    ALPHABET,
    RANDOM_BYTES,
    check_character,
    has_valid_check_character,
    is_well_formed,
    new_uvci,
)
from hcert.uvci import MAX_LENGTH as UVCI_MAX_LENGTH

SETTINGS = settings(max_examples=200, deadline=None)
MRZ_NAME = re.compile(r"(?:[A-Z]+(?:<[A-Z]+)*)?")

# Vietnamese letters with every tone, grouped by the base letter they must become (written out by
# hand, independent of the module's use of Unicode decomposition).
VIETNAMESE = {
    "A": "aàáảãạăằắẳẵặâầấẩẫậ",
    "E": "eèéẻẽẹêềếểễệ",
    "I": "iìíỉĩị",
    "O": "oòóỏõọôồốổỗộơờớởỡợ",
    "U": "uùúủũụưừứửữự",
    "Y": "yỳýỷỹỵ",
    "D": "dđ",
    **{c: c.lower() for c in "BCGHKLMNPQRSTVX"},
}
BASE_OF = {ch: base for base, forms in VIETNAMESE.items() for ch in forms + forms.upper()}

vietnamese_word = st.text(alphabet=sorted(BASE_OF), min_size=1, max_size=8)
vietnamese_name = st.lists(vietnamese_word, min_size=1, max_size=5).map(" ".join)
any_text = st.text(max_size=120)
mixed_text = st.text(
    alphabet=st.sampled_from(
        sorted(BASE_OF) + list(" -'’,.<\t\u00a0") + list("ÄÅÆÖØÜßÞŒĲÐÑЖЩЮЯΣΥΓΟαυ😀0阮\u0301\u0323")
    ),
    max_size=120,
)


# --- transliteration --------------------------------------------------------------------------


@SETTINGS
@given(st.one_of(any_text, mixed_text), st.integers(min_value=1, max_value=100))
def test_output_is_mrz_shaped_and_bounded(name: str, max_length: int) -> None:
    out = transliterate(name, max_length)
    assert MRZ_NAME.fullmatch(out), out
    assert len(out) <= max_length
    assert len(transliterate(name)) <= MAX_LENGTH


@SETTINGS
@given(st.one_of(any_text, mixed_text), st.integers(min_value=1, max_value=100))
def test_truncation_is_a_clean_prefix(name: str, max_length: int) -> None:
    full = transliterate(name, max_length=10_000)
    assert transliterate(name, max_length) == full[:max_length].rstrip("<")


@SETTINGS
@given(st.one_of(any_text, mixed_text))
def test_nfc_and_nfd_give_the_same_result(name: str) -> None:
    expected = transliterate(name)
    assert transliterate(unicodedata.normalize("NFD", name)) == expected
    assert transliterate(unicodedata.normalize("NFC", name)) == expected


@SETTINGS
@given(st.one_of(any_text, mixed_text))
def test_idempotent(name: str) -> None:
    once = transliterate(name)
    assert transliterate(once) == once


@SETTINGS
@given(vietnamese_name)
def test_vietnamese_becomes_base_letters(name: str) -> None:
    expected = "<".join("".join(BASE_OF[ch] for ch in word) for word in name.split(" "))
    assert transliterate(name) == expected[:MAX_LENGTH].rstrip("<")
    assert transliterate(unicodedata.normalize("NFD", name)) == transliterate(name)
    assert transliterate(name.upper()) == transliterate(name.lower()) == transliterate(name)


# --- UVCI -------------------------------------------------------------------------------------

random_16 = st.binary(min_size=RANDOM_BYTES, max_size=RANDOM_BYTES)
country = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
alphabet_text = st.text(alphabet=ALPHABET, min_size=1, max_size=48)


@SETTINGS
@given(random_16, country, st.booleans())
def test_new_uvci_round_trip(raw: bytes, cc: str, with_check: bool) -> None:
    uvci = new_uvci(lambda _n: raw, country=cc, check_character=with_check)
    assert is_well_formed(uvci)
    assert len(uvci) <= UVCI_MAX_LENGTH
    assert has_valid_check_character(uvci) is with_check
    body = uvci.removesuffix("#" + uvci[-1]) if with_check else uvci
    assert body == f"URN:UVCI:01:{cc}:{raw.hex().upper()}"
    assert bytes.fromhex(body.rsplit(":", 1)[1]) == raw


@SETTINGS
@given(alphabet_text)
def test_check_character_round_trip(body: str) -> None:
    check = check_character(body)
    assert check in ALPHABET
    assert has_valid_check_character(f"{body}#{check}")
    assert not has_valid_check_character(f"{body}#{ALPHABET[(ALPHABET.index(check) + 1) % 38]}")


@settings(max_examples=100, deadline=None)
@given(st.one_of(alphabet_text, random_16.map(lambda raw: new_uvci(lambda _n: raw))))
def test_every_single_character_substitution_is_detected(body: str) -> None:
    uvci = f"{body}#{check_character(body)}"
    for i, original in enumerate(uvci):
        for replacement in ALPHABET + "#":
            if replacement != original:
                mutated = uvci[:i] + replacement + uvci[i + 1 :]
                assert not has_valid_check_character(mutated), (uvci, mutated)


@SETTINGS
@given(st.text(max_size=60))
def test_helpers_never_raise_on_text(text: str) -> None:
    assert isinstance(is_well_formed(text), bool)
    assert isinstance(has_valid_check_character(text), bool)
