"""Reading an export: bytes -> encoding -> separator -> header line -> text columns.

Every column is read as text (`infer_schema=False`); validation types the values, so that
every value that fails to parse becomes a row error, never a silent null. The file's own
headers are mapped onto the raw fields of a source (reconcile/sources/*.toml), and the
export kind (subscriptions or customers) and the source are recognised from the header.

Line numbers are physical: a record's `line` is the line it starts on, counted with the
title lines above the header, blank lines, and newlines inside quoted fields.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

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
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# The physical line of each record while every file column is still present (a file may
# have a column of its own called "line").
LINE = "row:line"

_SIGNATURES = (  # leading bytes of files that are often saved or sent as ".csv"
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or a zip archive", "save it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", "save it as CSV"),
    (b"%PDF", "a PDF document", "export the data as CSV"),
)
_HTML_STARTS = ("<!doctype", "<html", "<head", "<body", "<?xml", "<!--", "<table")


@dataclass(frozen=True)
class RawTable:
    """One export as read: every value still text, columns named by raw field.

    `frame` holds the mapped raw fields (pl.String, surrounding blanks trimmed, empty ->
    null) and `line` (pl.Int64, the physical line the record starts on), in file order.
    `row_key` (UInt64, aligned with `frame`) hashes *all* columns of the file, mapped or
    not, so that validation can tell an exact repeat of a row from a different row.
    """

    kind: str
    file: str
    source: SourceSpec
    frame: pl.DataFrame
    headers: dict[str, str]  # raw field -> header as written in the file
    row_key: pl.Series
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
    if isinstance(data, pl.DataFrame):
        label = name or "dataframe"
        parsed = _ParsedFile(_frame_as_text(data), 1, "utf-8", ",")
    else:
        label = name or str(data)
        parsed = _parse_file(Path(data), label, candidates, mapping)
    file_headers = tuple(c for c in parsed.frame.columns if c != LINE)
    spec, kind = _resolve(file_headers, kind, candidates, mapping or {}, label)
    return _raw_table(parsed, spec, kind, label, file_headers)


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
class _ParsedFile:
    frame: pl.DataFrame  # every file column as text, plus LINE
    header_line: int
    encoding: str
    separator: str


def _raw_table(
    parsed: _ParsedFile, spec: SourceSpec, kind: str, label: str, file_headers: tuple[str, ...]
) -> RawTable:
    table = spec.table(kind)
    keys = [normalize_header(h) for h in file_headers]
    headers: dict[str, str] = {}
    for raw_field in table.columns:
        index = _header_of(table, raw_field, keys)
        if index is not None:
            headers[raw_field] = file_headers[index]
    frame = _trim_mapped(parsed.frame, list(dict.fromkeys(headers.values())))
    unmapped = [h for h in file_headers if h not in headers.values()]
    # A record with no value at all (an empty line, ",,,") holds nothing to account for.
    blank = frame.select(
        pl.all_horizontal(pl.col(h).is_null() for h in (*headers.values(), *unmapped))
    ).to_series()
    if blank.any():
        frame = frame.filter(~blank)
    row_key = frame.select(file_headers).hash_rows()
    frame = frame.select(
        pl.col(LINE).cast(pl.Int64).alias("line"),
        *(pl.col(header).alias(raw_field) for raw_field, header in headers.items()),
    )
    return RawTable(
        kind=kind,
        file=label,
        source=spec,
        frame=frame,
        headers=headers,
        row_key=row_key.alias("row_key"),
        file_headers=file_headers,
        encoding=parsed.encoding,
        separator=parsed.separator,
        header_line=parsed.header_line,
        blank_rows_skipped=blank.sum(),
    )


# Surrounding blanks trimmed from every mapped value (IDs included: DOMAIN.md).
BLANKS = " \t\u00a0\r\n"


def _trim_mapped(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The columns with surrounding blanks trimmed, and values of blanks only as null.

    polars already reads empty fields as null; only the few columns where trimming left
    an empty string get the (costlier) conditional.
    """
    if not columns or frame.height == 0:
        return frame
    frame = frame.with_columns(pl.col(c).str.strip_chars(BLANKS) for c in columns)
    emptied = frame.select((pl.col(c) == "").any() for c in columns).row(0)
    blank_only = [c for c, empty in zip(columns, emptied, strict=True) if empty]
    return frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in blank_only)


def _frame_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    text = frame.select(pl.all().cast(pl.String))
    # As if written to a CSV file: the header on line 1, one line per row.
    return text.with_columns(pl.int_range(2, text.height + 2, dtype=pl.Int64).alias(LINE))


# --------------------------------------------------------------------------- bytes


def _parse_file(
    path: Path, label: str, candidates: tuple[SourceSpec, ...], mapping: Mapping[str, str] | None
) -> _ParsedFile:
    content = _read_bytes(path, label)
    utf8, encoding = _as_utf8(content, label)
    try:
        return _parse_utf8(utf8, encoding, label, candidates, mapping)
    except _NotUtf8:
        # The sample was UTF-8 but a later byte is not: the file is Windows-1252 after all.
        utf8, encoding = _transcode(content, label)
        return _parse_utf8(utf8, encoding, label, candidates, mapping)


