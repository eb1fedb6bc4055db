"""What reconcile knows of, found rather than listed: the billing systems (one TOML file
each in reconcile/sources/) and the report languages (one gettext catalog each in
reconcile/locale/<lang>/LC_MESSAGES/messages.po, English being the msgids themselves).

Adding a file is all it takes for the CLI's choices, detection and rendering to know the
new system or language (docs/architecture.md, "How to add ..."). This module imports
neither polars nor babel: the CLI builds its option choices from it before any command
runs.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

# The folders searched (a test points them at folders of its own).
SOURCES_ROOT: Traversable = resources.files("reconcile") / "sources"
LOCALE_ROOT: Traversable = resources.files("reconcile") / "locale"

SOURCE_LANGUAGE = "en"  # the language of the msgids: it needs no catalog
GETTEXT_DOMAIN = "messages"
DEFAULT_DETECTION_ORDER = 100


class RegistryError(Exception):
    """A source file that cannot be a source: a bug in the package, not the user's input."""


def source_documents() -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (file name, parsed TOML) of every source file, in detection order."""
    return documents_in(SOURCES_ROOT)


def source_names() -> tuple[str, ...]:
    """The names of the built-in sources, in detection order."""
    return tuple(source_documents())


def languages() -> tuple[str, ...]:
    """The report's languages: English first, then every language with a catalog."""
    return _languages(LOCALE_ROOT)


def catalog(lang: str) -> Traversable:
    """The gettext catalog (.po) of a language other than English."""
    return LOCALE_ROOT / lang / "LC_MESSAGES" / f"{GETTEXT_DOMAIN}.po"


def documents_in(root: Traversable) -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (file name, parsed TOML) of the source files in `root`, in detection
    order; read once per folder and process."""
    key = str(root)  # a Traversable need not be hashable; its text names the folder
    if key not in _DOCUMENTS:
        _DOCUMENTS[key] = _read_documents(root)
    return _DOCUMENTS[key]


_DOCUMENTS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}


def _read_documents(root: Traversable) -> dict[str, tuple[str, dict[str, Any]]]:
    # Only the *.toml files of the folder itself: sources/reports/ holds other things.
    found = []
    for entry in root.iterdir():
        if entry.name.endswith(".toml") and entry.is_file():
            document = tomllib.loads(entry.read_text("utf-8"))
            name = str(document.get("name") or entry.name.removesuffix(".toml"))
            order = document.get("detection_order", DEFAULT_DETECTION_ORDER)
            if not isinstance(order, int):
                raise RegistryError(f"{entry.name}: detection_order must be a whole number")
            found.append((order, name, entry.name, document))
    found.sort(key=lambda item: (item[0], item[1]))
    documents = {name: (file_name, document) for _, name, file_name, document in found}
    if len(documents) != len(found):
        raise RegistryError(f"two source files in {root} have the same name")
    return documents


def _languages(root: Traversable) -> tuple[str, ...]:
    # Read anew each time: a handful of folders, and the CLI asks once per run.
    found = sorted(
        entry.name
        for entry in root.iterdir()
        if entry.is_dir() and (entry / "LC_MESSAGES" / f"{GETTEXT_DOMAIN}.po").is_file()
    )
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))
