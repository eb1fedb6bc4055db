"""Zoho Billing's report downloads as input (issue 16): monthly MRR Details reports as a
history, Zoho's MRR report beside it, Churned Subscriptions reports as cancellations.

The fixtures (tests/zoho_reports.py) are in Zoho's exact layout, title row and merged
cells included, written as .xlsx with XlsxWriter and as CSV. Every expected figure is
computed here from the fixture rows with plain Python, sharing no code with reconcile.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reconcile
from reconcile.cli import main
from tests import zoho_reports as zoho

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs/report.schema.json").read_text())
JUL, AUG, SEP = sorted(zoho.MONTHS)
LAST_END = zoho.month_end(SEP)


# --------------------------------------------------------------------------- the oracle


def month_rows(month):
    """(subscription_id, customer_id, mrr) of a month's report, from the fixture."""
    return [
        (zoho.SUBSCRIPTIONS[key][0], zoho.CUSTOMERS[zoho.SUBSCRIPTIONS[key][2]][0], Decimal(mrr))
        for key, _day, _created, mrr in zoho.MONTHS[month]
    ]


def held(month, by):
    """MRR per customer (by=1) or per subscription (by=0) in a month."""
    totals = defaultdict(Decimal)
    for row in month_rows(month):
        totals[row[by]] += row[2]
    return dict(totals)


def movements(month, before, earlier, by):
    """DOMAIN.md's MRR movements between two months, by hand."""
    now, then = held(month, by), held(before, by)
    seen = set().union(*(held(m, by) for m in earlier))
    moved = dict.fromkeys(("new", "reactivation", "expansion", "contraction", "churn"), Decimal(0))
    for key, mrr in now.items():
        if key not in then:
            moved["reactivation" if key in seen else "new"] += mrr
        elif mrr > then[key]:
            moved["expansion"] += mrr - then[key]
        elif mrr < then[key]:
            moved["contraction"] += then[key] - mrr
    for key, mrr in then.items():
        if key not in now:
            moved["churn"] += mrr
    return {kind: float(value) for kind, value in moved.items()}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def folder(tmp_path):
    """Three monthly MRR Details reports (two .xlsx, one CSV) and three churn reports."""
    zoho.write_mrr_details(tmp_path, JUL)
    zoho.write_mrr_details(tmp_path, AUG, ".csv")
    zoho.write_mrr_details(tmp_path, SEP)
    for month in zoho.CHURNED:
        zoho.write_churned(tmp_path, month)
    return tmp_path


