"""Who is being vaccinated: the citizen-ID (CCCD) QR line and the other identity documents.

ARCHITECTURE §6. The QR on the back of a CCCD is one text line of ``|``-separated fields::

    ID (12 digits) | old CMND (9 digits, may be empty) | full name | date of birth DDMMYYYY
    | Nam/Nữ | address | issue date DDMMYYYY [| further fields on some cards]

The QR is unsigned, so what it says is only a claim: identity is *verified* against the resident
registry elsewhere. Here we parse it strictly but tolerantly (scanner line endings, BOM, NFD
text) and check the ID number's structure against the date of birth and sex.

The 12-digit number is ``PPP G YY NNNNNN`` (Decree 137/2015/NĐ-CP Art. 13, detailed by
Circular 07/2016/TT-BCA Art. 7): PPP = where the birth was registered (`issuer.admin_units`),
G = century and sex, YY = the last two digits of the birth year, then six random digits.

Pure domain code: no web framework, no database, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from issuer.admin_units import province_by_cccd_prefix

MAX_QR_CHARS: Final = 1000
"""Longest CCCD QR text we read; real lines are about 150-250 characters."""

_FIELD_SEPARATOR: Final = "|"
_MIN_FIELDS: Final = 5  # ID, old ID, name, date of birth, sex; address and issue date may lack
_DIGITS_12: Final = re.compile(r"[0-9]{12}")
_DIGITS_9_OR_12: Final = re.compile(r"[0-9]{9}(?:[0-9]{3})?")
_DATE: Final = re.compile(r"[0-9]{8}")
_WHITESPACE: Final = re.compile(r"\s+")
_BOM: Final = "\ufeff"


class IdentityErrorCode(StrEnum):
    """Stable reason codes for identity input we refuse; the values are a public contract."""

    CCCD_QR_MALFORMED = "CCCD_QR_MALFORMED"
    CCCD_QR_TOO_LONG = "CCCD_QR_TOO_LONG"
    CCCD_ID_INVALID = "CCCD_ID_INVALID"
    CCCD_DATE_INVALID = "CCCD_DATE_INVALID"
    CCCD_SEX_INVALID = "CCCD_SEX_INVALID"
    ID_FORMAT_INVALID = "ID_FORMAT_INVALID"


class IdentityError(ValueError):
    """Identity data that cannot be accepted: the fault lies with the card, scan or typing.

    Messages never repeat the personal data itself (they end up in logs).

    Attributes:
        code: the stable reason.
        message: what was wrong, for staff.

    """

    def __init__(self, code: IdentityErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Sex(StrEnum):
    """Sex as printed on the card; the values are storage codes, `label` the card's word."""

    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        """The Vietnamese word the CCCD prints: ``"Nam"`` or ``"Nữ"``."""
        return "Nam" if self is Sex.MALE else "Nữ"

    @classmethod
    def from_label(cls, text: str) -> Sex:
        """Read the card's word for sex (any case, NFC or NFD, surrounding spaces ignored).

        Args:
            text: ``"Nam"`` or ``"Nữ"``.

        Returns:
            The sex.

        Raises:
            IdentityError: CCCD_SEX_INVALID for any other text.

        """
        word = unicodedata.normalize("NFC", text).strip().casefold()
        for sex in cls:
            if word == sex.label.casefold():
                return sex
        raise IdentityError(IdentityErrorCode.CCCD_SEX_INVALID, "sex is neither 'Nam' nor 'Nữ'")


class CccdMismatch(StrEnum):
    """One way a CCCD number disagrees with the holder's date of birth and sex."""

    PROVINCE_UNKNOWN = "PROVINCE_UNKNOWN"
    CENTURY_MISMATCH = "CENTURY_MISMATCH"
    SEX_MISMATCH = "SEX_MISMATCH"
    BIRTH_YEAR_MISMATCH = "BIRTH_YEAR_MISMATCH"


class DocumentKind(StrEnum):
    """The identity documents a person can be registered with (ARCHITECTURE §6)."""

    CCCD = "cccd"  # citizen identity card: 12 digits
    CMND = "cmnd"  # the older people's identity card: 9 digits
    PASSPORT = "passport"  # foreigners: 6-9 letters and digits


@dataclass(frozen=True, slots=True)
class IdDocument:
    """An identity document, its number already normalised by `normalise_document`.

    Attributes:
        kind: which document.
        number: the normalised number.

    """

    kind: DocumentKind
    number: str

    @classmethod
    def of(cls, kind: DocumentKind, number: str) -> IdDocument:
        """Build a document from a number as typed or scanned.

        Args:
            kind: which document.
            number: the number as entered.

        Returns:
            The document with its number normalised.

        Raises:
            IdentityError: ID_FORMAT_INVALID when the number has the wrong form for `kind`.

        """
        return cls(kind, normalise_document(kind, number))


