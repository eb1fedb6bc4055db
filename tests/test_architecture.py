"""docs/architecture.md lists every module of the package with its one job, and the docs
point at the copy of the specification in the repository, not at a folder beside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")


def listed() -> set[str]:
    """The first cells of the module table, as written (`reconcile/cli.py`, `reading/`)."""
    return set(re.findall(r"^\| `([^`]+)` \|", ARCHITECTURE, flags=re.MULTILINE))


def test_every_module_is_listed_with_its_job():
    names = listed()
    missing = []
    for path in sorted((ROOT / "reconcile").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        package = path.parent.relative_to(ROOT).as_posix()
        if path.name == "__init__.py" and package != "reconcile":
            wanted = {f"{package}/"}  # a package's row stands for its __init__
        else:
            # A subpackage's modules may be written relative to the package folder.
            wanted = {relative, relative.removeprefix("reconcile/")}
        if not wanted & names:
            missing.append(relative)
    assert missing == []


def test_the_docs_point_at_the_spec_in_the_repository():
    documents = [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md"), *(ROOT / "bench").glob("*.md")]
    pointing_outside = [
        path.relative_to(ROOT).as_posix()
        for path in documents
        if "../shared/" in path.read_text(encoding="utf-8")
    ]
    assert pointing_outside == []
    assert (ROOT / "docs/domain.md").exists()
