"""The HTML report in a real browser: headless Chromium renders it to a PNG that is not
blank, and its DOM holds the headline numbers. CI installs Chromium (Debian package
`chromium`); without it these tests fail rather than skip, so a missing browser cannot
pass unnoticed."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from reconcile.rendering import render
from tests.result_examples import small_result

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
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
