"""Zoho Billing's report downloads, written in Zoho's exact layout for tests.

Every report, as .xlsx or CSV, has the same shape (issue 16, from a real account's
downloads): row 1 is a title cell merged across every column, with line breaks
(`<Organisation>\\nMRR Details Report\\n\\nFrom 01 Sep 2025 To 30 Sep 2025`), row 2 the
header, then one row per record, and the last row is empty. Dates are ISO text, IDs
18-digit text. The organisation, people and companies below are invented.

`MONTHS` is a three-month account of Lindenholz Software GmbH (July to September 2025):
- Brenner adds a second subscription in August (expansion);
- Kovač cancels one of two subscriptions in September (contraction, not churn);
- Okafor's only subscription ends after August (churn);
- Haldane is new in August; Ferreira is new in September with a backdated subscription
  (created in October, `created_at` after its month);
- Nyström has a credit row of -15.00 in September beside a paying subscription.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ORGANISATION = "Lindenholz Software GmbH"

MRR_DETAILS_HEADER = (
    "date",
    "subscription_id",
    "subscription_number",
    "product_name",
    "plan_name",
    "customer_name",
    "customer_id",
    "customer_salutation",
    "email",
    "created_at",
    "reference_id",
    "mrr",
    "branch_name",
)
MRR_SUMMARY_HEADER = (
    "date",
    "new_mrr",
    "reactivation_mrr",
    "expansion_mrr",
    "contradiction_mrr",  # sic: Zoho's own header
    "churn_mrr",
    "net_new",
    "previous_mrr",
    "net_mrr",
)
CHURNED_HEADER = (
    "reference_id",
    "amount",
    "customer_name",
    "customer_email",
    "plan_name",
    "customer_id",
    "subscription_id",
    "cancellation_reason",
    "subscription_number",
    "ltv",
    "ltd",
    "cancelled_date",
    "branch_name",
)
SHEETS = {
    "MRR Details Report": "mrr_insights",
    "MRR": "mrr",
    "Churned Subscriptions": "churned_subscriptions_report",
}

# customer key -> (customer_id, name, email)
CUSTOMERS = {
    "brenner": ("460000000000100001", "Brenner Maschinenbau KG", "einkauf@brenner-mb.example"),
    "kovac": ("460000000000100002", "Kovač Dental d.o.o.", "office@kovac-dental.example"),
    "okafor": ("460000000000100003", "Okafor Logistik GmbH", "it@okafor-logistik.example"),
    "haldane": ("460000000000100004", "Haldane Bakery Ltd", "accounts@haldane.example"),
    "ferreira": ("460000000000100005", "Ferreira Consulting", "ana@ferreira-consult.example"),
    "nystrom": ("460000000000100006", "Nyström Optik AB", "ekonomi@nystrom-optik.example"),
}
# subscription key -> (subscription_id, number, customer key, product, plan)
SUBSCRIPTIONS = {
    "s1": ("460000000000200001", "SUB-00001", "brenner", "Lagerverwaltung", "Wartung Jahr"),
    "s2": ("460000000000200002", "SUB-00002", "brenner", "Zeiterfassung", "Wartung Monat"),
    "s3": ("460000000000200003", "SUB-00003", "kovac", "Lagerverwaltung", "Wartung Monat"),
    "s4": ("460000000000200004", "SUB-00004", "kovac", "Zeiterfassung", "Wartung Monat"),
    "s5": ("460000000000200005", "SUB-00005", "okafor", "Lagerverwaltung", "Wartung Jahr"),
    "s6": ("460000000000200006", "SUB-00006", "haldane", "Zeiterfassung", "Wartung Monat"),
    "s7": ("460000000000200007", "SUB-00007", "ferreira", "Lagerverwaltung", "Wartung Monat"),
    "s8": ("460000000000200008", "SUB-00008", "nystrom", "Zeiterfassung", "Gutschrift"),
    "s9": ("460000000000200009", "SUB-00009", "nystrom", "Lagerverwaltung", "Wartung Jahr"),
}
# month (first day) -> rows: (subscription key, date, created_at, mrr as Zoho writes it)
MONTHS: dict[datetime.date, list[tuple[str, str, str, str]]] = {
    datetime.date(2025, 7, 1): [
        ("s1", "2025-07-01", "2024-03-11", "100.00"),
        ("s3", "2025-07-01", "2024-05-02", "60.00"),
        ("s4", "2025-07-01", "2024-05-02", "40.00"),
        ("s5", "2025-07-01", "2023-11-20", "80.00"),
        ("s9", "2025-07-14", "2025-07-14", "45.00"),
    ],
    datetime.date(2025, 8, 1): [
        ("s1", "2025-08-01", "2024-03-11", "100.00"),
        ("s2", "2025-08-12", "2025-08-12", "50.00"),
        ("s3", "2025-08-01", "2024-05-02", "60.00"),
        ("s4", "2025-08-01", "2024-05-02", "40.00"),
        ("s5", "2025-08-01", "2023-11-20", "80.00"),
        ("s6", "2025-08-20", "2025-08-20", "30.00"),
        ("s9", "2025-08-01", "2025-07-14", "45.00"),
    ],
    datetime.date(2025, 9, 1): [
        ("s1", "2025-09-01", "2024-03-11", "100.00"),
        ("s2", "2025-09-01", "2025-08-12", "50.00"),
        ("s3", "2025-09-01", "2024-05-02", "60.00"),
        ("s6", "2025-09-01", "2025-08-20", "30.00"),
        # Backdated: activated on 1 September, created on 3 October.
        ("s7", "2025-09-01", "2025-10-03", "70.00"),
        ("s8", "2025-09-01", "2025-09-05", "-15.00"),
        ("s9", "2025-09-01", "2025-07-14", "45.00"),
    ],
}
# month -> cancelled subscriptions: (subscription key, cancelled_date, amount, reason)
CHURNED: dict[datetime.date, list[tuple[str, str, str, str]]] = {
    datetime.date(2025, 7, 1): [],  # a month with no cancellation: header and no rows
    datetime.date(2025, 8, 1): [],
    datetime.date(2025, 9, 1): [
        ("s4", "2025-09-01", "40.00", "Modul wird nicht mehr genutzt, Frau K. ist in Rente"),
        ("s5", "2025-09-01", "80.00", "Zu teuer"),
    ],
}


def month_end(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def title(report: str, start: datetime.date, end: datetime.date) -> str:
    """Zoho's title cell: organisation, report name, an empty line, the period."""
    return (
        f"{ORGANISATION}\n{report}\n\n"
        f"From {start.strftime('%d %b %Y')} To {end.strftime('%d %b %Y')}"
    )


