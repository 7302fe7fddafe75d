"""Building a trust list from the key registry at one instant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from hcert.trustlist import DscEntry, KeyStatus, TrustList
from keys.lifecycle import KeyRecord, KeyState, Role, state_at

DEFAULT_VALIDITY = timedelta(days=7)
_PUBLISHED_STATES = {
    KeyState.PENDING: KeyStatus.PENDING,
    KeyState.ACTIVE: KeyStatus.ACTIVE,
    KeyState.RETIRED: KeyStatus.RETIRED,
    KeyState.REVOKED: KeyStatus.REVOKED,
}


def build_trust_list(
    records: Iterable[KeyRecord],
    *,
    version: int,
    now: datetime,
    revoked_uvci_hashes: frozenset[bytes] = frozenset(),
    validity: timedelta = DEFAULT_VALIDITY,
    issuer: str = "VN",
) -> TrustList:
    """The trust list of `records` as they stand at `now`.

    Every DSC (ours and imported) is listed until its certificate expires: pending ones so that
    verifiers learn them before they sign, retired ones so that what they signed still verifies,
    revoked ones marked revoked. CSCAs in force are listed so that verifiers can move their pin.
    """
    dscs = []
    cscas = []
    for record in records:
        state = state_at(record, now)
        if record.role is Role.CSCA and state is not KeyState.EXPIRED:
            cscas.append(record.certificate)
        if record.role not in (Role.DSC, Role.FOREIGN_DSC) or state is KeyState.EXPIRED:
            continue
        dscs.append(
            DscEntry(
                kid=record.kid,
                country=record.country,
                certificate=record.certificate,
                status=_PUBLISHED_STATES[state],
                usages=record.cert_types,
            )
        )
    return TrustList(
        version=version,
        issued_at=now,
        expires_at=now + validity,
        issuer=issuer,
        dscs=tuple(dscs),
        revoked_uvci_hashes=revoked_uvci_hashes,
        cscas=tuple(cscas),
    )
