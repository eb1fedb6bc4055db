"""Records as people's files hold them, made into rows: blank records, a header repeated
where two exports were pasted together, IDs as different systems write the same text,
and cells holding bytes that were not UTF-8.

All of it vectorised over the read frame: a Python loop runs only over the few records
that a cheap test picked out (candidate repeated headers), never over every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from reconcile.codes import RowError
from reconcile.problems import ROW_ERROR_SCHEMA
from reconcile.sources import normalize_header

# Characters that show as nothing but make two IDs differ: zero-width space, non-joiner
# and joiner, word joiner, the byte-order mark (also zero-width no-break space), soft
# hyphen, and the invisible operators and Mongolian vowel separator.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u2061\u2062\u2063\u2064\u180e"
_INVISIBLE_CLASS = "[" + INVISIBLE + "]"
# What may stand around a header name in a repeated header line's first field.
_EDGE = " \t\r\n\u00a0\"'" + INVISIBLE


def blank_records(frame: pl.DataFrame, mapped: Sequence[str], unmapped: Sequence[str]) -> pl.Series:
    """Per record, whether it holds nothing but separators and white space (a blank line,
    whatever the columns). Mapped values are already trimmed (blank -> null); the other
    columns are looked at only on the records whose mapped values are all empty."""
    empty_mapped = (
        pl.all_horizontal(pl.col(c).is_null() for c in mapped)
        if mapped
        else pl.repeat(True, pl.len())
    )
    candidates = frame.select(empty_mapped.alias("blank")).to_series()
    if not unmapped or not candidates.any():
        return candidates
    rows = frame.with_row_index("row:index").filter(candidates)
    blank_rows = rows.filter(
        pl.all_horizontal(pl.col(c).is_null() | pl.col(c).str.contains(r"^\s*$") for c in unmapped)
    ).get_column("row:index")
    return pl.int_range(0, frame.height, eager=True).is_in(blank_rows.implode()).alias("blank")


@dataclass(frozen=True)
class Parts:
    """A file that is several exports pasted together: the lines of the header lines
    repeated inside it, and the frame with each part's columns put under the first
    part's headers (the repeated header lines removed). A column a later part's header
    names and the first lacks is added to the frame under the name that header gives it
    (`added`; null in the parts without it), and a header the part lacks is null in it."""

    frame: pl.DataFrame
    header_lines: tuple[int, ...] = ()
    added: tuple[str, ...] = ()
    added_lines: tuple[int, ...] = ()  # per added column, the first header line naming it
    # Title lines of pasted parts: a record of one value directly above a repeated header
    # (blank records between aside), as the export's own title stood above its header.
    title_lines: tuple[int, ...] = ()
    # Per part whose header lacks a column of the frame: (the part's number, 0 for the
    # first, which lacks every added column; the columns it lacks, as the frame names them).
    lacking: tuple[tuple[int, tuple[str, ...]], ...] = ()


def is_header_record(values: Sequence[str | None], keys: frozenset[str]) -> bool:
    """Whether a record is a header line repeated inside a file whose header keys are
    `keys`: its values are distinct header keys, at least two of them the file's and
    more than half of them. So a part exported with a column more (Stripe adds a
    `… (metadata)` column only when some subscription has that key) or a column fewer
    is a part, not a row; values are compared as headers are matched."""
    written = [key for key in (normalize_header(v) for v in values if v) if key]
    named = sum(1 for key in written if key in keys)
    return len(set(written)) == len(written) and named >= 2 and named * 2 > len(written)


def split_parts(
    frame: pl.DataFrame,
    headers: Sequence[str],
    line: str,
    *,
    wide: Sequence[str] = (),
    separator: str = ",",
    extra: str = "row:extra_fields",
) -> Parts:
    """Find header lines repeated inside the records, in any column order, with a column
    more or fewer (`is_header_record`). Each one ends a part and starts the next, whose
    values are moved under the headers its own header line names. Only records whose
    first value is a header name are looked at closely.

    `wide` names the frame's columns beyond the file's header, when the file was read as
    wide as its widest record (a later part's header has more columns): in each part,
    the values of columns its header does not name are its record's extra fields
    (`extra`, joined by `separator`), as a record's fields beyond the header are."""
    if frame.height == 0 or len(headers) < 2:
        return Parts(frame)
    columns = [*headers, *wide]
    keys = frozenset(normalize_header(h) for h in headers) - {""}
    # The first value without what a repeated header line may carry around it: a
    # byte-order mark (Zoho writes one at the start of every file, and `cat` keeps it),
    # invisible characters, quotes written inside the field, blanks; in the case the
    # header is written in, or all lower or upper case. A cheap test on every record (a
    # search for the names, then an exact match of the stripped text of the records that
    # hold one), whose few hits is_header_record confirms with header matching's rule.
    stripped = [h.strip(_EDGE) for h in headers]
    written = [*stripped, *(h.lower() for h in stripped), *(h.upper() for h in stripped)]
    names = pl.Series(written, dtype=pl.String).implode()
    first = pl.col(headers[0]).str.strip_chars(_EDGE)
    rows = frame.with_row_index("row:index")
    if "" not in stripped:  # a value that strips to a name holds it: looked for first
        whole_number = pl.col("value").cast(pl.UInt64, strict=False).is_not_null()
        if not pl.DataFrame({"value": written}).select(whole_number.any()).item():
            # A whole number is a header name only where a name is one: most first
            # columns are numeric IDs, and reading them as numbers costs less than half
            # of the search for the names.
            rows = rows.filter(pl.col(headers[0]).cast(pl.UInt64, strict=False).is_null())
        rows = rows.filter(pl.col(headers[0]).str.contains_any(written))
    candidates = rows.filter(first.is_in(names))
    repeats = [
        (row[0], ["" if value is None else value for value in row[1:]])
        for row in candidates.select("row:index", *columns).iter_rows()
        if is_header_record(row[1:], keys)
    ]
    if not repeats:
        return Parts(frame)
    by_key = {normalize_header(h): h for h in headers}
    added: dict[str, str] = {}  # key -> the column's name, as its first header writes it
    added_at: list[int] = []  # per added column, the repeat that first names it
    layouts: list[dict[str, str]] = [{h: h for h in headers}]
    for number, (_, values) in enumerate(repeats):
        moved: dict[str, str] = {}  # frame column (by header) -> file column holding it
        for value, column in zip(values, columns, strict=True):
            key = normalize_header(value)
            if key and key not in by_key and key not in added:
                added[key] = value.strip(INVISIBLE + " \t")
                added_at.append(number)
            if key:
                moved[by_key.get(key) or added[key]] = column
        layouts.append(moved)
    bounds = [0, *(index + 1 for index, _ in repeats)]
    ends = [index for index, _ in repeats] + [frame.height]
    pieces = [
        _part(
            frame.slice(start, end - start),
            layout,
            headers,
            wide,
            [*added.values()],
            separator,
            extra,
        )
        for start, end, layout in zip(bounds, ends, layouts, strict=True)
    ]
    lines = [int(n) for n in frame.get_column(line).gather([i for i, _ in repeats]).to_list()]
    titles = _title_records(frame, columns, [i for i, _ in repeats], keys)
    title_lines = [int(n) for n in frame.get_column(line).gather(titles).to_list()]
    joined = pl.concat(pieces, how="vertical")
    if title_lines:
        joined = joined.filter(~pl.col(line).is_in(title_lines))
    every = [*headers, *added.values()]
    lacking = [
        (number, tuple(c for c in every if c not in layout))
        for number, layout in enumerate(layouts)
    ]
    return Parts(
        joined,
        header_lines=tuple(lines),
        added=tuple(added.values()),
        added_lines=tuple(lines[number] for number in added_at),
        title_lines=tuple(title_lines),
        lacking=tuple((number, columns) for number, columns in lacking if columns),
    )


def _title_records(
    frame: pl.DataFrame, columns: Sequence[str], repeats: Sequence[int], keys: frozenset[str]
) -> list[int]:
    """The indices of the title records of pasted parts: going up from each repeated
    header, past blank records, the records holding exactly one value that is no header
    name (a second file's `Subscriptions export – Muster GmbH`), up to the first record
    with more. Only the few records above each repeated header are looked at."""
    titles: list[int] = []
    previous = -1
    for index in repeats:
        above = index - 1
        while above > previous:
            values = [v for v in frame.select(columns).row(above) if v is not None and v.strip()]
            if len(values) > 1 or (values and normalize_header(values[0]) in keys):
                break
            if values:
                titles.append(above)
            above -= 1
        previous = index
    return sorted(titles)


def _part(
    piece: pl.DataFrame,
    layout: dict[str, str],
    headers: Sequence[str],
    wide: Sequence[str],
    added: Sequence[str],
    separator: str,
    extra: str,
) -> pl.DataFrame:
    """One part's records with its values under the frame's headers (`layout`: header ->
    the file column that holds it in this part; null where the part has no such
    column)."""

    def value(name: str) -> pl.Expr:
        source = layout.get(name)
        return (pl.col(source) if source else pl.lit(None, pl.String)).alias(name)

    header_set = set(headers)
    kept = [value(c) if c in header_set else pl.col(c) for c in piece.columns if c not in wide]
    if not wide:
        return piece.select(*kept, *(value(name) for name in added))
    claimed = set(layout.values())
    unclaimed = [pl.col(c) for c in [*headers, *wide] if c not in claimed]
    fields = (
        pl.when(pl.any_horizontal(c.is_not_null() for c in unclaimed))
        .then(pl.concat_str(unclaimed, separator=separator, ignore_nulls=True))
        .otherwise(pl.lit(None, pl.String))
        if unclaimed
        else pl.lit(None, pl.String)
    )
    return piece.select(*kept, *(value(name) for name in added), fields.alias(extra))


def normalised_ids(frame: pl.DataFrame, columns: Sequence[str]) -> tuple[pl.DataFrame, list[str]]:
    """The ID columns in Unicode NFC (a file saved on macOS writes "ü" as "u" and a
    combining mark, one saved on Windows as one character: they are the same ID) and
    without invisible characters. Returns the frame and, per column that held one, an
    the columns that held an invisible character (for their warnings, made by
    `invisible_warnings`). Only columns with a non-ASCII value are touched."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame, []
    # A value is not ASCII when it has fewer characters than bytes: cheaper than a regex.
    non_ascii = frame.select(
        (pl.col(c).str.len_chars() != pl.col(c).str.len_bytes()).any() for c in present
    ).row(0)
    touched = [c for c, has in zip(present, non_ascii, strict=True) if has]
    if not touched:
        return frame, []
    invisible = frame.select(pl.col(c).str.contains(_INVISIBLE_CLASS).any() for c in touched).row(0)
    cleaned = frame.with_columns(
        pl.col(c)
        .str.replace_all(_INVISIBLE_CLASS, "")
        .str.normalize("NFC")
        .str.strip_chars()
        .alias(c)
        for c in touched
    )
    # An ID of invisible characters only is no ID (null, so missing_id says so).
    cleaned = cleaned.with_columns(
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in touched
    )
    return cleaned, [c for c, has in zip(touched, invisible, strict=True) if has]


def invisible_warnings(
    before: pl.DataFrame, columns: Sequence[str], file: str, line: str
) -> pl.DataFrame:
    """One warning per ID cell that held an invisible character (the value as it was,
    with the character shown as its code point)."""
    return cell_warnings(
        before,
        columns,
        lambda column: pl.col(column).str.contains(_INVISIBLE_CLASS),
        file=file,
        line=line,
        code=RowError.INVISIBLE_CHARACTER,
        message="ID held an invisible character (zero-width space, byte-order mark, soft "
        "hyphen or the like); removed",
    )


def bad_byte_warnings(
    frame: pl.DataFrame, columns: Sequence[str], file: str, line: str
) -> pl.DataFrame:
    """One warning per cell holding U+FFFD, where a byte that was not UTF-8 stood (only
    called for a file that had such bytes)."""
    return cell_warnings(
        frame,
        columns,
        lambda column: pl.col(column).str.contains("\ufffd", literal=True),
        file=file,
        line=line,
        code=RowError.INVALID_BYTE,
        message="holds bytes that are not UTF-8 in a UTF-8 file, each shown as \ufffd; "
        "correct the value in the billing system or export the file again",
    )


def cell_warnings(
    frame: pl.DataFrame,
    columns: Sequence[str],
    flagged: Callable[[str], pl.Expr],
    *,
    file: str,
    line: str,
    code: RowError,
    message: str,
) -> pl.DataFrame:
    """One row error (ROW_ERROR_SCHEMA) per cell of `columns` that `flagged` marks, with
    the cell's value as it is in `frame`."""
    frames = [
        frame.filter(flagged(column)).select(
            pl.lit(file).alias("file"),
            pl.col(line).cast(pl.Int64).alias("line"),
            pl.lit(column).alias("column"),
            pl.col(column).alias("value"),
            pl.lit(code.value).alias("code"),
            pl.lit(message).alias("message"),
        )
        for column in columns
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=ROW_ERROR_SCHEMA)
