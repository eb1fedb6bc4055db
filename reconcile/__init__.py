"""reconcile: how many customers do you really have, and why does every report say
a different number? Reads billing-system CSV exports and walks from every subscription
count to the customer count, row by row.

The public API is `reconcile.reconcile(...)` (see reconcile/api.py). Heavy libraries are
imported only when a function needs them, so that `reconcile --help` answers at once.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = [
    "ReadOptions",
    "__version__",
    "load",
    "load_downloads",
    "reconcile",
    "reconcile_tables",
    "trace",
]


def __getattr__(name: str) -> Any:
    if name in {"reconcile", "load", "load_downloads", "reconcile_tables", "trace", "ReadOptions"}:
        from reconcile import api

        return getattr(api, name)
    raise AttributeError(f"module 'reconcile' has no attribute {name!r}")
