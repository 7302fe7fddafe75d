"""Several `vaxpass sign-pending` processes share the backlog on PostgreSQL; one is SIGKILLed.

After a restart every dose is signed exactly once: no duplicates, nothing left unsigned.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from issuer.db import make_engine, session_factory, transaction
from issuer.domain import SignState
from issuer.models import Certificate, Dose
from tests.issuer_factories import bulk_site

DOSES = 3000


def _vaxpass(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaxpass", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_signs_nothing_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    from issuer.db import upgrade

    upgrade(postgres_url)
    factory = session_factory(make_engine(postgres_url))
    with transaction(factory) as s:
        s.execute(Certificate.__table__.delete())
        s.execute(Dose.__table__.delete())
    with transaction(factory) as s:
        bulk_site(s, DOSES, pending_doses=True)
    env = {
        **os.environ,
        "VAXPASS_DATA": str(tmp_path / "data"),
        "VAXPASS_DATABASE_URL": postgres_url,
        "VAXPASS_CSCA_PASSPHRASE": "test csca passphrase",
        "VAXPASS_TRUST_LIST_PASSPHRASE": "test trust-list passphrase",
        "VAXPASS_DSC_PASSPHRASE": "test dsc passphrase",  # all sign-pending needs
    }
    for args in (
        ["keys", "init-csca"],
        ["keys", "create-trust-list-signer"],
        ["keys", "create-dsc", "dsc-1", "--lead-time-hours", "0"],
        ["trust-list", "publish"],
    ):
        _vaxpass(env, *args)

    command = [sys.executable, "-m", "vaxpass", "sign-pending", "--batch", "200"]
    victim = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    survivor = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    with factory() as s:
        while (
            s.scalar(select(func.count()).select_from(Certificate)) == 0
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
            s.rollback()
    victim.send_signal(signal.SIGKILL)  # mid-batch: its uncommitted work must vanish
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    survivor.wait(timeout=300)
    _vaxpass(env, "sign-pending")  # the restart finishes whatever is left

    with factory() as s:
        certificates = s.scalar(select(func.count()).select_from(Certificate))
        distinct = s.scalar(select(func.count(func.distinct(Certificate.dose_id))))
        unsigned = s.scalar(
            select(func.count()).select_from(Dose).where(Dose.sign_state != SignState.SIGNED)
        )
        sample = s.scalars(select(Certificate.hc1).limit(5)).all()
    assert (certificates, distinct, unsigned) == (DOSES, DOSES, 0)
    data = tmp_path / "data"
    verified = subprocess.run(
        [
            sys.executable,
            "-m",
            "vaxpass",
            "verify",
            "--trust-list",
            str(data / "publish" / "trust-list.json"),
            "--trust-anchor",
            str(data / "keys" / "csca.pem"),
            *sample,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
