"""ARCHITECTURE §2: the checkpoint builds on verifier only; its terminal mode needs no Flask."""

from __future__ import annotations

import json
import subprocess
import sys


def _top_level_modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {m.split(".")[0] for m in json.loads(out.stdout)}


def test_the_page_imports_no_issuer_side_and_no_database() -> None:
    loaded = _top_level_modules_after("import checkpoint_app.web")
    assert {"checkpoint_app", "verifier", "flask"} <= loaded
    assert not loaded & {"sqlalchemy", "alembic", "issuer", "keys", "trust_list"}


def test_the_terminal_mode_imports_no_web_framework() -> None:
    loaded = _top_level_modules_after("import checkpoint_app.terminal, checkpoint_app.view")
    assert "checkpoint_app" in loaded
    assert not loaded & {"flask", "werkzeug", "sqlalchemy", "issuer", "keys", "trust_list"}
