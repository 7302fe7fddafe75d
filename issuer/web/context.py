"""What request handlers need from the app, built once in `create_app`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from issuer.services.corrections import Revocations
from issuer.services.signing import SignerSource


@dataclass
class Services:
    """The session factory, the signer source and the revocation list of one app."""

    sessions: sessionmaker[Session]
    signer_source: SignerSource | None
    revocations: Revocations


def services(app: Flask | None = None) -> Services:
    """The services of `app` (default: the current app)."""
    found: Services = (app or current_app).extensions["vaxpass"]
    return found
