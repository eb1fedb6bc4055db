"""Reading an export: bytes -> encoding -> separator -> header line -> text columns.

Every column is read as text (`infer_schema=False`); validation types the values, so that
every value that fails to parse becomes a row error, never a silent null. The file's own
headers are mapped onto the raw fields of a source (reconcile/sources/*.toml), and the
export kind (subscriptions or customers) and the source are recognised from the header.

Line numbers are physical: a record's `line` is the line it starts on, counted with the
title lines above the header, blank lines, and newlines inside quoted fields.

Speed: a UTF-8 file is read in place (only its head is read into Python to find the
encoding, separator and header), by one lazy polars query that also numbers the records
and trims the mapped values.
"""

from __future__ import annotations

import csv
import difflib
import mmap
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from reconcile import excel
from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
from reconcile.problems import ReconcileError, UnusableFileError
from reconcile.sources import (
    CANONICAL_FIELDS,
    GENERIC,
    REQUIRED_FIELDS,
    SOURCE_NAMES,
    SourceSpec,
    TableSpec,
    all_sources,
    load_mapping_file,
    load_source,
    normalize_header,
    with_mapping,
)

SEPARATORS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024  # enough for a title, the header and a few records
HEADER_SEARCH_LINES = 30  # a header below this many lines is not looked for
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# The physical line of each record while every file column is still present (a file may
# have a column of its own called "line").
LINE = "row:line"

_SIGNATURES = (  # leading bytes of files that are often saved or sent as ".csv"
    # The compound-file format of Excel 97-2003, and of a password-protected .xlsx.
    (
        b"\xd0\xcf\x11\xe0",
        "an old Excel workbook (.xls) or a password-protected one",
        "save it as .xlsx or as CSV",
    ),
    (b"%PDF", "a PDF document", "export the data as CSV"),
)
# What a zip file other than an .xlsx workbook is (excel.workbook_kind), and what to do.
_ZIP_KINDS = {
    "xlsb": ("an Excel binary workbook (.xlsb)", "save it as .xlsx or as CSV"),
    "ods": ("an OpenDocument spreadsheet (.ods)", "save it as .xlsx or as CSV"),
    "docx": ("a Word document", "export the data from the billing system as .xlsx or CSV"),
    "pptx": (
        "a PowerPoint presentation",
        "export the data from the billing system as .xlsx or CSV",
    ),
    "damaged": (
        "a damaged Excel workbook or zip archive (perhaps a download cut short)",
        "download or export it again",
    ),
    None: ("a zip archive", "unpack it and give the export inside"),
}
_HTML_STARTS = ("<!doctype", "<html", "<head", "<body", "<?xml", "<!--", "<table")


@dataclass(frozen=True)
class RawTable:
    """One export as read: every value still text, columns named by raw field.

    `frame` holds the mapped raw fields (pl.String, surrounding blanks trimmed, empty ->
    null) and `line` (pl.Int64, the physical line the record starts on), in file order.
    `unmapped` (aligned with `frame`) holds the file's other columns as read, so that
    validation can tell an exact repeat of a row (equal in *every* column) from a
    different row.
    """

    kind: str
    file: str
    source: SourceSpec
    frame: pl.DataFrame
    headers: dict[str, str]  # raw field -> header as written in the file
    unmapped: pl.DataFrame
    file_headers: tuple[str, ...] = ()  # every header of the file, in order
    encoding: str = "utf-8"
    separator: str = ","
    header_line: int = 1
    blank_rows_skipped: int = 0  # records with no value at all (empty lines, ",,,")

    @property
    def rows_read(self) -> int:
        return self.frame.height

    def table(self) -> TableSpec:
        return self.source.table(self.kind)


# --------------------------------------------------------------------------- public API


