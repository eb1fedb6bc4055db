"""Reading exports: encodings, separators, header lines, physical line numbers, sources.

Expected values are worked out by hand from the bytes each test writes (or from
tests/fixtures/README.md); line numbers count the header as line 1 unless a title is above.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from datasets import MRR_PLAYBOOK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
from reconcile.problems import ReconcileError, UnusableFileError
from reconcile.reading import find_exports, read_raw
from reconcile.registry import source_names
from reconcile.sources import (
    all_sources,
    load_mapping_file,
    load_source,
    normalize_header,
)

FIXTURES = Path(__file__).parent / "fixtures"

GENERIC_HEADER = "subscription_id,customer_id,start_date,status"


def write(tmp_path: Path, content: bytes | str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def column(raw, name: str) -> list:
    return raw.frame.get_column(name).to_list()


# --------------------------------------------------------------------------- encodings


def test_utf8_with_bom_and_crlf(tmp_path):
    path = write(
        tmp_path, b"\xef\xbb\xbf" + f"{GENERIC_HEADER}\r\nS1,C1,2024-01-01,active\r\n".encode()
    )
    raw = read_raw(path, None)
    assert raw.encoding == "utf-8"
    assert raw.headers["subscription_id"] == "subscription_id"  # no BOM glued to the name
    assert column(raw, "subscription_id") == ["S1"]
    assert column(raw, "status") == ["active"]  # no "\r" left on the last field
    assert column(raw, "line") == [2]


def test_windows_1252_is_detected_and_transcoded(tmp_path):
    content = "Kunden-ID;Abonnement-ID;Kundenname;Aktiviert am\n7;S1;Müller & Söhne;01.02.2024\n"
    raw = read_raw(write(tmp_path, content.encode("cp1252")), None)
    assert raw.encoding == "cp1252"
    assert raw.source.name == "zoho"
    assert column(raw, "customer_name") == ["Müller & Söhne"]


def test_windows_1252_byte_beyond_the_sniffed_sample(tmp_path):
    # The first 64 KiB are plain ASCII; a 1252 "é" only comes at the end.
    filler = "".join(f"S{i},C{i},2024-01-01,active\n" for i in range(4000))
    content = f"{GENERIC_HEADER}\n{filler}S9999,Café,2024-01-01,active\n".encode("cp1252")
    assert len(content) > 64 * 1024
    raw = read_raw(write(tmp_path, content), None)
    assert raw.encoding == "cp1252"
    assert raw.rows_read == 4001
    assert column(raw, "customer_id")[-1] == "Café"
    assert column(raw, "line")[-1] == 4002


def test_utf16_with_bom_tab_separated(tmp_path):
    text = "subscription_id\tcustomer_id\tstart_date\nS1\tCé\t2024-01-01\n"
    raw = read_raw(write(tmp_path, b"\xff\xfe" + text.encode("utf-16-le")), None)
    assert raw.encoding == "utf-16-le"
    assert raw.separator == "\t"
    assert column(raw, "customer_id") == ["Cé"]


# --------------------------------------------------------------------------- separators


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_separators_are_sniffed(tmp_path, separator):
    rows = [
        ["subscription_id", "customer_id", "start_date", "plan"],
        ["S1", "C1", "2024-01-01", f'"Pro{separator} yearly"'],
        ["S2", "C2", "2024-02-01", "Basic"],
    ]
    path = write(tmp_path, "\n".join(separator.join(r) for r in rows) + "\n")
    raw = read_raw(path, None)
    assert raw.separator == separator
    assert column(raw, "plan_name") == [f"Pro{separator} yearly", "Basic"]
    assert column(raw, "line") == [2, 3]


def test_quoted_newlines_push_later_records_down(tmp_path):
    content = (
        f"{GENERIC_HEADER},customer_name\r\n"
        'S1,C1,2024-01-01,active,"two\r\nlines"\r\n'  # lines 2-3
        'S2,C2,2024-01-01,active,"three\r\nlines\r\nhere"\r\n'  # lines 4-6
        "S3,C3,2024-01-01,active,one\r\n"  # line 7
    )
    raw = read_raw(write(tmp_path, content), None)
    assert column(raw, "line") == [2, 4, 7]
    assert column(raw, "customer_name")[0] == "two\r\nlines"


def test_blank_lines_are_counted_but_not_read_as_rows(tmp_path):
    # polars 2.1 keeps an empty line as an all-null record; it is dropped after the
    # line numbers are computed, so later records keep their physical line.
    content = (
        f"{GENERIC_HEADER}\n"
        "S1,C1,2024-01-01,active\n"  # 2
        "\n"  # 3
        '"S2",C2,2024-01-01,"act\nive"\n'  # 4-5
        ",,,\n"  # 6: only separators
        "   \n"  # 7: only blanks
        "S3,C3,2024-01-01,active\n"  # 8
        "\n"
    )
    raw = read_raw(write(tmp_path, content), None)
    assert column(raw, "line") == [2, 4, 8]
    assert raw.rows_read == 3
    assert raw.blank_rows_skipped == 4


def test_newlines_at_the_edge_of_a_quoted_value_count_too(tmp_path):
    # Trimming removes them from the value; the line numbers still count them.
    content = f'{GENERIC_HEADER},customer_name\nS1,C1,2024-01-01,active,"\nlead\n"\nS2,C2,,,x\n'
    raw = read_raw(write(tmp_path, content), None)
    assert column(raw, "line") == [2, 5]
    assert column(raw, "customer_name") == ["lead", "x"]


def test_title_line_above_the_header():
    raw = read_raw(FIXTURES / "stripe/customers.csv", None)
    assert (raw.kind, raw.source.name, raw.header_line) == (CUSTOMERS, "stripe", 2)
    assert column(raw, "line") == [3, 4, 5]
    assert column(raw, "customer_id") == ["cus_1", "cus_9", "cus_10"]


def test_title_line_with_quoted_newline_below(tmp_path):
    content = (
        "Export of 2024-05-01\n\n"
        "subscription_id;customer_id;start_date\n"
        'S1;"C\n1";2024-01-01\n'
        "S2;C2;2024-01-01\n"
    )
    raw = read_raw(write(tmp_path, content), None)
    assert raw.header_line == 3
    assert column(raw, "line") == [4, 6]


def test_header_only_file_reads_as_zero_rows(tmp_path):
    raw = read_raw(write(tmp_path, f"{GENERIC_HEADER}\n"), None)
    assert raw.kind == SUBSCRIPTIONS
    assert raw.rows_read == 0


# --------------------------------------------------------------------------- values


def test_ids_stay_text_exactly_as_exported(tmp_path):
    content = (
        f"{GENERIC_HEADER}\n"
        "007,7,2024-01-01,active\n"
        "  4604000000012345  ,\t0042 ,2024-01-01,active\n"
        "S3,1.0,2024-01-01,active\n"
    )
    raw = read_raw(write(tmp_path, content), None)
    assert column(raw, "subscription_id") == ["007", "4604000000012345", "S3"]
    assert column(raw, "customer_id") == ["7", "0042", "1.0"]


def test_unicode_blanks_around_values_are_trimmed(tmp_path):
    # no-break, thin and ideographic spaces, as spreadsheets and web forms leave them
    content = f"{GENERIC_HEADER}\n\u00a0S1\u2009,\u3000C1 ,2024-01-01,active\n"
    raw = read_raw(write(tmp_path, content), None)
    assert (column(raw, "subscription_id"), column(raw, "customer_id")) == (["S1"], ["C1"])


# Every character polars' strip_chars() trims: Unicode white space.
WHITE_SPACE = [
    chr(c) for c in range(0x3001) if chr(c).isspace() and chr(c) not in "\x1c\x1d\x1e\x1f"
]


def test_every_white_space_character_is_trimmed_where_it_stands(tmp_path):
    # Reading trims only the columns where some value may need it (a test of each value's
    # first and last bytes): each kind of blank, at either edge or alone, in a column of
    # its own, beside columns that need nothing.
    assert pl.Series(WHITE_SPACE).str.strip_chars().to_list() == [""] * len(WHITE_SPACE)
    before = [f'S{i},"{blank}C{i}",2024-01-01,active' for i, blank in enumerate(WHITE_SPACE)]
    after = [f'S{i},C{i},"2024-01-01{blank}",active' for i, blank in enumerate(WHITE_SPACE)]
    plain = [f"S{i},C{i},2024-01-01,active" for i in range(len(WHITE_SPACE))]
    content = "\n".join([GENERIC_HEADER, *before, *after, *plain]) + "\n"
    raw = read_raw(write(tmp_path, content), None)
    assert column(raw, "customer_id") == [f"C{i}" for i in range(len(WHITE_SPACE))] * 3
    assert column(raw, "start_date") == ["2024-01-01"] * 3 * len(WHITE_SPACE)
    for index, blank in enumerate(WHITE_SPACE):  # a value of one blank alone is none
        content = f'{GENERIC_HEADER}\nS1,"{blank}",2024-01-01,active\nS2,C2,2024-01-01,active\n'
        raw = read_raw(write(tmp_path, content, f"blank{index}.csv"), None)
        assert column(raw, "customer_id") == [None, "C2"], repr(blank)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=st.sampled_from(["a", "é", "€", "!", "~", "\x7f", *WHITE_SPACE])),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_values_read_are_trimmed_as_strip_chars_trims_them(values):
    # (Not an ID column: IDs are also put in Unicode NFC.)
    frame = pl.DataFrame({"status": values}, schema={"status": pl.String})
    frame = frame.with_columns(subscription_id=pl.lit("S1"), customer_id=pl.lit("C1"))
    trimmed = pl.Series(values, dtype=pl.String).str.strip_chars()
    raw = read_raw(frame.with_columns(start_date=pl.lit("2024-01-01")), SUBSCRIPTIONS)
    assert column(raw, "status") == [value or None for value in trimmed.to_list()]


def test_a_file_name_is_not_a_pattern(tmp_path):
    raw = read_raw(
        write(tmp_path, f"{GENERIC_HEADER}\nS1,C1,2024-01-01,active\n", "a[1]*.csv"), None
    )
    assert column(raw, "subscription_id") == ["S1"]


def test_unmapped_columns_are_kept_as_read_for_the_duplicate_check(tmp_path):
    content = f"{GENERIC_HEADER},note\nS1,C1,2024-01-01,active, a \nS2,C2,2024-01-01,active,\n"
    raw = read_raw(write(tmp_path, content), None)
    assert raw.unmapped.to_dict(as_series=False) == {"note": [" a ", None]}
    assert raw.unmapped.height == raw.frame.height


def test_values_of_blanks_only_are_null(tmp_path):
    raw = read_raw(write(tmp_path, f"{GENERIC_HEADER}\nS1,   ,2024-01-01,active\n"), None)
    assert column(raw, "customer_id") == [None]


# --------------------------------------------------------------------------- sources


def test_header_normalisation():
    assert normalize_header("Kunden-ID") == "kundenid"
    assert normalize_header("SUBSCRIPTION#") == "subscription"
    assert normalize_header(" Created (UTC) ") == "createdutc"
    assert normalize_header("Gekündigt am") == "gekündigtam"


def test_every_builtin_source_loads_and_lists_domain_statuses():
    # Detection order: the named systems by their detection_order, the generic one last.
    assert tuple(s.name for s in all_sources()) == (
        "zoho",
        "stripe",
        "chargebee",
        "recurly",
        "woocommerce",
        "generic",
    )
    assert source_names() == tuple(s.name for s in all_sources())
    zoho = load_source("Zoho")
    assert zoho.statuses["paying"] == ("live", "non_renewing", "dunning")
    # Unpaid is its own class: payment failed, not renewed (DOMAIN.md's status table).
    assert zoho.statuses["unpaid"] == ("unpaid",)
    stripe = load_source("stripe")
    assert stripe.statuses["paying"] == ("active", "past_due")
    assert stripe.statuses["unpaid"] == ("unpaid",)
    assert stripe.statuses["ended"] == ("canceled", "incomplete_expired")
    assert load_source("chargebee").statuses["ended"] == ("cancelled", "transferred")
    assert load_source("chargebee").statuses["unpaid"] == ()
    assert load_source("recurly").statuses["paying"] == ("active", "past_due")
    assert load_source("recurly").statuses["ended"] == ("canceled", "expired", "failed")


def test_unknown_source_is_a_usage_error(tmp_path):
    path = write(tmp_path, f"{GENERIC_HEADER}\n")
    with pytest.raises(ReconcileError, match="unknown source 'paddle'; known sources: zoho"):
        read_raw(path, None, source="paddle")


def test_zoho_subscription_number_is_not_the_subscription_id(tmp_path):
    both = "Subscription ID,SUBSCRIPTION#,Customer ID,Activated On\n460,SUB-1,C1,2024-01-01\n"
    raw = read_raw(write(tmp_path, both), None)
    assert raw.source.name == "zoho"
    assert raw.headers["subscription_id"] == "Subscription ID"
    assert raw.headers["subscription_number"] == "SUBSCRIPTION#"
    # Without a Subscription ID column, the number is the fallback ID.
    only_number = "SUBSCRIPTION#,Customer ID,Activated On\nSUB-1,C1,2024-01-01\n"
    raw = read_raw(write(tmp_path, only_number, "b.csv"), None)
    assert raw.kind == SUBSCRIPTIONS
    assert "subscription_id" not in raw.headers
    assert raw.table().raw_fields_of("subscription_id") == (
        "subscription_id",
        "subscription_number",
    )


@pytest.mark.parametrize(
    ("header", "kind", "source"),
    [
        (
            "Subscription ID,Customer ID,Customer Name,Plan Name,Status,Activated On,Cancelled On",
            SUBSCRIPTIONS,
            "zoho",
        ),
        (
            "Customer ID,Display Name,Company Name,EmailID,Status,Created Time,CF.Region",
            CUSTOMERS,
            "zoho",
        ),
        (
            "id,Customer ID,Customer Email,Plan,Status,Start Date (UTC),Ended At (UTC)",
            SUBSCRIPTIONS,
            "stripe",
        ),
        ("id,Email,Name,Description,Created (UTC)", CUSTOMERS, "stripe"),
        (
            "subscriptions.id,subscriptions.customer_id,subscriptions.status,"
            "subscriptions.activated_at",
            SUBSCRIPTIONS,
            "chargebee",
        ),
        ("uuid,account_code,plan_code,state,activated_at,expires_at", SUBSCRIPTIONS, "recurly"),
        ("account_code,email,first_name,last_name,company_name,created_at", CUSTOMERS, "recurly"),
        (
            "subscription_id,customer_id,start_date,end_date,monthly_amount",
            SUBSCRIPTIONS,
            "generic",
        ),
        ("customer_id,name,email", CUSTOMERS, "generic"),
    ],
)
def test_kind_and_source_are_recognised_from_the_header(tmp_path, header, kind, source):
    raw = read_raw(write(tmp_path, header + "\n"), None)
    assert (raw.kind, raw.source.name) == (kind, source)


def test_equal_coverage_goes_to_generic(tmp_path):
    # customer_id and status are known to every source: nothing tells them apart.
    raw = read_raw(write(tmp_path, "customer_id,status\nC1,active\n"), None)
    assert (raw.kind, raw.source.name) == (CUSTOMERS, "generic")


def test_forced_source_overrides_detection(tmp_path):
    raw = read_raw(write(tmp_path, "customer_id,status\nC1,active\n"), None, source="zoho")
    assert raw.source.name == "zoho"


def test_german_zoho_export():
    raw = read_raw(FIXTURES / "zoho_de/subscriptions.csv", None)
    assert (raw.kind, raw.source.name, raw.encoding, raw.separator) == (
        SUBSCRIPTIONS,
        "zoho",
        "cp1252",
        ";",
    )
    assert raw.headers["cancelled_on"] == "Gekündigt am"
    assert column(raw, "customer_name")[2] == "Bäckerei Schön"
    assert column(raw, "line") == [2, 3, 4, 5]


# --------------------------------------------------------------------------- mapping


def test_map_pins_a_canonical_field_to_a_header(tmp_path):
    content = "Vertrag,Kunde Nr,Beginn\nV1,K1,2024-01-01\n"
    raw = read_raw(
        write(tmp_path, content),
        SUBSCRIPTIONS,
        mapping={"subscription_id": "Vertrag", "customer_id": "Kunde Nr", "start": "Beginn"},
    )
    assert column(raw, "subscription_id") == ["V1"]
    assert column(raw, "customer_id") == ["K1"]
    assert column(raw, "start") == ["2024-01-01"]
    assert raw.table().raw_fields_of("start") == ("start",)


def test_map_of_the_other_kind_is_ignored(tmp_path):
    path = write(tmp_path, "customer_id,name\nC1,Acme\n")
    raw = read_raw(path, CUSTOMERS, mapping={"subscription_id": "Vertrag"})
    assert column(raw, "customer_id") == ["C1"]


def test_map_to_a_missing_header_is_a_usage_error(tmp_path):
    path = write(tmp_path, f"{GENERIC_HEADER}\n")
    with pytest.raises(
        ReconcileError, match="has no column 'customer_ident'; closest: 'customer_id'"
    ):
        read_raw(path, SUBSCRIPTIONS, mapping={"customer_id": "customer_ident"})


def test_map_of_an_unknown_field_is_a_usage_error(tmp_path):
    path = write(tmp_path, f"{GENERIC_HEADER}\n")
    with pytest.raises(ReconcileError, match="'colour' is not a field of subscriptions exports"):
        read_raw(path, SUBSCRIPTIONS, mapping={"colour": "status"})


def test_mapping_file_extends_a_source(tmp_path):
    mapping_file = write(
        tmp_path,
        'extends = "zoho"\nname = "acme-zoho"\n'
        '[subscriptions.columns]\ncustomer_id = ["Debitor"]\n'
        '[statuses]\npaused = ["on_hold"]\nended = ["live"]\n',
        "acme.toml",
    )
    spec = load_mapping_file(mapping_file)
    assert spec.name == "acme-zoho"
    assert spec.subscriptions.columns["customer_id"] == ("Debitor", "Customer ID", "Kunden-ID")
    assert spec.statuses["paused"] == ("on_hold", "paused")
    assert "live" not in spec.statuses["paying"]  # moved to the mapping's class
    content = "Subscription ID,Debitor,Activated On,Status\nS1,D1,2024-01-01,On Hold\n"
    raw = read_raw(write(tmp_path, content), None, mapping_file=mapping_file)
    assert (raw.source.name, column(raw, "customer_id")) == ("acme-zoho", ["D1"])


def test_bad_mapping_file_is_a_usage_error(tmp_path):
    bad = write(tmp_path, '[subscriptions.derive]\nstart = ["nowhere"]\n', "bad.toml")
    with pytest.raises(ReconcileError, match="start uses nowhere"):
        load_mapping_file(bad)
    with pytest.raises(ReconcileError, match="not found"):
        load_mapping_file(tmp_path / "missing.toml")


# --------------------------------------------------------------------------- frames


def test_dataframe_input_skips_the_byte_steps():
    frame = pl.DataFrame(
        {
            "subscription_id": [" S1 ", "S2"],
            "customer_id": [7, 8],
            "start_date": ["2024-01-01", None],
        }
    )
    raw = read_raw(frame, None, name="frame")
    assert (raw.file, raw.kind, raw.source.name) == ("frame", SUBSCRIPTIONS, "generic")
    assert column(raw, "line") == [2, 3]
    assert column(raw, "subscription_id") == ["S1", "S2"]
    assert column(raw, "customer_id") == ["7", "8"]
    assert raw.frame.schema["customer_id"] == pl.String


# --------------------------------------------------------------------------- folders


def test_find_exports_recognises_files_by_header(tmp_path):
    write(tmp_path, "Customer ID,Display Name,EmailID\nC1,Acme,a@example.com\n", "a.csv")
    write(tmp_path, "Subscription ID,Customer ID,Activated On\nS1,C1,2024-01-01\n", "b.csv")
    write(tmp_path, "not an export", "notes.md")
    assert find_exports(tmp_path) == (tmp_path / "b.csv", tmp_path / "a.csv")


def test_find_exports_without_customers(tmp_path):
    write(tmp_path, f"{GENERIC_HEADER}\n", "x.csv")
    assert find_exports(tmp_path) == (tmp_path / "x.csv", None)


def test_find_exports_refuses_two_subscription_exports(tmp_path):
    write(tmp_path, f"{GENERIC_HEADER}\n", "x.csv")
    write(tmp_path, f"{GENERIC_HEADER}\n", "y.csv")
    with pytest.raises(UnusableFileError, match=r"holds 2 subscriptions exports \(x.csv, y.csv\)"):
        find_exports(tmp_path)


def test_find_exports_without_subscriptions(tmp_path):
    write(tmp_path, "customer_id,name\nC1,Acme\n", "c.csv")
    write(tmp_path, b"", "empty.csv")
    with pytest.raises(UnusableFileError, match=r"holds no subscriptions export.*empty\.csv"):
        find_exports(tmp_path)


# --------------------------------------------------------------------------- real data


def test_mrr_playbook_reads_with_no_options():
    raw = read_raw(MRR_PLAYBOOK, None)
    assert (raw.kind, raw.source.name) == (SUBSCRIPTIONS, "generic")
    assert raw.rows_read == 121
    assert raw.headers == {
        "subscription_id": "subscription_id",
        "customer_id": "customer_id",
        "monthly_amount": "monthly_amount",
        "start_date": "start_date",
        "end_date": "end_date",
    }
    assert column(raw, "line")[:3] == [2, 3, 4]
    assert column(raw, "line")[-1] == 122


def test_a_column_of_its_own_called_line(tmp_path):
    content = f"line,{GENERIC_HEADER}\n7,S1,C1,2024-01-01,active\n8,S2,C2,2024-01-01,active\n"
    raw = read_raw(write(tmp_path, content), None)
    assert column(raw, "line") == [2, 3]
    assert raw.file_headers[0] == "line"
    frame = pl.DataFrame({"line": [10], "subscription_id": ["S1"], "customer_id": ["C1"]})
    frame = frame.with_columns(start_date=pl.lit("2024-01-01"))
    assert column(read_raw(frame, None), "line") == [2]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),  # newlines inside the quoted name
            st.integers(min_value=0, max_value=2),  # blank lines after the record
        ),
        max_size=25,
    ),
    newline=st.sampled_from(["\n", "\r\n"]),
    title_lines=st.integers(min_value=0, max_value=2),
)
def test_line_numbers_follow_the_physical_lines(tmp_path, records, newline, title_lines):
    lines = [f"Export title {i}" for i in range(title_lines)]
    lines.append(f"{GENERIC_HEADER},customer_name")
    expected = []
    physical_lines = len(lines)
    for index, (inner_newlines, blanks_after) in enumerate(records):
        expected.append(physical_lines + 1)
        name = newline.join(f"part{k}" for k in range(inner_newlines + 1))
        lines.append(f'S{index},C{index},2024-01-01,active,"{name}"')
        lines.extend([""] * blanks_after)
        physical_lines += 1 + inner_newlines + blanks_after
    raw = read_raw(write(tmp_path, newline.join(lines) + newline), None)
    assert raw.header_line == title_lines + 1
    assert column(raw, "line") == expected
    assert column(raw, "subscription_id") == [f"S{i}" for i in range(len(records))]
