"""Outputs never touch inputs, are written all or nothing, hold no live spreadsheet
formula, and every fault of the environment ends in exit 2 with one line naming the path
(issue 10, points 3 to 6 and 10 to 12). Everything through the command line."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import threading
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconcile import filesystem
from reconcile.cli import main
from reconcile.csv_output import neutralise_formulas

ZOHO = Path(__file__).resolve().parent.parent / "sample_exports" / "zoho"
AS_OF = ["--as-of", "2026-11-15"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    return result.exit_code, result.output


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A copy of the Zoho sample in a folder of its own, so that a fault cannot harm it."""
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("subscriptions.csv", "customers.csv"):
        (folder / name).write_bytes((ZOHO / name).read_bytes())
    return folder


def hashes(folder: Path) -> dict[str, str]:
    return {path.name: digest(path) for path in sorted(folder.iterdir())}


# --- 3. outputs never touch inputs ---------------------------------------------------


@pytest.mark.parametrize("option", ["-o", "--eml"])
def test_an_output_on_an_input_is_refused(exports, tmp_path, option):
    before = hashes(exports)
    target = exports / "subscriptions.csv" if option == "-o" else exports / "customers.csv"
    args = ["-o", tmp_path / "r.html"] if option == "--eml" else []
    code, output = run("report", exports, *AS_OF, *args, option, target)
    assert code == 2
    assert output == (
        f"Error: {option} {target}: is the input {target}; reconcile never writes over an "
        "export. Choose another file name.\n"
    )
    assert hashes(exports) == before
    assert not (tmp_path / "r.html").exists()


def test_an_output_that_resolves_to_an_input_through_a_symlink_or_dots_is_refused(
    exports, tmp_path
):
    before = hashes(exports)
    link = tmp_path / "innocent.csv"
    link.symlink_to(exports / "subscriptions.csv")
    dotted = tmp_path / "elsewhere" / ".." / "exports" / "subscriptions.csv"
    for target in (link, dotted):
        code, output = run("report", exports / "subscriptions.csv", *AS_OF, "-o", target)
        assert code == 2, output
        assert "reconcile never writes over an export" in output
    assert hashes(exports) == before


def test_a_hard_link_to_an_input_is_refused(exports, tmp_path):
    link = tmp_path / "rows.csv"
    os.link(exports / "subscriptions.csv", link)
    code, output = run(
        "report", exports / "subscriptions.csv", *AS_OF, "--customers",
        exports / "customers.csv", "-o", link,
    )  # fmt: skip
    assert code == 2
    assert f"-o {link}: is the input" in output


def test_errors_csv_on_an_input_is_refused(exports):
    before = hashes(exports)
    code, output = run("validate", exports, "--errors-csv", exports / "customers.csv")
    assert code == 2
    assert "--errors-csv" in output and "never writes over an export" in output
    assert hashes(exports) == before


def test_the_default_eml_next_to_the_report_must_not_be_an_input(tmp_path, exports):
    # `-o report.html --email-to ...` puts the message next to the report: report.eml,
    # here the name of an input (a mapping file, contrived but possible).
    mapping = victim = exports / "report.eml"
    victim.write_text("an input that happens to be called report.eml")
    code, output = run(
        "report", exports / "subscriptions.csv", *AS_OF, "--mapping-file", mapping,
        "-o", exports / "report.html", "--email-to", "a@example.com",
    )  # fmt: skip
    assert code == 2
    assert f"--eml {victim}: is the input {mapping}" in output


def test_eml_and_report_on_one_path_is_a_usage_error(exports, tmp_path):
    out = tmp_path / "x.html"
    code, output = run("report", exports, *AS_OF, "-o", out, "--eml", out)
    assert code == 2
    assert f"--eml {out} and -o {out} are the same file" in output
    assert not out.exists()


def test_attach_without_a_message_is_a_usage_error(exports, tmp_path):
    code, output = run("report", exports, *AS_OF, "-o", tmp_path / "r.html", "--attach", "md")
    assert code == 2
    assert "--attach has no effect without --eml or --email-to" in output
    assert list(tmp_path.glob("r.*")) == []


def test_negative_max_errors_is_a_usage_error(exports):
    code, output = run("validate", exports, "--max-errors", "-1")
    assert code == 2
    assert "Invalid value for '--max-errors': -1 is not in the range x>=0." in output


# --- 4. atomic writes ----------------------------------------------------------------


def test_a_run_that_fails_while_rendering_leaves_the_earlier_reports_intact(
    exports, tmp_path, monkeypatch
):
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    assert run("report", exports, *AS_OF, "-o", html, "-o", md)[0] == 0
    before = {html: digest(html), md: digest(md)}

    from reconcile import rendering

    real_render = rendering.render

    def failing_render(result, fmt, **kwargs):
        if fmt == "md":
            raise RuntimeError("rendering broke half-way")
        return real_render(result, fmt, **kwargs)

    monkeypatch.setattr(rendering, "render", failing_render)
    code, output = run("report", exports, "--as-of", "2026-12-31", "-o", html, "-o", md)
    assert code == 3, output
    assert {path: digest(path) for path in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "r.html", "r.md"]


