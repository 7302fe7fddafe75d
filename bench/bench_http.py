"""`make bench` (issuer part): recording doses through the HTTP API under load.

gunicorn serves the issuer on a fresh PostgreSQL database; 32 client threads record doses
(each for a different, verified and screened person, with its own Idempotency-Key), every dose
signed on record. Prints doses/s and the latency percentiles. Load goes to 127.0.0.1 only and
stops after BENCH_HTTP_SECONDS (default 15). Skips, saying so, without PostgreSQL.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine

from bench.bench_issuer import (
    HISTORY,
    SERVER,
    drop_database,
    fresh_database,
)
from issuer.db import make_engine, session_factory, transaction, upgrade
from tests.issuer_factories import add_signed_history, bulk_site

CLIENTS = 32
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "15"))
PEOPLE = int(os.environ.get("BENCH_HTTP_PEOPLE", "20000"))
PORT = 8765
GUNICORN = os.environ.get("BENCH_GUNICORN", "--workers 3 --worker-class sync")


def seed(url: str, history: int) -> None:
    upgrade(url)
    with transaction(session_factory(make_engine(url))) as s:
        site = bulk_site(s, PEOPLE, screened=True)
        if history:
            add_signed_history(s, site, history)


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: dict[str, object],
    headers: dict[str, str],
) -> tuple[int, dict[str, object]]:
    conn.request(method, path, json.dumps(body), {"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def main() -> None:
    try:
        create_engine(SERVER, connect_args={"connect_timeout": 3}).connect().close()
    except Exception as e:
        print(f"HTTP dose recording: skipped, no PostgreSQL at {SERVER} ({e.__class__.__name__})")
        return
    print(
        f"\nrecording doses through the HTTP API (gunicorn {GUNICORN}, PostgreSQL, {CLIENTS} clients, "
        f"{SECONDS:.0f} s each, every dose signed on record; targets ≥ 300/s, p99 < 150 ms)"
    )
    for history in HISTORY:
        run(history)


def run(history: int) -> None:
    """One measurement on a fresh database holding `history` signed doses already."""
    name = fresh_database()
    url = SERVER.rsplit("/", 1)[0] + f"/{name}"
    server = None
    try:
        seed(url, history)
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "VAXPASS_DATABASE_URL": url,
                "VAXPASS_DATA": str(Path(tmp) / "data"),
                "VAXPASS_CSCA_PASSPHRASE": "bench csca",
                "VAXPASS_DSC_PASSPHRASE": "bench dsc",
            }
            for args in (
                ["keys", "init-csca"],
                ["keys", "create-dsc", "dsc-bench", "--lead-time-hours", "0"],
            ):
                subprocess.run(
                    [sys.executable, "-m", "vaxpass", *args],
                    env=env,
                    check=True,
                    capture_output=True,
                )
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    *GUNICORN.split(),
                    "--bind",
                    f"127.0.0.1:{PORT}",
                    "--log-level",
                    "warning",
                    "issuer.wsgi:app",
                ],
                env=env,
            )
            for _ in range(100):
                try:
                    http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request(
                        "GET", "/api/v1/openapi.json"
                    )
                    break
                except OSError:
                    time.sleep(0.1)
            conn = http.client.HTTPConnection("127.0.0.1", PORT)
            _, token = request(
                conn,
                "POST",
                "/api/v1/auth/token",
                {"username": "bench", "password": "bench-pw"},
                {},
            )
            auth = {"Authorization": f"Bearer {token['token']}"}
            latencies: list[float] = []
            errors: list[int] = []
            counter = iter(range(1, PEOPLE + 1))
            lock = threading.Lock()
            stop = time.monotonic() + SECONDS

            def client() -> None:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                while time.monotonic() < stop:
                    with lock:
                        person = next(counter, None)
                    if person is None:
                        return
                    body = {
                        "person_id": person,
                        "facility_id": 1,
                        "lot_number": "L1",
                        "product_code": "EU/1/20/1528",
                        "dose_number": 1,
                        "given_on": date.today().isoformat(),
                    }
                    t = time.perf_counter()
                    status, reply = request(
                        c, "POST", "/api/v1/doses", body, auth | {"Idempotency-Key": f"b{person}"}
                    )
                    elapsed = time.perf_counter() - t
                    with lock:
                        latencies.append(elapsed)
                        if status != 201 or reply.get("sign_state") != "signed":
                            errors.append(status)

            started = time.monotonic()
            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            duration = time.monotonic() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop_database(name)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    label = f"{history:,} doses before"
    print(
        f"  {label:<28} {len(latencies) / duration:>6,.0f} doses/s   latency p50 / p95 / p99 "
        f"{p(0.5):.0f} / {p(0.95):.0f} / {p(0.99):.0f} ms   {len(errors)} errors"
    )


if __name__ == "__main__":
    main()
