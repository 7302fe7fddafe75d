"""The DSC lifecycle (ARCHITECTURE §5), as pure functions of a record and one reference time.

``PENDING → ACTIVE → RETIRED → EXPIRED (removed from trust lists)``, and ``REVOKED`` at any
point. A new DSC is published while PENDING and may sign only from `activate_at`, after a lead
time in which verifiers learn it ("publish before use"). It signs until its private-key usage
period ends or its successor activates, and stays published until its certificate expires, by
which time every certificate it signed has expired too (signing refuses an `exp` beyond it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hcert.certtype import CertType


class Role(StrEnum):
    """What a key is for."""

    CSCA = "csca"
    TRUST_LIST_SIGNER = "trust-list-signer"
    DSC = "dsc"
    FOREIGN_DSC = "foreign-dsc"  # another country's DSC, imported: we hold no private key


class KeyState(StrEnum):
    """Where a key stands at a given time."""

    PENDING = "pending"
    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"
    EXPIRED = "expired"  # its certificate has expired: it is no longer published


@dataclass(frozen=True, slots=True)
class Policy:
    """Time rules of the PKI, with the defaults of issue 3.

    Attributes:
        lead_time: from publication in a trust list to the first signature.
        usage_period: how long a DSC's private key signs.
        certificate_validity: `exp - iat` of the vaccination certificates (Vietnam: 12 months).
        csca_validity: the root's certificate validity.
        trust_list_signer_validity: the trust-list signer's certificate validity.
    """

    lead_time: timedelta = timedelta(hours=48)
    usage_period: timedelta = timedelta(days=182)
    certificate_validity: timedelta = timedelta(days=365)
    csca_validity: timedelta = timedelta(days=3650)
    trust_list_signer_validity: timedelta = timedelta(days=730)

    @property
    def dsc_validity(self) -> timedelta:
        """A DSC verifies from creation to the end of the last certificate it may sign."""
        return self.lead_time + self.usage_period + self.certificate_validity


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """Everything the registry knows of one key (never the private key itself).

    Attributes:
        name: unique, chosen by the administrator (e.g. ``dsc-hanoi-2``).
        role: what it is for.
        kid: the key identifier (first 8 bytes of SHA-256 of `certificate`).
        certificate: the DER of its certificate.
        backend: where the private key lives (``file``, ``pkcs11``, ``memory``; ``none`` for a
            foreign DSC).
        algorithm: ``ES256`` or ``PS256``.
        country: its country.
        created_at: when it was created (its certificate's notBefore).
        activate_at: when it may first sign.
        usage_until: when its private-key usage period ends.
        not_after: when its certificate expires.
        cert_types: the DCC types it may sign (None: all).
        retired_at: when it stops signing because a successor took over.
        revoked_at: when it was revoked.
        revocation_reason: why.
        predecessor: the key it replaces.
        successor: the key that replaces it.
    """

    name: str
    role: Role
    kid: bytes
    certificate: bytes
    backend: str
    algorithm: str
    country: str
    created_at: datetime
    activate_at: datetime
    usage_until: datetime
    not_after: datetime
    cert_types: frozenset[CertType] | None = None
    retired_at: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    predecessor: str | None = None
    successor: str | None = None


def state_at(record: KeyRecord, now: datetime) -> KeyState:
    """The state of `record` at `now`."""
    if record.revoked_at is not None and now >= record.revoked_at:
        return KeyState.REVOKED
    if now >= record.not_after:
        return KeyState.EXPIRED
    if now < record.activate_at:
        return KeyState.PENDING
    if now >= record.usage_until or (record.retired_at is not None and now >= record.retired_at):
        return KeyState.RETIRED
    return KeyState.ACTIVE


class LifecycleError(Exception):
    """An operation the lifecycle forbids; `code` is stable.

    Codes: ``KEY_PENDING``, ``KEY_RETIRED``, ``KEY_REVOKED``, ``KEY_EXPIRED``,
    ``KEY_NOT_A_SIGNER``, ``CERTIFICATE_OUTLIVES_DSC``, ``KEY_USAGE_FORBIDS``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def check_can_sign(
    record: KeyRecord, now: datetime, expires_at: datetime, cert_type: CertType | None = None
) -> None:
    """Refuse to sign unless `record` is an ACTIVE DSC that outlives the certificate.

    Raises:
        LifecycleError: with the codes listed on the class.
    """
    if record.role is not Role.DSC:
        raise LifecycleError("KEY_NOT_A_SIGNER", f"{record.name} is a {record.role}, not a DSC")
    state = state_at(record, now)
    if state is KeyState.PENDING:
        raise LifecycleError(
            "KEY_PENDING",
            f"{record.name} is published but may sign only from "
            f"{record.activate_at:%Y-%m-%d %H:%M} UTC",
        )
    if state is not KeyState.ACTIVE:
        raise LifecycleError(f"KEY_{state.name}", f"{record.name} is {state}: it may not sign")
    if expires_at > record.not_after:
        raise LifecycleError(
            "CERTIFICATE_OUTLIVES_DSC",
            f"exp {expires_at:%Y-%m-%d} is after the end of {record.name} "
            f"({record.not_after:%Y-%m-%d})",
        )
    if (
        cert_type is not None
        and record.cert_types is not None
        and cert_type not in record.cert_types
    ):
        raise LifecycleError("KEY_USAGE_FORBIDS", f"{record.name} may not sign {cert_type.value!r}")
