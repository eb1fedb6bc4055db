"""Running this checkout's reconcile in a fresh interpreter, for the tests that must
see a process from its start (imports, exit codes, what reaches stdout at the end).

The checkout's root comes first on PYTHONPATH: the child imports the code under test,
never another installed copy of reconcile, wherever the tests run from.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def checkout_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with the checkout first on PYTHONPATH, plus `extra`."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def fresh_python(
    arguments: Sequence[str],
    *,
    environment: Mapping[str, str] | None = None,
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """`python ARGUMENTS` (e.g. `["-c", code]` or `["-m", "reconcile", ...]`) in this
    checkout, its output captured as text. `environment` is the whole environment
    (default: checkout_environment()); `options` go to subprocess.run."""
    env = checkout_environment() if environment is None else dict(environment)
    return subprocess.run(
        [sys.executable, *arguments], env=env, capture_output=True, text=True, **options
    )
