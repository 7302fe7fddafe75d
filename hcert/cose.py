"""COSE_Sign1 (RFC 9052 §4.2) as the hcert spec uses it (§3.3): ES256 and PS256 only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any, Protocol

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from hcert import cbor
from hcert.errors import DecodeError, ErrorCode, SignatureError, UnsupportedError
from hcert.limits import DecodeLimits

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class CoseTag(IntEnum):
    """CBOR tags around a COSE message (RFC 9052 §2, RFC 8392 §6)."""

    SIGN1 = 18
    SIGN = 98
    CWT = 61


class HeaderLabel(IntEnum):
    """COSE header parameters we read (RFC 9052 §3.1)."""

    ALG = 1
    CRIT = 2
    CONTENT_TYPE = 3
    KID = 4


class CoseAlgorithm(IntEnum):
    """COSE algorithm identifiers (RFC 9053); hcert spec 3.3.2 allows ES256 and PS256."""

    ES256 = -7
    PS256 = -37
    # recognised so that errors can name them; never accepted
    EDDSA = -8
    ES384 = -35
    ES512 = -36
    PS384 = -38
    PS512 = -39


_ALG_NAMES = {a.value: a.name for a in CoseAlgorithm}
KID_LENGTH = 8  # hcert spec 3.3.1: the first 8 bytes of the SHA-256 of the DSC
ES256_SIGNATURE_LENGTH = 64  # RFC 9053 §2.1: r ‖ s, 32 bytes each
PSS_SALT_LENGTH = 32  # RFC 8230 §2: the salt is as long as the hash output
_SIG1_HEAD = b"\x84\x6aSignature1"  # array(4), text(10) "Signature1"
_SIGN1_HEAD = b"\xd2\x84"  # tag(18), array(4)
_EMPTY_MAP = b"\xa0"
_SHA256 = hashes.SHA256()
_ECDSA_SHA256 = ec.ECDSA(_SHA256)
_PSS_SHA256 = padding.PSS(mgf=padding.MGF1(_SHA256), salt_length=PSS_SALT_LENGTH)


@dataclass(frozen=True, slots=True)
class CoseSign1:
    """A decoded COSE_Sign1 message whose signature is not yet checked.

    Attributes:
        protected_bytes: the protected header exactly as sent (it is what was signed).
        protected: the decoded protected header.
        unprotected: the unprotected header.
        payload: the signed payload (a CWT).
        signature: the signature bytes (r ‖ s for ECDSA).
    """

    protected_bytes: bytes
    protected: Mapping[Any, Any]
    unprotected: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    def header(self, label: HeaderLabel) -> Any:
        """A header value: from the protected header if there, else the unprotected one."""
        if label in self.protected:
            return self.protected[label]
        return self.unprotected.get(label)

    @property
    def algorithm(self) -> int | None:
        """The `alg` header (protected wins), or None."""
        alg = self.header(HeaderLabel.ALG)
        return alg if isinstance(alg, int) else None

    @property
    def kid(self) -> bytes | None:
        """The `kid` header (protected wins), or None."""
        kid = self.header(HeaderLabel.KID)
        return kid if isinstance(kid, bytes) else None

    def to_be_signed(self) -> bytes:
        """The Sig_structure bytes (RFC 9052 §4.4) the signature covers."""
        return sig_structure(self.protected_bytes, self.payload)


def sig_structure(protected_bytes: bytes, payload: bytes) -> bytes:
    """Encode `["Signature1", protected, external_aad = h'', payload]` (RFC 9052 §4.4).

    Written out byte by byte (deterministic CBOR, RFC 8949 §4.2.1): it is on the hot path of
    both signing and verifying.
    """
    return _SIG1_HEAD + _bstr(protected_bytes) + b"\x40" + _bstr(payload)


def _bstr(data: bytes) -> bytes:
    """A CBOR byte string (major type 2) with its shortest length head (RFC 8949 §3.1)."""
    n = len(data)
    if n < 24:
        return bytes((0x40 | n,)) + data
    if n < 0x100:
        return bytes((0x58, n)) + data
    if n < 0x10000:
        return b"\x59" + n.to_bytes(2, "big") + data
    return b"\x5a" + n.to_bytes(4, "big") + data


def decode_sign1(data: bytes, limits: DecodeLimits) -> CoseSign1:
    """Decode a COSE_Sign1 message: tag 18, untagged, or tag 61 around tag 18.

    Args:
        data: the CBOR bytes of the message.
        limits: decoding bounds.

    Returns:
        The message, signature unchecked.

    Raises:
        DecodeError: CBOR_* codes, COSE_STRUCTURE_INVALID, COSE_HEADER_INVALID.
        UnsupportedError: FORMAT_UNSUPPORTED for COSE_Sign (several signers) or a detached payload.
    """
    obj = cbor.loads(data, limits)
    if isinstance(obj, cbor2.CBORTag) and obj.tag == CoseTag.CWT:
        obj = obj.value  # seen in real data: a CWT tag around the COSE tag (RFC 8392 §6)
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag == CoseTag.SIGN:
            raise UnsupportedError(ErrorCode.FORMAT_UNSUPPORTED, "COSE_Sign (several signers)")
        if obj.tag != CoseTag.SIGN1:
            raise DecodeError(
                ErrorCode.COSE_STRUCTURE_INVALID,
                f"got CBOR tag {obj.tag}, expected 18 (COSE_Sign1)",
            )
        obj = obj.value
    if not isinstance(obj, list | tuple) or len(obj) != 4:
        raise DecodeError(
            ErrorCode.COSE_STRUCTURE_INVALID, "expected a COSE_Sign1 array of 4 elements"
        )
    protected_bytes, unprotected, payload, signature = obj
    if payload is None:
        raise UnsupportedError(ErrorCode.FORMAT_UNSUPPORTED, "detached COSE payload")
    if not (
        isinstance(protected_bytes, bytes)
        and isinstance(unprotected, Mapping)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        raise DecodeError(
            ErrorCode.COSE_STRUCTURE_INVALID,
            "expected [protected: bstr, unprotected: map, payload: bstr, signature: bstr]",
        )
    protected: Any = {}
    if protected_bytes:
        protected = cbor.loads(protected_bytes, limits)
        if not isinstance(protected, Mapping):
            raise DecodeError(ErrorCode.COSE_HEADER_INVALID, "protected header is not a map")
    return CoseSign1(protected_bytes, protected, unprotected, payload, signature)


def verify_signature(message: CoseSign1, public_key: PublicKey) -> None:
    """Check the signature of `message` with `public_key`.

    Args:
        message: a decoded COSE_Sign1.
        public_key: the DSC's public key.

    Raises:
        UnsupportedError: ALGORITHM_MISSING, ALGORITHM_UNSUPPORTED.
        SignatureError: ALGORITHM_KEY_MISMATCH (e.g. a P-384 key under ES256),
            SIGNATURE_LENGTH_INVALID, SIGNATURE_INVALID.
    """
    alg = message.algorithm
    if alg is None:
        raise UnsupportedError(ErrorCode.ALGORITHM_MISSING, "no alg in the COSE headers")
    verify_raw(alg, public_key, message.signature, message.to_be_signed())


def verify_raw(alg: int, public_key: PublicKey, signature: bytes, data: bytes) -> None:
    """Check a COSE-form signature (raw r ‖ s for ECDSA) of `data` under algorithm `alg`.

    Raises:
        UnsupportedError: ALGORITHM_UNSUPPORTED.
        SignatureError: ALGORITHM_KEY_MISMATCH, SIGNATURE_LENGTH_INVALID, SIGNATURE_INVALID.
    """
    try:
        if alg == CoseAlgorithm.ES256:
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
                public_key.curve, ec.SECP256R1
            ):
                raise SignatureError(
                    ErrorCode.ALGORITHM_KEY_MISMATCH,
                    f"got a {_describe(public_key)} key, ES256 expects P-256",
                )
            if len(signature) != ES256_SIGNATURE_LENGTH:
                raise SignatureError(
                    ErrorCode.SIGNATURE_LENGTH_INVALID,
                    f"got a {len(signature)}-byte signature, ES256 expects 64",
                )
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public_key.verify(der, data, _ECDSA_SHA256)
        elif alg == CoseAlgorithm.PS256:
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise SignatureError(
                    ErrorCode.ALGORITHM_KEY_MISMATCH,
                    f"got a {_describe(public_key)} key, PS256 expects RSA",
                )
            if len(signature) != (public_key.key_size + 7) // 8:
                raise SignatureError(
                    ErrorCode.SIGNATURE_LENGTH_INVALID,
                    f"got a {len(signature)}-byte signature for a {public_key.key_size}-bit key",
                )
            public_key.verify(signature, data, _PSS_SHA256, _SHA256)
        else:
            name = _ALG_NAMES.get(alg, str(alg))
            raise UnsupportedError(
                ErrorCode.ALGORITHM_UNSUPPORTED, f"got alg {name}, expected ES256 or PS256"
            )
    except InvalidSignature as e:
        raise SignatureError(ErrorCode.SIGNATURE_INVALID, "the signature does not verify") from e


def _describe(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    return type(key).__name__


class Signer(Protocol):
    """Anything that signs COSE messages: a key in memory, a key file, an HSM."""

    @property
    def algorithm(self) -> CoseAlgorithm:
        """The COSE algorithm this signer produces."""
        ...

    @property
    def kid(self) -> bytes:
        """The key identifier written into the protected header."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign `data`, returning the signature in COSE form (raw r ‖ s for ECDSA)."""
        ...


