"""Files that cannot be used at all: each stops the run with a message naming the file
and saying what to do (the CLI turns UnusableFileError into exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
from reconcile.problems import ReconcileError, UnusableFileError
from reconcile.reading import read_raw
from reconcile.validation import validate

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, content: bytes | str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def unusable(path: Path, kind: str | None = SUBSCRIPTIONS, **options) -> UnusableFileError:
    with pytest.raises(UnusableFileError) as caught:
        validate(read_raw(path, kind, **options))
    assert caught.value.file == str(path)
    assert str(caught.value).startswith(f"{path}: ")
    return caught.value


def test_empty_file(tmp_path):
    error = unusable(write(tmp_path, b""))
    assert error.problem == "is empty"
    assert error.advice == "Export the data again; the export needs at least a header line."


def test_file_of_blanks_only(tmp_path):
    assert unusable(write(tmp_path, " \r\n\n\t\n")).problem == "is empty (only blanks)"


def test_binary_file(tmp_path):
    error = unusable(write(tmp_path, b"\x00\x01\x02binary\x00stuff"))
    assert error.problem == "is not a CSV file (it holds binary data)"


def test_damaged_workbook_or_zip(tmp_path):
    # .xlsx workbooks are read (test_excel.py); a zip cut short is neither.
    error = unusable(write(tmp_path, b"PK\x03\x04\x14\x00\x06\x00rest of a zip"))
    assert error.problem == (
        "is a damaged Excel workbook or zip archive (perhaps a download cut short)"
    )
    assert error.advice == "Download or export it again."


def test_html_error_page_saved_as_csv(tmp_path):
    page = "\n  <!DOCTYPE html>\n<html><head><title>Session expired</title></head></html>\n"
    error = unusable(write(tmp_path, page))
    assert error.problem.startswith("is an HTML or XML page, not a CSV file")
    assert error.advice == "Download the export again and check that it opens as a table."


def test_json_file(tmp_path):
    assert unusable(write(tmp_path, '[{"id": 1}]')).problem == "looks like JSON, not a CSV file"


def test_missing_file_and_folder(tmp_path):
    assert unusable(tmp_path / "nowhere.csv").problem == "file not found"
    folder = tmp_path / "exports.csv"
    folder.mkdir()
    assert unusable(folder).problem == "is a folder, not a file"


def test_required_column_missing_names_the_closest_header(tmp_path):
    path = write(tmp_path, "Subscription ID,Kunden Nr,Activated On\nS1,K1,2024-01-01\n")
    error = unusable(path)
    assert error.problem == (
        "no customer_id column (e.g. 'Customer ID') for a subscriptions export (Zoho Billing "
        "headers); found: 'Subscription ID', 'Kunden Nr', 'Activated On'; closest: 'Kunden Nr'"
    )
    assert error.advice == (
        "Map it with --map customer_id='Kunden Nr' (or pass --source if it is another system)"
    )
    # ...and the advice works.
    raw = read_raw(path, SUBSCRIPTIONS, mapping={"customer_id": "Kunden Nr"})
    assert raw.frame.get_column("customer_id").to_list() == ["K1"]


def test_required_column_missing_without_a_close_match(tmp_path):
    path = write(tmp_path, "alpha,beta\n1,2\n")
    error = unusable(path, kind=CUSTOMERS)
    assert error.problem == (
        "no customer_id column (e.g. 'customer_id') for a customers export (Generic CSV "
        "headers); found: 'alpha', 'beta'"
    )
    assert error.advice.startswith("Map it with --map customer_id='<header in the file>'")


def test_subscriptions_export_without_a_start_column(tmp_path):
    # With a status column it would be a snapshot export (tests/test_real_exports.py).
    error = unusable(write(tmp_path, "subscription_id,customer_id,plan\nS1,C1,Pro\n"))
    assert error.problem.startswith("no start column (e.g. 'start_date') for a subscriptions")
    assert "--map start=" in error.advice


def test_customers_export_given_as_subscriptions():
    error = unusable(FIXTURES / "zoho/customers.csv", kind=SUBSCRIPTIONS)
    assert error.problem.startswith("is a customers export, given as the subscriptions export")
    assert error.advice.startswith("Swap the two files")


def test_customers_export_given_as_subscriptions_with_forced_source():
    # "Created Time" could feed a subscription's start; it must not hide the swap.
    error = unusable(FIXTURES / "zoho/customers.csv", kind=SUBSCRIPTIONS, source="zoho")
    assert error.problem.startswith("is a customers export, given as the subscriptions export")


def test_subscriptions_export_given_as_customers():
    error = unusable(FIXTURES / "faults/subscriptions.csv", kind=CUSTOMERS)
    assert error.problem == (
        "is a subscriptions export, given as the customers export (it has a subscription ID "
        "column 'id')"
    )


def test_header_only_file_is_usable(tmp_path):
    table = validate(read_raw(write(tmp_path, "Subscription ID,Customer ID,Activated On\n"), None))
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (0, 0, 0)


def test_records_with_too_many_fields_in_most_rows(tmp_path):
    # Most records wider than the header: the header is probably wrong, the file unusable.
    # (A few such records are row errors: tests/test_real_exports.py.)
    content = (
        "subscription_id,customer_id,start_date\n"
        "S1,C1,2024-01-01\nS2,C2,2024-01-01,extra\nS3,C3,2024-01-01,extra\n"
    )
    error = unusable(write(tmp_path, content))
    assert error.problem == (
        "is not a well-formed CSV file: a record has 4 fields, the header 3 (line 3)"
    )
    assert error.advice.startswith("Quote fields that contain the separator")


def test_unterminated_quote(tmp_path):
    content = 'subscription_id,customer_id,start_date\nS1,"C1,2024-01-01\nS2,C2,2024-01-01\n'
    error = unusable(write(tmp_path, content))
    assert error.problem == "is not a well-formed CSV file: a quoted field is never closed (line 2)"


def test_usage_errors_are_reconcile_errors_not_unusable_files(tmp_path):
    path = write(tmp_path, "subscription_id,customer_id,start_date\nS1,C1,2024-01-01\n")
    with pytest.raises(ReconcileError) as caught:
        read_raw(path, None, source="nope")
    assert not isinstance(caught.value, UnusableFileError)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from('ab,;\t|"\r\n 1-:.E+é'), max_size=300).map(
            lambda t: ("subscription_id,customer_id,start_date\n" + t).encode()
        ),
    ),
    kind=st.sampled_from([None, SUBSCRIPTIONS, CUSTOMERS]),
)
def test_no_other_exception_escapes_for_bad_input(tmp_path, content, kind):
    path = write(tmp_path, content)
    try:
        table = validate(read_raw(path, kind))
    except ReconcileError:
        return
    assert table.rows_read == (
        table.rows_accepted + table.rows_rejected + table.duplicate_rows_removed
    )
