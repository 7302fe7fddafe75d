"""One secret per key class, end to end: the issuer service signs with the DSC passphrase alone.

The PKI is made with the administrator's commands; the issuer's `PkiSignerSource` then runs in
an environment holding only what the online service is given.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hcert import codec
from issuer.signer_source import PkiSignerSource
from keys.files import read_private_key
from keys.store import KeyStoreError
from tests.factories import vaccination_json
from tests.integration.test_admin_cli import PASSPHRASES, Admin

ALL_PASSPHRASE_VARIABLES = [
    *PASSPHRASES,
    *(f"{v}_FILE" for v in PASSPHRASES),
    "VAXPASS_KEY_PASSPHRASE",
    "VAXPASS_KEY_PASSPHRASE_FILE",
]
CSCA_PW, TRUST_LIST_PW, DSC_PW = (v.encode() for v in PASSPHRASES.values())


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    admin = Admin(tmp_path / "data")
    admin("keys", "init-csca")
    admin("keys", "create-trust-list-signer")
    admin("keys", "create-dsc", "dsc-a", "--lead-time-hours", "0")
    admin("trust-list", "publish")
    return admin


@pytest.fixture
def issuer_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The issuer service's environment: no passphrase at all until a test sets one."""
    for variable in [*ALL_PASSPHRASE_VARIABLES, "VAXPASS_PKCS11_TOKEN"]:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_each_key_class_opens_with_its_own_passphrase_only(admin: Admin) -> None:
    keys = admin.data / "keys"
    files = {
        "csca.key.pem": CSCA_PW,
        "trust-list-signer.key.pem": TRUST_LIST_PW,
        "dsc-a.key.pem": DSC_PW,
    }
    for name, own in files.items():
        read_private_key(keys / name, own)
        for other in {CSCA_PW, TRUST_LIST_PW, DSC_PW} - {own}:
            with pytest.raises(ValueError):
                read_private_key(keys / name, other)


def test_the_issuer_signs_with_the_dsc_passphrase_alone(
    admin: Admin, issuer_env: pytest.MonkeyPatch
) -> None:
    issuer_env.setenv("VAXPASS_DSC_PASSPHRASE", DSC_PW.decode())
    source = PkiSignerSource.from_data_dir(admin.data)
    issued_at = datetime.now(UTC)
    expires_at = issued_at + timedelta(days=30)
    signer = source.signer(expires_at)
    assert signer is not None
    text = codec.sign(
        vaccination_json(), signer, issuer="VN", issued_at=issued_at, expires_at=expires_at
    )
    [record] = admin.verify(text, code=0)
    assert record["category"] == "VALID"

    # the issuer's PKI holds no CA key, whatever the environment or the caller asks
    assert source.pki is not None
    issuer_env.setenv("VAXPASS_CSCA_PASSPHRASE", CSCA_PW.decode())
    with pytest.raises(KeyStoreError, match="issuer service holds no CSCA"):
        source.pki.ca_store.private_key("csca")
    with pytest.raises(KeyStoreError, match="issuer service holds no CSCA"):
        source.pki.trust_list_signer()
    with pytest.raises(KeyStoreError, match="issuer service holds no CSCA"):
        source.pki.create_dsc("dsc-rogue")


@pytest.mark.parametrize(
    "environment",
    [
        pytest.param({}, id="nothing"),
        pytest.param(
            {"VAXPASS_CSCA_PASSPHRASE": CSCA_PW, "VAXPASS_TRUST_LIST_PASSPHRASE": TRUST_LIST_PW},
            id="the-ca-passphrases",
        ),
        pytest.param({"VAXPASS_KEY_PASSPHRASE": DSC_PW}, id="the-shared-variable"),
        pytest.param({"VAXPASS_DSC_PASSPHRASE": CSCA_PW}, id="the-csca-passphrase-as-dsc"),
    ],
)
def test_without_the_dsc_passphrase_the_issuer_does_not_sign(
    admin: Admin,
    issuer_env: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    environment: dict[str, bytes],
) -> None:
    for variable, value in environment.items():
        issuer_env.setenv(variable, value.decode())
    caplog.set_level(logging.WARNING, logger="issuer.signer_source")
    source = PkiSignerSource.from_data_dir(admin.data)
    assert source.signer(datetime.now(UTC) + timedelta(days=30)) is None
    if "VAXPASS_DSC_PASSPHRASE" not in environment:
        assert "set VAXPASS_DSC_PASSPHRASE" in caplog.text
    if "VAXPASS_KEY_PASSPHRASE" in environment:
        assert "VAXPASS_KEY_PASSPHRASE: not read by the issuer service" in caplog.text


