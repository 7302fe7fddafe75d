"""The administrator's and the checkpoint's commands, end to end, as the README shows them."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hcert.uvci import new_uvci
from keys.files import read_private_key
from tests.factories import make_dsc, vaccination_json
from trust_list.gateway import export_gateway_json
from vaxpass.cli import main

# one passphrase per key class (README, Running the signing PKI)
PASSPHRASES = {"VAXPASS_CSCA_PASSPHRASE": "csca: correct horse battery",
               "VAXPASS_TRUST_LIST_PASSPHRASE": "trust list: staple",
               "VAXPASS_DSC_PASSPHRASE": "dsc: tr0ub4dor"}  # fmt: skip


class Admin:
    """Runs `vaxpass` commands against one data directory."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.env: dict[str, str | None] = {
            "VAXPASS_DATA": str(data), "VAXPASS_ACTOR": "admin-test", **PASSPHRASES,
            "VAXPASS_KEY_PASSPHRASE": None, "VAXPASS_KEY_PASSPHRASE_FILE": None,
        }  # fmt: skip

    def __call__(self, *args: str, code: int = 0, stdin: str | None = None) -> Result:
        result = CliRunner(env=self.env).invoke(main, list(args), input=stdin)
        assert result.exit_code == code, f"{args}: {result.output}{result.exception or ''}"
        return result

    def sign(self, key_name: str, uvci: str, code: int = 0) -> str:
        payload = self.data / f"{uvci[-6:]}.json"
        payload.write_text(
            json.dumps(vaccination_json(v=[{**vaccination_json()["v"][0], "ci": uvci}]))
        )
        return self("sign", "--key-name", key_name, str(payload), code=code).output.strip()

    def verify(
        self, *inputs: str, code: int | None = None, extra: tuple[str, ...] = ()
    ) -> list[dict[str, object]]:
        args = ["verify", "--json", "--trust-list", str(self.data / "publish" / "trust-list.json"),
                "--trust-anchor", str(self.data / "keys" / "csca.pem"), *extra, *inputs]  # fmt: skip
        result = CliRunner(env=self.env).invoke(main, args)
        if code is not None:
            assert result.exit_code == code, result.output
        return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    return Admin(tmp_path / "data")