def mrr_details_rows(month: datetime.date) -> list[tuple[str, ...]]:
    rows = []
    for key, day, created, mrr in MONTHS[month]:
        subscription_id, number, customer, product, plan = SUBSCRIPTIONS[key]
        customer_id, name, email = CUSTOMERS[customer]
        rows.append(
            (day, subscription_id, number, product, plan, name, customer_id, "", email,
             created, "", mrr, "")
        )  # fmt: skip
    return rows


def churned_rows(month: datetime.date) -> list[tuple[str, ...]]:
    rows = []
    for key, cancelled, amount, reason in CHURNED[month]:
        subscription_id, number, customer, _product, plan = SUBSCRIPTIONS[key]
        customer_id, name, email = CUSTOMERS[customer]
        rows.append(
            ("", amount, name, email, plan, customer_id, subscription_id, reason, number,
             amount, "12", cancelled, "")
        )  # fmt: skip
    return rows


def write_report(
    path: Path,
    report: str,
    start: datetime.date,
    end: datetime.date,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    with_title: bool = True,
) -> Path:
    """One report in Zoho's layout, as .xlsx or CSV after the path's suffix."""
    if path.suffix == ".xlsx":
        _write_xlsx(path, SHEETS[report], title(report, start, end), header, rows, with_title)
    else:
        _write_csv(path, title(report, start, end), header, rows, with_title)
    return path


def _write_xlsx(
    path: Path,
    sheet: str,
    title_text: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    with_title: bool,
) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(sheet)
    wrapped = workbook.add_format({"bold": True, "text_wrap": True, "align": "center"})
    top = 0
    if with_title:
        worksheet.merge_range(0, 0, 0, len(header) - 1, title_text, wrapped)
        top = 1
    worksheet.write_row(top, 0, header)
    for offset, row in enumerate(rows, start=top + 1):
        # Zoho writes every value as text: IDs, dates and amounts alike.
        for column, value in enumerate(row):
            if value != "":
                worksheet.write_string(offset, column, str(value))
    # The last row is empty: blank cells that carry only a format.
    blank = workbook.add_format({"border": 0})
    for column in range(len(header)):
        worksheet.write_blank(top + 1 + len(rows), column, None, blank)
    workbook.close()


def _write_csv(
    path: Path,
    title_text: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    with_title: bool,
) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        if with_title:
            writer.writerow([title_text, *[""] * (len(header) - 1)])
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow([""] * len(header))


def write_mrr_details(folder: Path, month: datetime.date, suffix: str = ".xlsx", **kw: Any) -> Path:
    name = f"MRR_Details_{month:%b_%Y}{suffix}"
    return write_report(
        folder / name,
        "MRR Details Report",
        month,
        month_end(month),
        MRR_DETAILS_HEADER,
        mrr_details_rows(month),
        **kw,
    )


def write_churned(folder: Path, month: datetime.date, suffix: str = ".xlsx") -> Path:
    return write_report(
        folder / f"Churned_Subscriptions_{month:%b_%Y}{suffix}",
        "Churned Subscriptions",
        month,
        month_end(month),
        CHURNED_HEADER,
        churned_rows(month),
    )


def write_mrr_summary(
    folder: Path, figures: Mapping[datetime.date, Mapping[str, str]], suffix: str = ".xlsx"
) -> Path:
    months = sorted(figures)
    rows = [
        (f"{month:%Y-%m-%d}", *(figures[month][name] for name in MRR_SUMMARY_HEADER[1:]))
        for month in months
    ]
    return write_report(
        folder / f"MRR{suffix}", "MRR", months[0], month_end(months[-1]), MRR_SUMMARY_HEADER, rows
    )
