"""`vaxpass checkpoint --terminal`: the scan loop for a terminal and a keyboard-wedge scanner.

One line in (what the scanner typed), one coloured line out: green, amber or red, with the
same words as the page and nothing more of the holder than the page shows. The scanner's text
is not echoed (a terminal would otherwise print it) and is never written anywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from checkpoint_app import view
from checkpoint_app.checkpoint import Checkpoint, Outcome
from checkpoint_app.i18n import MODE_NAMES, UI

_RESET = "\x1b[0m"
_STYLES = {
    Outcome.VALID: "\x1b[1;97;42m",  # bold white on green
    Outcome.RULES: "\x1b[1;30;43m",  # bold black on yellow
    Outcome.INVALID: "\x1b[1;97;41m",  # bold white on red
}
_MARKS = {Outcome.VALID: "✔", Outcome.RULES: "⚠", Outcome.INVALID: "✘"}
_TRUST_STYLES = {"ok": "", "aging": "\x1b[30;43m", "grace": "\x1b[1;97;45m"}
_TRUST_ALARM = "\x1b[1;97;41m"


def run_terminal(checkpoint: Checkpoint, lines: TextIO, out: TextIO, *, color: bool) -> int:
    """Verify one scan per line of `lines` until its end; return the exit status (0).

    Args:
        checkpoint: the checkpoint (its settings give the language and the sound).
        lines: the scanner's input (standard input).
        out: where verdict lines go.
        color: a terminal: colour the verdicts (ANSI) and ring its bell on a refusal unless
            muted; without colour the marks ✔ ⚠ ✘ still say it.
    """
    lang = checkpoint.settings.language
    shown_trust = _trust_line(checkpoint, color)
    out.write(shown_trust + "\n")
    mode = MODE_NAMES[checkpoint.settings.mode][lang]
    out.write(f"{UI['title'][lang]} · {mode} · {UI['ready_hint'][lang]} (Ctrl-D)\n")
    out.flush()
    for text in _bounded_lines(lines, checkpoint.limits.max_text_chars):
        scan = checkpoint.scan_text(text)
        trust = _trust_line(checkpoint, color)
        if trust != shown_trust:  # the list aged, expired or was refreshed meanwhile
            out.write(trust + "\n")
            shown_trust = trust
        out.write(verdict_line(view.scan_view(scan), scan.outcome, lang, color))
        if color and scan.outcome is not Outcome.VALID and not scan.repeat:
            out.write("" if checkpoint.settings.muted else "\a")  # the terminal's bell
        out.write("\n")
        out.flush()
    counters = view.counters_view(checkpoint.counters.snapshot())
    out.write(
        f"{UI['shift'][lang]}: {counters['scans']} {UI['scans'][lang]} · "
        f"{counters['valid']} {UI['valid'][lang]} · {counters['invalid']} {UI['invalid'][lang]}\n"
    )
    return 0


def verdict_line(shown: dict[str, object], outcome: Outcome, lang: str, color: bool) -> str:
    """One verdict as a line: mark and title, then what the page shows of it."""
    title = shown["title"]
    reason = shown["reason"]
    assert isinstance(title, dict) and isinstance(reason, dict)
    head = f" {_MARKS[outcome]} {title[lang]} "
    parts = [f"{_STYLES[outcome]}{head}{_RESET}" if color else head.strip()]
    holder = shown.get("holder")
    if isinstance(holder, dict):
        parts.append(f"{holder['name']} ({holder['name_t']})  {holder['dob']}")
    else:
        parts.append(str(reason[lang]))
    certificate = shown.get("certificate")
    if isinstance(certificate, dict):
        parts.append(str(certificate[lang]))
    if outcome is not Outcome.VALID:
        parts.append(f"[{shown['category']} · {shown['rule'] or shown['code']}]")
    if shown.get("repeat"):
        parts.append(f"({UI['repeat'][lang]})")
    return "  ".join(parts)


@contextmanager
def no_echo(stream: TextIO) -> Iterator[None]:
    """Stop a terminal from echoing what the scanner types (no-op when not a terminal)."""
    if not stream.isatty() or sys.platform == "win32":
        yield
        return
    import termios  # noqa: PLC0415 (POSIX only)

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _trust_line(checkpoint: Checkpoint, color: bool) -> str:
    trust = view.checkpoint_trust_view(checkpoint)
    text = trust["text"][checkpoint.settings.language]
    style = _TRUST_STYLES.get(trust["level"], _TRUST_ALARM)
    return f"{style}{text}{_RESET}" if color and style else text


def _bounded_lines(lines: TextIO, max_chars: int) -> Iterator[str]:
    """Non-blank lines, none read past `max_chars` + 1 characters (the rest is skipped)."""
    while line := lines.readline(max_chars + 1):
        if len(line) > max_chars and not line.endswith("\n"):
            while (rest := lines.readline(65_536)) and not rest.endswith("\n"):
                pass
        if line.strip():
            yield line.strip()
