"""The billing system's own figures beside ours (DOMAIN.md, "The billing system's own
figures"), on tests/fixtures/billing/subscriptions.csv, whose counts are worked out by
hand in tests/fixtures/README.md:

On the as-of date 2026-03-15, 8 subscriptions are active (live 5: 101, 102, 103, 105,
108; non_renewing 2: 104, 112; dunning 1: 106) of 5 customers (all but Aalto). Not
active: trial 107, future 111, paused 110 (paused on 2026-03-01), cancelled 109.
On 2026-02-28: 9 active (101-106, 108, 110, 112; 109 was cancelled on 2026-02-20), 6
customers; on 2026-01-31: 9 active (101-106, 109, 110, 112), 5 customers (Kessler's 108
starts on 2026-02-10).
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import reconcile
from reconcile import billing_figures
from reconcile.cli import main
from reconcile.problems import ReconcileError

FIXTURE = Path(__file__).parent / "fixtures" / "billing" / "subscriptions.csv"
AS_OF = date(2026, 3, 15)


def compared(*figures: str):
    return reconcile.reconcile(FIXTURE, as_of=AS_OF, billing_figures=figures).billing_figures


def test_a_figure_equal_to_the_subscription_count_is_a_match():
    (figure,) = compared("Active Customers=8")
    assert (figure.subscriptions, figure.customers, figure.difference) == (8, 5, 0)
    assert (figure.verdict, figure.explained_by) == ("match", ())


def test_a_difference_of_exactly_one_smallest_set_of_statuses_is_explained():
    # 6 = 8 without the 2 non_renewing subscriptions (104, 112); no other status has 2.
    (figure,) = compared("Aktive Kunden=6")
    assert (figure.name, figure.period, figure.billing_value) == ("Aktive Kunden", "2026-03-15", 6)
    assert (figure.difference, figure.verdict) == (-2, "explained")
    assert figure.explained_by == ("non_renewing",)
    assert figure.explained_subscriptions == 2


def test_all_paying_statuses_left_out_is_one_set():
    (figure,) = compared("Active Customers=0")
    assert figure.explained_by == ("dunning", "live", "non_renewing")


def test_a_difference_no_set_of_statuses_makes_up_stays_unexplained():
    # 4 below: live (5) is too many, non_renewing + dunning (3) too few.
    (figure,) = compared("Active Customers=4")
    assert (figure.difference, figure.verdict, figure.explained_by) == (-4, "unexplained", ())


def test_several_smallest_sets_explain_nothing():
    # 1 above: trial, future and paused have one subscription each; none is named.
    (figure,) = compared("Active Customers=9")
    assert (figure.difference, figure.verdict, figure.explained_by) == (1, "ambiguous", ())


def test_a_higher_figure_is_explained_by_the_not_active_statuses_it_counted():
    # 11 = 8 + trial + future + paused: the only set of three.
    (figure,) = compared("Active Customers=11")
    assert (figure.verdict, figure.explained_by) == ("explained", ("future", "paused", "trial"))


def test_a_month_figure_is_observed_on_the_month_end():
    # February 2026 is observed on 2026-02-28: 9 active subscriptions of 6 customers. 8 is 9
    # without the one dunning subscription (106): paying statuses of the rows active then.
    (figure,) = compared("Active Customers@2026-02=8")
    assert figure.observed_on == date(2026, 2, 28)
    assert (figure.subscriptions, figure.customers) == (9, 6)
    assert (figure.verdict, figure.explained_by) == ("explained", ("dunning",))


def test_month_figures_of_changes():
    net, activations, cancellations = compared(
        "Net Customers@2026-02=1", "Activations@2026-02=1", "Cancellations@2026-02=1"
    )
    # 9 active on both month ends; customers 5 -> 6 (Kessler is new, Aalto keeps 110).
    assert (net.subscriptions, net.customers, net.difference, net.verdict) == (
        0,
        1,
        1,
        "unexplained",
    )
    # 108 became active, 109 ended; Kessler is a new customer, nobody churned.
    assert (activations.subscriptions, activations.customers, activations.verdict) == (
        1,
        1,
        "match",
    )
    assert (cancellations.subscriptions, cancellations.customers) == (1, 0)


def test_the_as_of_month_is_observed_on_the_as_of_date():
    (figure,) = compared("Active Customers@2026-03=8")
    assert (figure.observed_on, figure.verdict) == (AS_OF, "match")


def test_a_period_after_the_as_of_date_is_not_compared():
    (figure,) = compared("Active Customers@2026-04=8")
    assert figure.verdict == "after_as_of"
    assert (figure.subscriptions, figure.customers, figure.difference) == (None, None, None)


def test_the_json_lists_each_figure_with_the_issues_keys():
    result = reconcile.reconcile(FIXTURE, as_of=AS_OF, billing_figures=["Aktive Kunden=6"])
    (entry,) = result.to_dict()["billing_figures"]
    assert {
        key: entry[key]
        for key in (
            "name",
            "period",
            "billing_value",
            "subscriptions",
            "customers",
            "difference",
            "explained_by",
        )
    } == {
        "name": "Aktive Kunden",
        "period": "2026-03-15",
        "billing_value": 6,
        "subscriptions": 8,
        "customers": 5,
        "difference": -2,
        "explained_by": ["non_renewing"],
    }


def test_without_figures_the_list_is_empty():
    assert reconcile.reconcile(FIXTURE, as_of=AS_OF).to_dict()["billing_figures"] == []


# --------------------------------------------------------------------------- the option


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.234", 1234), ("1,234", 1234), ("155", 155), ("-3", -3), ("1 234", 1234), ("−2", -2)],
)
def test_counts_in_either_number_format(text, value):
    assert billing_figures.parse_count(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234,50", 1234.5),
        ("1,234.50", 1234.5),
        ("12,5", 12.5),
        ("€ 1.234,50", 1234.5),
        ("1234.50 EUR", 1234.5),
        ("1.234.567", 1234567),
    ],
)
def test_numbers_in_either_format(text, value):
    assert billing_figures.parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1.23.4", "12,5"])
def test_what_is_no_whole_number(text):
    assert billing_figures.parse_count(text) is None


def test_the_option_names_figure_period_and_value():
    figure = billing_figures.parse_figure_option("Kunden netto@2026-02=-1", AS_OF)
    assert (figure.name, figure.kind, figure.period, figure.value) == (
        "Kunden netto",
        "net",
        "2026-02",
        -1,
    )
    assert billing_figures.parse_figure_option(" active  customers =1.234", AS_OF).period == (
        "2026-03-15"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Active Customers", "give NAME=VALUE"),
        ("Active Customers@2026-13=5", "is not a month"),
        ("Active Customers@March=5", "is not a month"),
        ("Active Customers=12,5", "is not a whole number"),
    ],
)
def test_a_malformed_figure_says_what_is_wrong(text, says):
    with pytest.raises(ReconcileError, match=says):
        billing_figures.parse_figure_option(text, AS_OF)


def test_an_unknown_name_is_a_usage_error_listing_the_known_ones(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "report",
            str(FIXTURE),
            "--as-of",
            "2026-03-15",
            "-o",
            str(tmp_path / "r.json"),
            "--billing-figure",
            "Active Clients=8",
        ],
    )
    assert result.exit_code == 2
    assert "'Active Clients' is not a figure reconcile knows" in result.output
    for name in ("Active Customers", "Aktive Kunden", "Net Customers", "Kunden netto"):
        assert name in result.output
    assert not (tmp_path / "r.json").exists()


def test_the_cli_writes_what_the_api_computes(tmp_path):
    figures = ["Aktive Kunden=6", "Net Customers@2026-02=1"]
    path = tmp_path / "r.json"
    arguments = ["report", str(FIXTURE), "--as-of", "2026-03-15", "-o", str(path)]
    for figure in figures:
        arguments += ["--billing-figure", figure]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    api = reconcile.reconcile(FIXTURE, as_of=AS_OF, billing_figures=figures).to_dict()
    assert json.loads(path.read_text("utf-8"))["billing_figures"] == api["billing_figures"]


def test_a_mapping_file_adds_names(tmp_path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text('[figures.de]\nactive = ["Abos aktiv"]\n', "utf-8")
    known = billing_figures.catalogue_for(mapping)
    assert billing_figures.parse_figure_option("Abos aktiv=3", AS_OF, known).kind == "active"
    assert billing_figures.parse_figure_option("Aktive Kunden=3", AS_OF, known).kind == "active"


# --------------------------------------------------------------------------- the report


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "without the 2 subscriptions with status non\\_renewing"),
        ("de", "ohne die 2 Abonnements mit Status non\\_renewing"),
    ],
)
def test_the_markdown_section_follows_the_per_product_figures(lang, expected):
    from reconcile.rendering import render

    result = reconcile.reconcile(FIXTURE, as_of=AS_OF, billing_figures=["Aktive Kunden=6"])
    text = render(result, "md", lang=lang)
    title = {"en": "## Your billing system's figures", "de": "## Die Zahlen Ihres"}[lang]
    plans = {"en": "### By plan", "de": "### Nach Tarif"}[lang]
    bridge = {"en": "## From rows to customers", "de": "## Von Zeilen zu Kunden"}[lang]
    assert expected in text
    # The report's order (issue 14): answer, what stands out, per product, revenue, the
    # billing system's figures, then the bridge.
    assert text.index(plans) < text.index(title) < text.index(bridge)
    assert "|\n\n## " in text[text.index(title) : text.index(bridge) + 3]


def test_the_html_section_escapes_the_name():
    from reconcile.rendering import render

    result = reconcile.reconcile(FIXTURE, as_of=AS_OF, billing_figures=["Aktive Kunden=6"])
    html = render(result, "html", lang="en")
    assert "Your billing system&#39;s figures" in html or "Your billing system's figures" in html
    assert "without the 2 subscriptions with status non_renewing" in html


def test_no_section_without_figures():
    from reconcile.rendering import render

    result = reconcile.reconcile(FIXTURE, as_of=AS_OF)
    assert "billing system's figures" not in render(result, "md", lang="en")


def test_the_email_body_has_one_line():
    from reconcile.delivery import build_message

    result = reconcile.reconcile(
        FIXTURE, as_of=AS_OF, billing_figures=["Aktive Kunden=6", "Active Customers=8"]
    )
    message = build_message(
        result, attachments=[], rejected_rows_csv=None, lang="en", sender=None, recipients=[]
    )
    body = message.get_body(("plain",)).get_content()
    lines = [line for line in body.splitlines() if "billing system's figures" in line]
    assert lines == [
        "Your billing system's figures: of 2 compared, 1 equal the subscription count, "
        "1 differ by statuses the report names, 0 are unexplained."
    ]


# --------------------------------------------------------------------------- the search


def oracle(effects: dict[str, int], difference: int) -> tuple[str, tuple[str, ...]]:
    """Every subset of statuses, by plain enumeration: the smallest that add up to the
    difference with every effect pointing its way."""
    if difference == 0:
        return "match", ()
    items = list(effects.items())
    for size in range(1, len(items) + 1):
        hits = [
            tuple(sorted(s for s, _ in combo))
            for combo in itertools.combinations(items, size)
            if all((e > 0) == (difference > 0) for _, e in combo)
            and sum(e for _, e in combo) == difference
        ]
        if len(hits) == 1:
            return "explained", hits[0]
        if hits:
            return "ambiguous", ()
    return "unexplained", ()


@given(
    st.dictionaries(
        st.sampled_from(["live", "non_renewing", "dunning", "trial", "future", "paused", "unpaid"]),
        st.integers(-40, 40).filter(bool),
        max_size=7,
    ),
    st.integers(-60, 60),
)
def test_the_search_agrees_with_enumerating_every_set(effects, difference):
    verdict, statuses = billing_figures.explaining_statuses(effects, difference)
    assert (verdict, statuses) == oracle(effects, difference)
    if verdict == "explained":  # never forced: the named statuses make it up exactly
        assert sum(effects[s] for s in statuses) == difference


def test_the_readme_example_says_what_the_readme_says(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    (block,) = [
        b for b in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL) if "--billing-figure" in b
    ]
    argv = shlex.split(block.replace("\\\n", " "))[1:]
    argv = [str(tmp_path / a) if a.startswith("report.") else a for a in argv]
    argv += ["-o", str(tmp_path / "report.json")]
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    active, net = json.loads((tmp_path / "report.json").read_text("utf-8"))["billing_figures"]
    # The sample's two unpaid subscriptions still in their last paid period are active;
    # Zoho counts only live ones.
    assert (active["subscriptions"], active["difference"], active["explained_by"]) == (
        153,
        -2,
        ["unpaid"],
    )
    assert (net["subscriptions"], net["customers"], net["verdict"]) == (1, 2, "match")
    assert "Die Zahlen Ihres Abrechnungssystems" in (tmp_path / "report.html").read_text("utf-8")


@pytest.mark.parametrize("window", [0, 1, 30])
def test_month_figures_agree_with_the_history(window):
    # The same month ends, the same customers (a replaced subscription lasting until its
    # successor starts): every month of the sample's history, as figures.
    sample = Path(__file__).resolve().parent.parent / "sample_exports" / "zoho"
    as_of = date(2026, 11, 15)
    months = [m.period for m in reconcile.reconcile(sample, as_of=as_of).timeline]
    texts = [f"Active Customers@{m}=0" for m in months] + [f"Net Customers@{m}=0" for m in months]
    result = reconcile.reconcile(
        sample, as_of=as_of, billing_figures=texts, plan_change_window=window
    )
    active, net = result.billing_figures[: len(months)], result.billing_figures[len(months) :]
    for month, stock, change in zip(result.timeline, active, net, strict=True):
        assert (stock.subscriptions, stock.customers) == (
            month.subscriptions_active,
            month.customers_active,
        ), month.period
        assert (change.subscriptions, change.customers) == (
            month.subscriptions_net,
            month.customers_net,
        ), month.period


# --------------------------------------------------------------------------- money
# MRR on 2026-03-15, by hand: 101 120 + 102 900/12 = 75 + 103 120 + 104 80 + 105 330/3 =
# 110 + 106 80 + 108 120 + 112 900/12 = 75 -> 780.00 EUR over 8 subscriptions (ARPU
# 97.50) of 5 customers (ARPA 156.00). Not active: paused 110 80, future 111 100, trial
# 107 0. February's month end adds 110 (80): 860.00.


@pytest.mark.parametrize(
    ("text", "verdict", "statuses", "difference"),
    [
        ("MRR=780 €", "match", (), 0.0),
        # 625 = 780 without non_renewing 104 and 112 (80 + 75); no other status has 155.
        ("MRR=625", "explained", ("non_renewing",), -155.0),
        # 860 = 780 plus the paused 110 (80), the only not-active status with 80.
        ("MRR=860,00 EUR", "explained", ("paused",), 80.0),
        ("MRR@2026-02=860", "match", (), 0.0),
        ("ARPU=97,50", "match", (), 0.0),
        # 100.00 = (780 - 80) / 7: without the dunning 106; no other set gives 100.00.
        ("ARPU=100", "explained", ("dunning",), 2.5),
        ("ARPU=120", "unexplained", (), 22.5),
    ],
)
def test_mrr_and_arpu(text, verdict, statuses, difference):
    (figure,) = compared(text)
    assert (figure.verdict, figure.explained_by, figure.difference) == (
        verdict,
        statuses,
        difference,
    )
    assert figure.currency == "EUR"
    if figure.figure == "arpu":
        assert (figure.subscriptions, figure.customers) == (97.5, 156.0)  # ARPU, ARPA
    elif figure.period == "2026-03-15":
        assert (figure.subscriptions, figure.customers) == (780.0, 780.0)


def test_money_needs_a_currency_when_there_are_several(tmp_path):
    export = tmp_path / "subscriptions.csv"
    export.write_text(
        "Subscription ID,Customer ID,Status,Amount,Currency Code,Interval,Interval Unit,"
        "Activated On\nS1,C1,live,10,EUR,1,months,2025-01-01\nS2,C2,live,10,USD,1,months,"
        "2025-01-01\n",
        "utf-8",
    )
    with pytest.raises(ReconcileError, match="EUR, USD; say which"):
        reconcile.reconcile(export, as_of=AS_OF, billing_figures=["MRR=20"])
    (figure,) = reconcile.reconcile(
        export, as_of=AS_OF, billing_figures=["MRR=$10"]
    ).billing_figures
    assert (figure.currency, figure.verdict) == ("USD", "match")
