"""The DCC value sets we need, from our own package data file ``hcert/data/valuesets.json``.

The codes are those of the EU eHealth Network "Value Sets for Digital COVID Certificates"
(v1.14, 2023-01-25, sections 2.1-2.9) and its vaccine encoding instructions: the products Viet
Nam used, their marketing-authorisation holders (`ma`), the vaccine type (`vp`), the disease
(`tg`), test types (`tt`) and test results (`tr`). English names follow the EU displays,
Vietnamese names are ours. The file is read once, lazily, through `importlib.resources`.

Value sets are *not* enforced by the JSON schema (it only names them in `valueset-uri`), so
`hcert.dcc.parse_dcc` accepts any string in these fields; these lookups serve issuing, display
and business rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Final

DISEASE_COVID19: Final = "840539006"
"""`tg` for COVID-19 (SNOMED CT 840539006, value set 2.1)."""


@dataclass(frozen=True, slots=True)
class Concept:
    """One coded value of a simple value set (`tg`, `vp`, `tt`, `tr`).

    Attributes:
        code: the code as it appears in a DCC.
        name_en: English display.
        name_vi: Vietnamese display.

    """

    code: str
    name_en: str
    name_vi: str


@dataclass(frozen=True, slots=True)
class Manufacturer:
    """A marketing-authorisation holder or, lacking one, the manufacturer (`ma`, value set 2.4).

    Attributes:
        code: the code as it appears in a DCC (an EMA SPOR organisation id or a name code).
        name: the organisation's name.

    """

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class VaccineProduct:
    """A vaccine medicinal product (`mp`, value set 2.3) with what we issue alongside it.

    Attributes:
        code: the `mp` code (an EU authorisation number such as ``EU/1/21/1529`` or a name code).
        name_en: English name.
        name_vi: Vietnamese name.
        manufacturer: the `ma` code to issue with this product (vaccine encoding instructions).
        prophylaxis: the `vp` code to issue with this product (vaccine encoding instructions).
        primary_series_doses: doses in the primary series (the usual `sd` of a primary dose).

    """

    code: str
    name_en: str
    name_vi: str
    manufacturer: str
    prophylaxis: str
    primary_series_doses: int


@dataclass(frozen=True, slots=True)
class _Tables:
    disease_agents: Mapping[str, Concept]
    prophylaxis: Mapping[str, Concept]
    manufacturers: Mapping[str, Manufacturer]
    products: Mapping[str, VaccineProduct]
    test_types: Mapping[str, Concept]
    test_results: Mapping[str, Concept]


def _concepts(rows: list[dict[str, Any]]) -> dict[str, Concept]:
    return {r["code"]: Concept(str(r["code"]), str(r["en"]), str(r["vi"])) for r in rows}


@cache
def _tables() -> _Tables:
    # Package data only, through importlib.resources (hcert/README.md); parsed once.
    raw = json.loads((files("hcert") / "data" / "valuesets.json").read_text(encoding="utf-8"))
    products = {
        r["code"]: VaccineProduct(
            code=str(r["code"]),
            name_en=str(r["en"]),
            name_vi=str(r["vi"]),
            manufacturer=str(r["ma"]),
            prophylaxis=str(r["vp"]),
            primary_series_doses=int(r["doses"]),
        )
        for r in raw["vaccine_products"]
    }
    manufacturers = {
        r["code"]: Manufacturer(str(r["code"]), str(r["name"])) for r in raw["manufacturers"]
    }
    prophylaxis = _concepts(raw["vaccine_prophylaxis"])
    for p in products.values():  # our own file must be self-consistent
        if p.manufacturer not in manufacturers or p.prophylaxis not in prophylaxis:
            raise RuntimeError(f"hcert/data/valuesets.json: {p.code} refers to unknown codes")
    return _Tables(
        disease_agents=_concepts(raw["disease_agent_targeted"]),
        prophylaxis=prophylaxis,
        manufacturers=manufacturers,
        products=products,
        test_types=_concepts(raw["test_types"]),
        test_results=_concepts(raw["test_results"]),
    )


def vaccine_product(code: str) -> VaccineProduct | None:
    """Look up a vaccine medicinal product by its `mp` code.

    Args:
        code: the `mp` code, e.g. ``"EU/1/21/1529"`` or ``"BBIBP-CorV"``.

    Returns:
        The product, or None when it is not one we know.

    """
    return _tables().products.get(code)


def all_vaccine_products() -> tuple[VaccineProduct, ...]:
    """Every vaccine product we know, in the order of the data file.

    Returns:
        The products.

    """
    return tuple(_tables().products.values())


def manufacturer(code: str) -> Manufacturer | None:
    """Look up a marketing-authorisation holder or manufacturer by its `ma` code.

    Args:
        code: the `ma` code, e.g. ``"ORG-100001699"``.

    Returns:
        The organisation, or None when it is not one we know.

    """
    return _tables().manufacturers.get(code)


def all_manufacturers() -> tuple[Manufacturer, ...]:
    """Every manufacturer we know, in the order of the data file.

    Returns:
        The manufacturers.

    """
    return tuple(_tables().manufacturers.values())


def vaccine_prophylaxis(code: str) -> Concept | None:
    """Look up a vaccine type by its `vp` code (value set 2.2).

    Args:
        code: the `vp` code, e.g. ``"1119349007"`` (mRNA vaccine).

    Returns:
        The concept, or None when unknown.

    """
    return _tables().prophylaxis.get(code)


def disease_agent(code: str) -> Concept | None:
    """Look up a targeted disease by its `tg` code (value set 2.1).

    Args:
        code: the `tg` code; only ``"840539006"`` (COVID-19) exists.

    Returns:
        The concept, or None when unknown.

    """
    return _tables().disease_agents.get(code)


def lab_test_type(code: str) -> Concept | None:
    """Look up a test type by its `tt` code (value set 2.7, LOINC).

    Args:
        code: ``"LP6464-4"`` (NAAT, e.g. RT-PCR) or ``"LP217198-3"`` (rapid antigen test).

    Returns:
        The concept, or None when unknown.

    """
    return _tables().test_types.get(code)


def lab_test_result(code: str) -> Concept | None:
    """Look up a test result by its `tr` code (value set 2.9, SNOMED CT).

    Args:
        code: ``"260415000"`` (not detected) or ``"260373001"`` (detected).

    Returns:
        The concept, or None when unknown.

    """
    return _tables().test_results.get(code)