def read_raw(
    data: Path | str | pl.DataFrame,
    kind: str | None,
    *,
    source: str | None = None,
    mapping: Mapping[str, str] | None = None,
    mapping_file: Path | None = None,
    name: str | None = None,
) -> RawTable:
    """Read one export (a CSV path or a polars DataFrame) as text columns.

    `kind` None recognises subscriptions or customers from the header; `source` None
    recognises the billing system. A DataFrame skips the byte-level steps: its columns
    are cast to text, its column names are the headers, and line = row index + 2.
    Raises UnusableFileError for a file that cannot be used, ReconcileError for bad
    options (unknown source, bad --map).
    """
    if kind not in (None, SUBSCRIPTIONS, CUSTOMERS):
        raise ReconcileError(f"unknown export kind {kind!r}; use {SUBSCRIPTIONS} or {CUSTOMERS}")
    candidates = _candidate_sources(source, mapping_file)
    mapping = mapping or {}
    if isinstance(data, pl.DataFrame):
        label = name or "dataframe"
        return _read(_Scan.of_frame(data), kind, candidates, mapping, label)
    label = name or str(data)
    try:
        scan = _scan_file(Path(data), label, candidates, mapping)
        return _read(scan, kind, candidates, mapping, label)
    except _NotUtf8:
        # The head was UTF-8 but a later byte is not: the file is Windows-1252 after all.
        scan = _scan_file(Path(data), label, candidates, mapping, encoding=_LEGACY)
        return _read(scan, kind, candidates, mapping, label)


def _read(
    scan: _Scan,
    kind: str | None,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str],
    label: str,
) -> RawTable:
    spec, kind = _resolve(scan.headers, kind, candidates, mapping, label)
    return _raw_table(scan, spec, kind, label)


def find_exports(folder: Path) -> tuple[Path, Path | None]:
    """The subscriptions export and the customers export (None if absent) in a folder.

    Each file is recognised by its header, not its name; UnusableFileError when there
    is no subscriptions export, or more than one of either kind.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UnusableFileError(
            str(folder), "is not a folder", "Give a folder holding the exports."
        )
    found: dict[str, list[Path]] = {SUBSCRIPTIONS: [], CUSTOMERS: []}
    skipped: list[str] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in EXPORT_SUFFIXES):
        try:
            kind = _kind_of_file(path)
        except ReconcileError as error:
            skipped.append(f"{path.name} ({str(error).splitlines()[0]})")
            continue
        found[kind].append(path)
    for kind, paths in found.items():
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            raise UnusableFileError(
                str(folder),
                f"holds {len(paths)} {kind} exports ({names}); which one is meant is unclear",
                f"Keep one {kind} export in the folder, or name the files explicitly.",
            )
    if not found[SUBSCRIPTIONS]:
        detail = f"; files not recognised: {'; '.join(skipped)}" if skipped else ""
        raise UnusableFileError(
            str(folder),
            f"holds no subscriptions export (a CSV with subscription and customer IDs){detail}",
            "Put the subscriptions export in the folder, or name the file explicitly "
            "(and use --map for headers that are not recognised).",
        )
    customers = found[CUSTOMERS][0] if found[CUSTOMERS] else None
    return found[SUBSCRIPTIONS][0], customers


# --------------------------------------------------------------------------- sources


def _candidate_sources(source: str | None, mapping_file: Path | None) -> tuple[SourceSpec, ...]:
    if mapping_file is not None:
        return (load_mapping_file(mapping_file, base=source),)
    if source is not None:
        return (load_source(source),)
    return all_sources()


def _resolve(
    headers: tuple[str, ...],
    kind: str | None,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str],
    label: str,
) -> tuple[SourceSpec, str]:
    """The source and kind the header fits best; UnusableFileError when none fits."""
    keys = [normalize_header(h) for h in headers]
    if kind:
        _check_mapped_headers(headers, keys, _mapping_for(kind, candidates, mapping), label)
    kinds = (kind,) if kind else (SUBSCRIPTIONS, CUSTOMERS)
    for wanted in kinds:
        specs = [with_mapping(spec, wanted, mapping) for spec in candidates]
        fitting = [s for s in specs if not _missing_required(s.table(wanted), keys)]
        if fitting:
            best = _best_coverage(fitting, wanted, keys)
            if wanted == CUSTOMERS and kind == CUSTOMERS:
                _refuse_subscriptions_as_customers(candidates, headers, mapping, label)
            if wanted == SUBSCRIPTIONS and not _has_field(best.subscriptions, "start", keys):
                # Rows without a start cannot be placed in time: better one clear message
                # than every row rejected.
                raise _missing_columns_error(best, wanted, headers, keys, label, "start")
            return best, wanted
    wanted = kind or SUBSCRIPTIONS
    if wanted == SUBSCRIPTIONS and kind == SUBSCRIPTIONS:
        _refuse_customers_as_subscriptions(candidates, keys, mapping, label)
    specs = [with_mapping(spec, wanted, mapping) for spec in candidates]
    best = _best_coverage(specs, wanted, keys)
    raise _missing_columns_error(best, wanted, headers, keys, label)


def _mapping_for(
    kind: str, candidates: tuple[SourceSpec, ...], mapping: Mapping[str, str]
) -> dict[str, str]:
    """The --map entries that name a field of this export kind (the same --map options
    are given for both exports)."""
    return {
        name: header
        for name, header in mapping.items()
        if name in CANONICAL_FIELDS[kind] or any(name in s.table(kind).columns for s in candidates)
    }


def _coverage(table: TableSpec, keys: list[str]) -> int:
    """How many of the file's headers the table recognises."""
    aliases = table.alias_keys()
    return sum(1 for key in set(keys) if key in aliases)


