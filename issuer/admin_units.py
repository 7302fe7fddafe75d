"""Viet Nam's administrative units on three levels, from our file ``issuer/data/admin_units.json``.

Province level: the 63 first-level units as they stood from the merger of Hà Tây into Hà Nội
(1 August 2008) until Thừa Thiên Huế became a centrally-run city (1 January 2025), which covers
the whole vaccination campaign (2021-2023). District level (705 quận, huyện, thị xã, thành phố)
and commune level (10,598 phường, xã, thị trấn): the structure of early 2021. Every unit carries
its General Statistics Office (GSO) code (Decision 124/2004/QĐ-TTg, as amended), zero-padded as
the GSO writes it: province two digits, district three, commune five. District and commune codes
are unique nationwide, so a commune code alone names the commune, its district and its province.

Five districts have no commune level (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo):
`communes_of` answers an empty tuple for them, and None only for a code that names no district.

The first three digits of a citizen-ID (CCCD) number name where the birth was registered:
``"0"`` + the GSO code, ``001`` Hà Nội to ``096`` Cà Mau (Circular 07/2016/TT-BCA, Annex I).
Decree 137/2015/NĐ-CP Art. 13 also allows a *country* code there for births registered abroad;
we know of no published table of those codes we could rely on, so such prefixes are simply not
found here (callers treat them as "unknown province", which staff resolve against the registry).

The file is read once, lazily, through `importlib.resources` (it is package data of `issuer`),
and checked as it is read: codes of the right width, unique, every parent present, NFC names,
the expected counts.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any, Final, TypeVar

PROVINCE_COUNT: Final = 63
"""First-level units in the 2008-2024 structure: 58 provinces and 5 centrally-run cities."""

DISTRICT_COUNT: Final = 705
"""District-level units in the GSO list of early 2021."""

COMMUNE_COUNT: Final = 10_598
"""Commune-level units in the GSO list of early 2021."""

_FILE: Final = "issuer/data/admin_units.json"
_K = TypeVar("_K", bound=StrEnum)
_COLUMNS: Final = {
    "provinces": ["code", "kind", "vi", "en"],
    "districts": ["code", "province", "kind", "vi"],
    "communes": ["code", "district", "kind", "vi"],
}


class ProvinceKind(StrEnum):
    """The kind of a first-level administrative unit (Constitution 2013, Art. 110)."""

    PROVINCE = "province"
    MUNICIPALITY = "municipality"

    @property
    def label(self) -> str:
        """The Vietnamese name of the kind, for display."""
        return _KIND_LABELS[self]


class DistrictKind(StrEnum):
    """The kind of a district-level unit (Constitution 2013, Art. 110)."""

    URBAN_DISTRICT = "urban_district"
    RURAL_DISTRICT = "rural_district"
    TOWN = "town"
    CITY = "city"


class CommuneKind(StrEnum):
    """The kind of a commune-level unit (Constitution 2013, Art. 110)."""

    WARD = "ward"
    COMMUNE = "commune"
    TOWNSHIP = "township"


_KIND_LABELS: Final[Mapping[ProvinceKind, str]] = {
    ProvinceKind.PROVINCE: "tỉnh",
    ProvinceKind.MUNICIPALITY: "thành phố trực thuộc trung ương",
}

_TITLES: Final[Mapping[ProvinceKind | DistrictKind | CommuneKind, str]] = {
    ProvinceKind.PROVINCE: "Tỉnh",
    ProvinceKind.MUNICIPALITY: "Thành phố",
    DistrictKind.URBAN_DISTRICT: "Quận",
    DistrictKind.RURAL_DISTRICT: "Huyện",
    DistrictKind.TOWN: "Thị xã",
    DistrictKind.CITY: "Thành phố",
    CommuneKind.WARD: "Phường",
    CommuneKind.COMMUNE: "Xã",
    CommuneKind.TOWNSHIP: "Thị trấn",
}


@dataclass(frozen=True, slots=True)
class Province:
    """A province or centrally-run city.

    Attributes:
        code: the GSO two-digit code, e.g. ``"01"`` (Hà Nội) or ``"79"`` (Hồ Chí Minh).
        name_vi: the Vietnamese name without its title, NFC, e.g. ``"Thừa Thiên Huế"``.
        name_en: the same name without diacritics, e.g. ``"Thua Thien Hue"``.
        kind: province or centrally-run city.

    """

    code: str
    name_vi: str
    name_en: str
    kind: ProvinceKind

    @property
    def cccd_prefix(self) -> str:
        """The first three digits of a CCCD number registered here (Circular 07/2016/TT-BCA)."""
        return "0" + self.code

    @property
    def full_name_vi(self) -> str:
        """The titled Vietnamese name, e.g. ``"Tỉnh Lai Châu"``, ``"Thành phố Hồ Chí Minh"``."""
        return f"{_TITLES[self.kind]} {self.name_vi}"


@dataclass(frozen=True, slots=True)
class District:
    """A district-level unit: quận, huyện, thị xã or thành phố (thuộc tỉnh / thuộc thành phố).

    Attributes:
        code: the GSO three-digit code, e.g. ``"107"`` (Mường Tè).
        name_vi: the Vietnamese name without its title, NFC, as the GSO list spells it.
        kind: urban district (quận), rural district (huyện), town (thị xã) or city (thành phố).
        province_code: the GSO code of the province it belongs to, e.g. ``"12"``.

    """

    code: str
    name_vi: str
    kind: DistrictKind
    province_code: str

    @property
    def full_name_vi(self) -> str:
        """The titled Vietnamese name, e.g. ``"Huyện Mường Tè"``, ``"Quận 1"``."""
        return f"{_TITLES[self.kind]} {self.name_vi}"


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune-level unit: phường, xã or thị trấn.

    Attributes:
        code: the GSO five-digit code, e.g. ``"00001"`` (Phúc Xá).
        name_vi: the Vietnamese name without its title, NFC, as the GSO list spells it.
        kind: ward (phường), commune (xã) or township (thị trấn).
        district_code: the GSO code of the district it belongs to, e.g. ``"001"``.

    """

    code: str
    name_vi: str
    kind: CommuneKind
    district_code: str

    @property
    def full_name_vi(self) -> str:
        """The titled Vietnamese name, e.g. ``"Phường Phúc Xá"``, ``"Thị trấn Mường Tè"``."""
        return f"{_TITLES[self.kind]} {self.name_vi}"