def test_each_command_asks_only_for_the_passphrases_it_uses(admin: Admin) -> None:
    def without(*variables: str) -> Admin:
        limited = Admin(admin.data)
        limited.env.update(dict.fromkeys(variables))
        return limited

    csca, trust_list, dsc = PASSPHRASES
    assert "no passphrase for the dsc keys: set VAXPASS_DSC_PASSPHRASE" in (
        without(dsc)("keys", "create-dsc", "dsc-b", code=2).output
    )
    assert "no passphrase for the csca keys" in (
        without(csca)("keys", "create-dsc", "dsc-b", code=2).output
    )
    without(trust_list)("keys", "create-dsc", "dsc-b")  # the CSCA certifies a new DSC key
    without(csca, dsc)("trust-list", "publish")  # the trust-list signer's alone
    assert without(csca, trust_list).sign("dsc-a", "URN:UVCI:01:VN:ABCDEF0123456789ABCDEF")
    without(csca, trust_list, dsc)("keys", "revoke", "dsc-b", "--reason", "test")  # no key used


def test_a_pki_under_the_shared_passphrase_keeps_working_and_is_separated_by_re_encrypting(
    tmp_path: Path, issuer_env: pytest.MonkeyPatch
) -> None:
    old = Admin(tmp_path / "data")  # as documented before: one passphrase for everything
    old.env.update(dict.fromkeys(PASSPHRASES))
    old.env["VAXPASS_KEY_PASSPHRASE"] = "one for all"
    result = old("keys", "init-csca")
    assert "the csca key is unlocked with VAXPASS_KEY_PASSPHRASE" in result.stderr
    assert "deprecated" in result.stderr and "set VAXPASS_CSCA_PASSPHRASE" in result.stderr
    old("keys", "create-trust-list-signer")
    old("keys", "create-dsc", "dsc-a", "--lead-time-hours", "0")
    old("trust-list", "publish")

    # the administrator sets one passphrase per class and re-encrypts each key under its own
    new = Admin(old.data)
    new.env["VAXPASS_KEY_PASSPHRASE"] = "one for all"
    for name in ("csca", "trust-list-signer", "dsc-a"):
        result = new("keys", "re-encrypt", name, "--old-passphrase-env", "VAXPASS_KEY_PASSPHRASE")
        assert "600000 rounds" in result.stdout and not result.stderr
    keys = old.data / "keys"
    with pytest.raises(ValueError):
        read_private_key(keys / "csca.key.pem", b"one for all")
    read_private_key(keys / "csca.key.pem", CSCA_PW)
    new.env["VAXPASS_KEY_PASSPHRASE"] = None
    new("keys", "create-dsc", "dsc-b", "--lead-time-hours", "0")
    new("trust-list", "publish")

    issuer_env.setenv("VAXPASS_DSC_PASSPHRASE", DSC_PW.decode())
    assert PkiSignerSource.from_data_dir(old.data).signer(datetime.now(UTC)) is not None
    actions = [
        line for line in (keys / "audit.log").read_text().splitlines() if "re-encrypt" in line
    ]
    assert len(actions) == 3
    new.env["VAXPASS_KEY_PASSPHRASE"] = "one for all"  # it no longer opens anything
    assert "cannot unlock" in new("keys", "re-encrypt", "dsc-a", "--old-passphrase-env",
                                  "VAXPASS_KEY_PASSPHRASE", code=2).output  # fmt: skip
