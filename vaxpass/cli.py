"""The `vaxpass` command line: the one place that composes the packages.

Each command imports what it needs inside its body, so that `vaxpass verify` runs on a
checkpoint that has only the `verifier` extra installed (no Flask, no SQLAlchemy).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from vaxpass.admin import DATA_OPTION, keys_group, trust_list_group
from vaxpass.checkpoint_cli import checkpoint
from vaxpass.issuer_cli import (
    audit_group,
    db_group,
    reissue_signed_by,
    seed_demo,
    serve,
    sign_pending,
)

if TYPE_CHECKING:
    from verifier.signed_store import SignedTrustStore

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class IsoDateTime(click.ParamType):
    """An ISO 8601 instant; naive values are taken as UTC."""

    name = "ISO-8601"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse `value`; naive times are UTC."""
        if isinstance(value, datetime):
            return value
        try:
            t = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time", param, ctx)
        return t if t.tzinfo else t.replace(tzinfo=UTC)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vaxpass")
def main() -> None:
    """vaxpass: vaccination certificates (EU DCC) for Viet Nam: sign, verify, operate."""


@main.command()
@click.option(
    "--trust-list",
    "trust_list",
    type=click.Path(path_type=Path),
    envvar="VAXPASS_TRUST_LIST",
    help="DSCs to trust: a DCC Gateway JSON list, a PEM/DER certificate, or a folder of them. "
    "[env: VAXPASS_TRUST_LIST]",
)
@click.option(
    "--trust-anchor",
    "anchors",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pinned CSCA certificate: then --trust-list is a signed trust list, checked "
    "against it (rollback, expiry, revocations). [env: VAXPASS_TRUST_ANCHOR]",
    envvar="VAXPASS_TRUST_ANCHOR",
)
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Keep verifying this long after the signed trust list expires (shown).",
)
@click.option("--at", "at", type=IsoDateTime(), help="Verify as of this instant instead of now.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input per line.")
@click.option(
    "--skew",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="Seconds an iat may lie in the future.",
)
@click.option(
    "--allow-uncompressed", is_flag=True, help="Accept COSE that was not zlib-compressed."
)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
def verify(
    trust_list: Path | None,
    anchors: tuple[Path, ...],
    grace_hours: float,
    at: datetime | None,
    as_json: bool,
    skew: int,
    allow_uncompressed: bool,
    inputs: tuple[str, ...],
) -> None:
    """Verify certificates offline.

    INPUT is an HC1: string, a file holding one, a PNG/JPEG image of the QR code, or - to read
    one input per line from standard input. Exit status: 0 all valid, 1 any invalid, 2 usage
    or trust-list error.
    """
    from hcert.clock import FixedClock, SystemClock
    from hcert.errors import HcertError
    from verifier.loaders import load_trust_store
    from verifier.report import verdict_json, verdict_line
    from verifier.trust_store import TrustStore
    from verifier.verifier import Verdict, Verifier

    if trust_list is None:
        _usage_error("no trust list: pass --trust-list PATH (or set VAXPASS_TRUST_LIST)")
    clock = FixedClock(at) if at else SystemClock()
    store: TrustStore
    list_info: dict[str, object] = {}
    try:
        if anchors:
            store, list_info = _signed_store(trust_list, anchors, grace_hours, clock.now())
        else:
            store = load_trust_store(trust_list)
    except HcertError as e:
        _usage_error(f"trust list {trust_list}: {e}")
    verifier = Verifier(
        store, clock, skew=timedelta(seconds=skew), allow_uncompressed=allow_uncompressed
    )
    all_valid = True
    for ref, source in _inputs(inputs, verifier.limits.max_text_chars):
        try:
            verdict = verifier.verify(_read_input(source, verifier.limits))
        except HcertError as e:
            verdict = Verdict(e.code, e.message)
        all_valid &= verdict.valid
        line = (
            json.dumps(verdict_json(verdict, ref) | list_info, ensure_ascii=False)
            if as_json
            else verdict_line(verdict, ref)
        )
        click.echo(line)
    sys.exit(EXIT_OK if all_valid else EXIT_INVALID)


def _signed_store(
    path: Path, anchors: tuple[Path, ...], grace_hours: float, now: datetime
) -> tuple[SignedTrustStore, dict[str, object]]:
    """A signed trust list checked against the pinned CSCA, and what to say of its age."""
    from vaxpass.admin import load_anchors
    from verifier.loaders import read_trust_file
    from verifier.signed_store import SignedTrustStore

    store = SignedTrustStore(load_anchors(anchors), grace=timedelta(hours=grace_hours))
    store.update(read_trust_file(path), now)
    fresh = store.freshness(now)
    assert fresh.expires_at is not None and fresh.age is not None
    info = {
        "version": fresh.version,
        "expires_at": fresh.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "age_hours": round(fresh.age.total_seconds() / 3600, 1),
        "in_grace": fresh.in_grace,
    }
    note = f"trust list v{fresh.version}, {info['age_hours']} h old"
    if fresh.in_grace:
        note += f", EXPIRED at {info['expires_at']}: verifying in the grace period you allowed"
    click.echo(note, err=True)
    return store, {"trust_list": info}


def _inputs(args: tuple[str, ...], max_chars: int) -> Iterator[tuple[str | int, str]]:
    for arg in args:
        if arg == "-":
            yield from _stdin_lines(max_chars)
        else:
            yield arg, arg


