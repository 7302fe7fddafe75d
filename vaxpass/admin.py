"""`vaxpass keys …` and `vaxpass trust-list …`: running the signing PKI from the command line.

Everything lives under the data directory (``VAXPASS_DATA``, default ``data``)::

    keys/registry.json        every key's record (no private keys)
    keys/audit.log            the hash-chained log of key operations
    keys/<name>.key.pem       encrypted private keys (file backend), mode 0600, each under its
                              class's passphrase (CSCA, trust-list signer, DSC: keys.passphrases)
    keys/dev-passphrases/     development only (`vaxpass demo`, `keys init-csca --dev`)
    keys/csca.pem             the CSCA certificate to pin in verifiers
    trust-list/revoked-uvcis.json, trust-list/cross-certificates/*.der
    publish/                  the published trust lists (serve it with any static web server)
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:  # imported lazily at run time: a checkpoint has no use for them
    from cryptography import x509

    from hcert.certtype import CertType
    from keys.passphrases import KeyClass
    from keys.pki import Pki
    from keys.store import FileKeyStore
    from trust_list.service import TrustListService

DATA_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VAXPASS_DATA",
    default=Path("data"),
    show_default=True,
    help="Keys, registry and lists. [env: VAXPASS_DATA]",
)
HSM_OPTION = click.option(
    "--hsm",
    is_flag=True,
    help="Keep the new key in the PKCS#11 token named by VAXPASS_PKCS11_MODULE/_TOKEN/_PIN.",
)
LEAD_OPTION = click.option(
    "--lead-time-hours",
    type=click.FloatRange(min=0),
    default=48.0,
    show_default=True,
    help="Publish-before-use: hours between publication and the first signature.",
)


@dataclass
class Paths:
    """The data directory's layout."""

    root: Path

    @property
    def keys(self) -> Path:
        """Private keys, registry, audit log, pinned CSCA."""
        return self.root / "keys"

    @property
    def trust(self) -> Path:
        """Revocations and cross certificates."""
        return self.root / "trust-list"

    @property
    def publish(self) -> Path:
        """Published trust lists."""
        return self.root / "publish"

    @property
    def csca_pem(self) -> Path:
        """The CSCA certificate to pin."""
        return self.keys / "csca.pem"

    @property
    def cross_certificates(self) -> Path:
        """Cross certificates sent along with trust lists."""
        return self.trust / "cross-certificates"


def fail(message: str) -> NoReturn:
    """Print an error and exit with status 2."""
    click.echo(f"vaxpass: {message}", err=True)
    sys.exit(2)


@contextmanager
def admin_errors() -> Iterator[None]:
    """Turn the PKI's refusals into clear one-line errors (exit 2), never tracebacks."""
    from hcert.errors import HcertError
    from keys.lifecycle import LifecycleError
    from keys.registry import RegistryError
    from keys.store import KeyStoreError
    from trust_list.publisher import PublishError

    try:
        yield
    except (
        LifecycleError,
        RegistryError,
        KeyStoreError,
        PublishError,
        HcertError,
        ValueError,
    ) as e:
        fail(str(e))


def open_pki(data_dir: Path, *, hsm: bool = False, lead_time_hours: float = 48.0) -> Pki:
    """The PKI over the data directory (file key stores; DSCs in the HSM when `hsm`).

    Each class of key (CSCA, trust-list signer, DSC) has its own passphrase, looked up when a
    key of that class is first used (`keys.passphrases.passphrase_for`); the deprecated shared
    ``VAXPASS_KEY_PASSPHRASE`` is still accepted here, with a warning.
    """
    from hcert.clock import SystemClock
    from keys.audit import FileAuditLog
    from keys.lifecycle import Policy
    from keys.passphrases import KeyClass
    from keys.pki import Pki
    from keys.registry import FileRegistry
    from keys.store import KeyStore

    paths = Paths(data_dir)
    dsc_store: KeyStore = file_key_store(paths, KeyClass.DSC)
    if hsm:
        from keys.pkcs11 import Pkcs11KeyStore

        dsc_store = Pkcs11KeyStore.from_environment()
    return Pki(
        registry=FileRegistry(paths.keys / "registry.json"),
        ca_store=file_key_store(paths, KeyClass.CSCA),
        trust_list_store=file_key_store(paths, KeyClass.TRUST_LIST),
        dsc_store=dsc_store,
        audit=FileAuditLog(paths.keys / "audit.log"),
        clock=SystemClock(),
        policy=Policy(lead_time=timedelta(hours=lead_time_hours)),
    )


