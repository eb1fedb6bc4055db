"""Bytes and encoding: what a file is (a CSV, or an old workbook, PDF or web page saved
under a CSV name), which encoding its text is in, its line endings, and the text polars
reads.

A UTF-8 file is read in place (polars maps it; only its head is read into Python, and
polars checks the rest as it reads). Any other file is decided on evidence from the
whole file, never by one byte: a file whose non-ASCII text is mostly valid UTF-8 is
UTF-8, and its few bytes that are not become U+FFFD (each cell holding one is a warning);
otherwise it is a legacy single-byte encoding, the one under which its non-ASCII bytes
read as letters beside letters (Windows-1252, else Mac Roman). UTF-16 (with a BOM),
legacy and damaged UTF-8 files are transcoded to UTF-8 bytes first, and so are files
whose lines end with a bare carriage return (old Mac, Excel's "CSV (Macintosh)"), which
polars would read as one line.
"""

from __future__ import annotations

import mmap
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconcile.problems import UnusableFileError

SNIFF_BYTES = 64 * 1024  # enough for a title, the header and a few records
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}

# Leading bytes of files that are often saved or sent as ".csv". (A zip file, an .xlsx
# workbook among them, is told apart by reconcile.reading.excel.)
_SIGNATURES = (
    # The compound-file format of Excel 97-2003, and of a password-protected .xlsx.
    (
        b"\xd0\xcf\x11\xe0",
        "an old Excel workbook (.xls) or a password-protected one",
        "save it as .xlsx or as CSV",
    ),
    (b"%PDF", "a PDF document", "export the data as CSV"),
)
_HTML_STARTS = ("<!doctype", "<html", "<head", "<body", "<?xml", "<!--", "<table")


@dataclass(frozen=True)
class Body:
    """The CSV text polars reads: a UTF-8 file, read in place (polars maps it; its bytes
    are never copied into Python), or UTF-8 bytes transcoded from another encoding."""

    data: Path | bytes
    encoding: str = "utf-8"
    # Bytes that were not UTF-8 in a file decided to be UTF-8, each now U+FFFD.
    bad_bytes: int = 0
    # Whether the file's lines ended with a bare carriage return (now a line feed).
    cr_line_ends: bool = False

    @contextmanager
    def _buffer(self) -> Iterator[bytes | mmap.mmap]:
        if isinstance(self.data, bytes):
            yield self.data
            return
        with (
            self.data.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
        ):
            yield mapped

    def head(self) -> bytes:
        """The first SNIFF_BYTES: enough for a title, the header and a few records."""
        with self._buffer() as buffer:
            return bytes(buffer[:SNIFF_BYTES])

    def has_quote(self, start: int) -> bool:
        """Whether a quote character occurs from byte `start` on (a search, not a copy)."""
        with self._buffer() as buffer:
            return buffer.find(b'"', start) >= 0

    def lines(self, start: int) -> int:
        """How many lines the text holds from byte `start` on (a last line without a line
        break counts too)."""
        with self._buffer() as buffer:
            size = len(buffer)
            newlines = sum(
                buffer[offset : offset + _COUNT_CHUNK].count(b"\n")
                for offset in range(start, size, _COUNT_CHUNK)
            )
            last_line_open = size > start and buffer[size - 1 : size] != b"\n"
        return newlines + last_line_open

    def text(self) -> str:
        with self._buffer() as buffer:
            return bytes(buffer).decode("utf-8", errors="replace")


_COUNT_CHUNK = 16 * 2**20  # newlines are counted chunk by chunk: a mapped file is not copied


class NotUtf8(Exception):
    """polars found bytes that are not UTF-8 beyond the sample that was checked."""


