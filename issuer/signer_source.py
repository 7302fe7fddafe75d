"""The issuer's signer: the PKI's active DSC, when the lifecycle allows it to sign."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hcert.clock import SystemClock
from hcert.cose import Signer
from keys.audit import FileAuditLog
from keys.lifecycle import LifecycleError, check_can_sign
from keys.pki import Pki
from keys.registry import FileRegistry
from keys.store import FileKeyStore, KeyStore, KeyStoreError, passphrase_from_environment


@dataclass
class PkiSignerSource:
    """Signs with the most recently activated ACTIVE DSC; None when there is none (yet).

    The signer (a decrypted key, or an HSM handle) is kept while the same DSC stays active; the
    lifecycle is checked again on every call, and the registry re-read when its file changed.
    """

    pki: Pki | None
    _cached: tuple[str, Signer] | None = field(default=None, repr=False)

    @classmethod
    def from_data_dir(cls, data_dir: str | Path) -> PkiSignerSource:
        """The PKI under `data_dir`; an absent PKI (or passphrase) means no signer, not an error."""
        keys = Path(data_dir) / "keys"
        if not (keys / "registry.json").exists():
            return cls(None)
        try:
            store = FileKeyStore(keys, passphrase_from_environment(keys / "passphrase"))
        except KeyStoreError:
            return cls(None)
        dsc_store: KeyStore = store
        if os.environ.get("VAXPASS_PKCS11_TOKEN"):
            from keys.pkcs11 import Pkcs11KeyStore  # noqa: PLC0415 (the optional extra hsm)

            dsc_store = Pkcs11KeyStore.from_environment()
        registry = FileRegistry(keys / "registry.json")
        return cls(
            Pki(
                registry,
                store,
                dsc_store,
                FileAuditLog(keys / "audit.log"),
                SystemClock(),
                actor="issuer",
            )
        )

    def signer(self, expires_at: datetime) -> Signer | None:
        """The active DSC's signer for certificates expiring at `expires_at`, or None."""
        if self.pki is None:
            return None
        if isinstance(self.pki.registry, FileRegistry):
            self.pki.registry.refresh()
        record = self.pki.active_dsc()
        if record is None:
            return None
        try:
            check_can_sign(record, self.pki.clock.now(), expires_at)
            if self._cached is None or self._cached[0] != record.name:
                self._cached = (record.name, self.pki.dsc_store.signer(record.name, record.kid))
        except (LifecycleError, KeyStoreError):
            return None
        return self._cached[1]
