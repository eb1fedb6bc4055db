"""One catalogue of the billing system's figure names (issue 13, issue 11): the source
files' `[figures]` tables name each figure per language, and every user reads them there:
the report's wording (what Zoho calls its figures), `--billing-figure` (its names and the
usage error listing them) and `--billing-report` (its column headers). A mapping file's
`[figures]` table has the same shape and reaches all three.

Expected names are written out here, not read from the catalogue under test.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import reconcile
from reconcile import billing_figures
from reconcile.canonical import FIGURE_KINDS
from reconcile.cli import main
from reconcile.problems import ReconcileError
from reconcile.sources import all_sources, load_mapping_file, normalize_header

FIXTURE = Path(__file__).parent / "fixtures" / "billing" / "subscriptions.csv"
SOURCES = Path(reconcile.__file__).parent / "sources"
AS_OF = date(2026, 3, 15)

# Every name --billing-figure knows, kind by kind, English first (the usage error's order).
KNOWN = (
    "Active Customers, Active Subscriptions, Aktive Kunden, Aktive Abonnements, "
    "Net Customers, Net Subscriptions, Kunden netto, Abonnements netto, Netto-Kunden, "
    "Activations, New Subscriptions, Aktivierungen, Neue Abonnements, "
    "Cancellations, Churned Subscriptions, Kündigungen, Stornierungen, "
    "MRR, Net MRR, Monthly Recurring Revenue, Monatlich wiederkehrender Umsatz, "
    "ARPU, Average Revenue Per User, Durchschnittsumsatz pro Nutzer"
)


def report(tmp_path: Path, *options: str) -> tuple[int, str, dict]:
    path = tmp_path / "r.json"
    arguments = ["report", str(FIXTURE), "--as-of", AS_OF.isoformat(), "-o", str(path)]
    result = CliRunner().invoke(main, [*arguments, *options])
    written = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return result.exit_code, result.output, written


def test_the_names_live_in_the_source_files_only():
    # The report-export layout file names the period column, no figure.
    layout = tomllib.loads((SOURCES / "reports" / "billing_report.toml").read_text("utf-8"))
    assert set(layout) == {"billing_report"}
    assert set(layout["billing_report"]["columns"]) == {"period"}
    assert not (SOURCES / "reports" / "billing_figures.toml").exists()


def test_every_name_of_every_source_is_known_as_its_kind():
    known = billing_figures.catalogue()
    for source in all_sources():
        for lang, by_kind in source.figure_names.items():
            for kind, names in by_kind.items():
                for name in names:
                    assert known.kind_of(name) == kind, (source.name, lang, name)
    assert ", ".join(known.known_names()) == KNOWN


def test_no_name_is_two_figures():
    seen: dict[str, str] = {}
    for source in all_sources():
        for by_kind in source.figure_names.values():
            for kind, names in by_kind.items():
                for name in names:
                    assert seen.setdefault(normalize_header(name), kind) == kind, name


def test_the_words_the_report_uses_for_zoho_are_known_figure_names():
    zoho = next(s for s in all_sources() if s.name == "zoho").billing_system()
    assert zoho.figure_names == {
        "en": {"active": "Active Customers", "net": "Net Customers", "arpu": "ARPU"},
        "de": {"active": "Aktive Kunden", "net": "Kunden netto", "arpu": "ARPU"},
    }
    known = billing_figures.catalogue()
    for names in zoho.figure_names.values():
        for kind, name in names.items():
            assert known.kind_of(name) == kind


def test_a_system_that_counts_customers_is_named_for_nothing():
    for source in all_sources():
        if source.counts_subscriptions_as_customers != "yes":
            assert source.billing_system().figure_names == {}


def test_the_usage_error_lists_every_known_name(tmp_path):
    code, output, written = report(tmp_path, "--billing-figure", "Active Clients=8")
    assert code == 2
    assert "'Active Clients' is not a figure reconcile knows; known figures: " in output
    assert " ".join(KNOWN.split()) in " ".join(output.split())
    assert written == {}


def test_subscribers_are_customers_not_a_count_of_subscriptions(tmp_path):
    # Stripe, Chargebee, Recurly and WooCommerce count customers as "subscribers" (their
    # source files): their "Active Subscribers" is not set against the subscription count.
    code, output, _ = report(tmp_path, "--billing-figure", "Active Subscribers=5")
    assert code == 2
    assert "'Active Subscribers' is not a figure reconcile knows" in output


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("Active Customers=1.234", 1234),
        ("Active Customers=1,234", 1234),
        ("MRR=1.234,50 €", 1234.5),
    ],
)
def test_values_in_either_number_format_from_the_cli(tmp_path, typed, value):
    code, output, written = report(tmp_path, "--billing-figure", typed)
    assert code == 0, output
    (figure,) = written["billing_figures"]
    assert figure["billing_value"] == value


MAPPING = """\
extends = "zoho"

[figures]
counts_subscriptions_as_customers = "yes"

