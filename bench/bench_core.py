"""`make bench`: the certificate core, measured against baselines taken in the same run.

Prints rates and ratios, never asserts timings. Everything runs in this one process (one core).
Targets (issue 2): full sign pipeline ≥ 35 % of the raw ES256 sign rate, full verify pipeline
(schema included) ≥ 55 % of the raw ES256 verify rate, QR image decode + verify < 2 ms median
for a ~550-character certificate.
"""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from hcert import base45, codec
from hcert.clock import FixedClock
from hcert.qrcode import render_png
from tests.base45_reference import reference_decode as naive_base45_decode
from tests.base45_reference import reference_encode as naive_base45_encode
from tests.factories import NOW, default_dsc, vaccination_json
from verifier.qr import decode_qr_image
from verifier.trust_store import StaticTrustStore
from verifier.verifier import Verifier

SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
POOL = 500
T = TypeVar("T")


def rate(fn: Callable[[], object], seconds: float = SECONDS) -> float:
    """Calls per second of `fn`, over about `seconds` after a short warm-up."""
    for _ in range(50):
        fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            fn()
        n += 100
    return n / elapsed


def cycling(items: list[T], fn: Callable[[T], object]) -> Callable[[], object]:
    """A call of `fn` on the next item of `items`, round and round."""
    it = itertools.cycle(items)
    return lambda: fn(next(it))


def median_ms(fn: Callable[[], object], runs: int = 300) -> float:
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def line(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<44} {value:>16}  {note}")


def main() -> None:
    print(
        f"vaxpass bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, one process"
    )
    dsc = default_dsc()
    signer = dsc.signer
    dcc = vaccination_json()
    message = os.urandom(300)
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))

    raw_sign = rate(lambda: key.sign(message, ec.ECDSA(hashes.SHA256())))
    raw_verify = rate(lambda: public.verify(signature, message, ec.ECDSA(hashes.SHA256())))
    issued = NOW - timedelta(days=1)
    expires = issued + timedelta(days=365)
    pipeline_sign = rate(
        lambda: codec.sign(dcc, signer, issuer="VN", issued_at=issued, expires_at=expires)
    )
    text = dsc.sign(dcc, issued_at=issued)
    verifier = Verifier(StaticTrustStore.of(dsc.certificate), FixedClock(NOW))
    assert verifier.verify(text).valid
    pipeline_verify = rate(lambda: verifier.verify(text))

    print("\nsigning and verifying (ES256, one core)")
    line("raw cryptography ES256 sign", f"{raw_sign:,.0f}/s")
    line(
        "full sign pipeline (payload → HC1:)",
        f"{pipeline_sign:,.0f}/s",
        f"{pipeline_sign / raw_sign:.0%} of raw (target ≥ 35 %)",
    )
    line("raw cryptography ES256 verify", f"{raw_verify:,.0f}/s")
    line(
        "full verify pipeline (HC1: → verdict)",
        f"{pipeline_verify:,.0f}/s",
        f"{pipeline_verify / raw_verify:.0%} of raw (target ≥ 55 %)",
    )

    print("\nBase45 (RFC 9285), a 400-byte payload")
    blobs = [os.urandom(400) for _ in range(POOL)]
    encoded = [base45.encode(b) for b in blobs]
    fast, naive = rate(cycling(encoded, base45.decode)), rate(cycling(encoded, naive_base45_decode))
    line(
        "lane decode",
        f"{fast:,.0f}/s",
        f"{fast / naive:.1f}× the per-character loop ({naive:,.0f}/s)",
    )
    fast, naive = rate(cycling(blobs, base45.encode)), rate(cycling(blobs, naive_base45_encode))
    line(
        "lane encode",
        f"{fast:,.0f}/s",
        f"{fast / naive:.1f}× the per-character loop ({naive:,.0f}/s)",
    )

    print("\nQR image → verdict")
    long_dcc = vaccination_json(
        nam={
            "fn": "Nguyễn Phạm Hoàng",
            "fnt": "NGUYEN<PHAM<HOANG",
            "gn": "Thị Minh Khai Phương Anh",
            "gnt": "THI<MINH<KHAI<PHUONG<ANH",
        }
    )
    long_dcc["v"][0]["is"] = (
        "Ministry of Health of Viet Nam - Department of Preventive Medicine, Ha Noi"
    )
    cert_text = dsc.sign(long_dcc, issued_at=issued)
    png = render_png(cert_text)
    assert verifier.verify(decode_qr_image(png)).valid
    line(
        f"decode PNG ({len(cert_text)} chars) + verify, median",
        f"{median_ms(lambda: verifier.verify(decode_qr_image(png))):.2f} ms",
        "target < 2 ms",
    )


if __name__ == "__main__":
    main()
