"""Bytes and encoding: what a file is (a CSV, or an old workbook, PDF or web page saved
under a CSV name), which encoding its text is in, and the text polars reads.

A UTF-8 file is read in place (polars maps it; only its head is read into Python);
UTF-16 and Windows-1252 files are transcoded to UTF-8 bytes first.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconcile.problems import InternalError, UnusableFileError

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


LEGACY = "legacy"  # Windows-1252, or Latin-1 where it uses the few bytes 1252 lacks


def encoding_of(head: bytes) -> str:
    """The encoding the head of a file shows: a UTF-16 BOM, else UTF-8 if the head decodes
    as such (polars checks the rest as it reads), else LEGACY, what Excel writes in
    western Europe."""
    for bom, encoding in UTF16_BOMS.items():
        if head.startswith(bom):
            return encoding
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut in two by the end of the sample is not a fault.
        cut_off_at_end = error.start >= len(head) - 3 and len(head) == SNIFF_BYTES
        if not cut_off_at_end:
            return LEGACY
    return "utf-8"


def decode_utf16(content: bytes, encoding: str, label: str) -> str:
    try:
        return content[2:].decode(encoding)  # after the BOM
    except UnicodeDecodeError:
        raise UnusableFileError(
            label, "is not valid UTF-16 text", "Save the file as CSV (UTF-8)."
        ) from None


def transcode(content: bytes) -> tuple[bytes, str]:
    """Windows-1252 content as UTF-8; Latin-1 when it uses the few bytes 1252 lacks."""
    for encoding in ("cp1252", "latin-1"):
        try:
            return content.decode(encoding).encode("utf-8"), encoding
        except UnicodeDecodeError:
            continue
    raise InternalError("latin-1 decodes every byte")  # pragma: no cover


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
