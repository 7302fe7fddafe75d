"""`make bench` (issuer part): bulk signing of the backlog on PostgreSQL, 1 and 2 workers.

Each run starts from a fresh database holding BENCH_DOSES pending doses (default 60,000), runs
`vaxpass sign-pending` in N processes at once, and reports certificates per second end to end
(claim with SKIP LOCKED, sign, store), beside the raw `cryptography` ES256 sign rate measured in
the same run. Skips, saying so, when no PostgreSQL is reachable.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, func, select, text

from issuer.db import make_engine, session_factory, transaction, upgrade
from issuer.models import Certificate
from tests.issuer_factories import add_signed_history, bulk_site

SERVER = os.environ.get("VAXPASS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DOSES = int(
    os.environ.get("BENCH_DOSES", "60000")
)  # a worker starts in about a second: keep it small beside the run
# Doses already in the registry around the backlog: the figures must not move with it.
HISTORY = [int(n) for n in os.environ.get("BENCH_HISTORY", "0,100000,1000000").split(",")]


def raw_sign_rate(seconds: float = 2.0) -> float:
    key, algorithm, data = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.ECDSA(hashes.SHA256()),
        os.urandom(300),
    )
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key.sign(data, algorithm)
        n += 1
    return n / (time.perf_counter() - start)


def fresh_database() -> str:
    name = f"vaxpass_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(SERVER, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    return name


def drop_database(name: str) -> None:
    with create_engine(SERVER, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seed(url: str, count: int, history: int = 0) -> None:
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as s:
        site = bulk_site(s, count, pending_doses=True)
        if history:
            add_signed_history(s, site, history)


def run_workers(url: str, data: Path, workers: int) -> float:
    env = {
        **os.environ,
        "VAXPASS_DATABASE_URL": url,
        "VAXPASS_DATA": str(data),
        "VAXPASS_DSC_PASSPHRASE": "bench dsc",  # the signing workers need no other
    }
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "vaxpass", "sign-pending", "--batch", "1000"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for p in procs:
        p.wait()
    elapsed = time.perf_counter() - start
    with make_engine(url).connect() as c:
        signed = c.execute(select(func.count()).select_from(Certificate)).scalar_one()
    assert signed == DOSES, f"signed {signed} of {DOSES}"
    return DOSES / elapsed


def main() -> None:
    try:
        create_engine(SERVER, connect_args={"connect_timeout": 3}).connect().close()
    except Exception as e:
        print(f"bulk signing: skipped, no PostgreSQL at {SERVER} ({e.__class__.__name__})")
        return
    raw = raw_sign_rate()
    print(f"\nbulk signing on PostgreSQL, {DOSES:,} pending doses (claim SKIP LOCKED, sign, store)")
    print(f"  {'raw cryptography ES256 sign, one core':<44} {raw:>12,.0f}/s")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {
            **os.environ,
            "VAXPASS_DATA": str(data),
            "VAXPASS_CSCA_PASSPHRASE": "bench csca",
            "VAXPASS_DSC_PASSPHRASE": "bench dsc",
        }
        for args in (
            ["keys", "init-csca"],
            ["keys", "create-dsc", "dsc-bench", "--lead-time-hours", "0"],
        ):
            subprocess.run(
                [sys.executable, "-m", "vaxpass", *args], env=env, check=True, capture_output=True
            )
        for history in HISTORY:
            for workers in (1, 2):
                if history and workers == 1:
                    continue  # at scale, the 2-worker figure is the one to watch
                name = fresh_database()
                try:
                    url = SERVER.rsplit("/", 1)[0] + f"/{name}"
                    seed(url, DOSES, history)
                    rate = run_workers(url, data, workers)
                finally:
                    drop_database(name)
                day = 2_500_000 / rate / 60
                label = f"sign-pending, {workers} worker(s), {history:,} doses before"
                print(
                    f"  {label:<52} {rate:>9,.0f}/s  {rate / raw:.0%} of one core's raw rate; "
                    f"a 2.5 M-dose day in {day:.0f} min"
                )


if __name__ == "__main__":
    main()
