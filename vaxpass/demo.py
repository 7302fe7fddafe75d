"""`vaxpass demo` (what `make run` shows until the issuer service exists).

Creates a development PKI under the data directory on first run (a CSCA, a trust-list signer
and one DSC; private keys encrypted at rest, under development passphrases generated beside
them unless the environment sets them), publishes a signed trust list, signs a vaccination
certificate for a demo citizen, draws its QR code, reads it back from the pixels and verifies it
offline against the published list with only the CSCA pinned, then shows that a forged copy is
refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2
import click
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hcert import codec, cose
from hcert.dcc import to_json_obj, vaccination_payload
from hcert.icao import transliterate
from hcert.limits import DecodeLimits
from hcert.qrcode import render_png
from hcert.uvci import new_uvci
from keys.lifecycle import Role
from keys.pki import Pki
from vaxpass.admin import Paths, ensure_dev_passphrases, open_pki, trust_list_service
from verifier.qr import decode_qr_image
from verifier.report import verdict_line
from verifier.signed_store import SignedTrustStore
from verifier.verifier import Verifier

DEV_DSC = "dsc-dev"


def ensure_dev_pki(data_dir: Path) -> Pki:
    """The development PKI: a CSCA, a trust-list signer and one DSC, created on first run.

    The DSC gets no lead time so that the demo can sign at once; real DSCs wait 48 hours. Key
    classes whose passphrase the environment does not give get generated development
    passphrase files (`ensure_dev_passphrases`, announced on stderr).
    """
    paths = Paths(data_dir)
    ensure_dev_passphrases(paths)
    pki = open_pki(data_dir, lead_time_hours=0)
    if not any(r.role is Role.CSCA for r in pki.registry.all()):
        record = pki.init_csca()
        paths.csca_pem.parent.mkdir(parents=True, exist_ok=True)
        paths.csca_pem.write_bytes(
            x509.load_der_x509_certificate(record.certificate).public_bytes(Encoding.PEM)
        )
        pki.create_trust_list_signer()
        pki.create_dsc(DEV_DSC)
        click.echo(f"created a development PKI in {paths.keys} (private keys encrypted, 0600)")
    return pki


def run_demo(data_dir: Path) -> int:
    """Run the demo; return the exit status (0 when the certificate verified)."""
    paths = Paths(data_dir)
    pki = ensure_dev_pki(data_dir)
    version, published = trust_list_service(data_dir, None, validity_days=7).publish()
    out = data_dir / "demo"
    out.mkdir(parents=True, exist_ok=True)

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
    expires_at = issued_at + pki.policy.certificate_validity
    active = pki.active_dsc() or pki.create_dsc(f"{DEV_DSC}-{issued_at:%Y%m%d%H%M%S}")
    signer = pki.signer_for(active.name, expires_at)
    text = codec.sign(
        to_json_obj(payload), signer, issuer="VN", issued_at=issued_at, expires_at=expires_at
    )
    (out / "certificate.txt").write_text(text + "\n", encoding="ascii")
    png = render_png(text)
    (out / "certificate.png").write_bytes(png)

    anchor = x509.load_pem_x509_certificate(paths.csca_pem.read_bytes())
    store = SignedTrustStore([anchor])
    store.update(Path(published).read_bytes(), datetime.now(UTC))
    verifier = Verifier(store)
    verdict = verifier.verify(decode_qr_image(png))
    click.echo(f"published trust list version {version} → {paths.publish / 'trust-list.json'}")
    click.echo(f"signed {len(text)} characters for {family} {given} → {out / 'certificate.png'}")
    click.echo(verdict_line(verdict, "QR read from pixels"))
    click.echo(verdict_line(verifier.verify(_forge_birth_date(text)), "date of birth changed"))
    trust = f"--trust-list {paths.publish / 'trust-list.json'} --trust-anchor {paths.csca_pem}"
    click.echo(
        "\ntry it yourself:\n"
        f"  .venv/bin/vaxpass verify {trust} {out / 'certificate.png'}\n"
        f"  .venv/bin/vaxpass verify --json {trust} - < {out / 'certificate.txt'}\n"
        f"  .venv/bin/vaxpass keys list --data-dir {data_dir}"
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
