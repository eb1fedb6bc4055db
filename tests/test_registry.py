"""Billing systems and languages are found, not listed: the recipes of docs/architecture.md
("How to add a billing system / a language") followed with a temporary file, and the
CLI's choices read from the registries."""

from __future__ import annotations

import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from reconcile import cli, registry
from reconcile.codes import RowError
from reconcile.i18n import format_date
from reconcile.reading import read_raw
from reconcile.rendering import render
from reconcile.sources import all_sources, load_source
from reconcile.validation import validate
from tests.result_examples import small_result

# A billing system reconcile does not know, written the way a user of the recipe would.
PADDLE = """\
name = "paddle"
title = "Paddle Billing"
detection_order = 60

[subscriptions.columns]
subscription_id = ["Subscription Reference"]
customer_id = ["Buyer Reference"]
status = ["Subscription State"]
started = ["Began"]
ended = ["Finished"]

[subscriptions.derive]
start = ["started"]
end = ["ended"]

[customers.columns]
customer_id = ["Buyer Reference"]
customer_name = ["Buyer"]

[statuses]
paying = ["running"]
not_yet_paying = ["trial"]
paused = ["on_hold"]
ended = ["stopped"]
"""

PADDLE_EXPORT = """\
Subscription Reference,Buyer Reference,Subscription State,Began,Finished
PS-1,B-1,running,2026-01-05,
PS-2,B-1,stopped,2025-03-01,2025-09-01
PS-3,B-2,teleported,2026-02-01,
"""


@pytest.fixture
def sources_with_paddle(tmp_path, monkeypatch) -> Path:
    """The built-in source files and paddle.toml in a folder the registry reads."""
    folder = tmp_path / "sources"
    folder.mkdir()
    builtin = resources.files("reconcile") / "sources"
    for entry in builtin.iterdir():
        if entry.name.endswith(".toml"):
            (folder / entry.name).write_bytes(entry.read_bytes())
    (folder / "paddle.toml").write_text(PADDLE, encoding="utf-8")
    monkeypatch.setattr(registry, "SOURCES_ROOT", folder)
    return folder


def test_a_new_source_is_one_toml_file(sources_with_paddle, tmp_path):
    # Found, and tried in its detection order: after WooCommerce (50), before generic.
    assert registry.source_names() == (
        "zoho",
        "stripe",
        "chargebee",
        "recurly",
        "woocommerce",
        "paddle",
        "generic",
    )
    assert [spec.name for spec in all_sources()][-2:] == ["paddle", "generic"]
    assert load_source("Paddle").title == "Paddle Billing"
    # A file with its headers is recognised as a paddle export, without --source.
    export = tmp_path / "subscriptions.csv"
    export.write_text(PADDLE_EXPORT, encoding="utf-8")
    raw = read_raw(export, None)
    assert (raw.kind, raw.source.name) == ("subscriptions", "paddle")
    loaded = validate(raw)
    assert loaded.frame.get_column("subscription_id").to_list() == ["PS-1", "PS-2"]
    assert loaded.frame.get_column("status_class").to_list() == ["paying", "ended"]
    rejected = loaded.rejections.select("line", "column", "code").rows()
    assert rejected == [(4, "Subscription State", RowError.UNKNOWN_STATUS)]


def test_the_registry_reads_only_the_folders_own_toml_files(tmp_path):
    # sources/reports/ holds the layouts of the vendors' own reports: no sources.
    (tmp_path / "mine.toml").write_text('name = "mine"\n')
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "other.toml").write_text('name = "other"\n')
    (tmp_path / "notes.txt").write_text("not a source\n")
    assert list(registry.documents_in(tmp_path)) == ["mine"]


def test_two_source_files_may_not_share_a_name(tmp_path):
    (tmp_path / "a.toml").write_text('name = "same"\n')
    (tmp_path / "b.toml").write_text('name = "same"\n')
    with pytest.raises(registry.RegistryError, match="same name"):
        registry.documents_in(tmp_path)


def test_a_new_language_is_one_catalog(tmp_path, monkeypatch):
    # The built-in catalogs, and a French one that translates only the date patterns.
    locale = tmp_path / "locale"
    shutil.copytree(Path(str(registry.LOCALE_ROOT)), locale)
    french = locale / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    (french / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "d MMM y"\nmsgstr "dd/MM/y"\n\nmsgid "d MMMM y"\nmsgstr "d MMMM y"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(registry, "LOCALE_ROOT", locale)
    assert registry.languages() == ("en", "de", "fr")
    assert format_date(date(2026, 11, 15), "fr") == "15/11/2026"
    assert format_date(date(2026, 11, 15), "fr", style="long") == "15 novembre 2026"
    # The report renders in it: numbers and dates in French, untranslated text in English.
    report = render(small_result(), "md", lang="fr")
    assert "Customers and subscriptions on" in report


def test_the_cli_offers_what_the_registries_hold():
    options = {param.name: param for param in cli.report.params}
    assert tuple(options["lang"].type.choices) == registry.languages()
    assert tuple(options["source"].type.choices) == registry.source_names()
