"""The command line as a user meets it: exit codes, errors, formats, stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CASES, Command, findings_of
from harness import lint_lines, lint_tree

HANDLER = '''\
from svc import util
from svc import wsgi_wrapper


@wsgi_wrapper.PlacementWsgify
def create(req):
    req.environ['svc.context'].can('svc:create')
    return util.extract_json(req.body, {'type': 'object'})
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    package = tmp_path / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(HANDLER)
    return tmp_path


def test_exit_1_with_findings_and_0_without(command: Command, project: Path) -> None:
    result = command(".", cwd=project)
    assert result.returncode == 1
    assert findings_of(result.stdout) == [("svc/handlers.py", 6, "RVL101")]
    (project / "svc/handlers.py").write_text(HANDLER.replace("def create", "def create(req):  # noqa: RVL101,RVL501\n"
                                                             "    pass\n\n\ndef old"))
    clean = command(".", cwd=project)
    assert clean.returncode == 0, clean.stdout
    assert clean.stdout == ""


def test_exit_zero_keeps_output(command: Command, project: Path) -> None:
    result = command("--exit-zero", ".", cwd=project)
    assert result.returncode == 0
    assert "RVL101" in result.stdout


def test_syntax_error_is_one_rvl900_line_and_other_files_still_checked(command: Command, project: Path) -> None:
    (project / "svc/broken.py").write_text("def broken(:\n    pass\n")
    (project / "svc/wsgi_broken.py").write_text("@wsgi_wrapper.PlacementWsgify\ndef f(req:\n")
    result = command(".", "svc/broken.py", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    rows = findings_of(result.stdout)
    assert ("svc/broken.py", 1, "RVL900") in rows
    assert ("svc/wsgi_broken.py", 2, "RVL900") in rows
    assert ("svc/handlers.py", 6, "RVL101") in rows
    assert all(line.count("\n") == 0 for line in result.stdout.splitlines())


def test_syntax_errors_only_where_reviewlint_reads(project: Path) -> None:
    """A walked file nothing analyses is left to flake8's E999; a handler module is not."""
    (project / "svc/broken.py").write_text("def broken(:\n    pass\n")
    (project / "svc/wsgi_broken.py").write_text("@wsgi_wrapper.PlacementWsgify\ndef f(req:\n")
    rows = lint_tree(project)
    assert [row for row in rows if row[2] == "RVL900"] == [("svc/wsgi_broken.py", 2, "RVL900")]


def test_binary_and_undecodable_files_are_rvl900(project: Path) -> None:
    (project / "svc/binary.py").write_bytes(b"\x00\x01\x02PlacementWsgify")
    (project / "svc/latin.py").write_bytes(b"# PlacementWsgify\nname = '\xe9t\xe9'\n")
    (project / "svc/other.py").write_bytes(b"name = '\xe9t\xe9'\n")
    lines = lint_lines(project)
    assert any(line.startswith("svc/binary.py:1:1: RVL900 cannot check this file: file is binary")
               for line in lines)
    assert any(line.startswith("svc/latin.py:2:1: RVL900 cannot check this file: cannot decode as utf-8")
               for line in lines)
    assert not any(line.startswith("svc/other.py") for line in lines)  # nothing there for reviewlint
    assert lint_lines(project, "svc/other.py")[0].startswith(
        "svc/other.py:1:1: RVL900 cannot check this file: cannot decode as utf-8")