def _best_coverage(specs: list[SourceSpec], kind: str, keys: list[str]) -> SourceSpec:
    scores = [_coverage(spec.table(kind), keys) for spec in specs]
    top = max(scores)
    tied = [spec for spec, score in zip(specs, scores, strict=True) if score == top]
    generic = [spec for spec in tied if spec.name == GENERIC]
    return generic[0] if generic and len(tied) > 1 else tied[0]


def _header_of(table: TableSpec, raw_field: str, keys: list[str]) -> int | None:
    """Index of the file header a raw field maps to (its first alias present)."""
    for alias in table.columns.get(raw_field, ()):
        key = normalize_header(alias)
        if key in keys:
            return keys.index(key)
    return None


def _has_field(table: TableSpec, canonical: str, keys: list[str]) -> bool:
    """Whether some fallback of a canonical field finds all its columns in the file."""
    return any(
        all(_header_of(table, f, keys) is not None for f in fallback.fields)
        for fallback in table.fallbacks(canonical)
    )


def _missing_required(table: TableSpec, keys: list[str]) -> list[str]:
    return [c for c in REQUIRED_FIELDS[table.kind] if not _has_field(table, c, keys)]


# Raw fields only a subscriptions export has: their presence tells a subscriptions export
# handed over as customers, and their absence a customers export handed over as subscriptions.
# (Not `start`: its fallbacks include created dates, which customers exports have too.)
_SUBSCRIPTION_EVIDENCE = ("subscription_id", "product", "plan", "end", "amount")


def _has_subscription_columns(spec: SourceSpec, keys: list[str]) -> bool:
    table = spec.subscriptions
    return any(
        _header_of(table, raw, keys) is not None
        for canonical in _SUBSCRIPTION_EVIDENCE
        for raw in table.raw_fields_of(canonical)
    )


def _refuse_subscriptions_as_customers(
    candidates: tuple[SourceSpec, ...],
    headers: tuple[str, ...],
    mapping: Mapping[str, str],
    label: str,
) -> None:
    keys = [normalize_header(h) for h in headers]
    for spec in candidates:
        table = with_mapping(spec, SUBSCRIPTIONS, mapping).subscriptions
        if not _missing_required(table, keys):
            index = _header_of(table, table.raw_fields_of("subscription_id")[0], keys)
            column = f" '{headers[index]}'" if index is not None else ""
            raise UnusableFileError(
                label,
                "is a subscriptions export, given as the customers export (it has a "
                f"subscription ID column{column})",
                "Swap the two files: the subscriptions export comes first, the customers "
                "export is given with --customers.",
            )


def _refuse_customers_as_subscriptions(
    candidates: tuple[SourceSpec, ...], keys: list[str], mapping: Mapping[str, str], label: str
) -> None:
    for spec in candidates:
        customers = with_mapping(spec, CUSTOMERS, mapping).customers
        if _missing_required(customers, keys) or _has_subscription_columns(spec, keys):
            continue
        if _coverage(customers, keys) >= 2:
            raise UnusableFileError(
                label,
                "is a customers export, given as the subscriptions export (it has customer "
                "columns but no subscription ID, product, plan or dates)",
                "Swap the two files: the subscriptions export comes first, the customers "
                "export is given with --customers.",
            )