def report_json(tmp_path, *args):
    out = tmp_path / "out" / "report.json"
    result = CliRunner().invoke(main, ["report", *map(str, args), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the history


def test_every_month_counts_rows_customers_and_mrr_of_its_report(folder):
    data = report_json(folder, folder, "--as-of", LAST_END.isoformat())
    months = data["report_downloads"]["months"]
    assert [m["period"] for m in months] == ["2025-07", "2025-08", "2025-09"]
    for month, figures in zip(sorted(zoho.MONTHS), months, strict=True):
        rows = month_rows(month)
        assert figures["subscriptions"] == len(rows)
        assert figures["customers"] == len({customer for _, customer, _ in rows})
        assert figures["mrr"] == float(sum(mrr for _, _, mrr in rows))
        assert figures["arpu"] == round(figures["mrr"] / len(rows), 2)
        assert figures["arpa"] == round(figures["mrr"] / figures["customers"], 2)
    # On the as-of date (the last month's end) the engine counts that month's report.
    last = month_rows(SEP)
    assert data["totals"]["subscriptions_active"] == len(last)
    assert data["totals"]["customers_active"] == len({customer for _, customer, _ in last})
    assert data["inputs"]["subscriptions"]["source"] == "zoho_mrr_details"
    jsonschema.validate(data, SCHEMA)


def test_several_paths_are_the_same_as_their_folder(folder):
    by_folder = reconcile.reconcile(folder, as_of=LAST_END).to_dict()
    by_paths = reconcile.reconcile(sorted(folder.iterdir()), as_of=LAST_END).to_dict()
    assert by_paths["report_downloads"]["months"] == by_folder["report_downloads"]["months"]
    assert by_paths["totals"] == by_folder["totals"]


def test_as_of_defaults_to_the_last_report_months_end(folder):
    assert report_json(folder, folder)["as_of"] == LAST_END.isoformat()


def test_a_day_within_a_month_counts_the_rows_active_by_then(folder):
    # Haldane's subscription began on 20 August: not yet active on 15 August.
    data = report_json(folder, folder, "--as-of", "2025-08-15")
    started = [row for row in zoho.MONTHS[AUG] if row[1] <= "2025-08-15"]
    assert data["totals"]["subscriptions_active"] == len(started)


def test_backdated_subscriptions_are_counted_in_their_month(folder):
    data = report_json(folder, folder)
    backdated = [row for row in zoho.MONTHS[SEP] if row[2] > LAST_END.isoformat()]
    assert len(backdated) == 1
    september = data["report_downloads"]["months"][-1]
    assert september["backdated"] == 1
    assert september["subscriptions"] == len(zoho.MONTHS[SEP])  # counted, not dropped
    finding = next(f for f in data["findings"] if f["code"] == "backdated_subscriptions")
    assert (finding["severity"], finding["count"]) == ("info", 1)
    assert "MRR_Details_Sep_2025.xlsx" in finding["message"]


def test_created_at_is_never_the_start(folder):
    # The backdated row was created in October: were created_at the start, it would not
    # be active on 30 September.
    table, _ = reconcile.load(folder / "MRR_Details_Sep_2025.xlsx")
    ferreira = table.frame.filter(table.frame["subscription_id"] == zoho.SUBSCRIPTIONS["s7"][0])
    assert ferreira["start"].to_list() == [datetime.date(2025, 9, 1)]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_month_comes_from_the_dates_without_a_title(tmp_path, suffix):
    zoho.write_mrr_details(tmp_path, AUG, suffix, with_title=False)
    data = report_json(tmp_path, tmp_path)
    assert data["as_of"] == "2025-08-31"
    assert data["report_downloads"]["months"][0]["subscriptions"] == len(zoho.MONTHS[AUG])


def test_customer_level_movements_against_zoho_style_ones(folder):
    months = report_json(folder, folder)["report_downloads"]["months"]
    assert months[0]["customer_movements"] is None  # no month before the first
    for index, month in enumerate((AUG, SEP), start=1):
        before, earlier = sorted(zoho.MONTHS)[index - 1], sorted(zoho.MONTHS)[: index - 1]
        figures = months[index]
        assert figures["customer_movements"] == movements(month, before, earlier, by=1)
        assert figures["subscription_movements"] == movements(month, before, earlier, by=0)
    # Brenner's second subscription in August is expansion per customer, new per
    # subscription; Kovač's cancelled one of two in September is contraction, not churn.
    assert months[1]["customer_movements"]["expansion"] == 50.0
    assert months[1]["subscription_movements"]["new"] == 80.0
    assert months[2]["customer_movements"]["contraction"] == 40.0 + 15.0  # Kovač, Nyström's credit
    assert months[2]["customer_movements"]["churn"] == 80.0  # Okafor left
    assert months[2]["subscription_movements"]["churn"] == 120.0


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(0, 7), st.integers(0, 3), st.integers(-20, 300)),
            max_size=8,
        ),
        min_size=2,
        max_size=4,
    )
)
def test_movements_balance_every_month(tmp_path_factory, months):
    # Random months of subscriptions (id, customer, mrr): per customer and per
    # subscription, MRR(M) - MRR(M-1) = new + reactivation + expansion - contraction - churn.
    folder = tmp_path_factory.mktemp("months")
    first = datetime.date(2025, 1, 1)
    for offset, rows in enumerate(months):
        month = datetime.date(2025, 1 + offset, 1)
        unique = {sub: (customer, mrr) for sub, customer, mrr in rows}
        written = [
            (f"{month}", f"S{sub}", "", "P", "Plan", f"Kunde {customer}", f"C{customer}", "",
             "", f"{first}", "", f"{mrr}.00", "")
            for sub, (customer, mrr) in unique.items()
        ]  # fmt: skip
        zoho.write_report(
            folder / f"m{offset}.csv",
            "MRR Details Report",
            month,
            zoho.month_end(month),
            zoho.MRR_DETAILS_HEADER,
            written,
        )
    written_months = [m for m in months if m]
    if not written_months:
        return
    result = reconcile.reconcile(folder)
    history = result.report_downloads
    assert history is not None
    by_period = {m.period: m for m in history.months}
    for month in history.months:
        year, number = map(int, month.period.split("-"))
        before = by_period.get(f"{year}-{number - 1:02d}")
        for moved in (month.customer_movements, month.subscription_movements):
            if before is None:
                assert moved is None
                continue
            assert moved is not None
            assert abs(month.mrr - before.mrr - moved.net_new) < 0.01


