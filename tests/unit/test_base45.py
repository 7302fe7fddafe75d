import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcert import base45
from hcert.errors import DecodeError, ErrorCode
from tests.base45_reference import reference_decode, reference_encode

# RFC 9285 §4.3 examples
RFC_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("raw", "text"), RFC_EXAMPLES)
def test_rfc9285_examples_both_ways(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


def test_edges() -> None:
    assert base45.encode(b"") == ""
    assert base45.decode("") == b""
    assert base45.encode(b"\xff\xff") == "FGW"
    assert base45.decode("FGW") == b"\xff\xff"
    assert base45.encode(b"\x00") == "00"


@pytest.mark.parametrize(
    "bad",
    [
        "GGW",  # 6 * 45**2 + ... = 65536: one over 16 bits (RFC 9285 §6)
        ":::",  # far over 16 bits
        "0",  # a single character left over
        "abc",  # lower case is outside the alphabet
        "BB8\n",  # trailing newline is not Base45
        "ÀÀÀ",
    ],
)
def test_invalid_input_is_a_decode_error(bad: str) -> None:
    with pytest.raises(DecodeError) as e:
        base45.decode(bad)
    assert e.value.code is ErrorCode.BASE45_DECODING_FAILED


def test_two_character_tail_over_one_byte_is_refused() -> None:
    # "::" is 44 + 44*45 = 2024 > 255 (RFC 9285 §6)
    with pytest.raises(DecodeError):
        base45.decode("BB8::")


def test_the_reciprocal_for_division_by_45_is_exact_over_16_bits() -> None:
    assert all((n * base45._M45) >> base45._S45 == n // 45 for n in range(1 << 16))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1500))
def test_lane_arithmetic_matches_the_rfc_loop(data: bytes) -> None:
    text = base45.encode(data)
    assert text == reference_encode(data)
    assert base45.decode(text) == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=base45.ALPHABET + "a\n", max_size=60))
def test_decode_accepts_exactly_what_the_rfc_loop_accepts(text: str) -> None:
    try:
        expected: bytes | None = reference_decode(text)
    except (ValueError, OverflowError):
        expected = None
    try:
        got: bytes | None = base45.decode(text)
    except DecodeError:
        got = None
    assert got == expected