class _NotUtf8(Exception):
    """polars found bytes that are not UTF-8 beyond the sample that was checked."""


def _parse_utf8(
    utf8: bytes,
    encoding: str,
    label: str,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str] | None,
) -> _ParsedFile:
    bom = len(UTF8_BOM) if utf8.startswith(UTF8_BOM) else 0
    sample = utf8[bom : bom + SNIFF_BYTES].decode("utf-8", errors="ignore")
    separator, offset_chars = _find_header(sample, _known_header_keys(candidates, mapping))
    header_line = sample.count("\n", 0, offset_chars) + 1
    offset = bom + len(sample[:offset_chars].encode("utf-8"))
    # Slicing copies the bytes: only done when there are title lines above the header
    # (polars itself skips a UTF-8 BOM).
    body = utf8[offset:] if offset > bom else utf8
    frame = _read_csv(body, separator, label, header_line)
    return _ParsedFile(_with_lines(frame, header_line, body), header_line, encoding, separator)


def _read_bytes(path: Path, label: str) -> bytes:
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise UnusableFileError(label, "file not found", "Check the path.") from None
    except IsADirectoryError:
        raise UnusableFileError(
            label, "is a folder, not a file", "Give the CSV file, or use the folder option."
        ) from None
    except OSError as error:
        raise UnusableFileError(label, f"cannot be read: {error.strerror}") from None
    if not content or content.isspace():
        raise UnusableFileError(
            label,
            "is empty" if not content else "is empty (only blanks)",
            "Export the data again; the export needs at least a header line.",
        )
    _refuse_non_csv(content, label)
    return content


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


def _as_utf8(content: bytes, label: str) -> tuple[bytes, str]:
    """The content as UTF-8 bytes, and the name of the encoding it was in.

    UTF-16 is recognised by its BOM. Otherwise a sample decides: UTF-8 (the rest is checked
    by polars as it reads) or else Windows-1252, what Excel writes in western Europe.
    """
    for bom, encoding in UTF16_BOMS.items():
        if content.startswith(bom):
            try:
                text = content[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise UnusableFileError(
                    label, "is not valid UTF-16 text", "Save the file as CSV (UTF-8)."
                ) from None
            return text.encode("utf-8"), encoding
    sample = content[:SNIFF_BYTES]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        cut_off_at_end = error.start >= len(sample) - 3 and len(content) > SNIFF_BYTES
        if not cut_off_at_end:
            return _transcode(content, label)
    return content, "utf-8"


def _transcode(content: bytes, label: str) -> tuple[bytes, str]:
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
    lines = sample.split("\n")[:HEADER_SEARCH_LINES]
    best: tuple[int, int, int, str] | None = None  # score, -index, occurrences, separator
    first_non_blank: int | None = None
    for index, line in enumerate(lines):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if first_non_blank is None:
            first_non_blank = index
        for separator in SEPARATORS:
            score = sum(1 for cell in _cells(line, separator) if normalize_header(cell) in known)
            candidate = (score, -index, line.count(separator), separator)
            if score and (best is None or candidate > best):
                best = candidate
    if best is None:
        index = first_non_blank or 0
        line = lines[index] if lines else ""
        separator = max(SEPARATORS, key=lambda s: (line.count(s), -SEPARATORS.index(s)))
    else:
        index, separator = -best[1], best[3]
    offset = sum(len(line) + 1 for line in lines[:index])
    return separator, offset


def _cells(line: str, separator: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return line.split(separator)


def _read_csv(body: bytes, separator: str, label: str, header_line: int) -> pl.DataFrame:
    try:
        return pl.read_csv(
            body,
            separator=separator,
            has_header=True,
            infer_schema=False,
            quote_char='"',
            raise_if_empty=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        if "utf-8" in str(error).lower():
            raise _NotUtf8 from None
        text = body.decode("utf-8", errors="replace")
        line, problem = _locate_csv_fault(text, separator, header_line)
        raise UnusableFileError(
            label,
            f"is not a well-formed CSV file: {problem}"
            + (f" (line {line})" if line else f" ({str(error).splitlines()[0]})"),
            "Quote fields that contain the separator or line breaks, or export the file again.",
        ) from None


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


def _with_lines(frame: pl.DataFrame, header_line: int, body: bytes) -> pl.DataFrame:
    """`frame` with LINE: the physical line each record starts on.

    A record spans one line plus one per newline inside its quoted fields; polars keeps
    empty lines as all-null records, so they are counted too. When the body has exactly
    one line per record, no field holds a newline and the lines simply follow each other.
    """
    header_newlines = sum(column.count("\n") for column in frame.columns)
    first_line = header_line + header_newlines + 1
    body_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if body_lines == 1 + header_newlines + frame.height:
        return frame.with_columns(
            pl.int_range(first_line, first_line + frame.height, dtype=pl.Int64).alias(LINE)
        )
    embedded = pl.sum_horizontal(
        pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in frame.columns
    )
    span = (embedded + 1).cast(pl.Int64)
    return frame.with_columns((first_line + span.cum_sum() - span).alias(LINE))


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
    _refuse_non_csv(head, label)
    text = _decode_head(head)
    candidates = all_sources()
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