def test_the_administrators_day(admin: Admin, tmp_path: Path) -> None:
    admin("keys", "init-csca")
    admin("keys", "init-csca", code=2)  # only once
    admin("keys", "create-trust-list-signer")
    admin("keys", "create-dsc", "dsc-hanoi")  # the default 48 h lead time
    assert "KEY_PENDING" in admin.sign("dsc-hanoi", new_uvci(), code=2)
    admin("keys", "create-dsc", "dsc-hcm", "--lead-time-hours", "0")
    admin("keys", "create-dsc", "dsc-rsa", "--algorithm", "PS256", "--lead-time-hours", "0")
    admin("trust-list", "publish")

    u1, u2, u3 = new_uvci(), new_uvci(), new_uvci()
    c1, c_rsa = admin.sign("dsc-hcm", u1), admin.sign("dsc-rsa", u2)
    assert [r["category"] for r in admin.verify(c1, c_rsa, code=0)] == ["VALID", "VALID"]

    # rotation: the successor activates at once (lead time 0), the predecessor retires
    admin("keys", "rotate", "dsc-hcm", "--lead-time-hours", "0")
    assert "KEY_RETIRED" in admin.sign("dsc-hcm", u3, code=2)
    c3 = admin.sign("dsc-hcm-2", u3)
    admin("trust-list", "publish")
    assert [r["category"] for r in admin.verify(c1, c3, code=0)] == ["VALID", "VALID"]

    # compromise of the RSA key, and one certificate revoked on its own
    admin("keys", "revoke", "dsc-rsa", "--reason", "key file found on a shared drive")
    admin("trust-list", "revoke-certificate", u3, "--not-in-registry", "--reason", "test")
    admin("trust-list", "publish")
    records = admin.verify(c1, c_rsa, c3, code=1)
    assert [r["category"] for r in records] == ["VALID", "KEY_REVOKED", "REVOKED"]
    assert records[0]["trust_list"]["version"] == 3  # type: ignore[index]

    summary = admin("trust-list", "verify", str(admin.data / "publish" / "trust-list.json"),
                    "--trust-anchor", str(admin.data / "keys" / "csca.pem")).output  # fmt: skip
    assert "version 3" in summary and "1 revoked certificates" in summary
    assert "VN/revoked 1" in summary and "VN/retired 1" in summary and "VN/pending 1" in summary
    assert sorted(p.name for p in (admin.data / "publish").iterdir()) == [
        "trust-list-v1.json", "trust-list-v2.json", "trust-list-v3.json", "trust-list.json",
    ]  # fmt: skip

    listing = admin("keys", "list", "--json").output.splitlines()
    states = {json.loads(line)["name"]: json.loads(line)["state"] for line in listing}
    assert states == {"csca": "active", "trust-list-signer": "active", "dsc-hanoi": "pending",
                      "dsc-hcm": "retired", "dsc-rsa": "revoked", "dsc-hcm-2": "active"}  # fmt: skip
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in (admin.data / "keys").glob("*.key.pem"))
    assert b"PRIVATE KEY" not in (admin.data / "keys" / "registry.json").read_bytes()

    # the audit log records every operation, and notices tampering
    assert "chain unbroken" in admin("keys", "audit-verify").output
    log = admin.data / "keys" / "audit.log"
    lines = log.read_text().splitlines()
    assert [json.loads(line)["action"] for line in lines].count("create-dsc") == 4
    assert all(json.loads(line)["actor"] == "admin-test" for line in lines)
    log.write_text("\n".join([lines[0], *lines[2:]]) + "\n")
    assert "BROKEN at line 2" in admin("keys", "audit-verify", code=1).output


def test_dcc_gateway_export_and_foreign_import(admin: Admin, tmp_path: Path) -> None:
    admin("keys", "init-csca")
    admin("keys", "create-trust-list-signer")
    admin("keys", "create-dsc", "dsc-a", "--lead-time-hours", "0")
    exported = json.loads(admin("trust-list", "export", "--format", "dcc-gateway").output)
    assert [e["certificateType"] for e in exported] == ["DSC"] and exported[0]["country"] == "VN"

    foreign = make_dsc()  # another country's DSC, published in the DCC Gateway shape
    gateway = tmp_path / "de.json"
    gateway.write_bytes(export_gateway_json([foreign.issued.certificate]))
    assert "imported 1" in admin("trust-list", "import", str(gateway)).output
    assert "imported 0" in admin("trust-list", "import", str(gateway)).output
    admin("trust-list", "publish")
    foreign_certificate = foreign.sign(issued_at=datetime.now(UTC) - timedelta(days=1))
    [record] = admin.verify(foreign_certificate, code=0)
    assert record["category"] == "VALID"


def test_an_expired_list_and_the_explicit_grace_period(admin: Admin) -> None:
    admin("keys", "init-csca")
    admin("keys", "create-trust-list-signer")
    admin("keys", "create-dsc", "dsc-a", "--lead-time-hours", "0")
    admin("trust-list", "publish", "--validity-days", "1")
    text = admin.sign("dsc-a", new_uvci())
    later = (datetime.now(UTC) + timedelta(days=1, hours=2)).isoformat()
    result = CliRunner(env=admin.env).invoke(main, [
        "verify", "--trust-list", str(admin.data / "publish" / "trust-list.json"),
        "--trust-anchor", str(admin.data / "keys" / "csca.pem"), "--at", later, text,
    ])  # fmt: skip
    assert result.exit_code == 2 and "TRUST_LIST_EXPIRED" in result.output
    [record] = admin.verify(text, code=0, extra=("--at", later, "--grace-hours", "24"))
    assert record["valid"] is True
    assert record["trust_list"]["in_grace"] is True  # type: ignore[index]


