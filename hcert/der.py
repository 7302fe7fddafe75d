"""A tiny, bounded DER reader (ITU-T X.690 §8, §10): just enough to walk an X.509 certificate.

Used by `hcert.x509` where a strict X.509 parser refuses a certificate that real verifiers
accept. It reads one tag-length-value at a time and never recurses, so nesting costs nothing;
the caller decides how deep to walk. Malformed input raises `DerError` (a `ValueError`), which
callers turn into their own `hcert.errors` code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

MAX_LENGTH_OCTETS = 4  # X.690 §8.1.3.5: long-form lengths; 4 octets already exceed any input here
MAX_TAG_NUMBER_OCTETS = 4  # X.690 §8.1.2.4: high tag numbers, base-128
MAX_OID_ARCS = 64  # no real OID comes close; bounds the work per identifier


class DerError(ValueError):
    """The bytes are not the DER structure expected."""


class TagClass(IntEnum):
    """The two class bits of an identifier octet (X.690 §8.1.2.2)."""

    UNIVERSAL = 0
    APPLICATION = 1
    CONTEXT = 2
    PRIVATE = 3


class Tag(IntEnum):
    """Universal tag numbers we meet in certificates (X.680 §8.4)."""

    BOOLEAN = 1
    INTEGER = 2
    BIT_STRING = 3
    OCTET_STRING = 4
    NULL = 5
    OID = 6
    UTF8_STRING = 12
    SEQUENCE = 16
    SET = 17
    NUMERIC_STRING = 18
    PRINTABLE_STRING = 19
    T61_STRING = 20
    IA5_STRING = 22
    UTC_TIME = 23
    GENERALIZED_TIME = 24
    VISIBLE_STRING = 26
    UNIVERSAL_STRING = 28
    BMP_STRING = 30


@dataclass(frozen=True, slots=True)
class Tlv:
    """One DER element.

    Attributes:
        tag_class: the class of its tag.
        constructed: whether its content is a sequence of elements.
        number: its tag number.
        encoded: the whole element, identifier and length octets included.
        content: its content octets.

    """

    tag_class: TagClass
    constructed: bool
    number: int
    encoded: bytes
    content: bytes

    def is_universal(self, tag: Tag) -> bool:
        """Whether this is the universal element `tag`."""
        return self.tag_class is TagClass.UNIVERSAL and self.number == tag

    def is_context(self, number: int) -> bool:
        """Whether this carries the context-specific tag `[number]`."""
        return self.tag_class is TagClass.CONTEXT and self.number == number

    def children(self) -> list[Tlv]:
        """Read the elements inside a constructed element, in order (one level only).

        Raises:
            DerError: the element is primitive or its content is not whole elements.

        """
        if not self.constructed:
            raise DerError(f"tag {self.number} is primitive, expected a constructed element")
        return read_all(self.content)

    def expect(self, tag: Tag) -> Tlv:
        """Return self if it is the universal element `tag`.

        Raises:
            DerError: it is something else.

        """
        if not self.is_universal(tag):
            raise DerError(f"got tag {self.tag_class.name} {self.number}, expected {tag.name}")
        return self


def read_tlv(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    """Read the element starting at `offset`.

    Args:
        data: the buffer.
        offset: where the element starts.

    Returns:
        The element and the offset just after it.

    Raises:
        DerError: truncated input, an indefinite length (BER only, X.690 §10.1), or a length
            or tag number longer than this reader accepts.

    """
    end = len(data)
    if offset >= end:
        raise DerError("truncated: expected an identifier octet")
    first = data[offset]
    pos = offset + 1
    number = first & 0x1F
    if number == 0x1F:  # X.690 §8.1.2.4: high tag number, base-128 in the following octets
        number = 0
        for count in range(MAX_TAG_NUMBER_OCTETS + 1):
            if count == MAX_TAG_NUMBER_OCTETS:
                raise DerError("tag number too long")
            if pos >= end:
                raise DerError("truncated tag number")
            octet = data[pos]
            pos += 1
            number = (number << 7) | (octet & 0x7F)
            if not octet & 0x80:
                break
    if pos >= end:
        raise DerError("truncated: expected a length")
    length = data[pos]
    pos += 1
    if length == 0x80:
        raise DerError("indefinite length is not DER")
    if length & 0x80:  # X.690 §8.1.3.5: long form
        count = length & 0x7F
        if count > MAX_LENGTH_OCTETS:
            raise DerError(f"length of {count} octets is too long")
        if pos + count > end:
            raise DerError("truncated length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise DerError(f"truncated: {length} content octets announced, {end - pos} present")
    tlv = Tlv(
        tag_class=TagClass(first >> 6),
        constructed=bool(first & 0x20),
        number=number,
        encoded=data[offset : pos + length],
        content=data[pos : pos + length],
    )
    return tlv, pos + length


def read_one(data: bytes) -> Tlv:
    """Read a buffer that must hold exactly one element.

    Raises:
        DerError: malformed, or bytes follow the element.

    """
    tlv, end = read_tlv(data)
    if end != len(data):
        raise DerError(f"{len(data) - end} bytes follow the element")
    return tlv


def read_all(data: bytes) -> list[Tlv]:
    """Read a buffer holding zero or more whole elements, back to back.

    Raises:
        DerError: any element is malformed or truncated.

    """
    items = []
    offset = 0
    while offset < len(data):
        tlv, offset = read_tlv(data, offset)
        items.append(tlv)
    return items


def decode_oid(tlv: Tlv) -> str:
    """Decode an OBJECT IDENTIFIER element to its dotted form (X.690 §8.19).

    Raises:
        DerError: not an OID, or a malformed one.

    """
    content = tlv.expect(Tag.OID).content
    if not content or content[-1] & 0x80:
        raise DerError("empty or unterminated object identifier")
    arcs: list[int] = []
    value = 0
    for octet in content:
        value = (value << 7) | (octet & 0x7F)
        if not octet & 0x80:
            arcs.append(value)
            value = 0
            if len(arcs) > MAX_OID_ARCS:
                raise DerError("object identifier has too many arcs")
    first = arcs[0]  # X.690 §8.19.4: the first subidentifier packs two arcs
    head = [first // 40, first % 40] if first < 80 else [2, first - 80]
    return ".".join(str(arc) for arc in head + arcs[1:])
