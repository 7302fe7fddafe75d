"""The issuer's signer: the PKI's active DSC, when the lifecycle allows it to sign.

The issuer service is online, so it holds only what signing needs: the DSC keys and their
passphrase (``VAXPASS_DSC_PASSPHRASE``, ``VAXPASS_DSC_PASSPHRASE_FILE``, or a development file
`vaxpass demo` made), or an HSM. It never asks for the CSCA's or the trust-list signer's
passphrase, and the deprecated shared ``VAXPASS_KEY_PASSPHRASE`` is not read here.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hcert.clock import SystemClock
from hcert.cose import Signer
from keys.audit import FileAuditLog
from keys.lifecycle import LifecycleError, check_can_sign
from keys.passphrases import SHARED_ENV, SHARED_FILE_ENV, KeyClass, passphrase_for
from keys.pki import Pki
from keys.registry import FileRegistry
from keys.store import FileKeyStore, KeyStore, KeyStoreError, UnavailableKeyStore

log = logging.getLogger(__name__)
NO_CA_KEYS = "the issuer service holds no CSCA or trust-list key (they are for `vaxpass keys`)"


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
        """The PKI under `data_dir`, with the DSC keys only.

        DSCs sign from the PKCS#11 token when ``VAXPASS_PKCS11_TOKEN`` is set, else from their
        files under the DSC passphrase alone. An absent PKI (or DSC passphrase) means no
        signer, not an error; a missing passphrase is logged as a warning.
        """
        keys = Path(data_dir) / "keys"
        if not (keys / "registry.json").exists():
            return cls(None)
        dsc_store: KeyStore
        if os.environ.get("VAXPASS_PKCS11_TOKEN"):
            from keys.pkcs11 import Pkcs11KeyStore  # noqa: PLC0415 (the optional extra hsm)

            dsc_store = Pkcs11KeyStore.from_environment()
        else:
            try:
                dsc_store = FileKeyStore(keys, passphrase_for(KeyClass.DSC, keys))
            except KeyStoreError as e:
                shared = " and ".join(v for v in (SHARED_ENV, SHARED_FILE_ENV) if os.environ.get(v))
                note = f" ({shared}: not read by the issuer service)" if shared else ""
                log.warning("no DSC may sign: %s%s", e, note)
                return cls(None)
        no_ca_keys = UnavailableKeyStore(NO_CA_KEYS)
        registry = FileRegistry(keys / "registry.json")
        return cls(
            Pki(
                registry,
                no_ca_keys,
                dsc_store,
                FileAuditLog(keys / "audit.log"),
                SystemClock(),
                actor="issuer",
                trust_list_store=no_ca_keys,
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