def body_of(path: Path, head: bytes, label: str, *, whole_file: bool = False) -> Body:
    """The text of a CSV file as polars reads it. A file whose head is UTF-8 with line
    feeds is read in place (unless `whole_file`: polars found a byte further down that is
    not UTF-8); any other is read whole, decided on evidence and transcoded."""
    utf16 = next((enc for bom, enc in UTF16_BOMS.items() if head.startswith(bom)), None)
    if utf16 is None and not whole_file and not bare_cr_line_ends(head) and is_utf8(head):
        return Body(path)
    content = read_bytes(path, label)
    if utf16 is not None:
        text, encoding, bad = decode_utf16(content, utf16, label), utf16, 0
    else:
        text, encoding, bad = decode_on_evidence(content)
    cr_line_ends = bare_cr_line_ends(head)
    if cr_line_ends:
        text = _BARE_CR.sub("\n", text)
    return Body(text.encode("utf-8"), encoding, bad_bytes=bad, cr_line_ends=cr_line_ends)


_BARE_CR = re.compile("\r(?!\n)")


def bare_cr_line_ends(head: bytes) -> bool:
    """Whether lines end with a carriage return alone: more bare CRs than line feeds
    (a line feed may still stand inside a quoted field)."""
    bare = head.count(b"\r") - head.count(b"\r\n")
    return bare > 0 and bare > head.count(b"\n")


def is_utf8(head: bytes) -> bool:
    """Whether the head decodes as UTF-8 (a character cut in two by the end of the
    sample is not a fault)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3 and len(head) == SNIFF_BYTES
    return True


_HIGH_BYTES = bytes(range(0x80, 0x100))
# Runs of non-ASCII bytes with the byte before and after: the evidence for a legacy
# encoding (in the text decoded as Latin-1, where each byte is one character).
_LEGACY_RUN = re.compile("[A-Za-z]?[\x80-\xff]+[A-Za-z]?")
LEGACY_ENCODINGS = ("cp1252", "mac_roman")
_NOT_IN_1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
# Where the legacy encodings are told apart: this many slices spread over the whole file.
_SLICES, _SLICE_BYTES = 64, 64 * 1024


def decode_on_evidence(content: bytes) -> tuple[str, str, int]:
    """(text, encoding, bytes that were not UTF-8) of a file that is not UTF-16, from
    the whole file: UTF-8 when its valid multi-byte characters outnumber the bytes that
    are not UTF-8 (those become U+FFFD); else the legacy encoding that reads best.

    Slices spread over the whole file are looked at first: when they hold many bytes
    that are not UTF-8 and fewer UTF-8 characters, the file is legacy (counting every
    such byte of a large legacy file costs seconds). Otherwise the bytes are counted in
    the whole file, where they are few."""
    try:
        return content.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    sample = _slices(content)
    valid, bad = _utf8_evidence(sample)
    if not (bad >= _CLEARLY_LEGACY and bad > valid):
        valid, bad = _utf8_evidence(content)
        if valid > bad:
            return content.decode("utf-8", errors="replace"), "utf-8", bad
    encoding = _best_legacy(content, sample)
    return content.decode(encoding, errors="replace"), encoding, 0


# Bytes that are not UTF-8 in the slices beyond which the file is legacy when they also
# outnumber its UTF-8 characters there.
_CLEARLY_LEGACY = 32


def _slices(content: bytes) -> bytes:
    """_SLICES slices of _SLICE_BYTES spread evenly over the file, one a line."""
    step = max(len(content) // _SLICES, _SLICE_BYTES)
    return b"\n".join(
        content[start : start + _SLICE_BYTES] for start in range(0, len(content), step)
    )


def _utf8_evidence(content: bytes) -> tuple[int, int]:
    """(valid non-ASCII UTF-8 characters, bytes that are not UTF-8), without a Python
    loop: decoded with surrogateescape, a byte that is not UTF-8 becomes one lone
    surrogate, which encoding with "ignore" drops; every other character re-encodes to
    its own bytes, and ASCII bytes are one character each."""
    text = content.decode("utf-8", errors="surrogateescape")
    bad = len(content) - len(text.encode("utf-8", errors="ignore"))
    ascii_chars = len(content.translate(None, _HIGH_BYTES))
    return len(text) - ascii_chars - bad, bad


def _best_legacy(content: bytes, sample: bytes) -> str:
    """Windows-1252 (what Excel writes in western Europe), unless Mac Roman reads more
    of the non-ASCII bytes of the slices as letters beside letters ("Müller", not
    "M¸ller"), each distinct run scored once; Latin-1 when the file uses a byte 1252
    lacks and Mac Roman reads no better."""
    runs = Counter(_LEGACY_RUN.findall(sample.decode("latin-1")))
    scores = {encoding: _letter_score(runs, encoding) for encoding in LEGACY_ENCODINGS}
    best = max(LEGACY_ENCODINGS, key=lambda encoding: scores[encoding])  # ties: 1252
    if best == "cp1252" and any(bytes([byte]) in content for byte in _NOT_IN_1252):
        return "latin-1"
    return best


def _letter_score(runs: Counter[str], encoding: str) -> int:
    score = 0
    for run, count in runs.items():
        decoded = run.encode("latin-1").decode(encoding, errors="replace")
        score += count * sum(1 for char in decoded if ord(char) > 0x7F and char.isalpha())
    return score


def read_head(path: Path, label: str) -> bytes:
    """The first SNIFF_BYTES of the file; UnusableFileError when it cannot be read or
    holds nothing but blanks."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            # The rest is read only after a head of blanks, to see whether more follows.
            only_blanks = head.isspace() and not handle.read().strip()
    except FileNotFoundError:
        raise UnusableFileError(label, "file not found", "Check the path.") from None
    except IsADirectoryError:
        raise UnusableFileError(
            label, "is a folder, not a file", "Give the CSV file, or use the folder option."
        ) from None
    except OSError as error:
        raise UnusableFileError(label, f"cannot be read: {error.strerror}") from None
    if not head or only_blanks:
        raise UnusableFileError(
            label,
            "is empty" if not head else "is empty (only blanks)",
            "Export the data again; the export needs at least a header line.",
        )
    return head


