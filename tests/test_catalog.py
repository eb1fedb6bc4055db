"""The German catalog is complete: every msgid of the templates (report and email) and
every English template of reconcile/findings.py has a non-empty, non-fuzzy German
translation with the same placeholders. Extraction uses reconcile/locale/babel.cfg,
the same mapping `pybabel extract` uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from reconcile import findings
from reconcile.codes import Detail, RowError, Step
from reconcile.i18n import LOCALE_DIR, catalog_path, translations

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def extracted_msgids() -> dict[str, tuple[str, ...]]:
    """msgid -> its plural msgid too (a 1- or 2-tuple), from templates and findings.py."""
    with (LOCALE_DIR / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map):
        forms = (message,) if isinstance(message, str) else tuple(message)
        found[forms[0]] = forms
    return found


def placeholders(text: str) -> set[str]:
    return {"".join(groups) for groups in PLACEHOLDER.findall(text)}


@pytest.fixture(scope="module")
def german_catalog():
    with catalog_path("de").open("rb") as po_file:
        return read_po(po_file, locale="de")


def test_extraction_finds_templates_and_findings():
    msgids = extracted_msgids()
    assert "Customers and subscriptions on %(date)s" in msgids
    assert msgids["%(num)s more in %(file)s"] == (
        "%(num)s more in %(file)s",
        "%(num)s more in %(file)s",
    )
    assert msgids["{count} row of {file} was rejected: {reason}."] == (
        "{count} row of {file} was rejected: {reason}.",
        "{count} rows of {file} were rejected: {reason}.",
    )
    sentences = [
        sentence for template in findings.FINDINGS.values() for sentence in template.sentences
    ]
    # The extraction reads findings.py's source; it must agree with the module itself,
    # form for form: a sentence with a plural is a plural entry, one without is not.
    for sentence in sentences:
        forms = (sentence.singular,) + ((sentence.plural,) if sentence.plural else ())
        assert msgids[sentence.singular] == forms
    python_texts = (
        [code.reason for code in RowError]
        + [detail.text for detail in Detail]
        + [step.label for step in Step]
    )
    assert all(msgids[text] == (text,) for text in python_texts)


def test_every_finding_that_states_a_count_has_a_plural():
    # Without a plural a count of 1 reads "1 rows"; only the currencies finding is
    # never said for fewer than two.
    without_plural = {
        code
        for code, template in findings.FINDINGS.items()
        for sentence in template.sentences
        if sentence.plural is None and "{count}" in sentence.singular
    }
    assert without_plural == {"mixed_currencies"}


def test_every_msgid_has_a_german_translation(german_catalog):
    missing = [
        msgid
        for msgid, forms in extracted_msgids().items()
        if not _translated(german_catalog.get(msgid), plural=len(forms) == 2)
    ]
    assert missing == [], "translate these in reconcile/locale/de/LC_MESSAGES/messages.po"


def test_translations_keep_the_placeholders(german_catalog):
    # Form for form: msgstr[0] has the singular's placeholders, msgstr[1] the plural's
    # (German, like English, has one singular and one plural).
    for message in german_catalog:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        assert len(strings) == len(ids), message.id
        for msgid, text in zip(ids, strings, strict=True):
            assert placeholders(text) == placeholders(msgid), (message.id, text)


def test_translators_are_told_which_count_picks_the_form(german_catalog):
    entry = german_catalog.get("There is {customers_active} active customer.")
    assert entry.auto_comments == ["Singular or plural by {customers_active}."]
    assert german_catalog.get("{count} row of {file} was rejected: {reason}.").auto_comments == []


def test_catalog_declares_two_plural_forms_as_german_has(german_catalog):
    assert german_catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert german_catalog.num_plurals == 2


def test_catalog_has_no_stale_entries(german_catalog):
    # Entries no template or finding uses any more are clutter for translators.
    current = set(extracted_msgids())
    stale = [
        message.id for message in german_catalog if message.id and _key(message.id) not in current
    ]
    assert stale == []


def test_compiled_catalog_translates_singular_and_plural():
    german = translations("de")
    assert german.gettext("What stands out") == "Auffälligkeiten"
    more = "%(num)s more in %(file)s"
    assert german.ngettext(more, more, 1) == "%(num)s weiterer in %(file)s"
    assert german.ngettext(more, more, 2) == "%(num)s weitere in %(file)s"
    assert german.ngettext(more, more, 0) == "%(num)s weitere in %(file)s"
    rejected = (
        "{count} row of {file} was rejected: {reason}.",
        "{count} rows of {file} were rejected: {reason}.",
    )
    assert german.ngettext(*rejected, 1) == "{count} Zeile in {file} wurde abgelehnt: {reason}."
    assert german.ngettext(*rejected, 2) == "{count} Zeilen in {file} wurden abgelehnt: {reason}."


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _translated(message, *, plural: bool) -> bool:
    """A trusted translation: present, not fuzzy, every form non-empty, both plural forms."""
    if message is None or message.fuzzy:
        return False
    strings = (message.string,) if isinstance(message.string, str) else tuple(message.string)
    return all(text.strip() for text in strings) and len(strings) == (2 if plural else 1)