def test_missing_path_is_reported_and_the_rest_checked(command: Command, project: Path) -> None:
    result = command("nope.py", "svc", cwd=project)
    assert result.returncode == 1
    assert "nope.py:1:1: RVL900 cannot check this path: no such file or directory" in result.stdout
    assert "RVL101" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--select", "RVL-1"], "'RVL-1' is not a code prefix"),
    (["--explain", "RVL999"], "unknown rule 'RVL999'"),
    (["--format", "xml"], "invalid choice: 'xml'"),
    (["--config", "missing.cfg", "."], "missing.cfg: config file not found"),
    (["--jobs", "0", "."], "'0' is not a number of processes"),
])
def test_usage_errors_are_one_line_and_exit_2(command: Command, project: Path, args: list[str], message: str) -> None:
    result = command(*args, cwd=project)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.parametrize("config, message", [
    ("[reviewlint]\nselekt = RVL1\n", "setup.cfg: unknown key 'selekt' in [reviewlint]"),
    ("[reviewlint]\nselect = RVL1!\n", "setup.cfg: select: 'RVL1!' is not a code prefix"),
    ("[reviewlint\nselect = RVL1\n", "setup.cfg: cannot read config"),
    ("[reviewlint]\nper-file-ignores =\n    svc/*.py RVL101\n",
     "setup.cfg: per-file-ignores: cannot parse 'svc/*.py RVL101': expected 'PATTERN [PATTERN ...]: "
     "CODE[,CODE ...]' as in flake8"),
    ("[reviewlint]\nper-file-ignores =\n    svc/*.py: RVL-1\n", "per-file-ignores: cannot parse 'svc/*.py: RVL-1'"),
])
def test_bad_config_names_file_key_and_value(command: Command, project: Path, config: str, message: str) -> None:
    (project / "setup.cfg").write_text(config)
    result = command(".", cwd=project)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--select", "FOO"], "reviewlint: --select: 'FOO' matches no rule code (see --list-rules)"),
    (["--ignore", "RVL9999"], "reviewlint: --ignore: 'RVL9999' matches no rule code: did you mean RVL9 or RVL901? "
                              "(see --list-rules)"),
    (["--extend-ignore", "RVL101,RVL51"], "reviewlint: --extend-ignore: 'RVL51' matches no rule code: "
                                          "did you mean RVL501 or RVL5? (see --list-rules)"),
])
def test_a_code_that_matches_no_rule_is_a_usage_error(command: Command, project: Path, args: list[str],
                                                      message: str) -> None:
    # Before: nothing printed and exit 0, as if the typo had been a choice.
    result = command(*args, ".", cwd=project)
    assert (result.returncode, result.stderr, result.stdout) == (2, message + "\n", "")


@pytest.mark.parametrize("config, message", [
    ("[reviewlint]\nselect = XYZ\n", "setup.cfg: select: 'XYZ' matches no rule code (see --list-rules)"),
    ("[reviewlint]\nignore = RVL1,RLV501\n",
     "setup.cfg: ignore: 'RLV501' matches no rule code: did you mean RVL501 or RVL901? (see --list-rules)"),
    ("[reviewlint]\nper-file-ignores =\n    svc/*.py: RVL11\n",
     "setup.cfg: per-file-ignores: 'RVL11' matches no rule code: did you mean RVL101 or RVL1? (see --list-rules)"),
])
def test_a_config_code_that_matches_no_rule_is_a_config_error(command: Command, project: Path, config: str,
                                                              message: str) -> None:
    (project / "setup.cfg").write_text(config)
    result = command(".", cwd=project)
    assert result.returncode == 2
    assert result.stderr.endswith(message + "\n") and len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


def test_every_rule_code_is_known_to_the_selection_check() -> None:
    from reviewlint.core.codes import RULE_CODES
    from reviewlint.rules import rule_classes

    assert RULE_CODES == tuple(rule.code for rule in rule_classes())


def test_config_in_pyproject_select_and_per_file_ignores(project: Path) -> None:
    (project / "setup.cfg").unlink()
    (project / "pyproject.toml").write_text(
        '[tool.reviewlint]\nignore = ["RVL2"]\nper-file-ignores = {"svc/handlers.py" = ["RVL101"]}\n')
    assert lint_tree(project) == []
    (project / "pyproject.toml").write_text('[tool.reviewlint]\nselect = ["RVL2"]\n')
    assert lint_tree(project) == []
    (project / "pyproject.toml").write_text('[tool.reviewlint]\nselect = "RVL1"\n')
    assert lint_tree(project) == [("svc/handlers.py", 6, "RVL101")]


