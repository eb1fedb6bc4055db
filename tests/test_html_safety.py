"""The HTML report is safe to open from an email: no script, no external resource, every
customer value escaped, and styled so that it survives clients that strip <style>."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from reconcile.rendering import LANGUAGES, render
from reconcile.result import ProductCount
from tests.result_examples import HOSTILE_PRODUCT, SCRIPT_NAME, large_result, small_result

# A URL that makes a mail client or browser fetch something: scheme-relative or any scheme
# other than a fragment.
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
CSS_URL = re.compile(r"url\(|@import", re.IGNORECASE)


def reports():
    """Every HTML report the tests know, in both languages."""
    hostile = small_result()
    hostile = replace(
        hostile,
        by_product=(
            *hostile.by_product,
            ProductCount('"><img src=x onerror=alert(1)>', 1, 1),
            ProductCount("javascript:alert(1)", 1, 1),
        ),
    )
    for result in (small_result(), large_result(), hostile):
        for lang in LANGUAGES:
            yield render(result, "html", lang=lang)


@pytest.fixture(scope="module")
def soups():
    return [BeautifulSoup(html, "html.parser") for html in reports()]


def test_no_script_and_no_event_handlers(soups):
    for soup in soups:
        assert soup.find_all("script") == []
        for tag in soup.find_all(True):
            assert not [name for name in tag.attrs if name.lower().startswith("on")]


def test_no_external_resource_of_any_kind(soups):
    for soup in soups:
        assert soup.find_all(["link", "img", "iframe", "object", "embed", "base", "svg"]) == []
        for tag in soup.find_all(True):
            for name in ("src", "href", "action", "background", "poster", "srcset"):
                value = tag.get(name)
                assert value is None or not EXTERNAL.match(value), (tag.name, name, value)
            assert not CSS_URL.search(tag.get("style", ""))
        styles = soup.find_all("style")
        assert len(styles) == 1
        assert not CSS_URL.search(styles[0].get_text())


def test_every_double_slash_is_customer_text():
    # Stricter than the parse: the only "//" in the file is inside customer data shown as
    # text (a name containing a URL), never in the report's own markup or CSS.
    for html in reports():
        text = BeautifulSoup(html, "html.parser").get_text()
        assert html.count("//") == text.count("//")


def test_injected_names_are_text_not_markup():
    html = render(small_result(), "html", lang="en")
    soup = BeautifulSoup(html, "html.parser")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT_NAME not in html
    cells = [cell.get_text() for cell in soup.find_all("td")]
    assert SCRIPT_NAME in cells
    assert HOSTILE_PRODUCT in cells
    # Only the report's own tags: the product's <b> never became an element.
    assert soup.find_all("b") == []


def test_attribute_breakout_stays_inside_the_text():
    result = replace(small_result(), by_product=(ProductCount('"><img src=x>', 1, 1),))
    html = render(result, "html")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all("img") == []
    assert '"><img src=x>' in [cell.get_text() for cell in soup.find_all("td")]


def test_email_friendly_layout():
    html = render(small_result(), "html", lang="en")
    soup = BeautifulSoup(html, "html.parser")
    page = soup.find("div", class_="page")
    # The main column is at most 640px wide, set inline so it survives a stripped <style>.
    assert "max-width:640px" in page["style"]
    # The big numbers carry their own inline styles.
    big = [div for div in soup.find_all("div") if "font-size:34px" in div.get("style", "")]
    assert [div.get_text() for div in big] == ["4", "8"]
    # Prints on A4.
    style = soup.find("style").get_text()
    assert "@page{size:A4" in style and "@media print" in style


def test_document_declares_language_and_encoding():
    for lang in LANGUAGES:
        soup = BeautifulSoup(render(small_result(), "html", lang=lang), "html.parser")
        assert soup.html["lang"] == lang
        assert soup.find("meta", charset=True)["charset"] == "utf-8"
