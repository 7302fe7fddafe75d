"""The checkpoint's trust data: the signed trust list, loaded once and kept for offline use.

A list comes from the publication URL when the device is online, or from a file (a USB
stick). It is accepted only through `SignedTrustStore.update`: signed by a trust-list signer
that chains to the pinned CSCA, newer than the one held, not expired. The accepted list's bytes
are saved in the app's state directory, so that after one load the checkpoint works with no
network at all; at start-up the saved list is offered again like any other.

Past its expiry every verdict is TRUST_LIST, unless the officer allowed the grace period; the
status says so on every screen until a newer list arrives.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509

from hcert.clock import Clock
from hcert.errors import ErrorCode, HcertError
from hcert.trustlist import MAX_TRUST_LIST_BYTES
from verifier.loaders import read_trust_file
from verifier.signed_store import SignedTrustStore

SAVED_NAME = "trust-list.json"
DEFAULT_GRACE = timedelta(hours=72)
DEFAULT_WARN_AGE = timedelta(hours=72)
FETCH_TIMEOUT_SECONDS = 10.0
_FOREVER = timedelta(days=36_500)


class TrustLevel(StrEnum):
    """How far verdicts may rely on the held list; the status band's colour."""

    OK = "ok"
    AGING = "aging"  # older than the warning age: load a newer one soon
    GRACE = "grace"  # expired, verifying in the grace period the officer allowed
    EXPIRED = "expired"  # expired: every verdict is TRUST_LIST
    MISSING = "missing"  # none loaded: every verdict is TRUST_LIST


