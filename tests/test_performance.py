"""What the speed-ups must not change. The compiled-template cache of the report
(reconcile/rendering.py): the same bytes with and without it, really used on the second
run, and never a reason for a report to fail. The garbage collector paused while a
command runs (reconcile/cli.py), and given back afterwards."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import pytest
from click.testing import CliRunner

from reconcile import api, rendering
from reconcile.cli import main
from reconcile.codes import Severity
from reconcile.rendering import LANGUAGES, render
from reconcile.result import _plain as result_plain
from tests.processes import checkout_environment, fresh_python
from tests.result_examples import large_result, small_result

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports" / "zoho"

FORMATS = ("html", "md")


@pytest.fixture
def fresh_environments():
    """Environments are made once per process; each test starts (and leaves) without them."""
    rendering._report_environment.cache_clear()
    yield
    rendering._report_environment.cache_clear()


@pytest.fixture
def cache_home(tmp_path, monkeypatch, fresh_environments) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def reports_without_cache(monkeypatch, tmp_path, results) -> dict:
    """Every report rendered with the cache folder impossible to create (under a file)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with monkeypatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))
        rendering._report_environment.cache_clear()
        texts = _render_all(results)
    rendering._report_environment.cache_clear()
    assert not (blocker.parent / "cache").exists()
    return texts


def _render_all(results) -> dict:
    return {
        (name, fmt, lang): render(result, fmt, lang=lang)
        for name, result in results.items()
        for fmt in FORMATS
        for lang in LANGUAGES
    }


def cache_files(home: Path) -> list[Path]:
    return sorted(home.glob("reconcile/templates-*/*.cache"))


def test_cached_reports_are_byte_identical_and_compiled_once(cache_home, monkeypatch, tmp_path):
    results = {"small": small_result(), "large": large_result()}
    expected = reports_without_cache(monkeypatch, tmp_path, results)

    assert _render_all(results) == expected  # first run: compiles and fills the cache
    folders = sorted(path.name for path in (cache_home / "reconcile").iterdir())
    # One folder per format: autoescape and finalize are compiled into the shared partials.
    assert [name.split("-")[1] for name in folders] == ["html", "md"]
    assert len(cache_files(cache_home)) >= 4  # two reports, at least one partial each

    rendering._report_environment.cache_clear()

    def no_compiling(*args, **kwargs):
        raise AssertionError("a template was compiled although it is in the cache")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compiling)
    assert _render_all(results) == expected  # second run: every template from the cache


def test_damaged_cache_files_are_compiled_afresh_and_replaced(cache_home, monkeypatch, tmp_path):
    results = {"small": small_result()}
    expected = reports_without_cache(monkeypatch, tmp_path, results)
    _render_all(results)
    files = cache_files(cache_home)
    good = {path: path.read_bytes() for path in files}
    damage = (b"", b"garbage", None)  # empty, not a cache file, cut after the header
    for index, path in enumerate(files):
        bad = damage[index % len(damage)]
        path.write_bytes(good[path][:20] if bad is None else bad)
    rendering._report_environment.cache_clear()

    assert _render_all(results) == expected
    assert {path: path.read_bytes() for path in cache_files(cache_home)} == good


def test_a_cache_folder_that_vanishes_or_cannot_be_made_fails_nothing(
    cache_home, monkeypatch, tmp_path
):
    results = {"small": small_result()}
    expected = reports_without_cache(monkeypatch, tmp_path, results)
    for fmt in FORMATS:  # environments made while the folders exist ...
        for lang in LANGUAGES:
            rendering._report_environment(fmt, lang)
    for folder in (cache_home / "reconcile").iterdir():  # ... which then disappear
        folder.rmdir()
    assert _render_all(results) == expected
    assert cache_files(cache_home) == []


def test_the_cache_lives_in_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rendering.cache_dir() == tmp_path / "xdg" / "reconcile"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert rendering.cache_dir() == tmp_path / "home" / ".cache" / "reconcile"


@pytest.mark.parametrize("error", [None, OSError("disk gone")])
def test_a_command_runs_without_the_collector_and_gives_it_back(monkeypatch, tmp_path, error):
    seen = []
    load = api.load

    def watched_load(*args, **kwargs):
        seen.append(gc.isenabled())
        if error is not None:
            raise error
        return load(*args, **kwargs)

    monkeypatch.setattr(api, "load", watched_load)
    assert gc.isenabled()
    outcome = CliRunner().invoke(main, ["validate", str(SAMPLES), "--quiet"])
    assert seen == [False]
    # An OSError is the environment's fault: exit 2 (issue 10), not the 3 of a bug.
    assert outcome.exit_code == (0 if error is None else 2), outcome.output
    assert gc.isenabled()


