"""Which DSC keys a verifier trusts: the `TrustStore` port and a fixed, unsigned store.

The signed trust list with rollback and freeze protection is `verifier.signed_store`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hcert.x509 import SignerCertificate


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """One trusted document signer.

    Attributes:
        kid: the key identifier certificates name it by. Normally the first 8 bytes of the
            SHA-256 of the certificate, but a trust list may state another; several keys may
            share one kid.
        certificate: the parsed DSC.
        country: the country that published it, if known.
        revoked: the trust list marks this DSC revoked (compromise).
    """

    kid: bytes
    certificate: SignerCertificate
    country: str | None = None
    revoked: bool = False


class TrustStore(Protocol):
    """Looks DSCs up by kid, and says whether its data may be relied on."""

    def keys_for(self, kid: bytes) -> Sequence[TrustedKey]:
        """Every trusted key published under `kid` (empty when none)."""
        ...

    def check_usable(self, now: datetime) -> None:
        """Raise `TrustError` (TRUST_LIST category) when verdicts may not rely on the store."""
        ...

    def is_revoked(self, uvci: str) -> bool:
        """Whether the certificate `uvci` is on a revocation list."""
        ...


class StaticTrustStore:
    """A fixed set of trusted keys, indexed by kid.

    Args:
        keys: the trusted keys; duplicates of the same certificate under the same kid are kept once.
    """

    def __init__(self, keys: Iterable[TrustedKey]) -> None:
        index: dict[bytes, list[TrustedKey]] = defaultdict(list)
        for key in keys:
            same = index[key.kid]
            if all(k.certificate.der != key.certificate.der for k in same):
                same.append(key)
        self._index = {kid: tuple(found) for kid, found in index.items()}

    @classmethod
    def of(cls, *certificates: SignerCertificate) -> StaticTrustStore:
        """A store trusting `certificates` under their computed kids."""
        return cls(TrustedKey(kid=c.kid, certificate=c, country=c.country) for c in certificates)

    def keys_for(self, kid: bytes) -> Sequence[TrustedKey]:
        """Every trusted key published under `kid` (empty when none)."""
        return self._index.get(kid, ())

    def check_usable(self, now: datetime) -> None:
        """A fixed set of keys does not expire (it carries no validity of its own)."""

    def is_revoked(self, uvci: str) -> bool:
        """A fixed set of keys has no revocation list."""
        return False
