"""The signing PKI as administrators run it: create, rotate, revoke, and sign only when allowed.

`Pki` ties the key stores (private keys), the registry (records), the audit log and a clock
together. The CSCA keeps its keys in `ca_store`, the trust-list signer in `trust_list_store`
(encrypted files by default, each class under its own passphrase: `keys.passphrases`); DSCs in
`dsc_store`, which may be an HSM (`keys.pkcs11`). A store's passphrase is asked for when one of
its keys is first used, so the issuer service, which only signs with DSCs, never needs the CSCA's.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hcert.certtype import CertType
from hcert.clock import Clock
from hcert.cose import Signer
from hcert.x509 import kid_of
from keys.audit import AuditEntry, AuditLog
from keys.certificates import (
    IssuedCertificate,
    create_csca,
    cross_certificate,
    issue_dsc,
    issue_trust_list_signer,
)
from keys.lifecycle import (
    KeyRecord,
    KeyState,
    LifecycleError,
    Policy,
    Role,
    check_can_sign,
    state_at,
)
from keys.pkcs8 import KDF_ROUNDS
from keys.registry import Registry, RegistryError
from keys.store import FileKeyStore, KeyStore, KeyStoreError

ALL_TYPES = frozenset(CertType)


def current_actor() -> str:
    """Who is operating: ``VAXPASS_ACTOR``, else the operating-system user."""
    return os.environ.get("VAXPASS_ACTOR") or getpass.getuser()


@dataclass
class Pki:
    """The signing PKI.

    Attributes:
        registry: the key records.
        ca_store: private keys of the CSCA (and of the trust-list signer, when
            `trust_list_store` is None).
        dsc_store: private keys of the DSCs (may be an HSM).
        audit: where every key operation is recorded.
        clock: the time.
        policy: lead time, usage period, validities.
        country: our country code.
        actor: who operates (recorded in the audit log).
        trust_list_store: private keys of the trust-list signer (None: `ca_store`).
    """

    registry: Registry
    ca_store: KeyStore
    dsc_store: KeyStore
    audit: AuditLog
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    country: str = "VN"
    actor: str = field(default_factory=current_actor)
    trust_list_store: KeyStore | None = None

    def store_for(self, record: KeyRecord) -> KeyStore:
        """The store that holds the private key of `record`.

        Raises:
            KeyStoreError: it is a foreign DSC, whose private key we never hold.
        """
        if record.role is Role.CSCA:
            return self.ca_store
        if record.role is Role.TRUST_LIST_SIGNER:
            return self.trust_list_store or self.ca_store
        if record.role is Role.DSC:
            return self.dsc_store
        raise KeyStoreError(f"{record.name} is a {record.role}: we hold no private key for it")

    # -- the CSCA and the trust-list signer --------------------------------------------------

    def init_csca(self, name: str = "csca", common_name: str = "Viet Nam CSCA") -> KeyRecord:
        """Create the country signing CA (once; `rotate_csca` renews it)."""
        if any(r.role is Role.CSCA for r in self.registry.all()):
            raise RegistryError("a CSCA exists already: use rotate-csca to renew it")
        return self._new_csca(name, common_name)

    def _new_csca(self, name: str, common_name: str) -> KeyRecord:
        now = self.clock.now()
        self.ca_store.generate(name, "ES256")
        issued = create_csca(
            common_name=common_name,
            now=now,
            validity=self.policy.csca_validity,
            country=self.country,
            private_key=self.ca_store.private_key(name),
        )
        record = self._record(name, Role.CSCA, issued.certificate, self.ca_store.backend, "ES256")
        self.registry.add(record)
        self._log("create-csca", record)
        return record

    def csca(self) -> KeyRecord:
        """The CSCA in force: the newest that has not expired.

        Raises:
            RegistryError: there is none yet.
        """
        now = self.clock.now()
        cscas = [r for r in self.registry.all() if r.role is Role.CSCA and now < r.not_after]
        if not cscas:
            raise RegistryError("no CSCA: run `vaxpass keys init-csca` first")
        return cscas[-1]

    def _issuer(self) -> IssuedCertificate:
        record = self.csca()
        return IssuedCertificate(self.ca_store.private_key(record.name), _cert(record))

    def rotate_csca(self, name: str, common_name: str) -> tuple[KeyRecord, x509.Certificate]:
        """Renew the CSCA: a new root, and the old one's cross certificate for it."""
        old = self._issuer()
        record = self._new_csca(name, common_name)
        cross = cross_certificate(
            old, _cert(record), now=self.clock.now(), validity=self.policy.csca_validity
        )
        self._log("cross-certify-csca", record, {"by": old.certificate.subject.rfc4514_string()})
        return record, cross

    def create_trust_list_signer(self, name: str = "trust-list-signer") -> KeyRecord:
        """Create the key that signs trust lists, certified by the CSCA."""
        issuer = self._issuer()
        store = self.trust_list_store or self.ca_store
        public_key = store.generate(name, "ES256")
        certificate = issue_trust_list_signer(
            issuer,
            public_key,
            common_name="Viet Nam DCC trust list signer",
            now=self.clock.now(),
            validity=self.policy.trust_list_signer_validity,
            country=self.country,
        )
        record = self._record(name, Role.TRUST_LIST_SIGNER, certificate, store.backend, "ES256")
        self.registry.add(record)
        self._log("create-trust-list-signer", record)
        return record

    def trust_list_signer(self) -> tuple[Signer, list[bytes]]:
        """The newest valid trust-list signer and its certificate chain.

        Raises:
            RegistryError: there is none.
        """
        now = self.clock.now()
        signers = [
            r
            for r in self.registry.all()
            if r.role is Role.TRUST_LIST_SIGNER and state_at(r, now) is KeyState.ACTIVE
        ]
        if not signers:
            raise RegistryError("no trust-list signer: run `vaxpass keys create-trust-list-signer`")
        record = signers[-1]
        return self.store_for(record).signer(record.name, record.kid), [record.certificate]

    # -- document signers --------------------------------------------------------------------

    def create_dsc(
        self,
        name: str,
        *,
        algorithm: str = "ES256",
        cert_types: frozenset[CertType] | None = ALL_TYPES,
        predecessor: str | None = None,
    ) -> KeyRecord:
        """Create a DSC. It is published at once and may sign after the lead time."""
        issuer = self._issuer()
        now = self.clock.now()
        activate_at = now + self.policy.lead_time
        usage_until = activate_at + self.policy.usage_period
        public_key = self.dsc_store.generate(name, algorithm)
        certificate = issue_dsc(
            issuer,
            public_key,
            common_name=f"Viet Nam DSC {name}",
            now=now,
            validity=self.policy.dsc_validity,
            usage_period=(activate_at, usage_until),
            cert_types=cert_types,
            country=self.country,
        )
        record = replace(
            self._record(name, Role.DSC, certificate, self.dsc_store.backend, algorithm),
            activate_at=activate_at,
            usage_until=usage_until,
            cert_types=cert_types,
            predecessor=predecessor,
        )
        self.registry.add(record)
        self._log(
            "create-dsc",
            record,
            {"activate_at": activate_at.isoformat(), "usage_until": usage_until.isoformat()},
        )
        return record

    def rotate(self, name: str, successor_name: str | None = None) -> KeyRecord:
        """Create the successor of DSC `name`; the predecessor retires when it activates."""
        old = self.registry.get(name)
        if old.role is not Role.DSC:
            raise LifecycleError("KEY_NOT_A_SIGNER", f"{name} is a {old.role}, not a DSC")
        if old.successor is not None:
            raise LifecycleError("KEY_ROTATED", f"{name} was already rotated to {old.successor}")
        new = self.create_dsc(
            successor_name or _next_name(name, self.registry),
            algorithm=old.algorithm,
            cert_types=old.cert_types,
            predecessor=name,
        )
        retired = replace(old, successor=new.name, retired_at=new.activate_at)
        self.registry.update(retired)
        self._log(
            "rotate", retired, {"successor": new.name, "retires_at": new.activate_at.isoformat()}
        )
        return new

    def revoke(self, name: str, reason: str) -> KeyRecord:
        """Revoke DSC `name` at once (compromise): the next trust list marks it revoked."""
        record = self.registry.get(name)
        if record.revoked_at is not None:
            return record
        revoked = replace(record, revoked_at=self.clock.now(), revocation_reason=reason)
        self.registry.update(revoked)
        self._log("revoke", revoked, {"reason": reason})
        return revoked

    def signer_for(
        self, name: str, expires_at: datetime, cert_type: CertType | None = None
    ) -> Signer:
        """A signer for DSC `name`, if the lifecycle lets it sign a certificate to `expires_at`.

        Raises:
            LifecycleError: pending, retired, revoked, expired, or the certificate outlives the DSC.
        """
        record = self.registry.get(name)
        check_can_sign(record, self.clock.now(), expires_at, cert_type)
        return self.dsc_store.signer(name, record.kid)

    def reencrypt(self, name: str, old_passphrase: bytes | None = None) -> KeyRecord:
        """Re-encrypt the key file of `name` under its class's passphrase and the current work
        factor (`keys.pkcs8.KDF_ROUNDS`); `old_passphrase` opens it (None: that same passphrase).

        Raises:
            RegistryError: no such key.
            KeyStoreError: the key is not in an encrypted file, or will not open.
        """  # noqa: D205
        record = self.registry.get(name)
        store = self.store_for(record)
        if not isinstance(store, FileKeyStore) or record.backend != store.backend:
            raise KeyStoreError(f"{name} is not in an encrypted file ({record.backend})")
        store.reencrypt(name, old_passphrase)
        self._log("re-encrypt", record, {"kdf": f"PBKDF2-HMAC-SHA256, {KDF_ROUNDS} rounds"})
        return record

    def active_dsc(self) -> KeyRecord | None:
        """The DSC that signs now: the most recently activated ACTIVE one, if any."""
        now = self.clock.now()
        active = [
            r
            for r in self.registry.all()
            if r.role is Role.DSC and state_at(r, now) is KeyState.ACTIVE
        ]
        return max(active, key=lambda r: r.activate_at, default=None)

    def import_foreign(self, entries: Iterable[tuple[str, bytes]]) -> list[KeyRecord]:
        """Add other countries' DSCs (country, DER) so that their certificates verify here too.

        Entries already known (same kid) are skipped.
        """
        known = {r.kid for r in self.registry.all()}
        added = []
        for country, der in entries:
            certificate = x509.load_der_x509_certificate(der)
            kid = kid_of(der)
            if kid in known:
                continue
            record = replace(
                self._record(
                    f"{country.lower()}-{kid.hex()}", Role.FOREIGN_DSC, certificate, "none", "?"
                ),
                country=country,
            )
            self.registry.add(record)
            self._log("import-foreign-dsc", record)
            known.add(kid)
            added.append(record)
        return added

    # -- helpers ------------------------------------------------------------------------------

    def _record(
        self, name: str, role: Role, certificate: x509.Certificate, backend: str, algorithm: str
    ) -> KeyRecord:
        der = certificate.public_bytes(Encoding.DER)
        return KeyRecord(
            name=name,
            role=role,
            kid=kid_of(der),
            certificate=der,
            backend=backend,
            algorithm=algorithm,
            country=self.country,
            created_at=certificate.not_valid_before_utc,
            activate_at=certificate.not_valid_before_utc,
            usage_until=certificate.not_valid_after_utc,
            not_after=certificate.not_valid_after_utc,
        )

    def _log(self, action: str, record: KeyRecord, details: dict[str, str] | None = None) -> None:
        self.audit.append(
            AuditEntry(
                at=self.clock.now(),
                actor=self.actor,
                action=action,
                key=record.name,
                fingerprint=hashlib.sha256(record.certificate).hexdigest(),
                details={"kid": record.kid.hex(), "role": record.role.value, **(details or {})},
            )
        )


def _cert(record: KeyRecord) -> x509.Certificate:
    return x509.load_der_x509_certificate(record.certificate)


def _next_name(name: str, registry: Registry) -> str:
    """``dsc-hanoi`` → ``dsc-hanoi-2``, ``dsc-hanoi-2`` → ``dsc-hanoi-3`` (first free)."""
    base, _, number = name.rpartition("-")
    stem, n = (base, int(number) + 1) if base and number.isdigit() else (name, 2)
    taken = {r.name for r in registry.all()}
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"
