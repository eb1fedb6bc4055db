"""The README cannot go stale: its commands run, its options exist, its examples work
(the sqlite-utils habit of checking documentation in CI)."""

from __future__ import annotations

import json
import re
import shlex
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconcile.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_two_setup_commands_come_first_and_ci_runs_the_second():
    install_and_run, run_tests = code_blocks("sh")[:2]
    assert install_and_run.startswith("pip install . && reconcile report sample_exports/")
    ci_commands = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci_commands == [run_tests.strip()]


def test_the_main_command_writes_the_three_reports(tmp_path, monkeypatch):
    install_and_run = code_blocks("sh")[0]
    argv = shlex.split(install_and_run.split("&&", 1)[1])[1:]  # after `reconcile`
    monkeypatch.chdir(ROOT)
    argv = [str(tmp_path / a) if a.startswith("report.") else a for a in argv]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    # The figures the README quotes for the sample.
    assert report["totals"]["customers_active"] == 84
    assert report["totals"]["subscriptions_active"] == 153
    assert "84 active customers hold 153 active subscriptions" in README
    assert (tmp_path / "report.html").stat().st_size > 0
    assert (tmp_path / "report.md").stat().st_size > 0


@pytest.mark.parametrize(
    "option", sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", README)) - {"--debug"})
)
def test_every_option_the_readme_names_exists(option):
    runner = CliRunner()
    helps = [runner.invoke(main, [command, "--help"]).output for command in ("report", "validate")]
    known_elsewhere = {"--sizes", "--repeat", "--check"}  # bench/run.py and ruff options
    assert option in known_elsewhere or any(option in text for text in helps)


def test_the_exit_codes_table_matches_the_cli():
    from reconcile import cli

    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", README, flags=re.MULTILINE))
    assert sorted(table) == ["0", "1", "2", "3"]
    assert (cli.EXIT_OK, cli.EXIT_THRESHOLD, cli.EXIT_UNUSABLE, cli.EXIT_BUG) == (0, 1, 2, 3)
    assert "--fail-on" in table["1"] and "bug" in table["3"]


def test_the_mapping_file_example_works(tmp_path):
    example = next(block for block in code_blocks("toml") if "extends" in block)
    mapping = tmp_path / "my-billing.toml"
    mapping.write_text(example, encoding="utf-8")
    export = tmp_path / "export.csv"
    export.write_text(
        "Vertragsnummer;Kundennummer;Modul;Vertragsstatus;Vertragsbeginn;Vertragsende\n"
        "V1;K1;ERP;aktiv;01.02.2024;\n"
        "V2;K1;Lohn;aktiv;01.03.2024;\n"
        "V3;K2;ERP;gekündigt;01.01.2023;31.12.2024\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    args = ["report", str(export), "--mapping-file", str(mapping), "--as-of", "2026-01-01"]
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    totals = json.loads(out.read_text())["totals"]
    # K1 holds V1 and V2 (both active); K2's only contract ended on 31.12.2024.
    assert (totals["subscriptions_active"], totals["customers_active"]) == (2, 1)
    assert totals["subscriptions_ended"] == 1


def test_the_figures_example_names_a_figure_every_option_knows(tmp_path):
    # The [figures] mapping file of "What a status means": its name reaches the report's
    # wording and --billing-figure (which once read [figures] in another shape).
    example = next(block for block in code_blocks("toml") if "[figures.de]" in block)
    mapping = tmp_path / "my-figures.toml"
    mapping.write_text(example, encoding="utf-8")
    out = tmp_path / "r.json"
    fixture = ROOT / "tests" / "fixtures" / "billing" / "subscriptions.csv"
    args = ["report", str(fixture), "--mapping-file", str(mapping), "--as-of", "2026-03-15"]
    result = CliRunner().invoke(main, [*args, "--billing-figure", "Abos aktiv=6", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert written["billing_system"]["figure_names"]["de"]["active"] == "Abos aktiv"
    (figure,) = written["billing_figures"]
    assert (figure["name"], figure["explained_by"]) == ("Abos aktiv", ["non_renewing"])


def test_the_python_example_runs_and_its_comments_are_true(monkeypatch):
    monkeypatch.chdir(ROOT)
    example = next(block for block in code_blocks("python") if "reconcile.reconcile(" in block)
    namespace: dict = {}
    exec(example, namespace)
    claims = re.findall(r"^(result\.\S+)\s+# (\d+)$", example, re.MULTILINE)
    assert len(claims) == 2
    for expression, expected in claims:
        assert eval(expression, namespace) == int(expected)


def test_the_email_example_sends_through_a_local_server(tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    received = []

    class Recorder(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    block = next(b for b in code_blocks("sh") if "--smtp-host 127.0.0.1" in b)
    command = block.split("&\n", 1)[1].replace("\\\n", " ")
    with socket.socket() as probe:  # a free port on the loopback interface
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        argv = shlex.split(command.replace("8025", str(port)))[1:]
        argv = [str(tmp_path / a) if a.startswith("report.") else a for a in argv]
        monkeypatch.chdir(ROOT)
        result = CliRunner().invoke(main, argv)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    (envelope,) = received
    assert envelope.rcpt_tos == ["controlling@example.com"]
    assert b"84 active customers" in envelope.content
    assert (tmp_path / "report.html").exists() and (tmp_path / "report.eml").exists()


def test_the_workbook_example_writes_the_sheets_it_lists(tmp_path, monkeypatch):
    from email import policy
    from email.parser import BytesParser

    import openpyxl

    block = next(b for b in code_blocks("sh") if "-o report.xlsx" in b)
    argv = shlex.split(block.replace("\\\n", " "))[1:]
    argv = [str(tmp_path / a) if a.startswith("report.") else a for a in argv]
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    # The README's list of sheets, in its order: "one sheet for each of these: A (…), B, …"
    text = " ".join(README.split("### The Excel workbook", 1)[1].split())
    listed = text.split("one sheet for each of these: ", 1)[1].split(". ", 1)[0]
    listed = re.sub(r" \([^)]*\)", "", listed).replace(", and ", ", ")
    assert book.sheetnames == listed.split(", ")
    summary = book["Summary"]
    assert (summary["B1"].value, summary["B2"].value) == ("Active customers", 84)
    assert (summary["C1"].value, summary["C2"].value) == ("Active subscriptions", 153)
    message = BytesParser(policy=policy.default).parsebytes((tmp_path / "report.eml").read_bytes())
    attached = [part.get_filename() for part in message.iter_attachments()]
    assert attached[:2] == ["report.html", "report.xlsx"]
