"""The issuer's commands: serve, db upgrade, seed-demo, sign-pending, audit verify."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaxpass.admin import DATA_OPTION

if TYPE_CHECKING:
    from issuer.services.revocation import Revocations

DB_OPTION = click.option(
    "--database-url",
    envvar="VAXPASS_DATABASE_URL",
    default="sqlite:///data/vaxpass.db",
    show_default=True,
    help="SQLAlchemy URL: sqlite:///… or postgresql+psycopg://… [env: VAXPASS_DATABASE_URL]",
)


@click.group("db")
def db_group() -> None:
    """The registry database."""


@db_group.command("upgrade")
@DB_OPTION
def db_upgrade(database_url: str) -> None:
    """Apply every pending migration (the same ones on SQLite and PostgreSQL)."""
    from issuer.db import upgrade

    upgrade(database_url)
    click.echo(f"database at {_redact(database_url)} is up to date")


@click.command("seed-demo")
@DB_OPTION
@DATA_OPTION
@click.option("--persons", type=click.IntRange(min=1), default=2000, show_default=True)
def seed_demo(database_url: str, data_dir: Path, persons: int) -> None:
    """Fill an empty registry with a demo province (Lai Châu): sites, staff, lots, people, doses.

    The staff passwords are random: they are printed once and written to
    DATA/demo-credentials.txt (mode 0600) for the README's curl session.
    """
    from issuer.db import make_engine, session_factory, transaction, upgrade
    from issuer.seed import seed_demo as run
    from issuer.services.audit import seal_all
    from keys.files import write_secret

    upgrade(database_url)
    factory = session_factory(make_engine(database_url))
    with click.progressbar(length=1, label=f"seeding {persons} persons") as bar:
        try:
            with transaction(factory) as session:
                result = run(session, persons=persons)
            seal_all(factory)
        except ValueError as e:
            click.echo(f"\nvaxpass: {e}", err=True)
            sys.exit(2)
        bar.update(1)
    credentials = "".join(f"{user} {pw}\n" for user, pw in result.passwords.items())
    write_secret(data_dir / "demo-credentials.txt", credentials.encode())
    click.echo(
        f"{result.facilities} facilities, {result.persons} persons, {result.doses} doses; "
        f"staff passwords in {data_dir / 'demo-credentials.txt'}"
    )


@click.command("sign-pending")
@DB_OPTION
@DATA_OPTION
@click.option("--batch", type=click.IntRange(min=1, max=10_000), default=500, show_default=True)
def sign_pending(database_url: str, data_dir: Path, batch: int) -> None:
    """Sign the backlog of pending doses; safe to run in several processes and machines at once."""
    _require_current_schema(database_url)
    from sqlalchemy import func, select

    from issuer.db import make_engine, session_factory
    from issuer.domain import SignState
    from issuer.models import Dose
    from issuer.services.audit import seal_all
    from issuer.services.signing import sign_pending as run
    from issuer.signer_source import PkiSignerSource

    factory = session_factory(make_engine(database_url))
    source = PkiSignerSource.from_data_dir(data_dir)
    with factory() as s:
        pending = (
            s.scalar(
                select(func.count()).select_from(Dose).where(Dose.sign_state == SignState.PENDING)
            )
            or 0
        )
    with click.progressbar(length=pending, label="signing", file=sys.stderr) as bar:
        signed = run(factory, source, batch_size=batch, progress=bar.update)
    seal_all(factory)
    click.echo(f"signed {signed} certificates")
    if signed < pending and source.signer(datetime.now(UTC)) is None:
        click.echo("vaxpass: no DSC may sign now (none active): the rest waits", err=True)
        sys.exit(1)


@click.command("reissue-signed-by")
@DB_OPTION
@DATA_OPTION
@click.argument("dsc_name")
def reissue_signed_by(database_url: str, data_dir: Path, dsc_name: str) -> None:
    """After revoking DSC_NAME: queue every certificate it signed for signing again.

    Then run `vaxpass sign-pending`: the active DSC signs them anew.
    """
    _require_current_schema(database_url)
    from issuer.db import make_engine, session_factory, transaction
    from issuer.domain import Role
    from issuer.services.audit import seal_all
    from issuer.services.corrections import reissue_signed_by as run
    from issuer.services.scope import Actor
    from keys.pki import current_actor
    from keys.registry import FileRegistry, RegistryError
    from vaxpass.admin import Paths

    try:
        record = FileRegistry(Paths(data_dir).keys / "registry.json").get(dsc_name)
    except RegistryError as e:
        click.echo(f"vaxpass: {e}", err=True)
        sys.exit(2)
    if record.revoked_at is None:
        click.echo(
            f"vaxpass: {dsc_name} is not revoked: revoke it first (vaxpass keys revoke)", err=True
        )
        sys.exit(2)
    actor = Actor(0, current_actor(), Role.NATIONAL_ADMIN)
    factory = session_factory(make_engine(database_url))
    with transaction(factory) as s:
        count = run(s, actor, record.kid.hex(), datetime.now(UTC))
    seal_all(factory)
    click.echo(
        f"{count} certificates signed by {dsc_name} queued for re-issue; run vaxpass sign-pending"
    )


@click.group("audit")
def audit_group() -> None:
    """The registry's hash-chained audit log."""


