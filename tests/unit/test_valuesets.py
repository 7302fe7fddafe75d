"""hcert.valuesets: lookups, our data file's consistency, and a cross-check with the EU sets."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from hcert import valuesets
from tests.conftest import require_conformance

# The products Viet Nam used, with the facts we issue: (mp, ma, vp, primary-series doses).
VIETNAM_PRODUCTS = [
    ("EU/1/21/1529", "ORG-100001699", "29061000087103", 2),  # Vaxzevria
    ("Covishield", "ORG-100001981", "29061000087103", 2),
    ("EU/1/20/1528", "ORG-100030215", "1119349007", 2),  # Comirnaty
    ("EU/1/20/1507", "ORG-100031184", "1119349007", 2),  # Spikevax
    ("EU/1/20/1525", "ORG-100001417", "29061000087103", 1),  # Jcovden (Janssen)
    ("Sputnik-V", "Gamaleya-Research-Institute", "29061000087103", 2),
    ("BBIBP-CorV", "ORG-100020693", "1157024006", 2),  # Sinopharm Vero Cell
    ("Hayat-Vax", "ORG-100023050", "1157024006", 2),
    ("Abdala", "CIGB", "28531000087107", 3),
    ("Covaxin", "Bharat-Biotech", "1157024006", 2),
    ("CoronaVac", "Sinovac-Biotech", "1157024006", 2),
    ("EU/1/21/1618", "ORG-100032020", "1162643001", 2),  # Nuvaxovid
]


@pytest.mark.parametrize(("mp", "ma", "vp", "doses"), VIETNAM_PRODUCTS)
def test_vietnam_products(mp: str, ma: str, vp: str, doses: int) -> None:
    product = valuesets.vaccine_product(mp)
    assert product is not None
    assert (product.code, product.manufacturer, product.prophylaxis) == (mp, ma, vp)
    assert product.primary_series_doses == doses
    assert product.name_vi.startswith("Vắc xin ") and product.name_en
    maker = valuesets.manufacturer(ma)
    assert maker is not None and maker.code == ma and maker.name
    assert valuesets.vaccine_prophylaxis(vp) is not None


def test_display_names() -> None:
    vaxzevria = valuesets.vaccine_product("EU/1/21/1529")
    assert vaxzevria is not None
    assert "Vaxzevria" in vaxzevria.name_en and "AstraZeneca" in vaxzevria.name_vi
    sinopharm = valuesets.vaccine_product("BBIBP-CorV")
    assert sinopharm is not None and sinopharm.name_vi == "Vắc xin Vero Cell (Sinopharm)"


def test_unknown_codes_are_none() -> None:
    assert valuesets.vaccine_product("Nanocovax") is None  # Viet Nam's own, never in the EU set
    assert valuesets.vaccine_product("eu/1/21/1529") is None  # codes are case-sensitive
    assert valuesets.manufacturer("ORG-000") is None
    assert valuesets.vaccine_prophylaxis("1") is None
    assert valuesets.disease_agent("1") is None
    assert valuesets.lab_test_type("1") is None
    assert valuesets.lab_test_result("1") is None


def test_simple_sets() -> None:
    covid = valuesets.disease_agent(valuesets.DISEASE_COVID19)
    assert covid is not None and covid.name_en == "COVID-19"
    naat = valuesets.lab_test_type("LP6464-4")
    rat = valuesets.lab_test_type("LP217198-3")
    assert naat is not None and "RT-PCR" in naat.name_en
    assert rat is not None and rat.name_vi == "Xét nghiệm nhanh kháng nguyên"
    negative = valuesets.lab_test_result("260415000")
    positive = valuesets.lab_test_result("260373001")
    assert negative is not None and negative.name_vi == "Âm tính"
    assert positive is not None and positive.name_vi == "Dương tính"


def test_all_products_are_ours_and_self_consistent() -> None:
    products = valuesets.all_vaccine_products()
    assert [p.code for p in products] == [row[0] for row in VIETNAM_PRODUCTS]
    for p in products:
        assert valuesets.manufacturer(p.manufacturer) is not None, p.code
        assert valuesets.vaccine_prophylaxis(p.prophylaxis) is not None, p.code
        assert p.primary_series_doses in (1, 2, 3), p.code
    makers = valuesets.all_manufacturers()
    assert len({m.code for m in makers}) == len(makers)
    assert {m.code for m in makers} == {p.manufacturer for p in products}


def test_loaded_once() -> None:
    assert valuesets.vaccine_product("Abdala") is valuesets.vaccine_product("Abdala")
    assert valuesets.all_vaccine_products()[0] is valuesets.vaccine_product("EU/1/21/1529")


# -- cross-check against the EU value sets (../shared/conformance/dcc-valuesets)


def eu_set(name: str) -> dict[str, Any]:
    path: Path = require_conformance("dcc-valuesets", f"{name}.json")
    values: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["valueSetValues"]
    return values


def test_products_exist_in_eu_set_and_are_active() -> None:
    eu = eu_set("vaccine-medicinal-product")
    for p in valuesets.all_vaccine_products():
        assert p.code in eu, p.code
        assert eu[p.code]["active"] is True, p.code


def test_manufacturers_exist_in_eu_set_with_the_same_name() -> None:
    eu = eu_set("vaccine-mah-manf")
    for m in valuesets.all_manufacturers():
        assert m.code in eu, m.code
        assert eu[m.code]["display"] == m.name, m.code


# our data file's sections and the EU value set each one draws from
SECTIONS = {
    "disease_agent_targeted": "disease-agent-targeted",
    "vaccine_prophylaxis": "vaccine-prophylaxis",
    "manufacturers": "vaccine-mah-manf",
    "vaccine_products": "vaccine-medicinal-product",
    "test_types": "test-type",
    "test_results": "test-result",
}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_code_in_our_file_exists_in_the_eu_set(section: str) -> None:
    ours = json.loads((files("hcert") / "data" / "valuesets.json").read_text(encoding="utf-8"))
    eu = eu_set(SECTIONS[section])
    codes = [row["code"] for row in ours[section]]
    assert codes and len(set(codes)) == len(codes), section
    missing = [code for code in codes if code not in eu]
    assert not missing, f"{section}: not in the EU value set: {missing}"


def test_small_sets_are_complete() -> None:
    for lookup, name in [
        (valuesets.disease_agent, "disease-agent-targeted"),
        (valuesets.lab_test_type, "test-type"),
        (valuesets.lab_test_result, "test-result"),
        (valuesets.vaccine_prophylaxis, "vaccine-prophylaxis"),
    ]:
        assert all(lookup(code) is not None for code in eu_set(name)), name


def test_products_follow_eu_encoding_instructions() -> None:
    # vaccine-encoding-instructions: the ma and the vp codes to issue with each product.
    instructions = {
        row["vaccine-code"]: row for row in eu_set("vaccine-encoding-instructions").values()
    }
    for p in valuesets.all_vaccine_products():
        row = instructions[p.code]
        assert row["vaccine-manufacturer"] == p.manufacturer, p.code
        assert p.prophylaxis in row["sct-codes"], p.code
