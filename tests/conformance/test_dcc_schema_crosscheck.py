"""Our DCC validator (hcert.dcc) against jsonschema with the official schema: they must agree.

The reference is `jsonschema` (Draft 2020-12) with the upstream ``DCC.combined-schema.json``
1.3.x and jsonschema's FormatChecker. Decision on formats: we pass the FormatChecker, so
``format: date`` is checked (a real ``YYYY-MM-DD``, exactly our rule); ``format: date-time`` is
checked by jsonschema only when the optional ``rfc3339-validator`` is installed, which is not one
of our dependencies, so `sc` is ours alone (see DISAGREEMENTS). On JSON input we are never more
lenient than the schema; where we are stricter, the reason is listed in DISAGREEMENTS and
re-derived independently by `why_stricter` for every hypothesis-generated disagreement.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from hcert import dcc
from hcert.errors import SchemaError
from tests.conftest import CONFORMANCE, require_conformance

SCHEMA_DIR = CONFORMANCE / "dcc-schema"
FILES = (
    sorted(
        str(p.relative_to(SCHEMA_DIR))
        for pattern in ("examples/**/*.json", "test/valid/*.json", "test/invalid/*.json")
        for p in SCHEMA_DIR.glob(pattern)
    )
    if SCHEMA_DIR.exists()
    else ["(dcc-schema absent)"]
)
JS_CHECKS_DATE_TIME = "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers

# Where each upstream invalid file must fail in our validator.
INVALID_PATHS = {
    "test/invalid/empty.json": "v",  # "v": [] breaks minItems 1
    "test/invalid/invalid_dob.json": "dob",  # 1809 is before 1900
    "test/invalid/invalid_dob2.json": "dob",  # 2100 is after 2099
    "test/invalid/invalid_vac.json": "v/0/dn",  # dn 0 breaks minimum 1
    "test/invalid/missing_dob.json": "dob",
    "test/invalid/missing_fnt_gnt.json": "nam",  # person_name needs fnt or gnt
}
# Upstream "valid" files that RFC 3339 (jsonschema's date-time, when it checks it) rejects:
# their sc offsets are ISO 8601 but not RFC 3339. We accept them, as upstream intends.
NOT_RFC3339 = {"test/valid/T-rat-dates1.json": "+02", "test/valid/T-rat-dates2.json": "+0200"}


@cache
def validator() -> Draft202012Validator:
    path = require_conformance("dcc-schema", "DCC.combined-schema.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def ours(obj: object) -> SchemaError | None:
    try:
        dcc.parse_dcc(obj)
    except SchemaError as e:
        return e
    return None


# -- the facts our code hard-codes are still the schema's


def test_schema_facts_we_implement() -> None:
    require_conformance("dcc-schema")
    schema = validator().schema
    assert isinstance(schema, dict)
    assert schema["$comment"].startswith("Schema version 1.3.")
    assert "additionalProperties" not in json.dumps(schema)  # unknown properties are allowed
    defs, props = schema["$defs"], schema["properties"]
    assert [r["required"] for r in schema["oneOf"]] == [["ver", "nam", "dob", k] for k in "vtr"]
    assert props["ver"]["pattern"] == r"^\d+.\d+.\d+$"
    assert props["dob"]["pattern"] == r"^((19|20)\d\d(-\d\d){0,2}){0,1}$"
    for kind in "vtr":
        assert (props[kind]["minItems"], props[kind]["maxItems"]) == (1, 1)
    name = defs["person_name"]
    assert name["anyOf"] == [{"required": ["fnt"]}, {"required": ["gnt"]}]
    assert {k: v.get("maxLength") for k, v in name["properties"].items()} == dict.fromkeys(
        ("fn", "fnt", "gn", "gnt"), 80
    )
    assert name["properties"]["fnt"]["pattern"] == name["properties"]["gnt"]["pattern"]
    assert name["properties"]["fnt"]["pattern"] == "^[A-Z<]*$"
    assert defs["dose_posint"] == {**defs["dose_posint"], "type": "integer", "minimum": 1}
    assert "maximum" not in defs["dose_posint"]
    assert defs["issuer"]["maxLength"] == defs["certificate_id"]["maxLength"] == 80
    assert defs["country_vt"]["pattern"] == "[A-Z]{1,10}"
    entries = {k[0]: defs[f"{k}_entry"] for k in ("vaccination", "test", "recovery")}
    assert entries["v"]["required"] == ["tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci"]
    assert entries["t"]["required"] == ["tg", "tt", "sc", "tr", "co", "is", "ci"]
    assert entries["r"]["required"] == ["tg", "fr", "co", "is", "df", "du", "ci"]
    formats = {
        f"{k}/{f}": p["format"]
        for k, e in entries.items()
        for f, p in e["properties"].items()
        if "format" in p
    }
    assert formats == {
        "v/dt": "date", "t/sc": "date-time", "r/fr": "date", "r/df": "date", "r/du": "date"
    }  # fmt: skip
    assert entries["t"]["properties"]["nm"]["maxLength"] == 80
    assert entries["t"]["properties"]["tc"]["maxLength"] == 80


# -- every upstream example and test file


@pytest.mark.parametrize("rel", FILES)
def test_upstream_file(rel: str) -> None:
    require_conformance("dcc-schema")
    obj = json.loads(require_conformance("dcc-schema", rel).read_text(encoding="utf-8"))
    expected_valid = not rel.startswith("test/invalid/")
    expected_js = expected_valid and not (JS_CHECKS_DATE_TIME and rel in NOT_RFC3339)
    assert validator().is_valid(obj) is expected_js
    err = ours(obj)
    if expected_valid:
        assert err is None, str(err)
        assert dcc.to_json_obj(dcc.parse_dcc(obj)) == obj
    else:
        assert err is not None and err.path == INVALID_PATHS[rel], str(err)


# -- intentional disagreements: we are stricter than the schema's letter


def why_stricter(path: str, value: object) -> str | None:
    """Why we reject `value` at `path` when the schema accepts it, or None if we should not."""
    key = path.rsplit("/", 1)[-1]
    if not isinstance(value, str):
        return None
    if key == "sc" and not JS_CHECKS_DATE_TIME:
        return "jsonschema checks format date-time only with rfc3339-validator (not installed)"
    if value.endswith("\n") and key in ("ver", "dob", "fnt", "gnt"):
        return "Python's $ matches before a final newline; we match the whole string"
    if re.search(r"[^\x00-\x7f]", value) and key in ("ver", "dob"):
        return "Python's \\d matches any Unicode digit; we take ASCII digits only"
    if key == "ver" and not re.fullmatch(r"[0-9]+[.][0-9]+[.][0-9]+", value):
        return "the schema's '.' is unescaped; we require literal dots"
    if key == "co" and not re.fullmatch(r"[A-Z]{1,10}", value):
        return "the schema's [A-Z]{1,10} is unanchored; we match the whole string"
    if key == "dob":
        m = re.fullmatch(r"[0-9]{4}(?:-([0-9]{2})(?:-([0-9]{2}))?)?", value)
        if m and m[1] and not 1 <= int(m[1]) <= 12:
            return "the pattern does not check the calendar: no month 00 or 13"
        if m and m[2]:
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                return "the pattern does not check the calendar: no 30 February"
    return None


VAX: dict[str, Any] = {
    "ver": "1.3.0",
    "nam": {"fnt": "DO", "gnt": "NGOC<VINH"},
    "dob": "1990-05-31",
    "v": [
        {
            "tg": "840539006", "vp": "29061000087103", "mp": "EU/1/21/1529",
            "ma": "ORG-100001699", "dn": 1, "sd": 2, "dt": "2021-09-14", "co": "VN",
            "is": "Ministry of Health of Viet Nam", "ci": "URN:UVCI:01:VN:1",
        }
    ],
}  # fmt: skip
TEST = {
    **{k: VAX[k] for k in ("ver", "nam", "dob")},
    "t": [
        {
            "tg": "840539006", "tt": "LP6464-4", "sc": "2021-11-02T08:15:00Z", "tr": "260415000",
            "co": "VN", "is": "Ministry of Health of Viet Nam", "ci": "URN:UVCI:01:VN:2",
        }
    ],
}  # fmt: skip
REC = {
    **{k: VAX[k] for k in ("ver", "nam", "dob")},
    "r": [
        {
            "tg": "840539006", "fr": "2021-08-01", "co": "VN",
            "is": "Ministry of Health of Viet Nam", "df": "2021-08-12", "du": "2022-01-28",
            "ci": "URN:UVCI:01:VN:3",
        }
    ],
}  # fmt: skip
BASES = {"v": VAX, "t": TEST, "r": REC}

DISAGREEMENTS = [
    (VAX, "ver", "1x3y0"),
    (VAX, "ver", "1.3.0\n"),
    (VAX, "ver", "١.٣.٠"),
    (VAX, "dob", "1963-00"),  # NL vectors use it; not a calendar month
    (VAX, "dob", "1990-13"),
    (VAX, "dob", "1990-02-30"),
    (VAX, "dob", "1990\n"),
    (VAX, "dob", "19٩٠"),
    (VAX, "nam/fnt", "DO\n"),
    (VAX, "nam/gnt", "NGOC\n"),
    (VAX, "v/0/co", "Viet Nam"),
    (VAX, "v/0/co", "ABCDEFGHIJK"),
    (TEST, "t/0/sc", "2021-11-02T08:15:00"),
    (TEST, "t/0/sc", "2021-11-02"),
    (TEST, "t/0/sc", "yesterday"),
]


def edit(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    obj = copy.deepcopy(base)
    *parents, last = path.split("/")
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value
    return obj


@pytest.mark.parametrize(
    ("base", "path", "value"), DISAGREEMENTS, ids=[f"{p}={v!r}" for _, p, v in DISAGREEMENTS]
)
def test_intentional_disagreement(base: dict[str, Any], path: str, value: str) -> None:
    obj = edit(base, path, value)
    js_checks = path.endswith("sc") and JS_CHECKS_DATE_TIME
    assert validator().is_valid(obj) is not js_checks
    err = ours(obj)
    assert err is not None and err.path == path
    assert js_checks or why_stricter(path, value) is not None


# -- hypothesis: valid payloads agree and round-trip; mutated payloads agree up to DISAGREEMENTS

text80 = st.text(max_size=80)
icao = st.from_regex(r"[A-Z<]{0,80}", fullmatch=True)
full_date = st.dates().map(datetime.date.isoformat)
dob = st.one_of(
    st.just(""),
    st.builds(
        lambda d, n: d.isoformat()[:n],
        st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)),
        st.sampled_from([4, 7, 10]),
    ),
)
date_time = st.builds(
    lambda d, frac, off: d.strftime("%Y-%m-%dT%H:%M:%S") + frac + off,
    st.datetimes(datetime.datetime(1000, 1, 1), datetime.datetime(9999, 12, 31)),
    st.sampled_from(["", ".5", ".123456"]),
    st.sampled_from(["Z", "+07:00", "+0700", "+07", "-03:30", "+00:00"])
    if not JS_CHECKS_DATE_TIME
    else st.sampled_from(["Z", "+07:00", "-03:30"]),
)
country = st.from_regex(r"[A-Z]{1,10}", fullmatch=True)
posint = st.one_of(st.integers(1, 20), st.integers(1, 2**70))
extra = {"x-extra": st.integers(), "dr": st.text(max_size=5)}  # unknown keys are allowed


def group(entry: dict[str, Any], optional: dict[str, Any] | None = None) -> Any:
    return st.fixed_dictionaries(entry, optional={**(optional or {}), **extra}).map(lambda e: [e])


vaccination = group(
    {"tg": st.text(), "vp": st.text(), "mp": st.text(), "ma": st.text(), "dn": posint,
     "sd": posint, "dt": full_date, "co": country, "is": text80, "ci": text80}
)  # fmt: skip
test_entry = group(
    {"tg": st.text(), "tt": st.text(), "sc": date_time, "tr": st.text(), "co": country,
     "is": text80, "ci": text80},
    {"nm": text80, "ma": st.text(), "tc": text80},
)  # fmt: skip
recovery = group(
    {"tg": st.text(), "fr": full_date, "co": country, "is": text80, "df": full_date,
     "du": full_date, "ci": text80}
)  # fmt: skip
name = st.one_of(
    st.fixed_dictionaries({"fnt": icao}, optional={"fn": text80, "gn": text80, "gnt": icao}),
    st.fixed_dictionaries({"gnt": icao}, optional={"fn": text80, "gn": text80, **extra}),
)
valid_payloads = st.sampled_from("vtr").flatmap(
    lambda kind: st.fixed_dictionaries(
        {
            "ver": st.from_regex(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", fullmatch=True),
            "nam": name,
            "dob": dob,
            kind: {"v": vaccination, "t": test_entry, "r": recovery}[kind],
        },
        optional=extra,
    )
)
KNOWN = {"ver", "nam", "dob", "v", "t", "r", "fn", "gn", "fnt", "gnt", "tg", "vp", "mp", "ma", "dn"}
KNOWN |= {"sd", "dt", "co", "is", "ci", "tt", "nm", "sc", "tr", "tc", "fr", "df", "du"}


def without_unknown(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: without_unknown(v) for k, v in obj.items() if k in KNOWN}
    if isinstance(obj, list):
        return [without_unknown(v) for v in obj]
    return obj


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(valid_payloads)
def test_generated_valid_payloads_agree_and_round_trip(obj: dict[str, Any]) -> None:
    require_conformance("dcc-schema")
    assert validator().is_valid(obj), obj
    payload = dcc.parse_dcc(obj)
    assert dcc.to_json_obj(payload) == without_unknown(obj)
    assert dcc.parse_dcc(dcc.to_json_obj(payload)) == payload


TRICKY = [
    "", "1990", "1990-05", "1990-05-31", "1990-13", "1963-00", "1990-02-30", "1990-5-1",
    "1899", "2100", "1990\n", "١٩٩٠", "2021-09-14", "2021-02-29", "٢٠٢١-٠٩-١٤",
    "2021-09-14T08:15:00Z", "2021-09-14T08:15:00", "2021-09-14T08:15:00+07", "NL", "nl",
    "UNHCR", "ABCDEFGHIJK", "Viet Nam", "A" * 80, "A" * 81, "1.3.0", "1x3y0", "1.3", "DO<NGOC",
    "Do", "DO\n", "ĐỖ",
]  # fmt: skip
nasty = st.one_of(  # half the time a string that sits on a rule's edge
    st.sampled_from(TRICKY),
    st.one_of(
        st.none(), st.booleans(), st.integers(-2, 12), st.floats(), st.text(max_size=90),
        st.lists(st.just("A"), max_size=2),
        st.dictionaries(st.sampled_from(["fnt", "gnt", "x"]), st.just("A"), max_size=2),
    ),
)  # fmt: skip


PATTERN_FIELDS = {"ver", "dob", "fnt", "gnt", "co", "sc", "dt", "fr", "df", "du"}


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    )
    for k, v in items:
        out.append((*prefix, k))
        out.extend(paths(v, (*prefix, k)))
    return out


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    obj: Any = copy.deepcopy(draw(valid_payloads))
    op = draw(
        st.sampled_from(["edge", "edge", "replace", "replace", "delete", "add_group", "grow"])
    )
    kind = next(k for k in "vtr" if k in obj)
    if op == "add_group":
        other = draw(st.sampled_from([k for k in "vtr" if k != kind]))
        obj[other] = copy.deepcopy(BASES[other][other])
        return obj
    if op == "grow":
        obj[kind].append(copy.deepcopy(obj[kind][0]))
        return obj
    candidates = paths(obj)
    if op == "edge":  # a pattern or format field gets a string on some rule's edge
        candidates = [p for p in candidates if p[-1] in PATTERN_FIELDS]
    path = draw(st.sampled_from(candidates))
    node = obj
    for part in path[:-1]:
        node = node[part]
    if op == "delete":
        del node[path[-1]]
    else:
        node[path[-1]] = draw(st.sampled_from(TRICKY) if op == "edge" else nasty)
    return obj


@SETTINGS
@given(mutated_payloads())
def test_generated_mutated_payloads_agree(obj: Any) -> None:
    require_conformance("dcc-schema")
    js_valid = validator().is_valid(obj)
    err = ours(obj)
    if js_valid == (err is None):
        return
    assert err is not None, f"we accept what the schema rejects: {obj!r}"
    node: Any = obj
    for part in err.path.split("/"):  # "" (the payload itself) leads nowhere: not a listed reason
        node = node[int(part)] if isinstance(node, list) else node.get(part)
    reason = why_stricter(err.path, node)
    assert reason is not None, f"we reject what the schema accepts, with no listed reason: {err}"