def _missing_columns_error(
    spec: SourceSpec,
    kind: str,
    headers: tuple[str, ...],
    keys: list[str],
    label: str,
    missing_field: str | None = None,
) -> UnusableFileError:
    table = spec.table(kind)
    missing = [missing_field] if missing_field else _missing_required(table, keys)
    field_name = missing[0]
    aliases = [a for raw in table.raw_fields_of(field_name) for a in table.columns.get(raw, ())]
    closest = _closest_header(aliases, headers)
    found = ", ".join(f"'{h}'" for h in headers[:40]) + (" ..." if len(headers) > 40 else "")
    wanted = f" (e.g. '{aliases[0]}')" if aliases else ""
    problem = (
        f"no {field_name} column{wanted} for a {kind} export "
        f"({spec.title} headers); found: {found or 'no columns'}"
    )
    if len(missing) > 1:
        problem += f"; also missing: {', '.join(missing[1:])}"
    if closest:
        problem += f"; closest: '{closest}'"
    target = closest or "<header in the file>"
    advice = f"Map it with --map {field_name}='{target}'"
    if spec.name not in SOURCE_NAMES or len(headers) == 0:
        return UnusableFileError(label, problem, advice)
    return UnusableFileError(label, problem, advice + " (or pass --source if it is another system)")


def _closest_header(aliases: list[str], headers: tuple[str, ...]) -> str | None:
    by_key = {normalize_header(h): h for h in reversed(headers)}
    best: tuple[float, str] | None = None
    for alias in aliases:
        for match in difflib.get_close_matches(normalize_header(alias), list(by_key), 1, 0.6):
            ratio = difflib.SequenceMatcher(None, normalize_header(alias), match).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, by_key[match])
    return best[1] if best else None


def _check_mapped_headers(
    headers: tuple[str, ...], keys: list[str], mapping: Mapping[str, str], label: str
) -> None:
    for field_name, header in mapping.items():
        if normalize_header(str(header)) not in keys:
            closest = _closest_header([str(header)], headers)
            hint = f"; closest: '{closest}'" if closest else ""
            shown = ", ".join(f"'{h}'" for h in headers[:40])
            raise ReconcileError(
                f"--map {field_name}='{header}': {label} has no column '{header}'"
                f"{hint}; found: {shown}"
            )


# --------------------------------------------------------------------------- the frame


@dataclass(frozen=True)
class _Scan:
    """An export ready to be read: a lazy query of every column as text, and what was
    learnt from its head. The text is read once, by one query that also numbers the
    records and trims the mapped values."""

    frame: pl.LazyFrame  # every column of the file as text
    headers: tuple[str, ...]  # as polars names the columns
    first_line: int  # the physical line of the first record
    header_line: int = 1
    encoding: str = "utf-8"
    separator: str = ","
    body: _Body | None = None  # None for a DataFrame
    header_offset: int = 0  # the byte where the header starts in `body`

    @classmethod
    def of_frame(cls, frame: pl.DataFrame) -> _Scan:
        text = frame.lazy().select(pl.all().cast(pl.String))
        # As if written to a CSV file: the header on line 1, one line per row.
        return cls(text, tuple(frame.columns), first_line=2)

    def collect(self, query: pl.LazyFrame, label: str) -> pl.DataFrame:
        """`query` (over `frame`) collected; a CSV fault becomes UnusableFileError."""
        try:
            return query.collect()
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
            raise _reading_error(
                error, self.body, self.separator, label, self.header_line
            ) from None