# --------------------------------------------------------------------------- months given wrong


def test_a_month_given_twice_is_reported_and_counted_once(folder):
    copy = folder / "MRR Details (1).xlsx"
    copy.write_bytes((folder / "MRR_Details_Sep_2025.xlsx").read_bytes())
    data = report_json(folder, folder)
    downloads = data["report_downloads"]
    assert downloads["months"][-1]["subscriptions"] == len(zoho.MONTHS[SEP])
    [twice] = downloads["duplicate_months"]
    assert twice["period"] == "2025-09"
    assert twice["identical"] is True
    assert twice["used"].endswith("MRR Details (1).xlsx")  # the first by name
    finding = next(f for f in data["findings"] if f["code"] == "report_month_twice")
    assert finding["severity"] == "warning"
    unused = [f for f in downloads["files"] if not f["used"]]
    assert [Path(f["file"]).name for f in unused] == ["MRR_Details_Sep_2025.xlsx"]


def test_a_missing_month_is_reported_and_breaks_the_movements(tmp_path):
    zoho.write_mrr_details(tmp_path, JUL)
    zoho.write_mrr_details(tmp_path, SEP)
    data = report_json(tmp_path, tmp_path)
    downloads = data["report_downloads"]
    assert downloads["missing_months"] == ["2025-08"]
    assert [m["period"] for m in downloads["months"]] == ["2025-07", "2025-09"]
    assert downloads["months"][1]["customer_movements"] is None
    finding = next(f for f in data["findings"] if f["code"] == "report_months_missing")
    assert (finding["severity"], finding["count"]) == ("warning", 1)


def test_as_of_outside_the_reports_is_refused_with_advice(folder):
    result = CliRunner().invoke(
        main, ["report", str(folder), "--as-of", "2025-10-15", "-o", str(folder / "r.json")]
    )
    assert result.exit_code == 2
    assert "no MRR Details report covers the as-of date 2025-10-15" in result.output
    assert "--as-of 2025-09-30" in result.output


# --------------------------------------------------------------------------- Zoho's MRR report


