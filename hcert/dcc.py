r"""The DCC payload (EU DCC JSON schema 1.3.x): typed model, our own validator, builder.

`parse_dcc` re-implements the rules of ``DCC.combined-schema.json`` 1.3.3 by hand (no
jsonschema at run time: it is on the verification hot path). What the schema allows, we allow:

- unknown properties anywhere (the schema has no ``additionalProperties: false``); they are
  ignored, so `to_json_obj` drops them;
- `dn`/`sd` any integer >= 1 (1.3 has ``minimum: 1`` and no maximum); an integral float such
  as ``2.0`` is an integer in JSON Schema and becomes ``2``;
- an empty `dob` (pattern ``^((19|20)\d\d(-\d\d){0,2}){0,1}$``);
- any string in the value-set fields (`tg`, `vp`, `mp`, `ma`, `tt`, `tr`): value sets are
  business rules, see `hcert.valuesets`.

Where the schema's patterns are looser than their intent, we are stricter, on purpose:
patterns match the whole string with ASCII digits only (Python's ``\d`` takes any Unicode
digit and ``$`` matches before a final newline); `ver` needs literal dots (the schema's ``.`` is
unescaped); `co` must be 1-10 capital letters in full (``[A-Z]{1,10}`` is unanchored); `dob`
must be a real calendar date or year-month; date fields (``format: date``) must be a real
``YYYY-MM-DD``; `sc` (``format: date-time``) must be an ISO 8601 date-time with seconds and an
offset ``Z``, ``±HH``, ``±HHMM`` or ``±HH:MM`` (the upstream test/valid files use all four).

CBOR carries tagged dates in real data: a ``datetime.date`` (tags 100/1004) is accepted in `dob`
and the date fields, an aware ``datetime`` (tags 0/1) in `sc`; both become ISO strings.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from hcert import valuesets
from hcert.certtype import CertType
from hcert.errors import SchemaError

SCHEMA_VERSION: Final = "1.3.0"
"""The `ver` we issue (schema 1.3.x; the payload shape is the same in every 1.3 release)."""

_MAX_TEXT: Final = 80  # maxLength of fn, gn, fnt, gnt, nm, tc, is, ci (schema 1.3)
_DOB_CHECK: Final = re.compile(r"((?:19|20)[0-9]{2})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_VER: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
_FULL_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)"
)
_ICAO: Final = re.compile(r"[A-Z<]*")  # ICAO 9303 part 3 transliteration (fnt, gnt)
_COUNTRY: Final = re.compile(r"[A-Z]{1,10}")  # co: ISO 3166 alpha-2 "where possible"


@dataclass(frozen=True, slots=True)
class Name:
    """`nam`: the person's name (schema ``person_name``); at least one of `fnt`/`gnt`.

    Attributes:
        fn: surname(s) as written, at most 80 characters.
        gn: forename(s) as written, at most 80 characters.
        fnt: surname(s) transliterated per ICAO 9303 (``[A-Z<]*``), at most 80 characters.
        gnt: forename(s) transliterated per ICAO 9303 (``[A-Z<]*``), at most 80 characters.

    """

    fn: str | None = None
    gn: str | None = None
    fnt: str | None = None
    gnt: str | None = None


@dataclass(frozen=True, slots=True)
class Vaccination:
    """One `v` entry (schema ``vaccination_entry``); every field is required.

    Attributes:
        tg: disease targeted (value set 2.1). vp: vaccine type (2.2). mp: product (2.3).
        ma: marketing-authorisation holder or manufacturer (2.4).
        dn: dose number, >= 1. sd: doses in the series, >= 1.
        dt: date of vaccination, ``YYYY-MM-DD``. co: country of vaccination.
        is_: certificate issuer (JSON ``is``), <= 80. ci: UVCI, <= 80.

    """

    tg: str
    vp: str
    mp: str
    ma: str
    dn: int
    sd: int
    dt: str
    co: str
    is_: str
    ci: str


@dataclass(frozen=True, slots=True)
class Test:
    """One `t` entry (schema ``test_entry``); `nm`, `ma` and `tc` are optional.

    Attributes:
        tg: disease targeted. tt: test type (value set 2.7). nm: NAA test name, <= 80.
        ma: rapid-test device id (value set 2.8). sc: sample collection date-time with offset.
        tr: result (value set 2.9). tc: testing centre, <= 80. co: country of test.
        is_: certificate issuer (JSON ``is``), <= 80. ci: UVCI, <= 80.

    """

    __test__ = False  # not a pytest test class, whatever module imports it

    tg: str
    tt: str
    nm: str | None
    ma: str | None
    sc: str
    tr: str
    tc: str | None
    co: str
    is_: str
    ci: str


@dataclass(frozen=True, slots=True)
class Recovery:
    """One `r` entry (schema ``recovery_entry``); every field is required.

    Attributes:
        tg: disease targeted. fr: date of the first positive NAA test. co: country of test.
        is_: certificate issuer (JSON ``is``), <= 80. df: valid from. du: valid until.
        ci: UVCI, <= 80. Dates are ``YYYY-MM-DD``.

    """

    tg: str
    fr: str
    co: str
    is_: str
    df: str
    du: str
    ci: str


Entry = Vaccination | Test | Recovery


@dataclass(frozen=True, slots=True)
class DccPayload:
    """A schema-valid DCC payload: exactly one vaccination, test or recovery entry.

    Attributes:
        ver: schema version (``MAJOR.MINOR.PATCH``).
        nam: the person's name.
        dob: date of birth: ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` (1900-2099) or empty.
        entry: the single `v`, `t` or `r` entry.

    """

    ver: str
    nam: Name
    dob: str
    entry: Entry

    @property
    def cert_type(self) -> CertType:
        """Which kind of certificate this is, from the type of `entry`."""
        if isinstance(self.entry, Vaccination):
            return CertType.VACCINATION
        if isinstance(self.entry, Test):
            return CertType.TEST
        return CertType.RECOVERY

    @property
    def uvci(self) -> str:
        """The entry's unique certificate identifier (`ci`)."""
        return self.entry.ci


# -- validation helpers: each returns the value or raises SchemaError("got X, expected Y", path)

_MISSING: Final = object()


def _show(value: object) -> str:
    if value is _MISSING:
        return "nothing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"{value[:37]!r}… ({len(value)} characters)"
    if isinstance(value, int) and value.bit_length() > 64:  # repr() of a CBOR bignum can raise
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return f"an array of {len(value)} items"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _fail(value: object, expected: str, where: str, key: str) -> SchemaError:
    return SchemaError(
        f"got {_show(value)}, expected {expected}", f"{where}/{key}" if where else key
    )


def _text(obj: Mapping[Any, Any], key: str, where: str, max_len: int | None = None) -> str:
    value = obj.get(key, _MISSING)
    if not isinstance(value, str):
        raise _fail(value, "a string", where, key)
    if max_len is not None and len(value) > max_len:
        raise _fail(value, f"at most {max_len} characters", where, key)
    return value


def _optional_text(obj: Mapping[Any, Any], key: str, where: str) -> str | None:
    # Optional, but when present it is a string: null is not allowed (schema `type: string`).
    return None if key not in obj else _text(obj, key, where, _MAX_TEXT)


def _optional_icao(obj: Mapping[Any, Any], key: str, where: str) -> str | None:
    if key not in obj:
        return None
    value = _text(obj, key, where, _MAX_TEXT)
    if _ICAO.fullmatch(value) is None:
        raise _fail(value, "ICAO 9303 characters A-Z and <", where, key)
    return value


def _positive_int(obj: Mapping[Any, Any], key: str, where: str) -> int:
    value = obj.get(key, _MISSING)
    if type(value) is not int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema: a number with a zero fraction is an integer
        elif not isinstance(value, int) or isinstance(value, bool):
            raise _fail(value, "an integer", where, key)
    if value < 1:  # schema $defs/dose_posint: minimum 1
        raise _fail(value, "an integer >= 1", where, key)
    return int(value)


def _date(obj: Mapping[Any, Any], key: str, where: str) -> str:
    # `format: date` is RFC 3339 full-date; a CBOR full-date (tag 100/1004) is a datetime.date.
    value = obj.get(key, _MISSING)
    if isinstance(value, str):
        if _FULL_DATE.fullmatch(value) is not None:
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return value
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    raise _fail(value, "a date YYYY-MM-DD", where, key)


def _date_time(obj: Mapping[Any, Any], key: str, where: str) -> str:
    # `format: date-time`, as ISO 8601 with seconds and an offset; a CBOR tag 0/1 is a datetime.
    value = obj.get(key, _MISSING)
    if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
        value = value.isoformat()
    if isinstance(value, str) and _DATE_TIME.fullmatch(value) is not None:
        try:
            datetime.datetime.fromisoformat(value)  # the calendar and the clock
        except ValueError:
            pass
        else:
            return value
    raise _fail(value, "a date-time YYYY-MM-DDThh:mm:ss with an offset", where, key)


def _country(obj: Mapping[Any, Any], key: str, where: str) -> str:
    value = _text(obj, key, where)
    if _COUNTRY.fullmatch(value) is None:  # $defs/country_vt, anchored
        raise _fail(value, "1 to 10 capital letters (ISO 3166 alpha-2)", where, key)
    return value


def _name(obj: Mapping[Any, Any]) -> Name:
    nam = obj.get("nam", _MISSING)
    if not isinstance(nam, Mapping):
        raise _fail(nam, "an object", "", "nam")
    fn = _optional_text(nam, "fn", "nam")
    gn = _optional_text(nam, "gn", "nam")
    fnt = _optional_icao(nam, "fnt", "nam")
    gnt = _optional_icao(nam, "gnt", "nam")
    if fnt is None and gnt is None:  # person_name: anyOf required fnt / required gnt
        raise SchemaError("got neither fnt nor gnt, expected at least one of them", "nam")
    return Name(fn, gn, fnt, gnt)


def _dob(obj: Mapping[Any, Any]) -> str:
    value = obj.get("dob", _MISSING)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = value.isoformat()
    if isinstance(value, str):
        if not value:
            return value  # 1.3.0 allows an empty dob (pattern `{0,1}`)
        m = _DOB_CHECK.fullmatch(value)
        if m is not None:
            try:
                if m[3] is not None:
                    datetime.date.fromisoformat(value)
                elif m[2] is not None and not 1 <= int(m[2]) <= 12:
                    raise ValueError(value)
            except ValueError:
                pass
            else:
                return value
    raise _fail(value, "a date of birth YYYY-MM-DD, YYYY-MM or YYYY in 1900-2099, or ''", "", "dob")


def _vaccination(e: Mapping[Any, Any]) -> Vaccination:
    w = "v/0"
    return Vaccination(
        _text(e, "tg", w), _text(e, "vp", w), _text(e, "mp", w), _text(e, "ma", w),
        _positive_int(e, "dn", w), _positive_int(e, "sd", w), _date(e, "dt", w),
        _country(e, "co", w), _text(e, "is", w, _MAX_TEXT), _text(e, "ci", w, _MAX_TEXT),
    )  # fmt: skip


def _test(e: Mapping[Any, Any]) -> Test:
    w = "t/0"
    tg, tt = _text(e, "tg", w), _text(e, "tt", w)
    nm = _optional_text(e, "nm", w)
    ma = _text(e, "ma", w) if "ma" in e else None  # test-manf: a string, no length limit
    return Test(
        tg, tt, nm, ma, _date_time(e, "sc", w), _text(e, "tr", w), _optional_text(e, "tc", w),
        _country(e, "co", w), _text(e, "is", w, _MAX_TEXT), _text(e, "ci", w, _MAX_TEXT),
    )  # fmt: skip


def _recovery(e: Mapping[Any, Any]) -> Recovery:
    w = "r/0"
    return Recovery(
        _text(e, "tg", w), _date(e, "fr", w), _country(e, "co", w),
        _text(e, "is", w, _MAX_TEXT), _date(e, "df", w), _date(e, "du", w),
        _text(e, "ci", w, _MAX_TEXT),
    )  # fmt: skip


_ENTRY_PARSERS: Final[dict[str, Callable[[Mapping[Any, Any]], Entry]]] = {
    "v": _vaccination,
    "t": _test,
    "r": _recovery,
}


def parse_dcc(obj: object) -> DccPayload:
    """Validate a decoded DCC payload against the 1.3.x schema rules and type it.

    Args:
        obj: the payload as decoded from CBOR or JSON (a mapping with string keys).

    Returns:
        The typed payload; tagged CBOR dates are normalised to ISO strings.

    Raises:
        SchemaError: SCHEMA_INVALID, with `path` naming the offending field (``""`` for the
            payload itself, ``dob``, ``nam/fnt``, ``v``, ``v/0/dn`` …) and a message saying
            "got X, expected Y".

    """
    if not isinstance(obj, Mapping):
        raise SchemaError(f"got {_show(obj)}, expected an object", "")
    # schema oneOf: exactly one of the required sets {ver, nam, dob} + v | t | r
    kinds = [k for k in _ENTRY_PARSERS if k in obj]
    if len(kinds) != 1:
        got = " and ".join(kinds) if kinds else "none of them"
        raise SchemaError(f"got {got}, expected exactly one of v, t or r", "")
    ver = _text(obj, "ver", "")
    if _VER.fullmatch(ver) is None:
        raise _fail(ver, "a version MAJOR.MINOR.PATCH", "", "ver")
    nam = _name(obj)
    dob = _dob(obj)
    kind = kinds[0]
    group = obj[kind]
    if not isinstance(group, list | tuple) or len(group) != 1:  # minItems 1, maxItems 1
        raise _fail(group, "an array of exactly 1 item", "", kind)
    entry = group[0]
    if not isinstance(entry, Mapping):
        raise _fail(entry, "an object", kind, "0")
    return DccPayload(ver, nam, dob, _ENTRY_PARSERS[kind](entry))


def _json_keys(cls: type) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.name.rstrip("_")) for f in fields(cls))  # is_ -> is


_JSON_KEYS: Final = {cls: _json_keys(cls) for cls in (Name, Vaccination, Test, Recovery)}


def _json_obj(value: Name | Entry) -> dict[str, Any]:
    out = {}
    for attr, key in _JSON_KEYS[type(value)]:
        item = getattr(value, attr)
        if item is not None:
            out[key] = item
    return out


def to_json_obj(p: DccPayload) -> dict[str, Any]:
    """Return the payload in its JSON shape (schema field names, None fields omitted).

    ``parse_dcc(to_json_obj(p)) == p`` for every parsed payload.

    Args:
        p: the payload.

    Returns:
        A new JSON-compatible dict, ready for CBOR or JSON encoding.

    """
    return {
        "ver": p.ver,
        "nam": _json_obj(p.nam),
        "dob": p.dob,
        p.cert_type.value: [_json_obj(p.entry)],
    }


def vaccination_payload(
    *,
    family_name: str | None,
    given_name: str | None,
    family_name_t: str | None,
    given_name_t: str | None,
    dob: str | datetime.date,
    product: str,
    dose_number: int,
    total_doses: int,
    date: str | datetime.date,
    country: str = "VN",
    issuer: str = "Ministry of Health of Viet Nam",
    uvci: str,
) -> DccPayload:
    """Build and validate the vaccination payload our issuer signs.

    `vp` and `ma` come from the product's entry in `hcert.valuesets`; `tg` is COVID-19.

    Args:
        family_name: surname(s) as written (``"Đỗ"``), or None.
        given_name: forename(s) as written (``"Ngọc Vĩnh"``), or None.
        family_name_t: ICAO 9303 surname (``"DO"``), or None.
        given_name_t: ICAO 9303 forename(s) (``"NGOC<VINH"``), or None.
        dob: date of birth (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``, ``""`` or a date).
        product: the `mp` code, e.g. ``"EU/1/21/1529"``.
        dose_number: `dn`, >= 1.
        total_doses: `sd`, >= 1.
        date: date of vaccination.
        country: `co`.
        issuer: `is`.
        uvci: `ci`, e.g. ``"URN:UVCI:01:VN:…"``.

    Returns:
        The payload, valid by construction.

    Raises:
        ValueError: `product` is not in our value sets (a caller error).
        SchemaError: SCHEMA_INVALID when a value breaks the schema (path as in `parse_dcc`).

    """
    found = valuesets.vaccine_product(product)
    if found is None:
        known = ", ".join(p.code for p in valuesets.all_vaccine_products())
        raise ValueError(f"unknown vaccine product {product!r}; expected one of {known}")
    names = {"fn": family_name, "gn": given_name, "fnt": family_name_t, "gnt": given_name_t}
    entry = {
        "tg": valuesets.DISEASE_COVID19, "vp": found.prophylaxis, "mp": found.code,
        "ma": found.manufacturer, "dn": dose_number, "sd": total_doses, "dt": date,
        "co": country, "is": issuer, "ci": uvci,
    }  # fmt: skip
    return parse_dcc(
        {
            "ver": SCHEMA_VERSION,
            "nam": {k: v for k, v in names.items() if v is not None},
            "dob": dob,
            "v": [entry],
        }
    )