@dataclass(frozen=True, slots=True)
class CitizenCard:
    """What a CCCD QR says about its holder (a claim, verified elsewhere).

    Attributes:
        id_number: the 12-digit personal identification number.
        old_id: the previous CMND number (9 digits, or 12 for the 2012-2016 CMND), or None.
        full_name: the name as printed, NFC, whitespace collapsed, case kept.
        date_of_birth: the date of birth.
        sex: the sex.
        address: the place of permanent residence, NFC, whitespace collapsed ("" if absent).
        issued_on: the card's issue date, or None when the line does not carry it.

    """

    id_number: str
    old_id: str | None
    full_name: str
    date_of_birth: date
    sex: Sex
    address: str
    issued_on: date | None

    @property
    def document(self) -> IdDocument:
        """The card as an identity document."""
        return IdDocument(DocumentKind.CCCD, self.id_number)

    def mismatches(self) -> list[str]:
        """Check the ID number against the card's own date of birth and sex.

        Returns:
            As `check_cccd_number`: empty when consistent.

        """
        return check_cccd_number(self.id_number, self.date_of_birth, self.sex)


def normalise_name(name: str) -> str:
    """Normalise a person's name for storage and comparison, keeping it as written.

    NFC (Vietnamese text often arrives decomposed), whitespace runs collapsed to one space,
    ends stripped. Case is kept: ``"NGUYỄN Văn An"`` stays so.

    Args:
        name: the name as scanned or typed.

    Returns:
        The normalised name (possibly empty).

    """
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", name)).strip()


def parse_cccd_qr(text: str) -> CitizenCard:
    """Parse the text of the QR code on a CCCD.

    Tolerates a leading BOM, surrounding whitespace and the CR, LF or CRLF scanners append,
    and NFD text. Fields after the issue date are ignored; a line may end after the sex.

    Args:
        text: the decoded QR text.

    Returns:
        The card's contents.

    Raises:
        TypeError: when `text` is not a str (caller misuse).
        IdentityError: CCCD_QR_TOO_LONG above `MAX_QR_CHARS` characters; CCCD_QR_MALFORMED
            for fewer than five fields, line breaks or control characters inside the line,
            or an empty name; CCCD_ID_INVALID when the ID is not 12 digits or the old ID not
            9 or 12; CCCD_DATE_INVALID for a date that is not a real DDMMYYYY date or an
            issue date before the birth; CCCD_SEX_INVALID when sex is neither Nam nor Nữ.

    """
    if not isinstance(text, str):
        raise TypeError(f"CCCD QR text must be str, not {type(text).__name__}")
    if len(text) > MAX_QR_CHARS:
        raise IdentityError(
            IdentityErrorCode.CCCD_QR_TOO_LONG,
            f"QR text has {len(text)} characters, at most {MAX_QR_CHARS} accepted",
        )
    line = unicodedata.normalize("NFC", text.strip().lstrip(_BOM).strip())
    if any(unicodedata.category(ch) == "Cc" for ch in line):
        raise IdentityError(
            IdentityErrorCode.CCCD_QR_MALFORMED,
            "QR text has a line break or control character inside; expected one line",
        )
    fields = [f.strip() for f in line.split(_FIELD_SEPARATOR)]
    if len(fields) < _MIN_FIELDS:
        raise IdentityError(
            IdentityErrorCode.CCCD_QR_MALFORMED,
            f"QR text has {len(fields)} '|'-separated fields, expected at least {_MIN_FIELDS}",
        )
    id_number, old_id, raw_name, raw_dob, raw_sex = fields[:_MIN_FIELDS]
    if not _DIGITS_12.fullmatch(id_number):
        raise IdentityError(
            IdentityErrorCode.CCCD_ID_INVALID,
            f"ID field has {len(id_number)} characters, expected 12 digits",
        )
    if old_id and not _DIGITS_9_OR_12.fullmatch(old_id):
        raise IdentityError(
            IdentityErrorCode.CCCD_ID_INVALID,
            f"old ID field has {len(old_id)} characters, expected 9 or 12 digits or nothing",
        )
    full_name = normalise_name(raw_name)
    if not full_name:
        raise IdentityError(IdentityErrorCode.CCCD_QR_MALFORMED, "name field is empty")
    date_of_birth = _parse_date(raw_dob, "date of birth")
    sex = Sex.from_label(raw_sex)
    address = normalise_name(fields[5]) if len(fields) > 5 else ""
    issued_on = _parse_date(fields[6], "issue date") if len(fields) > 6 and fields[6] else None
    if issued_on is not None and issued_on < date_of_birth:
        raise IdentityError(
            IdentityErrorCode.CCCD_DATE_INVALID, "issue date is before the date of birth"
        )
    return CitizenCard(
        id_number=id_number,
        old_id=old_id or None,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=address,
        issued_on=issued_on,
    )


