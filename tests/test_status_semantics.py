"""What each billing system's statuses and dates mean (DOMAIN.md, "The life of a
subscription"): the unpaid class, the paying start, rows that never paid, and the columns
and statuses of each source file. Every expected figure is worked out by hand in the
comments beside it; the exports are written with each vendor's own header and date shape.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from factories import subscriptions_table

from reconcile import api
from reconcile.reconciliation import reconcile_tables

D = datetime.date


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def states(result) -> dict[str, int]:
    totals = result.totals
    return {
        "active": totals.subscriptions_active,
        "not_yet_paying": totals.subscriptions_not_yet_paying,
        "paused": totals.subscriptions_paused,
        "unpaid": totals.subscriptions_unpaid,
        "ended": totals.subscriptions_ended,
        "never_active": totals.subscriptions_never_active,
    }


def month_counts(result) -> dict[str, int]:
    return {month.period: month.subscriptions_active for month in result.timeline}


# ---- the unpaid class --------------------------------------------------------------


def test_an_unpaid_subscription_counts_until_its_last_paid_period_ends():
    unpaid = {"status": "unpaid", "start": "2024-01-10"}
    table = subscriptions_table(
        [
            # Paid up to 2024-07-01: still active on 2024-06-15.
            {"subscription_id": "U1", "customer_id": "C1", "period_end": "2024-07-01", **unpaid},
            # Its last paid period ended 2024-04-10: active on the January to March month
            # ends, unpaid from April on.
            {"subscription_id": "U2", "customer_id": "C2", "period_end": "2024-04-10", **unpaid},
            # No end of a paid period: never active, counted as unpaid only.
            {"subscription_id": "U3", "customer_id": "C3", **unpaid},
        ]
    )
    result = reconcile_tables(table, None, D(2024, 6, 15))
    assert states(result) == {
        "active": 1,
        "not_yet_paying": 0,
        "paused": 0,
        "unpaid": 2,
        "ended": 0,
        "never_active": 0,
    }
    assert result.totals.ended_without_end_date == 0
    # January to March: U1 and U2; April to June: U1 only (U3 never).
    assert month_counts(result) == {
        "2024-01": 2,
        "2024-02": 2,
        "2024-03": 2,
        "2024-04": 1,
        "2024-05": 1,
        "2024-06": 1,
    }
    unpaid_step = next(step for step in result.bridge if step.step == "unpaid")
    assert (unpaid_step.count, unpaid_step.examples) == (-2, ("U2", "U3"))
    assert unpaid_step.label == "Unpaid: payment failed, not renewed"


def test_stripe_unpaid_ends_at_current_period_end_and_is_not_paying(tmp_path):
    path = write(
        tmp_path,
        "subscriptions.csv",
        "id,Customer ID,Status,Start Date (UTC),Current Period End (UTC),Cancel At Period End\n"
        # Unpaid since its period ended on 2024-05-03: unpaid on 2024-06-15.
        "sub_1,cus_1,unpaid,2024-01-03 10:00,2024-05-03 10:00,false\n"
        # Still within its last paid period (to 2024-07-03): active.
        "sub_2,cus_2,unpaid,2024-02-03 10:00,2024-07-03 10:00,false\n"
        "sub_3,cus_3,active,2024-02-03 10:00,2024-07-03 10:00,false\n",
    )
    result = api.reconcile(path, as_of=D(2024, 6, 15))
    assert result.inputs.subscriptions.source == "stripe"
    assert (states(result)["active"], states(result)["unpaid"]) == (2, 1)
    # sub_1 counts on the January to April month ends, not from May on.
    assert month_counts(result)["2024-04"] == 3
    assert month_counts(result)["2024-05"] == 2


# ---- the paying start and rows that never paid ------------------------------------------


def test_a_later_trial_end_is_the_start_a_trial_is_never_active_time(tmp_path):
    path = write(
        tmp_path,
        "subscriptions.csv",
        "id,Customer ID,Status,Start Date (UTC),Trial Start (UTC),Trial End (UTC)\n"
        # A 14-day trial from 2024-01-20 to 2024-02-03: pays from 3 February.
        "sub_1,cus_1,active,2024-01-20 09:00,2024-01-20 09:00,2024-02-03 09:00\n"
        "sub_2,cus_2,active,2024-01-05 09:00,,\n",
    )
    result = api.reconcile(path, as_of=D(2024, 3, 15))
    # 31 January: only sub_2; 29 February: both.
    assert month_counts(result) == {"2024-01": 1, "2024-02": 2, "2024-03": 2}


def test_a_recurly_active_row_still_in_its_trial_is_not_yet_paying(tmp_path):
    path = write(
        tmp_path,
        "subscriptions.csv",
        "uuid,account_code,plan_code,state,activated_at,trial_ends_at,expires_at\n"
        # Trial to 2024-06-30, after the as-of date: not yet paying.
        "3f1a,acc-1,basic,active,2024-06-01 10:00:00 UTC,2024-06-30 10:00:00 UTC,\n"
        # Trial ended 2024-05-15: paying from then, active.
        "3f1b,acc-2,basic,active,2024-05-01 10:00:00 UTC,2024-05-15 10:00:00 UTC,\n",
    )
    result = api.reconcile(path, as_of=D(2024, 6, 15))
    assert result.inputs.subscriptions.source == "recurly"
    assert (states(result)["active"], states(result)["not_yet_paying"]) == (1, 1)
    # 31 May: 3f1b only (paying since 15 May); 3f1a never yet.
    assert month_counts(result) == {"2024-05": 1, "2024-06": 1}


def test_a_subscription_ended_within_its_trial_never_paid(tmp_path):
    path = write(
        tmp_path,
        "subscriptions.csv",
        "id,Customer ID,Status,Start Date (UTC),Trial End (UTC),Ended At (UTC),"
        "Canceled At (UTC)\n"
        # Canceled when its trial ended: never paid, never active, no contradiction.
        "sub_1,cus_1,canceled,2024-03-01 08:00,2024-03-15 08:00,2024-03-15 08:00,"
        "2024-03-10 12:00\n"
        # Ended after its trial: paid from 15 March to 10 May.
        "sub_2,cus_2,canceled,2024-03-01 08:00,2024-03-15 08:00,2024-05-10 08:00,\n",
    )
    result = api.reconcile(path, as_of=D(2024, 6, 15))
    assert states(result) == {
        "active": 0,
        "not_yet_paying": 0,
        "paused": 0,
        "unpaid": 0,
        "ended": 2,
        "never_active": 1,
    }
    assert result.quality.contradictions == ()
    assert month_counts(result) == {"2024-03": 1, "2024-04": 1, "2024-05": 0, "2024-06": 0}
    never = next(f for f in result.findings if f.code == "never_active")
    assert never.message == (
        "1 subscription ended without ever paying (its trial expired, or it was never "
        "created). It counts as ended and is left out of the history."
    )


# ---- columns and statuses per source file ------------------------------------------------


def test_stripe_start_date_is_the_subscription_start_not_the_plan_start(tmp_path):
    # The plan changed on 2024-04-01 (`Start`); the subscription began 2024-01-10.
    path = write(
        tmp_path,
        "subscriptions.csv",
        "id,Customer ID,Status,Start (UTC),Start Date (UTC)\n"
        "sub_1,cus_1,active,2024-04-01 00:00,2024-01-10 09:30\n",
    )
    result = api.reconcile(path, as_of=D(2024, 4, 15))
    assert month_counts(result) == {"2024-01": 1, "2024-02": 1, "2024-03": 1, "2024-04": 1}


def test_chargebee_transferred_is_ended_and_started_at_is_the_start(tmp_path):
    path = write(
        tmp_path,
        "subscriptions.csv",
        "subscriptions.id,subscriptions.customer_id,subscriptions.status,"
        "subscriptions.started_at,subscriptions.activated_at,subscriptions.cancelled_at\n"
        # Reactivated on 2024-03-20: activated_at moved, started_at did not.
        "cb_1,cus_1,active,2024-01-05 10:00:00,2024-03-20 09:00:00,\n"
        # Moved to another business entity on 2024-02-10.
        "cb_2,cus_2,transferred,2023-12-01 08:00:00,2023-12-01 08:00:00,2024-02-10 12:00:00\n",
    )
    result = api.reconcile(path, as_of=D(2024, 3, 31))
    assert result.inputs.subscriptions.source == "chargebee"
    assert result.rejections == ()
    assert (states(result)["active"], states(result)["ended"]) == (1, 1)
    assert month_counts(result) == {"2023-12": 1, "2024-01": 2, "2024-02": 1, "2024-03": 1}


def test_recurly_failed_is_an_accepted_ended_status(tmp_path):
    path = write(
        tmp_path,
        "subscriptions.csv",
        "uuid,account_code,plan_code,state,activated_at,expires_at\n"
        "4a01,acc-1,basic,active,2024-01-01 10:00:00 UTC,\n"
        "4a02,acc-2,basic,failed,,\n",
    )
    result = api.reconcile(path, as_of=D(2024, 6, 15))
    assert result.rejections == ()
    assert (states(result)["active"], states(result)["ended"]) == (1, 1)


def test_the_recurly_accounts_export_is_recognised_and_its_emails_compared(tmp_path):
    subscriptions = write(
        tmp_path,
        "subscriptions.csv",
        "uuid,account_code,plan_code,state,activated_at,expires_at\n"
        "5b01,acc-1,basic,active,2024-01-01 10:00:00 UTC,\n"
        "5b02,acc-2,basic,active,2024-02-01 10:00:00 UTC,\n",
    )
    # The Accounts export's own headers (account_*); two accounts share an address.
    customers = write(
        tmp_path,
        "accounts.csv",
        "account_code,account_email,account_username,account_company_name,"
        "account_first_name,account_last_name,account_has_billing_info\n"
        "acc-1,ops@beispiel.de,,Beispiel GmbH,Jana,Roth,TRUE\n"
        "acc-2, OPS@beispiel.de,,Beispiel GmbH,Jana,Roth,TRUE\n"
        "acc-3,tim@bauer.example,,,Tim,Bauer,FALSE\n",
    )
    subscription_table, customer_table = api.load(subscriptions, customers)
    assert customer_table is not None and customer_table.source == "recurly"
    names = customer_table.frame.sort("line")["name"].to_list()
    assert names == ["Jana Roth", "Jana Roth", "Tim Bauer"]
    result = reconcile_tables(subscription_table, customer_table, D(2024, 6, 15))
    groups = [(g.key, g.customer_ids) for g in result.probable_duplicate_groups]
    assert groups == [("ops@beispiel.de", ("acc-1", "acc-2"))]


def test_zoho_list_view_columns_are_recognised(tmp_path):
    # Zoho's list view (Export current view): upper-case headers, the subscription
    # number as the ID, no customer ID: the customer is mapped by name explicitly.
    path = write(
        tmp_path,
        "subscriptions.csv",
        "SUBSCRIPTION#,CUSTOMER NAME,PLAN NAME,PLAN CODE,STATUS,AMOUNT,CREATED ON,"
        "ACTIVATED ON,LAST BILLED ON,NEXT BILLING ON,PAUSE DATE,RESUME DATE,"
        "REACTIVATION DATE,SCHEDULED CANCELLATION DATE,REFERENCE#\n"
        "SUB-00001,Kanzlei Brandt,Wartung Basis,WB-M,Live,89.00,02.01.2024,02.01.2024,"
        "02.06.2024,02.07.2024,,,,,\n"
        # Unpaid: the renewal of 02.05.2024 failed (Next Billing On).
        "SUB-00002,Praxis Lenz,Wartung Basis,WB-M,Unpaid,89.00,02.01.2024,02.01.2024,"
        "02.04.2024,02.05.2024,,,,,\n",
    )
    raw_headers = api.load(path, options=api.ReadOptions(mapping={"customer_id": "CUSTOMER NAME"}))
    table = raw_headers[0]
    assert table.source == "zoho"
    result = reconcile_tables(table, None, D(2024, 6, 15))
    assert (states(result)["active"], states(result)["unpaid"]) == (1, 1)
    # SUB-00002 counts on the January to April month ends.
    assert month_counts(result) == {
        "2024-01": 2,
        "2024-02": 2,
        "2024-03": 2,
        "2024-04": 2,
        "2024-05": 1,
        "2024-06": 1,
    }


def test_the_end_of_the_paid_period_rejects_only_an_unpaid_row(tmp_path):
    # DOMAIN.md, "Bad rows": Stripe's Current Period End is a warning on a row that is not
    # set to cancel at period end and is not unpaid; on an unpaid row it is the end, so an
    # unreadable one rejects the row.
    path = write(
        tmp_path,
        "subscriptions.csv",
        "id,Customer ID,Status,Start Date (UTC),Current Period End (UTC),Cancel At Period End\n"
        "sub_1,cus_1,unpaid,2024-01-01 10:00,soon,false\n"  # 2: its end: rejected
        "sub_2,cus_2,active,2024-01-01 10:00,2024-02-01 10:00,false\n"  # 3: clean
        "sub_3,cus_3,active,2024-01-01 10:00,later,false\n",  # 4: a renewal date: warning
    )
    table = api.load_table(path, None)
    assert table.rejections.select("line", "code").rows() == [(2, "invalid_date")]
    assert table.warnings.select("line", "code").rows() == [(4, "invalid_date")]