def _raw_table(scan: _Scan, spec: SourceSpec, kind: str, label: str) -> RawTable:
    table = spec.table(kind)
    keys = [normalize_header(h) for h in scan.headers]
    headers: dict[str, str] = {}
    for raw_field in table.columns:
        index = _header_of(table, raw_field, keys)
        if index is not None:
            headers[raw_field] = scan.headers[index]
    mapped = list(dict.fromkeys(headers.values()))
    unmapped = [h for h in scan.headers if h not in headers.values()]
    # Surrounding blanks trimmed from every mapped value (IDs included: DOMAIN.md). Blanks
    # are Unicode white space, as the value parsers trim it (" ", tab, no-break and thin
    # spaces, line breaks), which polars trims faster than a list of characters.
    query = _numbered(scan).with_columns(
        pl.col(LINE).cast(pl.Int64), *(pl.col(c).str.strip_chars() for c in mapped)
    )
    frame = _null_blank_only(scan.collect(query, label), mapped)
    frame = _with_physical_lines(frame, scan, label)
    # A record with no value at all (an empty line, ",,,") holds nothing to account for.
    blank = frame.select(pl.all_horizontal(pl.col(h).is_null() for h in scan.headers)).to_series()
    if blank.any():
        frame = frame.filter(~blank)
    return RawTable(
        kind=kind,
        file=label,
        source=spec,
        frame=frame.select(
            pl.col(LINE).alias("line"),
            *(pl.col(header).alias(raw_field) for raw_field, header in headers.items()),
        ),
        headers=headers,
        unmapped=frame.select(unmapped),
        file_headers=scan.headers,
        encoding=scan.encoding,
        separator=scan.separator,
        header_line=scan.header_line,
        blank_rows_skipped=blank.sum(),
    )


def _numbered(scan: _Scan) -> pl.LazyFrame:
    """The scan with LINE: one line per record, from the line of the first record."""
    if LINE in scan.headers:  # the file's own column of that name is replaced
        return scan.frame.with_columns(
            pl.int_range(scan.first_line, scan.first_line + pl.len()).alias(LINE)
        )
    # A row index, which the reader numbers as it reads: cheaper than an int_range.
    return scan.frame.with_row_index(LINE, offset=scan.first_line)


