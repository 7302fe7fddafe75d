"""The checkpoint's local page: a Flask app on 127.0.0.1, JSON endpoints and static assets.

Everything the page needs is served from here (no CDN): it works with the network cable pulled.
Camera frames and pictures arrive as raw image bytes in the request body and are read in
memory (no multipart form, which would spool large files to disk); scanned text arrives as
JSON. Nothing of a request's body is logged: the server logs no request lines, and an
unexpected error is logged by its type and place only, never its message.

State-changing requests must carry ``X-Checkpoint: 1`` (another web site in the officer's
browser cannot send it without a CORS preflight, which is never granted) and a ``Host`` of
``127.0.0.1`` or ``localhost`` (no DNS rebinding).
"""

from __future__ import annotations

import logging
import threading
import traceback
import webbrowser
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from checkpoint_app import i18n, view
from checkpoint_app.checkpoint import (
    REFRESH_INTERVAL,
    Checkpoint,
    CheckpointConfig,
    open_checkpoint,
    refresh_in_background,
)
from hcert.errors import HcertError
from hcert.problem import MEDIA_TYPE, problem_document
from hcert.trustlist import MAX_TRUST_LIST_BYTES

LOCAL_HOSTS = frozenset(("127.0.0.1", "localhost"))
_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_log = logging.getLogger(__name__)


def create_app(config: CheckpointConfig) -> Flask:
    """The checkpoint's Flask app (one checkpoint per app: its trust data, settings, counters).

    Args:
        config: where the trust data and the app's state live, and the clock.
    """
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_TRUST_LIST_BYTES
    app.extensions["checkpoint"] = open_checkpoint(config)

    @app.before_request
    def guard() -> Response | None:
        host = (request.host or "").rsplit(":", 1)[0].strip("[]")
        if host not in LOCAL_HOSTS:
            return _problem(403, "FORBIDDEN_HOST", "the checkpoint answers on localhost only")
        if request.method == "POST" and request.headers.get("X-Checkpoint") != "1":
            return _problem(403, "FORBIDDEN", "requests must come from the checkpoint page")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        return _problem(
            e.code or 500, (e.name or "error").upper().replace(" ", "_"), e.description or ""
        )

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        # The type and the place only: a message could quote what was scanned.
        where = "".join(traceback.format_tb(e.__traceback__))
        _log.error("unexpected %s in %s\n%s", type(e).__name__, request.path, where)
        return _problem(500, "INTERNAL", f"unexpected {type(e).__name__}")

    @app.get("/")
    def index() -> Response:
        return app.send_static_file("index.html")

    @app.get("/api/texts")
    def texts() -> Response:
        return jsonify(i18n.page_texts())

    @app.get("/api/state")
    def state() -> Response:
        return jsonify(view.state_view(_checkpoint()))

    @app.post("/api/scan/text")
    def scan_text() -> Response:
        body = request.get_json(silent=True)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return _problem(400, "BAD_REQUEST", 'expected JSON {"text": "HC1:…"}')
        checkpoint = _checkpoint()
        return _with_state(view.scan_view(checkpoint.scan_text(text)), checkpoint)

    @app.post("/api/scan/image")
    def scan_image() -> Response:
        checkpoint = _checkpoint()
        try:
            result = view.scan_view(checkpoint.scan_image(request.get_data(cache=False)))
        except HcertError as e:
            result = view.not_read_view(e)
        return _with_state(result, checkpoint)

    @app.post("/api/settings")
    def settings() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _problem(400, "BAD_REQUEST", "expected a JSON object of settings")
        checkpoint = _checkpoint()
        try:
            checkpoint.update_settings(body)
        except ValueError as e:
            return _problem(400, "BAD_SETTING", str(e))
        return jsonify(view.state_view(checkpoint))

    @app.post("/api/trust/refresh")
    def trust_refresh() -> Response:
        checkpoint = _checkpoint()
        if checkpoint.trust_url is None:
            return _problem(400, "NO_TRUST_URL", "no publication URL configured (--trust-url)")
        result = checkpoint.trust.load_url(checkpoint.trust_url)
        return _with_state({"load": view.load_view(result)}, checkpoint)

    @app.post("/api/trust/upload")
    def trust_upload() -> Response:
        checkpoint = _checkpoint()
        result = checkpoint.trust.load_bytes(request.get_data(cache=False), "upload")
        return _with_state({"load": view.load_view(result)}, checkpoint)

    @app.post("/api/counters/reset")
    def counters_reset() -> Response:
        checkpoint = _checkpoint()
        checkpoint.counters.reset(checkpoint.clock.now())
        return jsonify(view.state_view(checkpoint))

    return app


def serve(app: Flask, port: int, *, open_browser: bool) -> None:
    """Serve `app` on 127.0.0.1:`port` until interrupted, refreshing the trust list meanwhile.

    Args:
        app: from `create_app`.
        port: the TCP port (0: any free one).
        open_browser: open the page in the default browser.
    """
    server = local_server(app, port)
    url = f"http://127.0.0.1:{server.server_port}/"
    stop = threading.Event()
    refresh_in_background(app.extensions["checkpoint"], REFRESH_INTERVAL, stop)
    print(f"vaxpass checkpoint on {url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()


def local_server(app: Flask, port: int) -> BaseWSGIServer:
    """A threaded server for `app` on 127.0.0.1 only that logs no request lines.

    Call its ``serve_forever``; `port` 0 takes any free port (``server_port`` says which).
    """
    return make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)


class _QuietHandler(WSGIRequestHandler):
    """Logs no request lines (they would say when each scan happened, and from where)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing."""


def _checkpoint() -> Checkpoint:
    checkpoint: Checkpoint = current_app.extensions["checkpoint"]
    return checkpoint


def _with_state(body: dict[str, Any], checkpoint: Checkpoint) -> Response:
    return jsonify({**body, "state": view.state_view(checkpoint)})


def _problem(status: int, code: str, message: str) -> Response:
    response = jsonify(problem_document(status, code, message))
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    return response