def _parse_date(field: str, what: str) -> date:
    if not _DATE.fullmatch(field):
        raise IdentityError(
            IdentityErrorCode.CCCD_DATE_INVALID, f"{what} is not 8 digits (DDMMYYYY)"
        )
    try:
        return date(int(field[4:]), int(field[2:4]), int(field[:2]))
    except ValueError as e:
        raise IdentityError(
            IdentityErrorCode.CCCD_DATE_INVALID, f"{what} is not a real date (DDMMYYYY)"
        ) from e


# Circular 07/2016/TT-BCA Art. 7 (structure of the personal identification number), century
# and sex digit: 20th century (1900-1999) male 0 / female 1; 21st (2000-2099) 2 / 3;
# 22nd (2100-2199) 4 / 5; 23rd (2200-2299) 6 / 7; 24th (2300-2399) 8 / 9.
# So the digit is 2 * (year // 100 - 19) + (1 if female else 0); centuries run 1900-1999.
_FIRST_ENCODED_YEAR: Final = 1900
_LAST_ENCODED_YEAR: Final = 2399


def check_cccd_number(id_number: str, date_of_birth: date, sex: Sex) -> list[str]:
    """Check a CCCD number's structure against its holder's date of birth and sex.

    Args:
        id_number: the 12-digit number.
        date_of_birth: the holder's date of birth.
        sex: the holder's sex.

    Returns:
        The disagreements as `CccdMismatch` values, in the order province, century, sex, birth
        year; empty when the number is consistent. ``PROVINCE_UNKNOWN`` also covers births
        registered abroad, whose country codes we do not know (see `issuer.admin_units`).
        A birth year outside 1900-2399, which no digit encodes, is a ``CENTURY_MISMATCH``.

    Raises:
        IdentityError: CCCD_ID_INVALID when `id_number` is not 12 digits.

    """
    if not _DIGITS_12.fullmatch(id_number):
        raise IdentityError(
            IdentityErrorCode.CCCD_ID_INVALID,
            f"ID has {len(id_number)} characters, expected 12 digits",
        )
    mismatches: list[str] = []
    if province_by_cccd_prefix(id_number[:3]) is None:
        mismatches.append(CccdMismatch.PROVINCE_UNKNOWN)
    digit = int(id_number[3])
    year = date_of_birth.year
    encodable = _FIRST_ENCODED_YEAR <= year <= _LAST_ENCODED_YEAR
    if not encodable or digit // 2 != year // 100 - 19:
        mismatches.append(CccdMismatch.CENTURY_MISMATCH)
    if (digit % 2 == 1) != (sex is Sex.FEMALE):
        mismatches.append(CccdMismatch.SEX_MISMATCH)
    if int(id_number[4:6]) != year % 100:
        mismatches.append(CccdMismatch.BIRTH_YEAR_MISMATCH)
    return mismatches


_DOCUMENT_FORMS: Final = {
    DocumentKind.CCCD: (re.compile(r"[0-9]{12}"), "12 digits"),
    DocumentKind.CMND: (re.compile(r"[0-9]{9}"), "9 digits"),
    DocumentKind.PASSPORT: (re.compile(r"[A-Za-z0-9]{6,9}"), "6 to 9 letters and digits"),
}


def normalise_document(kind: DocumentKind, number: str) -> str:
    """Normalise and validate an identity-document number as typed or scanned.

    NFKC (full-width digits become ASCII), all whitespace removed, letters upper-cased.

    Args:
        kind: which document.
        number: the number as entered.

    Returns:
        The normalised number: 12 digits (CCCD), 9 digits (CMND), or 6-9 upper-case ASCII
        letters and digits (PASSPORT).

    Raises:
        IdentityError: ID_FORMAT_INVALID when the number has the wrong form for `kind`.

    """
    form, expected = _DOCUMENT_FORMS[kind]
    compact = _WHITESPACE.sub("", unicodedata.normalize("NFKC", number))
    if not compact.isascii() or not form.fullmatch(compact):
        raise IdentityError(
            IdentityErrorCode.ID_FORMAT_INVALID,
            f"{kind.value} number has {len(compact)} characters, expected {expected}",
        )
    return compact.upper()