def _stdin_lines(max_chars: int) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines of standard input, none read past `max_chars` + 1 characters.

    The rest of an over-long line is skipped in bounded chunks; what is kept is still too long,
    so its verdict says INPUT_TOO_LONG.
    """
    number = 0
    while line := sys.stdin.readline(max_chars + 1):
        number += 1
        if len(line) > max_chars and not line.endswith("\n"):
            while (rest := sys.stdin.readline(65_536)) and not rest.endswith("\n"):
                pass
        if line.strip():
            yield number, line.strip()


def _read_input(source: str, limits: object) -> str:
    """An HC1 string as given, or the text in a file, or the QR code in an image file."""
    from hcert.codec import PREFIX
    from hcert.errors import DecodeError, ErrorCode
    from hcert.limits import DecodeLimits

    assert isinstance(limits, DecodeLimits)
    if source.startswith(PREFIX) or len(source) > 4096:
        return source
    path = Path(source)
    try:
        if not path.is_file():
            return source
        if path.stat().st_size > limits.max_image_bytes:
            raise DecodeError(ErrorCode.INPUT_TOO_LONG, f"{source}: file too large")
        data = path.read_bytes()
    except OSError as e:
        raise DecodeError(ErrorCode.INPUT_NOT_TEXT, f"{source}: {e.strerror}") from e
    from verifier.qr import decode_qr_image, looks_like_image

    if looks_like_image(data):
        return decode_qr_image(data, limits)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(ErrorCode.INPUT_NOT_TEXT, f"{source}: neither text nor an image") from e


@main.command()
@click.option(
    "--key",
    "key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The DSC's private key (PEM, normally encrypted PKCS#8), with --cert.",
)
@click.option(
    "--key-name",
    help="Sign with this DSC of the PKI under --data-dir instead (the lifecycle is enforced: "
    "no signing while pending, retired or revoked, nor past the DSC's end).",
)
@DATA_OPTION
@click.option(
    "--cert",
    "cert_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The DSC's certificate (PEM), with --key.",
)
@click.option(
    "--passphrase-env",
    default="VAXPASS_KEY_PASSPHRASE",
    show_default=True,
    help="Environment variable holding the key's passphrase.",
)
@click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the key's passphrase (instead of the environment).",
)
@click.option("--issuer", default="VN", show_default=True, help="The iss claim (issuing country).")
@click.option("--iat", type=IsoDateTime(), help="Issued-at instant (default: now).")
@click.option(
    "--validity-days",
    type=click.IntRange(min=1),
    default=365,
    show_default=True,
    help="exp = iat + this many days (the Vietnamese rule is 12 months).",
)
@click.option(
    "--no-validate",
    is_flag=True,
    help="Sign even if the payload breaks the DCC schema (test vectors).",
)
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the QR code here (.png or .svg).",
)
@click.argument("payload", type=click.File("rb"))
def sign(
    key_path: Path | None,
    key_name: str | None,
    data_dir: Path,
    cert_path: Path | None,
    passphrase_env: str,
    passphrase_file: Path | None,
    issuer: str,
    iat: datetime | None,
    validity_days: int,
    no_validate: bool,
    qr_path: Path | None,
    payload: click.utils.LazyFile,
) -> None:
    """Sign a DCC JSON PAYLOAD (a file, or - for standard input) into an HC1: string."""
    from hcert import codec
    from hcert.dcc import parse_dcc
    from hcert.errors import HcertError
    from keys.files import load_signer

    passphrase = (
        passphrase_file.read_bytes().strip()
        if passphrase_file
        else os.environb.get(passphrase_env.encode())
    )
    if (key_name is None) == (key_path is None or cert_path is None):
        _usage_error("give either --key-name, or --key with --cert")
    issued_at = iat or datetime.now(UTC)
    expires_at = issued_at + timedelta(days=validity_days)
    try:
        dcc = json.loads(payload.read())
        if not no_validate:
            parse_dcc(dcc)
    except ValueError as e:  # JSONDecodeError is a ValueError
        _usage_error(f"payload: {e}")
    except HcertError as e:
        _usage_error(f"payload: {e}")
    if key_name is not None:
        from vaxpass.admin import admin_errors, pki_for_key

        with admin_errors():
            signer = pki_for_key(data_dir, key_name).signer_for(key_name, expires_at)
    else:
        assert key_path is not None and cert_path is not None
        try:
            signer = load_signer(key_path, cert_path, passphrase)
        except (ValueError, TypeError) as e:  # wrong passphrase, key of another certificate
            _usage_error(str(e))
    text = codec.sign(dcc, signer, issuer=issuer, issued_at=issued_at, expires_at=expires_at)
    if qr_path is not None:
        from hcert.qrcode import render_png, render_svg

        render = render_svg if qr_path.suffix.lower() == ".svg" else render_png
        try:
            qr_path.write_bytes(render(text))
        except ImportError as e:  # segno is the optional extra `sign`
            _usage_error(f"{e}; the certificate was signed but no QR code written:\n{text}")
        except OSError as e:
            _usage_error(f"{qr_path}: {e.strerror}")
    click.echo(text)


@main.command()
@DATA_OPTION
def demo(data_dir: Path) -> None:
    """Sign → QR image → read from pixels → verify (development keys made on first run)."""
    from vaxpass.demo import run_demo

    sys.exit(run_demo(data_dir))


main.add_command(keys_group)
main.add_command(trust_list_group)
main.add_command(checkpoint)
for _command in (db_group, seed_demo, sign_pending, reissue_signed_by, audit_group, serve):
    main.add_command(_command)


def _usage_error(message: str) -> NoReturn:
    click.echo(f"vaxpass: {message}", err=True)
    sys.exit(EXIT_USAGE)
