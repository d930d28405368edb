"""The in-process harness agrees with the CLI, so rule tests may use it instead of a process."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CASES, expected_of, findings_of, run_cli
from harness import cli, lint_lines, lint_snippet, lint_tree


@pytest.mark.parametrize("family", ["rvl1", "rvl2"])
def test_lint_tree_gives_the_expected_findings(family: str) -> None:
    code = family.upper()
    assert lint_tree(CASES / family, select=[code]) == expected_of(CASES / family / "expected.txt")


def test_lint_tree_agrees_with_the_cli_on_every_code() -> None:
    case = CASES / "rvl2"
    assert lint_tree(case) == sorted(findings_of(run_cli(".", cwd=case).stdout))


def test_lint_snippet_writes_over_the_skeleton(tmp_path: Path) -> None:
    handler = (
        "import webob\n"
        "\n"
        "from svc import util\n"
        "from svc import wsgi_wrapper\n"
        "\n"
        "\n"
        "@wsgi_wrapper.PlacementWsgify\n"
        "def create_thing(req):\n"
        "    data = util.extract_json(req.body, {'type': 'object', 'additionalProperties': False})\n"
        "    return webob.Response(json_body=data)\n"
    )
    assert lint_snippet(tmp_path, {"svc/handlers/thing.py": handler}, select=["RVL1"]) == [
        ("svc/handlers/thing.py", 8, "RVL101")]
    # noqa applies as in the CLI.
    (tmp_path / "svc/handlers/thing.py").write_text(handler.replace("def create_thing(req):",
                                                                    "def create_thing(req):  # noqa: RVL101"))
    assert lint_tree(tmp_path, select=["RVL1"]) == []


def test_lint_lines_with_stdin_and_config_agree_with_the_cli(tmp_path: Path) -> None:
    """`stdin=` is --stdin-filename, `config=` is --config, `lint_lines` is the text the command prints."""
    case = CASES / "rvl1"
    config = tmp_path / "review.cfg"
    config.write_text("[reviewlint]\nselect = RVL1\nignore = RVL102\n")
    name = "svc/handlers/rvl102.py"
    source = (case / name).read_text() + "\n\n@wsgi_wrapper.PlacementWsgify\ndef late(req):\n    return req.body\n"
    result = run_cli("--config", str(config), "--stdin-filename", name, cwd=case, stdin=source)
    lines = lint_lines(case, config=config, stdin=(name, source))
    assert lines == result.stdout.splitlines()
    assert findings_of(result.stdout) == [(name, 44, "RVL101")]  # the buffer's handler; RVL102 ignored


@pytest.mark.slow  # a cold process; the full suite also runs every `command` test through the binary
def test_cli_runs_the_command_in_process() -> None:
    # The tests of the command run both ways (the `command` fixture); this is the one `cli` use besides them.
    case = CASES / "rvl4" / "gabbi_forms"
    expected, actual = run_cli("--show-project", cwd=case), cli(case, "--show-project")
    assert (actual.returncode, actual.stdout, actual.stderr) == (expected.returncode, expected.stdout, expected.stderr)
    assert actual.stdout.count("\n") == 11
