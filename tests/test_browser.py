"""The HTML report in a real browser: headless Chromium renders it to a PNG that is not
blank, and its DOM holds the headline numbers. CI installs Chromium (Debian package
`chromium`); without it these tests fail rather than skip, so a missing browser cannot
pass unnoticed."""

from __future__ import annotations

import html as html_module
import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from reconcile.cli import main
from reconcile.rendering import render
from tests.result_examples import small_result

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ZOHO = ROOT / "sample_exports" / "zoho"
# No network, no profile, no background services: the report must render on its own.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if path is None:
        pytest.fail(
            f"headless Chromium not found at {CHROMIUM}: install the Debian package "
            "'chromium' (apt-get install -y chromium) to run the browser tests"
        )
    return path


def run_chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def headline_result():
    result = small_result()
    return replace(
        result,
        totals=replace(result.totals, customers_active=1016, subscriptions_active=2656),
    )


@pytest.fixture(params=["en", "de"])
def report_file(request, tmp_path) -> tuple[str, Path]:
    path = tmp_path / f"report.{request.param}.html"
    path.write_text(render(headline_result(), "html", lang=request.param), encoding="utf-8")
    return request.param, path


def test_report_renders_to_a_picture_that_is_not_blank(report_file, tmp_path):
    _, path = report_file
    png = tmp_path / "report.png"
    run_chromium(tmp_path, f"--screenshot={png}", "--window-size=800,2000", path.as_uri())
    with Image.open(png) as image:
        assert image.size == (800, 2000)
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20)
    # Text, the white page on its grey ground, the blue figures and bars: many colours,
    # and the most common one (the background) covers far from everything.
    assert len(colours) > 50
    assert max(count for count, _ in colours) < 0.9 * 800 * 2000
    blue = (0x1F, 0x5F, 0x99)
    assert any(colour == blue for _, colour in colours), "the blue figures did not render"


def test_rendered_dom_holds_the_headline_numbers(report_file, tmp_path):
    lang, path = report_file
    dom = run_chromium(tmp_path, "--dump-dom", path.as_uri()).stdout
    expected = {
        "en": ("1,016", "2,656", "you have 1,016 active customers"),
        "de": ("1.016", "2.656", "haben Sie 1.016 aktive Kunden"),
    }[lang]
    for text in expected:
        assert text in dom
    assert "<script" not in dom


# --- the report on the Zoho sample, measured in the browser -------------------------

# Injected into a copy of the report (the report itself has no script): measures where
# the Data quality appendix starts with every <details> as the report leaves it (closed),
# whether their content is hidden then and shown once opened (natively: no script of the
# report's), then, with everything open, every element against the 640px column.
MEASURE = """<script>
(function () {
  var card = document.querySelector('.page');
  var box = card.getBoundingClientRect();
  var details = Array.from(card.querySelectorAll('details'));
  function content(d) {
    return Array.from(d.children).filter(function (c) { return c.tagName !== 'SUMMARY'; });
  }
  function shown(d) {
    return content(d).filter(function (c) { return c.checkVisibility(); }).length;
  }
  var quality = document.getElementById('data-quality');
  var dataQualityTop = quality.getBoundingClientRect().top + window.scrollY;
  var closed = details.map(function (d) {
    return {open: d.open, parts: content(d).length, shown: shown(d),
            title: d.querySelector('summary').textContent};
  });
  details.forEach(function (d) { d.open = true; });
  var opened = details.map(shown);
  var wider = [];
  card.querySelectorAll('*').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > box.right + 0.5 || r.left < box.left - 0.5)) {
      wider.push(el.tagName + ' ' + Math.round(r.width) + ' '
        + (el.textContent || '').slice(0, 60));
    }
  });
  var out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify({
    card: box.width,
    wider: wider,
    dataQualityTop: dataQualityTop,
    closed: closed,
    opened: opened,
    headings: Array.from(card.querySelectorAll('h2')).map(function (h) { return h.textContent; })
  });
  document.body.appendChild(out);
})();
</script>"""


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory) -> dict[str, str]:
    """The Zoho sample's HTML report in both languages, written by the command line from
    the sample's absolute path (a path that must not show in the report)."""
    folder = tmp_path_factory.mktemp("sample")
    reports = {}
    for lang in ("en", "de"):
        path = folder / f"report.{lang}.html"
        outcome = CliRunner().invoke(
            main,
            [
                "report",
                str(ZOHO.resolve()),
                "--as-of",
                "2026-11-15",
                "--lang",
                lang,
                "-o",
                str(path),
            ],
        )
        assert outcome.exit_code == 0, outcome.output
        reports[lang] = path.read_text(encoding="utf-8")
    return reports


