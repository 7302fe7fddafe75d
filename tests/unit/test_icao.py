"""ICAO Doc 9303 name transliteration (hcert.icao): Vietnamese, Table A/B, separators, length."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import pytest

from hcert.icao import FILLER, MAX_LENGTH, transliterate
from tests.conformance.dgc import load_cases
from tests.conftest import require_conformance

MRZ_NAME = re.compile(r"[A-Z]+(?:<[A-Z]+)*")


# --- Vietnamese -------------------------------------------------------------------------------

BRIEF_CASES = [
    ("Đỗ", "DO"),
    ("Ngọc Vĩnh", "NGOC<VINH"),
    ("Nguyễn Thị Minh Khai", "NGUYEN<THI<MINH<KHAI"),
    ("Đặng", "DANG"),
    ("Ưng", "UNG"),
    ("Phạm Thị Hường", "PHAM<THI<HUONG"),
]

# Real Vietnamese full names: (family name, middle + given names, fnt, gnt).
VIETNAMESE_NAMES = [
    ("Nguyễn", "Thị Minh Khai", "NGUYEN", "THI<MINH<KHAI"),
    ("Đỗ", "Ngọc Vĩnh", "DO", "NGOC<VINH"),
    ("Phạm", "Thị Hường", "PHAM", "THI<HUONG"),
    ("Trần", "Hưng Đạo", "TRAN", "HUNG<DAO"),
    ("Lê", "Văn Hưu", "LE", "VAN<HUU"),
    ("Võ", "Nguyên Giáp", "VO", "NGUYEN<GIAP"),
    ("Hồ", "Xuân Hương", "HO", "XUAN<HUONG"),
    ("Phan", "Bội Châu", "PHAN", "BOI<CHAU"),
    ("Huỳnh", "Thúc Kháng", "HUYNH", "THUC<KHANG"),
    ("Ngô", "Bảo Châu", "NGO", "BAO<CHAU"),
    ("Đặng", "Thùy Trâm", "DANG", "THUY<TRAM"),
    ("Bùi", "Thị Xuân", "BUI", "THI<XUAN"),
    ("Dương", "Văn Minh", "DUONG", "VAN<MINH"),
    ("Lý", "Thường Kiệt", "LY", "THUONG<KIET"),
    ("Trịnh", "Công Sơn", "TRINH", "CONG<SON"),
    ("Vũ", "Trọng Phụng", "VU", "TRONG<PHUNG"),
    ("Hoàng", "Thị Loan", "HOANG", "THI<LOAN"),
    ("Ưng", "Hoàng Phúc", "UNG", "HOANG<PHUC"),
    ("Tôn", "Đức Thắng", "TON", "DUC<THANG"),
    ("Lương", "Thế Vinh", "LUONG", "THE<VINH"),
    ("Đinh", "Bộ Lĩnh", "DINH", "BO<LINH"),
    ("Quách", "Thị Trang", "QUACH", "THI<TRANG"),
    ("Nguyễn", "Thị Ánh Viên", "NGUYEN", "THI<ANH<VIEN"),
    ("Kiều", "Thị Thủy", "KIEU", "THI<THUY"),
    ("Châu", "Ngọc Quỳnh", "CHAU", "NGOC<QUYNH"),
]

# Every Vietnamese vowel with each of the six tones (none, huyền, sắc, hỏi, ngã, nặng), written
# out by hand as the independent oracle: each transliterates to its base letter.
VIETNAMESE_VOWELS = {
    "A": "aàáảãạ" "ăằắẳẵặ" "âầấẩẫậ",
    "E": "eèéẻẽẹ" "êềếểễệ",
    "I": "iìíỉĩị",
    "O": "oòóỏõọ" "ôồốổỗộ" "ơờớởỡợ",
    "U": "uùúủũụ" "ưừứửữự",
    "Y": "yỳýỷỹỵ",
}  # fmt: skip


@pytest.mark.parametrize(("name", "expected"), BRIEF_CASES)
def test_vietnamese_examples(name: str, expected: str) -> None:
    assert transliterate(name) == expected


@pytest.mark.parametrize(("family", "given", "fnt", "gnt"), VIETNAMESE_NAMES)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_vietnamese_full_names(
    family: str, given: str, fnt: str, gnt: str, form: Literal["NFC", "NFD"]
) -> None:
    family, given = unicodedata.normalize(form, family), unicodedata.normalize(form, given)
    assert transliterate(family) == fnt
    assert transliterate(given) == gnt
    assert transliterate(f"{family} {given}") == f"{fnt}{FILLER}{gnt}"
    # Citizen-ID records write names in capitals.
    assert transliterate(f"{family} {given}".upper()) == f"{fnt}{FILLER}{gnt}"


def test_name_list_is_large_enough() -> None:
    assert len(VIETNAMESE_NAMES) >= 15
    assert len({(f, g) for f, g, _, _ in VIETNAMESE_NAMES}) == len(VIETNAMESE_NAMES)


@pytest.mark.parametrize("base", sorted(VIETNAMESE_VOWELS))
def test_every_vietnamese_vowel_and_tone(base: str) -> None:
    forms = VIETNAMESE_VOWELS[base]
    assert len(set(forms)) == len(forms)
    for ch in forms + forms.upper():
        assert transliterate(ch) == base, ch
        assert transliterate(unicodedata.normalize("NFD", ch)) == base, ch


def test_vietnamese_d_with_stroke_and_its_lookalike() -> None:
    assert transliterate("đĐ") == "DD"
    # U+00D0 (Icelandic eth) is often typed for Đ; Table A maps it to D as well.
    assert transliterate("\u00d0inh") == "DINH"


def test_vietnamese_tone_marks_typed_separately() -> None:
    # Windows-1258 style: precomposed vowel + a combining tone mark that NFC merges.
    assert transliterate("Nguye\u0302\u0303n") == "NGUYEN"
    assert transliterate("Hu\u031b\u0300ng") == "HUNG"


# --- ICAO Doc 9303 Part 3 Table A (Latin) ------------------------------------------------------

TABLE_A = [
    ("Ä", "AE"), ("ä", "AE"), ("Å", "AA"), ("å", "AA"), ("Æ", "AE"), ("æ", "AE"),
    ("Ö", "OE"), ("ö", "OE"), ("Ø", "OE"), ("ø", "OE"), ("Ü", "UE"), ("ü", "UE"),
    ("ß", "SS"), ("ẞ", "SS"), ("Þ", "TH"), ("þ", "TH"), ("Œ", "OE"), ("œ", "OE"),
    ("Ĳ", "IJ"), ("ĳ", "IJ"), ("Ð", "D"), ("ð", "D"), ("Đ", "D"), ("Ñ", "N"), ("ñ", "N"),
    ("Ç", "C"), ("Ł", "L"), ("ł", "L"), ("Ő", "O"), ("Ű", "U"), ("Ş", "S"), ("Ț", "T"),
    ("Ž", "Z"), ("Č", "C"), ("Ř", "R"), ("Ů", "U"), ("İ", "I"), ("ı", "I"), ("Ħ", "H"),
    ("Ŋ", "N"), ("Ŧ", "T"), ("Ŀ", "L"), ("ĸ", "K"), ("Ā", "A"), ("Ę", "E"), ("Ÿ", "Y"),
    ("Ý", "Y"), ("Ĝ", "G"), ("Ķ", "K"), ("Ņ", "N"), ("Ŵ", "W"), ("Ź", "Z"),
]  # fmt: skip


@pytest.mark.parametrize(("char", "expected"), TABLE_A)
def test_icao_table_a(char: str, expected: str) -> None:
    assert transliterate(char) == expected
    assert transliterate(unicodedata.normalize("NFD", char)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Musterfrau-Gößinger", "MUSTERFRAU<GOESSINGER"),  # the EU specimen
        ("Matti Kari Yrjänä", "MATTI<KARI<YRJAENAE"),
        ("Ågesen", "AAGESEN"),
        ("Jørgensen", "JOERGENSEN"),
        ("Lövström", "LOEVSTROEM"),
        ("Þórunn Guðmundsdóttir", "THORUNN<GUDMUNDSDOTTIR"),
        ("Romero Muñoz", "ROMERO<MUNOZ"),
        ("Rogaliński-Król", "ROGALINSKI<KROL"),
        ("Svätozár", "SVAETOZAR"),
        ("Ɗanjuma", "DANJUMA"),  # Hausa hooked D: no decomposition, named "D WITH HOOK"
        ("ＮＧＵＹＥＮ", "NGUYEN"),  # full-width forms
    ],
)
def test_latin_names(name: str, expected: str) -> None:
    assert transliterate(name) == expected


# --- ICAO Doc 9303 Part 3 Table B (Cyrillic) and ELOT 743 (Greek) ------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ПЕТКОВ", "PETKOV"),
        ("Щукин", "SHCHUKIN"),
        ("Хрущёв", "KHRUSHCHEV"),
        ("Юлия", "IULIIA"),
        ("Пётр Ильич Чайковский", "PETR<ILICH<CHAIKOVSKII"),  # Ь omitted, Й → I
        ("Объедков", "OBIEEDKOV"),  # Ъ → IE, then Е → E
        ("Цой", "TSOI"),
        ("Жуков", "ZHUKOV"),
        ("Мар'яна", "MARIANA"),  # apostrophe omitted
        ("Ґалаґан", "GALAGAN"),
        ("Љубица Њего", "LJUBITSA<NJEGO"),  # base column: Ц → TS, not Serbian C
    ],
)
def test_icao_table_b_cyrillic(name: str, expected: str) -> None:
    assert transliterate(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Μενεξές", "MENEXES"),
        ("ΜΑΡΙΟΣ", "MARIOS"),
        ("επώνυμο", "EPONYMO"),
        ("Σταύρος", "STAVROS"),  # ΑΥ before a voiced consonant → AV
        ("Ναύπλιο", "NAFPLIO"),  # ΑΥ before a voiceless one → AF
        ("Ευάγγελος", "EVANGELOS"),  # ΕΥ before a vowel → EV; ΓΓ → NG
        ("Ευθύμιος", "EFTHYMIOS"),
        ("Παπαδόπουλος", "PAPADOPOULOS"),  # ΟΥ → OU
        ("Χρήστος", "CHRISTOS"),
        ("Ψαρράς", "PSARRAS"),
        ("Ταΰγετος", "TAYGETOS"),  # the dialytika splits the pair
        ("Σφίγξ", "SFINX"),  # ΓΞ → NX
    ],
)
def test_greek_elot_743(name: str, expected: str) -> None:
    assert transliterate(name) == expected


# --- separators, dropped characters, length ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Marie-Elise", "MARIE<ELISE"),
        ("Anne--Marie", "ANNE<MARIE"),
        ("Jean\u2013Pierre\u2014Paul", "JEAN<PIERRE<PAUL"),  # en and em dashes
        ("  Nguyễn   Văn  ", "NGUYEN<VAN"),
        ("Lê\tVăn\nTám", "LE<VAN<TAM"),
        ("Trần\u00a0Thị", "TRAN<THI"),  # no-break space
        ("Le, Van", "LE<VAN"),
        ("D'Artagnan", "DARTAGNAN"),  # Doc 9303 Part 3 §4.6: apostrophes are omitted
        ("O\u2019Brien", "OBRIEN"),
        ("'t Achternaam", "T<ACHTERNAAM"),
        ("St. John", "ST<JOHN"),
        ("NGUYEN<VAN<A", "NGUYEN<VAN<A"),  # already in MRZ form
        ("-- <> --", ""),
    ],
)
def test_separators(name: str, expected: str) -> None:
    assert transliterate(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PREZIME01", "PREZIME"),  # digits are not name characters
        ("😀😃😄", ""),
        ("الاسم", ""),  # Arabic: no table implemented, dropped
        ("阮", ""),
        ("Nguyễn 阮 Văn", "NGUYEN<VAN"),
        ("Áçùþëýñääµ", "ACUTHEYNAEAE"),  # the micro sign is a symbol, not Greek μ
        ("", ""),
    ],
)
def test_unmappable_characters_are_dropped(name: str, expected: str) -> None:
    assert transliterate(name) == expected


def test_default_length_limit_is_the_schema_limit() -> None:
    assert MAX_LENGTH == 80
    long_name = " ".join(["Nguyễn"] * 20)  # 139 characters transliterated
    out = transliterate(long_name)
    assert len(out) <= 80
    assert out == "<".join(["NGUYEN"] * 20)[:80].rstrip("<")
    assert not out.endswith(FILLER)


def test_truncation_never_leaves_a_trailing_filler() -> None:
    assert transliterate("Trần Văn", max_length=5) == "TRAN"  # "TRAN<" cut back
    assert transliterate("Trần Văn", max_length=6) == "TRAN<V"
    assert transliterate("Trần Văn", max_length=8) == "TRAN<VAN"
    assert transliterate("Gößinger", max_length=3) == "GOE"  # inside a two-letter form


def test_exact_length_is_kept() -> None:
    name = "A" * 80
    assert transliterate(name) == name
    assert transliterate(name + "B") == name


def test_max_length_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_length"):
        transliterate("Nguyễn", max_length=0)


def test_known_upstream_disagreements_follow_icao() -> None:
    # FR writes "mäel" as MAEL (Table A's alternative for Ä); we use the first form, AE, as
    # the AT, FI, SK and NL vectors do. GR 4 writes Ξ as KS; ELOT 743 and GR 1-3 write X.
    assert transliterate("mäel") == "MAEEL"
    assert transliterate("Μενεξές") == "MENEXES"


# --- the EU DCC test vectors -------------------------------------------------------------------


def _covered_script(name: str) -> bool:
    """Every letter of `name` is Latin, Greek or Cyrillic: a script our tables cover."""
    return all(
        unicodedata.name(ch, "").startswith(("LATIN", "GREEK", "CYRILLIC"))
        for ch in name
        if ch.isalpha()
    )


def _vector_name_pairs() -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for case in load_cases():
        payload = case.raw.get("JSON")
        nam = payload.get("nam") if isinstance(payload, dict) else None
        if not isinstance(nam, dict):
            continue
        for source, target in (("fn", "fnt"), ("gn", "gnt")):
            if isinstance(nam.get(source), str) and isinstance(nam.get(target), str):
                pairs.add((nam[source], nam[target]))
    return pairs


def test_agreement_with_eu_test_vectors() -> None:
    require_conformance("dgc-testdata")
    pairs = _vector_name_pairs()
    # Judge only upstream values that are themselves ICAO-shaped (A-Z runs joined by single
    # fillers: not "STARK<", "Akdi", "BEN BEN", "") and names in a script we transliterate
    # (the NL Arabic cases use Table C, which we do not implement and document as dropped).
    judged = {(n, t) for n, t in pairs if MRZ_NAME.fullmatch(t) and _covered_script(n)}
    disagreements = sorted((n, t, transliterate(n)) for n, t in judged if transliterate(n) != t)
    print(f"\n{len(judged)} distinct ICAO-shaped name pairs, {len(disagreements)} disagreements:")
    for name, theirs, ours in disagreements:
        print(f"  {name!r}: vectors {theirs!r}, ours {ours!r}")
    assert len(judged) >= 150, "too few vectors found to judge agreement"
    # Measured at the pinned upstream commit: 172 of 174 distinct pairs agree (98.9 %). The two
    # others are upstream choices tested above (FR "mäel" → MAEL, GR "Μενεξές" → MENEKSES).
    # The 98.5 % floor tolerates those two and fails on a third (171/174 = 98.3 %).
    assert (len(judged) - len(disagreements)) / len(judged) >= 0.985