def file_key_store(paths: Paths, key_class: KeyClass) -> FileKeyStore:
    """The encrypted files of one key class, unlocked by that class's passphrase (asked lazily)."""
    from keys.passphrases import passphrase_for
    from keys.store import FileKeyStore

    def warn(message: str) -> None:
        click.echo(f"vaxpass: warning: {message}", err=True)

    return FileKeyStore(
        paths.keys, lambda: passphrase_for(key_class, paths.keys, allow_shared=True, warn=warn)
    )


def pki_for_key(data_dir: Path, name: str) -> Pki:
    """The PKI with the key store that holds key `name` (its registry record says which)."""
    from keys.registry import FileRegistry

    record = FileRegistry(Paths(data_dir).keys / "registry.json").get(name)
    return open_pki(data_dir, hsm=record.backend == "pkcs11")


def ensure_dev_passphrases(paths: Paths) -> None:
    """Development only: passphrase files beside the keys, and a loud warning on stderr.

    For a new PKI, a random passphrase per key class the environment leaves unset; for one
    made by an earlier version, its shared ``keys/passphrase`` is moved into those files.
    Never called unless asked for (`vaxpass demo`, `vaxpass keys init-csca --dev`).
    """
    from keys.lifecycle import Role
    from keys.passphrases import LEGACY_DEV_FILE, create_dev_passphrases
    from keys.registry import FileRegistry

    legacy = paths.keys / LEGACY_DEV_FILE
    is_new = not any(r.role is Role.CSCA for r in FileRegistry(paths.keys / "registry.json").all())
    if not is_new and not legacy.is_file():
        return
    moved = legacy.is_file()
    written = create_dev_passphrases(paths.keys)
    if not written:
        return
    what = f"moved {legacy} into" if moved else "generated"
    click.secho(
        f"vaxpass: WARNING: DEVELOPMENT PASSPHRASES, NOT FOR PRODUCTION: {what} "
        + ", ".join(str(p) for p in written)
        + f" (0600), beside the keys they unlock: whoever reads {paths.keys} can use every "
        "key. In production set VAXPASS_CSCA_PASSPHRASE, VAXPASS_TRUST_LIST_PASSPHRASE and "
        "VAXPASS_DSC_PASSPHRASE (or their _FILE variants), one secret each, or use an HSM.",
        err=True,
        fg="red",
        bold=True,
    )


# -- vaxpass keys -------------------------------------------------------------------------------


@click.group("keys")
def keys_group() -> None:
    """The signing PKI: CSCA, trust-list signer, DSCs; rotation and revocation."""


