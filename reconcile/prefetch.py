"""What a report run needs after the exports are read, made ready while they are.

Reading a CSV file runs in polars with Python's lock released, so a second thread can
meanwhile import the modules the later stages use (pandera alone takes a tenth of a
second) and compile the report's templates; the stages then find them ready. A module
that fails to import here is imported again, and fails, where it is needed: this
thread never reports an error of its own.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence

# In the order the run needs them: validation (pandera only when a row fails a check,
# as rows of real exports do), then the engine, then the report.
MODULES = (
    "reconcile.validation",
    "pandera.polars",
    "pandera.errors",
    # What pandera imports when it first validates (register_polars_backends).
    "pandera.backends.polars.builtin_checks",
    "pandera.backends.polars.checks",
    "pandera.backends.polars.components",
    "pandera.backends.polars.container",
    "reconcile.reconciliation",
    "reconcile.standout",
    "reconcile.rendering",
)


def start(formats: Sequence[str], lang: str) -> threading.Thread:
    """Start preparing, in a daemon thread, for a report in `formats` ("html", "md",
    "json", ...) and `lang`; the caller need not wait for it."""
    thread = threading.Thread(
        target=_prepare, args=(tuple(formats), lang), name="reconcile-prefetch", daemon=True
    )
    thread.start()
    return thread


def _prepare(formats: tuple[str, ...], lang: str) -> None:
    try:
        for module in MODULES:
            importlib.import_module(module)
        from reconcile import rendering

        for fmt in formats:
            rendering.prepare(fmt, lang)
    except Exception:  # the stage that needs it meets the error itself
        pass
