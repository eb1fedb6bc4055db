"""The frame: an export read as text columns, one lazy polars query (reading's entry
point; the steps before it are in reconcile.reading.encoding, .header and .matching).

Every column is read as text (`infer_schema=False`); validation types the values, so that
every value that fails to parse becomes a row error, never a silent null. The file's own
headers are mapped onto the raw fields of a source (reconcile/sources/*.toml), and the
export kind (subscriptions or customers) and the source are recognised from the header.

Line numbers are physical: a record's `line` is the line it starts on, counted with the
title lines above the header, blank lines, and newlines inside quoted fields.

Speed: a UTF-8 file is read in place (only its head is read into Python to find the
encoding, separator and header), by one lazy polars query that also numbers the records
and then trims the mapped values that need it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from reconcile.canonical import (
    CUSTOMER_COLUMNS,
    CUSTOMERS,
    SUBSCRIPTION_COLUMNS,
    SUBSCRIPTIONS,
)
from reconcile.filesystem import check_input_file
from reconcile.problems import ROW_ERROR_SCHEMA, ReconcileError, UnusableFileError
from reconcile.reading import cleaning, excel
from reconcile.reading.encoding import (
    UTF8_BOM,
    Body,
    NotUtf8,
    body_of,
    read_head,
    refuse_non_csv,
)
from reconcile.reading.header import (
    SEPARATORS,
    cells,
    find_header,
    header_score,
    known_header_keys,
)
from reconcile.reading.matching import candidate_sources, header_of, resolve
from reconcile.sources import (
    ID_FIELDS,
    SourceSpec,
    TableSpec,
    normalize_header,
)

# The physical line of each record while every file column is still present (a file may
# have a column of its own called "line").
LINE = "row:line"


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
    # Reading's warnings (problems.ROW_ERROR_SCHEMA): bytes that were not UTF-8, invisible
    # characters removed from IDs. Validation lists them with the row errors.
    warnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ROW_ERROR_SCHEMA))
    # Lines of header lines repeated inside the file (exports pasted together).
    repeated_header_lines: tuple[int, ...] = ()
    # Lines of the title lines above those repeated headers (not rows either).
    pasted_title_lines: tuple[int, ...] = ()
    # Per part of a file pasted together whose header lacks a column reconcile reads
    # (that another part's header names): (the line of the part's header, those columns'
    # headers). Its rows are read without them.
    parts_lacking: tuple[tuple[int, tuple[str, ...]], ...] = ()
    # The sheet an .xlsx workbook was read from, when it is not the first: (the first
    # sheet, which holds no export; the sheet read).
    later_sheet: tuple[str, str] | None = None
    # Every record was one quoted field holding a CSV line (a spreadsheet saved the file
    # with each line in one cell): the lines it holds were read.
    unwrapped: bool = False
    # The last header of the file: where the fields of a record beyond the header start.
    # The frame's EXTRA_FIELDS column (only when some record has them) holds them.
    last_header: str = ""

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
    """Read one export (a CSV or .xlsx path, or a polars DataFrame) as text columns.

    `kind` None recognises subscriptions or customers from the header; `source` None
    recognises the billing system. A DataFrame skips the byte-level steps: its columns
    are cast to text, its column names are the headers, and line = row index + 2.
    Raises UnusableFileError for a file that cannot be used, ReconcileError for bad
    options (unknown source, bad --map).
    """
    if kind not in (None, SUBSCRIPTIONS, CUSTOMERS):
        raise ReconcileError(f"unknown export kind {kind!r}; use {SUBSCRIPTIONS} or {CUSTOMERS}")
    candidates = candidate_sources(source, mapping_file)
    mapping = mapping or {}
    if isinstance(data, pl.DataFrame):
        label = name or "dataframe"
        return _read(_Scan.of_frame(data), kind, candidates, mapping, label)
    label = name or str(data)
    try:
        scan = _scan_file(Path(data), label, candidates, mapping)
        return _read(scan, kind, candidates, mapping, label)
    except NotUtf8:
        # The head was UTF-8 but a later byte is not: the whole file decides.
        scan = _scan_file(Path(data), label, candidates, mapping, whole_file=True)
        return _read(scan, kind, candidates, mapping, label)


def read_as(path: Path, spec: SourceSpec, *, name: str | None = None) -> RawTable:
    """Read a file as the subscriptions table of `spec`, as it is: no source or kind is
    recognised (a report download, whose kind its header has shown)."""
    label = name or str(path)
    try:
        scan = _scan_file(Path(path), label, (spec,), {})
    except NotUtf8:
        scan = _scan_file(Path(path), label, (spec,), {}, whole_file=True)
    return _raw_table(scan, spec, SUBSCRIPTIONS, label)


def _read(
    scan: _Scan,
    kind: str | None,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str],
    label: str,
) -> RawTable:
    def values_of(header: str) -> pl.Series:
        return scan.frame.select(pl.col(header)).head(_HINT_SAMPLE).collect().to_series()

    spec, kind = resolve(scan.headers, kind, candidates, mapping, label, values_of)
    return _raw_table(scan, spec, kind, label)


_HINT_SAMPLE = 200  # values a hint checks before it names a column


# --------------------------------------------------------------------------- the query


@dataclass(frozen=True)
class _Scan:
    """An export ready to be read: a lazy query of every column as text, and what was
    learnt from its head. The text is read once, by one query that also numbers the
    records (the mapped values are trimmed after it, where some need it)."""

    frame: pl.LazyFrame  # every column of the file as text
    headers: tuple[str, ...]  # as polars names the columns
    first_line: int  # the physical line of the first record
    header_line: int = 1
    encoding: str = "utf-8"
    separator: str = ","
    body: Body | None = None  # None for a DataFrame
    header_offset: int = 0  # the byte where the header starts in `body`
    # The same scan, cutting records with more fields than the header to its width.
    ragged: pl.LazyFrame | None = None
    # The columns beyond the header of a scan as wide as the file's widest record (read
    # so when a header repeated inside the file has more columns: _WiderParts).
    wide: tuple[str, ...] = ()
    later_sheet: tuple[str, str] | None = None  # RawTable.later_sheet
    unwrapped: bool = False  # RawTable.unwrapped

    @classmethod
    def of_frame(cls, frame: pl.DataFrame) -> _Scan:
        text = frame.lazy().select(pl.all().cast(pl.String))
        # As if written to a CSV file: the header on line 1, one line per row.
        return cls(text, tuple(frame.columns), first_line=2)

    def collect(
        self, query: pl.LazyFrame, label: str, *, allow_ragged: bool = False
    ) -> pl.DataFrame:
        """`query` (over `frame`) collected; a CSV fault becomes UnusableFileError, or
        (`allow_ragged`) _RaggedRecords when only a minority of records has more fields
        than the header."""
        try:
            return query.collect()
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
            wider = _wider_parts(self) if allow_ragged else None
            if wider is not None:
                raise wider from None
            unusable = _reading_error(error, self.body, self.separator, label, self.header_line)
            ragged = _ragged_records(self.body, self.separator, self.header_line, unusable)
            if allow_ragged and ragged is not None and self.ragged is not None:
                raise ragged from None
            raise unusable from None


def _raw_table(scan: _Scan, spec: SourceSpec, kind: str, label: str) -> RawTable:
    table = spec.table(kind)
    keys = [normalize_header(h) for h in scan.headers]
    headers: dict[str, str] = {}
    for raw_field in table.columns:
        index = header_of(table, raw_field, keys)
        if index is not None:
            headers[raw_field] = scan.headers[index]
    mapped = list(dict.fromkeys(headers.values()))
    unmapped = [h for h in scan.headers if h not in headers.values()]
    # Surrounding blanks trimmed from every mapped value (IDs included: DOMAIN.md), after
    # the query (_trimmed: only the columns that hold some).
    query = _numbered(scan).with_columns(pl.col(LINE).cast(pl.Int64))
    quoted = _quote_search(scan)
    try:
        frame = _trimmed(scan.collect(query, label, allow_ragged=True), mapped)
        extra: _RaggedRecords | None = None
    except _WiderParts as wider:
        # A part pasted below has a column more: every record read as wide as the widest,
        # each part's values then put under its own header (cleaning.split_parts).
        scan = wider.scan
        query = _numbered(scan).with_columns(pl.col(LINE).cast(pl.Int64))
        frame = _trimmed(scan.collect(query, label), mapped)
        extra = None
    except _RaggedRecords as ragged:
        # A record with more fields than the header is a row error (extra_fields), not
        # the end of the run: read every record cut to the header's width, then mark them.
        assert scan.ragged is not None
        query = _numbered(replace(scan, frame=scan.ragged)).with_columns(
            pl.col(LINE).cast(pl.Int64)
        )
        frame = _trimmed(scan.collect(query, label), mapped)
        # Both readers must see the same records, or the rows could not be told apart.
        if frame.height != ragged.records:
            raise ragged.unusable from None
        extra = ragged
    # Physical lines are counted on the records as read (cut to the header's width).
    as_read = scan if extra is None or scan.ragged is None else replace(scan, frame=scan.ragged)
    frame = _with_physical_lines(frame, as_read, label, quoted())
    if extra is not None:
        frame = frame.with_columns(extra.column(frame.height))
    _refuse_unread_records(frame, scan, label)
    parts = cleaning.split_parts(
        frame, scan.headers, LINE, wide=scan.wide, separator=scan.separator, extra=EXTRA_FIELDS
    )
    file_headers = (*scan.headers, *parts.added)
    if parts.added:  # a column only a later part has: the mapping looks at it too
        headers = _mapped_with_parts(table, scan, parts, label)
        mapped = list(dict.fromkeys(headers.values()))
        unmapped = [h for h in file_headers if h not in headers.values()]
    if parts.header_lines:  # values moved between columns: trimmed again where mapped
        frame = _trimmed(parts.frame, mapped)
    # A record of separators and blanks only (an empty line, ",,,", " ; ") is no row.
    blank = cleaning.blank_records(frame, mapped, unmapped)
    if blank.any():
        frame = frame.filter(~blank)
    frame, warnings = _cleaned_ids(frame, scan, table, headers, label)
    if scan.body is not None and scan.body.bad_bytes:
        bad = cleaning.bad_byte_warnings(frame, scan.headers, label, LINE)
        warnings = pl.concat([warnings, bad]).sort("line", maintain_order=True)
    return RawTable(
        kind=kind,
        file=label,
        source=spec,
        # One contiguous chunk per column, as validation needs them (the reader returns
        # a chunk per batch): made here, the chunked copy is let go at once, and its
        # memory serves validation instead of both living side by side.
        frame=frame.select(
            pl.col(LINE).alias("line"),
            *(pl.col(header).alias(raw_field) for raw_field, header in headers.items()),
            *([pl.col(EXTRA_FIELDS)] if EXTRA_FIELDS in frame.columns else []),
        ).rechunk(),
        headers=headers,
        unmapped=frame.select(unmapped),
        file_headers=file_headers,
        encoding=scan.encoding,
        separator=scan.separator,
        header_line=scan.header_line,
        blank_rows_skipped=int(blank.sum()),
        warnings=warnings,
        repeated_header_lines=parts.header_lines,
        pasted_title_lines=parts.title_lines,
        parts_lacking=_parts_lacking(parts, scan.header_line, table, headers),
        later_sheet=scan.later_sheet,
        unwrapped=scan.unwrapped,
        last_header=scan.headers[-1] if scan.headers else "",
    )


def _parts_lacking(
    parts: cleaning.Parts, header_line: int, table: TableSpec, headers: dict[str, str]
) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """RawTable.parts_lacking: of the columns each part lacks, those a figure reads
    (`_read_headers`), with the line of each part's header (the first part's is the
    file's header line)."""
    if not parts.lacking:
        return ()
    read = _read_headers(table, headers)
    header_lines = (header_line, *parts.header_lines)
    lacking = (
        (header_lines[number], tuple(c for c in columns if c in read))
        for number, columns in parts.lacking
    )
    return tuple((line, columns) for line, columns in lacking if columns)