@keys_group.command("init-csca")
@DATA_OPTION
@click.option("--name", default="csca", show_default=True)
@click.option("--common-name", default="Viet Nam CSCA", show_default=True)
@click.option(
    "--dev",
    is_flag=True,
    help="Development only: generate a passphrase file per key class beside the keys "
    "(DATA/keys/dev-passphrases/) for those not set in the environment.",
)
def init_csca(data_dir: Path, name: str, common_name: str, dev: bool) -> None:
    """Create the country signing CA (once) and the certificate verifiers pin.

    Its key is encrypted under VAXPASS_CSCA_PASSPHRASE (or the file VAXPASS_CSCA_PASSPHRASE_FILE
    names); without it (or the deprecated shared VAXPASS_KEY_PASSPHRASE) the command refuses,
    unless --dev asks for development passphrase files.
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    from keys.passphrases import PassphraseMissing

    paths = Paths(data_dir)
    if dev:
        ensure_dev_passphrases(paths)
    with admin_errors():
        try:
            record = open_pki(data_dir).init_csca(name, common_name)
        except PassphraseMissing as e:
            fail(f"{e}; for a throw-away development PKI only, --dev generates passphrase files")
    from cryptography import x509

    paths.csca_pem.write_bytes(
        x509.load_der_x509_certificate(record.certificate).public_bytes(Encoding.PEM)
    )
    click.echo(f"created CSCA {name} (kid {record.kid.hex()}); pin {paths.csca_pem} in verifiers")


@keys_group.command("create-trust-list-signer")
@DATA_OPTION
@click.option("--name", default="trust-list-signer", show_default=True)
def create_trust_list_signer(data_dir: Path, name: str) -> None:
    """Create the key that signs trust lists, certified by the CSCA."""
    with admin_errors():
        record = open_pki(data_dir).create_trust_list_signer(name)
    click.echo(f"created trust-list signer {name}, valid to {record.not_after:%Y-%m-%d}")


def _types(value: str) -> frozenset[CertType]:
    from hcert.certtype import CertType

    if value == "all":
        return frozenset(CertType)
    try:
        return frozenset(CertType(t.strip()) for t in value.split(","))
    except ValueError:
        fail(f"--types: got {value!r}, expected 'all' or a list of v, t, r")


@keys_group.command("create-dsc")
@DATA_OPTION
@click.argument("name")
@click.option(
    "--algorithm", type=click.Choice(["ES256", "PS256"]), default="ES256", show_default=True
)
@click.option(
    "--types", "types", default="all", show_default=True, help="v, t, r: what it may sign."
)
@HSM_OPTION
@LEAD_OPTION
def create_dsc(
    data_dir: Path, name: str, algorithm: str, types: str, hsm: bool, lead_time_hours: float
) -> None:
    """Create a document signer: published now, signing after the lead time."""
    with admin_errors():
        record = open_pki(data_dir, hsm=hsm, lead_time_hours=lead_time_hours).create_dsc(
            name, algorithm=algorithm, cert_types=_types(types)
        )
    click.echo(
        f"created DSC {name} (kid {_b64(record.kid)}, {record.backend}); "
        f"signs from {record.activate_at:%Y-%m-%d %H:%M} UTC "
        f"to {record.usage_until:%Y-%m-%d}; "
        "publish a trust list now"
    )


@keys_group.command("rotate")
@DATA_OPTION
@click.argument("name")
@click.option("--successor", help="Name of the new DSC (default: NAME-2, NAME-3, …).")
@LEAD_OPTION
def rotate(data_dir: Path, name: str, successor: str | None, lead_time_hours: float) -> None:
    """Create the successor of DSC NAME; NAME retires when the successor activates."""
    with admin_errors():
        pki = pki_for_key(data_dir, name)
        pki.policy = replace(pki.policy, lead_time=timedelta(hours=lead_time_hours))
        new = pki.rotate(name, successor)
    click.echo(
        f"{new.name} succeeds {name}: it signs from {new.activate_at:%Y-%m-%d %H:%M} UTC, "
        f"when {name} retires; publish a trust list now"
    )


@keys_group.command("revoke")
@DATA_OPTION
@click.argument("name")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
def revoke(data_dir: Path, name: str, reason: str) -> None:
    """Revoke DSC NAME at once; re-issue what it signed under another DSC, then publish."""
    with admin_errors():
        record = open_pki(data_dir).revoke(name, reason)
    click.echo(
        f"revoked {name} at {record.revoked_at:%Y-%m-%d %H:%M} UTC; publish a trust list now"
    )


@keys_group.command("rotate-csca")
@DATA_OPTION
@click.argument("name")
@click.option("--common-name", required=True)
def rotate_csca(data_dir: Path, name: str, common_name: str) -> None:
    """Renew the CSCA: the old one cross-certifies the new one, and trust lists carry the cross
    certificate so that verifiers pinned to the old CSCA move their pin.
    """  # noqa: D205
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    paths = Paths(data_dir)
    with admin_errors():
        record, cross = open_pki(data_dir).rotate_csca(name, common_name)
    paths.cross_certificates.mkdir(parents=True, exist_ok=True)
    (paths.cross_certificates / f"{name}.der").write_bytes(cross.public_bytes(Encoding.DER))
    new_pem = paths.keys / f"{name}.pem"
    new_pem.write_bytes(
        x509.load_der_x509_certificate(record.certificate).public_bytes(Encoding.PEM)
    )
    click.echo(
        f"created CSCA {name}; now create a trust-list signer under it "
        f"(keys create-trust-list-signer --name …) and publish; "
        f"new pin: {new_pem}"
    )


@keys_group.command("list")
@DATA_OPTION
@click.option("--json", "as_json", is_flag=True)
def list_keys(data_dir: Path, as_json: bool) -> None:
    """Every key with its state now."""
    from keys.lifecycle import state_at
    from keys.registry import FileRegistry, record_to_json

    now = datetime.now(UTC)
    with admin_errors():
        records = FileRegistry(Paths(data_dir).keys / "registry.json").all()
    for r in records:
        state = state_at(r, now).value
        if as_json:
            row = record_to_json(r) | {"state": state}
            row.pop("certificate")
            click.echo(json.dumps(row))
        else:
            click.echo(
                f"{r.name:<24} {r.role.value:<18} {state:<8} kid={_b64(r.kid)} "
                f"{r.backend:<7} "
                f"from {r.activate_at:%Y-%m-%d %H:%M} until {r.usage_until:%Y-%m-%d}, "
                f"published to {r.not_after:%Y-%m-%d}"
            )


@keys_group.command("audit-verify")
@DATA_OPTION
def audit_verify(data_dir: Path) -> None:
    """Check that the key-operation log is unbroken (exit 1 when it is not)."""
    from keys.audit import read_lines, verify_chain

    path = Paths(data_dir).keys / "audit.log"
    try:
        lines = read_lines(path)
    except ValueError as e:
        click.echo(f"{path}: unreadable line: {e}")
        sys.exit(1)
    broken = verify_chain(lines)
    if broken is not None:
        click.echo(f"{path}: BROKEN at line {broken + 1} of {len(lines)}")
        sys.exit(1)
    click.echo(f"{path}: {len(lines)} entries, chain unbroken")


@keys_group.command("re-encrypt")
@DATA_OPTION
@click.argument("name")
@click.option(
    "--old-passphrase-env",
    metavar="VAR",
    help="Variable holding the passphrase the key opens with now (e.g. VAXPASS_KEY_PASSPHRASE).",
)
@click.option(
    "--old-passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the passphrase the key opens with now.",
)
def reencrypt(
    data_dir: Path, name: str, old_passphrase_env: str | None, old_passphrase_file: Path | None
) -> None:
    """Write key NAME again under its class's passphrase and the current work factor.

    The class's passphrase is VAXPASS_CSCA_PASSPHRASE, VAXPASS_TRUST_LIST_PASSPHRASE or
    VAXPASS_DSC_PASSPHRASE (or the _FILE variant): to give each class its own passphrase after
    one shared VAXPASS_KEY_PASSPHRASE, or (without --old-…) to upgrade a file written with
    fewer PBKDF2 rounds under the same passphrase.
    """
    import os

    from keys.pkcs8 import KDF_ROUNDS

    if old_passphrase_env and old_passphrase_file:
        fail("give --old-passphrase-env or --old-passphrase-file, not both")
    old: bytes | None = None
    if old_passphrase_file is not None:
        old = old_passphrase_file.read_bytes().strip()
    elif old_passphrase_env:
        old = os.environb.get(old_passphrase_env.encode())
    if (old_passphrase_env or old_passphrase_file) and not old:
        fail(f"the old passphrase ({old_passphrase_env or old_passphrase_file}) is empty")
    with admin_errors():
        record = pki_for_key(data_dir, name).reencrypt(name, old)
    click.echo(
        f"re-encrypted {name} ({record.role.value}): PBKDF2-HMAC-SHA256, {KDF_ROUNDS} rounds, "
        "AES-256-CBC"
    )


# -- vaxpass trust-list ------------------------------------------------------------------------


@click.group("trust-list")
def trust_list_group() -> None:
    """Publish, export, import and check trust lists."""


def trust_list_service(data_dir: Path, out: Path | None, validity_days: float) -> TrustListService:
    """The trust-list service over the data directory (publishing to `out` or DATA/publish)."""
    from trust_list.publisher import DirectoryPublisher
    from trust_list.service import FileRevocations, TrustListService

    paths = Paths(data_dir)
    crosses = (
        sorted(paths.cross_certificates.glob("*.der")) if paths.cross_certificates.is_dir() else []
    )
    return TrustListService(
        pki=open_pki(data_dir),
        publisher=DirectoryPublisher(out or paths.publish),
        revocations=FileRevocations(path=paths.trust / "revoked-uvcis.json"),
        validity=timedelta(days=validity_days),
        cross_certificates=[p.read_bytes() for p in crosses],
    )


@trust_list_group.command("publish")
@DATA_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Publication directory (default DATA/publish).",
)
@click.option("--validity-days", type=click.FloatRange(min=0.01), default=7.0, show_default=True)
def publish(data_dir: Path, out: Path | None, validity_days: float) -> None:
    """Sign and publish the next version (atomically; earlier versions are kept)."""
    with admin_errors():
        version, where = trust_list_service(data_dir, out, validity_days).publish()
    click.echo(f"published trust list version {version}: {where}")


@trust_list_group.command("revoke-certificate")
@DATA_OPTION
@click.option(
    "--database-url",
    envvar="VAXPASS_DATABASE_URL",
    default="sqlite:///data/vaxpass.db",
    show_default=True,
    help="The registry that issued the certificate [env: VAXPASS_DATABASE_URL]",
)
@click.option("--reason", required=True, help="Why (kept in the registry and the audit log).")
@click.option(
    "--not-in-registry",
    is_flag=True,
    help="The certificate was signed outside the registry (vaxpass sign): list its UVCI only.",
)
@click.argument("uvci")
def revoke_certificate(
    data_dir: Path, database_url: str, reason: str, not_in_registry: bool, uvci: str
) -> None:
    """Revoke one certificate by its UVCI; publish to take effect.

    The registry's certificate row reads `revoked` (who, when, why) and the UVCI goes onto the
    revocation list, through the same service as the API's, so the two never disagree.
    """
    from hcert.uvci import is_well_formed
    from vaxpass.issuer_cli import revoke_in_registry

    if not is_well_formed(uvci):
        fail(f"{uvci!r} is not a UVCI (URN:UVCI:01:VN:…)")
    with admin_errors():
        service = trust_list_service(data_dir, None, 7)
        if not_in_registry:
            new = service.revoke_certificate(uvci)
            click.echo(("revoked " if new else "already revoked: ") + uvci)
            return
        click.echo(revoke_in_registry(database_url, uvci, reason, service.revocations))


@trust_list_group.command("export")
@DATA_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["dcc-gateway"]), default="dcc-gateway", show_default=True
)
@click.option(
    "--out", type=click.File("wb"), default="-", help="File to write (default: standard output)."
)
def export(data_dir: Path, fmt: str, out: click.utils.LazyFile) -> None:
    """Our DSCs in the DCC Gateway shape, to share with other countries."""
    from cryptography import x509

    from keys.lifecycle import KeyState, Role, state_at
    from keys.registry import FileRegistry
    from trust_list.gateway import export_gateway_json

    now = datetime.now(UTC)
    with admin_errors():
        records = FileRegistry(Paths(data_dir).keys / "registry.json").all()
    ours = [
        x509.load_der_x509_certificate(r.certificate)
        for r in records
        if r.role is Role.DSC and state_at(r, now) not in (KeyState.EXPIRED, KeyState.REVOKED)
    ]
    out.write(export_gateway_json(ours))


@trust_list_group.command("import")
@DATA_OPTION
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(data_dir: Path, path: Path) -> None:
    """Add other countries' DSCs from a DCC Gateway-shaped list (listed from the next list on)."""
    from verifier.loaders import parse_dcc_gateway_list

    with admin_errors():
        keys = parse_dcc_gateway_list(path.read_bytes())
        added = open_pki(data_dir).import_foreign(
            (k.country or "??", k.certificate.der) for k in keys
        )
    click.echo(f"imported {len(added)} foreign DSCs ({len(keys) - len(added)} already known)")