def test_refusals_are_one_line_errors(admin: Admin) -> None:
    assert "no CSCA" in admin("keys", "create-dsc", "dsc-a", code=2).output
    admin("keys", "init-csca")
    assert "no key named" in admin("keys", "rotate", "nope", code=2).output
    assert (
        "not a UVCI"
        in admin("trust-list", "revoke-certificate", "hello", "--reason", "x", code=2).output
    )
    assert "no trust-list signer" in admin("trust-list", "publish", code=2).output
    wrong = Admin(admin.data)
    wrong.env["VAXPASS_CSCA_PASSPHRASE"] = "wrong"
    assert "cannot unlock csca.key.pem" in wrong("keys", "create-trust-list-signer", code=2).output


def test_init_csca_without_a_passphrase_refuses_and_writes_no_passphrase_file(
    tmp_path: Path,
) -> None:
    bare = Admin(tmp_path / "data")
    bare.env.update(dict.fromkeys(PASSPHRASES))  # nothing configured
    output = bare("keys", "init-csca", code=2).output
    assert "no passphrase for the csca keys: set VAXPASS_CSCA_PASSPHRASE" in output
    assert "--dev" in output
    assert not [p for p in bare.data.rglob("*") if p.is_file()]  # no key, no passphrase file


def test_development_passphrases_only_on_request_and_loudly(tmp_path: Path) -> None:
    dev = Admin(tmp_path / "data")
    dev.env.update(dict.fromkeys(PASSPHRASES))
    result = dev("keys", "init-csca", "--dev")
    assert "DEVELOPMENT PASSPHRASES, NOT FOR PRODUCTION" in result.stderr
    assert "VAXPASS_CSCA_PASSPHRASE" in result.stderr and "DEVELOPMENT" not in result.stdout
    folder = dev.data / "keys" / "dev-passphrases"
    files = {p.name: p for p in folder.iterdir()}
    assert sorted(files) == ["csca", "dsc", "trust-list"]
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in files.values()} == {0o600}
    assert len({p.read_bytes() for p in files.values()}) == 3  # a secret per class

    dev("keys", "create-trust-list-signer")
    dev("keys", "create-dsc", "dsc-a", "--lead-time-hours", "0")
    dev("trust-list", "publish")
    keys = dev.data / "keys"
    read_private_key(keys / "csca.key.pem", files["csca"].read_bytes())
    read_private_key(keys / "dsc-a.key.pem", files["dsc"].read_bytes())
    with pytest.raises(ValueError):
        read_private_key(keys / "csca.key.pem", files["dsc"].read_bytes())
    again = dev("keys", "init-csca", "--dev", code=2)
    assert "a CSCA exists already" in again.output and "DEVELOPMENT" not in again.output


def test_the_key_commands_create_the_data_directory_private(admin: Admin) -> None:
    umask = os.umask(0o022)
    try:
        admin("keys", "init-csca")
    finally:
        os.umask(umask)
    assert admin.data.stat().st_mode & 0o777 == 0o700
    assert (admin.data / "keys").stat().st_mode & 0o777 == 0o700
    assert (admin.data / "keys" / "csca.key.pem").stat().st_mode & 0o777 == 0o600


