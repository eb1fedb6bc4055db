"""Whatever bytes a file holds, a run ends in exit 0, 1 or 2 (never 3, a bug), every
report it writes accounts for every row (rows_read = accepted + rejected + duplicates
removed), and no input file changes (issue 10).

The files are drawn from bytes of every kind: arbitrary bytes, and exports that are
almost right (a real header, then rows with stray quotes, separators, line ends of every
kind, control characters, bytes that are not UTF-8, repeated headers, blank records,
values a spreadsheet would run), in UTF-8, Windows-1252, Mac Roman or UTF-16.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile.cli import main

HEADERS = [
    "subscription_id,customer_id,customer_name,start_date,end_date,status,amount",
    "Subscription ID;Customer ID;Customer Name;Activated On;Cancelled On;Status;Amount",
    "id,customer,status,start_date,ended_at,plan.amount",
]
PIECES = st.sampled_from(
    [
        "S1", "C1", "2024-01-10", "31.02.2025", "live", "active", "cancelled", "", " ",
        '"', '""', '"a,b"', ",", ";", "\t", "|", "\r", "\n", "\r\n", "\x00", "\x1b[2J",
        "\u202e", "\u200b", "Müller", "=1+2", "-5", "@x", "4.604E+15", "12,50 €",
        "subscription_id", "customer_id", "S1,C1,,2024-01-10,,active,1",
    ]
)  # fmt: skip
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "mac_roman", "utf-16"])


@st.composite
def almost_exports(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from(HEADERS))
    lines = draw(st.lists(st.lists(PIECES, max_size=9).map("".join), max_size=12))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join([header, *lines]) + draw(st.sampled_from(["", ending]))
    encoding = draw(ENCODINGS)
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # a stray byte somewhere
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.binary(min_size=1, max_size=3)) + data[position:]
    return data


FILES = st.one_of(st.binary(max_size=400), almost_exports())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(subscriptions=FILES, customers=st.one_of(st.none(), FILES))
def test_any_bytes_end_in_0_1_or_2_with_every_row_accounted_for(
    tmp_path_factory, subscriptions, customers
):
    folder = tmp_path_factory.mktemp("bytes")
    inputs = [folder / "subscriptions.csv"]
    inputs[0].write_bytes(subscriptions)
    args = ["report", str(inputs[0]), "--as-of", "2024-06-30", "--fail-on", "error"]
    if customers is not None:
        inputs.append(folder / "customers.csv")
        inputs[1].write_bytes(customers)
        args += ["--customers", str(inputs[1])]
    before = [digest(path) for path in inputs]
    out = folder / "out"
    args += ["-o", str(out / "r.json"), "-o", str(out / "r.md"), "-o", str(out / "rows.csv")]
    result = CliRunner().invoke(main, args)

    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    assert [digest(path) for path in inputs] == before
    if result.exit_code == 2:
        assert not out.exists()  # all or nothing
        return
    report = json.loads((out / "r.json").read_text("utf-8"))
    for summary in report["inputs"].values():
        if summary is None:
            continue
        assert summary["rows_read"] == (
            summary["rows_accepted"] + summary["rows_rejected"] + summary["duplicate_rows_removed"]
        )
    rows = (out / "rows.csv").read_text("utf-8-sig")
    assert rows.count("\n") >= 1  # the header at least
