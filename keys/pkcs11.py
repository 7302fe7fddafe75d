"""Signing keys inside a hardware security module, through PKCS#11 (ARCHITECTURE §5).

The private key is created in the token with CKA_SENSITIVE true and CKA_EXTRACTABLE false
(PKCS#11 v2.40, private key objects), so it never leaves it: the token signs, we only read
public keys. Tested against SoftHSM2; `python-pkcs11` is the optional extra ``vaxpass[hsm]``,
imported on first use.

Sessions: PKCS#11 logs in per *application* (the process), not per session (v2.40, C_Login,
C_Logout): a second C_Login fails with CKR_USER_ALREADY_LOGGED_IN, and any C_Logout logs out
every session. So each process keeps ONE logged-in read/write session per (module, token),
shared by every `Pkcs11KeyStore` and `Pkcs11Signer` on that token and guarded by a lock (a
session runs one operation at a time, and find-then-sign is two). Signing is therefore
serialised within a process: about 0.2 ms per ES256 signature on SoftHSM2, so not the
bottleneck; a pool of extra sessions (which share the login) is the way out if it becomes one.
A lost session (token removed, library reset) is forgotten and reopened on next use. After
``fork()`` the child forgets the parent's session without closing it and calls C_Initialize
again before its first use, as PKCS#11 asks of a child process.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from hcert.cose import (
    ES256_SIGNATURE_LENGTH,
    PSS_SALT_LENGTH,
    CoseAlgorithm,
    PrivateKey,
    PublicKey,
    Signer,
)
from keys.store import KeyStore, KeyStoreError

if TYPE_CHECKING:
    from pkcs11 import Session

MODULE_ENV = "VAXPASS_PKCS11_MODULE"
TOKEN_ENV = "VAXPASS_PKCS11_TOKEN"
PIN_ENV = "VAXPASS_PKCS11_PIN"
DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
RSA_KEY_BITS = 3072  # as `keys.certificates.new_private_key` makes for PS256
_P256 = "secp256r1"
_F4 = (65537).to_bytes(3, "big")  # the RSA public exponent, as `cryptography` uses
_T = TypeVar("_T")


def _pkcs11() -> Any:
    """The `pkcs11` package, or KeyStoreError saying how to install it."""
    try:
        import pkcs11  # noqa: PLC0415 (the optional extra `hsm`, loaded on first use)
    except ImportError as e:
        raise KeyStoreError("python-pkcs11 is not installed: pip install 'vaxpass[hsm]'") from e
    return pkcs11


class _TokenSession:
    """The one logged-in session of this process on one token, behind a lock."""

    def __init__(self, module: str, token_label: str) -> None:
        self.module = module
        self.token_label = token_label
        self.lock = threading.Lock()
        self._session: Session | None = None
        self._pin: bytes | None = None

    @contextmanager
    def open(self, pin: str) -> Iterator[Session]:
        """Hold the lock and yield the session, logging in first if needed.

        Raises:
            KeyStoreError: the module, token or PIN is wrong, or the operation failed.
        """
        p11 = _pkcs11()
        with self.lock:
            try:
                if self._session is None:
                    self._session = self._login(p11, pin)
                elif not hmac.compare_digest(self._pin or b"", pin.encode()):
                    # the token cannot check a second PIN while this process is logged in
                    raise KeyStoreError(
                        f"wrong PIN: token {self.token_label!r} is unlocked in this process "
                        "with a different one"
                    )
                yield self._session
            except p11.PKCS11Error as e:
                if isinstance(e, _session_lost_errors(p11)):
                    self._session = None  # forget it; the next call opens a new one
                raise KeyStoreError(self._describe(p11, e)) from e

    def _login(self, p11: Any, pin: str) -> Session:
        lib = p11.lib(self.module)  # loaded and C_Initialize'd once per process
        if self.module in _NEEDS_REINIT:
            lib.reinitialize()  # a forked child must call C_Initialize again
            _NEEDS_REINIT.discard(self.module)
        token = lib.get_token(token_label=self.token_label)
        session: Session = token.open(user_pin=pin, rw=True)
        self._pin = pin.encode()
        return session

    def close(self) -> None:
        """Log out and close the session, if open (other stores reopen it on next use)."""
        p11 = _pkcs11()
        with self.lock:
            session, self._session, self._pin = self._session, None, None
            if session is not None:
                try:
                    session.close()
                except p11.PKCS11Error as e:
                    raise KeyStoreError(self._describe(p11, e)) from e

    def _describe(self, p11: Any, e: Exception) -> str:
        token = f"token {self.token_label!r}"
        if isinstance(e, p11.PinIncorrect):
            return f"wrong PIN for {token}"
        if isinstance(e, p11.PinLocked):
            return f"the PIN of {token} is locked"
        if isinstance(e, p11.NoSuchToken):
            return f"no {token} in PKCS#11 module {self.module}"
        if isinstance(e, p11.MultipleTokensReturned):
            return f"several tokens are labelled {self.token_label!r} in {self.module}"
        detail = str(e).strip()
        return f"PKCS#11 error on {token}: {type(e).__name__}" + (f" ({detail})" if detail else "")


def _session_lost_errors(p11: Any) -> tuple[type[Exception], ...]:
    return (
        p11.SessionHandleInvalid,
        p11.SessionClosed,
        p11.DeviceRemoved,
        p11.TokenNotPresent,
        p11.UserNotLoggedIn,
    )


_SESSIONS: dict[tuple[str, str], _TokenSession] = {}
_SESSIONS_LOCK = threading.Lock()
_NEEDS_REINIT: set[str] = set()


def _token_session(module: str, token_label: str) -> _TokenSession:
    with _SESSIONS_LOCK:
        key = (module, token_label)
        if key not in _SESSIONS:
            _SESSIONS[key] = _TokenSession(module, token_label)
        return _SESSIONS[key]


def _after_fork_in_child() -> None:
    # The parent's handles mean nothing here, and closing them could close the parent's.
    _NEEDS_REINIT.update(module for module, _ in _SESSIONS)
    _SESSIONS.clear()
    global _SESSIONS_LOCK  # noqa: PLW0603 (a lock held at fork time stays held in the child)
    _SESSIONS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class Pkcs11KeyStore:
    """DSC keys in a PKCS#11 token, found by label (`KeyStore` with backend ``"pkcs11"``).

    Nothing is opened until first use; a wrong module, token or PIN shows there.

    Args:
        module: the PKCS#11 library (e.g. SoftHSM2's ``libsofthsm2.so``).
        token_label: the token's label.
        pin: the user PIN.
    """

    backend = "pkcs11"

    def __init__(self, module: str | Path, token_label: str, pin: str) -> None:
        if not token_label or not pin:
            raise KeyStoreError("a PKCS#11 token label and a PIN are required")
        self.module = str(module)
        self.token_label = token_label
        self._pin = pin

    def __repr__(self) -> str:
        return f"Pkcs11KeyStore(module={self.module!r}, token_label={self.token_label!r})"

    @classmethod
    def from_environment(cls) -> Pkcs11KeyStore:
        """A store from ``VAXPASS_PKCS11_MODULE`` (default SoftHSM2), ``VAXPASS_PKCS11_TOKEN``
        and ``VAXPASS_PKCS11_PIN``.

        Raises:
            KeyStoreError: the token label or the PIN is not set.
        """  # noqa: D205
        module = os.environ.get(MODULE_ENV) or DEFAULT_MODULE
        missing = [name for name in (TOKEN_ENV, PIN_ENV) if not os.environ.get(name)]
        if missing:
            raise KeyStoreError(f"PKCS#11 key store not configured: set {' and '.join(missing)}")
        return cls(module, os.environ[TOKEN_ENV], os.environ[PIN_ENV])

    def _run(self, operation: Callable[[Session], _T]) -> _T:
        # looked up each time: after fork() the child gets a fresh one
        with _token_session(self.module, self.token_label).open(self._pin) as session:
            return operation(session)

    def generate(self, name: str, algorithm: str) -> PublicKey:
        """Create a key pair labelled `name` in the token (see `KeyStore.generate`).

        ES256 makes a P-256 key, PS256 an RSA-3072 key; the private half is a token object,
        SENSITIVE and not EXTRACTABLE, and may only sign.

        Raises:
            KeyStoreError: `name` exists already, or the token refused.
            ValueError: `algorithm` is neither ES256 nor PS256.
        """
        _check_name(name)
        if algorithm not in ("ES256", "PS256"):
            raise ValueError(f"unsupported algorithm {algorithm!r}: ES256 or PS256")
        p11 = _pkcs11()

        def generate(session: Session) -> PublicKey:
            if _objects(p11, session, name):
                raise KeyStoreError(
                    f"a key named {name!r} exists already on token {self.token_label!r}"
                )
            options: dict[str, Any] = {
                "store": True,  # CKA_TOKEN: survives the session
                "label": name,
                "id": hashlib.sha256(name.encode()).digest()[:16],  # pairs the two halves
                "capabilities": p11.MechanismFlag.SIGN | p11.MechanismFlag.VERIFY,
                "private_template": {
                    p11.Attribute.SENSITIVE: True,
                    p11.Attribute.EXTRACTABLE: False,
                    p11.Attribute.PRIVATE: True,
                },
            }
            if algorithm == "ES256":
                params = session.create_domain_parameters(
                    p11.KeyType.EC,
                    {p11.Attribute.EC_PARAMS: p11.util.ec.encode_named_curve_parameters(_P256)},
                    local=True,
                )
                public, _ = params.generate_keypair(**options)
            else:
                options["public_template"] = {p11.Attribute.PUBLIC_EXPONENT: _F4}
                public, _ = session.generate_keypair(p11.KeyType.RSA, RSA_KEY_BITS, **options)
            return _public_key(p11, public)

        return self._run(generate)

    def public_key(self, name: str) -> PublicKey:
        """The public half of the key `name`, as a `cryptography` object.

        Raises:
            KeyStoreError: no such key, or the token refused.
        """
        p11 = _pkcs11()
        return self._run(
            lambda session: _public_key(p11, self._find(p11, session, name, public=True))
        )

    def signer(self, name: str, kid: bytes) -> Pkcs11Signer:
        """A signer that has the token sign with the key `name` (see `KeyStore.signer`).

        Raises:
            KeyStoreError: no such key, it is not a P-256 or RSA key, or the token refused.
        """
        p11 = _pkcs11()
        algorithm = self._run(lambda session: _algorithm(p11, self._find(p11, session, name)))
        return Pkcs11Signer(self, name, kid, algorithm)

    def private_key(self, name: str) -> PrivateKey:
        """Never returns: the private key never leaves the token.

        Raises:
            KeyStoreError: always.
        """
        raise KeyStoreError(
            f"the private key {name!r} never leaves the token {self.token_label!r}: "
            "use signer() to sign with it"
        )

    def delete(self, name: str) -> None:
        """Destroy both halves of the key `name` (see `KeyStore.delete`; idempotent).

        Raises:
            KeyStoreError: the token refused.
        """
        _check_name(name)
        p11 = _pkcs11()

        def delete(session: Session) -> None:
            for obj in _objects(p11, session, name):
                obj.destroy()

        self._run(delete)

    def close(self) -> None:
        """Log out of the token; every store of this process on it logs in again on next use.

        Raises:
            KeyStoreError: the token refused.
        """
        _token_session(self.module, self.token_label).close()

    def sign_with(self, name: str, algorithm: CoseAlgorithm, data: bytes) -> bytes:
        """Have the token sign `data` with the key `name` (what `Pkcs11Signer.sign` calls).

        Raises:
            KeyStoreError: no such key, its type does not match `algorithm`, or the token refused.
        """
        p11 = _pkcs11()

        def sign(session: Session) -> bytes:
            key = self._find(p11, session, name)
            if _algorithm(p11, key) != algorithm:
                raise KeyStoreError(f"the key {name!r} is no longer an {algorithm.name} key")
            if algorithm == CoseAlgorithm.ES256:
                # CKM_ECDSA signs a hash we make and returns r ‖ s (PKCS#11 v2.40 mechanisms,
                # ECDSA), which is also the COSE form (RFC 9053 §2.1)
                signature: bytes = key.sign(
                    hashlib.sha256(data).digest(), mechanism=p11.Mechanism.ECDSA
                )
                if len(signature) != ES256_SIGNATURE_LENGTH:
                    raise KeyStoreError(
                        f"the token returned a {len(signature)}-byte ES256 signature"
                    )
                return signature
            # PS256: RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (RFC 8230 §2)
            pss = (p11.Mechanism.SHA256, p11.MGF.SHA256, PSS_SALT_LENGTH)
            result: bytes = key.sign(
                data, mechanism=p11.Mechanism.SHA256_RSA_PKCS_PSS, mechanism_param=pss
            )
            return result

        return self._run(sign)

    def _find(self, p11: Any, session: Session, name: str, *, public: bool = False) -> Any:
        found = _objects(p11, session, name, public=public)
        if not found:
            raise KeyStoreError(f"no key named {name!r} on token {self.token_label!r}")
        if len(found) > 1:
            raise KeyStoreError(f"several keys are labelled {name!r} on token {self.token_label!r}")
        return found[0]


@dataclass(frozen=True, slots=True)
class Pkcs11Signer:
    """A `Signer` whose private key stays in a PKCS#11 token.

    Attributes:
        store: the key store holding the key (and the shared session).
        name: the key's label in the token.
        kid: the key identifier of the DSC (see `hcert.x509.kid_of`).
        algorithm: ES256 for a P-256 key, PS256 for an RSA key.
    """

    store: Pkcs11KeyStore
    name: str
    kid: bytes
    algorithm: CoseAlgorithm

    def sign(self, data: bytes) -> bytes:
        """Have the token sign `data` (raw r ‖ s for ES256, RSASSA-PSS for PS256).

        Raises:
            KeyStoreError: the key is gone, or the token refused.
        """
        return self.store.sign_with(self.name, self.algorithm, data)


def _objects(p11: Any, session: Session, name: str, *, public: bool | None = None) -> list[Any]:
    """The key objects labelled `name`: private, public, or (None) both.

    The search is read to its end: an abandoned one would keep the session busy.
    """
    classes = {
        None: (p11.ObjectClass.PRIVATE_KEY, p11.ObjectClass.PUBLIC_KEY),
        False: (p11.ObjectClass.PRIVATE_KEY,),
        True: (p11.ObjectClass.PUBLIC_KEY,),
    }[public]
    return [
        obj
        for object_class in classes
        for obj in list(
            session.get_objects({p11.Attribute.CLASS: object_class, p11.Attribute.LABEL: name})
        )
    ]


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise KeyStoreError(f"invalid key name {name!r}")


def _algorithm(p11: Any, key: Any) -> CoseAlgorithm:
    """ES256 for a P-256 key, PS256 for an RSA key (hcert spec 3.3.2), else KeyStoreError."""
    if key.key_type == p11.KeyType.RSA:
        return CoseAlgorithm.PS256
    if key.key_type == p11.KeyType.EC and key[p11.Attribute.EC_PARAMS] == (
        p11.util.ec.encode_named_curve_parameters(_P256)
    ):
        return CoseAlgorithm.ES256
    raise KeyStoreError(f"the key {key.label!r} is neither P-256 EC nor RSA: it cannot sign DCCs")


def _public_key(p11: Any, key: Any) -> PublicKey:
    """Read a public key object out of the token into `cryptography`."""
    if key.key_type == p11.KeyType.RSA:
        return rsa.RSAPublicNumbers(
            int.from_bytes(key[p11.Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(key[p11.Attribute.MODULUS], "big"),
        ).public_key()
    loaded = load_der_public_key(p11.util.ec.encode_ec_public_key(key))  # SPKI DER
    if not isinstance(loaded, ec.EllipticCurvePublicKey):
        raise KeyStoreError(f"the key {key.label!r} is neither EC nor RSA")
    return loaded


if TYPE_CHECKING:  # static checks that the classes satisfy the ports
    _STORE: type[KeyStore] = Pkcs11KeyStore
    _SIGNER: type[Signer] = Pkcs11Signer


__all__ = [
    "DEFAULT_MODULE",
    "MODULE_ENV",
    "PIN_ENV",
    "TOKEN_ENV",
    "Pkcs11KeyStore",
    "Pkcs11Signer",
]