def test_a_dsc_in_the_hsm_signs_through_the_command_line(tmp_path: Path) -> None:
    """`keys create-dsc --hsm` against a real SoftHSM2 token, in fresh processes."""
    import os
    import shutil
    import subprocess
    import sys

    module = Path("/usr/lib/softhsm/libsofthsm2.so")
    if not module.exists() or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM2 is not installed (make installs the Debian package softhsm2)")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    clean = {k: v for k, v in os.environ.items() if "PASSPHRASE" not in k}
    env = {**clean, "SOFTHSM2_CONF": str(conf), "VAXPASS_DATA": str(tmp_path / "data"),
           "VAXPASS_CSCA_PASSPHRASE": "ca", "VAXPASS_TRUST_LIST_PASSPHRASE": "tl",
           "VAXPASS_PKCS11_MODULE": str(module),  # no DSC passphrase: the DSC is in the token
           "VAXPASS_PKCS11_TOKEN": "vaxpass-test", "VAXPASS_PKCS11_PIN": "1234"}  # fmt: skip
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "vaxpass-test",
                    "--pin", "1234", "--so-pin", "5678"], env=env, check=True, capture_output=True)  # fmt: skip

    def vaxpass(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vaxpass", *args], env=env, input=stdin,
                              capture_output=True, text=True, check=False, timeout=60)  # fmt: skip

    for args in (["keys", "init-csca"], ["keys", "create-trust-list-signer"],
                 ["keys", "create-dsc", "dsc-hsm", "--hsm", "--lead-time-hours", "0"],
                 ["trust-list", "publish"]):  # fmt: skip
        assert vaxpass(*args).returncode == 0, args
    assert not list((tmp_path / "data" / "keys").glob("dsc-hsm*.key.pem"))  # never on disk
    listing = vaxpass("keys", "list", "--json").stdout.splitlines()
    assert {json.loads(line)["name"]: json.loads(line)["backend"] for line in listing}[
        "dsc-hsm"
    ] == "pkcs11"
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(vaccination_json()))
    signed = vaxpass("sign", "--key-name", "dsc-hsm", str(payload))
    assert signed.returncode == 0, signed.stderr
    data = tmp_path / "data"
    verified = vaxpass("verify", "--json", "--trust-list", str(data / "publish" / "trust-list.json"),
                       "--trust-anchor", str(data / "keys" / "csca.pem"), signed.stdout.strip())  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["category"] == "VALID"


def test_revoking_from_the_command_line_and_the_registry_agree(
    admin: Admin, database_url: str
) -> None:
    """One revocation truth: the CLI goes through the registry's revocation service."""
    from sqlalchemy import select

    from hcert.trustlist import uvci_hash
    from issuer.db import make_engine, session_factory, transaction
    from issuer.models import AuditRecord, Certificate
    from issuer.services.signing import FixedSigner, sign_pending
    from tests.factories import default_dsc
    from tests.issuer_factories import bulk_site
    from trust_list.service import FileRevocations

    factory = session_factory(make_engine(database_url))
    with transaction(factory) as s:
        bulk_site(s, 1, pending_doses=True)
    assert sign_pending(factory, FixedSigner(default_dsc().signer)) == 1
    with factory() as s:
        uvci = s.scalar(select(Certificate.uvci))
    assert uvci is not None
    args = ("trust-list", "revoke-certificate", "--database-url", database_url)
    out = admin(*args, "--reason", "issued in error", uvci).output
    assert "revoked " + uvci in out
    with factory() as s:
        row = s.scalars(select(Certificate)).one()
        assert (row.status, row.revoked_by, row.revocation_reason) == (
            "revoked",
            "admin-test",
            "issued in error",
        )
        assert (
            s.scalar(select(AuditRecord.actor).where(AuditRecord.action == "revoke-certificate"))
            == "admin-test"
        )
    listed = FileRevocations(admin.data / "trust-list" / "revoked-uvcis.json").hashes()
    assert uvci_hash(uvci) in listed  # what `trust-list publish` puts in the next list
    # a UVCI the registry never issued is refused, and the way out is named
    stranger = new_uvci()
    refused = admin(*args, "--reason", "x", stranger, code=2).output
    assert "--not-in-registry" in refused
    assert (
        uvci_hash(stranger)
        not in FileRevocations(admin.data / "trust-list" / "revoked-uvcis.json").hashes()
    )