# Zoho's MRR report as it would show these months, worked out by hand: per subscription,
# and without the credit row of -15.00 in September.
ZOHO_MRR = {
    AUG: {"new_mrr": "80.00", "reactivation_mrr": "0.00", "expansion_mrr": "0.00",
          "contradiction_mrr": "0.00", "churn_mrr": "0.00", "net_new": "80.00",
          "previous_mrr": "325.00", "net_mrr": "405.00"},
    SEP: {"new_mrr": "70.00", "reactivation_mrr": "0.00", "expansion_mrr": "0.00",
          "contradiction_mrr": "0.00", "churn_mrr": "120.00", "net_new": "-50.00",
          "previous_mrr": "405.00", "net_mrr": "355.00"},
}  # fmt: skip


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_zohos_mrr_report_beside_the_reports(folder, suffix):
    zoho.write_mrr_summary(folder, ZOHO_MRR, suffix)
    data = report_json(folder, folder)
    billing = {m["period"]: m for m in data["report_downloads"]["billing_mrr"]}
    september = billing["2025-09"]
    figures = {f["figure"]: f for f in september["figures"]}
    assert figures["mrr"]["billing_system"] == 355.0
    ours = float(sum(mrr for _, _, mrr in month_rows(SEP)))
    assert figures["mrr"]["customers"] == ours
    assert figures["churn"]["billing_system"] == 120.0
    assert figures["churn"]["customers"] == movements(SEP, AUG, [JUL], by=1)["churn"]
    # Zoho's MRR is higher by the credit row it leaves out, named by its subscription.
    credit = [(s, m) for s, _, m in month_rows(SEP) if m < 0]
    assert september["mrr_difference"] == 355.0 - ours == -float(sum(m for _, m in credit))
    assert september["explained_by"] == "credit_rows"
    assert [r["subscription_id"] for r in september["explaining_rows"]] == [s for s, _ in credit]

    # New subscriptions of customers already active the month before: expansion. In
    # September only Nyström's credit row; in August Brenner's second subscription.
    def new_from_active(month, before):
        active = set(held(before, 1))
        previous = set(held(before, 0))
        return float(sum(m for s, c, m in month_rows(month) if s not in previous and c in active))

    assert september["new_from_active_customers"] == new_from_active(SEP, AUG)
    assert billing["2025-08"]["new_from_active_customers"] == new_from_active(AUG, JUL) == 50.0
    # Cancelled subscriptions of customers who stayed (Kovač): contraction, not churn.
    staying = set(held(SEP, 1))
    gone = [(c, m) for s, c, m in month_rows(AUG) if s not in held(SEP, 0)]
    assert september["churn_of_staying_customers"] == float(sum(m for c, m in gone if c in staying))
    finding = next(f for f in data["findings"] if f["code"] == "billing_mrr_differs")
    assert finding["params"]["explained_by"] == "credit_rows"
    jsonschema.validate(data, SCHEMA)


def test_zohos_mrr_report_in_both_languages(folder):
    zoho.write_mrr_summary(folder, ZOHO_MRR)
    out = folder / "out"
    args = ["report", str(folder), "-o", str(out / "r.md"), "-o", str(out / "r.html")]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (
        CliRunner().invoke(main, [*args[:2], "--lang", "de", "-o", str(out / "de.md")]).exit_code
        == 0
    )
    english = (out / "r.md").read_text(encoding="utf-8")
    assert "Zoho's MRR report beside the MRR Details reports" in english
    assert "| Sep 2025 | Churn MRR | 120.00 | 120.00 | 80.00 |" in english
    german = (out / "de.md").read_text(encoding="utf-8")
    assert "Der MRR-Bericht von Zoho neben den MRR-Details-Berichten" in german
    assert "| Sep 2025 | MRR aus Abwanderung | 120,00 | 120,00 | 80,00 |" in german


# --------------------------------------------------------------------------- cancellations


def test_cancellations_split_into_customers_who_stayed_and_who_left(folder):
    data = report_json(folder, folder)
    by_month = {m["period"]: m for m in data["report_downloads"]["cancellations"]}
    assert by_month["2025-07"]["cancelled"] == 0  # a month without cancellations
    september = by_month["2025-09"]
    cancelled = zoho.CHURNED[SEP]
    remaining = {zoho.SUBSCRIPTIONS[key][2] for key, *_ in zoho.MONTHS[SEP]}
    owners = [zoho.SUBSCRIPTIONS[key][2] for key, *_ in cancelled]
    assert september["cancelled"] == len(cancelled)
    assert september["customer_stayed"] == sum(owner in remaining for owner in owners)
    left = sorted({zoho.CUSTOMERS[o][0] for o in owners if o not in remaining})
    assert september["customers_left"] == len(left)
    assert [c["customer_id"] for c in september["left"]] == left
    assert september["reasons_given"] == sum(1 for *_, reason in cancelled if reason)
    finding = next(f for f in data["findings"] if f["code"] == "cancellations_not_churn")
    assert finding["count"] == september["customer_stayed"]


