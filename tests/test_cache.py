"""The persistent cache: an accelerator, never a source of truth.

A warm run must report exactly what a cold one does, on a real tree and
after every kind of edit the model reads; a broken, foreign, read-only or
missing cache only makes a run cold.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from conftest import CASES, EXAMPLE, findings_of, real_tree
from harness import cli
from reviewlint.core.cache import FORMAT

Rows = list[tuple[str, int, str, str]]


def lint(root: Path, cache: Path | None, *paths: str) -> Rows:
    """(path, line, code, message) of an in-process run from `root` (the CLI's engine, a fresh project)."""
    from reviewlint.app.engine import lint_paths, start_run
    from reviewlint.model.project import forget_projects

    forget_projects()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        run = start_run(Path(paths[0] if paths else "."), None, {}, (), cache)
        found = lint_paths(run, [Path(p) for p in paths] or [Path(".")])
    finally:
        os.chdir(cwd)
        forget_projects()
    return [(f.path, f.line, f.code, f.message) for f in found]


def cache_env(cache: Path) -> dict[str, str]:
    """The environment of a child run that shares `cache` with this process's runs: the same code too
    (a source checkout's cache is keyed on its modules' stamps, so a child importing an installed copy
    instead, as from a plain `pip install .`, would start cold)."""
    import reviewlint

    code = str(Path(reviewlint.__file__).resolve().parent.parent)
    path = os.pathsep.join([code, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "REVIEWLINT_CACHE_DIR": str(cache), "PYTHONPATH": path}


def edited_example(tmp_path: Path) -> tuple[Path, Path]:
    """(root, cache) of a copy of the example linted once, then its crate.py edited (an editor's save)."""
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    lint(root, cache)
    crate = root / "depot/handlers/crate.py"
    crate.write_text(crate.read_text() + "# an edit\n")
    return root, cache


def cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json"))


def test_a_warm_run_reports_what_a_cold_one_does(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    cold = lint(root, None)
    assert cold and lint(root, cache) == cold
    assert len(cache_files(cache)) == 2  # the light part (tree, prefilter) and the rest
    assert lint(root, cache) == cold


def test_an_unchanged_tree_is_not_parsed_again(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    lint(root, cache)
    script = ("import sys\nfrom reviewlint.app.cli import main\nstatus = main(['.'])\n"
              "print('libcst' in sys.modules, status)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True,
                            env=cache_env(cache))
    assert result.stdout.splitlines()[-1] == "False 1", result.stderr


EDITS: dict[str, tuple[str, str, str]] = {
    # kind: (file, old text, new text): each changes what is reported.
    "handler": ("depot/handlers/crate.py", "    context.can('depot:crate:list')", "    pass"),
    "schema module": ("depot/schemas/shelf.py", "'additionalProperties': False", "'additionalProperties': True"),
    "helper with a gate": ("depot/handlers/crate.py", "want_version.matches((1, 1))", "want_version.matches((1, 9))"),
    "helper module": ("depot/util.py", "    return environ['wsgiorg.routing_args'][1].get(name)",
                      "    environ['depot.context'].can('depot:path')\n"
                      "    return environ['wsgiorg.routing_args'][1].get(name)"),
    "gabbi file": ("depot/tests/functional/gabbits/crates.yaml", "openstack-api-version: depot latest",
                   "openstack-api-version: depot 1.0"),
    "history document": ("depot/rest_api_version_history.rst", "1.2 - ", "One point two - "),
    "VERSIONS": ("depot/microversion.py", "    '1.4',  # crates show their shelf\n", ""),
    "config": ("setup.cfg", "[metadata]", "[reviewlint]\nconstant-exempt = LABEL_FIELDS\n\n[metadata]"),
}


# The first kind in the fast loop, every kind in the full suite (each is four runs of the example).
@pytest.mark.parametrize("kind", [kind if n == 0 else pytest.param(kind, marks=pytest.mark.slow)
                                  for n, kind in enumerate(EDITS)])
def test_after_each_kind_of_edit_warm_equals_cold(tmp_path: Path, kind: str) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    before = lint(root, cache)
    file, old, new = EDITS[kind]
    text = (root / file).read_text()
    assert text.count(old) >= 1, f"{old!r} not in {file}"
    (root / file).write_text(text.replace(old, new, 1))
    warm = lint(root, cache)
    assert warm == lint(root, None)
    assert warm != before  # the edit mattered: a stale cache would have shown


def test_an_edited_buffer_on_stdin_is_analysed_and_an_unchanged_one_comes_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    monkeypatch.setenv("REVIEWLINT_CACHE_DIR", str(tmp_path / "cache"))
    handler = root / "depot/handlers/shelf.py"
    text = handler.read_text()

    def stdin(source: str) -> str:
        return cli(root, "--stdin-filename", "depot/handlers/shelf.py", stdin=source).stdout

    first = stdin(text)
    assert "RVL101" in first and stdin(text) == first
    fixed = text.replace("def update_shelf(req):", "@util.require_content('application/json')\n"
                                                   "def update_shelf(req):")
    assert "RVL101" not in stdin(fixed)
    assert stdin(text) == first  # the disk is unchanged: its cached findings still hold


@pytest.mark.slow  # five kinds of damage, each three runs of the example
@pytest.mark.parametrize("damage", ["truncated", "not json", "other version", "wrong shape", "empty"])
def test_a_broken_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    cold = lint(root, cache)
    for path in cache_files(cache):
        data = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "not json":
            path.write_bytes(b"\x80\x81 not json")
        elif damage == "other version":
            path.write_text(json.dumps({**json.loads(data), "version": "0.0.0-other"}))
        elif damage == "wrong shape":
            path.write_text(json.dumps({**json.loads(data), "entries": [["k", 1, "x", {}, 2]]}))
        else:
            path.write_bytes(b"")
    assert lint(root, cache) == cold
    assert lint(root, cache) == cold  # and rebuilt: the file is whole again
    for path in cache_files(cache):
        assert json.loads(path.read_bytes())["format"] == FORMAT


def test_a_read_only_or_missing_cache_directory_just_runs_cold(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cold = lint(root, None)
    missing = tmp_path / "not" / "yet"
    assert lint(root, missing) == cold and cache_files(missing)  # made on the way
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        if os.access(read_only, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        result = cli(root, "--cache-dir", str(read_only), ".")
        assert result.stderr == "" and result.returncode == 1
        assert findings_of(result.stdout) == [(p, line, code) for p, line, code, _ in cold]
    finally:
        read_only.chmod(0o700)


@pytest.mark.parametrize("xdg", [None, "", "  ", "/somewhere/else"])
def test_the_default_cache_directory_is_platformdirs_one(monkeypatch: pytest.MonkeyPatch, xdg: str | None) -> None:
    import platformdirs

    from reviewlint.core.cache import cache_directory

    monkeypatch.delenv("REVIEWLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("REVIEWLINT_NO_CACHE", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_directory() == Path(platformdirs.user_cache_dir("reviewlint", appauthor=False))


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    result = cli(root, "--no-cache", "--cache-dir", str(cache), ".")
    assert result.returncode == 1 and not cache.exists()
    monkeypatch.setenv("REVIEWLINT_CACHE_DIR", str(cache))
    monkeypatch.setenv("REVIEWLINT_NO_CACHE", "1")
    env_off = cli(root, ".")
    assert env_off.stdout == result.stdout and not cache.exists()


def test_the_cache_is_json_and_names_only_files_of_the_project(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    lint(root, cache)
    for path in cache_files(cache):
        data = json.loads(path.read_bytes())  # data only: nothing here can be unpickled or run
        assert all(file.startswith(str(root.resolve())) for file in data["files"])


def test_entries_of_vanished_files_are_pruned(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    lint(root, cache)
    gone = root / "depot/schemas/crate.py"
    assert any(str(gone) in path.read_text() for path in cache_files(cache))
    gone.unlink()
    lint(root, cache)
    assert not any(str(gone) in path.read_text() for path in cache_files(cache))


NEW_HANDLERS = '''\
"""Bin handlers."""

from depot import wsgi_wrapper


@wsgi_wrapper.PlacementWsgify
def list_bins(req):
    return {'bins': []}
'''


def test_a_tree_saved_alone_sets_the_older_entries_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An editor's save of a plain file only walks the changed tree and saves
    # the light part alone: the other part's entries were made for the old tree.
    from reviewlint.app.flake8_plugin import ReviewlintChecker
    from reviewlint.model.project import forget_projects, save_projects

    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    lint(root, cache)
    main_part = [path for path in cache_files(cache) if not path.name.endswith("-light.json")]
    before = main_part[0].read_bytes()
    (root / "depot/handlers/bin.py").write_text(NEW_HANDLERS)
    monkeypatch.setenv("REVIEWLINT_CACHE_DIR", str(cache))
    monkeypatch.chdir(root)
    forget_projects()
    assert list(ReviewlintChecker(None, "depot/__init__.py", []).run()) == []
    save_projects()
    forget_projects()
    assert main_part[0].read_bytes() == before  # the light part alone was written
    cold = lint(root, None)
    assert any(path == "depot/handlers/bin.py" for path, *_ in cold)
    assert lint(root, cache) == cold


@pytest.mark.slow  # four processes at once
def test_two_runs_at_once_leave_a_whole_cache(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    env = cache_env(tmp_path / "cache")
    runs = [subprocess.Popen([sys.executable, "-m", "reviewlint", "."], cwd=root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert len({out for out, _ in outputs}) == 1 and all(err == b"" for _, err in outputs)
    for path in cache_files(tmp_path / "cache"):
        json.loads(path.read_bytes())
    assert lint(root, tmp_path / "cache") == lint(root, None)


# -- a real tree ------------------------------------------------------------------------------

REAL_EDITS: dict[str, Callable[[Path], None]] = {}


def _edit(path: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        file = root / path
        text = file.read_text()
        assert old in text, f"{old!r} not in {path}"
        file.write_text(text.replace(old, new, 1))
    return apply


REAL_EDITS = {
    "handler": _edit("placement/handlers/trait.py", "    context.can(policies.TRAITS_LIST)",
                     "    pass"),
    "schema module": _edit("placement/schemas/trait.py", "'additionalProperties': False", "'minProperties': 1"),
    "helper with a gate": _edit("placement/util.py", "want_version.matches((1, 22))", "want_version.matches((1, 45))"),
    "gabbi file": lambda root: (root / "placement/tests/functional/gabbits/traits.yaml").unlink(),
    "history document": _edit("placement/rest_api_version_history.rst", "\n1.38 - ", "\nOne point thirty-eight - "),
    "VERSIONS": _edit("placement/microversion.py", "    '1.39',", ""),
}


@pytest.mark.realtree
@pytest.mark.parametrize("kind", REAL_EDITS)
def test_placement_warm_equals_cold_after_each_kind_of_edit(tmp_path: Path, kind: str) -> None:
    root = shutil.copytree(real_tree("openstack-placement", "16.0.0"), tmp_path / "placement")
    cache = tmp_path / "cache"
    before = lint(root, cache)
    assert lint(root, cache) == before == lint(root, None)
    REAL_EDITS[kind](root)
    warm = lint(root, cache)
    assert warm == lint(root, None)
    assert warm != before


@pytest.mark.realtree
def test_flake8_warm_equals_cold_on_placement(tmp_path: Path) -> None:
    from conftest import run_flake8

    root = real_tree("openstack-placement", "16.0.0")
    env_cache = tmp_path / "cache"
    previous = os.environ.get("REVIEWLINT_CACHE_DIR")
    os.environ["REVIEWLINT_CACHE_DIR"] = str(env_cache)
    try:
        cold = run_flake8("--select", "RVL", "-j1", ".", cwd=root)
        warm = run_flake8("--select", "RVL", "-j1", ".", cwd=root)
    finally:
        if previous is None:
            del os.environ["REVIEWLINT_CACHE_DIR"]
        else:
            os.environ["REVIEWLINT_CACHE_DIR"] = previous
    assert cache_files(env_cache)
    assert warm.stdout == cold.stdout and sorted(findings_of(cold.stdout))


PARSES_OF_AN_EDITED_BUFFER = """\
import sys
from reviewlint.model import module
from reviewlint.app.flake8_plugin import ReviewlintChecker
parse = module.parse_module
parsed = []
module.parse_module = lambda name, path, *rest: (parsed.append(path.parent.name + '/' + path.name),
                                                 parse(name, path, *rest))[1]
lines = (open('depot/handlers/crate.py').read() + '# an edit\\n').splitlines(keepends=True)
found = list(ReviewlintChecker(None, 'depot/handlers/crate.py', lines).run())
print(bool(found), sorted(parsed))
"""


def test_a_warm_edit_of_a_handler_module_parses_only_what_its_route_contracts_read(tmp_path: Path) -> None:
    # Its request-body schemas are other modules' constants (`schema.PUT_CRATE`):
    # their open objects come from the cache, so RVL203 parses no schema
    # module; shelf.py is, since its handlers call a helper of crate.py. The
    # contracts of crate.py's routes, which RVL406/RVL407 query (cached per
    # route), are built again: their schemas are read; util's helpers are
    # answered by their call records (call_records.py), util.py not parsed.
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    lint(root, cache)
    env = cache_env(cache)
    result = subprocess.run([sys.executable, "-c", PARSES_OF_AN_EDITED_BUFFER], cwd=root, env=env,
                            capture_output=True, text=True)
    assert result.stdout.strip() == "True ['handlers/crate.py', 'handlers/shelf.py', 'schemas/crate.py']", \
        result.stderr


FLAKE8_COUNTING_WRITES = """\
import sys
from reviewlint.core import cache
write = cache._write_atomically
cache._write_atomically = lambda path, data: (print("WRITE", path.name, file=sys.stderr), write(path, data))
sys.argv = ["flake8", "--isolated", "--select", "RVL", "-j", sys.argv[1], "."]
from flake8.main.cli import main
main()
"""


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # "2": forked workers
def test_a_flake8_process_saves_the_cache_once(tmp_path: Path, jobs: str) -> None:
    # flake8 gives a plugin no end-of-run hook: the save runs at exit, or in
    # a forked worker at multiprocessing's finalizer; never both in one process.
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    env = cache_env(tmp_path / "cache")
    result = subprocess.run([sys.executable, "-c", FLAKE8_COUNTING_WRITES, jobs], cwd=root, env=env,
                            capture_output=True, text=True)
    writes = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("WRITE ")]
    assert result.stdout and writes, result.stderr
    if jobs == "1":
        assert sorted(writes) == sorted(set(writes)) == sorted(path.name for path in cache_files(tmp_path / "cache"))
    assert lint(root, tmp_path / "cache") == lint(root, None)


def test_a_save_keeps_what_another_run_wrote_meanwhile(tmp_path: Path) -> None:
    """flake8's workers each save the files they linted: none loses the others' entries."""
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    lint(root, cache, "depot/handlers/shelf.py")
    lint(root, cache, "depot/handlers/crate.py")
    keys = {key for path in cache_files(cache) for key, *_ in json.loads(path.read_bytes())["entries"]}
    assert {f"findings:{root.resolve()}/depot/handlers/{name}.py" for name in ("shelf", "crate")} <= keys


def test_two_stores_open_at_once_both_keep_their_entries(tmp_path: Path) -> None:
    from reviewlint.core.cache import Deps, Store

    path = tmp_path / "cache" / "p.json"
    tree = [["", 1, [], ["a.py"]]]
    first, second = Store(path), Store(path)  # both read the (empty) cache before either writes
    first.record("findings:a", [1], Deps())
    second.record("findings:b", [2], Deps())
    first.save(tree)
    second.save(tree)
    keys = {key for key, *_ in json.loads(path.read_bytes())["entries"]}
    assert keys == {"findings:a", "findings:b"}


@pytest.mark.skipif(os.name != "posix", reason="the inode change time is POSIX's")
@pytest.mark.parametrize("racy", [True, False], ids=["racy window", "old file"])
def test_a_same_size_edit_with_the_mtime_restored_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          racy: bool) -> None:
    # `touch -r`, `rsync -t` or an editor that keeps the mtime: size and mtime
    # are as stamped, the inode change time is not.
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    schema = root / "depot/schemas/shelf.py"
    old = schema.stat()
    os.utime(schema, ns=(old.st_atime_ns, old.st_mtime_ns - 60 * 10**9))  # saved a minute ago
    before = schema.stat()
    if not racy:  # the stamps are old enough to be trusted: only the change time can tell
        monkeypatch.setattr("reviewlint.core.cache.RACY_NS", 0)
    first = lint(root, cache)
    text = schema.read_text()
    edited = text.replace("'additionalProperties': False,", "'additionalProperties': True, ", 1)
    assert len(edited) == len(text) and edited != text
    schema.write_text(edited)
    os.utime(schema, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -r
    assert (schema.stat().st_size, schema.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    warm = lint(root, cache)
    assert warm == lint(root, None)
    assert warm != first  # the edit mattered: a stale cache would have shown


def test_a_warm_run_vets_only_the_modules_whose_text_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The guard's verdict on a module (LibCST may be handed it) is kept with its text: a warm
    # edit of crate.py parses util.py, shelf.py and a schema module again, but vets crate.py alone.
    import libcst

    from reviewlint.model import module

    root, cache = edited_example(tmp_path)
    vetted: list[str] = []
    parsed: list[str] = []
    check, parse = module.check_for_libcst, libcst.parse_module
    monkeypatch.setattr(module, "check_for_libcst", lambda source, limits: (
        vetted.append(source), check(source, limits))[1])
    monkeypatch.setattr(module.cst, "parse_module", lambda source: (parsed.append(source), parse(source))[1])
    warm = lint(root, cache, "depot/handlers/crate.py")
    assert len(parsed) >= 3 and vetted == [(root / "depot/handlers/crate.py").read_text()], (len(parsed), len(vetted))
    vetted.clear()
    parsed.clear()
    assert warm == lint(root, None, "depot/handlers/crate.py")
    assert len(vetted) == len(parsed)  # a cold run vets every module it parses


def test_the_cache_writes_each_entry_used_with_its_digest_once(tmp_path: Path) -> None:
    # Entries name the entries they used with the digests they saw; most use the same few
    # (the tree's prefilter, the routes, the versions): each pair is written once, entries
    # hold its index (placement's cache: 18254 uses of 659 pairs, 1.4 MB -> 0.9 MB).
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    cache = tmp_path / "cache"
    cold = lint(root, cache)
    main = next(path for path in cache_files(cache) if not path.stem.endswith("-light"))
    data = json.loads(main.read_bytes())
    pairs = data["used"]
    uses = [index for entry in data["entries"] for index in entry[3]]
    assert all(isinstance(key, str) and isinstance(seen, str) for key, seen in pairs)
    assert len(set(map(tuple, pairs))) == len(pairs) < len(uses) / 4
    assert sorted(set(uses)) == list(range(len(pairs)))
    assert lint(root, cache) == cold


def test_an_entry_resting_on_a_dropped_one_is_dropped_with_it(tmp_path: Path) -> None:
    # gone.py vanishes: b read it, a used b, c used a; d used only what stays (light part's key included).
    from reviewlint.core.cache import Deps, Files, Store

    path = tmp_path / "cache" / "p.json"
    gone, kept = tmp_path / "gone.py", tmp_path / "kept.py"
    gone.write_text("x = 1\n")
    kept.write_text("y = 2\n")
    tree = [["", 1, [], ["gone.py", "kept.py"]]]
    store, files = Store(path), Files()
    stamp = {str(p): files.stamp(str(p), p.read_bytes(), files.stat(str(p))) for p in (gone, kept)}
    light = store.record("prefilter:names", ["x"], Deps({str(kept): stamp[str(kept)]}))
    b = store.record("b", 1, Deps({str(gone): stamp[str(gone)]}))
    a = store.record("a", 2, Deps({}, {"b": b}))
    store.record("c", 3, Deps({}, {"a": a}))
    store.record("d", 4, Deps({str(kept): stamp[str(kept)]}, {"prefilter:names": light}))
    store.save(tree)
    gone.unlink()
    again = Store(path)
    again.record("e", 5, Deps())
    again.save(tree)
    keys = {key for key, *_ in json.loads(path.read_bytes())["entries"]}
    assert keys == {"d", "e"}


def test_a_warm_edit_of_a_handler_answers_its_helper_calls_from_their_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # list_items passes the request and one of two schemas (by version) to util.validate_query_params, and
    # the environ to util.wsgi_path_item: each call is kept as a record (call_records.py), so an edit of the
    # handler module does not parse util.py, and RVL406's query schemas per version come out as cold.
    import libcst

    from reviewlint.model import module

    root = shutil.copytree(CASES / "rvl4" / "tested_changes", tmp_path / "stall-project")
    cache = tmp_path / "cache"
    cold = lint(root, cache)
    assert ("stall/handlers/item.py", 76, "RVL406") in {(path, line, code) for path, line, code, _ in cold}
    item = root / "stall/handlers/item.py"
    item.write_text(item.read_text() + "# an edit\n")
    parsed: list[str] = []
    parse = libcst.parse_module
    monkeypatch.setattr(module.cst, "parse_module", lambda source: (parsed.append(source), parse(source))[1])
    warm = lint(root, cache)
    assert (root / "stall/util.py").read_text() not in parsed
    assert (root / "stall/handlers/item.py").read_text() in parsed
    assert warm == lint(root, None) == cold


def test_a_warm_edit_of_a_handler_decodes_no_functional_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The gates' findings rest on every test file's requests; each file's entry still holds,
    # so their cached findings stand without the requests being decoded (an editor's save).
    from reviewlint.service import gabbi

    root, cache = edited_example(tmp_path)
    decoded: list[object] = []
    decode = gabbi._decode_file
    monkeypatch.setattr(gabbi, "_decode_file", lambda data: (decoded.append(data), decode(data))[1])
    warm = lint(root, cache, "depot/handlers/crate.py")
    assert decoded == []
    assert warm == lint(root, None, "depot/handlers/crate.py")
    assert any(code.startswith("RVL4") for _, _, code, _ in warm)


def test_a_warm_run_digests_only_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file whose size, mtime, inode and change time are those of a stamp the cache holds (and was
    # not being written then) has that stamp's digest: an edit of one file reads the others for the
    # prefilter's scans, the routes and the summaries, but digests none of them again.
    from reviewlint.core import cache as cache_module

    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # the files were just copied: as if long ago
    root, cache = edited_example(tmp_path)
    digested: list[bytes] = []
    digest = cache_module.digest
    monkeypatch.setattr(cache_module, "digest", lambda data: (digested.append(data), digest(data))[1])
    warm = lint(root, cache, "depot/handlers/crate.py")
    files = {path.read_bytes(): path.name for path in root.rglob("*.py")}
    assert sorted(files[data] for data in digested if data in files) == ["crate.py"]
    assert warm == lint(root, None, "depot/handlers/crate.py")


def test_the_linter_run_from_a_checkout_keys_its_cache_on_its_own_code(tmp_path: Path) -> None:
    from reviewlint import __version__
    from reviewlint.core.cache import code_stamp

    package = tmp_path / "reviewlint"
    (package / "rules").mkdir(parents=True)
    (package / "rules" / "a.py").write_text("A = 1\n")
    assert code_stamp(package) == __version__  # an installed release: its version says it all
    (tmp_path / "pyproject.toml").write_text("")
    first = code_stamp(package)
    assert first.startswith(__version__ + "+")
    (package / "rules" / "a.py").write_text("A = 2\n")
    os.utime(package / "rules" / "a.py", ns=(1, 1))
    assert code_stamp(package) != first  # an edit of the linter is not served the old results


PARSES_OF_AN_EDITED_HANDLER = """\
import sys
from reviewlint.model import module
from reviewlint.app.flake8_plugin import ReviewlintChecker
parse = module.parse_module
parsed = []
module.parse_module = lambda name, path, *rest: (parsed.append(path.name), parse(name, path, *rest))[1]
lines = (open('svc/handlers/thing.py').read() + '# an edit\\n').splitlines(keepends=True)
found = list(ReviewlintChecker(None, 'svc/handlers/thing.py', lines).run())
print(sorted(code.split()[0] for _, _, code, _ in found), sorted(parsed))
"""


def test_a_warm_edit_of_a_handler_parses_no_module_its_context_is_passed_to(tmp_path: Path) -> None:
    # The objects layer a handler passes its context to is walked for its policy checks
    # (RVL501); its walk is cached as data with the files it read, so an edit of the handler
    # parses the handler alone, and an edit of the objects module is seen.
    root = tmp_path / "svc-project"
    (root / "svc" / "handlers").mkdir(parents=True)
    (root / "setup.cfg").write_text("[metadata]\nname = svc\n")
    for init in ("svc/__init__.py", "svc/handlers/__init__.py"):
        (root / init).write_text("")
    objects = root / "svc" / "objects.py"
    objects.write_text('def get_all(context):\n    context.can("svc:things:list")\n    return []\n')
    (root / "svc" / "handlers" / "thing.py").write_text(
        "from svc import objects\n\n\n@wsgi_wrapper.PlacementWsgify\ndef list_things(req):\n"
        "    return objects.get_all(req.environ['svc.context'])\n")
    cache = tmp_path / "cache"
    assert lint(root, cache) == []
    env = cache_env(cache)

    def edit() -> str:
        result = subprocess.run([sys.executable, "-c", PARSES_OF_AN_EDITED_HANDLER], cwd=root, env=env,
                                capture_output=True, text=True)
        assert result.stderr == ""
        return result.stdout.strip()

    assert edit() == "[] ['thing.py']"
    objects.write_text('def get_all(context):\n    return []\n')
    assert edit() == "['RVL501'] ['objects.py', 'thing.py']"