def _read_headers(table: TableSpec, headers: dict[str, str]) -> set[str]:
    """The headers of the columns some canonical field is read from (not those only
    recognised, such as Zoho's Reference Number)."""
    canonical = SUBSCRIPTION_COLUMNS if table.kind == SUBSCRIPTIONS else CUSTOMER_COLUMNS
    read = {f for field in canonical for f in table.raw_fields_of(field)}
    read |= {f.when for field in canonical for f in table.all_fallbacks(field) if f.when}
    return {header for raw_field, header in headers.items() if raw_field in read}


def _mapped_with_parts(
    table: TableSpec, scan: _Scan, parts: cleaning.Parts, label: str
) -> dict[str, str]:
    """Raw field -> header over the headers of every part of a file pasted together. A
    column only a later part has is read where that part has it (null in the others,
    as a part's missing column is); but a field the first header already maps must keep
    its column in every part (one column per file, DOMAIN.md): a later part that names
    a column the field would rather be read from makes the file unusable."""
    names = [*scan.headers, *parts.added]
    keys = [normalize_header(h) for h in names]
    first_keys = keys[: len(scan.headers)]
    headers: dict[str, str] = {}
    for raw_field in table.columns:
        index = header_of(table, raw_field, keys)
        if index is None:
            continue
        before = header_of(table, raw_field, first_keys)
        if before is not None and before != index:
            line = parts.added_lines[index - len(scan.headers)]
            raise UnusableFileError(
                label,
                f"holds exports pasted together whose headers differ: the header on line "
                f"{line} adds the column '{names[index]}', which reconcile would read "
                f"instead of '{names[before]}' of the header on line {scan.header_line}",
                f"Export both periods with the same columns, or split the file at line {line}.",
            )
        headers[raw_field] = names[index]
    return headers


