"""The in-process harness agrees with the CLI, so rule tests may use it instead of a process."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CASES, expected_of, findings_of, run_cli
from harness import lint_snippet, lint_tree


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