def read_bytes(path: Path, label: str) -> bytes:
    """The whole file, for the encodings that polars cannot read in place."""
    try:
        return path.read_bytes()
    except OSError as error:  # it was readable a moment ago
        raise UnusableFileError(label, f"cannot be read: {error.strerror}") from None


def refuse_non_csv(content: bytes, label: str) -> None:
    for signature, what, advice in _SIGNATURES:
        if content.startswith(signature):
            raise UnusableFileError(
                label, f"is {what}, not a CSV file", f"Open it and {advice} (UTF-8)."
            )
    head = content[:SNIFF_BYTES]
    if not any(head.startswith(bom) for bom in UTF16_BOMS) and b"\x00" in head:
        raise UnusableFileError(
            label,
            "is not a CSV file (it holds binary data)",
            "Export the data from the billing system as CSV.",
        )
    start = head.lstrip(UTF8_BOM).lstrip().lower()
    if start.startswith(tuple(s.encode() for s in _HTML_STARTS)):
        raise UnusableFileError(
            label,
            "is an HTML or XML page, not a CSV file (perhaps an error or login page "
            "saved instead of the export)",
            "Download the export again and check that it opens as a table.",
        )
    if start[:1] in (b"{", b"["):
        raise UnusableFileError(label, "looks like JSON, not a CSV file", "Export the data as CSV.")


def decode_utf16(content: bytes, encoding: str, label: str) -> str:
    try:
        return content[2:].decode(encoding)  # after the BOM
    except UnicodeDecodeError:
        raise UnusableFileError(
            label, "is not valid UTF-16 text", "Save the file as CSV (UTF-8)."
        ) from None


def decode_head(head: bytes) -> str:
    for bom, encoding in UTF16_BOMS.items():
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore")
    head = head[len(UTF8_BOM) :] if head.startswith(UTF8_BOM) else head
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # a character cut off by the sample's end
            return head[: error.start].decode("utf-8")
        return head.decode("cp1252", errors="replace")