def _cleaned_ids(
    frame: pl.DataFrame, scan: _Scan, table: TableSpec, headers: dict[str, str], label: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The frame with its ID columns in NFC and without invisible characters, and a
    warning for each ID that lost one."""
    id_headers = [
        headers[raw]
        for canonical in sorted(ID_FIELDS)
        for raw in table.raw_fields_of(canonical)
        if raw in headers
    ]
    cleaned, touched = cleaning.normalised_ids(frame, list(dict.fromkeys(id_headers)))
    warnings = cleaning.invisible_warnings(frame, touched, label, LINE)
    return cleaned, warnings


def _refuse_unread_records(frame: pl.DataFrame, scan: _Scan, label: str) -> None:
    """UnusableFileError when the file holds text below its header but not one record
    was read from it: line endings polars cannot see, say, must never read as an empty
    export whose every row is accounted for."""
    if frame.height or scan.body is None:
        return
    head = scan.body.head()[scan.header_offset :]
    below = head.split(b"\n", scan.first_line - scan.header_line)
    data_below = len(below) > scan.first_line - scan.header_line and below[-1].strip()
    # polars reads a line end it does not know (a bare CR) as part of the header.
    if data_below or head.rstrip().replace(b"\r\n", b"").count(b"\r"):
        raise UnusableFileError(
            label,
            "holds data below its header, but no record could be read from it",
            "Save the file again as CSV (UTF-8) with ordinary line breaks.",
        )


def _numbered(scan: _Scan) -> pl.LazyFrame:
    """The scan with LINE: one line per record, from the line of the first record."""
    if LINE in scan.headers:  # the file's own column of that name is replaced
        return scan.frame.with_columns(
            pl.int_range(scan.first_line, scan.first_line + pl.len()).alias(LINE)
        )
    # A row index, which the reader numbers as it reads: cheaper than an int_range.
    return scan.frame.with_row_index(LINE, offset=scan.first_line)


def _trimmed(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`frame` with surrounding blanks trimmed from the values of `columns`, and the values
    that were blanks only (or empty) as null. Blanks are Unicode white space, as the value
    parsers trim it (" ", tab, no-break and thin spaces, line breaks), which polars trims
    faster than a list of characters.

    Trimming builds a new column; most columns have no value to trim, and a test that
    reads two bytes of each value finds them: every white space character is ASCII below
    "!" or not ASCII, so a value whose first and last bytes are printable ASCII is
    trimmed already. Only the columns with some other value (or an empty one) are
    trimmed (bench/RESULTS.md, "Micro-benchmarks")."""
    if not columns or frame.height == 0:
        return frame

    def printable_edges(column: str) -> pl.Expr:
        # Null for a null or an empty value: an empty one is not counted either.
        data = pl.col(column).cast(pl.Binary).bin
        first, last = data.get(0, null_on_oob=True), data.get(-1, null_on_oob=True)
        printable = first.is_between(0x21, 0x7E) & last.is_between(0x21, 0x7E)
        return (printable.sum() == pl.col(column).count()).alias(column)

    clean = frame.select(printable_edges(c) for c in columns).row(0)
    untrimmed = [c for c, done in zip(columns, clean, strict=True) if not done]
    if not untrimmed:
        return frame
    trimmed = frame.with_columns(pl.col(c).str.strip_chars() for c in untrimmed)
    return _null_blank_only(trimmed, untrimmed)


def _null_blank_only(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Trimmed values that were blanks only, as null. polars already reads empty fields
    as null: only the few columns where trimming left an empty string get the (costlier)
    conditional."""
    if not columns or frame.height == 0:
        return frame
    emptied = frame.select((pl.col(c) == "").any() for c in columns).row(0)
    blank_only = [c for c, empty in zip(columns, emptied, strict=True) if empty]
    return frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in blank_only)


def _quote_search(scan: _Scan) -> Callable[[], bool]:
    """Whether a quote character occurs below the header of the scan's file, searched
    from now on in a thread: the search reads the whole file, and the reading query that
    follows leaves Python's lock free for it. Returns the function that waits for the
    answer (and raises the search's error, if any)."""
    body = scan.body
    if body is None:
        return lambda: False
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reconcile-quote")
    search = pool.submit(body.has_quote, scan.header_offset)
    pool.shutdown(wait=False)  # the thread ends with its one search
    return search.result


def _with_physical_lines(
    frame: pl.DataFrame, scan: _Scan, label: str, has_quote: bool
) -> pl.DataFrame:
    """`frame`, whose LINE counts one line per record, with LINE corrected where quoted
    fields hold newlines: a record starts one line below the previous one, plus one
    line per newline inside the previous one's fields. polars keeps empty lines as
    all-null records, so they are counted too.

    Without a quote character (`has_quote`: one below the header, _quote_search) no field
    can hold a newline, and when the body has exactly one line per record none does: only
    then is the file not read a second time.
    """
    body = scan.body
    if body is None or not has_quote:
        return frame
    header_newlines = scan.first_line - scan.header_line - 1
    if body.lines(scan.header_offset) == 1 + header_newlines + frame.height:
        return frame
    # Counted on the text as read: trimming drops the newlines at the edges of a value.
    embedded = pl.sum_horizontal(
        pl.col(c).str.count_matches("\n", literal=True).fill_null(0)
        for c in (*scan.headers, *scan.wide)
    )
    span = (embedded + 1).cast(pl.Int64)
    lines = scan.collect(scan.frame.select(scan.first_line + span.cum_sum() - span), label)
    return frame.with_columns(lines.to_series().alias(LINE))


def _scan_file(
    path: Path,
    label: str,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str] | None,
    whole_file: bool = False,
) -> _Scan:
    """The scan of a file; its encoding decided from its head when that is UTF-8 (polars
    checks the rest), else, or with `whole_file`, from the whole file."""
    check_input_file(path, label)
    head = read_head(path, label)
    if head.startswith(excel.ZIP_SIGNATURE):
        return _scan_sheet(path, label, candidates, mapping)
    refuse_non_csv(head, label)
    return _scan_body(body_of(path, head, label, whole_file=whole_file), label, candidates, mapping)


def _scan_sheet(
    path: Path, label: str, candidates: tuple[SourceSpec, ...], mapping: Mapping[str, str] | None
) -> _Scan:
    """The scan of an .xlsx workbook's first sheet: a sheet row is a line."""
    sheet = excel.read_workbook(path, label, known_header_keys(candidates, mapping))
    return _Scan(
        sheet.frame.lazy(),
        sheet.headers,
        first_line=sheet.header_line + 1,
        header_line=sheet.header_line,
        encoding="xlsx",
        separator="",
        later_sheet=(sheet.first_sheet, sheet.sheet) if sheet.first_sheet else None,
    )


def _scan_body(
    body: Body, label: str, candidates: tuple[SourceSpec, ...], mapping: Mapping[str, str] | None
) -> _Scan:
    head = body.head()
    bom = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    sample = head[bom:].decode("utf-8", errors="ignore")
    separator, offset_chars = find_header(sample, known_header_keys(candidates, mapping))
    header_line = sample.count("\n", 0, offset_chars) + 1

    def scan(*, truncate_ragged_lines: bool = False) -> pl.LazyFrame:
        return pl.scan_csv(
            str(body.data) if isinstance(body.data, Path) else body.data,
            separator=separator,
            has_header=True,
            infer_schema=False,
            quote_char='"',
            raise_if_empty=False,
            # The title lines above the header, skipped as lines: find_header split them
            # on line breaks, not as CSV records.
            skip_lines=header_line - 1,
            glob=False,  # "export[1].csv" is a file name, not a pattern
            truncate_ragged_lines=truncate_ragged_lines,
        )

    frame = scan()
    try:
        headers = tuple(frame.collect_schema().names())
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise _reading_error(error, body, separator, label, header_line) from None
    if _wrapped_records(headers, candidates, mapping):
        return replace(
            _scan_body(
                _unwrapped(frame, headers[0], body, header_line, label), label, candidates, mapping
            ),
            unwrapped=True,
        )
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
        ragged=scan(truncate_ragged_lines=True),
    )


def _wrapped_records(
    headers: tuple[str, ...], candidates: tuple[SourceSpec, ...], mapping: Mapping[str, str] | None
) -> bool:
    """Whether a file of one column holds whole CSV lines in it: its one header, split at
    a separator, names two or more known columns. German Excel, opening a comma-separated
    file as one column and saving it, quotes every line as one field."""
    if len(headers) != 1:
        return False
    known = known_header_keys(candidates, mapping)
    return any(
        separator in headers[0] and header_score(cells(headers[0], separator), known) >= 2
        for separator in SEPARATORS
    )


def _unwrapped(frame: pl.LazyFrame, header: str, body: Body, header_line: int, label: str) -> Body:
    """The CSV text a file of wrapped lines holds: each record's one value is the line
    it was (its quotes undoubled by the reader), in place, so line numbers stay."""
    try:
        lines = frame.select(pl.col(header).fill_null("").str.join("\n")).collect().item()
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise _reading_error(error, body, ",", label, header_line) from None
    text = "\n" * (header_line - 1) + header + "\n" + lines + "\n"
    return replace(body, data=text.encode("utf-8"))


def _reading_error(
    error: Exception, body: Body | None, separator: str, label: str, header_line: int
) -> Exception:
    """What a polars error while reading means: NotUtf8, or an UnusableFileError that
    says where the CSV breaks."""
    if "utf-8" in str(error).lower():
        return NotUtf8()
    text = body.text() if body is not None else ""
    below_titles = text.split("\n", header_line - 1)[-1]
    line, problem = _locate_csv_fault(below_titles, separator, header_line)
    return UnusableFileError(
        label,
        f"is not a well-formed CSV file: {problem}"
        + (f" (line {line})" if line else f" ({str(error).splitlines()[0]})"),
        "Quote fields that contain the separator or line breaks, or export the file again.",
    )


# The column of a RawTable's frame holding, for a record with more fields than the
# header, those fields (null elsewhere).
EXTRA_FIELDS = "row:extra_fields"


class _WiderParts(Exception):
    """A header repeated inside the file has more columns than the first (exports of two
    periods pasted together, the later with a column more): `scan` reads every record
    as wide as the widest one."""

    def __init__(self, scan: _Scan) -> None:
        super().__init__(f"a repeated header with {len(scan.wide)} more columns")
        self.scan = scan


def _wider_parts(scan: _Scan) -> _WiderParts | None:
    """_WiderParts when a record with more fields than the header is itself a header
    (cleaning.is_header_record), None otherwise. Python's csv module reads the text:
    only on the error path of a file whose records polars could not fit the header."""
    body = scan.body
    if body is None:
        return None
    text = body.text().split("\n", scan.header_line - 1)[-1]
    reader = csv.reader(text.splitlines(keepends=True), delimiter=scan.separator)
    keys = frozenset(normalize_header(h) for h in scan.headers) - {""}
    width = len(scan.headers)
    widest, wider_header = width, False
    try:
        next(reader)
        for record in reader:
            if len(record) > width:
                widest = max(widest, len(record))
                wider_header = wider_header or cleaning.is_header_record(record, keys)
    except (csv.Error, StopIteration):
        return None
    if not wider_header:
        return None
    wide = tuple(f"row:field_{index + 1}" for index in range(width, widest))
    names = [*scan.headers, *wide]
    frame = pl.scan_csv(
        str(body.data) if isinstance(body.data, Path) else body.data,
        separator=scan.separator,
        has_header=False,
        schema=dict.fromkeys(names, pl.String),
        missing_columns="insert",
        quote_char='"',
        raise_if_empty=False,
        skip_lines=scan.header_line - 1,
        glob=False,
    ).slice(1)  # the header line itself, read as a record
    return _WiderParts(replace(scan, frame=frame, wide=wide, ragged=None))


class _RaggedRecords(Exception):
    """Some records, no more than half, have more fields than the header, and nothing else
    is wrong with the file: `extra` maps each one's record number (0-based, as polars
    numbers them) to its fields beyond the header, joined by the separator."""

    def __init__(self, extra: dict[int, str], records: int, unusable: Exception) -> None:
        super().__init__(f"{len(extra)} records with more fields than the header")
        self.extra = extra
        self.records = records  # as Python's csv module counts them
        self.unusable = unusable  # the error to raise if polars counts otherwise

    def column(self, height: int) -> pl.Series:
        values = pl.repeat(None, height, dtype=pl.String, eager=True)
        index = pl.Series(list(self.extra), dtype=pl.UInt32)
        return values.scatter(index, pl.Series(list(self.extra.values()))).alias(EXTRA_FIELDS)


def _ragged_records(
    body: Body | None, separator: str, header_line: int, unusable: Exception
) -> _RaggedRecords | None:
    """The records with more fields than the header, when they are the file's only fault
    and fewer than half of its records (else the header itself is likely wrong); None
    otherwise. Python's csv module reads the text: only on this error path."""
    if body is None:
        return None
    text = body.text().split("\n", header_line - 1)[-1]
    reader = csv.reader(text.splitlines(keepends=True), delimiter=separator, strict=True)
    extra: dict[int, str] = {}
    try:
        width = len(next(reader))
        records = 0
        for number, record in enumerate(reader):
            records += 1
            if len(record) > width:
                extra[number] = separator.join(record[width:])
    except (csv.Error, StopIteration):
        return None
    if not extra or len(extra) * 2 > records:
        return None
    return _RaggedRecords(extra, records, unusable)


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
