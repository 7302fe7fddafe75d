"""The officer's settings, kept in a small JSON file in the app's state directory.

Only settings: the mode, whether recovery certificates are accepted, the grace period, the
sound and the language. Nothing about a scanned person is ever written here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from checkpoint_app.i18n import LANGUAGES
from checkpoint_app.rules import Mode, RulePolicy

SETTINGS_NAME = "settings.json"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the officer chose.

    Attributes:
        mode: ``any``, ``vaccinated`` or ``booster`` (`Mode`).
        accept_recovery: whether recovery certificates are accepted.
        grace_allowed: whether verdicts continue in the grace period past the list's expiry.
        muted: no sound cue.
        language: ``vi`` (default) or ``en``.
    """

    mode: Mode = Mode.ANY
    accept_recovery: bool = True
    grace_allowed: bool = False
    muted: bool = False
    language: str = "vi"

    @property
    def rule_policy(self) -> RulePolicy:
        """The rules these settings ask for."""
        return RulePolicy(self.mode, self.accept_recovery)

    def to_json(self) -> dict[str, Any]:
        """The settings as a JSON object."""
        return {**asdict(self), "mode": self.mode.value}

    def with_changes(self, changes: Mapping[str, object]) -> Settings:
        """A copy with `changes` applied.

        Raises:
            ValueError: an unknown setting or a value of the wrong kind, saying which.
        """
        known = {f.name for f in fields(self)}
        updates: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}; expected one of {sorted(known)}")
            if name == "mode":
                try:
                    updates[name] = Mode(str(value))
                except ValueError:
                    modes = [m.value for m in Mode]
                    raise ValueError(f"mode: got {value!r}, expected one of {modes}") from None
            elif name == "language":
                if value not in LANGUAGES:
                    raise ValueError(f"language: got {value!r}, expected one of {list(LANGUAGES)}")
                updates[name] = value
            else:
                if not isinstance(value, bool):
                    raise ValueError(f"{name}: got {value!r}, expected true or false")
                updates[name] = value
        return replace(self, **updates)


class SettingsFile:
    """Settings loaded from and saved to ``<state_dir>/settings.json``.

    A missing or unreadable file gives the defaults (an unreadable one is replaced at the next
    change).

    Args:
        state_dir: the app's state directory.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / SETTINGS_NAME
        self.settings = self._read()

    def update(self, changes: Mapping[str, object]) -> Settings:
        """Apply `changes`, save, and return the new settings.

        Raises:
            ValueError: as `Settings.with_changes`; nothing is saved then.
        """
        self.settings = self.settings.with_changes(changes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(SETTINGS_NAME + ".tmp")
        tmp.write_text(json.dumps(self.settings.to_json(), indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
        return self.settings

    def _read(self) -> Settings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return Settings().with_changes(raw if isinstance(raw, dict) else {})
        except (OSError, ValueError):
            return Settings()
