"""--baseline-commit REV: a change's own findings, on real git repositories built from the bundled example."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO, Command, findings_of

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="--baseline-commit reads git")

IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid"}

UNVALIDATED_HANDLER = '''

@wsgi_wrapper.PlacementWsgify
@util.require_content('application/json')
def relabel_crate(req):
    """PATCH /crates/{uuid}: a new label."""
    context = req.environ['depot.context']
    context.can('depot:crate:relabel')
    data = jsonutils.loads(req.body)
    context.crates.relabel(util.wsgi_path_item(req.environ, 'uuid'), data)
    return _send(req, data)
'''

GABBI_TEST = """- name: show a crate as it was at the minimum version
  GET: /crates/$ENVIRON['CRATE_UUID']
  request_headers:
    openstack-api-version: depot 1.0
  status: 200

"""


def git(where: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True,
                            env={**os.environ, **IDENTITY}, check=True)
    return result.stdout


def repository(tmp_path: Path) -> Path:
    """A git repository whose one commit holds the example project."""
    repo = tmp_path / "depot"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "The example")
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def commit(repo: Path, message: str = "The change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


@pytest.fixture(autouse=True)
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of the test's own, for base trees: the test can see that none is left behind."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def test_a_change_adding_an_unvalidated_handler(command: Command, tmp_path: Path, private_temp: Path) -> None:
    repo = repository(tmp_path)
    (repo / "depot/handlers/crate.py").write_text((repo / "depot/handlers/crate.py").read_text()
                                                  + UNVALIDATED_HANDLER)
    edit(repo / "depot/handler.py", "        'DELETE': crate.delete_crate,\n",
         "        'DELETE': crate.delete_crate,\n        'PATCH': crate.relabel_crate,\n")
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ("depot/handlers/crate.py:114:12: RVL201 JSON body decoded here for handler "
                             "crate.relabel_crate (PATCH /crates/{uuid}) is never validated against a schema "
                             "(use util.extract_json)\n")
    base = git(repo, "rev-parse", "HEAD~1")[:12]
    assert result.stderr == (f"reviewlint: 1 new finding(s), 0 fixed, against {base} "
                             "(the merge base of HEAD~1 and HEAD)\n")
    assert list(private_temp.iterdir()) == []  # the base tree is gone
    assert git(repo, "status", "--porcelain") == ""


def test_a_change_removing_a_gabbi_test_reports_the_gates_it_covered(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert result.returncode == 1
    cause = " (after the change to depot/tests/functional/gabbits/crates.yaml)"
    assert result.stdout == (
        "depot/handlers/crate.py:21:8: RVL404 microversion gate >= 1.1: the far side of its boundary at 1.1 is "
        f"untested: no functional test of GET /crates/{{uuid}} at 1.0{cause}\n"
        "depot/handlers/crate.py:24:8: RVL404 microversion gate >= 1.4: the far side of its boundary at 1.4 is "
        f"untested: no functional test of GET /crates/{{uuid}} at 1.0..1.3{cause}\n")
    # The handler module is where they live; the gabbi file is what caused them.
    document = json.loads(command("--baseline-commit", "HEAD~1", "--format", "json", cwd=repo).stdout)
    assert {row["related"] for row in document["findings"]} == {"depot/tests/functional/gabbits/crates.yaml"}
    import jsonschema

    jsonschema.validate(document, json.loads((REPO / "docs/reviewlint-json-v1.schema.json").read_text()))
    sarif = json.loads(command("--baseline-commit", "HEAD~1", "--format", "sarif", cwd=repo).stdout)
    from test_reporters import validate_sarif

    validate_sarif(sarif)
    related = sarif["runs"][0]["results"][0]["relatedLocations"][0]["physicalLocation"]["artifactLocation"]
    assert related == {"uri": "depot/tests/functional/gabbits/crates.yaml", "uriBaseId": "%SRCROOT%"}


def test_from_a_subdirectory_the_cross_file_effect_is_still_seen(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", cwd=repo / "depot/handlers")
    assert [line.split(": ")[0] for line in result.stdout.splitlines()] == ["crate.py:21:8", "crate.py:24:8"]
    assert "(after the change to depot/tests/functional/gabbits/crates.yaml)" in result.stdout
    named = command("--baseline-commit", "HEAD~1", "depot/schemas", cwd=repo)
    assert (named.returncode, named.stdout) == (0, "")


def test_a_change_opening_a_schema_object(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/schemas/crate.py", "    'required': ['name'],\n    'additionalProperties': False,\n",
         "    'required': ['name'],\n")
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert result.stdout == (
        "depot/schemas/crate.py:6:14: RVL203 schema POST_CRATE (also POST_CRATE_V1_1): object at $ accepts keys "
        "other than its properties, with any value (no \"additionalProperties\"); in force for handlers "
        "crate.create_crate (POST /crates; 1.0..1.0) at 1.0 and crate.create_crate (POST /crates; >= 1.1) "
        "at 1.1..1.4\n")


def test_a_pure_move_reports_nothing(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    crate = repo / "depot/handlers/crate.py"
    text = crate.read_text()
    start = text.index("@wsgi_wrapper.PlacementWsgify\ndef delete_crate")
    moved = text[start:].rstrip("\n") + "\n\n\n"
    text = text[:start].rstrip("\n") + "\n"
    anchor = text.index("@wsgi_wrapper.PlacementWsgify\n@util.check_accept('application/json')\ndef list_crates")
    crate.write_text("# Handlers of crates.\n\n\n" + text[:anchor] + moved + text[anchor:])
    for name in ("depot/handlers/shelf.py", "depot/schemas/crate.py", "depot/tests/functional/gabbits/crates.yaml"):
        (repo / name).write_text("# Moved down.\n\n" + (repo / name).read_text())
    commit(repo)
    assert command(cwd=repo).stdout != ""  # the tree has findings, the change none
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert (result.returncode, result.stdout) == (0, "")
    assert "0 new finding(s), 0 fixed" in result.stderr


def test_a_renamed_module_keeps_its_findings(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    git(repo, "mv", "depot/handlers/shelf.py", "depot/handlers/shelving.py")
    handler = repo / "depot/handler.py"
    handler.write_text(handler.read_text().replace("import shelf", "import shelving as shelf"))
    commit(repo)
    assert "depot/handlers/shelving.py:27:1: RVL101" in command(cwd=repo).stdout
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout
    assert "0 new finding(s), 0 fixed" in result.stderr


def test_a_dirty_tree_is_what_is_reviewed(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    shelf = repo / "depot/handlers/shelf.py"
    edit(shelf, "def update_shelf(req):", "def update_shelf(req):  # noqa: RVL101")
    (repo / "depot/handlers/crate.py").write_text((repo / "depot/handlers/crate.py").read_text()
                                                  + UNVALIDATED_HANDLER)
    result = command("--baseline-commit", "HEAD", cwd=repo)
    assert [line.split(": ")[0] for line in result.stdout.splitlines()] == ["depot/handlers/crate.py:114:12"]
    assert "1 new finding(s), 1 fixed" in result.stderr
    assert git(repo, "status", "--porcelain") == " M depot/handlers/crate.py\n M depot/handlers/shelf.py\n"


def test_a_base_missing_from_a_shallow_clone_is_a_clear_error(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    (repo / "README.rst").write_text("Changed.\n")
    commit(repo)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(clone))
    result = command("--baseline-commit", "HEAD~1", cwd=clone)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("reviewlint: --baseline-commit HEAD~1: no such commit in this shallow clone "
                             "(fetch more history: git fetch --deepen=N, or --unshallow)\n")
    for hostile in ("--output=x", "", "a\nb"):
        refused = command(f"--baseline-commit={hostile}", cwd=repo)
        assert (refused.returncode, refused.stderr) == (2, f"reviewlint: --baseline-commit {hostile!r}: "
                                                           "not a revision\n")
    unknown = command("--baseline-commit", "no-such-branch", cwd=repo)
    assert (unknown.returncode, unknown.stderr) == (2, "reviewlint: --baseline-commit no-such-branch: "
                                                       "no such commit\n")


def test_outside_a_repository_is_a_clear_error(command: Command, tmp_path: Path) -> None:
    project = tmp_path / "depot"
    shutil.copytree(EXAMPLE, project)
    result = command("--baseline-commit", "HEAD~1", cwd=project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "reviewlint: --baseline-commit needs a git repository: . is not inside one\n"
    stdin = command("--baseline-commit", "HEAD", "--stdin-filename", "x.py", cwd=project)
    assert stdin.stderr == "reviewlint: --baseline-commit cannot be combined with stdin\n"


def test_no_hook_runs_and_nothing_is_left_behind(command: Command, tmp_path: Path, private_temp: Path) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    trace = tmp_path / "hook-ran"
    hooks = repo / ".git/hooks"
    for hook in ("post-checkout", "pre-commit", "post-index-change", "fsmonitor-watchman", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\necho {hook} >> {trace}\n")
        (hooks / hook).chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hooks / "fsmonitor-watchman"))
    before = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if ".git" not in p.parts)
    assert command("--baseline-commit", "HEAD~1", cwd=repo).returncode == 1
    assert not trace.exists()
    assert sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if ".git" not in p.parts) == before
    assert list(private_temp.iterdir()) == []


def test_the_base_tree_is_removed_on_ctrl_c(tmp_path: Path, private_temp: Path) -> None:
    from reviewlint.app.review import _base_tree, open_change

    repo = repository(tmp_path)
    change = open_change(repo, "HEAD")
    with pytest.raises(KeyboardInterrupt):
        with _base_tree(change) as (base_dir, _):
            assert (base_dir / "depot/handlers/crate.py").is_file()
            raise KeyboardInterrupt
    assert list(private_temp.iterdir()) == []


def test_the_base_is_read_once_and_warm_equals_cold(command: Command, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    cache = tmp_path / "cache"
    monkeypatch.setenv("REVIEWLINT_CACHE_DIR", str(cache))
    cold = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert len(list((cache / "review").glob("base-*.json"))) == 1
    warm = command("--baseline-commit", "HEAD~1", cwd=repo)
    uncached = command("--baseline-commit", "HEAD~1", "--no-cache", cwd=repo)
    assert cold.stdout == warm.stdout == uncached.stdout != ""
    assert cold.stderr == warm.stderr == uncached.stderr


def test_the_base_is_linted_with_its_own_configuration(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    # The change stops ignoring RVL5: the base's RVL5 findings were not reported there, but they are
    # not the change's either.
    setup = repo / "setup.cfg"
    original = setup.read_text()
    setup.write_text(original + "\n[reviewlint]\nignore = RVL5\n")
    commit(repo, "Ignore RVL5")
    setup.write_text(original)
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert [row.split()[1] for row in result.stdout.splitlines()] == ["RVL501", "RVL502"]


def zuul_schema() -> dict:
    return json.loads((REPO / "docs" / "reviewlint-zuul.schema.json").read_text())


def test_zuul_output_validates_and_names_paths_from_the_repository_root(command: Command, tmp_path: Path) -> None:
    import jsonschema

    repo = repository(tmp_path)
    whole = json.loads(command("--format", "zuul", cwd=repo / "depot").stdout)
    jsonschema.validate(whole, zuul_schema())
    assert next(c for c in whole["depot/handlers/shelf.py"] if c["line"] == 27) == {
        "line": 27, "message": "RVL101 handler shelf.update_shelf (PUT /shelves/{uuid}) reads the request body "
        "without @require_content",
        "range": {"start_line": 27, "start_character": 0, "end_line": 27, "end_character": 16}}
    assert whole["depot/handlers/shelf.py"][0] == {
        "line": 19, "message": "RVL302 LABEL_FIELDS is an undocumented constant of handler module "
                               "depot.handlers.crate: document it at its definition"}
    assert "api-ref/source/crates.inc" in whole
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    edit(repo / "depot/schemas/crate.py", "    'required': ['name'],\n    'additionalProperties': False,\n",
         "    'required': ['name'],\n")
    commit(repo)
    review = json.loads(command("--baseline-commit", "HEAD~1", "--format", "zuul", cwd=repo).stdout)
    jsonschema.validate(review, zuul_schema())
    # The gates live in a file the change leaves alone: Gerrit takes comments on the change's files only.
    assert sorted(review) == ["/COMMIT_MSG", "depot/schemas/crate.py"]
    assert [c["message"].split(":")[0] for c in review["/COMMIT_MSG"]] == ["depot/handlers/crate.py"] * 2


def test_zuul_comments_on_the_file_that_caused_a_cross_file_finding(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    review = json.loads(command("--baseline-commit", "HEAD~1", "--format", "zuul", cwd=repo).stdout)
    assert list(review) == ["depot/tests/functional/gabbits/crates.yaml"]
    assert [c["line"] for c in review["depot/tests/functional/gabbits/crates.yaml"]] == [1, 1]
    assert re.match(r"depot/handlers/crate\.py:21: RVL404 ", review["depot/tests/functional/gabbits/crates.yaml"][0]
                    ["message"])


def test_the_schema_rejects_what_zuul_would_not_take() -> None:
    import jsonschema

    for bad in ({"a.py": [{"message": "no line"}]}, {"a.py": [{"line": 0, "message": "m"}]},
                {"a.py": [{"line": 1, "message": "m", "range": {"start_line": 1}}]}, {"a.py": {"line": 1}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, zuul_schema())


def readme_block(marker: str) -> str:
    """The fenced block right after `<!-- marker -->` in the README."""
    text = (REPO / "README.md").read_text()
    after = text[text.index(f"<!-- {marker} -->\n"):]
    return after.split("```", 2)[1].split("\n", 1)[1]


def test_the_readme_zuul_job_runs_the_review_and_returns_its_output(command: Command, tmp_path: Path) -> None:
    import jsonschema
    import yaml

    play = yaml.safe_load(readme_block("zuul-playbook"))
    tasks = play[0]["tasks"]
    run = next(task for task in tasks if "command" in task)
    venv, _, arguments = run["command"].partition("/bin/reviewlint ")
    assert venv == "{{ ansible_user_dir }}/.reviewlint"  # where the first task installed it
    assert next(task for task in tasks if "pip" in task)["pip"]["virtualenv"] == venv
    argv = arguments.split()
    assert argv == ["--baseline-commit", "HEAD~1", "--format", "zuul"]
    assert run["args"]["chdir"] == "{{ zuul.project.src_dir }}"
    registered = run["register"]
    assert run["failed_when"] == f"{registered}.rc not in [0, 1]"  # 1 is findings, 2 and 3 are errors
    returned = next(task for task in tasks if "zuul_return" in task)
    assert returned["zuul_return"]["data"]["zuul"]["file_comments"] == f"{{{{ {registered}.stdout | from_json }}}}"
    vote = next(task for task in tasks if "fail" in task)
    assert vote["when"] == f"{registered}.rc == 1"
    # What the task's stdout is on a change, through `from_json`, is what Zuul takes.
    repo = repository(tmp_path)
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    result = command(*argv, cwd=repo)
    assert result.returncode == 1
    jsonschema.validate(json.loads(result.stdout), zuul_schema())


def test_the_readme_pre_commit_manual_hook_and_tox_env(tmp_path: Path) -> None:
    import configparser

    import yaml

    from reviewlint.app.cli import build_parser

    hooks = yaml.safe_load(readme_block("pre-commit-manual"))[0]["hooks"]
    manual = hooks[1]
    ours = {hook["id"] for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert manual["id"] in ours and manual["alias"] == "reviewlint-change"
    assert manual["stages"] == ["manual"] and manual["pass_filenames"] is False
    assert build_parser().parse_args(manual["args"]).baseline_commit == "origin/master"
    tox = configparser.ConfigParser()
    tox.read_string(readme_block("tox-env"))
    commands = tox["testenv:reviewlint"]["commands"]
    assert commands == "reviewlint --baseline-commit {posargs:HEAD~1}"
    assert tox["testenv:reviewlint"]["deps"] == "reviewlint"
    assert build_parser().parse_args(commands.split()[1:-1] + ["HEAD~1"]).baseline_commit == "HEAD~1"


def test_the_base_tree_is_removed_on_sigterm(tmp_path: Path, private_temp: Path) -> None:
    import signal

    from reviewlint.app.review import _base_tree, open_change

    change = open_change(repository(tmp_path), "HEAD")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with _base_tree(change):
            os.kill(os.getpid(), signal.SIGTERM)
    assert list(private_temp.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_base_directory_another_run_holds_is_left_to_it(tmp_path: Path, private_temp: Path) -> None:
    import sys

    from reviewlint.app.review import _base_tree, open_change

    change = open_change(repository(tmp_path), "HEAD")
    with _base_tree(change) as (base_dir, scratch):
        held = base_dir.parent
        assert not scratch and (held / "pid").read_text() == str(os.getpid())
        with _base_tree(change) as (other_dir, other_scratch):  # a second run meanwhile: its own, no cache
            assert other_scratch and other_dir.parent != held
            crate = "depot/handlers/crate.py"
            assert (other_dir / crate).read_bytes() == (base_dir / crate).read_bytes()
        assert held.is_dir() and not other_dir.exists()
    # One just made, whose run has not written its pid yet, is left to it too.
    held.mkdir()
    with _base_tree(change) as (other_dir, other_scratch):
        assert other_scratch
    held.rmdir()
    # A run that died (its pid is gone) leaves its directory to the next one.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    held.mkdir()
    (held / "pid").write_text(dead.stdout.strip())
    with _base_tree(change) as (base_dir, scratch):
        assert not scratch and base_dir.parent == held
    assert list(private_temp.iterdir()) == []


@pytest.mark.parametrize("output", ["text", "json", "sarif", "github", "zuul"])
def test_every_format_reports_the_change_alone(command: Command, tmp_path: Path, output: str) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", "--format", output, "--statistics", cwd=repo)
    assert result.returncode == 1
    if output == "sarif":
        assert [r["ruleId"] for r in json.loads(result.stdout)["runs"][0]["results"]] == ["RVL404", "RVL404"]
    else:  # text and github: the statistics line too; github: the title too
        assert result.stdout.count("RVL404") == {"text": 3, "json": 2, "github": 5, "zuul": 2}[output]
    assert "2 new finding(s), 0 fixed" in result.stderr


def test_a_git_failure_midway_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness import cli

    from reviewlint.app import review

    repo = repository(tmp_path)
    real = review.git

    def broken(top: Path, *args: str, stdin: bytes | None = None) -> bytes:
        if args[0] == "cat-file":
            args = ("cat-file", "--no-such-option")
        return real(top, *args, stdin=stdin)
    monkeypatch.setattr(review, "git", broken)
    result = cli(repo, "--baseline-commit", "HEAD", "--no-cache")  # in this process: git is patched
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("reviewlint: --baseline-commit: git cat-file failed: ")


def test_a_renamed_file_named_on_the_command_line_is_found_in_the_base(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    git(repo, "mv", "depot/handlers/shelf.py", "depot/shelving.py")
    handler = repo / "depot/handler.py"
    handler.write_text(handler.read_text().replace("from depot.handlers import shelf", "from depot import shelving"
                                                   " as shelf"))
    commit(repo)
    assert "depot/shelving.py:27:1: RVL101" in command("depot/shelving.py", cwd=repo).stdout
    result = command("--baseline-commit", "HEAD~1", "depot/shelving.py", cwd=repo)
    assert (result.returncode, result.stdout) == (0, "")
    assert "0 new finding(s), 0 fixed" in result.stderr


def test_reformatting_the_code_a_message_quotes_creates_nothing_new(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    crate = repo / "depot/handlers/crate.py"
    edit(crate, "    if want_version.matches((1, 4)):\n", "    if want_version.matches(\n            (1, 4)):\n")
    edit(crate, "@microversion.version_handler('1.1')\n", '@microversion.version_handler("1.1")\n')
    commit(repo)
    assert "`want_version.matches(" in command(cwd=repo).stdout
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    assert (result.returncode, result.stdout) == (0, "")


def test_among_several_changed_files_the_one_the_message_names_is_the_cause(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    edit(repo / "depot/handlers/crate.py", "        data['shelf'] = crate.get('shelf')\n",
         "        data['shelf'] = crate.get('shelf')\n        data['weight'] = crate.get('weight')\n")
    shelf = repo / "depot/handlers/shelf.py"
    shelf.write_text("# Shelves.\n" + shelf.read_text())
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", cwd=repo)
    expected = [("api-ref/source/crates.inc", 15, "RVL602"), ("api-ref/source/crates.inc", 55, "RVL602")]
    assert findings_of(result.stdout) == expected
    assert result.stdout.count("set at depot/handlers/crate.py:26;") == 2
    assert result.stdout.count("(after the change to depot/handlers/crate.py)\n") == 2


def test_a_project_in_a_subdirectory_of_the_repository(command: Command, tmp_path: Path) -> None:
    repo = tmp_path / "monorepo"
    shutil.copytree(EXAMPLE, repo / "service")
    git(repo, "init", "-q")
    commit(repo, "The example, one level down")
    git(repo, "mv", "service/depot/handlers/shelf.py", "service/depot/handlers/shelving.py")
    handler = repo / "service/depot/handler.py"
    handler.write_text(handler.read_text().replace("import shelf", "import shelving as shelf"))
    edit(repo / "service/depot/tests/functional/gabbits/crates.yaml", GABBI_TEST, "")
    commit(repo)
    result = command("--baseline-commit", "HEAD~1", "service", cwd=repo)
    # The renamed module's findings are its old ones; three changed files could cause the gates' (not named).
    expected = [("service/depot/handlers/crate.py", 21, "RVL404"), ("service/depot/handlers/crate.py", 24, "RVL404")]
    assert findings_of(result.stdout) == expected and "after the change" not in result.stdout
    zuul = json.loads(command("--baseline-commit", "HEAD~1", "--format", "zuul", cwd=repo / "service").stdout)
    where = [c["message"].split(": ")[0] for c in zuul["/COMMIT_MSG"]]
    assert where == ["service/depot/handlers/crate.py:21", "service/depot/handlers/crate.py:24"]


def test_a_revision_holding_a_nul_is_refused(tmp_path: Path) -> None:
    from harness import cli

    result = cli(repository(tmp_path), "--baseline-commit", "HEAD\0")  # in this process: argv cannot hold NUL
    assert (result.returncode, result.stderr) == (2, "reviewlint: --baseline-commit 'HEAD\\x00': not a revision\n")


def test_a_new_base_with_the_same_model_files_parses_none_of_them(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from harness import cli

    from reviewlint.model import module

    repo = repository(tmp_path)
    monkeypatch.setenv("REVIEWLINT_CACHE_DIR", str(tmp_path / "cache"))
    parsed: list[str] = []
    parse = module.parse_module

    def counted(name: str, path: Path, *rest: object) -> object:
        if "reviewlint-" in str(path):  # a base tree's file
            parsed.append(Path(path).name)
        return parse(name, path, *rest)  # type: ignore[arg-type]
    monkeypatch.setattr(module, "parse_module", counted)
    (repo / "NOTES.txt").write_text("One.\n")
    commit(repo, "One")
    cli(repo, "--baseline-commit", "HEAD~1")
    assert {"crate.py", "shelf.py", "handler.py"} <= set(parsed)  # the first base: cold
    (repo / "NOTES.txt").write_text("Two.\n")
    commit(repo, "Two")
    parsed.clear()
    # Another base (another tree, extracted afresh, with another mtime), whose model files hold the
    # same bytes: its facts are the first base's, found by content.
    result = cli(repo, "--baseline-commit", "HEAD~1")
    assert result.returncode == 0 and parsed == []


def test_a_base_whose_files_are_not_in_the_repository_is_a_clear_error(command: Command, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    blob = git(repo, "rev-parse", "HEAD:depot/handlers/crate.py").strip()
    (repo / ".git/objects" / blob[:2] / blob[2:]).unlink()  # as a partial clone lacks it
    result = command("--baseline-commit", "HEAD", "--no-cache", cwd=repo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("reviewlint: --baseline-commit HEAD: depot/handlers/crate.py of the base ")
    assert result.stderr.endswith(" is not in this repository (fetch it first)\n")
