"""The Markdown report renders as GitHub-flavoured Markdown whatever the customer data:
no value breaks a table row or injects markup. Rows are read back the way GFM reads
them: split at unescaped pipes, backslash escapes of ASCII punctuation undone."""

from __future__ import annotations

import re
import string
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.rendering import escape_markdown, render
from reconcile.result import CustomerRef, ProductCount
from tests.result_examples import (
    HOSTILE_PRODUCT,
    MARKDOWN_HOSTILE_NAME,
    NEWLINE_NAME,
    SCRIPT_NAME,
    small_result,
)

# Characters that must never appear unescaped in a value.
SPECIAL = "\\`*_[]<>|~&#"


def split_row(line: str) -> list[str]:
    """The cells of a GFM table row, unescaped and trimmed, as GitHub reads them."""
    assert line.startswith("|") and line.endswith("|"), line
    cells, current, index = [], "", 1
    while index < len(line) - 1:
        char = line[index]
        if char == "\\" and index + 1 < len(line) - 1 and line[index + 1] in string.punctuation:
            current += line[index + 1]
            index += 2
            continue
        if char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
        index += 1
    cells.append(current.strip())
    return cells


# A table's delimiter row (|---|---:|): a product named "---" must not match it.
_DELIMITER_ROW = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")


def table_rows(markdown: str, first_cell: str) -> list[list[str]]:
    return [
        split_row(line)
        for line in markdown.splitlines()
        if line.startswith("|")
        and not _DELIMITER_ROW.match(line)
        and split_row(line)[0] == first_cell
    ]


def test_every_special_character_is_escaped():
    assert escape_markdown("a|b") == "a\\|b"
    assert escape_markdown("`x` *y* _z_") == "\\`x\\` \\*y\\* \\_z\\_"
    assert escape_markdown("[l](u) <b>") == "\\[l\\](u) \\<b\\>"
    assert escape_markdown("~s~ &amp; #1 \\") == "\\~s\\~ \\&amp; \\#1 \\\\"
    assert escape_markdown("one\ntwo\r\nthree\rfour") == "one two three four"
    assert escape_markdown(None) == ""
    assert escape_markdown(1016) == "1016"


def test_hostile_customer_names_stay_in_their_cells():
    markdown = render(small_result(), "md", lang="en")
    rows = {row[0]: row for row in table_rows(markdown, "C5")}
    rows.update({row[0]: row for row in table_rows(markdown, "C6")})
    rows.update({row[0]: row for row in table_rows(markdown, "C7")})
    assert rows["C5"] == ["C5", SCRIPT_NAME, "x@evil.example", "6"]
    assert rows["C6"] == ["C6", MARKDOWN_HOSTILE_NAME, "mueller@example.com", "7"]
    # A line break inside a value becomes a blank: the row stays one line.
    assert rows["C7"] == ["C7", NEWLINE_NAME.replace("\n", " "), "Anna.M@Example.com", "8"]


def test_hostile_product_names_stay_in_their_cells():
    markdown = render(small_result(), "md", lang="de")
    assert table_rows(markdown, HOSTILE_PRODUCT) == [
        [HOSTILE_PRODUCT, "1", "1", "1,00"],
        [HOSTILE_PRODUCT, "Basic", "1", "1", "1,00"],
        [HOSTILE_PRODUCT, "25,00\xa0€", "█"],  # its MRR, in the revenue section
    ]


def test_the_only_raw_html_is_the_reports_own_line_break():
    for lang in ("en", "de"):
        markdown = render(small_result(), "md", lang=lang)
        tags = set(re.findall(r"(?<!\\)<[^>]*>", markdown))
        assert tags == {"<br>"}


def test_every_table_row_has_as_many_cells_as_its_header():
    markdown = render(small_result(), "md", lang="en")
    lines = markdown.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("|---") or line.startswith("|:") or line.startswith("|--"):
            width = len(split_row(lines[index - 1]))
            body = index + 1
            while body < len(lines) and lines[body].startswith("|"):
                assert len(split_row(lines[body])) == width, lines[body]
                body += 1


# Any printable text: what a billing system may hold in a product or customer name.
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), max_codepoint=0x2FFF)
    | st.sampled_from(list(SPECIAL + "\n\r\t -!()+.")),
    min_size=1,
    max_size=30,
).filter(lambda text: text.strip())


@settings(max_examples=80, deadline=None)
@given(product=names, customer=names)
def test_any_value_reads_back_unchanged_from_its_cell(product, customer):
    result = small_result()
    result = replace(
        result,
        by_product=(ProductCount(product, 5, 3),),
        quality=replace(
            result.quality,
            customers_without_subscriptions=(CustomerRef("C-X", customer, None, 9),),
        ),
    )
    markdown = render(result, "md", lang="en")
    # A line break (CRLF, CR or LF) inside a value is shown as one blank.
    expected_product = re.sub(r"\r\n|[\r\n]", " ", product).strip()
    expected_customer = re.sub(r"\r\n|[\r\n]", " ", customer).strip()
    by_product = markdown[markdown.index("## By product") : markdown.index("### By plan")]
    assert table_rows(by_product, expected_product) == [[expected_product, "5", "3", "1.67"]]
    assert table_rows(markdown, "C-X") == [["C-X", expected_customer, "–", "9"]]


@settings(max_examples=150, deadline=None)
@given(names)
def test_escaped_text_has_no_unescaped_special_character(value):
    escaped = escape_markdown(value)
    assert "\n" not in escaped and "\r" not in escaped
    unescaped = re.sub(r"\\[" + re.escape(SPECIAL) + "]", "", escaped)
    assert not set(unescaped) & set(SPECIAL)
