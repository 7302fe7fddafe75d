"""Publishing the trust list and revoking single certificates, on top of the PKI."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from hcert import trustlist
from hcert.trustlist import uvci_hash
from keys.pki import Pki
from trust_list.builder import DEFAULT_VALIDITY, build_trust_list
from trust_list.publisher import Publisher


class RevocationStore(Protocol):
    """The hashes of revoked UVCIs."""

    def hashes(self) -> frozenset[bytes]:
        """All of them."""
        ...

    def add(self, uvci: str) -> bool:
        """Add one; False when it was already there."""
        ...


@dataclass
class MemoryRevocations:
    """Revoked UVCI hashes in a set (tests)."""

    revoked: set[bytes] = field(default_factory=set)

    def hashes(self) -> frozenset[bytes]:
        """All of them."""
        return frozenset(self.revoked)

    def add(self, uvci: str) -> bool:
        """Add one; False when it was already there."""
        h = uvci_hash(uvci)
        new = h not in self.revoked
        self.revoked.add(h)
        return new


class FileRevocations(MemoryRevocations):
    """Revoked UVCI hashes in a JSON file (hex), rewritten atomically."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        if path.exists():
            self.revoked = {bytes.fromhex(h) for h in json.loads(path.read_text())}

    def add(self, uvci: str) -> bool:
        """Add one and save."""
        new = super().add(uvci)
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(sorted(h.hex() for h in self.revoked), indent=1))
            os.replace(tmp, self.path)
        return new


@dataclass
class TrustListService:
    """Builds, signs and publishes trust lists.

    Attributes:
        pki: the keys.
        publisher: where lists go.
        revocations: revoked certificates.
        validity: how long a published list may be relied on (default 7 days).
        cross_certificates: DER of cross certificates to send along in the signature chain
            (after a CSCA renewal, so that verifiers pinned to the old CSCA follow).
    """

    pki: Pki
    publisher: Publisher
    revocations: RevocationStore
    validity: timedelta = DEFAULT_VALIDITY
    cross_certificates: list[bytes] = field(default_factory=list)

    def publish(self) -> tuple[int, str]:
        """Publish the next version; return it and where it went."""
        version = self.publisher.latest_version() + 1
        content = build_trust_list(
            self.pki.registry.all(),
            version=version,
            now=self.pki.clock.now(),
            revoked_uvci_hashes=self.revocations.hashes(),
            validity=self.validity,
            issuer=self.pki.country,
        )
        signer, chain = self.pki.trust_list_signer()
        data = trustlist.sign(content, signer, [*chain, *self.cross_certificates])
        return version, self.publisher.publish(version, data)

    def revoke_certificate(self, uvci: str) -> bool:
        """Put one certificate on the revocation list (from the next publication on)."""
        return self.revocations.add(uvci)
