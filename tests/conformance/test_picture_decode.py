"""EXPECTEDPICTUREDECODE of the EU DCC test vectors: read each case's PNG from pixels.

For every case with the flag, the base64 ``2DCODE`` is decoded by `verifier.qr` and the flag
must equal "the text read is the case's ``PREFIX``". There is one `false` case, common/Q1: its
``2DCODE`` is 2,350 random bytes, not a PNG at all (DESCRIPTION "INVALID: QR code cannot be
read"). So it tests that garbage is refused as an unreadable image, not that a damaged but
present QR code is refused; `FALSE_CASES` pins the code we expect for it, and says so.

Where the picture is: LV 1-3 carry theirs under ``_2DCODE`` (renamed upstream, yet a real PNG
of the case's PREFIX), so it is read from there. FR's 21 cases and common/B1 set the flag but
carry no picture at all: those are skipped, saying so, and counted in the summary line.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from hcert.errors import ErrorCode, HcertError
from tests.conformance.dgc import Case, load_cases
from tests.conftest import require_conformance
from verifier.qr import decode_qr_image, looks_like_image

FLAG = "EXPECTEDPICTUREDECODE"
CASES = [case for case in load_cases() if FLAG in case.flags]

# The code each `false` case must fail with, and why that is the honest expectation.
FALSE_CASES: dict[str, tuple[ErrorCode, str]] = {
    "common/Q1": (
        ErrorCode.IMAGE_UNREADABLE,
        "2DCODE is random bytes, not a PNG: there is no picture to find a QR code in",
    ),
}
# Where a case's base64 PNG is, in order of preference (see the module docstring).
PICTURE_KEYS = ("2DCODE", "_2DCODE")
# What any other `false` case may fail with: the image steps' own codes.
PICTURE_CODES = {ErrorCode.IMAGE_UNREADABLE, ErrorCode.QR_NOT_FOUND}


@dataclass
class Tally:
    """Cases run and flags reproduced, printed once at the end of the session."""

    cases: int = 0
    reproduced: int = 0
    no_picture: int = 0
    by_flag: dict[bool, list[int]] = field(default_factory=lambda: {True: [0, 0], False: [0, 0]})

    def add(self, expected: bool, reproduced: bool) -> None:
        self.cases += 1
        self.reproduced += reproduced
        self.by_flag[expected][0] += reproduced
        self.by_flag[expected][1] += 1

    def line(self) -> str:
        (t_ok, t_all), (f_ok, f_all) = self.by_flag[True], self.by_flag[False]
        return (
            f"{FLAG}: {self.reproduced}/{self.cases} flags reproduced "
            f"(true {t_ok}/{t_all}, false {f_ok}/{f_all}); "
            f"{self.no_picture} flagged cases carry no picture (skipped)"
        )


@pytest.fixture(scope="session")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    counts = Tally()
    yield counts
    if not (counts.cases or counts.no_picture):
        return
    # Session teardown runs under output capture: lift it to print the line.
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:  # pytest-xdist workers have no terminal
        return
    with capture.global_and_fixture_disabled():
        reporter.write(f"\n{counts.line()}\n")


def _picture(case: Case) -> bytes | None:
    for key in PICTURE_KEYS:
        if key in case.raw:
            try:
                return base64.b64decode(case.raw[key], validate=True)
            except (TypeError, binascii.Error) as e:
                pytest.fail(f"{case.id}: {key} is not base64: {e}")
    return None


def _read(picture: bytes) -> tuple[str | None, HcertError | None]:
    try:
        return decode_qr_image(picture), None
    except HcertError as e:
        return None, e


PARAMS = [pytest.param(case, id=case.id) for case in CASES] or [
    pytest.param(
        None,
        id="no-data",
        marks=pytest.mark.skip(
            reason="dgc-testdata not found under ../shared/conformance "
            "(clone ../shared beside the repo)"
        ),
    )
]


@pytest.mark.parametrize("case", PARAMS)
def test_picture_decodes_to_prefix(case: Case, tally: Tally) -> None:
    expected = case.flags[FLAG]
    picture = _picture(case)
    if picture is None:
        tally.no_picture += 1
        pytest.skip(f"{case.id} sets {FLAG} but carries no 2DCODE picture to read")
    text, error = _read(picture)
    reproduced = (text == case.raw.get("PREFIX")) is expected
    tally.add(expected, reproduced)
    if expected:
        assert error is None, f"{case.id}: {error}"
        assert text == case.raw["PREFIX"]
        return
    assert text != case.raw.get("PREFIX")
    code, _why = FALSE_CASES.get(case.id, (None, ""))
    if code is not None:
        assert error is not None and error.code is code, f"{case.id}: got {error or text!r}"
    else:
        assert error is None or error.code in PICTURE_CODES, f"{case.id}: {error}"


def test_the_false_case_is_garbage_not_a_damaged_code() -> None:
    # Keeps the module docstring honest: if upstream ever replaces Q1's bytes with a real but
    # damaged PNG, this fails and FALSE_CASES needs a new look.
    require_conformance("dgc-testdata")
    q1 = {case.id: case for case in CASES}.get("common/Q1")
    if q1 is None:
        pytest.skip("common/Q1 is not in this copy of dgc-testdata")
    assert q1.flags[FLAG] is False
    assert not looks_like_image(base64.b64decode(q1.raw["2DCODE"]))


def test_vectors_present() -> None:
    require_conformance("dgc-testdata")
    assert len(CASES) > 400  # 478 cases carry the flag upstream