def _jemalloc_conf_after_startup(environment: dict[str, str]) -> str:
    """The allocator setting a `reconcile` process has once polars is loaded."""

    probe = (
        "import os, sys\n"
        "from reconcile import cli\n"
        "cli.keep_freed_memory()\n"
        "import polars\n"
        "print(os.environ.get('_RJEM_MALLOC_CONF', ''))\n"
    )
    env = {k: v for k, v in checkout_environment().items() if k != "_RJEM_MALLOC_CONF"}
    done = fresh_python(["-c", probe], environment={**env, **environment})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_freed_memory_is_kept_for_reuse_unless_the_user_configured_the_allocator():
    from reconcile.cli import JEMALLOC_CONF

    # polars puts its own setting first, then the variable's (polars/__init__.py).
    assert _jemalloc_conf_after_startup({}).endswith("," + JEMALLOC_CONF[1])
    chosen = _jemalloc_conf_after_startup({"_RJEM_MALLOC_CONF": "narenas:2"})
    assert chosen.endswith(",narenas:2") and JEMALLOC_CONF[1] not in chosen


@pytest.mark.parametrize("entry", ["run", "main"])
def test_as_the_program_what_a_command_made_is_frozen_and_the_process_ends_at_once(entry):
    """`run` (the console script) ends the process with the command: the collector must
    not walk the run's objects on its way out, and the process ends without tearing the
    interpreter down (os._exit, after flushing). `main` in a caller's process (a test's
    CliRunner) freezes nothing and ends nothing: the caller's collector is given back."""
    probe = (
        "import atexit, gc, os, sys\n"
        "from reconcile import cli\n"
        "end = os._exit\n"
        "def ending(code):\n"
        "    print(gc.get_freeze_count() > 0, gc.isenabled(), 'os._exit', code, flush=True)\n"
        "    end(code)\n"
        "os._exit = ending\n"
        "atexit.register(lambda: print(gc.get_freeze_count() > 0, gc.isenabled(), 'atexit'))\n"
        f"sys.argv = ['reconcile', 'validate', {str(SAMPLES)!r}, '--quiet']\n"
        f"cli.{entry}()\n"
    )
    done = fresh_python(["-c", probe])
    assert done.returncode == 0, done.stderr
    # The program runs without the collector throughout; a caller's is given back.
    expected = "True False os._exit 0" if entry == "run" else "False True atexit"
    assert done.stdout.splitlines()[-1] == expected
    assert "rows read" in done.stdout  # what the command printed came out first


@pytest.mark.parametrize(
    ("arguments", "code", "on_stderr"),
    [
        (["validate", str(SAMPLES), "--quiet"], 0, ""),
        (["validate", "/no/such/file.csv"], 2, "does not exist"),
        (["report", str(SAMPLES), "--as-of", "2026-11-15", "--fail-on", "warning"], 1, "Wrote"),
    ],
)
def test_the_program_ends_with_its_exit_code_and_everything_it_wrote(
    tmp_path, arguments, code, on_stderr
):
    done = fresh_python(["-m", "reconcile", *arguments], cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert on_stderr in done.stderr
    if arguments[0] == "validate" and code == 0:  # the whole summary, flushed
        assert "rows read" in done.stdout
        assert done.stdout.endswith("\n")


@dataclass(frozen=True)
class _Empty:
    pass


@dataclass(frozen=True)
class _Part:
    day: date
    severity: Severity
    amounts: tuple[float, ...]
    nested: Any = None


def test_the_json_report_is_json_text_of_to_dict_without_the_copy():
    """report_text writes the JSON from the Result's dataclasses directly: the bytes
    json_text writes of to_dict(), for any part of a Result (dates, enums, tuples of
    tuples, dicts with keys of other types, empty dataclasses and containers, dataclasses
    inside the lines of a list)."""
    for result in (small_result(), large_result()):
        expected = rendering.json_text(result.to_dict()) + "\n"
        assert rendering.report_text(result, "json") == expected
    part = _Part(date(2026, 1, 31), Severity.ERROR, (1.5, float("nan")), {1: "one", "two": ()})
    parts = (
        part,
        _Empty(),
        (),
        {},
        ((part, _Empty()), (date(2026, 2, 1), None)),
        {"rows": (part, _Part(date(2026, 2, 28), Severity.INFO, (), nested=(part,)))},
        [1, "é\n", True, None, Severity.WARNING, date(2026, 3, 1)],
        [[], {}, _Empty()],
        {True: {3: (1, 2)}},
    )
    for value in parts:
        expected = rendering.json_text(result_plain(value))
        assert rendering._result_json(value) == expected, value