def _null_blank_only(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Trimmed values that were blanks only, as null. polars already reads empty fields
    as null: only the few columns where trimming left an empty string get the (costlier)
    conditional."""
    if not columns or frame.height == 0:
        return frame
    emptied = frame.select((pl.col(c) == "").any() for c in columns).row(0)
    blank_only = [c for c, empty in zip(columns, emptied, strict=True) if empty]
    return frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in blank_only)


def _with_physical_lines(frame: pl.DataFrame, scan: _Scan, label: str) -> pl.DataFrame:
    """`frame`, whose LINE counts one line per record, with LINE corrected where quoted
    fields hold newlines: a record starts one line below the previous one, plus one
    line per newline inside the previous one's fields. polars keeps empty lines as
    all-null records, so they are counted too.

    Without a quote character no field can hold a newline, and when the body has exactly
    one line per record none does: only then is the file not read a second time.
    """
    body = scan.body
    if body is None or not body.has_quote(scan.header_offset):
        return frame
    header_newlines = scan.first_line - scan.header_line - 1
    if body.lines(scan.header_offset) == 1 + header_newlines + frame.height:
        return frame
    # Counted on the text as read: trimming drops the newlines at the edges of a value.
    embedded = pl.sum_horizontal(
        pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in scan.headers
    )
    span = (embedded + 1).cast(pl.Int64)
    lines = scan.collect(scan.frame.select(scan.first_line + span.cum_sum() - span), label)
    return frame.with_columns(lines.to_series().alias(LINE))


# --------------------------------------------------------------------------- bytes


@dataclass(frozen=True)
class _Body:
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


def _scan_file(
    path: Path,
    label: str,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str] | None,
    encoding: str | None = None,
) -> _Scan:
    """The scan of a file; `encoding` None decides it from the head of the file."""
    head = _read_head(path, label)
    if head.startswith(excel.ZIP_SIGNATURE):
        return _scan_sheet(path, label, candidates, mapping)
    _refuse_non_csv(head, label)
    encoding = encoding or _encoding_of(head)
    if encoding == "utf-8":
        return _scan_body(_Body(path), label, candidates, mapping)
    content = _read_bytes(path, label)
    if encoding == _LEGACY:
        utf8, encoding = _transcode(content)
    else:
        utf8 = _decode_utf16(content, encoding, label).encode("utf-8")
    return _scan_body(_Body(utf8, encoding), label, candidates, mapping)


def _scan_sheet(
    path: Path,
    label: str,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str] | None,
    rows: int | None = None,
) -> _Scan:
    """The scan of an .xlsx workbook's first sheet (its first `rows` rows; None: all): the
    header row found as a CSV file's header line is, a sheet row per line."""
    _refuse_other_zip(path, label)
    sheet = excel.read_first_sheet(path, label, rows=rows)
    index = _header_index(
        [[cell or "" for cell in row] for row in sheet.rows(HEADER_SEARCH_LINES)],
        _known_header_keys(candidates, mapping),
    )
    frame, headers = sheet.table(index)
    return _Scan(
        frame.lazy(),
        headers,
        first_line=index + 2,
        header_line=index + 1,
        encoding="xlsx",
        separator="",
    )


def _refuse_other_zip(path: Path, label: str) -> None:
    kind = excel.workbook_kind(path)
    if kind == "xlsx":
        return
    what, advice = _ZIP_KINDS[kind]
    problem = (
        f"is {what}" if kind == "damaged" else f"is {what}, not a CSV file or an Excel workbook"
    )
    advice = advice[0].upper() + advice[1:] if kind == "damaged" else f"Open it and {advice}"
    raise UnusableFileError(label, problem, f"{advice}.")


class _NotUtf8(Exception):
    """polars found bytes that are not UTF-8 beyond the sample that was checked."""


def _scan_body(
    body: _Body, label: str, candidates: tuple[SourceSpec, ...], mapping: Mapping[str, str] | None
) -> _Scan:
    head = body.head()
    bom = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    sample = head[bom:].decode("utf-8", errors="ignore")
    separator, offset_chars = _find_header(sample, _known_header_keys(candidates, mapping))
    header_line = sample.count("\n", 0, offset_chars) + 1
    frame = pl.scan_csv(
        str(body.data) if isinstance(body.data, Path) else body.data,
        separator=separator,
        has_header=True,
        infer_schema=False,
        quote_char='"',
        raise_if_empty=False,
        # The title lines above the header, skipped as lines: _find_header split them
        # on line breaks, not as CSV records.
        skip_lines=header_line - 1,
        glob=False,  # "export[1].csv" is a file name, not a pattern
    )
    try:
        headers = tuple(frame.collect_schema().names())
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise _reading_error(error, body, separator, label, header_line) from None
    header_newlines = sum(header.count("\n") for header in headers)
    return _Scan(
        frame,
        headers,
        first_line=header_line + header_newlines + 1,
        header_line=header_line,
        encoding=body.encoding,
        separator=separator,
        body=body,
        header_offset=bom + len(sample[:offset_chars].encode("utf-8")),
    )


def _read_head(path: Path, label: str) -> bytes:
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


def _read_bytes(path: Path, label: str) -> bytes:
    """The whole file, for the encodings that polars cannot read in place."""
    try:
        return path.read_bytes()
    except OSError as error:  # it was readable a moment ago
        raise UnusableFileError(label, f"cannot be read: {error.strerror}") from None


def _refuse_non_csv(content: bytes, label: str) -> None:
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


_LEGACY = "legacy"  # Windows-1252, or Latin-1 where it uses the few bytes 1252 lacks


def _encoding_of(head: bytes) -> str:
    """The encoding the head of a file shows: a UTF-16 BOM, else UTF-8 if the head decodes
    as such (polars checks the rest as it reads), else _LEGACY, what Excel writes in
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
            return _LEGACY
    return "utf-8"


def _decode_utf16(content: bytes, encoding: str, label: str) -> str:
    try:
        return content[2:].decode(encoding)  # after the BOM
    except UnicodeDecodeError:
        raise UnusableFileError(
            label, "is not valid UTF-16 text", "Save the file as CSV (UTF-8)."
        ) from None


def _transcode(content: bytes) -> tuple[bytes, str]:
    """Windows-1252 content as UTF-8; Latin-1 when it uses the few bytes 1252 lacks."""
    for encoding in ("cp1252", "latin-1"):
        try:
            return content.decode(encoding).encode("utf-8"), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _known_header_keys(
    candidates: Iterable[SourceSpec], mapping: Mapping[str, str] | None
) -> frozenset[str]:
    keys = {normalize_header(str(h)) for h in (mapping or {}).values()}
    for spec in candidates:
        for kind in (SUBSCRIPTIONS, CUSTOMERS):
            keys.update(spec.table(kind).alias_keys())
    keys.discard("")
    return frozenset(keys)


def _find_header(sample: str, known: frozenset[str]) -> tuple[str, int]:
    """The separator and the character offset of the header line in `sample`.

    The header is the line, among the first ones, whose cells name the most known columns
    (a title line above it names none); with no known column at all, the first non-blank
    line. The separator is the one that makes the header's cells known, else the most
    frequent one in that line.
    """
    lines = [line.rstrip("\r") for line in sample.split("\n")[:HEADER_SEARCH_LINES]]
    best: tuple[int, int, int, str] | None = None  # score, -index, occurrences, separator
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        for separator in SEPARATORS:
            score = _header_score(_cells(line, separator), known)
            candidate = (score, -index, line.count(separator), separator)
            if score and (best is None or candidate > best):
                best = candidate
    if best is None:
        index = _first_non_blank(lines)
        line = lines[index] if lines else ""
        separator = max(SEPARATORS, key=lambda s: (line.count(s), -SEPARATORS.index(s)))
    else:
        index, separator = -best[1], best[3]
    offset = sum(len(line) + 1 for line in sample.split("\n")[:index])
    return separator, offset


def _header_index(rows: list[list[str]], known: frozenset[str]) -> int:
    """The index of the header among a sheet's first rows (cells already split), by the
    rule of _find_header: the row naming the most known columns, the first of equals;
    with none, the first row that is not blank."""
    scores = [_header_score(cells, known) for cells in rows]
    if any(scores):
        return scores.index(max(scores))
    return _first_non_blank(["".join(cells) for cells in rows])


def _header_score(cells: list[str], known: frozenset[str]) -> int:
    """How many cells of a candidate header line name a known column."""
    return sum(1 for cell in cells if normalize_header(cell) in known)


def _first_non_blank(lines: list[str]) -> int:
    return next((index for index, line in enumerate(lines) if line.strip()), 0)


def _cells(line: str, separator: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return line.split(separator)


def _reading_error(
    error: Exception, body: _Body | None, separator: str, label: str, header_line: int
) -> Exception:
    """What a polars error while reading means: _NotUtf8, or an UnusableFileError that
    says where the CSV breaks."""
    if "utf-8" in str(error).lower():
        return _NotUtf8()
    text = body.text() if body is not None else ""
    below_titles = text.split("\n", header_line - 1)[-1]
    line, problem = _locate_csv_fault(below_titles, separator, header_line)
    return UnusableFileError(
        label,
        f"is not a well-formed CSV file: {problem}"
        + (f" (line {line})" if line else f" ({str(error).splitlines()[0]})"),
        "Quote fields that contain the separator or line breaks, or export the file again.",
    )


def _locate_csv_fault(text: str, separator: str, header_line: int) -> tuple[int | None, str]:
    """Where the CSV breaks, found with Python's csv module (only when polars refused):
    the line the faulty record starts on, and what is wrong with it."""
    reader = csv.reader(text.splitlines(keepends=True), delimiter=separator, strict=True)
    width: int | None = None
    start = header_line
    try:
        for record in reader:
            if width is None:
                width = len(record)
            elif len(record) > width:
                return start, f"a record has {len(record)} fields, the header {width}"
            start = header_line + reader.line_num
    except csv.Error as error:
        if "end of data" in str(error):
            return start, "a quoted field is never closed"
        return start, f"a field breaks the quoting rules ({error})"
    return None, "polars could not parse it"


# --------------------------------------------------------------------------- folders


def _kind_of_file(path: Path) -> str:
    """The export kind of a file, recognised from its header alone."""
    label = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise UnusableFileError(label, f"cannot be read: {error.strerror}") from None
    if not head.strip():
        raise UnusableFileError(label, "is empty")
    candidates = all_sources()
    if head.startswith(excel.ZIP_SIGNATURE):
        headers = _scan_sheet(path, label, candidates, None, rows=HEADER_SEARCH_LINES).headers
        return _resolve(headers, None, candidates, {}, label)[1]
    _refuse_non_csv(head, label)
    text = _decode_head(head)
    separator, offset = _find_header(text, _known_header_keys(candidates, None))
    header_text = text[offset:].split("\n", 1)[0].rstrip("\r")
    headers = tuple(_cells(header_text, separator))
    _, kind = _resolve(headers, None, candidates, {}, label)
    return kind


def _decode_head(head: bytes) -> str:
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
