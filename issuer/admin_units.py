"""Viet Nam's provinces and centrally-run cities, from our data file ``issuer/data/provinces.json``.

The table is the 63 first-level administrative units as they stood from the merger of Hà Tây
into Hà Nội (1 August 2008) until Thừa Thiên Huế became a centrally-run city (1 January 2025),
which covers the whole vaccination campaign (2021-2023). Each unit carries its General
Statistics Office (GSO) two-digit code (Decision 124/2004/QĐ-TTg, as amended).

The first three digits of a citizen-ID (CCCD) number name where the birth was registered:
``"0"`` + the GSO code, ``001`` Hà Nội to ``096`` Cà Mau (Circular 07/2016/TT-BCA, Annex I).
Decree 137/2015/NĐ-CP Art. 13 also allows a *country* code there for births registered abroad;
we know of no published table of those codes we could rely on, so such prefixes are simply not
found here (callers treat them as "unknown province", which staff resolve against the registry).

The file is read once, lazily, through `importlib.resources` (it is package data of `issuer`).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Final

PROVINCE_COUNT: Final = 63
"""First-level units in the 2008-2024 structure: 58 provinces and 5 centrally-run cities."""


class ProvinceKind(StrEnum):
    """The kind of a first-level administrative unit (Constitution 2013, Art. 110)."""

    PROVINCE = "province"
    MUNICIPALITY = "municipality"

    @property
    def label(self) -> str:
        """The Vietnamese name of the kind, for display."""
        return _KIND_LABELS[self]


_KIND_LABELS: Final[Mapping[ProvinceKind, str]] = {
    ProvinceKind.PROVINCE: "tỉnh",
    ProvinceKind.MUNICIPALITY: "thành phố trực thuộc trung ương",
}

_KIND_TITLES: Final[Mapping[ProvinceKind, str]] = {
    ProvinceKind.PROVINCE: "Tỉnh",
    ProvinceKind.MUNICIPALITY: "Thành phố",
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
        return f"{_KIND_TITLES[self.kind]} {self.name_vi}"


@dataclass(frozen=True, slots=True)
class _Table:
    data_version: str
    by_code: Mapping[str, Province]


@cache
def _table() -> _Table:
    # Package data only, through importlib.resources; parsed once.
    resource = files("issuer") / "data" / "provinces.json"
    raw = json.loads(resource.read_text(encoding="utf-8"))
    by_code: dict[str, Province] = {}
    for row in raw["provinces"]:
        p = Province(
            code=str(row["code"]),
            name_vi=str(row["vi"]),
            name_en=str(row["en"]),
            kind=ProvinceKind(row["kind"]),
        )
        # Our own file must be well formed: two ASCII digits, unique, NFC names.
        if len(p.code) != 2 or not p.code.isascii() or not p.code.isdigit():
            raise RuntimeError(f"issuer/data/provinces.json: bad code {p.code!r}")
        if p.code in by_code:
            raise RuntimeError(f"issuer/data/provinces.json: duplicate code {p.code}")
        if unicodedata.normalize("NFC", p.name_vi) != p.name_vi:
            raise RuntimeError(f"issuer/data/provinces.json: {p.code} name is not NFC")
        by_code[p.code] = p
    if len(by_code) != PROVINCE_COUNT:
        raise RuntimeError(f"issuer/data/provinces.json: {len(by_code)} units, expected 63")
    return _Table(data_version=str(raw["data_version"]), by_code=by_code)


def data_version() -> str:
    """The version label of the province table, to record alongside data derived from it.

    Returns:
        The ``data_version`` of ``issuer/data/provinces.json``, e.g. ``"vn-provinces-2021.1"``.

    """
    return _table().data_version


def province(code: str) -> Province | None:
    """Look up a province or centrally-run city by its GSO two-digit code.

    Args:
        code: exactly two digits, e.g. ``"01"``; ``"1"`` is not accepted.

    Returns:
        The unit, or None when no unit has that code.

    """
    return _table().by_code.get(code)


def all_provinces() -> tuple[Province, ...]:
    """Every province and centrally-run city, in GSO code order.

    Returns:
        The 63 units.

    """
    return tuple(sorted(_table().by_code.values(), key=lambda p: p.code))


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
