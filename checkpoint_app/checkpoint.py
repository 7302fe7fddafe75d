"""The checkpoint's core, shared by the page and the terminal: scan → verdict → rules → counters.

No I/O of its own beyond what `TrustData` and `SettingsFile` do; nothing about a scanned person
leaves memory. The same code seen again within a few seconds (a camera sees it in every frame, a
scanner may read it twice) is verified and shown again but counted once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509

from checkpoint_app import rules
from checkpoint_app.rules import RuleFailure
from checkpoint_app.session import ShiftCounters
from checkpoint_app.settings import Settings, SettingsFile
from checkpoint_app.trust import DEFAULT_GRACE, DEFAULT_WARN_AGE, TrustData
from hcert.clock import Clock, SystemClock
from hcert.errors import ErrorCode
from hcert.limits import DecodeLimits
from verifier.qr import decode_qr_image
from verifier.verifier import Verdict, Verifier

REPEAT_WINDOW = timedelta(seconds=5)
REFRESH_INTERVAL = timedelta(minutes=15)


class Outcome(StrEnum):
    """The screen's colour."""

    VALID = "valid"  # green
    RULES = "rules"  # amber: genuine, but not meeting the active rules
    INVALID = "invalid"  # red


@dataclass(frozen=True, slots=True)
class Scan:
    """One scanned certificate's outcome.

    Attributes:
        verdict: the verifier's verdict (RULE_FAILED when a rule failed).
        rule: the failed rule, if any.
        repeat: the same code with the same verdict was seen within the repeat window
            (shown, not counted again).
    """

    verdict: Verdict
    rule: RuleFailure | None
    repeat: bool

    @property
    def outcome(self) -> Outcome:
        """Green, amber or red."""
        if self.verdict.valid:
            return Outcome.VALID
        return Outcome.RULES if self.rule is not None else Outcome.INVALID


@dataclass(frozen=True, slots=True)
class CheckpointConfig:
    """Where the checkpoint's trust and state come from.

    Attributes:
        state_dir: the app's own directory: settings and the last accepted trust list.
        anchors: PEM files of the pinned CSCA certificates.
        trust_url: the trust list's publication URL (fetched on demand and at start-up).
        trust_file: a published trust-list file offered at start-up, if it exists.
        grace: how long past expiry the officer may allow verdicts to continue.
        warn_age: from this age on the trust list's status warns.
        clock: the reference time (tests fix it).
    """

    state_dir: Path
    anchors: tuple[Path, ...]
    trust_url: str | None = None
    trust_file: Path | None = None
    grace: timedelta = DEFAULT_GRACE
    warn_age: timedelta = DEFAULT_WARN_AGE
    clock: Clock = field(default_factory=SystemClock)


