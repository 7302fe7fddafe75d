"""What request handlers need from the app, built once in `create_app`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from issuer.services.signing import SignerSource


@dataclass
class Services:
    """The session factory and the signer source of one app."""

    sessions: sessionmaker[Session]
    signer_source: SignerSource | None


def services(app: Flask | None = None) -> Services:
    """The services of `app` (default: the current app)."""
    found: Services = (app or current_app).extensions["vaxpass"]
    return found
