import resource
import time
import zlib

import pytest

from hcert import base45, cbor, codec, compression
from hcert.errors import Category, DecodeError, ErrorCode
from hcert.limits import DecodeLimits

LIMITS = DecodeLimits()


def test_round_trip_level_9() -> None:
    data = b"vaxpass " * 100
    packed = compression.compress(data)
    assert packed[1] >> 6 == 3  # RFC 1950 FLEVEL 3: the slowest, best compression
    assert len(packed) == len(zlib.compress(data, 9))  # a smaller window loses nothing here
    assert compression.looks_compressed(packed)
    assert compression.inflate(packed, 10_000) == data


def test_truncated_stream_is_refused() -> None:
    packed = compression.compress(b"x" * 1000 + bytes(range(256)))
    with pytest.raises(DecodeError) as e:
        compression.inflate(packed[:-6], 10_000)
    assert e.value.code is ErrorCode.DECOMPRESSION_FAILED


def test_corrupt_stream_is_refused() -> None:
    with pytest.raises(DecodeError) as e:
        compression.inflate(b"\x78\xda" + b"\xff" * 20, 10_000)
    assert e.value.code is ErrorCode.DECOMPRESSION_FAILED


def test_zlib_header_detection() -> None:
    assert compression.looks_compressed(b"\x78\x9c")
    assert compression.looks_compressed(b"\x78\xda")
    assert not compression.looks_compressed(b"\xd2\x84")  # COSE tag 18, uncompressed
    assert not compression.looks_compressed(b"\x78")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_decompression_bomb_64_mb_of_zeros_is_malformed_fast_and_flat() -> None:
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)
    rss_before = _max_rss_mb()
    started = time.perf_counter()
    with pytest.raises(DecodeError) as e:
        compression.inflate(bomb, LIMITS.max_inflated_bytes)
    assert e.value.code is ErrorCode.INFLATED_TOO_LARGE
    assert e.value.category is Category.MALFORMED
    # Memory stays flat: the peak grows by far less than the 64 MB the bomb would inflate to.
    assert _max_rss_mb() - rss_before < 16
    # And through the whole envelope: the text is too long for a QR code before anything inflates.
    with pytest.raises(DecodeError) as e2:
        codec.decode_envelope(codec.PREFIX + base45.encode(bomb), LIMITS)
    assert e2.value.category is Category.MALFORMED
    # With the text limit lifted, the inflate bound still holds.
    lifted = DecodeLimits(max_text_chars=10_000_000)
    with pytest.raises(DecodeError) as e3:
        codec.decode_envelope(codec.PREFIX + base45.encode(bomb), lifted)
    assert e3.value.code is ErrorCode.INFLATED_TOO_LARGE
    assert time.perf_counter() - started < 30  # a guard against a hang, not a benchmark


def test_cbor_array_nested_100000_deep_is_malformed() -> None:
    deep = b"\x81" * 100_000 + b"\x00"
    with pytest.raises(DecodeError) as e:
        cbor.loads(deep, LIMITS)
    assert e.value.category is Category.MALFORMED
    # a short deep structure hits the depth bound itself
    with pytest.raises(DecodeError) as e2:
        cbor.loads(b"\x81" * (LIMITS.max_cbor_depth + 2) + b"\x00", LIMITS)
    assert e2.value.code is ErrorCode.CBOR_TOO_DEEP


def test_cbor_depth_exactly_at_the_limit_decodes() -> None:
    value = cbor.loads(b"\x81" * (LIMITS.max_cbor_depth - 1) + b"\x00", LIMITS)
    for _ in range(LIMITS.max_cbor_depth - 1):
        value = value[0]
    assert value == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b"\x9b" + (2**40).to_bytes(8, "big"),
            ErrorCode.CBOR_DECODING_FAILED,
        ),  # huge declared length
        (b"\x5b" + (2**40).to_bytes(8, "big"), ErrorCode.CBOR_DECODING_FAILED),
        (b"\x01\x02", ErrorCode.CBOR_DECODING_FAILED),  # trailing bytes
        (b"\x9f" + b"\x01" * 5000 + b"\xff", ErrorCode.CBOR_TOO_MANY_ITEMS),  # indefinite array
        (b"\x5f" + b"\x40" * 5000 + b"\xff", ErrorCode.CBOR_TOO_MANY_ITEMS),  # indefinite chunks
        (b"\xa1" * 3000, ErrorCode.CBOR_TOO_DEEP),  # maps nested as keys
    ],
)
def test_cbor_bounds(data: bytes, code: ErrorCode) -> None:
    with pytest.raises(DecodeError) as e:
        cbor.loads(data, LIMITS)
    assert e.value.code is code


def test_cbor_item_count_counts_map_entries_twice() -> None:
    small = DecodeLimits(max_cbor_items=10)
    # 6-entry map: 1 + 12 items > 10, and the encoding (13 bytes) is longer than the limit
    data = bytes([0xA6]) + b"".join(bytes([k, 0]) for k in range(6))
    with pytest.raises(DecodeError) as e:
        cbor.loads(data, small)
    assert e.value.code is ErrorCode.CBOR_TOO_MANY_ITEMS
    assert cbor.loads(data, DecodeLimits(max_cbor_items=13)) == {k: 0 for k in range(6)}


def test_bombs_through_the_verifier_are_malformed_with_flat_memory() -> None:
    import tracemalloc

    from tests.factories import default_dsc, hc1, verifier_for

    zeros = hc1(bytes(64 * 1024 * 1024))
    deep = hc1(b"\x81" * 100_000 + b"\x00")
    verifier = verifier_for(default_dsc())
    lifted = verifier_for(
        default_dsc(), limits=DecodeLimits(max_text_chars=10**7, max_inflated_bytes=10**6)
    )
    tracemalloc.start()
    try:
        for v, text, code in [
            (verifier, zeros, ErrorCode.INPUT_TOO_LONG),  # longer than any QR code
            (lifted, zeros, ErrorCode.INFLATED_TOO_LARGE),
            (verifier, deep, ErrorCode.INFLATED_TOO_LARGE),
            (lifted, deep, ErrorCode.CBOR_TOO_MANY_ITEMS),
            (
                verifier_for(
                    default_dsc(),
                    limits=DecodeLimits(max_cbor_items=10**6, max_inflated_bytes=10**6),
                ),
                deep,
                ErrorCode.CBOR_TOO_DEEP,
            ),
        ]:
            verdict = v.verify(text)
            assert (verdict.category, verdict.code) == (Category.MALFORMED, code)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the bomb never inflates past the limit
