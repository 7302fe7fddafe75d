"""Names in the machine-readable form of ICAO Doc 9303: the DCC fields ``fnt`` and ``gnt``.

The DCC schema (``nam.fnt``/``nam.gnt``: pattern ``^[A-Z<]*$``, at most 80 characters) asks
for the holder's names "transliterated using the same convention as the one used in the holder's
machine readable travel documents (such as the rules defined in ICAO Doc 9303 Part 3)".

What `transliterate` does, in order:

1. Unicode NFC normalisation, so NFC and NFD input (``"ễ"`` as one code point or as
   ``e`` + circumflex + tilde) give the same result.
2. Greek runs get the ELOT 743 digraph rules (``ΟΥ`` → ``OU``, ``ΑΥ`` → ``AV``/``AF``,
   ``ΓΓ`` → ``NG``, ...), the standard Greek MRTDs use; Doc 9303 Part 3 has no Greek table.
3. One `str.translate` pass over a table built at import:

   - Doc 9303 Part 3 §6 Table A (multinational Latin): the multi-letter and non-decomposable
     cases explicitly (``Ä`` → ``AE``, ``Å`` → ``AA``, ``Æ`` → ``AE``, ``Ö``/``Ø``/``Œ`` →
     ``OE``, ``Ü`` → ``UE``, ``ß`` → ``SS``, ``Þ`` → ``TH``, ``Ĳ`` → ``IJ``, ``Ð``/``Đ`` → ``D``,
     ``Ł`` → ``L``, ...); where the table offers two forms (``Ä``: ``AE`` or ``A``) the first
     is used. Every other accented Latin letter loses its marks (``Ñ`` → ``N``, ``Ő`` → ``O``).
     This covers Vietnamese: tone marks and the vowel marks of ``ă â ê ô ơ ư`` are removed,
     ``Đ``/``đ`` → ``D`` (``Đỗ Ngọc Vĩnh`` → ``DO<NGOC<VINH``).
   - Doc 9303 Part 3 §6 Table B (Cyrillic), base column: ``Ж`` → ``ZH``, ``Х`` → ``KH``,
     ``Ц`` → ``TS``, ``Щ`` → ``SHCH``, ``Ъ`` → ``IE``, ``Ю`` → ``IU``, ``Я`` → ``IA``, ``Ь``
     omitted, ... The language-specific variants of that table (Ukrainian ``Г`` → ``H``,
     Bulgarian ``Щ`` → ``SHT``, Serbian and Macedonian forms) are not applied: the script does
     not tell the language.
   - Separators (Doc 9303 Part 3 §4.6, punctuation in names): spaces, hyphens and commas
     become the filler ``<`` (and ``<`` stays ``<``); apostrophes, full stops and other
     punctuation are omitted (``D'Artagnan`` → ``DARTAGNAN``, ``Marie-Elise`` →
     ``MARIE<ELISE``).

4. Runs of fillers collapse to one, leading and trailing fillers go, and the result is cut to
   ``max_length`` without a trailing filler.

Anything still unmappable (digits, symbols, emoji, Arabic, CJK, ...) is dropped, so a name in
such a script alone transliterates to ``""``: the caller must then supply the transliteration
from the travel document itself.
"""

from __future__ import annotations

import re
import unicodedata

FILLER = "<"
"""The MRZ filler character, which separates name components."""

MAX_LENGTH = 80
"""The DCC schema's ``maxLength`` for ``fnt`` and ``gnt``."""

# Doc 9303 Part 3 §6 Table A: Latin letters whose transliteration is not "drop the marks".
_LATIN: dict[str, str] = {
    "Ä": "AE", "ä": "AE", "Å": "AA", "å": "AA", "Æ": "AE", "æ": "AE",
    "Ð": "D", "ð": "D", "Ö": "OE", "ö": "OE", "Ø": "OE", "ø": "OE",
    "Ü": "UE", "ü": "UE", "Þ": "TH", "þ": "TH", "ß": "SS", "ẞ": "SS",
    "Đ": "D", "đ": "D", "Ħ": "H", "ħ": "H", "Ĳ": "IJ", "ĳ": "IJ", "ı": "I", "ĸ": "K",
    "Ŀ": "L", "ŀ": "L", "Ł": "L", "ł": "L", "Ŋ": "N", "ŋ": "N", "Œ": "OE", "œ": "OE",
    "Ŧ": "T", "ŧ": "T",
}  # fmt: skip

# Doc 9303 Part 3 §6 Table B (Cyrillic), the base (language-neutral) column.
_CYRILLIC_UPPER: dict[str, str] = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH",
    "З": "Z", "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O",
    "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS",
    "Ч": "CH", "Ш": "SH", "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU",
    "Я": "IA", "І": "I", "Ї": "I", "Є": "IE", "Ґ": "G", "Ў": "U", "Ѫ": "U", "Ђ": "D",
    "Ѓ": "G", "Ѕ": "DZ", "Ј": "J", "Љ": "LJ", "Њ": "NJ", "Ћ": "C", "Ќ": "K", "Џ": "DZ",
}  # fmt: skip

# ELOT 743, letter by letter (the digraphs are handled in `_greek_digraphs`).
_GREEK_UPPER: dict[str, str] = {
    "Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I", "Θ": "TH",
    "Ι": "I", "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X", "Ο": "O", "Π": "P",
    "Ρ": "R", "Σ": "S", "Τ": "T", "Υ": "Y", "Φ": "F", "Χ": "CH", "Ψ": "PS", "Ω": "O",
}  # fmt: skip

