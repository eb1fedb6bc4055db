"""A plain `pip install .` (no -e) must work: the wheel carries the templates, the
catalogs and the billing-system descriptions the code loads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import reconcile

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_every_file_the_code_loads(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("reconcile-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        *(
            f"reconcile/templates/{p.relative_to(ROOT / 'templates')}"
            for p in (ROOT / "templates").rglob("*.j2")
        ),
        *(f"reconcile/sources/{p.name}" for p in (ROOT / "reconcile/sources").glob("*.toml")),
        "reconcile/locale/de/LC_MESSAGES/messages.po",
        "reconcile/py.typed",
    }
    assert len(expected) > 10
    assert expected <= names, sorted(expected - names)
    # One version, reconcile.__version__, which the wheel takes; the MIT licence inside.
    assert wheel.name == f"reconcile-{reconcile.__version__}-py3-none-any.whl"
    info = f"reconcile-{reconcile.__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    # The test extra leaves pandas out: pandera.polars would import it (module docstring).
    test_extra = [line for line in metadata.splitlines() if line.endswith("extra == 'test'")]
    assert test_extra and not any("pandas" in line for line in test_extra)