def test_cancellation_reasons_are_never_quoted_and_redact_drops_their_count(folder):
    out = folder / "out"
    files = [out / "r.json", out / "r.md", out / "r.html"]
    args = ["report", str(folder)] + [arg for path in files for arg in ("-o", str(path))]
    assert CliRunner().invoke(main, args).exit_code == 0
    reasons = [reason for *_, reason in zoho.CHURNED[SEP]]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not any(reason in text for reason in reasons), path
    assert CliRunner().invoke(main, [*args, "--redact"]).exit_code == 0
    data = json.loads(files[0].read_text(encoding="utf-8"))
    september = data["report_downloads"]["cancellations"][-1]
    assert september["reasons_given"] is None
    assert september["left"][0]["name"].startswith("Customer ")
    for path in files:
        assert "Okafor" not in path.read_text(encoding="utf-8"), path


# --------------------------------------------------------------------------- reports alone


@pytest.mark.parametrize(
    ("write", "what"),
    [
        (lambda folder: zoho.write_churned(folder, SEP), "Churned Subscriptions report"),
        (lambda folder: zoho.write_mrr_summary(folder, ZOHO_MRR), "MRR report"),
    ],
)
@pytest.mark.parametrize("as_folder", [False, True])
def test_a_report_without_subscriptions_says_what_it_is(tmp_path, write, what, as_folder):
    path = write(tmp_path)
    given = tmp_path if as_folder else path
    result = CliRunner().invoke(main, ["report", str(given), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert f"{path}: is the Zoho Billing {what}" in result.output
    assert "Give it together with the MRR Details reports" in result.output
    assert "no start" not in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- with an export


def test_a_subscriptions_export_is_checked_month_by_month(folder):
    # Zoho's Subscriptions list, as of October: every fixture subscription with its
    # activation and cancellation; s9 is missing, and a subscription no report has.
    header = (
        "Subscription ID,Customer ID,Customer Name,Status,Activated On,Cancelled On,"
        "Product Name,Plan Name,Amount\n"
    )
    spans = {
        "s1": ("2024-03-11", ""), "s2": ("2025-08-12", ""), "s3": ("2024-05-02", ""),
        "s4": ("2024-05-02", "2025-09-01"), "s5": ("2023-11-20", "2025-09-01"),
        "s6": ("2025-08-20", ""), "s7": ("2025-09-01", ""), "s8": ("2025-09-05", ""),
    }  # fmt: skip
    lines = []
    for key, (start, end) in spans.items():
        subscription_id, _, customer, product, plan = zoho.SUBSCRIPTIONS[key]
        status = "cancelled" if end else "live"
        customer_id, name, _ = zoho.CUSTOMERS[customer]
        lines.append(
            f"{subscription_id},{customer_id},{name},{status},{start},{end},{product},{plan},10"
        )
    lines.append(
        "460000000000299999,460000000000100001,x,live,2025-01-01,,Lagerverwaltung,Extra,10"
    )
    (folder / "subscriptions.csv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    data = report_json(folder, folder)
    assert data["inputs"]["subscriptions"]["file"].endswith("subscriptions.csv")
    check = {m["period"]: m for m in data["report_downloads"]["export_check"]}
    for month in sorted(zoho.MONTHS):
        end = zoho.month_end(month).isoformat()
        exported = {
            zoho.SUBSCRIPTIONS[key][0]
            for key, (start, stop) in spans.items()
            if start <= end and (not stop or stop > end)
        } | {"460000000000299999"}
        listed = {subscription_id for subscription_id, _, _ in month_rows(month)}
        figures = check[f"{month:%Y-%m}"]
        assert figures["in_both"] == len(exported & listed)
        assert figures["only_in_report"] == len(listed - exported)
        assert figures["only_in_export"] == len(exported - listed)
    assert check["2025-09"]["only_in_report_examples"] == [zoho.SUBSCRIPTIONS["s9"][0]]


# --------------------------------------------------------------------------- safe to mail


def test_names_in_the_reports_are_escaped_and_one_file_is_a_month(tmp_path):
    path = zoho.write_report(
        tmp_path / "mrr.xlsx",
        "MRR Details Report",
        SEP,
        LAST_END,
        zoho.MRR_DETAILS_HEADER,
        [
            ("2025-09-01", "460000000000200001", "SUB-1", "<b>P</b>", "Plan", "A", "C1", "",
             "", "2025-01-01", "", "10.00", ""),
        ],
    )  # fmt: skip
    churned = zoho.write_report(
        tmp_path / "churn.csv",
        "Churned Subscriptions",
        SEP,
        LAST_END,
        zoho.CHURNED_HEADER,
        [
            ("", "5.00", "<script>alert(1)</script> | **x**", "e@x.example", "Plan", "C2",
             "460000000000200002", "<img src=x>", "SUB-2", "5", "1", "2025-09-03", ""),
        ],
    )  # fmt: skip
    out = tmp_path / "out"
    args = ["report", str(path), str(churned), "-o", str(out / "r.html"), "-o", str(out / "r.md")]
    result = CliRunner().invoke(main, [*args, "-o", str(out / "rows.csv")])
    assert result.exit_code == 0, result.output
    html = (out / "r.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x>" not in html  # the reason is not there at all
    markdown = (out / "r.md").read_text(encoding="utf-8")
    assert "\\<script\\>" in markdown and "\\| \\*\\*x\\*\\*" in markdown
    # One MRR Details file: the month's snapshot, and the row trace of its rows.
    rows = (out / "rows.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 and rows[1].startswith(str(path))


def test_the_python_api_with_tables_gives_the_same_result(folder):
    whole = reconcile.reconcile(folder).to_dict()
    downloads = reconcile.load_downloads([folder])
    tables = reconcile.load([folder], downloads=downloads, as_of=LAST_END)
    assert tables[0].file.endswith("MRR_Details_Sep_2025.xlsx")
    result = reconcile.reconcile_tables(*tables, LAST_END, downloads=downloads).to_dict()
    assert result == whole


def test_zohos_mrr_report_given_as_billing_report(tmp_path_factory, folder):
    # --billing-report with Zoho's MRR report: the same as when it sits in the folder.
    summary = zoho.write_mrr_summary(tmp_path_factory.mktemp("elsewhere"), ZOHO_MRR)
    given = report_json(folder, folder, "--billing-report", summary)
    billing = given["report_downloads"]["billing_mrr"]
    assert [m["period"] for m in billing] == ["2025-08", "2025-09"]
    assert billing[1]["explained_by"] == "credit_rows"


def test_zohos_mrr_report_beside_the_history_of_a_subscriptions_export(tmp_path):
    # Without MRR Details reports, Zoho's figures stand beside the engine's customer-level
    # revenue history of the export. Two monthly subscriptions of one customer, the second
    # from August: by hand, August's customer-level MRR moves 100 -> 150, all expansion.
    export = tmp_path / "subscriptions.csv"
    export.write_text(
        "subscription_id,customer_id,status,start_date,amount,currency\n"
        "S1,C1,active,2025-07-01,100,EUR\n"
        "S2,C1,active,2025-08-10,50,EUR\n",
        encoding="utf-8",
    )
    figures = {
        month: {"new_mrr": new, "reactivation_mrr": "0", "expansion_mrr": "0",
                "contradiction_mrr": "0", "churn_mrr": "0", "net_new": new,
                "previous_mrr": previous, "net_mrr": total}
        for month, new, previous, total in ((JUL, "100", "0", "100"), (AUG, "50", "100", "150"))
    }  # fmt: skip
    summary = zoho.write_mrr_summary(tmp_path, figures)
    data = report_json(tmp_path, export, "--as-of", "2025-08-31", "--billing-report", summary)
    [july, august] = data["report_downloads"]["billing_mrr"]
    assert {f["figure"]: f["customers"] for f in july["figures"]}["new"] == 100.0
    by_figure = {f["figure"]: f for f in august["figures"]}
    assert by_figure["new"]["billing_system"] == 50.0
    assert by_figure["new"]["customers"] == 0.0
    assert by_figure["expansion"]["customers"] == 50.0
    assert by_figure["mrr"]["customers"] == 150.0
    assert by_figure["previous"]["customers"] == 100.0
    assert by_figure["new"]["subscriptions"] is None  # no per-subscription history here
    assert data["report_downloads"]["months"] == []
    assert data["totals"]["subscriptions_active"] == 2
