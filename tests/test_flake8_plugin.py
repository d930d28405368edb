"""The flake8 plugin: registered, cheap on files without handlers, same findings as the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CASES, EXAMPLE, Command, findings_of, run_flake8
from harness import lint_tree, write_service


def test_plugin_is_registered_under_rvl(flake8: Command) -> None:
    result = flake8("--version")
    assert "reviewlint" in result.stdout


def test_plain_module_is_never_parsed_by_libcst(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("")
    (tmp_path / "plain.py").write_text("import json\n\n\ndef load(text):\n    return json.loads(text)\n")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reviewlint.app.flake8_plugin import ReviewlintChecker\n"
        f"path = Path({str(tmp_path / 'plain.py')!r})\n"
        "lines = path.read_text().splitlines(keepends=True)\n"
        "assert list(ReviewlintChecker(None, str(path), lines).run()) == []\n"
        "print('libcst' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stderr == ""
    assert result.stdout.strip() == "False"


EXCEPTIONS = '''\
"""Exceptions of the depot service."""

import webob


class CrateNotFound(webob.exc.HTTPNotFound):
    pass


def crate_not_found(name):
    return CrateNotFound("no crate %s" % name)
'''


def test_not_my_file_imports_neither_libcst_nor_the_engine_cold_or_warm(tmp_path: Path) -> None:
    # The editor's save of a file no rule reports in: the project model and
    # the text prefilter answer; the rules, the findings' classes and the
    # default cache directory's library are never imported.
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    (root / "depot" / "exception.py").write_text(EXCEPTIONS)
    script = (
        "import sys\n"
        "from reviewlint.app.flake8_plugin import ReviewlintChecker\n"
        "lines = open('depot/exception.py').read().splitlines(keepends=True)\n"
        "assert list(ReviewlintChecker(None, 'depot/exception.py', lines).run()) == []\n"
        "print(sorted(m for m in ('libcst', 'reviewlint.app.engine', 'reviewlint.core.findings', 'reviewlint.rules',\n"
        "                         'platformdirs') if m in sys.modules))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("REVIEWLINT_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")  # the user's cache directory, as platformdirs finds it
    for run in ("cold", "warm"):
        result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, env=env)
        assert (run, result.stderr, result.stdout.strip()) == (run, "", "[]")
        assert list((tmp_path / "xdg" / "reviewlint").glob("*.json"))
    assert not [row for row in lint_tree(root, select=["RVL"]) if row[0] == "depot/exception.py"]


def test_flake8_and_cli_agree_on_a_case_project(flake8: Command) -> None:
    case = CASES / "rvl2"
    cli = lint_tree(case, select=["RVL"])
    flake8_result = findings_of(flake8("--select", "RVL", ".", cwd=case).stdout)
    assert sorted(cli) == sorted(flake8_result)
    assert cli


def test_config_error_becomes_a_finding_not_a_crash(flake8: Command, tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[reviewlint]\nbogus = 1\n")
    (tmp_path / "x.py").write_text("x = 1\n")
    result = flake8("--select", "RVL", "x.py", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert findings_of(result.stdout) == [("x.py", 1, "RVL901")]
    assert "unknown key 'bogus'" in result.stdout


def test_flake8_keeps_its_own_selection_rules_and_reports_a_config_typo(flake8: Command, tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text("x = 1\n")
    # flake8's --select is flake8's business: a code no plugin has selects nothing, as flake8 does it.
    result = flake8("--select", "RVL9999", "x.py", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    # The [reviewlint] section is ours: a typo there is said, once, as any config error is.
    (tmp_path / "setup.cfg").write_text("[reviewlint]\nselect = XYZ\n")
    result = flake8("--select", "RVL", "x.py", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        f"x.py:1:1: RVL901 malformed configuration: {tmp_path.resolve()}/setup.cfg: select: 'XYZ' matches no rule "
        "code (see --list-rules)"]


NOQA_HANDLERS = '''\
from svc import util
from svc import wsgi_wrapper


@wsgi_wrapper.PlacementWsgify
def hidden(req):  # noqa: RVL101
    req.environ['svc.context'].can('svc:x')
    return util.extract_json(req.body, {'type': 'object'})


@wsgi_wrapper.PlacementWsgify
def moved(req):  # noqa
    req.environ['svc.context'].can('svc:x')
    return util.extract_json(req.body, {'type': 'object'})


@wsgi_wrapper.PlacementWsgify
def lower_case(req):  # noqa: rvl101
    req.environ['svc.context'].can('svc:x')
    return util.extract_json(req.body, {'type': 'object'})


@wsgi_wrapper.PlacementWsgify
def by_prefix(req):  # noqa:RVL1
    req.environ['svc.context'].can('svc:x')
    return util.extract_json(req.body, {'type': 'object'})
'''


def _noqa_project(tmp_path: Path) -> Path:
    return write_service(tmp_path, {"svc/handlers.py": NOQA_HANDLERS})


def test_flake8_applies_noqa_and_the_cli_agrees(flake8: Command, tmp_path: Path) -> None:
    project = _noqa_project(tmp_path)
    expected = [("svc/handlers.py", 11, "RVL101"), ("svc/handlers.py", 18, "RVL101")]
    assert findings_of(flake8("--select", "RVL", "svc", cwd=project).stdout) == expected
    assert lint_tree(project, "svc") == expected


def test_flake8_disable_noqa_shows_what_noqa_hid(flake8: Command, tmp_path: Path) -> None:
    # Before, the plugin dropped noqa'd findings itself, so flake8 never saw them.
    project = _noqa_project(tmp_path)
    result = flake8("--select", "RVL", "--disable-noqa", "svc", cwd=project)
    # The bare `# noqa` of `moved` still moves its finding to the decorator line: placement, not suppression.
    assert findings_of(result.stdout) == [("svc/handlers.py", 6, "RVL101"), ("svc/handlers.py", 11, "RVL101"),
                                          ("svc/handlers.py", 18, "RVL101"), ("svc/handlers.py", 24, "RVL101")]


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # "2": two worker processes
def test_a_bad_config_is_said_once_per_flake8_run(tmp_path: Path, jobs: str) -> None:
    # Before: RVL901 on line 1 of every file (152 lines on placement).
    (tmp_path / "setup.cfg").write_text("[reviewlint]\nignroe = RVL203\n")
    package = tmp_path / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for n in range(60):
        (package / f"m{n:02}.py").write_text(f"VALUE = {n}\n")
    result = run_flake8("-j", jobs, "--select", "RVL", ".", cwd=tmp_path)
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith(f":1:1: RVL901 malformed configuration: {tmp_path.resolve()}/setup.cfg: "
                             "unknown key 'ignroe' in [reviewlint]")
    # Each editor run is a run of its own: the buffer shows it.
    editor = run_flake8("--select", "RVL", "--stdin-display-name", "svc/m01.py", "-", cwd=tmp_path,
                        stdin="VALUE = 1\n")
    assert findings_of(editor.stdout) == [("svc/m01.py", 1, "RVL901")]


def test_the_collector_is_paused_while_analysing_and_given_back_as_it_was(tmp_path: Path) -> None:
    # LibCST's objects make Python's cyclic collector a third of an editor's
    # save: the plugin pauses it while analysing and leaves flake8's setting
    # alone; what the first analysis loaded is frozen out of it, once.
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    script = (
        "import gc, sys\n"
        "from reviewlint.app import engine, prefilter\n"
        "from reviewlint.app.flake8_plugin import ReviewlintChecker\n"
        "seen, freezes = [], []\n"
        "freeze = gc.freeze\n"
        "gc.freeze = lambda: (freezes.append(1), freeze())[1]\n"
        "lint = engine.lint_source\n"
        "engine.lint_source = lambda *a, **k: (seen.append(gc.isenabled()), lint(*a, **k))[1]\n"
        "candidate = prefilter.is_candidate  # the first candidate of a tree builds the model here\n"
        "prefilter.is_candidate = lambda *a, **k: (seen.append(gc.isenabled()), candidate(*a, **k))[1]\n"
        "lines = open('depot/handlers/crate.py').read().splitlines(keepends=True)\n"
        "for enabled in (True, False):\n"
        "    gc.enable() if enabled else gc.disable()\n"
        "    found = list(ReviewlintChecker(None, 'depot/handlers/crate.py', lines).run())\n"
        "    print(enabled, gc.isenabled(), any(seen), bool(found), len(freezes))\n"
        "    seen.clear()\n"
    )
    env = {**os.environ, "REVIEWLINT_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, env=env)
    assert result.stdout.splitlines() == ["True True False True 1", "False False False True 1"], result.stderr