@audit_group.command("verify")
@DB_OPTION
def audit_verify(database_url: str) -> None:
    """Seal the entries not yet chained, then prove the chain unbroken (exit 1 where it breaks)."""
    _require_current_schema(database_url)
    from issuer.db import make_engine, session_factory
    from issuer.services.audit import seal_all, verify

    factory = session_factory(make_engine(database_url))
    sealed = seal_all(factory)
    with factory() as s:
        count, broken = verify(s)
    if broken is not None:
        click.echo(f"audit log BROKEN at entry {broken} (after {count} good entries)")
        sys.exit(1)
    click.echo(f"audit log: {count} entries ({sealed} sealed just now), chain unbroken")


@click.command("serve")
@DB_OPTION
@DATA_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--workers", type=int, default=0, help="Run under gunicorn with this many workers (production)."
)
@click.option(
    "--signing-every",
    type=click.FloatRange(min=0),
    default=20.0,
    show_default=True,
    help="Sweep the signing backlog this often, in seconds, in every process (0: never).",
)
def serve(
    database_url: str, data_dir: Path, host: str, port: int, workers: int, signing_every: float
) -> None:
    """Serve the issuer API (Flask's server for development; gunicorn with --workers).

    Every process also signs the backlog on its own (`--signing-every`), sharing it with the
    others: a dose whose person is verified later, or that waited for a DSC, is signed within
    a minute with no one running `vaxpass sign-pending`.
    """
    _require_current_schema(database_url)
    os.environ["VAXPASS_DATABASE_URL"] = database_url
    os.environ["VAXPASS_DATA"] = str(data_dir)
    os.environ["VAXPASS_SIGNING_LOOP_SECONDS"] = str(signing_every)
    if workers:
        os.execvp(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"{host}:{port}",
                "issuer.wsgi:app",
            ],
        )
    from issuer.web import create_app

    click.echo(f"vaxpass issuer on http://{host}:{port}/api/v1 (database {_redact(database_url)})")
    create_app().run(host=host, port=port)


def revoke_in_registry(database_url: str, uvci: str, reason: str, revocations: Revocations) -> str:
    """Revoke a certificate of the registry as the acting national administrator.

    Exits 2 with what to do when the registry is behind, or does not hold the UVCI.
    """
    _require_current_schema(database_url)
    from issuer.db import make_engine, session_factory, transaction
    from issuer.domain import Role
    from issuer.services.audit import seal_all
    from issuer.services.errors import Refusal
    from issuer.services.revocation import revoke_certificate
    from issuer.services.scope import Actor
    from keys.pki import current_actor

    factory = session_factory(make_engine(database_url))
    actor = Actor(0, current_actor(), Role.NATIONAL_ADMIN)
    try:
        with transaction(factory) as session:
            revoked = revoke_certificate(
                session,
                actor,
                uvci,
                reason=reason,
                now=datetime.now(UTC),
                revocations=revocations,
            )
    except Refusal as e:
        hint = (
            " (a certificate signed outside the registry: add --not-in-registry)"
            if e.code == "CERTIFICATE_NOT_FOUND"
            else ""
        )
        click.echo(f"vaxpass: {e.message}{hint}", err=True)
        sys.exit(2)
    seal_all(factory)
    return f"revoked {revoked.uvci} (registry and revocation list; publish to take effect)"


def _require_current_schema(database_url: str) -> None:
    from issuer.db import SchemaOutdated, check_current

    try:
        check_current(database_url)
    except SchemaOutdated as e:
        click.echo(f"vaxpass: {e}", err=True)
        sys.exit(2)


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
