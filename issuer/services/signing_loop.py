"""Same-day signing with no one at the keyboard: a sweep of the backlog every few seconds.

Every serving process runs one `SigningLoop` (`vaxpass serve`, each gunicorn worker, the
container). The sweeps share the backlog through ``SELECT … FOR UPDATE SKIP LOCKED``
(`signing.claim`), so several processes or machines never sign a dose twice. A sweep that fails
(the database restarting, say) is logged by its type only and the next one tries again.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from issuer.services.signing import SignerSource, sign_pending

_log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 20.0  # seconds: a dose that can be signed is signed within a minute


class SigningLoop:
    """A daemon thread that signs the backlog every `interval` seconds until stopped."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        source: SignerSource,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self.factory, self.source, self.interval = factory, source, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vaxpass-signing", daemon=True)

    def start(self) -> SigningLoop:
        """Start sweeping (the first sweep at once)."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current sweep."""
        self._stop.set()
        self._thread.join(timeout)

    def sweep(self) -> int:
        """Sign what can be signed now; return how many certificates were issued."""
        return sign_pending(self.factory, self.source, actor="signing-loop")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                signed = self.sweep()
                if signed:
                    _log.info("signing loop: %d certificates", signed)
            except Exception as e:  # the loop outlives any one sweep
                _log.error(
                    "signing loop: sweep failed (%s); next in %.0f s",
                    type(e).__name__,
                    self.interval,
                )
            self._stop.wait(self.interval)