@dataclass(frozen=True, slots=True)
class _Table:
    data_version: str
    provinces: Mapping[str, Province]
    districts: Mapping[str, District]
    communes: Mapping[str, Commune]
    districts_of: Mapping[str, tuple[District, ...]]
    communes_of: Mapping[str, tuple[Commune, ...]]


def _fail(level: str, what: str) -> RuntimeError:
    return RuntimeError(f"{_FILE}: {level}: {what}")


def _code(level: str, value: Any, width: int, units: Mapping[str, object]) -> str:
    if not (isinstance(value, str) and len(value) == width and value.isascii() and value.isdigit()):
        raise _fail(level, f"bad code {value!r}, expected {width} digits")
    if value in units:
        raise _fail(level, f"duplicate code {value}")
    return value


def _name(level: str, code: str, value: Any) -> str:
    if not (isinstance(value, str) and value and value == value.strip()):
        raise _fail(level, f"{code}: bad name {value!r}")
    if not unicodedata.is_normalized("NFC", value):
        raise _fail(level, f"{code}: name is not NFC")
    return value


def _kind(level: str, code: str, value: Any, kinds: type[_K]) -> _K:
    try:
        return kinds(value)
    except ValueError as e:
        raise _fail(level, f"{code}: unknown kind {value!r}") from e


def _parent(level: str, code: str, value: Any, parents: Mapping[str, object]) -> str:
    if value not in parents:
        raise _fail(level, f"{code}: no parent unit {value!r}")
    return str(value)


def _count(level: str, units: Mapping[str, object], expected: int) -> None:
    if len(units) != expected:
        raise _fail(level, f"{len(units)} units, expected {expected}")