def test_extend_ignore_adds_to_config(command: Command, project: Path) -> None:
    (project / "setup.cfg").write_text("[reviewlint]\nignore = RVL2\n")
    assert command("--extend-ignore", "RVL101", ".", cwd=project).stdout == ""
    assert "RVL101" in command(".", cwd=project).stdout


def test_stdin_filename_reads_stdin(command: Command, project: Path) -> None:
    result = command("--stdin-filename", "svc/handlers.py", cwd=project, stdin=HANDLER)
    assert findings_of(result.stdout) == [("svc/handlers.py", 6, "RVL101")]
    result = command("--stdin-filename", "svc/handlers.py", cwd=project, stdin="def broken(:\n")
    assert findings_of(result.stdout) == [("svc/handlers.py", 1, "RVL900")]


def test_list_rules_explain_and_version(command: Command) -> None:
    listing = command("--list-rules")
    assert listing.returncode == 0
    codes = [line.split()[0] for line in listing.stdout.splitlines()]
    assert {"RVL101", "RVL102", "RVL103", "RVL104", "RVL201", "RVL202", "RVL203", "RVL900", "RVL901"} <= set(codes)
    assert codes == sorted(codes)
    explained = command("--explain", "rvl101")
    assert explained.returncode == 0
    assert explained.stdout.startswith("RVL101: A handler reads the request body")
    assert "Bad:" in explained.stdout and "Good:" in explained.stdout
    version = command("--version")
    assert version.returncode == 0 and version.stdout.startswith("reviewlint ")


def test_json_sarif_github_formats(command: Command) -> None:
    case = CASES / "rvl1"
    rows = json.loads(command("--format", "json", "--select", "RVL104", ".", cwd=case).stdout)["findings"]
    assert [(r["path"], r["line"], r["column"], r["code"]) for r in rows] == [
        ("svc/handlers/rvl104.py", 13, 1, "RVL104")]
    log = json.loads(command("--format", "sarif", "--select", "RVL104", ".", cwd=case).stdout)
    assert log["version"] == "2.1.0"
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "RVL104"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 13, "startColumn": 1, "endLine": 13, "endColumn": 20}
    github = command("--format", "github", "--select", "RVL104", ".", cwd=case).stdout
    assert github.startswith("::warning file=svc/handlers/rvl104.py,line=13,col=1,endLine=13,endColumn=20,"
                             "title=RVL104::RVL104 ")


def test_statistics_counts_per_code(command: Command) -> None:
    result = command("--statistics", "--select", "RVL1", ".", cwd=CASES / "rvl1")
    assert "4     RVL101 " in result.stdout


def test_paths_are_reported_relative_to_where_the_user_stands(command: Command) -> None:
    result = command("--select", "RVL104", str(CASES / "rvl1"), cwd=CASES)
    assert findings_of(result.stdout) == [("rvl1/svc/handlers/rvl104.py", 13, "RVL104")]
    # Outside the working directory an absolute path stays as given.
    elsewhere = CASES / "rvl1" / "svc"
    result = command("--select", "RVL104", str(elsewhere), cwd=CASES / "rvl2")
    assert findings_of(result.stdout) == [(str(elsewhere / "handlers" / "rvl104.py"), 13, "RVL104")]