@dataclass(frozen=True, slots=True)
class KeySigner:
    """A `Signer` over a private key held in memory (ES256 for P-256, PS256 for RSA).

    Attributes:
        private_key: a P-256 EC or an RSA private key.
        kid: the key identifier of the DSC (see `hcert.x509.kid_of`).
    """

    private_key: PrivateKey
    kid: bytes

    @property
    def algorithm(self) -> CoseAlgorithm:
        """ES256 for an EC key, PS256 for an RSA key."""
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return CoseAlgorithm.ES256
        return CoseAlgorithm.PS256

    def sign(self, data: bytes) -> bytes:
        """Sign `data`; ECDSA signatures come back as raw r ‖ s (RFC 9053 §2.1)."""
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(self.private_key.sign(data, _ECDSA_SHA256))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self.private_key.sign(data, _PSS_SHA256, _SHA256)


def encode_sign1(payload: bytes, signer: Signer) -> bytes:
    """Build a tagged COSE_Sign1 with `alg` and `kid` in the protected header (hcert spec 3.3).

    Args:
        payload: the bytes to sign (a CWT).
        signer: produces the signature.

    Returns:
        The CBOR bytes of the message, tag 18.
    """
    protected_bytes = _protected_header(signer.algorithm, signer.kid)
    signature = signer.sign(sig_structure(protected_bytes, payload))
    return _SIGN1_HEAD + _bstr(protected_bytes) + _EMPTY_MAP + _bstr(payload) + _bstr(signature)


@lru_cache(maxsize=64)
def _protected_header(algorithm: CoseAlgorithm, kid: bytes) -> bytes:
    return cbor2.dumps({HeaderLabel.ALG: algorithm, HeaderLabel.KID: kid})
