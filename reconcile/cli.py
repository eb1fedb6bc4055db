"""The command line: a thin layer over reconcile.api. The only module that prints.

Exit codes (a contract, see README): 0 report written; 1 written, but a --fail-on
threshold was crossed; 2 usage error or unusable input; 3 internal error (a bug: rerun
with --debug and report it). Heavy libraries are imported inside the commands so that
`reconcile --help` answers at once.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import gc
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import click

from reconcile import __version__
from reconcile.codes import Severity
from reconcile.registry import languages, source_names
from reconcile.terminal import json_shown, shown

EXIT_OK, EXIT_THRESHOLD, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3
OUTPUT_FORMATS = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".csv": "csv",  # the rows: one line per row of the subscriptions export (tracing.py)
    ".xlsx": "xlsx",  # the workbook: every figure and list, and the rows (workbook.py)
}

# On the way out the interpreter collects garbage over every object of every library a run
# imported (polars, jinja2, babel, pandera and all it pulls in), a noticeable pause after
# each report (bench/RESULTS.md, "Micro-benchmarks"), for memory the operating system
# takes back anyway. Frozen objects are left out of those
# collections; the report files are written and closed long before.
atexit.register(gc.freeze)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a command runs. A run makes few reference
    cycles, but the collections that the imports and the Result's objects set off walk
    every object of every imported library, several times per 1M-row report; paused,
    one collection remains, when the collector is given back (figures: bench/RESULTS.md,
    "Micro-benchmarks"). Reference counting still frees everything
    else at once. Restored afterwards, so that a caller in the same process (a test's
    CliRunner) keeps its collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _as_program:
            # The process ends with the command. Given back, the collector would first walk
            # everything the run made (a tenth of a second after a 1M-row report), only
            # for the operating system to take the memory back: frozen, it is left out.
            gc.freeze()
        if enabled:
            gc.enable()


# Set by `run`: the command is the process, which ends when it returns.
_as_program = False


def run() -> None:
    """The `reconcile` program (its console script and `python -m reconcile`): `main`, in
    a process of its own, which runs without the cyclic collector from here on: the
    imports of polars, pandera and jinja2 would otherwise set off collections that walk
    their objects again and again."""
    global _as_program
    _as_program = True
    gc.disable()
    try:
        main()
    except SystemExit as done:
        # Ended at once, without tearing the interpreter down: the reports are written and
        # closed, and freeing a run's frames one by one (a few hundredths of a second after a
        # 1M-row report) only gives the operating system memory it takes back anyway. A
        # message to print, or a stream that cannot be written, ends the usual way.
        if isinstance(done.code, int | None) and streams_flushed():
            os._exit(done.code or EXIT_OK)
        raise


def streams_flushed() -> bool:
    """Whether stdout and stderr could be flushed (not a pipe its reader closed)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    return True


def stderr_is_terminal() -> bool:
    """Whether a person watches stderr (not a pipe, a file or a test runner)."""
    return sys.stderr.isatty()


class Console:
    """Messages for people on stderr; progress only when stderr is a terminal."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.show_progress = not quiet and stderr_is_terminal()

    def note(self, text: str) -> None:
        if not self.quiet:
            echo(text)

    def files_written(self, paths: list[Path]) -> None:
        """One line per file written, with its size: the last lines of every run."""
        if self.quiet:
            return
        for path in dict.fromkeys(paths):
            with contextlib.suppress(OSError):
                echo(f"Wrote {path} ({file_size(path.stat().st_size)})")

    def progress(self, stage: str, seconds: float, details: Mapping[str, Any]) -> None:
        if not self.show_progress:
            return
        counts = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in details.items())
        click.echo(f"  {stage:<24} {seconds:6.2f} s  {counts}", err=True)


def file_size(size: int) -> str:
    """1,234 bytes as "1.2 KB": two significant figures are enough to recognise a file."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size} GB"  # not reached


