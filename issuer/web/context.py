"""What request handlers need from the app, built once in `create_app`."""

from __future__ import annotations

from flask import Flask, current_app

from issuer.services.context import Services


def services(app: Flask | None = None) -> Services:
    """The services of `app` (default: the current app)."""
    found: Services = (app or current_app).extensions["vaxpass"]
    return found
