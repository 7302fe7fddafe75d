"""Loading trusted DSCs from disk: a DCC Gateway-shaped JSON list or a folder of certificates.

This is the shell around `StaticTrustStore`: the only module of `verifier` that reads files.
The signed trust list of our own design arrives with the trust-list work (ARCHITECTURE §5).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path
from typing import Any

from hcert.errors import ErrorCode, HcertError, TrustError
from hcert.x509 import parse_signer_certificate
from verifier.trust_store import StaticTrustStore, TrustedKey

MAX_TRUST_FILE_BYTES = 64 * 1024 * 1024
_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def load_trust_store(path: Path) -> StaticTrustStore:
    """Load trusted DSCs from `path`.

    Args:
        path: a DCC Gateway JSON list (``[{"kid", "country", "certificateType", "rawData"}]``),
            a PEM file of one or more certificates, a DER certificate, or a folder of those.

    Returns:
        The store.

    Raises:
        TrustError: TRUST_LIST_MISSING when nothing is at `path`; TRUST_LIST_INVALID for an
            unreadable file or an entry that does not parse (the message names the entry).
    """
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _CERT_SUFFIXES)
        return StaticTrustStore(
            key for f in files for key in _certificates_in(read_trust_file(f), f.name)
        )
    data = read_trust_file(path)
    if data.lstrip()[:1] == b"[":
        return StaticTrustStore(parse_dcc_gateway_list(data))
    return StaticTrustStore(_certificates_in(data, path.name))


def parse_dcc_gateway_list(data: bytes) -> list[TrustedKey]:
    """Parse the DCC Gateway's trust-list shape.

    Entries whose ``certificateType`` is present and not ``DSC`` (CSCA, upload and
    authentication certificates) are skipped. A missing ``kid`` is computed from the DER.

    Raises:
        TrustError: TRUST_LIST_INVALID, naming the offending entry.
    """
    try:
        entries: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"not JSON: {e}") from e
    if not isinstance(entries, list):
        raise TrustError(ErrorCode.TRUST_LIST_INVALID, "expected a JSON array of DSC entries")
    keys = []
    for i, entry in enumerate(entries):
        where = f"entry {i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("rawData"), str):
            raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"{where}: no rawData")
        if entry.get("certificateType", "DSC") != "DSC":
            continue
        try:
            certificate = parse_signer_certificate(
                base64.b64decode(entry["rawData"], validate=True)
            )
            kid = (
                base64.b64decode(entry["kid"], validate=True)
                if entry.get("kid")
                else certificate.kid
            )
        except (binascii.Error, ValueError) as e:
            raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"{where}: bad base64: {e}") from e
        except HcertError as e:
            raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"{where}: {e.message}") from e
        country = entry.get("country")
        keys.append(TrustedKey(kid, certificate, country if isinstance(country, str) else None))
    return keys


def _certificates_in(data: bytes, name: str) -> list[TrustedKey]:
    blocks = _PEM_BLOCK.findall(data) or [data]
    keys = []
    for block in blocks:
        try:
            certificate = parse_signer_certificate(block)
        except HcertError as e:
            raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"{name}: {e.message}") from e
        keys.append(TrustedKey(certificate.kid, certificate, certificate.country))
    return keys


def read_trust_file(path: Path) -> bytes:
    """A trust file's bytes, refusing anything over 64 MiB.

    Raises:
        TrustError: TRUST_LIST_MISSING, TRUST_LIST_INVALID.
    """
    try:
        if path.stat().st_size > MAX_TRUST_FILE_BYTES:
            raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"{path}: larger than 64 MiB")
        return path.read_bytes()
    except FileNotFoundError as e:
        raise TrustError(ErrorCode.TRUST_LIST_MISSING, f"{path}: no such file") from e
    except OSError as e:
        raise TrustError(ErrorCode.TRUST_LIST_INVALID, f"{path}: {e.strerror}") from e