[figures.de]
active = ["Abos aktiv"]
"""


def test_a_mapping_files_figures_table_reaches_every_user(tmp_path):
    # The README's shape ([figures] and [figures.LANG]): before the merge, --billing-figure
    # read [figures] in another shape and stopped with an internal error on this file.
    mapping = tmp_path / "mine.toml"
    mapping.write_text(MAPPING, "utf-8")
    # --billing-figure knows the new name, and still the built-in ones.
    code, output, written = report(
        tmp_path,
        "--mapping-file",
        str(mapping),
        "--billing-figure",
        "Abos aktiv=6",
        "--billing-figure",
        "Active Customers=8",
    )
    assert code == 0, output
    assert [(f["name"], f["verdict"], f["explained_by"]) for f in written["billing_figures"]] == [
        ("Abos aktiv", "explained", ["non_renewing"]),
        ("Active Customers", "match", []),
    ]
    # The report names Zoho's figure in the mapping file's German word, English unchanged.
    names = written["billing_system"]["figure_names"]
    assert (names["de"]["active"], names["en"]["active"]) == ("Abos aktiv", "Active Customers")
    # --billing-report finds a column of that name.
    export = tmp_path / "kpis.csv"
    export.write_text("Monat;Abos aktiv\n2026-03;8\n", "utf-8")
    code, output, written = report(
        tmp_path, "--mapping-file", str(mapping), "--billing-report", str(export)
    )
    assert code == 0, output
    (figure,) = written["billing_figures"]
    assert (figure["name"], figure["period"], figure["verdict"]) == (
        "Abos aktiv",
        "2026-03",
        "match",
    )


def test_the_api_reads_the_same_catalogue(tmp_path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text(MAPPING, "utf-8")
    (figure,) = reconcile.reconcile(
        FIXTURE, as_of=AS_OF, billing_figures=["Abos aktiv=6"], mapping_file=mapping
    ).billing_figures
    assert (figure.figure, figure.explained_by) == ("active", ("non_renewing",))
    with pytest.raises(ReconcileError, match="'Abos aktiv' is not a figure reconcile knows"):
        reconcile.reconcile(FIXTURE, as_of=AS_OF, billing_figures=["Abos aktiv=6"])


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[figures.en]\nclients = "Clients"\n', r"\[figures.en\] clients is not a figure"),
        ("[figures.en]\nactive = []\n", r"\[figures.en\] active needs names"),
        ("[figures.en]\nactive = 3\n", r"\[figures.en\] active needs names"),
        ('[figures]\nen = "Active"\n', r"\[figures.en\] must be a table of figure names"),
        (
            '[figures]\ncounts_subscriptions_as_customers = "yes"\n[figures.en]\nactive = "A"\n',
            r"\[figures.en\] must name each of active, net, arpu \(missing: net, arpu\)",
        ),
    ],
)
def test_a_wrong_figures_table_says_what_is_wrong(tmp_path, text, says):
    mapping = tmp_path / "wrong.toml"
    mapping.write_text(text, "utf-8")
    with pytest.raises(ReconcileError, match=says):
        load_mapping_file(mapping)
    code, output, _ = report(tmp_path, "--mapping-file", str(mapping), "--billing-figure", "MRR=1")
    assert code == 2
    assert "Internal error" not in output


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[billing_report.columns]\nactive = 5\n", r"active needs header names"),
        ("[billing_report.columns]\nperiod = []\n", r"period needs header names"),
        ('[billing_report.columns]\nclients = ["Kunden"]\n', r"clients is not a figure"),
    ],
)
def test_a_wrong_report_layout_names_the_file(tmp_path, text, says):
    mapping = tmp_path / "layout.toml"
    mapping.write_text(text, "utf-8")
    with pytest.raises(ReconcileError, match=f"mapping file {mapping}: .*{says}"):
        billing_figures.catalogue_for(mapping)
    code, output, _ = report(tmp_path, "--mapping-file", str(mapping))
    assert code == 2
    assert says.replace("\\", "") in " ".join(output.split())


def test_every_kind_has_names_in_english_and_german():
    known = billing_figures.catalogue()
    for kind in FIGURE_KINDS:
        assert set(known.names[kind]) >= {"en", "de"}, kind


def test_the_names_the_readme_lists_are_known():
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text("utf-8").split())
    listed = readme.split("Known names: ", 1)[1].split(" (compared with", 1)[0]
    names = [name.strip() for group in listed.split(",") for name in group.split("/")]
    assert names == [
        "Active Customers",
        "Aktive Kunden",
        "Active Subscriptions",
        "Net Customers",
        "Kunden netto",
        "Activations",
        "Aktivierungen",
        "Cancellations",
        "Kündigungen",
        "MRR",
        "ARPU",
    ]
    known = billing_figures.catalogue()
    assert [known.kind_of(name) for name in names] == [
        "active",
        "active",
        "active",
        "net",
        "net",
        "activations",
        "activations",
        "cancellations",
        "cancellations",
        "mrr",
        "arpu",
    ]
