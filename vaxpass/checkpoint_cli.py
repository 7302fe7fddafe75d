"""`vaxpass checkpoint`: the checkpoint officer's offline app (a local page, or a terminal loop).

Defaults come from the development data directory (``VAXPASS_DATA``, default ``data``), so
that after `make run` created the PKI and published a list, `vaxpass checkpoint` just works:
the pinned CSCA is ``DATA/keys/csca.pem``, the published list ``DATA/publish/trust-list.json``,
the publication URL the issuer's ``/trust-list.json``, and the app's own state (settings and
the last accepted list, nothing about persons) lives in ``DATA/checkpoint/``.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from checkpoint_app.checkpoint import CheckpointConfig

DEV_TRUST_URL = "http://127.0.0.1:8000/trust-list.json"
DEFAULT_PORT = 8400


@click.command("checkpoint")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VAXPASS_DATA",
    default=Path("data"),
    show_default=True,
    help="Where the defaults below live; the app keeps its state in DATA/checkpoint. "
    "[env: VAXPASS_DATA]",
)
@click.option(
    "--trust-url",
    envvar="VAXPASS_TRUST_URL",
    default=DEV_TRUST_URL,
    show_default=True,
    help="The trust list's publication URL, fetched at start and every 15 minutes when "
    "online ('' for none). [env: VAXPASS_TRUST_URL]",
)
@click.option(
    "--trust-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A published trust-list file to load at start (a USB stick). "
    "[default: DATA/publish/trust-list.json when it exists]",
)
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The pinned CSCA certificate (PEM); repeatable. [default: DATA/keys/csca.pem]",
)
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=72,
    show_default=True,
    help="How long past the list's expiry the officer may allow verdicts to continue.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--no-browser", is_flag=True, help="Do not open the page in the browser.")
@click.option(
    "--terminal", is_flag=True, help="No page: read scans from standard input, one per line."
)
def checkpoint(
    data_dir: Path,
    trust_url: str,
    trust_file: Path | None,
    anchors: tuple[Path, ...],
    grace_hours: float,
    port: int,
    no_browser: bool,
    terminal: bool,
) -> None:
    """Scan certificates at a checkpoint: verdicts offline, in Vietnamese (English toggle).

    Serves the page on http://127.0.0.1:PORT/ only (and opens it), or with --terminal runs the
    same loop on standard input for a keyboard-wedge scanner.
    """
    from checkpoint_app.checkpoint import CheckpointConfig

    anchors = anchors or (data_dir / "keys" / "csca.pem",)
    for anchor in anchors:
        if not anchor.is_file():
            _fail(
                f"no pinned CSCA certificate at {anchor}: pass --anchor CSCA.pem "
                "(in development, `make run` or `vaxpass demo` creates it)"
            )
    if trust_file is not None and not trust_file.is_file():
        _fail(f"--trust-file {trust_file}: no such file")
    config = CheckpointConfig(
        state_dir=data_dir / "checkpoint",
        anchors=anchors,
        trust_url=trust_url or None,
        trust_file=trust_file or data_dir / "publish" / "trust-list.json",
        grace=timedelta(hours=grace_hours),
    )
    try:
        if terminal:
            _run_terminal(config)
        else:
            _serve(config, port, open_browser=not no_browser)
    except ValueError as e:  # an anchor file that holds no certificate
        _fail(str(e))
    except OSError as e:  # the port is taken
        _fail(f"cannot serve on 127.0.0.1:{port}: {e.strerror or e}")


def _serve(config: CheckpointConfig, port: int, *, open_browser: bool) -> None:
    from checkpoint_app.web import create_app, serve

    serve(create_app(config), port, open_browser=open_browser)


def _run_terminal(config: CheckpointConfig) -> None:
    import threading

    from checkpoint_app.checkpoint import REFRESH_INTERVAL, open_checkpoint, refresh_in_background
    from checkpoint_app.terminal import no_echo, run_terminal

    checkpoint = open_checkpoint(config)
    stop = threading.Event()
    refresh_in_background(checkpoint, REFRESH_INTERVAL, stop)
    try:
        with no_echo(sys.stdin):
            color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
            status = run_terminal(checkpoint, sys.stdin, sys.stdout, color=color)
    finally:
        stop.set()
    sys.exit(status)


def _fail(message: str) -> NoReturn:
    click.echo(f"vaxpass: {message}", err=True)
    sys.exit(2)
