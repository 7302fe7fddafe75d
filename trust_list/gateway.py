"""The DCC Gateway's trust-list shape.

A JSON array of ``{kid, country, certificateType, rawData}``, kid and rawData in base64.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from hcert.x509 import kid_of


def gateway_entry(certificate: x509.Certificate) -> dict[str, str]:
    """One DSC as the DCC Gateway lists it (kid and rawData in standard base64)."""
    der = certificate.public_bytes(Encoding.DER)
    countries = certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    return {
        "kid": base64.b64encode(kid_of(der)).decode("ascii"),
        "country": str(countries[0].value) if countries else "",
        "certificateType": "DSC",
        "rawData": base64.b64encode(der).decode("ascii"),
    }


def export_gateway_json(certificates: Iterable[x509.Certificate]) -> bytes:
    """The DCC Gateway JSON for `certificates`, UTF-8, indented for people to read."""
    return json.dumps([gateway_entry(c) for c in certificates], indent=2).encode("utf-8") + b"\n"
