"""The WSGI entry point: ``gunicorn issuer.wsgi:app`` (configured from the environment)."""

from issuer.web import create_app

app = create_app()
