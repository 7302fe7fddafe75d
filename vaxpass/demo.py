"""`vaxpass demo` (what `make run` shows until the issuer service exists).

Creates development keys under the data directory on first run (a CSCA and one DSC, private
keys encrypted at rest), signs a vaccination certificate for a demo citizen, draws its QR
code, reads it back from the pixels and verifies it offline, then shows that a tampered copy
is refused.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2
import click
from cryptography import x509

from hcert import codec, cose
from hcert.certtype import CertType
from hcert.clock import SystemClock
from hcert.dcc import to_json_obj, vaccination_payload
from hcert.icao import transliterate
from hcert.limits import DecodeLimits
from hcert.qrcode import render_png
from hcert.uvci import new_uvci
from hcert.x509 import parse_signer_certificate
from keys.certificates import create_csca, create_dsc
from keys.files import load_signer, write_certificate, write_private_key, write_secret
from trust_list.gateway import export_gateway_json
from verifier.qr import decode_qr_image
from verifier.report import verdict_line
from verifier.trust_store import StaticTrustStore
from verifier.verifier import Verifier

PASSPHRASE_ENV = "VAXPASS_KEY_PASSPHRASE"


def _passphrase(keys_dir: Path) -> bytes:
    """The key passphrase: from the environment, else a generated file (mode 0600, git-ignored)."""
    if env := os.environb.get(PASSPHRASE_ENV.encode()):
        return env
    path = keys_dir / "passphrase"
    if not path.exists():
        write_secret(path, secrets.token_urlsafe(32).encode())
    return path.read_bytes().strip()


def ensure_dev_keys(data_dir: Path) -> tuple[Path, Path]:
    """Create the development CSCA and DSC once; return the DSC's key and certificate paths."""
    keys_dir = data_dir / "keys"
    dsc_key, dsc_cert = keys_dir / "dev-dsc.key.pem", keys_dir / "dev-dsc.pem"
    passphrase = _passphrase(keys_dir)
    if dsc_key.exists() and dsc_cert.exists():
        return dsc_key, dsc_cert
    now = SystemClock().now() - timedelta(minutes=1)
    csca = create_csca(common_name="vaxpass development CSCA (not for production)", now=now)
    dsc = create_dsc(
        csca,
        common_name="vaxpass development DSC",
        now=now,
        cert_types=frozenset({CertType.VACCINATION, CertType.TEST, CertType.RECOVERY}),
    )
    write_private_key(keys_dir / "dev-csca.key.pem", csca.private_key, passphrase)
    write_certificate(keys_dir / "dev-csca.pem", csca.certificate)
    write_private_key(dsc_key, dsc.private_key, passphrase)
    write_certificate(dsc_cert, dsc.certificate)
    click.echo(f"created development keys in {keys_dir} (private keys encrypted, mode 0600)")
    return dsc_key, dsc_cert


def run_demo(data_dir: Path) -> int:
    """Run the demo; return the exit status (0 when the certificate verified)."""
    dsc_key, dsc_cert = ensure_dev_keys(data_dir)
    signer = load_signer(dsc_key, dsc_cert, _passphrase(data_dir / "keys"))
    out = data_dir / "demo"
    out.mkdir(parents=True, exist_ok=True)
    trust_list = out / "trust-list.json"
    trust_list.write_bytes(
        export_gateway_json([x509.load_pem_x509_certificate(dsc_cert.read_bytes())])
    )

    family, given = "Nguyễn", "Thị Minh Khai"
    today = datetime.now(UTC).date()
    payload = vaccination_payload(
        family_name=family,
        given_name=given,
        family_name_t=transliterate(family),
        given_name_t=transliterate(given),
        dob="1990-05-17",
        product="EU/1/20/1528",
        dose_number=2,
        total_doses=2,
        date=(today - timedelta(days=14)).isoformat(),
        uvci=new_uvci(),
    )
    issued_at = datetime.now(UTC)
    text = codec.sign(
        to_json_obj(payload),
        signer,
        issuer="VN",
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=365),
    )
    (out / "certificate.txt").write_text(text + "\n", encoding="ascii")
    png = render_png(text)
    (out / "certificate.png").write_bytes(png)

    store = StaticTrustStore.of(parse_signer_certificate(dsc_cert.read_bytes()))
    verifier = Verifier(store)
    scanned = decode_qr_image(png)
    verdict = verifier.verify(scanned)
    click.echo(f"signed {len(text)} characters for {family} {given} → {out / 'certificate.png'}")
    click.echo(verdict_line(verdict, "QR read from pixels"))
    click.echo(verdict_line(verifier.verify(_forge_birth_date(text)), "date of birth changed"))
    click.echo(
        "\ntry it yourself:\n"
        f"  .venv/bin/vaxpass verify --trust-list {trust_list} {out / 'certificate.png'}\n"
        f"  .venv/bin/vaxpass verify --json --trust-list {trust_list} - < {out / 'certificate.txt'}"
    )
    return 0 if verdict.valid else 1


def _forge_birth_date(text: str) -> str:
    """The same certificate with another date of birth and the original signature kept."""
    limits = DecodeLimits()
    message = cose.decode_sign1(codec.decode_envelope(text, limits), limits)
    forged_payload = message.payload.replace(b"1990-05-17", b"1980-05-17")
    forged = cbor2.dumps(
        cbor2.CBORTag(
            cose.CoseTag.SIGN1,
            [message.protected_bytes, {}, forged_payload, message.signature],
        )
    )
    return codec.encode_envelope(forged)
