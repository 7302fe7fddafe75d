"""issuer.admin_units: our table of provinces, districts and communes, and its lookups."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from issuer import admin_units
from issuer.admin_units import (
    Commune,
    CommuneKind,
    District,
    DistrictKind,
    Province,
    ProvinceKind,
)

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


def _raw() -> dict[str, Any]:
    text = (files("issuer") / "data" / "admin_units.json").read_text(encoding="utf-8")
    raw: dict[str, Any] = json.loads(text)
    return raw


def test_data_file_is_package_data_with_a_version() -> None:
    raw = _raw()
    assert raw["data_version"] == admin_units.data_version() == "vn-admin-units-2021.1"
    assert len(raw["provinces"]) == 63
    assert len(raw["districts"]) == 705 == admin_units.DISTRICT_COUNT
    assert len(raw["communes"]) == 10_598 == admin_units.COMMUNE_COUNT
    assert {row[1] for row in raw["provinces"]} == {k.value for k in ProvinceKind}
    assert {row[2] for row in raw["districts"]} == {k.value for k in DistrictKind}
    assert {row[2] for row in raw["communes"]} == {k.value for k in CommuneKind}


def _all_districts() -> Iterator[District]:
    for p in admin_units.all_provinces():
        found = admin_units.districts_of(p.code)
        assert found is not None
        yield from found


def _all_communes() -> Iterator[Commune]:
    for d in _all_districts():
        found = admin_units.communes_of(d.code)
        assert found is not None
        yield from found


def test_the_tree_reaches_every_unit_once_and_every_row_of_the_file() -> None:
    districts = list(_all_districts())
    communes = list(_all_communes())
    assert len(districts) == len({d.code for d in districts}) == 705
    assert len(communes) == len({c.code for c in communes}) == 10_598
    raw = _raw()
    assert {d.code for d in districts} == {row[0] for row in raw["districts"]}
    assert {c.code for c in communes} == {row[0] for row in raw["communes"]}
    # the GSO's own totals by kind for early 2021
    assert Counter(d.kind for d in districts) == {
        DistrictKind.RURAL_DISTRICT: 524,
        DistrictKind.CITY: 83,
        DistrictKind.TOWN: 52,
        DistrictKind.URBAN_DISTRICT: 46,
    }
    assert Counter(c.kind for c in communes) == {
        CommuneKind.COMMUNE: 8207,
        CommuneKind.WARD: 1771,
        CommuneKind.TOWNSHIP: 620,
    }


def test_every_unit_has_its_parent_and_codes_have_the_gso_widths() -> None:
    for p in admin_units.all_provinces():
        districts = admin_units.districts_of(p.code)
        assert districts is not None
        assert [d.code for d in districts] == sorted(d.code for d in districts)
        assert all(d.province_code == p.code for d in districts)
    raw = _raw()
    for code, province_code, _kind, _name in raw["districts"]:
        d = admin_units.district(code)
        assert d is not None and d.province_code == province_code
        assert admin_units.province(d.province_code) is not None, code
        assert len(code) == 3 and code.isascii() and code.isdigit()
    for code, district_code, _kind, _name in raw["communes"]:
        c = admin_units.commune(code)
        assert c is not None and c.district_code == district_code
        d = admin_units.district(c.district_code)
        assert d is not None, code
        assert admin_units.province_of_commune(code) == admin_units.province(d.province_code)
        assert len(code) == 5 and code.isascii() and code.isdigit()


def test_lai_chau_and_its_eight_districts() -> None:
    districts = admin_units.districts_of("12")
    assert districts is not None
    assert {d.full_name_vi for d in districts} == {
        "Thành phố Lai Châu",
        "Huyện Phong Thổ",
        "Huyện Sìn Hồ",
        "Huyện Mường Tè",
        "Huyện Tam Đường",
        "Huyện Than Uyên",
        "Huyện Tân Uyên",
        "Huyện Nậm Nhùn",
    }
    assert admin_units.district("107") == District(
        "107", "Mường Tè", DistrictKind.RURAL_DISTRICT, "12"
    )
    # the township that is the district's seat shares its name
    assert admin_units.commune("03433") == Commune("03433", "Mường Tè", CommuneKind.TOWNSHIP, "107")
    lai_chau = admin_units.province_of_commune("03433")
    assert lai_chau is not None and lai_chau.name_vi == "Lai Châu"


def test_ha_noi_and_ho_chi_minh_city_district_level() -> None:
    ha_noi = admin_units.districts_of("01")
    assert ha_noi is not None
    assert Counter(d.kind for d in ha_noi) == {
        DistrictKind.URBAN_DISTRICT: 12,
        DistrictKind.TOWN: 1,
        DistrictKind.RURAL_DISTRICT: 17,
    }
    hcmc = admin_units.districts_of("79")
    assert hcmc is not None
    assert Counter(d.kind for d in hcmc) == {
        DistrictKind.URBAN_DISTRICT: 16,
        DistrictKind.CITY: 1,  # Thủ Đức, a city inside the city since 1 January 2021
        DistrictKind.RURAL_DISTRICT: 5,
    }
    assert admin_units.province_of_commune("00001") == admin_units.province("01")


@pytest.mark.parametrize(
    ("code", "full_name"),
    [
        ("001", "Quận Ba Đình"),
        ("760", "Quận 1"),
        ("269", "Thị xã Sơn Tây"),
        ("769", "Thành phố Thủ Đức"),
        ("973", "Huyện Ngọc Hiển"),
        ("00001", "Phường Phúc Xá"),
        ("19780", "Phường Phường Đúc"),  # Huế: the ward's name is "Phường Đúc"
        ("32248", "Xã Đất Mũi"),
        ("03433", "Thị trấn Mường Tè"),
    ],
)
def test_full_names_are_rebuilt_from_kind_and_name(code: str, full_name: str) -> None:
    unit = admin_units.district(code) if len(code) == 3 else admin_units.commune(code)
    assert unit is not None and unit.full_name_vi == full_name


_TITLES = ("Quận ", "Huyện ", "Thị xã ", "Thành phố ", "Phường ", "Xã ", "Thị trấn ")


def test_names_are_nfc_and_stored_without_their_title() -> None:
    units: list[District | Commune] = [*_all_districts(), *_all_communes()]
    for u in units:
        assert unicodedata.normalize("NFC", u.name_vi) == u.name_vi, u.code
        assert u.name_vi == u.name_vi.strip() and u.name_vi, u.code
    titled = [u.full_name_vi for u in units if u.name_vi.startswith(_TITLES)]
    assert titled == ["Phường Phường Đúc"]


def test_the_five_districts_without_a_commune_level() -> None:
    empty = {
        d.code: d.full_name_vi for d in _all_districts() if admin_units.communes_of(d.code) == ()
    }
    assert empty == {
        "318": "Huyện Bạch Long Vĩ",
        "471": "Huyện Cồn Cỏ",
        "498": "Huyện Hoàng Sa",
        "536": "Huyện Lý Sơn",
        "755": "Huyện Côn Đảo",
    }
    truong_sa = admin_units.communes_of("576")
    assert truong_sa is not None
    assert [c.full_name_vi for c in truong_sa] == [
        "Thị trấn Trường Sa",
        "Xã Song Tử Tây",
        "Xã Sinh Tồn",
    ]


@pytest.mark.parametrize("code", ["", "0", "1", "01", "000", "999", "0001", "107 ", "1O7"])
def test_unknown_district_codes(code: str) -> None:
    assert admin_units.district(code) is None
    assert admin_units.communes_of(code) is None


@pytest.mark.parametrize("code", ["", "1", "0001", "00000", "99999", "000001", "03433\n", "107"])
def test_unknown_commune_codes(code: str) -> None:
    assert admin_units.commune(code) is None
    assert admin_units.province_of_commune(code) is None


@pytest.mark.parametrize("code", ["", "1", "03", "28", "001", "107"])
def test_unknown_province_has_no_districts(code: str) -> None:
    assert admin_units.districts_of(code) is None


# -- the load-time checks refuse a broken file ---------------------------------------------------


@pytest.fixture
def broken_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A copy of the data file to break; the module reads it instead of the packaged one."""
    raw = _raw()
    (tmp_path / "data").mkdir()
    monkeypatch.setattr(admin_units, "files", lambda _package: tmp_path)
    admin_units._table.cache_clear()
    yield raw
    admin_units._table.cache_clear()


