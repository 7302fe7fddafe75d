"""The trust store of a checkpoint: one signed trust list, replaced only by a better one.

A new list is accepted only if its signature chains to a pinned CSCA, its version is higher
than the one held (no rollback; an equal version is a no-op) and it has not expired (no
freeze). Past the held list's `expires_at`, every verdict is TRUST_LIST unless the operator
allowed a grace period, which then shows. Pure: the time comes in as an argument.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

from hcert.errors import ErrorCode, HcertError, TrustError
from hcert.trustlist import KeyStatus, TrustList, open_signed, uvci_hash
from hcert.x509 import parse_signer_certificate
from verifier.trust_store import TrustedKey

DEFAULT_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Freshness:
    """How current the held trust list is.

    Attributes:
        version: its version (0: none held).
        issued_at: when it was published.
        expires_at: when it stops being usable.
        age: `now - issued_at`.
        expired: `now` is past `expires_at`.
        in_grace: expired, but within the grace period the operator allowed.
    """

    version: int
    issued_at: datetime | None
    expires_at: datetime | None
    age: timedelta | None
    expired: bool
    in_grace: bool


class SignedTrustStore:
    """Holds the newest acceptable trust list for a verifier.

    Args:
        anchors: the pinned CSCA certificates.
        grace: how long past `expires_at` the operator accepts to keep verifying (0: never).
        skew: how far in the future a list's `issued_at` may lie.
    """

    def __init__(
        self,
        anchors: Sequence[x509.Certificate],
        *,
        grace: timedelta = timedelta(0),
        skew: timedelta = DEFAULT_SKEW,
    ) -> None:
        if not anchors:
            raise ValueError("at least one pinned CSCA certificate is needed")
        self.anchors = list(anchors)
        self.grace = grace
        self.skew = skew
        self.content: TrustList | None = None
        self._index: dict[bytes, tuple[TrustedKey, ...]] = {}

    @property
    def version(self) -> int:
        """The version held (0 when none)."""
        return self.content.version if self.content else 0

    def update(self, data: bytes, now: datetime) -> bool:
        """Offer a published trust list; return True when it replaced the one held.

        Raises:
            TrustError: TRUST_LIST_INVALID, TRUST_LIST_BAD_SIGNATURE, TRUST_LIST_ROLLBACK (a lower
                version than held), TRUST_LIST_EXPIRED (already expired, beyond the grace the
                operator allowed: a frozen list).
        """
        opened = open_signed(data, self.anchors, now)
        content = opened.content
        if content.version < self.version:
            raise TrustError(
                ErrorCode.TRUST_LIST_ROLLBACK,
                f"got version {content.version}, holding version {self.version}: refused",
            )
        if content.version == self.version:
            return False
        if now >= content.expires_at + self.grace:
            raise TrustError(
                ErrorCode.TRUST_LIST_EXPIRED,
                f"version {content.version} expired at {content.expires_at:%Y-%m-%d %H:%M} UTC",
            )
        if content.issued_at > now + self.skew:
            raise TrustError(
                ErrorCode.TRUST_LIST_INVALID,
                f"issued at {content.issued_at:%Y-%m-%d %H:%M} UTC, in the future",
            )
        self._index = _index(content)
        self.content = content
        if opened.via not in self.anchors:
            # reached through a cross certificate from a pinned CSCA: move the pin along
            self.anchors.append(opened.via)
        return True

    def freshness(self, now: datetime) -> Freshness:
        """How current the held list is at `now`."""
        if self.content is None:
            return Freshness(0, None, None, None, expired=True, in_grace=False)
        expired = now >= self.content.expires_at
        return Freshness(
            self.content.version,
            self.content.issued_at,
            self.content.expires_at,
            now - self.content.issued_at,
            expired=expired,
            in_grace=expired and now < self.content.expires_at + self.grace,
        )

    def check_usable(self, now: datetime) -> None:
        """Raise unless verdicts may rely on the held list at `now`.

        Raises:
            TrustError: TRUST_LIST_MISSING, TRUST_LIST_EXPIRED.
        """
        fresh = self.freshness(now)
        if self.content is None:
            raise TrustError(ErrorCode.TRUST_LIST_MISSING, "no trust list loaded")
        if fresh.expired and not fresh.in_grace:
            raise TrustError(
                ErrorCode.TRUST_LIST_EXPIRED,
                f"the trust list (version {fresh.version}) expired at "
                f"{self.content.expires_at:%Y-%m-%d %H:%M} UTC; load a newer one",
            )

    def keys_for(self, kid: bytes) -> Sequence[TrustedKey]:
        """Every DSC published under `kid`."""
        return self._index.get(kid, ())

    def is_revoked(self, uvci: str) -> bool:
        """Whether the certificate `uvci` is on the revocation list."""
        return self.content is not None and uvci_hash(uvci) in self.content.revoked_uvci_hashes


def _index(content: TrustList) -> dict[bytes, tuple[TrustedKey, ...]]:
    index: dict[bytes, list[TrustedKey]] = defaultdict(list)
    for entry in content.dscs:
        try:
            certificate = parse_signer_certificate(entry.certificate)
        except HcertError as e:
            raise TrustError(
                ErrorCode.TRUST_LIST_INVALID, f"DSC {entry.kid.hex()}: {e.message}"
            ) from e
        index[entry.kid].append(
            TrustedKey(
                entry.kid, certificate, entry.country, revoked=entry.status is KeyStatus.REVOKED
            )
        )
    return {kid: tuple(keys) for kid, keys in index.items()}
