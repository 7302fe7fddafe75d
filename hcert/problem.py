"""Problem details for HTTP APIs (RFC 9457): the one error shape of every vaxpass web API.

Both Flask apps (the issuer's API and the checkpoint's local server) answer every error as
``application/problem+json`` with the same members, so a client reads ``code`` (our stable
machine-readable reason) and ``detail`` (what is wrong) the same way everywhere.
"""

from __future__ import annotations

from typing import Any

MEDIA_TYPE = "application/problem+json"  # RFC 9457 §3


def problem_document(status: int, code: str, detail: str) -> dict[str, Any]:
    """The members of one problem: RFC 9457's ``type``/``title``/``status``/``detail`` and our
    ``code`` extension member (§3.2).
    """  # noqa: D205
    return {
        "type": "about:blank",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": detail,
    }
