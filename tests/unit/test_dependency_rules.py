"""ARCHITECTURE §2: a checkpoint's verifier pulls in no web or database framework."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("flask", "sqlalchemy", "alembic", "werkzeug", "keys", "trust_list", "issuer")


def _modules_after_importing(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_verifier_imports_no_flask_sqlalchemy_or_issuer_side() -> None:
    loaded = _modules_after_importing(
        "import verifier.verifier, verifier.loaders, verifier.qr, verifier.report"
    )
    assert "hcert.cose" in loaded  # the probe did import the pipeline
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_verify_command_runs_without_the_issuer_side() -> None:
    loaded = _modules_after_importing(
        "from click.testing import CliRunner\n"
        "from vaxpass.cli import main\n"
        "CliRunner().invoke(main, ['verify', '--trust-list', '/nonexistent', 'HC1:X'])"
    )
    assert "verifier.loaders" in loaded
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