_SPECIAL: dict[str, str] = {
    **_LATIN,
    **_CYRILLIC_UPPER,
    **{k.lower(): v for k, v in _CYRILLIC_UPPER.items()},
    **_GREEK_UPPER,
    **{k.lower(): v for k, v in _GREEK_UPPER.items()},
    "ς": "S",
    # The micro sign is a unit symbol, not a letter of anyone's name (NFKD would make it μ).
    "µ": "",
    # Doc 9303 Part 3 §4.6: a comma between name components becomes one filler. A filler
    # stays a filler, so a name already in MRZ form comes back unchanged.
    ",": FILLER,
    FILLER: FILLER,
}

# "LATIN SMALL LETTER D WITH HOOK" and the like: letters that have no Unicode decomposition but
# are plainly a base letter with a mark (Hausa Ɗ, Ƙ, ...).
_LATIN_WITH_MARK = re.compile(r"LATIN (?:CAPITAL|SMALL) LETTER ([A-Z]) WITH ")


def _map_char(ch: str) -> str | None:
    """Map one character to its MRZ form: letters, a filler, or None (drop)."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ch.isascii() and ch.isalpha():
        return ch.upper()
    if ch.isspace() or unicodedata.category(ch) == "Pd":
        return FILLER  # spaces and hyphens of every kind (Doc 9303 Part 3 §4.6)
    decomposed = unicodedata.normalize("NFKD", ch)
    if decomposed != ch:  # an accented letter, a ligature, a full-width form, ...
        return "".join(_map_char(part) or "" for part in decomposed) or None
    match = _LATIN_WITH_MARK.match(unicodedata.name(ch, ""))
    return match.group(1) if match else None


class _Table(dict[int, str | None]):
    """`str.translate` table: precomputed for the common scripts, computed for the rest.

    Characters outside the precomputed ranges are looked up in ``__missing__`` and not cached,
    so hostile input cannot grow the table.
    """

    def __missing__(self, key: int) -> str | None:
        return _map_char(chr(key))


# Basic Latin to Latin Extended-B, Greek, Cyrillic, Latin Extended Additional (Vietnamese),
# General Punctuation (dashes, typographic apostrophes, spaces).
_PRECOMPUTED = (
    range(0x0000, 0x0250),
    range(0x0370, 0x0530),
    range(0x1E00, 0x1F00),
    range(0x2000, 0x2070),
)
_TABLE = _Table({cp: _map_char(chr(cp)) for block in _PRECOMPUTED for cp in block})

_FILLER_RUNS = re.compile(f"{FILLER}{{2,}}")

# Greek (ELOT 743): runs of Greek letters with their combining marks.
_GREEK_RUN = re.compile("[\u0370-\u03ff\u1f00-\u1fff][\u0370-\u03ff\u1f00-\u1fff\u0300-\u036f]*")
# Every mark except the dialytika (U+0308), which separates a vowel pair: ΑΫ is A + Y, not AF.
_GREEK_MARKS = re.compile("[\u0300-\u0307\u0309-\u036f]")
_GREEK_DIGRAPH = re.compile("ΟΥ|[ΑΕΗ]Υ|Γ[ΓΞΧ]")
_GREEK_VOICELESS = frozenset("ΘΚΞΠΣΤΦΧΨ")
_GREEK_LETTER = re.compile("[\u0370-\u03ff]")


def _greek_digraphs(run: re.Match[str]) -> str:
    """Apply the ELOT 743 digraph rules to one run of Greek text; single letters stay Greek."""
    text = unicodedata.normalize(
        "NFC", _GREEK_MARKS.sub("", unicodedata.normalize("NFD", run.group()))
    ).upper()

    def digraph(match: re.Match[str]) -> str:
        pair = match.group()
        if pair == "ΟΥ":
            return "OU"
        if pair[0] == "Γ":  # ΓΓ → NG, ΓΞ → NX, ΓΧ → NCH
            return "N" + _GREEK_UPPER[pair[1]]
        # ΑΥ, ΕΥ, ΗΥ: F before a voiceless consonant or at the end of the word, else V.
        after = text[match.end() : match.end() + 1]
        voiceless = after in _GREEK_VOICELESS or not _GREEK_LETTER.match(after)
        return _GREEK_UPPER[pair[0]] + ("F" if voiceless else "V")

    return _GREEK_DIGRAPH.sub(digraph, text)


def transliterate(name: str, max_length: int = MAX_LENGTH) -> str:
    """Transliterate a name into the MRZ character set (A–Z and ``<``), ICAO Doc 9303 Part 3.

    The rules and their sources are listed in the module docstring.

    Args:
        name: one name field as the person writes it (``fn`` or ``gn``), NFC or NFD.
        max_length: the longest result; the DCC schema allows 80. A longer result is cut and
            never ends in a filler.

    Returns:
        Upper-case letters A–Z separated by single ``<``, no leading or trailing ``<``; ``""`` if
        nothing in ``name`` can be represented.

    Raises:
        ValueError: ``max_length`` is below 1 (caller misuse; no `ErrorCode`).

    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, got {max_length}")
    text = unicodedata.normalize("NFC", name)
    text = _GREEK_RUN.sub(_greek_digraphs, text)
    out = _FILLER_RUNS.sub(FILLER, text.translate(_TABLE)).strip(FILLER)
    if len(out) > max_length:
        out = out[:max_length].rstrip(FILLER)
    return out
