"""`vaxpass checkpoint --terminal`: one coloured line per scanned line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint_app.checkpoint import CheckpointConfig, open_checkpoint
from checkpoint_app.terminal import run_terminal
from tests.checkpoint_factories import SteppedClock, World, now_utc, tampered, vaccination


@pytest.fixture
def world() -> World:
    return World(now_utc() - timedelta(days=30))


def test_one_line_per_scan_in_colour(world: World, tmp_path: Path) -> None:
    clock = SteppedClock(now_utc())
    checkpoint = open_checkpoint(CheckpointConfig(tmp_path / "state",
                                                  (world.write_anchor(tmp_path),), clock=clock))  # fmt: skip
    checkpoint.trust.load_bytes(world.publish(clock.now()), "test")
    good = world.sign(vaccination(fn="Lò", gn="Văn Pọm", dob="1990-03-15"), issued_at=clock.now())
    lines = (
        "\n".join([good, "", tampered(good, b"1990", b"1991"), "HC1:" + "A" * 9000, good]) + "\n"
    )
    out = io.StringIO()
    assert run_terminal(checkpoint, io.StringIO(lines), out, color=True) == 0
    shown = out.getvalue().splitlines()
    assert shown[0] == "Danh sách tin cậy v1 · phát hành 0 phút trước"  # fresh: not highlighted
    verdicts = shown[2:6]
    assert verdicts[0].startswith(
        "\x1b[1;97;42m ✔ HỢP LỆ \x1b[0m  Lò Văn Pọm (LO VAN POM)  15/03/1990  Tiêm chủng · mũi 2/2"
    )
    assert verdicts[1].startswith("\x1b[1;97;41m ✘ KHÔNG HỢP LỆ \x1b[0m  Chữ ký không hợp lệ")
    assert verdicts[1].endswith("[BAD_SIGNATURE · SIGNATURE_INVALID]\a")
    assert "Lò" not in verdicts[1] and "[MALFORMED · INPUT_TOO_LONG]" in verdicts[2]
    assert verdicts[3].endswith("(đã quét)")  # the same code again within seconds
    assert shown[6] == "Ca trực: 3 lượt quét · 1 hợp lệ · 2 không hợp lệ"
    assert good not in out.getvalue()  # the scanned text is never echoed


def test_the_command_runs_from_the_development_data_directory(world: World, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True)
    (data / "publish").mkdir()
    world.write_anchor(data / "keys")
    (data / "publish" / "trust-list.json").write_bytes(world.publish(now_utc()))
    certificate = world.sign(issued_at=now_utc() - timedelta(days=1))
    env = {**os.environ, "VAXPASS_DATA": str(data), "VAXPASS_TRUST_URL": ""}
    command = [sys.executable, "-m", "vaxpass", "checkpoint", "--terminal"]
    run = subprocess.run(
        command, input=f"{certificate}\nHC1:XYZ\n", capture_output=True, text=True, env=env,
        timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Danh sách tin cậy v1 · phát hành 0 phút trước"
    assert lines[2].startswith("✔ HỢP LỆ  Đỗ Ngọc Vĩnh (DO NGOC VINH)  09/03/1985")
    assert lines[3].startswith("✘ KHÔNG HỢP LỆ  Không phải chứng nhận đọc được")
    assert (data / "checkpoint" / "trust-list.json").is_file()

    missing = subprocess.run(
        [*command, "--anchor", str(tmp_path / "none.pem")], input="", capture_output=True,
        text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "no pinned CSCA certificate at" in missing.stderr
