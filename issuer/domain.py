"""The registry's vocabulary: the states and roles its records take, with no database in them.

These enums are what the services, the web layer and the models share; `issuer.models` stores
them, `issuer.web` reads and writes them without importing the ORM.
"""

from __future__ import annotations

from enum import StrEnum


class VerificationStatus(StrEnum):
    """Identity verification against the resident registry (letters 003 and 004)."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


class Role(StrEnum):
    """What a staff account may do."""

    SITE_STAFF = "site_staff"  # their facility only
    FACILITY_ADMIN = "facility_admin"
    PROVINCIAL_ADMIN = "provincial_admin"  # their province
    NATIONAL_ADMIN = "national_admin"  # keys and trust list
    AUDITOR = "auditor"  # read-only


class ScreeningOutcome(StrEnum):
    """The pre-vaccination screening result (khám sàng lọc)."""

    ELIGIBLE = "eligible"
    PRECAUTION = "precaution"  # vaccinate with precaution, at a hospital-grade site
    POSTPONE = "postpone"
    CONTRAINDICATED = "contraindicated"
    REFER = "refer"  # refer to hospital


class SignState(StrEnum):
    """Where a dose stands on its way to a certificate."""

    WAITING = "waiting"  # not signable yet: identity unverified, or no active DSC
    PENDING = "pending"  # signable: in the backlog
    SIGNED = "signed"


class CertificateStatus(StrEnum):
    """A certificate's standing."""

    VALID = "valid"
    SUPERSEDED = "superseded"  # re-issued after a correction; its UVCI is revoked
    REVOKED = "revoked"


class TeamRole(StrEnum):
    """What a member does in the team."""

    LEAD = "lead"  # trưởng ê kíp
    SCREENING = "screening"  # khám sàng lọc
    VACCINATOR = "vaccinator"  # tiêm
    DATA_ENTRY = "data_entry"  # nhập liệu
    OBSERVATION = "observation"  # theo dõi sau tiêm
