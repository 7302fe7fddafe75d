"""The issuer's HTTP shell: `create_app(config)`, a thin JSON API over the services."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, send_from_directory

from issuer.services.context import DEFAULT_DATABASE_URL, Services
from issuer.services.errors import IssuerCode, NotFound
from issuer.services.signing_loop import SigningLoop
from issuer.signer_source import PkiSignerSource
from issuer.web import admin_units_api, api, problems
from trust_list.publisher import LATEST
from trust_list.service import FileRevocations


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the issuer app.

    Config keys: ``DATABASE_URL`` (default ``VAXPASS_DATABASE_URL`` or SQLite under data/),
    ``SIGNER_SOURCE`` (a `SignerSource`; default: the PKI under ``DATA_DIR``), ``REVOCATIONS``
    (default: the trust list's revocation file under ``DATA_DIR``), ``DATA_DIR``
    (default ``VAXPASS_DATA`` or ``data``), ``MAX_CONTENT_LENGTH`` (default 64 KiB),
    ``SIGNING_LOOP_SECONDS`` (default ``VAXPASS_SIGNING_LOOP_SECONDS`` or 0: with a positive
    value, this process sweeps the signing backlog that often; `vaxpass serve` turns it on).
    """
    app = Flask(__name__)
    app.config.update(
        DATABASE_URL=os.environ.get("VAXPASS_DATABASE_URL", DEFAULT_DATABASE_URL),
        DATA_DIR=os.environ.get("VAXPASS_DATA", "data"),
        MAX_CONTENT_LENGTH=64 * 1024,
        SIGNING_LOOP_SECONDS=float(os.environ.get("VAXPASS_SIGNING_LOOP_SECONDS", "0")),
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    source = app.config.get("SIGNER_SOURCE")
    if source is None:
        source = PkiSignerSource.from_data_dir(app.config["DATA_DIR"])
    revocations = app.config.get("REVOCATIONS") or FileRevocations(
        path=Path(app.config["DATA_DIR"]) / "trust-list" / "revoked-uvcis.json"
    )
    services = Services.open(app.config["DATABASE_URL"], source, revocations)
    app.extensions["vaxpass"] = services
    if app.config["SIGNING_LOOP_SECONDS"] > 0:
        app.extensions["vaxpass.signing_loop"] = SigningLoop(
            services.sessions, source, app.config["SIGNING_LOOP_SECONDS"]
        ).start()
    app.register_blueprint(api.blueprint)
    app.register_blueprint(admin_units_api.blueprint)
    publish_dir = Path(app.config["DATA_DIR"]).resolve() / "publish"

    @app.get("/trust-list.json")
    @app.get("/trust-list-v<int:version>.json")
    def trust_list(version: int | None = None) -> Response:
        """The published signed trust list (what checkpoints load), as `vaxpass trust-list
        publish` wrote it under DATA_DIR/publish; it is public and signed, so no login.
        """  # noqa: D205
        name = LATEST if version is None else f"trust-list-v{version}.json"
        if not (publish_dir / name).is_file():
            raise NotFound(
                IssuerCode.TRUST_LIST_NOT_PUBLISHED,
                f"{name} is not published (vaxpass trust-list publish)",
            )
        return send_from_directory(publish_dir, name, mimetype="application/json", max_age=60)

    problems.install(app)
    return app
