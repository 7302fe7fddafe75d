"""A small signing world for the checkpoint's tests: a PKI in memory, its trust lists, payloads.

The checkpoint pins the world's CSCA and loads its signed lists exactly as it would load the
issuer's published ones; certificates are signed by the world's DSC (no mocks).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hcert import codec, cose
from hcert.icao import transliterate
from hcert.limits import DecodeLimits
from hcert.uvci import new_uvci
from keys.audit import MemoryAuditLog
from keys.lifecycle import Policy
from keys.pki import Pki
from keys.registry import MemoryRegistry
from keys.store import MemoryKeyStore
from tests.factories import vaccination_json
from trust_list.publisher import MemoryPublisher
from trust_list.service import MemoryRevocations, TrustListService

DSC = "dsc-a"


class SteppedClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.instant = start

    def now(self) -> datetime:
        return self.instant


class World:
    """A CSCA, a trust-list signer and one DSC (signing at once), created at `start`."""

    def __init__(self, start: datetime) -> None:
        self.clock = SteppedClock(start)
        self.pki = Pki(MemoryRegistry(), MemoryKeyStore(), MemoryKeyStore(), MemoryAuditLog(),
                       self.clock, Policy(lead_time=timedelta(0)), actor="test")  # fmt: skip
        self.csca = self.pki.init_csca()
        self.pki.create_trust_list_signer()
        self.dsc = self.pki.create_dsc(DSC)
        self.publisher = MemoryPublisher()
        self.service = TrustListService(self.pki, self.publisher, MemoryRevocations())

    def csca_pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.csca.certificate).public_bytes(Encoding.PEM)

    def write_anchor(self, directory: Path) -> Path:
        path = directory / "csca.pem"
        path.write_bytes(self.csca_pem())
        return path

    def publish(self, at: datetime | None = None) -> bytes:
        """Publish the next list as of `at` (default: the world's clock) and return its bytes."""
        if at is not None:
            self.clock.instant = at
        version, _ = self.service.publish()
        return self.publisher.files[version]

    def sign(
        self,
        dcc: dict[str, Any] | None = None,
        *,
        issued_at: datetime | None = None,
        expires_at: datetime | None = None,
        dsc: str = DSC,
    ) -> str:
        """An HC1 certificate signed by `dsc` (lifecycle not enforced: any iat, any exp)."""
        record = self.pki.registry.get(dsc)
        iat = issued_at or self.clock.now()
        return codec.sign(
            dcc if dcc is not None else vaccination(),
            self.pki.dsc_store.signer(dsc, record.kid),
            issuer="VN",
            issued_at=iat,
            expires_at=expires_at or iat + timedelta(days=365),
        )


def vaccination(
    *, dn: int = 2, sd: int = 2, dt: str = "2021-10-01", mp: str = "EU/1/20/1528",
    uvci: str | None = None, fn: str = "Đỗ", gn: str = "Ngọc Vĩnh", dob: str = "1985-03-09",
) -> dict[str, Any]:  # fmt: skip
    """A vaccination payload with the given dose, date and holder."""
    dcc = vaccination_json(dob=dob)
    dcc["nam"] = {"fn": fn, "fnt": transliterate(fn), "gn": gn, "gnt": transliterate(gn)}
    dcc["v"] = [{**dcc["v"][0], "dn": dn, "sd": sd, "dt": dt, "mp": mp, "ci": uvci or new_uvci()}]
    return dcc


def covid_test(*, sc: str, tt: str = "LP6464-4", tr: str = "260415000") -> dict[str, Any]:
    """A test-certificate payload."""
    dcc = {k: v for k, v in vaccination_json().items() if k != "v"}
    dcc["t"] = [{"tg": "840539006", "tt": tt, "sc": sc, "tr": tr, "tc": "Bệnh viện Bạch Mai",
                 "co": "VN", "is": "Ministry of Health of Viet Nam", "ci": new_uvci()}]  # fmt: skip
    return dcc


def recovery(*, fr: str, df: str, du: str) -> dict[str, Any]:
    """A recovery-certificate payload."""
    dcc = {k: v for k, v in vaccination_json().items() if k != "v"}
    dcc["r"] = [{"tg": "840539006", "fr": fr, "co": "VN", "is": "Ministry of Health of Viet Nam",
                 "df": df, "du": du, "ci": new_uvci()}]  # fmt: skip
    return dcc


def tampered(text: str, old: bytes, new: bytes) -> str:
    """The same certificate with `old` replaced by `new` in its payload, signature kept."""
    limits = DecodeLimits()
    message = cose.decode_sign1(codec.decode_envelope(text, limits), limits)
    assert old in message.payload
    forged = cbor2.dumps(
        cbor2.CBORTag(
            cose.CoseTag.SIGN1,
            [message.protected_bytes, {}, message.payload.replace(old, new), message.signature],
        )
    )
    return codec.encode_envelope(forged)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
