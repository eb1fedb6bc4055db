"""The CLI's own contract: options, exit codes and messages (the pipeline is tested in
its own modules; here only what the thin layer adds)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconcile.cli import main
from tests.processes import fresh_python


def test_help_lists_the_commands_and_exit_codes(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "report" in result.output and "validate" in result.output
    assert "2 usage error or unusable input" in result.output


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("reconcile, version ")


def test_help_does_not_import_the_heavy_libraries():
    # `reconcile --help` must answer at once: polars, pandera and jinja2 are imported
    # only by the commands that need them.
    code = (
        "import sys; from click.testing import CliRunner; from reconcile.cli import main;"
        "CliRunner().invoke(main, ['report', '--help']);"
        "print(sorted(m for m in ('polars', 'pandera', 'jinja2') if m in sys.modules))"
    )
    out = fresh_python(["-c", code], check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_output_format_is_a_usage_error(runner, tmp_path):
    subscriptions = tmp_path / "s.csv"
    subscriptions.write_text("subscription_id,customer_id\n1,1\n")
    result = runner.invoke(main, ["report", str(subscriptions), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2
    assert "unknown format; use a name ending in .html, .md, .json, .csv or .xlsx" in result.output


def test_bad_as_of_is_a_usage_error(runner, tmp_path):
    subscriptions = tmp_path / "s.csv"
    subscriptions.write_text("subscription_id,customer_id\n1,1\n")
    result = runner.invoke(
        main, ["report", str(subscriptions), "--as-of", "2026-13-01", "-o", "x.json"]
    )
    assert result.exit_code == 2
    assert "'2026-13-01' is not a valid date: month must be in 1..12" in result.output
    for text, message in [
        ("11/12/2026", "'11/12/2026' can be read month first or day first; write it as YYYY-MM-DD"),
        ("15-11-2026", "'15-11-2026' is not a date of the form YYYY-MM-DD (or DD.MM.YYYY"),
    ]:
        result = runner.invoke(main, ["report", str(subscriptions), "--as-of", text])
        assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("text", ["2026-11-15", "15.11.2026", "11/15/2026", "15/11/2026"])
def test_as_of_takes_the_forms_people_type(text):
    from reconcile.cli import as_of_date

    assert as_of_date(text) == date(2026, 11, 15)


def test_bad_map_is_a_usage_error(runner, tmp_path):
    subscriptions = tmp_path / "s.csv"
    subscriptions.write_text("subscription_id,customer_id\n1,1\n")
    result = runner.invoke(main, ["validate", str(subscriptions), "--map", "customer_id"])
    assert result.exit_code == 2
    assert "'customer_id' is not FIELD=HEADER" in result.output


def test_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --- issue 14, item 7: the command line's rough edges --------------------------------

ZOHO_SAMPLE = Path(__file__).resolve().parent.parent / "sample_exports" / "zoho"


def test_without_o_the_html_report_goes_to_the_current_folder_and_says_so(
    runner, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["report", str(ZOHO_SAMPLE), "--as-of", "15.11.2026"])
    assert result.exit_code == 0, result.output
    name = "reconcile-report-2026-11-15.html"
    assert sorted(path.name for path in tmp_path.iterdir()) == [name]
    lines = result.stderr.splitlines()
    assert lines[0] == f"No -o given: the report goes to {name} in the current folder."
    # The run ends with one line per file written, with its size.
    size = (tmp_path / name).stat().st_size
    assert lines[-1] == f"Wrote {name} ({size / 1000:.1f} KB)"
    assert result.stdout == ""
    quiet = runner.invoke(main, ["report", str(ZOHO_SAMPLE), "--as-of", "2026-11-15", "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_a_customers_export_alone_asks_for_a_subscriptions_export(runner, tmp_path):
    result = runner.invoke(
        main, ["report", str(ZOHO_SAMPLE / "customers.csv"), "-o", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 2
    assert (
        "reconcile counts from a subscriptions export: give it first (and this customers "
        "export with --customers)."
    ) in result.output
    assert "Swap" not in result.output  # only when two files were given in that order
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    ("as_of", "warning"),
    [
        # Before the first start (2024-03-01).
        (
            "2024-01-15",
            "Warning: the as-of date 2024-01-15 lies before the first start in the exports "
            "(2024-03-01): no subscription is active on it.",
        ),
        # 46 days after the newest date in the export (the end 2024-09-30).
        (
            "2024-11-15",
            "Warning: the as-of date 2024-11-15 lies more than a month after the newest date "
            "in the exports (2024-09-30)",
        ),
        # 15 days after it: no warning.
        ("2024-10-15", None),
    ],
)
def test_an_as_of_date_outside_the_exports_is_warned_about(runner, tmp_path, as_of, warning):
    export = tmp_path / "subscriptions.csv"
    export.write_text(
        "subscription_id,customer_id,start_date,end_date,status\n"
        "S1,C1,2024-03-01,,active\n"
        "S2,C2,2024-05-01,2024-09-30,cancelled\n"
    )
    out = str(tmp_path / "r.json")
    result = runner.invoke(main, ["report", str(export), "--as-of", as_of, "-o", out])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == (0 if warning is None else 1)
    assert warning is None or warnings[0].startswith(warning)


def test_help_lists_the_values_of_attach_and_lang(runner):
    text = " ".join(runner.invoke(main, ["report", "--help"]).output.split())
    assert "--lang [en|de]" in text and "The report's language: en, de." in text
    assert "--attach md,json,xlsx" in text and "separated: md, json, xlsx." in text


def test_options_are_advised_on_stderr_never_in_what_is_mailed(runner, tmp_path):
    # Dates of which no single format fits the column: the report, the workbook and the
    # email say what was found; the option to use is said on stderr, to whoever runs
    # reconcile (issue 14, items 4 and 8).
    export = tmp_path / "mixed.csv"
    export.write_text(
        "subscription_id,customer_id,status,start_date\n"
        "S1,C1,active,25.12.25\n"
        "S2,C1,active,12/25/25\n"
        "S3,C3,active,26.12.25\n"
        "S4,C4,active,x\n"
        "S5,C5,active,2026-01-01\n"
        "S6,C5,active,2026-01-02\n"
    )
    outputs = [tmp_path / name for name in ("r.html", "r.md", "r.xlsx")]
    eml = tmp_path / "r.eml"
    argv = ["report", str(export), "--as-of", "2026-02-01", "--eml", str(eml)]
    result = runner.invoke(main, [*argv, *(f"-o{path}" for path in outputs)])
    assert result.exit_code == 0, result.output
    advice = [line for line in result.stderr.splitlines() if line.startswith("Advice:")]
    assert advice == [
        "Advice: mixed.csv: 4 dates fit no single date format of its column; give the "
        "format with --date-format.",
    ]
    html = outputs[0].read_text("utf-8")
    assert "no single date format fits column" in html  # what was found is said
    import zipfile

    with zipfile.ZipFile(outputs[2]) as book:
        sheets = b"".join(book.read(name) for name in book.namelist())
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    mailed = [
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    ]
    assert any("no single date format fits column" in text for text in mailed)  # the CSV
    for text in (html, outputs[1].read_text("utf-8"), *mailed):
        assert "--date-format" not in text and "--map" not in text
    assert b"--date-format" not in sheets


def test_without_a_known_renewal_column_the_map_option_is_advised_on_stderr_only():
    from dataclasses import replace

    from reconcile.cli import option_advice
    from reconcile.rendering import render
    from reconcile.result import Renewals
    from tests.result_examples import small_result

    unknown = Renewals(
        available=False,
        needed_column=None,
        customers_with_several_subscriptions=2,
        customers_with_several_renewal_dates=0,
        invoices_per_year_now=0.0,
        invoices_per_year_aligned=0.0,
    )
    result = replace(small_result(), renewals=unknown, rejections=(), warnings=())
    assert option_advice(result) == [
        "reconcile knows no column of the subscriptions export as the next renewal date; "
        "map yours with --map period_end=HEADER to see renewal dates."
    ]
    for fmt in ("html", "md"):
        text = render(result, fmt)
        assert "reconcile knows none of its columns as the next renewal date" in text
        assert "--map" not in text


def test_a_cut_list_names_the_file_attached_beside_the_report(runner, tmp_path):
    # `--attach json` without `-o report.json`: the JSON exists only in the email, as
    # report.json, and the mailed report says that the rest of a cut list is there.
    from email import policy
    from email.parser import BytesParser

    html, eml = tmp_path / "report.html", tmp_path / "report.eml"
    argv = ["report", str(ZOHO_SAMPLE), "--as-of", "2026-11-15", "-o", str(html)]
    result = runner.invoke(main, [*argv, "--eml", str(eml), "--attach", "json"])
    assert result.exit_code == 0, result.output
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names[:2] == ["report.html", "report.json"]
    assert "29 more in report.json" in html.read_text("utf-8")  # the renewal dates
    assert not (tmp_path / "report.json").exists()
    alone = runner.invoke(main, [*argv[:-1], str(tmp_path / "alone.html")])
    assert alone.exit_code == 0 and "29 more</td>" in (tmp_path / "alone.html").read_text()