@cache
def _table() -> _Table:
    # Package data only, through importlib.resources; parsed and checked once.
    raw = json.loads((files("issuer") / "data" / "admin_units.json").read_text(encoding="utf-8"))
    if raw["columns"] != _COLUMNS:
        raise RuntimeError(f"{_FILE}: columns {raw['columns']!r}, expected {_COLUMNS!r}")

    provinces: dict[str, Province] = {}
    for code, kind, vi, en in raw["provinces"]:
        p_code = _code("provinces", code, 2, provinces)
        provinces[p_code] = Province(
            code=p_code,
            name_vi=_name("provinces", p_code, vi),
            name_en=_name("provinces", p_code, en),
            kind=_kind("provinces", p_code, kind, ProvinceKind),
        )
    _count("provinces", provinces, PROVINCE_COUNT)

    districts: dict[str, District] = {}
    for code, parent, kind, vi in raw["districts"]:
        d_code = _code("districts", code, 3, districts)
        districts[d_code] = District(
            code=d_code,
            name_vi=_name("districts", d_code, vi),
            kind=_kind("districts", d_code, kind, DistrictKind),
            province_code=_parent("districts", d_code, parent, provinces),
        )
    _count("districts", districts, DISTRICT_COUNT)

    communes: dict[str, Commune] = {}
    for code, parent, kind, vi in raw["communes"]:
        c_code = _code("communes", code, 5, communes)
        communes[c_code] = Commune(
            code=c_code,
            name_vi=_name("communes", c_code, vi),
            kind=_kind("communes", c_code, kind, CommuneKind),
            district_code=_parent("communes", c_code, parent, districts),
        )
    _count("communes", communes, COMMUNE_COUNT)

    districts_of: dict[str, list[District]] = {code: [] for code in provinces}
    for d in sorted(districts.values(), key=lambda d: d.code):
        districts_of[d.province_code].append(d)
    communes_of: dict[str, list[Commune]] = {code: [] for code in districts}
    for c in sorted(communes.values(), key=lambda c: c.code):
        communes_of[c.district_code].append(c)
    return _Table(
        data_version=str(raw["data_version"]),
        provinces=provinces,
        districts=districts,
        communes=communes,
        districts_of={code: tuple(units) for code, units in districts_of.items()},
        communes_of={code: tuple(units) for code, units in communes_of.items()},
    )


def data_version() -> str:
    """The version label of the administrative-unit table, to record alongside data derived from it.

    Returns:
        The ``data_version`` of ``issuer/data/admin_units.json``, e.g. ``"vn-admin-units-2021.1"``.

    """
    return _table().data_version


def province(code: str) -> Province | None:
    """Look up a province or centrally-run city by its GSO two-digit code.

    Args:
        code: exactly two digits, e.g. ``"01"``; ``"1"`` is not accepted.

    Returns:
        The unit, or None when no unit has that code.

    """
    return _table().provinces.get(code)


def all_provinces() -> tuple[Province, ...]:
    """Every province and centrally-run city, in GSO code order.

    Returns:
        The 63 units.

    """
    return tuple(sorted(_table().provinces.values(), key=lambda p: p.code))


def province_by_cccd_prefix(ppp: str) -> Province | None:
    """Look up where a birth was registered from the first three digits of a CCCD number.

    The prefix is ``"0"`` + the GSO code (Circular 07/2016/TT-BCA, Annex I). Prefixes for
    births registered abroad (Decree 137/2015/NĐ-CP Art. 13) are not in our table.

    Args:
        ppp: exactly three digits, e.g. ``"079"``.

    Returns:
        The unit, or None when the prefix names none of the 63.

    """
    if len(ppp) != 3 or not ppp.startswith("0"):
        return None
    return province(ppp[1:])


def district(code: str) -> District | None:
    """Look up a district-level unit by its GSO three-digit code.

    Args:
        code: exactly three digits, e.g. ``"001"``; ``"1"`` is not accepted.

    Returns:
        The unit, or None when no unit has that code.

    """
    return _table().districts.get(code)


def commune(code: str) -> Commune | None:
    """Look up a commune-level unit by its GSO five-digit code.

    Args:
        code: exactly five digits, e.g. ``"00001"``; ``"1"`` is not accepted.

    Returns:
        The unit, or None when no unit has that code.

    """
    return _table().communes.get(code)


def districts_of(province_code: str) -> tuple[District, ...] | None:
    """The district-level units of a province, in GSO code order.

    Args:
        province_code: the province's GSO two-digit code, e.g. ``"12"``.

    Returns:
        The units, or None when no province has that code.

    """
    return _table().districts_of.get(province_code)


def communes_of(district_code: str) -> tuple[Commune, ...] | None:
    """The commune-level units of a district, in GSO code order.

    Args:
        district_code: the district's GSO three-digit code, e.g. ``"107"``.

    Returns:
        The units (none for the five districts without a commune level), or None when no
        district has that code.

    """
    return _table().communes_of.get(district_code)


def province_of_commune(code: str) -> Province | None:
    """The province a commune lies in, through its district.

    Args:
        code: the commune's GSO five-digit code, e.g. ``"03433"``.

    Returns:
        The province, or None when no commune has that code.

    """
    table = _table()
    found = table.communes.get(code)
    if found is None:
        return None
    return table.provinces[table.districts[found.district_code].province_code]