class Checkpoint:
    """Verifies scans under the officer's settings and counts them.

    Args:
        trust: the trust data (its store is what the verifier trusts).
        settings: the officer's settings file.
        clock: the reference time.
        trust_url: where to fetch newer lists from (None: only files).
        repeat_window: a code seen again within this time is not counted again.
    """

    def __init__(
        self,
        trust: TrustData,
        settings: SettingsFile,
        clock: Clock,
        *,
        trust_url: str | None = None,
        repeat_window: timedelta = REPEAT_WINDOW,
    ) -> None:
        self.trust = trust
        self.settings_file = settings
        self.clock = clock
        self.trust_url = trust_url
        self.repeat_window = repeat_window
        self.verifier = Verifier(trust.store, clock)
        self.limits = DecodeLimits()
        self.counters = ShiftCounters(clock.now())
        self._lock = threading.Lock()
        self._salt = os.urandom(16)  # recent codes are remembered only as salted hashes
        self._recent: dict[bytes, datetime] = {}

    @property
    def settings(self) -> Settings:
        """The officer's current settings."""
        return self.settings_file.settings

    def update_settings(self, changes: dict[str, object]) -> Settings:
        """Change and save settings; the grace setting takes effect at once.

        Raises:
            ValueError: an unknown setting or a bad value.
        """
        settings = self.settings_file.update(changes)
        self.trust.allow_grace(settings.grace_allowed)
        return settings

    def scan_text(self, text: str) -> Scan:
        """Verify what a scanner typed or a QR code held; never raises for bad input."""
        text = text.strip()
        with self.trust.lock:
            verdict = self.verifier.verify(text)
        failure: RuleFailure | None = None
        if verdict.valid and verdict.content is not None and verdict.content.payload is not None:
            failure = rules.evaluate(
                verdict.content.payload, self.settings.rule_policy, self.clock.now()
            )
            if failure is not None:
                verdict = replace(verdict, code=ErrorCode.RULE_FAILED, message=failure.message)
        repeat = self._seen_recently(text, verdict.code)
        if not repeat:
            self.counters.record(verdict.category)
        return Scan(verdict, failure, repeat)

    def scan_image(self, data: bytes) -> Scan:
        """Read the QR code in an image (a camera frame, a photo) and verify it.

        Raises:
            HcertError: QR_NOT_FOUND, IMAGE_UNREADABLE or FORMAT_UNSUPPORTED: no certificate
                was read, so nothing is verified or counted.
        """
        return self.scan_text(decode_qr_image(data, self.limits))

    def _seen_recently(self, text: str, code: ErrorCode) -> bool:
        # The same code with the same verdict; a verdict that changed (a new trust list
        # revoked it meanwhile) is a new scan.
        seen = f"{code}\n{text}".encode("utf-8", "replace")
        digest = hashlib.blake2b(seen, key=self._salt).digest()
        now = self.clock.now()
        with self._lock:
            self._recent = {d: t for d, t in self._recent.items() if now - t <= self.repeat_window}
            repeat = digest in self._recent
            self._recent[digest] = now  # a code held in view stays one scan
        return repeat


def open_checkpoint(config: CheckpointConfig) -> Checkpoint:
    """Build a checkpoint: settings, pinned anchors, the saved trust list, then `trust_file`.

    The URL is not fetched here (the caller does it, in the background when serving).

    Raises:
        ValueError: no anchor certificate could be read (the message names the file).
    """
    settings = SettingsFile(config.state_dir)
    trust = TrustData(
        load_anchors(config.anchors),
        config.state_dir,
        config.clock,
        grace=config.grace,
        grace_allowed=settings.settings.grace_allowed,
        warn_age=config.warn_age,
    )
    trust.load_saved()
    if config.trust_file is not None and config.trust_file.is_file():
        trust.load_file(config.trust_file)
    return Checkpoint(trust, settings, config.clock, trust_url=config.trust_url)


def load_anchors(paths: Sequence[Path]) -> list[x509.Certificate]:
    """The pinned CSCA certificates in PEM files.

    Raises:
        ValueError: a file is missing or holds no PEM certificate.
    """
    anchors: list[x509.Certificate] = []
    for path in paths:
        try:
            anchors.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except OSError as e:
            raise ValueError(f"pinned CSCA {path}: {e.strerror}") from e
        except ValueError as e:
            raise ValueError(f"pinned CSCA {path}: not a PEM certificate") from e
    if not anchors:
        raise ValueError("no pinned CSCA certificate given")
    return anchors


def refresh_in_background(
    checkpoint: Checkpoint, interval: timedelta, stop: threading.Event
) -> threading.Thread | None:
    """Fetch the trust list from the checkpoint's URL now and every `interval` until `stop`.

    A failed fetch (offline) changes nothing; the held list stays. None when there is no URL.
    """
    url = checkpoint.trust_url
    if url is None:
        return None

    def loop() -> None:
        while True:
            checkpoint.trust.load_url(url)
            if stop.wait(interval.total_seconds()):
                return

    thread = threading.Thread(target=loop, name="trust-list-refresh", daemon=True)
    thread.start()
    return thread
