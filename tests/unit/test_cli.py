"""`vaxpass verify` and `vaxpass sign`: the command-line contract other tools rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding

from hcert.qrcode import render_png
from keys.files import write_certificate, write_private_key
from tests.factories import NOW, default_dsc, make_dsc, vaccination_json
from trust_list.gateway import export_gateway_json
from vaxpass.cli import main

AT = NOW.isoformat()


@pytest.fixture
def trust_list(tmp_path: Path) -> Path:
    path = tmp_path / "trust.json"
    path.write_bytes(export_gateway_json([default_dsc().issued.certificate]))
    return path


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.output


def test_verify_string_json_contract(trust_list: Path) -> None:
    text = default_dsc().sign()
    code, out = _run("verify", "--trust-list", str(trust_list), "--at", AT, "--json", text)
    assert code == 0
    record = json.loads(out)
    assert record["input"] == text
    assert (record["valid"], record["category"], record["code"]) == (True, "VALID", "OK")
    assert record["type"] == "v"
    assert record["issuer"] == "VN"
    assert record["issued_at"] == "2026-05-22T12:00:00Z"
    assert record["expires_at"] == "2027-05-22T12:00:00Z"
    assert record["holder"] == {
        "fn": "Đỗ",
        "gn": "Ngọc Vĩnh",
        "fnt": "DO",
        "gnt": "NGOC<VINH",
        "dob": "1985-03-09",
    }
    assert record["kid"] == __import__("base64").b64encode(default_dsc().certificate.kid).decode()


def test_verify_files_images_and_stdin(trust_list: Path, tmp_path: Path) -> None:
    good = default_dsc().sign()
    foreign = make_dsc().sign()
    text_file = tmp_path / "cert.txt"
    text_file.write_text(good + "\n")
    image = tmp_path / "cert.png"
    image.write_bytes(render_png(good))
    code, out = _run(
        "verify", "--trust-list", str(trust_list), "--at", AT, "--json", str(text_file), str(image)
    )
    assert code == 0
    assert [json.loads(line)["valid"] for line in out.splitlines()] == [True, True]

    lines = "\n".join([good, "garbage", "", foreign, good]) + "\n"
    code, out = _run(
        "verify", "--trust-list", str(trust_list), "--at", AT, "--json", "-", stdin=lines
    )
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["input"], r["category"]) for r in records] == [
        (1, "VALID"),
        (2, "MALFORMED"),
        (4, "UNKNOWN_KEY"),
        (5, "VALID"),
    ]


def test_verify_human_output_and_exit_status(trust_list: Path) -> None:
    code, out = _run("verify", "--trust-list", str(trust_list), "--at", AT, "HC1:NOPE")
    assert code == 1
    assert "MALFORMED" in out and "BASE45_DECODING_FAILED" in out
    code, out = _run("verify", "--trust-list", str(trust_list), "--at", AT, default_dsc().sign())
    assert code == 0
    assert "✔ VALID" in out and "Đỗ Ngọc Vĩnh" in out


def test_verify_unverified_payload_shows_no_holder(trust_list: Path) -> None:
    code, out = _run("verify", "--trust-list", str(trust_list), "--json", make_dsc().sign())
    record = json.loads(out)
    assert code == 1 and record["category"] == "UNKNOWN_KEY"
    assert "holder" not in record and "kid" in record


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "HC1:X"],  # no trust list
        ["verify", "--trust-list", "/nonexistent/list.json", "HC1:X"],
        ["verify", "--trust-list", "{bad}", "--at", "yesterday", "HC1:X"],
    ],
)
def test_verify_usage_and_trust_list_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"rawData": "not base64!"}]')
    args = [a.replace("{bad}", str(bad)) for a in args]
    result = CliRunner(env={"VAXPASS_TRUST_LIST": None}).invoke(main, args)
    assert result.exit_code == 2, result.output


def test_trust_list_folder_of_pem_and_der(tmp_path: Path) -> None:
    folder = tmp_path / "dscs"
    folder.mkdir()
    pem_dsc, der_dsc = default_dsc(), make_dsc(algorithm="PS256")
    write_certificate(folder / "one.pem", pem_dsc.issued.certificate)
    (folder / "two.der").write_bytes(der_dsc.issued.certificate.public_bytes(Encoding.DER))
    code, out = _run(
        "verify", "--trust-list", str(folder), "--at", AT, pem_dsc.sign(), der_dsc.sign()
    )
    assert code == 0, out


def test_sign_then_verify_with_qr(
    tmp_path: Path, trust_list: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsc = default_dsc()
    write_private_key(tmp_path / "dsc.key.pem", dsc.issued.private_key, b"s3cret")
    write_certificate(tmp_path / "dsc.pem", dsc.issued.certificate)
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(vaccination_json()), encoding="utf-8")
    monkeypatch.setenv("VAXPASS_KEY_PASSPHRASE", "s3cret")
    qr = tmp_path / "qr.png"

    def sign(*options: str) -> tuple[int, str]:
        return _run(
            "sign",
            "--key",
            str(tmp_path / "dsc.key.pem"),
            "--cert",
            str(tmp_path / "dsc.pem"),
            *options,
            str(payload),
        )

    code, out = sign("--iat", AT, "--qr", str(qr))
    assert code == 0, out
    text = out.strip()
    assert text.startswith("HC1:")
    assert (tmp_path / "dsc.key.pem").stat().st_mode & 0o777 == 0o600
    code, out = _run("verify", "--trust-list", str(trust_list), "--at", AT, "--json", str(qr))
    assert json.loads(out)["input"] == str(qr) and json.loads(out)["valid"]

    monkeypatch.setenv("VAXPASS_KEY_PASSPHRASE", "wrong")
    code, out = sign()
    assert code == 2
    payload.write_text(json.dumps(vaccination_json(dob="1985-13-01")))
    monkeypatch.setenv("VAXPASS_KEY_PASSPHRASE", "s3cret")
    code, out = sign()
    assert code == 2 and "SCHEMA_INVALID" in out


def test_batch_of_thousands_on_stdin_in_one_process(trust_list: Path) -> None:
    text = default_dsc().sign()
    lines = "\n".join([text] * 2000) + "\n"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vaxpass",
            "verify",
            "--trust-list",
            str(trust_list),
            "--at",
            AT,
            "--json",
            "-",
        ],
        input=lines,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.splitlines()
    assert len(outputs) == 2000
    assert json.loads(outputs[-1])["input"] == 2000


def test_an_endless_stdin_line_is_read_in_bounded_chunks(trust_list: Path) -> None:
    good = default_dsc().sign()
    huge = "HC1:" + "A" * 2_000_000
    code, out = _run("verify", "--trust-list", str(trust_list), "--at", AT, "--json", "-",
                     stdin=f"{huge}\n{good}\n")  # fmt: skip
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["input"], r["code"]) for r in records] == [(1, "INPUT_TOO_LONG"), (2, "OK")]
    assert code == 1


def test_an_image_without_a_code(trust_list: Path, tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    code, out = _run("verify", "--trust-list", str(trust_list), "--json", str(blank))
    assert code == 1
    assert (json.loads(out)["category"], json.loads(out)["code"]) == ("MALFORMED", "QR_NOT_FOUND")