@trust_list_group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust-anchor",
    "anchors",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pinned CSCA certificate (PEM/DER).",
)
@click.option("--at", "at", help="Check as of this ISO 8601 instant instead of now.")
def verify_list(path: Path, anchors: tuple[Path, ...], at: str | None) -> None:
    """Check a published trust list against the pinned CSCA and print its summary."""
    from collections import Counter

    from hcert.errors import HcertError
    from verifier.signed_store import SignedTrustStore

    now = _instant(at)
    store = SignedTrustStore(load_anchors(anchors))
    try:
        store.update(path.read_bytes(), now)
    except HcertError as e:
        fail(f"{path}: {e}")
    content = store.content
    assert content is not None
    fresh = store.freshness(now)
    statuses = Counter(f"{e.country}/{e.status.value}" for e in content.dscs)
    click.echo(f"{path}: valid, signed via {store.anchors[-1].subject.rfc4514_string()}")
    click.echo(
        f"  version {content.version}, issued {content.issued_at:%Y-%m-%d %H:%M} UTC "
        f"({fresh.age}), expires {content.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    click.echo(
        f"  {len(content.dscs)} DSCs: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    )
    click.echo(
        f"  {len(content.revoked_uvci_hashes)} revoked certificates, {len(content.cscas)} CSCAs"
    )


def load_anchors(paths: tuple[Path, ...] | list[Path]) -> list[x509.Certificate]:
    """Pinned CSCA certificates from PEM or DER files (exit 2 when unreadable)."""
    from cryptography import x509

    anchors: list[x509.Certificate] = []
    for p in paths:
        data = p.read_bytes()
        try:
            anchors.append(
                x509.load_pem_x509_certificate(data)
                if b"-----BEGIN" in data
                else x509.load_der_x509_certificate(data)
            )
        except ValueError as e:
            fail(f"{p}: not a certificate ({e})")
    return anchors


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at: {text!r} is not ISO 8601")
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
