"""hcert.dcc: one good and one bad case per schema rule, the JSON shape, the builder."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcert import dcc
from hcert.certtype import CertType
from hcert.errors import ErrorCode, SchemaError

# Our own sample payloads (a Vietnamese vaccination, a test, a recovery), not upstream files.
UVCI = "URN:UVCI:01:VN:7A1F0C3B9E2D4F6A8B0C1D2E3F4A5B6C"
VAX: dict[str, Any] = {
    "ver": "1.3.0",
    "nam": {"fn": "Đỗ", "fnt": "DO", "gn": "Ngọc Vĩnh", "gnt": "NGOC<VINH"},
    "dob": "1990-05-31",
    "v": [
        {
            "tg": "840539006", "vp": "29061000087103", "mp": "EU/1/21/1529",
            "ma": "ORG-100001699", "dn": 2, "sd": 2, "dt": "2021-09-14", "co": "VN",
            "is": "Ministry of Health of Viet Nam", "ci": UVCI,
        }
    ],
}  # fmt: skip
TEST: dict[str, Any] = {
    "ver": "1.3.0",
    "nam": {"fnt": "NGUYEN", "gnt": "VAN<AN"},
    "dob": "1985",
    "t": [
        {
            "tg": "840539006", "tt": "LP6464-4", "nm": "Real-time RT-PCR",
            "sc": "2021-11-02T08:15:00+07:00", "tr": "260415000", "tc": "CDC Ha Noi", "co": "VN",
            "is": "Ministry of Health of Viet Nam", "ci": UVCI,
        }
    ],
}  # fmt: skip
REC: dict[str, Any] = {
    "ver": "1.3.0",
    "nam": {"gnt": "LAN"},
    "dob": "2001-02",
    "r": [
        {
            "tg": "840539006", "fr": "2021-08-01", "co": "VN",
            "is": "Ministry of Health of Viet Nam", "df": "2021-08-12", "du": "2022-01-28",
            "ci": UVCI,
        }
    ],
}  # fmt: skip
BASES = {"v": VAX, "t": TEST, "r": REC}


def edit(base: dict[str, Any], path: str, value: Any = ...) -> dict[str, Any]:
    """A deep copy of `base` with `path` (``v/0/dn``) set to `value`, or deleted if omitted."""
    obj = copy.deepcopy(base)
    *parents, last = path.split("/")
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return obj


def rejects(obj: object, path: str) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        dcc.parse_dcc(obj)
    err = info.value
    assert err.code is ErrorCode.SCHEMA_INVALID
    assert err.path == path, str(err)
    assert "got " in err.message and ", expected " in err.message, err.message
    return err


def field(payload: dcc.DccPayload, path: str) -> Any:
    """The parsed value at a JSON path such as ``v/0/dn`` or ``nam/fnt``."""
    parts = path.split("/")
    if parts[0] == "nam":
        return getattr(payload.nam, parts[1])
    if parts[0] in BASES:
        return getattr(payload.entry, "is_" if parts[2] == "is" else parts[2])
    return getattr(payload, parts[0])


# -- the three sample payloads parse, type and round-trip


@pytest.mark.parametrize("kind", ["v", "t", "r"])
def test_samples_parse_and_round_trip(kind: str) -> None:
    payload = dcc.parse_dcc(BASES[kind])
    assert payload.cert_type is CertType(kind)
    assert payload.uvci == UVCI
    assert dcc.to_json_obj(payload) == BASES[kind]
    assert dcc.parse_dcc(dcc.to_json_obj(payload)) == payload


def test_vaccination_fields_are_typed() -> None:
    payload = dcc.parse_dcc(VAX)
    assert payload.nam == dcc.Name(fn="Đỗ", gn="Ngọc Vĩnh", fnt="DO", gnt="NGOC<VINH")
    assert payload.entry == dcc.Vaccination(
        tg="840539006", vp="29061000087103", mp="EU/1/21/1529", ma="ORG-100001699", dn=2, sd=2,
        dt="2021-09-14", co="VN", is_="Ministry of Health of Viet Nam", ci=UVCI,
    )  # fmt: skip


def test_payload_is_frozen() -> None:
    payload = dcc.parse_dcc(VAX)
    with pytest.raises(AttributeError):
        payload.dob = "2000"  # type: ignore[misc]


def test_optional_test_fields_absent_are_none_and_omitted() -> None:
    payload = dcc.parse_dcc(edit(edit(TEST, "t/0/nm"), "t/0/tc"))
    assert isinstance(payload.entry, dcc.Test)
    assert (payload.entry.nm, payload.entry.ma, payload.entry.tc) == (None, None, None)
    assert set(dcc.to_json_obj(payload)["t"][0]) == {"tg", "tt", "sc", "tr", "co", "is", "ci"}


def test_unknown_properties_are_allowed_and_dropped() -> None:
    # The schema has no additionalProperties: false (old `dr`, vendor extensions).
    obj = edit(edit(edit(TEST, "t/0/dr", "2021-11-02T09:00:00Z"), "x-extra", [1]), "nam/mn", "X")
    assert dcc.to_json_obj(dcc.parse_dcc(obj)) == TEST


# -- the payload: object, exactly one of v/t/r, one entry


@pytest.mark.parametrize("obj", [None, [], "HC1:", 42])
def test_payload_must_be_an_object(obj: object) -> None:
    rejects(obj, "")


@pytest.mark.parametrize("kinds", [(), ("v", "t"), ("v", "r"), ("t", "r"), ("v", "t", "r")])
def test_exactly_one_of_v_t_r(kinds: tuple[str, ...]) -> None:
    obj = {k: VAX[k] for k in ("ver", "nam", "dob")}
    for k in kinds:
        obj[k] = BASES[k][k]
    err = rejects(obj, "")
    assert "exactly one of v, t or r" in err.message


def test_null_extra_group_counts_as_present() -> None:
    # BG 1/2 carry "t": null and "r": null next to "v": present is present (schema oneOf).
    rejects(edit(VAX, "t", None), "")


@pytest.mark.parametrize(
    ("group", "path"),
    [([], "v"), ([VAX["v"][0], VAX["v"][0]], "v"), ({"0": VAX["v"][0]}, "v"), (None, "v"),
     (["x"], "v/0"), ([None], "v/0")],
)  # fmt: skip
def test_group_is_an_array_of_exactly_one_object(group: object, path: str) -> None:
    rejects(edit(VAX, "v", group), path)


def test_group_may_be_a_tuple() -> None:
    assert dcc.parse_dcc(edit(VAX, "v", tuple(VAX["v"]))) == dcc.parse_dcc(VAX)


# -- required fields: every one, in every kind

REQUIRED = [
    *(("v", p) for p in ("ver", "nam", "dob")),
    *(("v", f"v/0/{k}") for k in ("tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci")),
    *(("t", f"t/0/{k}") for k in ("tg", "tt", "sc", "tr", "co", "is", "ci")),
    *(("r", f"r/0/{k}") for k in ("tg", "fr", "co", "is", "df", "du", "ci")),
]


@pytest.mark.parametrize(("kind", "path"), REQUIRED)
def test_required_field_missing(kind: str, path: str) -> None:
    err = rejects(edit(BASES[kind], path), path)
    assert "got nothing" in err.message


@pytest.mark.parametrize(("kind", "path"), [r for r in REQUIRED if r[1] not in ("nam", "dob")])
def test_required_field_null(kind: str, path: str) -> None:
    err = rejects(edit(BASES[kind], path, None), path)
    assert "got null" in err.message


# -- one good and one (or more) bad value per rule: (path, good values, bad values)

LONG = "A" * 81
RULES: list[tuple[str, str, list[Any], list[Any]]] = [
    # ver: semver MAJOR.MINOR.PATCH with literal dots (schema's "." is unescaped: we are strict)
    ("v", "ver", ["1.3.0", "1.0.0", "10.20.30"], ["1.3", "1x3y0", "v1.3.0", "1.3.0\n", 130, ""]),
    # nam: an object; fn/gn any text up to 80 characters, never null
    ("v", "nam", [{"fnt": "X"}], [None, "DO NGOC", ["DO"]]),
    ("v", "nam/fn", ["Đỗ", "x" * 80, ""], ["x" * 81, None, 7]),
    ("v", "nam/gn", ["Ngọc Vĩnh", "😀" * 80], ["😀" * 81, None, ["Ngọc"]]),
    # fnt/gnt: ICAO 9303 [A-Z<]*, up to 80
    ("v", "nam/fnt", ["DO", "D<O", "", "A" * 80], ["Do", "ĐO", "DO\n", "DO1", "D O", LONG, None]),
    ("v", "nam/gnt", ["NGOC<VINH", "<"], ["ngoc", "NGỌC", LONG, None]),
    # dob: YYYY-MM-DD, YYYY-MM, YYYY in 1900-2099, or empty; a real calendar date
    ("v", "dob", ["1990-05-31", "1990-05", "1990", "", "1900", "2099-12-31",
                  datetime.date(1990, 5, 31)],
     ["1899", "2100", "1990-13", "1990-00", "1990-02-30", "1990-5-1", "90-05-31", "1990\n",
      "١٩٩٠", "1990-05-31T00:00:00", 1990, None, datetime.datetime(1990, 5, 31),
      datetime.date(1850, 1, 1)]),
    # dn/sd: integer >= 1, no maximum in 1.3; integral floats are integers in JSON Schema
    ("v", "v/0/dn", [1, 9, 10], [0, -1, 1.5, "1", True, None, float("nan")]),
    ("v", "v/0/sd", [1, 3], [0, "2", False]),
    # dt, fr, df, du: format date (RFC 3339 full-date), a real day
    ("v", "v/0/dt", ["2021-09-14", "2020-02-29", datetime.date(2021, 9, 14)],
     ["2021-02-29", "2021-9-14", "2021/09/14", "2021-09-14T00:00:00Z", "14-09-2021", "",
      "٢٠٢١-٠٩-١٤", datetime.datetime(2021, 9, 14, tzinfo=datetime.UTC), 20210914]),
    ("r", "r/0/fr", ["2021-08-01"], ["2021-08-32", "2021-08-01T00:00:00"]),
    ("r", "r/0/df", ["2021-08-12"], ["2021-13-12"]),
    ("r", "r/0/du", ["2022-01-28"], ["2022-01-28 "]),
    # co: 1-10 capital letters, whole string (schema's pattern is unanchored: we are strict)
    ("v", "v/0/co", ["VN", "UNHCR", "ABCDEFGHIJ"], ["vn", "", "V N", "VN1", "ABCDEFGHIJK", "xVN"]),
    ("t", "t/0/co", ["VN"], ["Viet Nam"]),
    ("r", "r/0/co", ["VN"], [None]),
    # is, ci: up to 80 characters
    ("v", "v/0/is", ["x" * 80], ["x" * 81, 1]),
    ("v", "v/0/ci", ["01:VN:1", "x" * 80], ["x" * 81, b"URN"]),
    ("t", "t/0/ci", ["x" * 80], ["x" * 81]),
    ("r", "r/0/is", ["x" * 80], ["x" * 81]),
    # value-set fields: any string (value sets are business rules, not schema)
    ("v", "v/0/tg", ["840539006", "anything"], [840539006, None]),
    ("v", "v/0/vp", ["J07BX03"], [1119349007]),
    ("v", "v/0/mp", ["Nanocovax"], [["EU/1/21/1529"]]),
    ("v", "v/0/ma", ["ORG-100001699", ""], [{"code": "x"}]),
    ("t", "t/0/tt", ["LP217198-3"], [6464]),
    ("t", "t/0/tr", ["260373001"], [260373001]),
    ("t", "t/0/ma", ["1232", "x" * 200], [1232, None]),
    # nm, tc: optional text up to 80, never null
    ("t", "t/0/nm", ["x" * 80], ["x" * 81, None]),
    ("t", "t/0/tc", ["x" * 80], ["x" * 81, None]),
    # sc: date-time with seconds and an offset Z, ±HH, ±HHMM, ±HH:MM (upstream test/valid)
    ("t", "t/0/sc", ["2021-11-02T08:15:00Z", "2021-11-02T08:15:00+07", "2021-11-02T08:15:00+0700",
                     "2021-11-02T08:15:00.123Z", "2021-11-02T08:15:00-03:30"],
     ["2021-11-02T08:15:00", "2021-11-02", "2021-11-02T08:15Z", "2021-11-02 08:15:00Z",
      "2021-11-02t08:15:00z", "2021-11-02T24:00:00Z", "2021-11-02T08:15:60Z",
      "2021-02-29T08:15:00Z", "2021-11-02T08:15:00+7", "2021-11-02T08:15:00+07:60",
      "2021-11-02T08:15:00+24:00", datetime.datetime(2021, 11, 2, 8, 15), 1635840900]),
]  # fmt: skip
GOOD = [(k, p, v) for k, p, goods, _ in RULES for v in goods]
BAD = [(k, p, v) for k, p, _, bads in RULES for v in bads]


@pytest.mark.parametrize(
    ("kind", "path", "value"), GOOD, ids=[f"{p}={v!r}"[:60] for _, p, v in GOOD]
)
def test_rule_accepts(kind: str, path: str, value: Any) -> None:
    payload = dcc.parse_dcc(edit(BASES[kind], path, value))
    if isinstance(value, datetime.date):
        assert field(payload, path) == value.isoformat()
    elif path.startswith("nam") and not path.startswith("nam/"):
        assert payload.nam == dcc.Name(fnt="X")
    else:
        assert field(payload, path) == value


@pytest.mark.parametrize(("kind", "path", "value"), BAD, ids=[f"{p}={v!r}"[:60] for _, p, v in BAD])
def test_rule_rejects(kind: str, path: str, value: Any) -> None:
    rejects(edit(BASES[kind], path, value), path)


def test_at_least_one_of_fnt_gnt() -> None:
    assert dcc.parse_dcc(edit(VAX, "nam/fnt")).nam.gnt == "NGOC<VINH"
    assert dcc.parse_dcc(edit(VAX, "nam/gnt")).nam.fnt == "DO"
    err = rejects(edit(edit(VAX, "nam/fnt"), "nam/gnt"), "nam")
    assert "neither fnt nor gnt" in err.message


def test_huge_negative_bignum_is_reported_not_crashed() -> None:
    err = rejects(edit(VAX, "v/0/dn", -(10**5000)), "v/0/dn")  # beyond int->str digit limit
    assert "16610 bits" in err.message


def test_integral_float_dose_becomes_int() -> None:
    payload = dcc.parse_dcc(edit(VAX, "v/0/dn", 2.0))
    assert isinstance(payload.entry, dcc.Vaccination)
    assert payload.entry.dn == 2 and type(payload.entry.dn) is int


def test_error_message_shows_got_and_expected() -> None:
    err = rejects(edit(VAX, "v/0/dn", 0), "v/0/dn")
    assert str(err) == "SCHEMA_INVALID: v/0/dn: got 0, expected an integer >= 1"
    long_err = rejects(edit(VAX, "nam/fn", "Đ" * 500), "nam/fn")
    assert "(500 characters)" in long_err.message and len(long_err.message) < 150


# -- CBOR: tagged dates in real data are accepted and normalised


def test_tagged_cbor_dates_are_normalised_to_iso_strings() -> None:
    obj = edit(edit(VAX, "dob", datetime.date(1990, 5, 31)), "v/0/dt", datetime.date(2021, 9, 14))
    decoded = cbor2.loads(cbor2.dumps(obj))  # tag 1004 full-dates
    assert isinstance(decoded["v"][0]["dt"], datetime.date)
    assert dcc.parse_dcc(decoded) == dcc.parse_dcc(VAX)
    sc = datetime.datetime(2021, 11, 2, 1, 15, tzinfo=datetime.UTC)
    decoded = cbor2.loads(cbor2.dumps(edit(TEST, "t/0/sc", sc)))  # tag 0 date-time
    assert dcc.parse_dcc(decoded).entry.sc == "2021-11-02T01:15:00+00:00"  # type: ignore[union-attr]
    epoch = cbor2.loads(bytes.fromhex("c11a61809284"))  # tag 1, epoch seconds
    payload = dcc.parse_dcc(edit(TEST, "t/0/sc", epoch))
    assert dcc.parse_dcc(dcc.to_json_obj(payload)) == payload


# -- anything decoded from CBOR yields a payload or a SchemaError, never another exception

cbor_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(-(2**200), 2**200), st.floats(),
        st.text(max_size=100), st.binary(max_size=8), st.dates(), st.datetimes(),
        st.datetimes(timezones=st.timezones()), st.sampled_from(["", "2021-09-14", "VN"]),
        st.builds(cbor2.CBORTag, st.integers(0, 300), st.integers()),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)  # fmt: skip
FIELDS = [(k, p) for k, p in REQUIRED] + [("t", "t/0/nm"), ("t", "t/0/ma"), ("t", "t/0/tc")]
FIELDS += [("v", "nam/fn"), ("v", "nam/gn"), ("v", "nam/fnt"), ("v", "nam/gnt"), ("v", "v/0")]
FIELDS += [("v", "v"), ("t", "t"), ("r", "r"), ("v", "nam")]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FIELDS), cbor_values)
def test_any_value_anywhere_yields_payload_or_schema_error(
    where: tuple[str, str], value: Any
) -> None:
    kind, path = where
    try:
        payload = dcc.parse_dcc(edit(BASES[kind], path, value))
    except SchemaError as e:
        assert e.code is ErrorCode.SCHEMA_INVALID and e.path
        return
    assert dcc.parse_dcc(dcc.to_json_obj(payload)) == payload


# -- the builder our issuer uses


def build(**overrides: Any) -> dcc.DccPayload:
    kwargs: dict[str, Any] = {
        "family_name": "Đỗ", "given_name": "Ngọc Vĩnh", "family_name_t": "DO",
        "given_name_t": "NGOC<VINH", "dob": "1990-05-31", "product": "EU/1/21/1529",
        "dose_number": 2, "total_doses": 2, "date": "2021-09-14", "uvci": UVCI,
    }  # fmt: skip
    return dcc.vaccination_payload(**(kwargs | overrides))


def test_builder_fills_vp_ma_tg_from_value_sets() -> None:
    assert build() == dcc.parse_dcc(VAX)
    sinopharm = build(product="BBIBP-CorV", dose_number=1).entry
    assert isinstance(sinopharm, dcc.Vaccination)
    assert (sinopharm.vp, sinopharm.ma, sinopharm.dn) == ("1157024006", "ORG-100020693", 1)


def test_builder_omits_missing_names_and_accepts_date_objects() -> None:
    payload = build(
        family_name=None, family_name_t=None, dob=datetime.date(1990, 5, 31),
        date=datetime.date(2021, 9, 14), country="LA", issuer="Ministry of Health",
    )  # fmt: skip
    assert payload.nam == dcc.Name(gn="Ngọc Vĩnh", gnt="NGOC<VINH")
    assert payload.dob == "1990-05-31"
    assert dcc.to_json_obj(payload)["v"][0] | {"co": "VN"} == VAX["v"][0] | {
        "is": "Ministry of Health"
    }


def test_builder_rejects_unknown_product_as_caller_error() -> None:
    with pytest.raises(ValueError, match="Nanocovax"):
        build(product="Nanocovax")


@pytest.mark.parametrize(
    ("overrides", "path"),
    [({"dose_number": 0}, "v/0/dn"), ({"family_name_t": None, "given_name_t": None}, "nam"),
     ({"given_name_t": "Ngoc"}, "nam/gnt"), ({"uvci": "U" * 81}, "v/0/ci"),
     ({"date": "2021-02-29"}, "v/0/dt"), ({"dob": "1889"}, "dob")],
)  # fmt: skip
def test_builder_validates_with_paths(overrides: dict[str, Any], path: str) -> None:
    with pytest.raises(SchemaError) as info:
        build(**overrides)
    assert info.value.path == path


def test_test_class_is_not_collected_by_pytest() -> None:
    assert dcc.Test.__test__ is False
