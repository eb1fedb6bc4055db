"""reconcile.prefetch: the later stages' modules and templates made ready in the
background, and an error there left to the stage that needs the module."""

from __future__ import annotations

import sys
import threading

from reconcile import prefetch
from tests.processes import fresh_python


def test_prefetch_imports_the_later_stages_in_a_fresh_interpreter():
    code = (
        "import sys; from reconcile import prefetch; "
        "prefetch.start(['html', 'md', 'json'], 'de').join(60); "
        "print(all(m in sys.modules for m in prefetch.MODULES))"
    )
    done = fresh_python(["-c", code], check=True)
    assert done.stdout.strip() == "True"
    assert done.stderr == ""


def test_a_module_that_fails_to_import_is_no_error_of_the_prefetch(monkeypatch):
    raised: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    monkeypatch.setattr(prefetch, "MODULES", ("reconcile.no_such_module",))
    thread = prefetch.start(["html"], "en")
    thread.join(60)
    assert not thread.is_alive()
    assert raised == []
    assert "reconcile.no_such_module" not in sys.modules


def test_prepared_reports_render_without_loading_a_template(monkeypatch):
    """rendering.prepare loads the report and every partial it imports: rendering then
    reads no template source (each is checked, by its time stamp, as without prefetch)."""
    import jinja2

    from reconcile import rendering
    from tests.result_examples import large_result

    rendering._report_environment.cache_clear()
    try:
        for fmt in rendering.FORMATS:
            rendering.prepare(fmt, "en")

        def no_loading(*args, **kwargs):
            raise AssertionError("a template was loaded although prepare loaded them all")

        monkeypatch.setattr(jinja2.FileSystemLoader, "get_source", no_loading)
        for fmt in rendering.FORMATS:
            assert rendering.render(large_result(), fmt, files={"json": "r.json"})
    finally:
        rendering._report_environment.cache_clear()
