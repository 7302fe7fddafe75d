"""issuer.admin_units: our table of the 63 provinces and its CCCD-prefix lookup."""

from __future__ import annotations

import json
import unicodedata
from importlib.resources import files

import pytest

from issuer import admin_units
from issuer.admin_units import Province, ProvinceKind

MUNICIPALITIES = {
    "01": "Hà Nội",
    "31": "Hải Phòng",
    "48": "Đà Nẵng",
    "79": "Hồ Chí Minh",
    "92": "Cần Thơ",
}


def _fold(text: str) -> str:
    """Vietnamese without diacritics (đ does not decompose, so map it first)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_exactly_63_units_with_unique_two_digit_codes_in_order() -> None:
    units = admin_units.all_provinces()
    codes = [p.code for p in units]
    assert len(units) == 63 == admin_units.PROVINCE_COUNT
    assert len(set(codes)) == 63
    assert codes == sorted(codes)
    assert all(len(c) == 2 and c.isascii() and c.isdigit() for c in codes)
    assert codes[0] == "01" and codes[-1] == "96"


@pytest.mark.parametrize(
    ("code", "name_vi", "name_en", "kind"),
    [
        ("01", "Hà Nội", "Ha Noi", ProvinceKind.MUNICIPALITY),
        ("02", "Hà Giang", "Ha Giang", ProvinceKind.PROVINCE),
        ("04", "Cao Bằng", "Cao Bang", ProvinceKind.PROVINCE),
        ("12", "Lai Châu", "Lai Chau", ProvinceKind.PROVINCE),
        ("46", "Thừa Thiên Huế", "Thua Thien Hue", ProvinceKind.PROVINCE),  # a city only from 2025
        ("48", "Đà Nẵng", "Da Nang", ProvinceKind.MUNICIPALITY),
        ("66", "Đắk Lắk", "Dak Lak", ProvinceKind.PROVINCE),
        ("77", "Bà Rịa - Vũng Tàu", "Ba Ria - Vung Tau", ProvinceKind.PROVINCE),
        ("79", "Hồ Chí Minh", "Ho Chi Minh", ProvinceKind.MUNICIPALITY),
        ("96", "Cà Mau", "Ca Mau", ProvinceKind.PROVINCE),
    ],
)
def test_spot_checks(code: str, name_vi: str, name_en: str, kind: ProvinceKind) -> None:
    assert admin_units.province(code) == Province(code, name_vi, name_en, kind)


def test_the_five_centrally_run_cities() -> None:
    cities = {
        p.code: p.name_vi
        for p in admin_units.all_provinces()
        if p.kind is ProvinceKind.MUNICIPALITY
    }
    assert cities == MUNICIPALITIES
    hcmc = admin_units.province("79")
    assert hcmc is not None and hcmc.full_name_vi == "Thành phố Hồ Chí Minh"
    lai_chau = admin_units.province("12")
    assert lai_chau is not None and lai_chau.full_name_vi == "Tỉnh Lai Châu"
    assert ProvinceKind.MUNICIPALITY.label == "thành phố trực thuộc trung ương"
    assert ProvinceKind.PROVINCE.label == "tỉnh"


def test_names_are_nfc_and_the_english_name_is_the_folded_vietnamese() -> None:
    for p in admin_units.all_provinces():
        assert unicodedata.normalize("NFC", p.name_vi) == p.name_vi, p.code
        assert p.name_en.isascii(), p.code
        assert p.name_en == _fold(p.name_vi), p.code
    assert len({p.name_vi for p in admin_units.all_provinces()}) == 63


def test_codes_that_do_not_exist() -> None:
    # 03, 28 (Hà Tây, merged into Hà Nội in 2008) and 97 are not units; "1" is not a code.
    for code in ("03", "28", "97", "00", "1", "001", "", "O1"):
        assert admin_units.province(code) is None, code


@pytest.mark.parametrize(
    ("ppp", "code"), [("001", "01"), ("079", "79"), ("012", "12"), ("046", "46"), ("096", "96")]
)
def test_cccd_prefix_is_zero_plus_the_gso_code(ppp: str, code: str) -> None:
    found = admin_units.province_by_cccd_prefix(ppp)
    assert found is not None and found.code == code and found.cccd_prefix == ppp


@pytest.mark.parametrize("ppp", ["000", "003", "028", "097", "101", "179", "79", "0079", "", "0a1"])
def test_unknown_cccd_prefixes(ppp: str) -> None:
    assert admin_units.province_by_cccd_prefix(ppp) is None


def test_every_unit_round_trips_through_its_prefix() -> None:
    for p in admin_units.all_provinces():
        assert admin_units.province_by_cccd_prefix(p.cccd_prefix) == p


def test_data_file_is_package_data_with_a_version() -> None:
    raw = json.loads((files("issuer") / "data" / "provinces.json").read_text(encoding="utf-8"))
    assert raw["data_version"] == admin_units.data_version() == "vn-provinces-2021.1"
    assert len(raw["provinces"]) == 63
    assert {row["kind"] for row in raw["provinces"]} == {k.value for k in ProvinceKind}
