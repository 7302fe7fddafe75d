"""One passphrase per key class: where each is found, and where the shared one is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from keys.lifecycle import Role
from keys.passphrases import (
    KeyClass,
    PassphraseMissing,
    create_dev_passphrases,
    dev_passphrase_path,
    passphrase_for,
)
from keys.store import KeyStoreError

VARIABLES = [
    *(v for c in KeyClass for v in (c.env, c.file_env)),
    "VAXPASS_KEY_PASSPHRASE",
    "VAXPASS_KEY_PASSPHRASE_FILE",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_the_variables_are_named_per_class() -> None:
    assert [(c.env, c.file_env) for c in KeyClass] == [
        ("VAXPASS_CSCA_PASSPHRASE", "VAXPASS_CSCA_PASSPHRASE_FILE"),
        ("VAXPASS_TRUST_LIST_PASSPHRASE", "VAXPASS_TRUST_LIST_PASSPHRASE_FILE"),
        ("VAXPASS_DSC_PASSPHRASE", "VAXPASS_DSC_PASSPHRASE_FILE"),
    ]
    assert [KeyClass.of(r) for r in (Role.CSCA, Role.TRUST_LIST_SIGNER, Role.DSC)] == list(KeyClass)
    with pytest.raises(ValueError, match="no private key"):
        KeyClass.of(Role.FOREIGN_DSC)


def test_each_class_reads_its_own_variable_and_no_other(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VAXPASS_CSCA_PASSPHRASE", "root secret")
    assert passphrase_for(KeyClass.CSCA, tmp_path) == b"root secret"
    for other in (KeyClass.TRUST_LIST, KeyClass.DSC):
        with pytest.raises(PassphraseMissing, match=other.env):
            passphrase_for(other, tmp_path, allow_shared=True)


def test_the_file_variant_and_its_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "dsc.pass"
    secret.write_bytes(b"dsc secret\n")
    monkeypatch.setenv("VAXPASS_DSC_PASSPHRASE_FILE", str(secret))
    assert passphrase_for(KeyClass.DSC) == b"dsc secret"

    monkeypatch.setenv("VAXPASS_DSC_PASSPHRASE_FILE", str(tmp_path / "missing"))
    with pytest.raises(KeyStoreError, match=r"VAXPASS_DSC_PASSPHRASE_FILE names .*missing") as e:
        passphrase_for(KeyClass.DSC)
    assert not isinstance(e.value, PassphraseMissing)  # misconfigured, not absent
    secret.write_bytes(b"  \n")
    monkeypatch.setenv("VAXPASS_DSC_PASSPHRASE_FILE", str(secret))
    with pytest.raises(KeyStoreError, match="empty"):
        passphrase_for(KeyClass.DSC)

    monkeypatch.setenv("VAXPASS_DSC_PASSPHRASE", "the variable wins")
    assert passphrase_for(KeyClass.DSC) == b"the variable wins"


def test_the_shared_passphrase_only_where_allowed_and_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VAXPASS_KEY_PASSPHRASE", "one for all")
    with pytest.raises(PassphraseMissing):
        passphrase_for(KeyClass.DSC, tmp_path)  # e.g. the issuer service
    warnings: list[str] = []
    assert (
        passphrase_for(KeyClass.DSC, tmp_path, allow_shared=True, warn=warnings.append)
        == b"one for all"
    )
    assert len(warnings) == 1
    assert "VAXPASS_KEY_PASSPHRASE" in warnings[0] and "set VAXPASS_DSC_PASSPHRASE" in warnings[0]


def test_the_old_generated_file_is_a_shared_passphrase_too(tmp_path: Path) -> None:
    (tmp_path / "passphrase").write_bytes(b"old dev secret")
    with pytest.raises(PassphraseMissing):
        passphrase_for(KeyClass.DSC, tmp_path)
    warnings: list[str] = []
    assert passphrase_for(KeyClass.CSCA, tmp_path, allow_shared=True, warn=warnings.append) == (
        b"old dev secret"
    )
    assert str(tmp_path / "passphrase") in warnings[0]


def test_development_files_one_per_class(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keys = tmp_path / "data" / "keys"
    monkeypatch.setenv("VAXPASS_CSCA_PASSPHRASE", "configured")
    written = create_dev_passphrases(keys)
    assert written == [
        dev_passphrase_path(keys, KeyClass.TRUST_LIST),
        dev_passphrase_path(keys, KeyClass.DSC),
    ]  # the CSCA's is configured: no file for it
    assert {p.stat().st_mode & 0o777 for p in written} == {0o600}
    assert written[0].parent.stat().st_mode & 0o777 == 0o700
    assert written[0].read_bytes() != written[1].read_bytes()
    assert passphrase_for(KeyClass.DSC, keys) == written[1].read_bytes()
    assert passphrase_for(KeyClass.CSCA, keys) == b"configured"
    assert create_dev_passphrases(keys) == []  # once


def test_the_old_shared_development_file_is_moved_into_the_class_files(tmp_path: Path) -> None:
    (tmp_path / "passphrase").write_bytes(b"old dev secret\n")
    written = create_dev_passphrases(tmp_path)
    assert len(written) == 3
    assert {p.read_bytes() for p in written} == {b"old dev secret"}  # the keys still open
    assert not (tmp_path / "passphrase").exists()