class LoadOutcome(StrEnum):
    """What became of one attempt to load a list."""

    UPDATED = "updated"  # a newer list was accepted (and saved)
    CURRENT = "current"  # the same version as held: nothing changed
    REFUSED = "refused"  # rejected: bad signature, rollback, expired, unreadable
    UNREACHABLE = "unreachable"  # the URL could not be fetched (offline): the held list stays


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The outcome of one load, for the officer.

    Attributes:
        outcome: updated, current, refused or unreachable.
        source: where the list came from (a URL, a path, ``saved``, ``upload``).
        version: the version held afterwards (0: none).
        code: the refusal's stable code (None unless refused).
        message: a short English explanation.
        at: when the attempt was made.
    """

    outcome: LoadOutcome
    source: str
    version: int
    code: ErrorCode | None
    message: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TrustStatus:
    """What the status band shows.

    Attributes:
        level: ok, aging, grace, expired or missing.
        version: the version held (0: none).
        issued_at: when the held list was published.
        expires_at: when it expires.
        age: how old it is.
        grace_allowed: whether the officer allowed verifying in the grace period.
        grace_until: the end of the grace period (None unless allowed and a list is held).
        last_load: the most recent load attempt.
    """

    level: TrustLevel
    version: int
    issued_at: datetime | None
    expires_at: datetime | None
    age: timedelta | None
    grace_allowed: bool
    grace_until: datetime | None
    last_load: LoadResult | None


class TrustData:
    """The trust list a checkpoint holds, where it came from and how fresh it is.

    Thread-safe: loads and verdicts may come from several request threads.

    Args:
        anchors: the pinned CSCA certificates.
        state_dir: where the last accepted list is saved (created when needed).
        clock: the reference time.
        grace: how long past expiry verdicts may continue, if the officer allows it.
        grace_allowed: whether they allow it (a setting the officer changes).
        warn_age: from this age on the status band warns.
    """

    def __init__(
        self,
        anchors: Sequence[x509.Certificate],
        state_dir: Path,
        clock: Clock,
        *,
        grace: timedelta = DEFAULT_GRACE,
        grace_allowed: bool = False,
        warn_age: timedelta = DEFAULT_WARN_AGE,
    ) -> None:
        self.store = SignedTrustStore(anchors, grace=grace if grace_allowed else timedelta(0))
        self.state_dir = state_dir
        self.clock = clock
        self.grace = grace
        self.warn_age = warn_age
        self.lock = threading.RLock()
        self._grace_allowed = grace_allowed
        self._last_load: LoadResult | None = None

    @property
    def saved_path(self) -> Path:
        """Where the last accepted list's bytes are kept."""
        return self.state_dir / SAVED_NAME

    def load_saved(self) -> LoadResult | None:
        """Offer the list saved by an earlier run; None when there is none.

        The saved list was accepted when it arrived, so it is taken back even if it has expired
        since (its signature is checked again): the status then says "expired" with its version
        and date, rather than "missing", and the grace period can apply to it.
        """
        if not self.saved_path.is_file():
            return None
        with self.lock:
            grace = self.store.grace
            self.store.grace = _FOREVER
            try:
                return self.load_file(self.saved_path, source="saved")
            finally:
                self.store.grace = grace

    def load_file(self, path: Path, *, source: str | None = None) -> LoadResult:
        """Offer the list in a file (a published file, a USB stick)."""
        try:
            data = read_trust_file(path)
        except HcertError as e:
            return self._record(LoadOutcome.REFUSED, source or str(path), e.code, e.message)
        return self.load_bytes(data, source or str(path))

    def load_url(self, url: str) -> LoadResult:
        """Fetch and offer the list published at `url` (http or https; bounded in time and size).

        A fetch that fails (no network, server down, timeout) leaves the held list in place and
        says so; only a fetched list that is bad is a refusal.
        """
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            return self._record(
                LoadOutcome.REFUSED, url, ErrorCode.TRUST_LIST_INVALID, "not an http(s) URL"
            )
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
                data = response.read(MAX_TRUST_LIST_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            return self._record(LoadOutcome.UNREACHABLE, url, None, f"cannot fetch: {reason}")
        if len(data) > MAX_TRUST_LIST_BYTES:
            return self._record(
                LoadOutcome.REFUSED,
                url,
                ErrorCode.TRUST_LIST_INVALID,
                f"larger than {MAX_TRUST_LIST_BYTES} bytes",
            )
        return self.load_bytes(data, url)

    def load_bytes(self, data: bytes, source: str) -> LoadResult:
        """Offer a list's bytes; save them when they replace the held list."""
        with self.lock:
            try:
                updated = self.store.update(data, self.clock.now())
            except HcertError as e:
                return self._record(LoadOutcome.REFUSED, source, e.code, e.message)
            if not updated:
                return self._record(LoadOutcome.CURRENT, source, None, "already held")
            if source != "saved":
                self._save(data)
            return self._record(
                LoadOutcome.UPDATED, source, None, f"version {self.store.version} accepted"
            )

    @property
    def grace_allowed(self) -> bool:
        """Whether verdicts continue in the grace period past the list's expiry."""
        return self._grace_allowed

    def allow_grace(self, allowed: bool) -> None:
        """Allow or stop verifying in the grace period past the held list's expiry."""
        with self.lock:
            self._grace_allowed = allowed
            self.store.grace = self.grace if allowed else timedelta(0)

    def status(self) -> TrustStatus:
        """The held list's freshness at the clock's now."""
        with self.lock:
            now = self.clock.now()
            fresh = self.store.freshness(now)
            if self.store.content is None:
                level = TrustLevel.MISSING
            elif fresh.in_grace:
                level = TrustLevel.GRACE
            elif fresh.expired:
                level = TrustLevel.EXPIRED
            elif fresh.age is not None and fresh.age >= self.warn_age:
                level = TrustLevel.AGING
            else:
                level = TrustLevel.OK
            grace_until = (
                fresh.expires_at + self.grace
                if self._grace_allowed and fresh.expires_at is not None
                else None
            )
            return TrustStatus(
                level,
                fresh.version,
                fresh.issued_at,
                fresh.expires_at,
                fresh.age,
                self._grace_allowed,
                grace_until,
                self._last_load,
            )

    def _save(self, data: bytes) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.saved_path.with_name(SAVED_NAME + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.saved_path)

    def _record(
        self, outcome: LoadOutcome, source: str, code: ErrorCode | None, message: str
    ) -> LoadResult:
        result = LoadResult(outcome, source, self.store.version, code, message, self.clock.now())
        self._last_load = result
        return result