@pytest.mark.parametrize("jobs", ["1", "2", "auto"])
def test_jobs_split_the_syntax_check_and_change_nothing_else(command: Command, project: Path, jobs: str) -> None:
    from reviewlint.app.engine import PARALLEL_SYNTAX_FROM

    other = project / "svc" / "other"
    other.mkdir()
    for n in range(PARALLEL_SYNTAX_FROM + 50):
        (other / f"m{n:03}.py").write_text(f"VALUE = {n}\n")
    (other / "m123.py").write_text("def broken(:\n")
    (other / "m234.py").write_text("x = 1\n  y = 2\n")
    # Files named on the command line (pre-commit passes them) get Python's syntax check.
    named = sorted(str(path.relative_to(project)) for path in other.iterdir())
    result = command("--jobs", jobs, ".", *named, cwd=project)
    assert result.stderr == ""
    assert findings_of(result.stdout) == [("svc/handlers.py", 6, "RVL101"), ("svc/other/m123.py", 1, "RVL900"),
                                          ("svc/other/m234.py", 2, "RVL900")]


def test_the_parallel_syntax_check_finds_what_the_serial_one_does() -> None:
    from reviewlint.app.engine import PARALLEL_SYNTAX_FROM, check_syntax_of

    files = [(f"m{n}.py", "x = (\n" if n % 97 == 0 else "x = 1\n") for n in range(PARALLEL_SYNTAX_FROM * 2)]
    serial = check_syntax_of(files, 1)
    assert [f.path for f in serial] == ["m0.py", "m97.py", "m194.py", "m291.py", "m388.py"]
    assert check_syntax_of(files, 2) == serial


def test_handlers_in_test_packages_are_fakes_and_not_reported(project: Path) -> None:
    fake = HANDLER.replace("return util.extract_json(req.body, {'type': 'object'})", "return json.loads(req.body)")
    (project / "svc" / "tests").mkdir()
    (project / "svc" / "tests" / "__init__.py").write_text("")
    (project / "svc" / "tests" / "fakes.py").write_text("import json\n" + fake)
    assert lint_tree(project) == [("svc/handlers.py", 6, "RVL101")]
    (project / "svc" / "fakes.py").write_text("import json\n" + fake)
    assert lint_tree(project) == [
        ("svc/fakes.py", 7, "RVL101"), ("svc/fakes.py", 9, "RVL201"), ("svc/handlers.py", 6, "RVL101")]


def test_per_file_ignores_mean_what_they_mean_to_flake8(flake8: Command, project: Path) -> None:
    unguarded = HANDLER.replace("    req.environ['svc.context'].can('svc:create')\n", "")
    for name in ("handlers", "trait", "inventory"):
        (project / f"svc/{name}.py").write_text(unguarded)
    value = "trait.py inventory.py: RVL1\n*.py: RVL5"
    (project / "reviewlint.cfg").write_text("[reviewlint]\nper-file-ignores =\n    "
                                            + value.replace("\n", "\n    ") + "\n")
    # flake8: several patterns share one code list, and of the matching patterns the longest applies.
    expected = [("svc/handlers.py", 6, "RVL101"), ("svc/inventory.py", 6, "RVL501"), ("svc/trait.py", 6, "RVL501")]
    flake8_result = flake8("--select", "RVL", f"--per-file-ignores={value}", "svc", cwd=project)
    assert sorted(findings_of(flake8_result.stdout)) == expected
    assert lint_tree(project, "svc", config="reviewlint.cfg") == expected


def test_dash_reads_stdin_like_flake8_and_ruff(command: Command, project: Path) -> None:
    # Before: `-:1:1: RVL900 cannot check this path`.
    result = command("-", cwd=project, stdin=HANDLER)
    assert result.returncode == 1
    assert findings_of(result.stdout) == [("stdin", 6, "RVL101")]
    named = command("--stdin-filename", "svc/handlers.py", "-", cwd=project, stdin=HANDLER)
    assert findings_of(named.stdout) == [("svc/handlers.py", 6, "RVL101")]
    mixed = command("-", "svc", cwd=project, stdin=HANDLER)
    assert mixed.returncode == 2
    assert mixed.stderr == "reviewlint: '-' reads stdin and cannot be combined with other PATHs\n"