def _load(tmp: Path, raw: dict[str, Any]) -> None:
    (tmp / "data" / "admin_units.json").write_text(json.dumps(raw), encoding="utf-8")
    admin_units.data_version()


def _duplicate_commune(raw: dict[str, Any]) -> None:
    raw["communes"][1][0] = raw["communes"][0][0]


def _orphan_commune(raw: dict[str, Any]) -> None:
    raw["communes"][0][1] = "999"


def _district_of_no_province(raw: dict[str, Any]) -> None:
    raw["districts"][0][1] = "03"


def _nfd_name(raw: dict[str, Any]) -> None:
    raw["districts"][0][3] = unicodedata.normalize("NFD", "Ba Đình")


def _unpadded_code(raw: dict[str, Any]) -> None:
    raw["districts"][0][0] = "1"


def _unknown_kind(raw: dict[str, Any]) -> None:
    raw["communes"][0][2] = "village"


def _missing_commune(raw: dict[str, Any]) -> None:
    del raw["communes"][-1]


def _reordered_columns(raw: dict[str, Any]) -> None:
    raw["columns"]["communes"] = ["code", "kind", "district", "vi"]


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (_duplicate_commune, "communes: duplicate code 00001"),
        (_orphan_commune, "communes: 00001: no parent unit '999'"),
        (_district_of_no_province, "districts: 001: no parent unit '03'"),
        (_nfd_name, "districts: 001: name is not NFC"),
        (_unpadded_code, "districts: bad code '1', expected 3 digits"),
        (_unknown_kind, "communes: 00001: unknown kind 'village'"),
        (_missing_commune, "communes: 10597 units, expected 10598"),
        (_reordered_columns, "columns"),
    ],
)
def test_a_broken_data_file_is_refused_when_loaded(
    broken_table: dict[str, Any],
    tmp_path: Path,
    break_it: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    _load(tmp_path, broken_table)  # the unbroken copy loads
    admin_units._table.cache_clear()
    break_it(broken_table)
    with pytest.raises(RuntimeError, match=f"issuer/data/admin_units.json: {message}"):
        _load(tmp_path, broken_table)
