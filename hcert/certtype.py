"""The three kinds of DCC and the DSC key-usage OIDs that allow each (hcert spec 5.1.1)."""

from __future__ import annotations

from enum import StrEnum


class CertType(StrEnum):
    """A DCC carries exactly one of these entries; the value is its payload key."""

    TEST = "t"
    VACCINATION = "v"
    RECOVERY = "r"


# Extended-key-usage OIDs on a DSC. Two families are in use: the spec's
# 1.3.6.1.4.1.1847.2021.1.x and an early form 1.3.6.1.4.1.0.1847.2021.1.x (most EU vectors).
# A DSC with none of them may sign every type.
KEY_USAGE_OIDS: dict[str, CertType] = {
    f"1.3.6.1.4.1.{family}1847.2021.1.{n}": cert_type
    for family in ("", "0.")
    for n, cert_type in ((1, CertType.TEST), (2, CertType.VACCINATION), (3, CertType.RECOVERY))
}