def test_a_full_disk_is_exit_2_and_changes_no_file(exports, tmp_path, monkeypatch):
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    assert run("report", exports, *AS_OF, "-o", html, "-o", md)[0] == 0
    before = {html: digest(html), md: digest(md)}
    real_fdopen = os.fdopen
    calls = []

    class FullDisk(io.RawIOBase):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(descriptor, *args, **kwargs):
        calls.append(descriptor)
        if len(calls) == 2:  # the second file finds the disk full
            os.close(descriptor)
            return FullDisk()
        return real_fdopen(descriptor, *args, **kwargs)

    monkeypatch.setattr(filesystem.os, "fdopen", fdopen)
    code, output = run("report", exports, "--as-of", "2026-12-31", "-o", html, "-o", md)
    assert code == 2
    assert output == (
        f"Error: cannot write {md}: No space left on device; the disk is full; free some "
        "space or write to another disk.\n"
    )
    assert {path: digest(path) for path in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "r.html", "r.md"]


def test_two_writers_of_one_path_never_mix_their_files(tmp_path):
    target = tmp_path / "report.json"
    contents = [bytes([65 + n]) * 300_000 for n in range(2)]
    seen: set[bytes] = set()

    def writer(data: bytes) -> None:
        for _ in range(20):
            filesystem.write_all({target: data})

    def reader() -> None:
        for _ in range(200):
            if target.exists():
                seen.add(target.read_bytes())

    threads = [threading.Thread(target=writer, args=(data,)) for data in contents]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen <= set(contents)
    assert target.read_bytes() in contents
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_overwritten_report_keeps_its_permissions(exports, tmp_path):
    html = tmp_path / "r.html"
    html.write_text("old")
    html.chmod(0o640)
    assert run("report", exports, *AS_OF, "-o", html)[0] == 0
    assert html.stat().st_mode & 0o777 == 0o640
    assert "<html" in html.read_text()


def test_a_symlinked_output_is_written_where_it_points(exports, tmp_path):
    real = tmp_path / "shared" / "report.html"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "report.html"
    link.symlink_to(real)
    assert run("report", exports, *AS_OF, "-o", link)[0] == 0
    assert link.is_symlink()
    assert "<html" in real.read_text()


# --- 5. no spreadsheet formula injection ---------------------------------------------

HOSTILE = (
    "subscription_id,customer_id,product,plan,status,start_date,end_date,amount\n"
    'S1,C1,"=HYPERLINK(""http://evil.example/?"",""Click"")",+Premium,active,2024-01-01,,10\n'
    "S2,@SUM(1+1),-Basic,\tTab,active,2024-01-01,,10\n"
    "S3,C3,Basic,Basic,active,=1+2,,10\n"
    "S4,C4,Basic,Basic,active,2024-01-01,,=cmd|' /C calc'!A0\n"
)
LIVE = ("=", "+", "-", "@", "\t", "\r")