def echo(text: str) -> None:
    """A message for people on stderr, with control characters of file names, headers
    and values shown escaped (terminal.py)."""
    click.echo(shown(text), err=True)


def handle_errors(command: Callable[..., int | None]) -> Callable[..., None]:
    """Turn the library's errors into a message and exit code; a traceback only with
    --debug, which keeps the exit code the error has without it."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> None:
        try:
            with collection_paused(), notes_shown():
                code = command(*args, **kwargs) or EXIT_OK
        except (click.exceptions.Exit, click.ClickException):
            raise  # click reports its own usage errors (exit 2)
        except Exception as error:
            if debug:
                traceback.print_exc()
            else:
                echo(error_message(error))
            sys.exit(error_exit_code(error))
        sys.exit(code)

    return click.option("--debug", is_flag=True, help="Show the full traceback of an error.")(
        wrapper
    )


@contextlib.contextmanager
def notes_shown() -> Iterator[None]:
    """The library's notes (problems.ReconcileNote: a file of a folder skipped), each said
    once as a `Note:` line on stderr however often it was issued; other warnings are
    shown as Python shows them."""
    import warnings

    from reconcile.problems import ReconcileNote

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconcileNote)
        try:
            yield
        finally:
            notes = [w for w in caught if issubclass(w.category, ReconcileNote)]
            for text in dict.fromkeys(str(w.message) for w in notes):
                echo(f"Note: {text}")
            for w in caught:
                if not issubclass(w.category, ReconcileNote):
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def error_message(error: Exception) -> str:
    """What a user reads about an error that ended the run."""
    from reconcile.problems import ReconcileError

    if isinstance(error, ReconcileError):
        return f"Error: {error}"
    if isinstance(error, OSError):
        # The environment, not reconcile: a disk, a folder, a device that failed.
        where = f"{error.filename}: " if error.filename else ""
        return f"Error: {where}{error.strerror or error}; check the path, the disk and the rights."
    return (
        f"Internal error: {type(error).__name__}: {error}\n"
        "This is a bug in reconcile. Rerun with --debug to see where, and report it."
    )


def error_exit_code(error: Exception) -> int:
    from reconcile.problems import ReconcileError

    return EXIT_UNUSABLE if isinstance(error, ReconcileError | OSError) else EXIT_BUG


def read_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command shares for reading exports."""
    options = [
        click.option(
            "--customers",
            "customers",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="The customers export (optional).",
        ),
        click.option(
            "--source",
            type=click.Choice(source_names()),
            help="The billing system; detected from the headers when not given.",
        ),
        click.option(
            "--map",
            "mapping",
            multiple=True,
            metavar="FIELD=HEADER",
            help="Map a field to a header of your file, e.g. --map customer_id='Kunden-ID'."
            " Repeatable.",
        ),
        click.option(
            "--mapping-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A TOML file describing your export's columns and statuses.",
        ),
        click.option(
            "--date-format",
            metavar="PATTERN",
            help="How the dates are written, as a Unicode date pattern, e.g. dd/MM/yyyy, "
            "MM/dd/yyyy or M/d/yy H:mm (yy is 20yy).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress messages on stderr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def parse_mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, separator, header = pair.partition("=")
        if not separator or not field.strip() or not header.strip():
            raise click.BadParameter(
                f"{pair!r} is not FIELD=HEADER, e.g. customer_id='Kunden-ID'", param_hint="--map"
            )
        mapping[field.strip()] = header.strip().strip("'\"")
    return mapping


def make_read_options(source, mapping, mapping_file, date_format):
    from reconcile.api import ReadOptions

    return ReadOptions(
        source=source,
        mapping=parse_mapping(mapping),
        mapping_file=mapping_file,
        date_format=date_format,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconcile")
def main() -> None:
    """Count customers, not subscriptions, in billing-system CSV exports.

    Zoho Billing's "Active Customers" counts subscriptions; a customer with four
    maintenance contracts is counted four times. reconcile reads the exports of
    Zoho, Stripe, Chargebee, Recurly or any CSV, and writes a report that walks from
    every subscription count to the customer count, with the rows behind each step.

    \b
    Exit codes: 0 written; 1 written, but a --fail-on threshold was crossed;
                2 usage error or unusable input; 3 internal error (a bug).
    """
    keep_freed_memory()


# polars allocates with jemalloc, and configures it to give freed pages back to the
# operating system within a second ("dirty_decay_ms:500,muzzy_decay_ms:1000", in
# polars/__init__.py, pola-rs/polars#18088), then adds what _RJEM_MALLOC_CONF says. A
# report frees and allocates frames of a million rows dozens of times, and every page
# given back is faulted in again. The program ends with its command, so the pages it
# frees are never given back but reused, from one arena per core (jemalloc's default of
# four per core spreads them, and the peak memory with them): 0.12 s of a 1M-row run,
# a fifth of a 10M-row one, for at most a tenth more peak memory at 10M and less at
# 1M (bench/RESULTS.md, "Micro-benchmarks"). The variable is read when polars is
# imported (the commands import it), so it is set before; a value the user set is kept.
JEMALLOC_CONF = (
    "_RJEM_MALLOC_CONF",
    f"dirty_decay_ms:-1,muzzy_decay_ms:-1,narenas:{os.cpu_count() or 1}",
)


def keep_freed_memory() -> None:
    if "polars" not in sys.modules:
        os.environ.setdefault(*JEMALLOC_CONF)


@main.command()
@click.argument(
    "subscriptions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@read_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option(
    "--errors-csv",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write every row error to this CSV file.",
)
@click.option(
    "--max-errors",
    default=20,
    show_default=True,
    type=click.IntRange(min=0),
    help="Row errors to show per file.",
)
@handle_errors
def validate(
    subscriptions: tuple[Path, ...],
    customers: Path | None,
    source: str | None,
    mapping: tuple[str, ...],
    mapping_file: Path | None,
    date_format: str | None,
    quiet: bool,
    as_json: bool,
    errors_csv: Path | None,
    max_errors: int,
) -> int:
    """Check exports: rows read, accepted, rejected and removed, with the row errors.

    SUBSCRIPTIONS is the subscriptions export, or a folder holding both exports; or the
    billing system's report downloads (Zoho's MRR Details, MRR and Churned Subscriptions
    reports), as a folder or several paths.
    """
    console = Console(quiet=quiet)
    options = make_read_options(source, mapping, mapping_file, date_format)
    if errors_csv:
        refuse_output_clashes(
            {"--errors-csv": [errors_csv]}, *subscriptions, customers, mapping_file
        )
    from reconcile.api import load, load_downloads, load_table
    from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
    from reconcile.validation import validation_summary

    downloads = load_downloads(list(subscriptions), customers, options)
    if downloads is None:
        loaded = load(list(subscriptions), customers, options, progress=console.progress)
        tables = [table for table in loaded if table]
    else:
        exports = ((downloads.subscriptions, SUBSCRIPTIONS), (downloads.customers, CUSTOMERS))
        tables = [load_table(path, kind, options) for path, kind in exports if path]
        tables += downloads.tables()
    summaries = [validation_summary(table, max_errors=max_errors) for table in tables]
    if errors_csv:
        from reconcile.filesystem import write_all

        write_all({errors_csv: errors_csv_bytes(tables)})
    if as_json:
        click.echo(json_shown({"files": summaries}))
    else:
        for summary in summaries:
            click.echo(shown(format_summary(summary)))
    return EXIT_OK


def refuse_output_clashes(
    outputs: dict[str, list[Path]], *inputs: Path | None, config_file: Path | None = None
) -> None:
    """Exit 2 before anything is read when an output would overwrite an input (an
    export, a file of an exports folder, the mapping or config file) or another output."""
    from reconcile.filesystem import export_files_of, refuse_clashes

    given = [path for path in (*inputs, config_file) if path is not None]
    refuse_clashes(outputs, [*given, *export_files_of(given)])


def errors_csv_bytes(tables: list) -> bytes:
    """Every row error of every file, with what became of its row: rejected, or kept
    with the value left empty (a warning); safe to open in a spreadsheet."""
    import polars as pl

    from reconcile.csv_output import csv_bytes

    frames = [
        errors.with_columns(row=pl.lit(outcome))
        for table in tables
        for errors, outcome in ((table.rejections, "rejected"), (table.warnings, "kept"))
    ]
    return csv_bytes(pl.concat(frames).sort("file", "line", maintain_order=True))


def format_summary(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['file']} ({summary['kind']}, source: {summary['source']})",
        f"  rows read              {summary['rows_read']:>12,}",
        f"  accepted               {summary['rows_accepted']:>12,}",
        *_guest_line(summary.get("guest_customers", 0)),
        f"  rejected               {summary['rows_rejected']:>12,}",
        f"  duplicate rows removed {summary['duplicate_rows_removed']:>12,}",
    ]
    if summary.get("blank_lines_skipped"):
        blank = summary["blank_lines_skipped"]
        lines.append(f"  blank lines skipped    {blank:>12,}  (no value at all: not rows)")
    lines += _how_read_lines(summary)
    lines += row_error_lines("row errors", summary["errors"], summary["errors_total"])
    # Values no figure uses that could not be read: the rows are kept and counted.
    lines += row_error_lines(
        "values not read, rows kept", summary.get("warnings", []), summary.get("warnings_total", 0)
    )
    return "\n".join(lines)


def _how_read_lines(summary: dict[str, Any]) -> list[str]:
    """What was read otherwise than written: a later sheet, pasted parts, lines in one
    cell (the report says the same in its findings)."""
    lines = []
    if summary.get("sheet_read"):
        lines.append(
            f"  read from sheet '{summary['sheet_read']}': the first sheet, "
            f"'{summary['first_sheet_without_export']}', holds no export"
        )
    if summary.get("repeated_header_lines"):
        repeats = summary["repeated_header_lines"]
        where = ", ".join(str(n) for n in repeats)
        lines.append(
            f"  header repeated on line{'s' if len(repeats) > 1 else ''} {where}: "
            "exports pasted together, each part read with its own header"
        )
    for part in summary.get("parts_lacking_columns", ()):
        names = ", ".join(f"'{c}'" for c in part["columns"])
        lines.append(
            f"  the part whose header is on line {part['header_line']} has no column {names}: "
            "its rows are read without it"
        )
    if summary.get("lines_in_one_cell"):
        lines.append("  each line was one quoted cell: read as the CSV line it holds")
    return lines


def _guest_line(guests: int) -> list[str]:
    """Of the accepted rows, the guest customers without an ID (Stripe), if any."""
    if not guests:
        return []
    return [f"    of which guests      {guests:>12,}  (guest customers without an ID)"]


def row_error_lines(title: str, errors: list[dict[str, Any]], total: int) -> list[str]:
    """The first row errors of a file, one a line, and how many more there are."""
    if not errors:
        return []
    lines = [f"  {title} ({total:,}):"]
    lines += [
        f"    line {e['line']}, column {e['column']!r}: {e['message']} [{e['code']}]"
        for e in errors
    ]
    if total > len(errors):
        lines.append(f"    … {total - len(errors):,} more: write them all with --errors-csv PATH")
    return lines


def parse_as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """The --as-of date; None when not given (today, or the last report month's end)."""
    if value is None:
        return None
    try:
        return as_of_date(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def as_of_date(text: str) -> date:
    """A date as people type it: 2026-11-15, 15.11.2026 (day first, as in German), or
    11/15/2026 and 15/11/2026 when only one reading is a date. ValueError says which
    form to use, or why the date does not exist."""
    text = text.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DOTTED_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _SLASHED_DATE.fullmatch(text):
        first, second, year = (int(part) for part in match.groups())
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first or first == second:
            month, day = first, second
        else:
            raise ValueError(
                f"{text!r} can be read month first or day first; write it as YYYY-MM-DD, "
                f"e.g. {year}-{first:02d}-{second:02d} or {year}-{second:02d}-{first:02d}"
            )
    else:
        raise ValueError(
            f"{text!r} is not a date of the form YYYY-MM-DD (or DD.MM.YYYY, MM/DD/YYYY)"
        )
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a valid date: {error}") from None


def output_paths(_ctx: click.Context, _param: click.Parameter, values: tuple[Path, ...]):
    for path in values:
        if path.suffix.lower() not in OUTPUT_FORMATS:
            raise click.BadParameter(
                f"{path}: unknown format; use a name ending in .html, .md, .json, .csv or .xlsx"
            )
    return values


def email_addresses(_ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Each value exactly one address, with no line break that could add a header."""
    values = value if isinstance(value, tuple) else (value,) if value else ()
    if not values:  # click asks on every run; the checks are imported for an address
        return value
    from reconcile.addresses import AddressError, one_address

    try:
        checked = tuple(one_address(item) for item in values)
    except AddressError as error:
        raise click.BadParameter(shown(str(error))) from None
    return checked if isinstance(value, tuple) else (checked[0] if checked else value)


@main.command()
@click.argument(
    "subscriptions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@read_options
@click.option(
    "--as-of",
    callback=parse_as_of,
    metavar="YYYY-MM-DD",
    help="The day the figures are for. Default: today (with report downloads: the last"
    " report month's end).",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_paths,
    help="Write the report here; .html, .md or .json, .xlsx for a workbook, or .csv for"
    " every row of the subscriptions export with its bridge step. Repeatable. Default:"
    " reconcile-report-<as-of>.html in the current folder.",
)
@click.option(
    "--billing-figure",
    "billing_figures",
    multiple=True,
    metavar="NAME[@YYYY-MM]=VALUE",
    help='A figure your billing system shows, to put beside ours, e.g. "Aktive Kunden=155"'
    ' or "Net Customers@2026-10=4" (a month). Repeatable.',
)
@click.option(
    "--billing-report",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your billing system's report export (CSV or .xlsx: a date or month column and"
    " a column per figure), each row put beside ours.",
)
@click.option(
    "--plan-change-window",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    metavar="DAYS",
    help="A subscription ending within DAYS of another of the customer's starting is a"
    " plan change, not churn. 0 turns it off.",
)
@click.option(
    "--lang",
    type=click.Choice(languages()),
    default="en",
    show_default=True,
    help=f"The report's language: {', '.join(languages())}.",
)
@click.option("--redact", is_flag=True, help="Replace customer names and emails with pseudonyms.")
@click.option(
    "--fail-on",
    # Info findings are always there (the headline is one): no threshold to choose.
    type=click.Choice([severity.value for severity in Severity if severity != Severity.INFO]),
    help="Exit with 1 when a finding of this severity or worse is reported.",
)
@click.option(
    "--eml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write an email message with the report attached (.eml).",
)
@click.option(
    "--attach",
    default="",
    metavar="md,json,xlsx",
    help="More attachments for the email, comma-separated: md, json, xlsx.",
)
@click.option(
    "--email-to",
    multiple=True,
    metavar="ADDRESS",
    callback=email_addresses,
    help="Send to. Repeatable.",
)
@click.option("--email-from", metavar="ADDRESS", callback=email_addresses, help="Sender address.")
@click.option("--smtp-host", help="SMTP server; env RECONCILE_SMTP_HOST.")
@click.option("--smtp-port", type=int, help="Default 587 (STARTTLS), 465 (SSL), 25.")
@click.option("--smtp-starttls", "smtp_security", flag_value="starttls", help="Use STARTTLS.")
@click.option("--smtp-ssl", "smtp_security", flag_value="ssl", help="Use implicit TLS.")
@click.option("--smtp-plain", "smtp_security", flag_value="none", help="No TLS (local relays).")
@click.option("--smtp-user", help="SMTP user name.")
@click.option(
    "--smtp-password-env",
    metavar="VARIABLE",
    help="Name of the environment variable holding the SMTP password.",
)
@click.option(
    "--smtp-cafile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust this CA certificate for the SMTP server.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file with an [email] table of the settings above.",
)
@handle_errors
def report(
    subscriptions: tuple[Path, ...],
    customers: Path | None,
    source: str | None,
    mapping: tuple[str, ...],
    mapping_file: Path | None,
    date_format: str | None,
    quiet: bool,
    as_of: date | None,
    outputs: tuple[Path, ...],
    billing_figures: tuple[str, ...],
    billing_report: Path | None,
    plan_change_window: int,
    lang: str,
    redact: bool,
    fail_on: str | None,
    eml: Path | None,
    attach: str,
    config_file: Path | None,
    **email_options: Any,
) -> int:
    """Reconcile customers against subscriptions and write the report.

    SUBSCRIPTIONS is the subscriptions export, or a folder holding both exports; or the
    billing system's report downloads (Zoho's monthly MRR Details reports, with its MRR
    and Churned Subscriptions reports), as a folder or several paths: then --as-of
    defaults to the last report month's end. The format of each -o file follows its
    extension.
    """
    from reconcile import api, prefetch
    from reconcile.problems import ReconcileError

    console = Console(quiet=quiet)
    mailing = bool(eml or email_options.get("email_to"))
    if attach and not mailing:
        raise click.UsageError("--attach has no effect without --eml or --email-to")
    options = make_read_options(source, mapping, mapping_file, date_format)
    downloads = api.load_downloads(list(subscriptions), customers, options)
    if as_of is None:
        as_of = downloads.last_month_end if downloads else date.today()
    outputs = outputs or default_outputs(as_of, console)
    rows_files = tuple(path for path in outputs if OUTPUT_FORMATS[path.suffix.lower()] == "csv")
    workbooks = tuple(path for path in outputs if OUTPUT_FORMATS[path.suffix.lower()] == "xlsx")
    report_files = tuple(path for path in outputs if path not in (*rows_files, *workbooks))
    eml_file = None
    if mailing:
        from reconcile.delivery import eml_path_for

        eml_file = eml or eml_path_for((*report_files, *rows_files, *workbooks)[0])
    refuse_output_clashes(
        {"-o": list(outputs), "--eml": [eml_file] if eml_file else []},
        *subscriptions,
        customers,
        mapping_file,
        config_file=config_file,
    )
    # Settings and addresses are checked before anything is read or written: a refused
    # address must not leave reports behind (all outputs or none).
    mail_settings = mail_settings_for(email_options, config_file) if mailing else None
    if mailing:
        check_attach(attach)
    try:  # before the exports are read: a mistyped name fails at once
        figures = api.figure_inputs(billing_figures, as_of, mapping_file=mapping_file)
    except ReconcileError as error:
        raise click.UsageError(str(error)) from None
    report = None
    if billing_report is not None:
        downloads, taken = api.with_billing_report(downloads, billing_report, list(subscriptions))
        if not taken:
            report = api.read_billing_report(billing_report, mapping_file=mapping_file)
            figures += report[0]
    prefetch.start([OUTPUT_FORMATS[path.suffix.lower()] for path in outputs], lang)
    tables = api.load(
        list(subscriptions),
        customers,
        options,
        progress=console.progress,
        downloads=downloads,
        as_of=as_of,
    )
    result = api.reconcile_tables(
        *tables,
        as_of,
        figures=figures,
        plan_change_window=plan_change_window,
        progress=console.progress,
        downloads=downloads,
    )
    if report is not None:
        result = dataclasses.replace(result, billing_report=report[1])
    # Said once the files are written: for whoever runs reconcile, not in the mail.
    notes = [f"Warning: {text}" for text in as_of_warnings(tables[0], as_of)]
    notes += [f"Advice: {text}" for text in map(advice_for, result.findings) if text]
    notes += [f"Advice: {text}" for text in option_advice(result)]
    # Traced before redaction, from the Result of these very tables; asked for, or not at all.
    traced = api.trace(*tables, result) if rows_files or workbooks else None
    if redact:
        result, traced = redacted(result, traced, tables)
    written = write_outputs(
        result,
        report_files,
        lang=lang,
        console=console,
        traced=traced,
        rows_files=rows_files,
        workbooks=workbooks,
        files=companion_files(outputs, attach=attach if mailing else "", eml=eml_file),
    )
    if mailing:
        written += deliver(
            result,
            written,
            lang=lang,
            eml=eml,
            attach=attach,
            settings=mail_settings,
            traced=traced,
        )
    for note in notes:
        console.note(note)
    console.files_written(written)
    return exit_code_for(result, fail_on)


def redacted(result, traced, tables):
    """The result and the row trace with every name, company and email of either export
    replaced by its pseudonym, and the input files named without their folders."""
    from reconcile.redaction import Redactor, known_people

    redactor = Redactor(result, known_people(*(t.frame for t in tables if t is not None)))
    return redactor.result(), None if traced is None else redactor.trace(traced)


def default_outputs(as_of: date, console: Console) -> tuple[Path, ...]:
    """With no -o: the HTML report in the current folder, named after the as-of date."""
    path = Path(f"reconcile-report-{as_of.isoformat()}.html")
    console.note(f"No -o given: the report goes to {path} in the current folder.")
    return (path,)


def as_of_warnings(table, as_of: date) -> list[str]:
    """Warnings when the as-of date lies before every start in the subscriptions export,
    or more than a month after the newest date in it: probably a typo, or old exports."""
    import polars as pl

    dates = [name for name, dtype in table.frame.schema.items() if dtype == pl.Date]
    if not dates or table.frame.is_empty():
        return []
    first, newest = table.frame.select(
        pl.col("start").min().alias("first"),
        pl.max_horizontal(pl.col(name).max() for name in dates).alias("newest"),
    ).row(0)
    warnings = []
    if first is not None and as_of < first:
        warnings.append(
            f"the as-of date {as_of.isoformat()} lies before the first start in the exports"
            f" ({first.isoformat()}): no subscription is active on it."
        )
    if newest is not None and (as_of - newest).days > 31:
        warnings.append(
            f"the as-of date {as_of.isoformat()} lies more than a month after the newest"
            f" date in the exports ({newest.isoformat()}): they may be out of date, and every"
            " subscription without an end counts as active until then."
        )
    return warnings


def advice_for(finding) -> str:
    from reconcile.findings import advice
    from reconcile.redaction import file_name

    params = dict(finding.params)
    if "file" in params:
        params["file"] = file_name(str(params["file"]))
    text = advice(finding.code, params)
    return f"{params['file']}: {text}" if text and "file" in params else text


def option_advice(result) -> list[str]:
    """Advice that names an option: only here, since the reports and the email are mailed
    to people who do not run reconcile (they say what was found, not which option to use)."""
    from reconcile.codes import DATE_FORMAT_ADVICE
    from reconcile.redaction import file_name

    unsettled: dict[str, int] = {}
    for error in (*result.rejections, *result.warnings):
        if DATE_FORMAT_ADVICE in error.message:
            name = file_name(error.file)
            unsettled[name] = unsettled.get(name, 0) + 1
    advice = [
        f"{name}: {count} {'date fits' if count == 1 else 'dates fit'} no single date format "
        "of its column; give the format with --date-format."
        for name, count in unsettled.items()
    ]
    renewals = result.renewals
    if renewals is not None and not renewals.available and renewals.needed_column is None:
        advice.append(
            "reconcile knows no column of the subscriptions export as the next renewal date; "
            "map yours with --map period_end=HEADER to see renewal dates."
        )
    return advice


def companion_files(
    outputs: tuple[Path, ...], *, attach: str = "", eml: Path | None = None
) -> dict[str, str]:
    """The first file of each format a run writes, by format: a report cut short names
    the one that holds the rest, by its file name. A format only attached to the email
    (`--attach json` without `-o report.json`) counts too, by the name it is attached
    under, so that the mailed report says where the rest is."""
    files: dict[str, str] = {}
    for path in outputs:
        files.setdefault(OUTPUT_FORMATS[path.suffix.lower()], path.name)
    if attach and eml is not None:
        from reconcile.delivery import attached_formats

        for kind in sorted(attached_formats(attach)):
            files.setdefault(kind, f"{eml.stem}.{kind}")  # as delivery names it
    return files


def write_outputs(
    result,
    outputs: tuple[Path, ...],
    *,
    lang: str,
    console: Console,
    traced=None,
    rows_files: tuple[Path, ...] = (),
    workbooks: tuple[Path, ...] = (),
    files: dict[str, str] | None = None,
) -> list[Path]:
    """Render every requested file in memory, then write them all at once (see
    filesystem.write_all): a failure leaves every earlier report as it was."""
    import time

    from reconcile.filesystem import write_all

    started = time.perf_counter()
    contents = {
        path: text.encode("utf-8")
        for path, text in render_outputs(result, outputs, lang=lang, files=files).items()
    }
    if traced is not None and rows_files:
        from reconcile.csv_output import csv_bytes

        data = csv_bytes(traced)  # the trace (api.trace), safe for spreadsheets
        contents.update(dict.fromkeys(rows_files, data))
    if workbooks:
        from reconcile.workbook import workbook_bytes

        contents.update(dict.fromkeys(workbooks, workbook_bytes(result, lang=lang, trace=traced)))
    written = write_all(contents)
    console.progress("rendered", time.perf_counter() - started, {"files": len(contents)})
    return written


def render_outputs(result, outputs, *, lang: str, files=None) -> dict[Path, str]:
    from reconcile.rendering import report_text

    return {
        path: report_text(result, OUTPUT_FORMATS[path.suffix.lower()], lang=lang, files=files)
        for path in outputs
    }


def mail_settings_for(email_options: Mapping[str, Any], config_file: Path | None):
    """delivery.mail_settings: (SMTP settings or None, sender, recipients), its refusal a
    usage error."""
    import os

    from reconcile import delivery

    try:
        return delivery.mail_settings(email_options, os.environ, config_file)
    except delivery.MailOptionError as error:
        raise click.UsageError(str(error)) from None


def check_attach(attach: str) -> None:
    """A format --attach cannot attach is a usage error (delivery.attached_formats)."""
    from reconcile import delivery

    try:
        delivery.attached_formats(attach)
    except delivery.MailOptionError as error:
        raise click.BadParameter(str(error), param_hint="--attach") from None


def deliver(result, written, *, lang, eml, attach, settings, traced=None) -> list[Path]:
    """delivery.deliver_written for --eml and --email-to, and what happened said; returns
    the files it wrote (the .eml)."""
    from reconcile import delivery

    smtp, sender, recipients = settings
    done = delivery.deliver_written(
        result,
        [(OUTPUT_FORMATS[path.suffix.lower()], path) for path in written],
        lang=lang,
        eml=eml,
        attach=attach,
        smtp=smtp,
        sender=sender,
        recipients=recipients,
        trace=traced,
    )
    if done.recipients:
        echo(f"Sent to {', '.join(done.recipients)} via {done.host}; a copy is in {done.eml_path}")
    return [done.eml_path]


def exit_code_for(result, fail_on: str | None) -> int:
    if fail_on is None:
        return EXIT_OK
    threshold = Severity(fail_on).rank
    crossed = [f for f in result.findings if Severity(f.severity).rank >= threshold]
    return EXIT_THRESHOLD if crossed else EXIT_OK