def measured(html: str, tmp_path: Path, width: int = 1200) -> dict:
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = run_chromium(tmp_path, f"--window-size={width},1000", "--dump-dom", probe.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    return json.loads(html_module.unescape(found.group(1)))


@pytest.mark.parametrize("lang", ["en", "de"])
def test_no_element_is_wider_than_the_640px_column(sample_reports, lang, tmp_path):
    figures = measured(sample_reports[lang], tmp_path)
    assert figures["card"] <= 642  # 640px and its 1px border
    assert figures["wider"] == []


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sections_come_in_the_order_a_finance_reader_needs(sample_reports, lang, tmp_path):
    headings = measured(sample_reports[lang], tmp_path)["headings"]
    order = {
        "en": [
            "What stands out",
            "By product",
            "Revenue",
            "From rows to customers",
            "Month by month",
            "Data quality",
            "Inputs",
            "What the terms mean",
        ],
        "de": [
            "Auffälligkeiten",
            "Nach Produkt",
            "Umsatz",
            "Von Zeilen zu Kunden",
            "Monat für Monat",
            "Datenqualität",
            "Eingaben",
            "Was die Begriffe bedeuten",
        ],
    }[lang]
    assert [heading for heading in headings if heading in order] == order
    assert headings[-1] == order[-1]  # the definitions last


# Screens of 1200px before the Data quality appendix (issue 14: "about 4 screens").
SCREEN = 1200


@pytest.mark.parametrize(("lang", "screens"), [("en", 4.08), ("de", 4.17)])
def test_the_report_before_the_appendix_fits_in_about_four_screens(
    sample_reports, lang, screens, tmp_path
):
    # 1200px wide: the Data quality appendix started at 7,910px at first, 7,751px (six and
    # a half screens) once the renewal dates came in; with secondary detail folded, the
    # renewal dates cut to the first 5 and the plan, revenue and renewal tables compact,
    # 4,727px in English and 4,837px in German (longer words): at most 4,900 and 5,000.
    assert measured(sample_reports[lang], tmp_path)["dataQualityTop"] <= screens * SCREEN


@pytest.mark.parametrize("lang", ["en", "de"])
def test_folded_detail_is_closed_and_opens_without_script(sample_reports, lang, tmp_path):
    html = sample_reports[lang]
    figures = measured(html, tmp_path)
    titles = {
        "en": [
            "The same count from the customers export",
            "Customers in two products",
            "MRR month by month (CHF)",
            "MRR month by month (EUR)",
            "Cancellations and plan changes",
        ],
        "de": [
            "Dieselbe Zählung aus dem Kunden-Export",
            "Kunden in zwei Produkten",
            "MRR Monat für Monat (CHF)",
            "MRR Monat für Monat (EUR)",
            "Kündigungen und Planwechsel",
        ],
    }[lang]
    assert [item["title"] for item in figures["closed"]] == titles
    # As written: closed, their content hidden; opened, all of it shown, by the browser
    # alone (the report holds no script at all).
    assert all(not item["open"] and item["shown"] == 0 for item in figures["closed"])
    assert figures["opened"] == [item["parts"] for item in figures["closed"]]
    assert all(item["parts"] > 0 for item in figures["closed"])
    assert "<script" not in html
    assert not re.search(r"<details[^>]*\sopen", html)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_no_local_path_appears(sample_reports, lang, tmp_path):
    dom = run_chromium(tmp_path, "--dump-dom", _written(tmp_path, sample_reports[lang])).stdout
    for folder in {str(ZOHO.resolve().parent), str(Path.home()), str(ROOT)}:
        assert folder not in dom
    assert "subscriptions.csv" in dom and "customers.csv" in dom


def _written(tmp_path: Path, html: str) -> str:
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()