def cells(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_no_csv_reconcile_writes_holds_a_live_formula(tmp_path):
    export = tmp_path / "subscriptions.csv"
    export.write_text(HOSTILE)
    rows, errors = tmp_path / "rows.csv", tmp_path / "errors.csv"
    assert run("report", export, "--as-of", "2024-06-30", "-o", rows)[0] == 0
    assert run("validate", export, "--errors-csv", errors)[0] == 0
    for path in (rows, errors):
        written = cells(path)
        assert not [cell for cell in written if cell.startswith(LIVE)], path.name
    # The values are all there, recognisably, behind a single quote.
    assert '\'=HYPERLINK("http://evil.example/?","Click")' in cells(rows)
    # (A leading tab is trimmed from the value when it is read, like any blank.)
    assert {"'+Premium", "'@SUM(1+1)", "'-Basic", "Tab"} <= set(cells(rows))
    assert {"'=1+2", "'=cmd|' /C calc'!A0"} <= set(cells(errors))


def test_neutralising_leaves_other_cells_and_types_alone():
    import polars as pl

    frame = pl.DataFrame({"text": ["a=b", "=a", None, " -1", "-1", "\rx"], "n": [-1] * 6})
    assert neutralise_formulas(frame).to_dict(as_series=False) == {
        "text": ["a=b", "'=a", None, " -1", "'-1", "'\rx"],
        "n": [-1] * 6,
    }


# --- 6. exit 2, never 3, for the environment -----------------------------------------


@pytest.mark.parametrize(
    "target, reason",
    [
        ("/proc/reconcile-test/r.html", "No such file or directory"),
        ("{tmp}/file/r.html", "Not a directory"),
    ],
)
def test_an_output_folder_that_cannot_be_made_is_exit_2(exports, tmp_path, target, reason):
    (tmp_path / "file").write_text("a file where a folder should be")
    out = target.format(tmp=tmp_path)
    code, output = run("report", exports, *AS_OF, "-o", out)
    assert code == 2
    assert output.startswith(f"Error: cannot write {out}: ")
    assert output.count("\n") == 1 and "Traceback" not in output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_exit_2(exports, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    code, output = run("report", exports, *AS_OF, "-o", folder / "r.html")
    assert code == 2
    assert "you may not write there" in output


def test_debug_keeps_the_exit_code_of_the_error(exports, tmp_path):
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(
        main, ["report", str(exports), *AS_OF, "-o", str(tmp_path / "file" / "r.html"), "--debug"]
    )
    assert result.exit_code == 2
    assert "Traceback" in result.output and "OutputError" in result.output


# --- 10. email addresses -------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value, problem",
    [
        ("--email-to", "a@example.com\r\nBcc: spy@example.com", "contains a line break"),
        ("--email-to", "a@example.com\nb@example.com", "contains a line break"),
        ("--email-from", "me@example.com\rX-Evil: 1", "contains a line break"),
        ("--email-to", "a@example.com, b@example.com", "is not one email address"),
        ("--email-to", "not an address", "is not one email address"),
        ("--email-from", "a@b@example.com", "is not one email address"),
    ],
)
def test_email_addresses_are_one_address_without_line_breaks(
    exports, tmp_path, option, value, problem
):
    code, output = run("report", exports, *AS_OF, "-o", tmp_path / "r.html", option, value)
    assert code == 2
    assert f"Invalid value for '{option}'" in output and problem in output
    assert "\r" not in output and "spy@example.com\n" not in output
    assert not (tmp_path / "r.html").exists()


# --- 11. terminal safety -------------------------------------------------------------


def test_control_and_direction_characters_are_shown_escaped(tmp_path):
    # A file name and a header that would recolour the terminal, overwrite the line and
    # reverse the text after them.
    name = "sub\x1b[2J\u202escriptions.csv"
    export = tmp_path / name
    export.write_text("subscription_id,Kunde\x1b[31m\r\u202eNr,start_date\nS1,K1,2024-01-01\n")
    code, output = run("report", export, "--as-of", "2024-06-30", "-o", tmp_path / "r.json")
    assert code == 2
    assert "\x1b" not in output and "\u202e" not in output and "\r" not in output
    assert "sub\\x1b[2J\\u202escriptions.csv" in output
    assert "'Kunde\\x1b[31m\\r\\u202eNr'" in output


def test_the_rejected_rows_attached_hold_no_live_formula(tmp_path):
    import email
    from email import policy

    export = tmp_path / "subscriptions.csv"
    export.write_text(HOSTILE)
    eml = tmp_path / "r.eml"
    code, output = run("report", export, "--as-of", "2024-06-30", "-o", tmp_path / "r.md",
                       "--eml", eml)  # fmt: skip
    assert code == 0, output
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    [rejected] = [p for p in message.iter_attachments() if p.get_filename() == "rejected-rows.csv"]
    text = rejected.get_content() if isinstance(rejected.get_content(), str) else ""
    text = text or rejected.get_payload(decode=True).decode("utf-8-sig")
    written = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert "'=1+2" in written
    assert not [cell for cell in written if cell.startswith(LIVE)]


def test_a_format_only_attached_is_rendered_in_memory(exports, tmp_path):
    # --attach md without -o r.md: the Markdown is in the message, and no r.md appears.
    out = tmp_path / "out"
    out.mkdir()
    code, output = run(
        "report",
        exports,
        *AS_OF,
        "-o",
        out / "r.html",
        "--eml",
        out / "r.eml",
        "--attach",
        "md,json",
    )
    assert code == 0, output
    assert sorted(path.name for path in out.iterdir()) == ["r.eml", "r.html"]
    message = BytesParser(policy=policy.default).parsebytes((out / "r.eml").read_bytes())
    attached = {part.get_filename(): part for part in message.iter_attachments()}
    assert [name for name in attached if name.startswith("r.")] == ["r.html", "r.md", "r.json"]
    assert json.loads(attached["r.json"].get_payload(decode=True))["totals"]["customers_active"]
    assert attached["r.md"].get_payload(decode=True).decode("utf-8").startswith("#")


def test_a_refused_mail_setting_leaves_no_report_behind(exports, tmp_path, monkeypatch):
    # All outputs or none: an address refused from the environment, or an unknown
    # --attach format, stops the run before any report is written.
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("RECONCILE_EMAIL_FROM", "a@example.com\nBcc: b@example.com")
    code, output = run("report", exports, *AS_OF, "-o", out / "r.html", "--eml", out / "r.eml")
    assert code == 2, output
    monkeypatch.delenv("RECONCILE_EMAIL_FROM")
    code, output = run(
        "report", exports, *AS_OF, "-o", out / "r.html", "--eml", out / "r.eml", "--attach", "pdf"
    )
    assert code == 2 and "cannot attach pdf" in output, output
    assert list(out.iterdir()) == []
