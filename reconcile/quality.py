"""Data-quality lists (DOMAIN.md, "Customers" and "Bad rows") as polars queries.

Every function takes the classified subscriptions (see reconciliation.classify) and
returns a LazyFrame, so that reconciliation can collect them all at once; the `*_refs`
functions turn the collected frames into the Result's dataclasses.
"""

from __future__ import annotations

import datetime
from typing import TypeVar

import polars as pl

from reconcile.canonical import PAYING
from reconcile.codes import Detail
from reconcile.result import CustomerRef, DuplicateGroup, SubscriptionRef

# The `detail` of a listed SubscriptionRef is a codes.Detail: the kind of contradiction,
# or NO_START_DATE for an ended or paused subscription that has an end but no start.

_Ref = TypeVar("_Ref", SubscriptionRef, CustomerRef)

_SUBSCRIPTION_REF_COLUMNS = ("subscription_id", "customer_id", "line", "product", "status")


def email_key(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_lowercase()


def customer_emails(subs: pl.DataFrame, export: pl.DataFrame | None) -> pl.LazyFrame:
    """One row per (customer_id, customer_no, key): the customers export's emails when
    there is one.

    Without it the subscriptions' emails are used, one per customer: that of their first
    row in the file, so that a customer whose rows disagree is not in two groups at once.
    """
    has_key = pl.col("key").is_not_null() & (pl.col("key") != "")
    if export is not None:
        return (
            export.lazy()
            .select("customer_id", "customer_no", key=email_key("email"))
            .filter(has_key)
        )
    return (
        subs.lazy()
        .select("line", "customer_id", "customer_no", key=email_key("customer_email"))
        .filter(has_key)
        .sort("line")
        .unique("customer_no", keep="first")
        .drop("line")
    )


def duplicate_groups(emails: pl.LazyFrame, active_customers: pl.DataFrame) -> pl.LazyFrame:
    """Probable duplicate customers: key, customer_ids, active_customer_ids (sorted lists).

    The keys shared by several rows are found by a 64-bit hash of the key, a third of the
    CPU of grouping every key's text; the few rows whose hash is shared are then grouped
    by the key itself, and a key alone in its group (a hash two keys share) is dropped.
    """
    hashed = emails.with_columns(key_hash=key_hash(pl.col("key")))
    shared = hashed.group_by("key_hash").agg(ids=pl.len()).filter(pl.col("ids") > 1)
    active = active_customers.lazy().select("customer_no", is_active=pl.lit(True))
    return (
        # Lists are built only for the few shared emails, not for every customer.
        hashed.join(shared, on="key_hash", how="semi")
        .join(active, on="customer_no", how="left")
        .group_by("key")
        .agg(
            customer_ids=pl.col("customer_id").sort(),
            active_customer_ids=pl.col("customer_id").filter(pl.col("is_active")).sort(),
        )
        .filter(pl.col("customer_ids").list.len() > 1)
        .sort("key")
    )


def key_hash(key: pl.Expr) -> pl.Expr:
    """A 64-bit hash of each email key (a seam for the test of keys that share one)."""
    return key.hash()


def groups_from(frame: pl.DataFrame) -> tuple[DuplicateGroup, ...]:
    return tuple(
        DuplicateGroup(row["key"], tuple(row["customer_ids"]), tuple(row["active_customer_ids"]))
        for row in frame.iter_rows(named=True)
    )


def orphans(subs: pl.DataFrame, export: pl.DataFrame | None) -> pl.LazyFrame:
    """Subscriptions whose customer ID is not in the customers export (none without one)."""
    rows = subs.lazy().select(*_SUBSCRIPTION_REF_COLUMNS, "customer_no")
    if export is None:
        return rows.clear()
    return rows.filter(~held_by(export))


def leading_zero_pairs(
    orphans: pl.DataFrame, without_subscriptions: pl.DataFrame
) -> tuple[tuple[str, str], ...]:
    """(an orphan subscription's customer ID, a customer ID of the export without any
    subscription) that are equal once leading zeros are ignored, both all digits: `123`
    and `00123`, as a spreadsheet leaves a number it read from one file. Looked for only
    among those two lists (few rows), never matched: the finding says so."""
    if orphans.is_empty() or without_subscriptions.is_empty():
        return ()

    def keyed(frame: pl.DataFrame) -> pl.DataFrame:
        ids = frame.select(pl.col("customer_id").unique())
        return ids.filter(pl.col("customer_id").str.contains(r"^[0-9]+$")).with_columns(
            key=pl.col("customer_id").str.strip_chars_start("0")
        )

    export_ids = keyed(without_subscriptions).rename({"customer_id": "export_id"})
    pairs = keyed(orphans).join(export_ids, on="key").sort("customer_id", "export_id")
    return tuple(pairs.select("customer_id", "export_id").iter_rows())


def customers_without_subscriptions(subs: pl.DataFrame, export: pl.DataFrame) -> pl.LazyFrame:
    return export.lazy().filter(~held_by(subs)).sort("line")


def held_by(frame: pl.DataFrame) -> pl.Expr:
    """Whether a row's customer_no is one of `frame`'s (never null: see
    reconciliation.customer_numbers). An integer is_in costs a fifth of an anti join."""
    return pl.col("customer_no").is_in(frame.get_column("customer_no").implode())


def ended_without_end_date(subs: pl.DataFrame) -> pl.LazyFrame:
    return subs.lazy().filter(pl.col("without_end_date"))


def never_active(subs: pl.DataFrame) -> pl.LazyFrame:
    """Ended subscriptions that never paid: counted as ended, left out of the history."""
    return subs.lazy().filter(pl.col("never_active"))


def ended_without_start_date(subs: pl.DataFrame) -> pl.LazyFrame:
    """Ended or paused subscriptions with an end date but no start date: they cannot be
    placed in time either (those without an end are in ended_without_end_date)."""
    return (
        subs.lazy()
        .filter(pl.col("without_start_date"))
        .with_columns(detail=pl.lit(Detail.NO_START_DATE))
    )


def contradictions(subs: pl.DataFrame, as_of: datetime.date) -> pl.LazyFrame:
    """One row per contradiction (a subscription can have both kinds), `detail` its kind.

    Only a class read from a status can contradict the dates: without a status column
    the class comes from the dates themselves.
    """
    has_end = pl.col("end").is_not_null()
    live_after_end = subs.lazy().filter(
        (pl.col("status_class") == PAYING) & has_end & (pl.col("end") <= as_of)
    )
    # An end on the start day is a subscription that never reached a day end: never active,
    # but no contradiction (DOMAIN.md). Only an end before the start contradicts itself.
    # A row that never paid has no interval to contradict (a trial ending at its end).
    end_before_start = subs.lazy().filter(
        has_end & (pl.col("end") < pl.col("start")) & ~pl.col("never_active")
    )
    return pl.concat(
        [
            live_after_end.with_columns(detail=pl.lit(Detail.LIVE_AFTER_END)),
            end_before_start.with_columns(detail=pl.lit(Detail.END_BEFORE_START)),
        ]
    ).sort("line", "detail")


def currencies(active: pl.LazyFrame) -> pl.LazyFrame:
    """Active subscriptions per currency, most first; rows without a currency are left out."""
    return (
        active.group_by("currency")
        .agg(subscriptions=pl.len())
        .drop_nulls("currency")
        .sort("subscriptions", "currency", descending=[True, False])
    )


def subscription_refs(frame: pl.DataFrame) -> tuple[SubscriptionRef, ...]:
    """SubscriptionRefs of a frame of classified subscriptions, in file order."""
    detail = ["detail"] if "detail" in frame.columns else []
    ordered = frame.sort("line", *detail).select(*_SUBSCRIPTION_REF_COLUMNS, *detail)
    return _refs(SubscriptionRef, ordered)


def customer_refs(frame: pl.DataFrame) -> tuple[CustomerRef, ...]:
    # The display name, else the company: the name a reader knows the customer by.
    name = pl.coalesce(pl.col("name").replace("", None), pl.col("company").replace("", None))
    return _refs(CustomerRef, frame.select("customer_id", name.alias("name"), "email", "line"))


def _refs(ref: type[_Ref], frame: pl.DataFrame) -> tuple[_Ref, ...]:
    """One `ref` per row, its fields the frame's columns in order. These lists can run to
    many thousands: whole columns as Python lists are a third cheaper than iter_rows."""
    return tuple(map(ref, *(column.to_list() for column in frame.iter_columns())))
