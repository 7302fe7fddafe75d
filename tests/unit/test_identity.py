"""issuer.identity: the CCCD QR line, the ID number's structure, other identity documents.

All IDs here are made up, built by the rules of Circular 07/2016/TT-BCA Art. 7.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer import admin_units
from issuer.identity import (
    MAX_QR_CHARS,
    CccdMismatch,
    CitizenCard,
    DocumentKind,
    IdDocument,
    IdentityError,
    IdentityErrorCode,
    Sex,
    check_cccd_number,
    normalise_document,
    normalise_name,
    parse_cccd_qr,
)

ADDRESS_HCM = "123 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh"
# 079 TP Hồ Chí Minh, 0 = 20th-century male, 95 = 1995.
LINE_MALE = f"079095012345|025123456|Nguyễn Văn An|15031995|Nam|{ADDRESS_HCM}|20042021"
CARD_MALE = CitizenCard(
    id_number="079095012345",
    old_id="025123456",
    full_name="Nguyễn Văn An",
    date_of_birth=date(1995, 3, 15),
    sex=Sex.MALE,
    address=ADDRESS_HCM,
    issued_on=date(2021, 4, 20),
)
# 001 Hà Nội, 3 = 21st-century female, 02 = 2002; no old CMND.
LINE_FEMALE = (
    "001302004567||Trần Thị Bích Ngọc|02092002|Nữ|"
    "Số 5 ngõ 12 phố Huế, Phường Phạm Đình Hổ, Quận Hai Bà Trưng, Hà Nội|10082021"
)

# Circular 07/2016/TT-BCA Art. 7, written out as a table (independent of the code under test).
CENTURY_DIGITS = {
    19: (0, 1),
    20: (2, 3),
    21: (4, 5),
    22: (6, 7),
    23: (8, 9),
}  # year // 100 -> (male, female)


def build_id(province_code: str, dob: date, sex: Sex, serial: str) -> str:
    male, female = CENTURY_DIGITS[dob.year // 100]
    digit = female if sex is Sex.FEMALE else male
    return f"0{province_code}{digit}{dob.year % 100:02d}{serial}"


def _code(exc: pytest.ExceptionInfo[IdentityError]) -> IdentityErrorCode:
    return exc.value.code


# --- parsing --------------------------------------------------------------------------------


def test_parses_a_realistic_line() -> None:
    card = parse_cccd_qr(LINE_MALE)
    assert card == CARD_MALE
    assert card.mismatches() == []
    assert card.document == IdDocument(DocumentKind.CCCD, "079095012345")


def test_missing_old_id_is_none_and_female_is_read() -> None:
    card = parse_cccd_qr(LINE_FEMALE)
    assert card.old_id is None
    assert card.sex is Sex.FEMALE and card.sex.label == "Nữ"
    assert card.full_name == "Trần Thị Bích Ngọc"
    assert card.date_of_birth == date(2002, 9, 2) and card.issued_on == date(2021, 8, 10)
    assert card.mismatches() == []


@pytest.mark.parametrize(
    "wrapped",
    [
        LINE_MALE + "\r\n",
        LINE_MALE + "\r",
        LINE_MALE + "\n",
        LINE_MALE + "\r\n\r\n",
        "  " + LINE_MALE + " \t",
        "\ufeff" + LINE_MALE,
        "\ufeff" + LINE_MALE + "\r\n",
        " \ufeff " + LINE_MALE + "\r",
    ],
)
def test_tolerates_line_endings_whitespace_and_bom(wrapped: str) -> None:
    assert parse_cccd_qr(wrapped) == CARD_MALE


def test_nfd_input_is_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", LINE_FEMALE)
    assert nfd != LINE_FEMALE  # the test input really is decomposed
    card = parse_cccd_qr(nfd + "\r\n")
    assert card == parse_cccd_qr(LINE_FEMALE)
    assert unicodedata.is_normalized("NFC", card.full_name)
    assert unicodedata.is_normalized("NFC", card.address)


def test_name_and_address_whitespace_is_collapsed_case_kept() -> None:
    card = parse_cccd_qr(
        "079095012345|| NGUYỄN   Văn\u00a0 An |15031995| nam | 12  Lê Lợi |20042021"
    )
    assert card.full_name == "NGUYỄN Văn An"
    assert card.address == "12 Lê Lợi"
    assert card.sex is Sex.MALE


def test_fewer_and_more_trailing_fields() -> None:
    no_issue_date = parse_cccd_qr(
        f"079095012345|025123456|Nguyễn Văn An|15031995|Nam|{ADDRESS_HCM}"
    )
    assert no_issue_date.issued_on is None and no_issue_date.address == ADDRESS_HCM
    empty_issue_date = parse_cccd_qr(
        f"079095012345|025123456|Nguyễn Văn An|15031995|Nam|{ADDRESS_HCM}|"
    )
    assert empty_issue_date.issued_on is None
    no_address = parse_cccd_qr("079095012345|025123456|Nguyễn Văn An|15031995|Nam")
    assert no_address.address == "" and no_address.issued_on is None
    extra = parse_cccd_qr(LINE_MALE + "|Nguyễn Văn Bình|Lê Thị Cúc|")
    assert extra == CARD_MALE


def test_twelve_digit_old_cmnd_is_kept() -> None:
    card = parse_cccd_qr(LINE_MALE.replace("|025123456|", "|079095000111|"))
    assert card.old_id == "079095000111"


def test_longest_accepted_line() -> None:
    padded = LINE_MALE.replace(ADDRESS_HCM, ADDRESS_HCM + " " * (MAX_QR_CHARS - len(LINE_MALE)))
    assert len(padded) == MAX_QR_CHARS
    assert parse_cccd_qr(padded).address == ADDRESS_HCM


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", IdentityErrorCode.CCCD_QR_MALFORMED),
        (" \r\n", IdentityErrorCode.CCCD_QR_MALFORMED),
        ("079095012345|025123456|Nguyễn Văn An|15031995", IdentityErrorCode.CCCD_QR_MALFORMED),
        ("079095012345 025123456 Nguyễn Văn An 15031995 Nam", IdentityErrorCode.CCCD_QR_MALFORMED),
        (LINE_MALE.replace("|Nam|", "|Nam\r\n|"), IdentityErrorCode.CCCD_QR_MALFORMED),
        (LINE_MALE + "\n" + LINE_FEMALE, IdentityErrorCode.CCCD_QR_MALFORMED),
        (LINE_MALE.replace("Lê Lợi", "Lê\x00Lợi"), IdentityErrorCode.CCCD_QR_MALFORMED),
        (LINE_MALE.replace("Nguyễn Văn An", "  "), IdentityErrorCode.CCCD_QR_MALFORMED),
        (LINE_MALE.replace("079095012345", "79095012345"), IdentityErrorCode.CCCD_ID_INVALID),
        (LINE_MALE.replace("079095012345", "0790950123456"), IdentityErrorCode.CCCD_ID_INVALID),
        (LINE_MALE.replace("079095012345", "07909501234O"), IdentityErrorCode.CCCD_ID_INVALID),
        (
            LINE_MALE.replace("079095012345", "０７９０９５０１２３４５"),
            IdentityErrorCode.CCCD_ID_INVALID,
        ),
        (LINE_MALE.replace("079095012345", ""), IdentityErrorCode.CCCD_ID_INVALID),
        (LINE_MALE.replace("025123456", "02512345"), IdentityErrorCode.CCCD_ID_INVALID),
        (LINE_MALE.replace("025123456", "0251234567"), IdentityErrorCode.CCCD_ID_INVALID),
        (LINE_MALE.replace("15031995", "31022000"), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("15031995", "29021995"), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("15031995", "15131995"), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("15031995", "00031995"), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("15031995", "1503199"), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("15031995", "15/03/1995"), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("15031995", "1995-03-15"), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("15031995", ""), IdentityErrorCode.CCCD_DATE_INVALID),
        (LINE_MALE.replace("20042021", "32042021"), IdentityErrorCode.CCCD_DATE_INVALID),
        (
            LINE_MALE.replace("20042021", "14031995"),
            IdentityErrorCode.CCCD_DATE_INVALID,
        ),  # before birth
        (LINE_MALE.replace("|Nam|", "|Male|"), IdentityErrorCode.CCCD_SEX_INVALID),
        (LINE_MALE.replace("|Nam|", "|Nu|"), IdentityErrorCode.CCCD_SEX_INVALID),
        (LINE_MALE.replace("|Nam|", "|N|"), IdentityErrorCode.CCCD_SEX_INVALID),
        (LINE_MALE.replace("|Nam|", "||"), IdentityErrorCode.CCCD_SEX_INVALID),
        ("x" * (MAX_QR_CHARS + 1), IdentityErrorCode.CCCD_QR_TOO_LONG),
        (LINE_MALE + " " * (MAX_QR_CHARS + 1 - len(LINE_MALE)), IdentityErrorCode.CCCD_QR_TOO_LONG),
    ],
)
def test_refused_lines(text: str, code: IdentityErrorCode) -> None:
    with pytest.raises(IdentityError) as exc:
        parse_cccd_qr(text)
    assert _code(exc) is code
    assert isinstance(exc.value, ValueError)
    assert str(exc.value).startswith(f"{code}: ") and exc.value.message


def test_error_messages_do_not_repeat_personal_data() -> None:
    with pytest.raises(IdentityError) as exc:
        parse_cccd_qr(LINE_MALE.replace("079095012345", "0790950123"))
    assert "0790950123" not in str(exc.value) and "Nguyễn" not in str(exc.value)
    with pytest.raises(IdentityError) as exc:
        parse_cccd_qr(LINE_MALE.replace("15031995", "31021995"))
    assert "31021995" not in str(exc.value)


def test_non_text_is_caller_misuse() -> None:
    with pytest.raises(TypeError):
        parse_cccd_qr(LINE_MALE.encode())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("label", "sex"),
    [
        ("Nam", Sex.MALE),
        ("NAM", Sex.MALE),
        (" nam ", Sex.MALE),
        ("Nữ", Sex.FEMALE),
        ("NỮ", Sex.FEMALE),
        (unicodedata.normalize("NFD", "Nữ"), Sex.FEMALE),
    ],
)
def test_sex_labels(label: str, sex: Sex) -> None:
    assert Sex.from_label(label) is sex
    assert sex.label in ("Nam", "Nữ") and Sex.from_label(sex.label) is sex


# --- the ID number's structure ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("digit", "year", "sex"),
    [
        (0, 1950, Sex.MALE),
        (1, 1950, Sex.FEMALE),
        (2, 2005, Sex.MALE),
        (3, 2005, Sex.FEMALE),
        (4, 2150, Sex.MALE),
        (5, 2150, Sex.FEMALE),
        (6, 2250, Sex.MALE),
        (7, 2250, Sex.FEMALE),
        (8, 2350, Sex.MALE),
        (9, 2350, Sex.FEMALE),
    ],
)
def test_every_century_digit(digit: int, year: int, sex: Sex) -> None:
    id_number = f"001{digit}{year % 100:02d}123456"
    assert check_cccd_number(id_number, date(year, 6, 1), sex) == []
    assert check_cccd_number(
        id_number, date(year, 6, 1), Sex.MALE if sex is Sex.FEMALE else Sex.FEMALE
    ) == [CccdMismatch.SEX_MISMATCH]
    for other in range(10):  # any other digit disagrees on century, sex or both
        if other != digit:
            assert check_cccd_number(f"001{other}{year % 100:02d}123456", date(year, 6, 1), sex)


@pytest.mark.parametrize(
    ("id_number", "dob"),
    [
        ("001000123456", date(1900, 1, 1)),  # centuries run 1900-1999 (not 1901-2000)
        ("001099123456", date(1999, 12, 31)),
        ("001200123456", date(2000, 1, 1)),
        ("001299123456", date(2099, 12, 31)),
        ("001400123456", date(2100, 1, 1)),
        ("001899123456", date(2399, 12, 31)),
    ],
)
def test_century_boundaries(id_number: str, dob: date) -> None:
    assert check_cccd_number(id_number, dob, Sex.MALE) == []


@pytest.mark.parametrize(
    ("id_number", "dob", "sex", "expected"),
    [
        (
            "003095012345",
            date(1995, 3, 15),
            Sex.MALE,
            [CccdMismatch.PROVINCE_UNKNOWN],
        ),  # no unit 03
        ("097095012345", date(1995, 3, 15), Sex.MALE, [CccdMismatch.PROVINCE_UNKNOWN]),
        ("179095012345", date(1995, 3, 15), Sex.MALE, [CccdMismatch.PROVINCE_UNKNOWN]),
        ("079295012345", date(1995, 3, 15), Sex.MALE, [CccdMismatch.CENTURY_MISMATCH]),
        ("079095012345", date(2095, 3, 15), Sex.MALE, [CccdMismatch.CENTURY_MISMATCH]),
        (
            "079199012345",
            date(1899, 12, 31),
            Sex.FEMALE,
            [CccdMismatch.CENTURY_MISMATCH],
        ),  # no digit
        ("079095012345", date(1995, 3, 15), Sex.FEMALE, [CccdMismatch.SEX_MISMATCH]),
        ("079195012345", date(1995, 3, 15), Sex.MALE, [CccdMismatch.SEX_MISMATCH]),
        ("079096012345", date(1995, 3, 15), Sex.MALE, [CccdMismatch.BIRTH_YEAR_MISMATCH]),
        ("079095012345", date(1959, 3, 15), Sex.MALE, [CccdMismatch.BIRTH_YEAR_MISMATCH]),
        (
            "000395012345",
            date(1996, 3, 15),
            Sex.MALE,
            [
                CccdMismatch.PROVINCE_UNKNOWN,
                CccdMismatch.CENTURY_MISMATCH,
                CccdMismatch.SEX_MISMATCH,
                CccdMismatch.BIRTH_YEAR_MISMATCH,
            ],
        ),
    ],
)
def test_each_kind_of_mismatch(id_number: str, dob: date, sex: Sex, expected: list[str]) -> None:
    assert check_cccd_number(id_number, dob, sex) == expected
    assert all(isinstance(m, str) for m in expected)


@pytest.mark.parametrize(
    "bad", ["", "07909501234", "0790950123456", "07909501234a", "０７９０９５０１２３４５"]
)
def test_check_refuses_a_number_that_is_not_12_digits(bad: str) -> None:
    with pytest.raises(IdentityError) as exc:
        check_cccd_number(bad, date(1995, 3, 15), Sex.MALE)
    assert _code(exc) is IdentityErrorCode.CCCD_ID_INVALID


def test_parsed_card_with_inconsistent_id_still_parses_and_reports() -> None:
    card = parse_cccd_qr(LINE_MALE.replace("|Nam|", "|Nữ|"))
    assert card.sex is Sex.FEMALE
    assert card.mismatches() == [CccdMismatch.SEX_MISMATCH]


_provinces = st.sampled_from(admin_units.all_provinces())
_dobs = st.dates(min_value=date(1900, 1, 1), max_value=date(2399, 12, 31))
_serials = st.from_regex(r"[0-9]{6}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(_provinces, _dobs, st.sampled_from(Sex), _serials)
def test_built_ids_check_clean_and_a_changed_sex_is_reported(
    province: admin_units.Province, dob: date, sex: Sex, serial: str
) -> None:
    id_number = build_id(province.code, dob, sex, serial)
    assert check_cccd_number(id_number, dob, sex) == []
    other = Sex.MALE if sex is Sex.FEMALE else Sex.FEMALE
    assert check_cccd_number(id_number, dob, other) == [CccdMismatch.SEX_MISMATCH]


@settings(max_examples=200, deadline=None)
@given(_provinces, _dobs, st.sampled_from(Sex), _serials, st.integers(-600, 600).filter(bool))
def test_a_changed_birth_year_is_reported(
    province: admin_units.Province, dob: date, sex: Sex, serial: str, shift: int
) -> None:
    id_number = build_id(province.code, dob, sex, serial)
    year = dob.year + shift
    claimed = date(year, dob.month, min(dob.day, 28))
    expected = []
    if year // 100 != dob.year // 100:
        expected.append(CccdMismatch.CENTURY_MISMATCH)
    if year % 100 != dob.year % 100:
        expected.append(CccdMismatch.BIRTH_YEAR_MISMATCH)
    assert expected  # a different year differs in century, in YY, or both
    assert check_cccd_number(id_number, claimed, sex) == expected


_name_chars = st.sampled_from(
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ AĂÂĐÊÔƠƯ"
)


@settings(max_examples=200, deadline=None)
@given(
    _provinces,
    _dobs.filter(lambda d: d.year < 2100),
    st.sampled_from(Sex),
    _serials,
    st.text(_name_chars, min_size=1, max_size=40).filter(lambda s: s.strip()),
    st.sampled_from(["", "\r", "\n", "\r\n"]),
    st.booleans(),
)
def test_line_round_trip(
    province: admin_units.Province,
    dob: date,
    sex: Sex,
    serial: str,
    name: str,
    ending: str,
    nfd: bool,
) -> None:
    id_number = build_id(province.code, dob, sex, serial)
    line = f"{id_number}||{name}|{dob:%d%m%Y}|{sex.label}|Xã Tân Phú, {province.full_name_vi}|"
    if nfd:
        line = unicodedata.normalize("NFD", line)
    card = parse_cccd_qr(line + ending)
    assert card.id_number == id_number and card.old_id is None and card.issued_on is None
    assert card.full_name == normalise_name(name) and card.date_of_birth == dob and card.sex is sex
    assert card.address == f"Xã Tân Phú, {province.full_name_vi}"
    assert card.mismatches() == []


# --- names and other documents ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        (unicodedata.normalize("NFD", "Trần Thị Ngọc"), "Trần Thị Ngọc"),
        ("  Lê\t\tThị \u00a0 Hoa \r\n", "Lê Thị Hoa"),
        ("NGUYỄN văn AN", "NGUYỄN văn AN"),  # case kept as written
        ("   ", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    out = normalise_name(raw)
    assert out == expected
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (DocumentKind.CCCD, "079095012345", "079095012345"),
        (DocumentKind.CCCD, " 079 095 012345 ", "079095012345"),
        (DocumentKind.CCCD, "０７９０９５０１２３４５", "079095012345"),  # full-width digits
        (DocumentKind.CMND, "025123456", "025123456"),
        (DocumentKind.PASSPORT, "c1234567", "C1234567"),
        (DocumentKind.PASSPORT, "B12345", "B12345"),
        (DocumentKind.PASSPORT, "AB1234567", "AB1234567"),
        (DocumentKind.PASSPORT, "123456789", "123456789"),
        (DocumentKind.PASSPORT, " ea 1234 567 ", "EA1234567"),
    ],
)
def test_normalise_document(kind: DocumentKind, raw: str, expected: str) -> None:
    assert normalise_document(kind, raw) == expected
    assert IdDocument.of(kind, raw) == IdDocument(kind, expected)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (DocumentKind.CCCD, "07909501234"),
        (DocumentKind.CCCD, "0790950123456"),
        (DocumentKind.CCCD, "079-095-012345"),
        (DocumentKind.CCCD, "025123456"),
        (DocumentKind.CMND, "02512345"),
        (DocumentKind.CMND, "079095012345"),
        (DocumentKind.CMND, "02512345X"),
        (DocumentKind.PASSPORT, "B1234"),
        (DocumentKind.PASSPORT, "AB12345678"),
        (DocumentKind.PASSPORT, "AB-12345"),
        (DocumentKind.PASSPORT, "ÀB12345"),
        (DocumentKind.PASSPORT, "AB12ß34"),  # would upper-case to ASCII "SS"
        (DocumentKind.PASSPORT, ""),
    ],
)
def test_normalise_document_refuses(kind: DocumentKind, raw: str) -> None:
    with pytest.raises(IdentityError) as exc:
        normalise_document(kind, raw)
    assert _code(exc) is IdentityErrorCode.ID_FORMAT_INVALID
    assert kind.value in exc.value.message
