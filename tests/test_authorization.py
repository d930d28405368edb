"""RVL5xx: handlers that never check policy, or check it only after reading the body."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CASES, Command, case_dirs, expected_of, findings_of, real_tree, run_cli, run_flake8
from harness import lint_lines, lint_tree
from reviewlint.core.config import load_config
from reviewlint.analysis.summary import handler_flow
from reviewlint.model.project import Project

RVL5_CASES = case_dirs("rvl5")
CHECKS = CASES / "rvl5" / "checks"
ORDER = CASES / "rvl5" / "order"


def test_every_rvl5_case_is_found() -> None:
    assert [case.name for case in RVL5_CASES] == ["checks", "configured", "dispatcher", "order", "public"]


@pytest.mark.parametrize("case", RVL5_CASES, ids=lambda case: case.name)
def test_each_case_reports_exactly_the_expected_lines(case: Path) -> None:
    assert lint_tree(case, select=["RVL5"]) == expected_of(case / "expected.txt")


# The family's agreement tests: the real binaries on the case with both RVL5 codes.
def test_cli_reports_exactly_the_expected_lines() -> None:
    result = run_cli("--select", "RVL5", ".", cwd=ORDER)
    assert result.stderr == ""
    assert findings_of(result.stdout) == expected_of(ORDER / "expected.txt")
    assert result.returncode == 1


def test_flake8_reports_the_same_lines() -> None:
    result = run_flake8("--select", "RVL5", ".", cwd=ORDER)
    assert result.stderr == ""
    assert sorted(findings_of(result.stdout)) == expected_of(ORDER / "expected.txt")


def test_flake8_on_stdin_relocates_past_a_bare_noqa_like_the_cli(flake8: Command) -> None:
    source = (CHECKS / "svc" / "handlers" / "widget.py").read_text()
    flake8_result = flake8("--select", "RVL5", "--stdin-display-name", "svc/handlers/widget.py", "-",
                           cwd=CHECKS, stdin=source)
    expected = expected_of(CHECKS / "expected.txt")
    assert findings_of(flake8_result.stdout) == expected
    assert lint_tree(CHECKS, select=["RVL5"], stdin=("svc/handlers/widget.py", source)) == expected


def test_stdin_sees_a_policy_check_the_editor_just_added() -> None:
    source = (CHECKS / "svc" / "handlers" / "widget.py").read_text().replace(
        "    _audit(context)\n", "    _audit(context)\n    context.can(policies.DELETE)\n")
    lines = [line for _, line, _ in lint_tree(CHECKS, select=["RVL5"], stdin=("svc/handlers/widget.py", source))]
    assert 58 not in lines and len(lines) == 5


def test_messages_name_the_handler_its_version_and_the_check() -> None:
    checks = lint_lines(CHECKS, "svc/handlers/widget.py", select=["RVL5"])
    # A definition with a maximum names its range (it said `(>= 1.2)` of `version_handler('1.2', '1.3')`).
    assert checks[2] == ("svc/handlers/widget.py:78:1: RVL501 handler widget.replace_widget (1.2..1.3) never checks "
                         "policy: no can() or authorize() in it or in a helper it passes the request to")
    order = lint_lines(ORDER, select=["RVL502"])
    assert order[0] == ("svc/handlers/widget.py:34:30: RVL502 handler widget.create_widget reads the request body "
                        "before its first policy check (line 36)")


def test_a_dispatcher_check_is_named_in_the_message_not_counted() -> None:
    lines = lint_lines(CASES / "rvl5" / "dispatcher")
    assert lines[-1].endswith("(only the dispatcher's check in handler.py applies)")
    elsewhere = lint_lines(CASES / "rvl5" / "checks")
    assert elsewhere and not any("dispatcher" in line for line in elsewhere)


def test_a_helper_that_reads_and_checks_keeps_its_inner_order() -> None:
    project = Project(ORDER, load_config(ORDER))
    module = project.module("svc.handlers.widget")
    assert module is not None
    inner_first = {}
    for name in ("import_widget", "export_widget"):
        flow = handler_flow(project, module.functions_named(name)[0])
        read, check = flow.first_body_read(), flow.first_policy_check()
        assert read is not None and check is not None and read[1] == check[1]  # both at the helper call
        inner_first[name] = "read" if read[0] < check[0] else "check"
    assert inner_first == {"import_widget": "read", "export_widget": "check"}


# -- real trees ----------------------------------------------------------------------------
@pytest.mark.realtree
def test_placement_16_checks_policy_in_every_handler_before_reading() -> None:
    tree = real_tree("openstack-placement", "16.0.0")
    result = run_cli("--select", "RVL5", ".", cwd=tree)
    assert result.stderr == ""
    assert result.stdout == ""
    assert result.returncode == 0


@pytest.mark.realtree
def test_nova_18_placement_api_checks_policy_everywhere() -> None:
    tree = real_tree("nova", "18.0.2")
    result = run_cli("--select", "RVL5", "nova/api/openstack/placement", cwd=tree)
    assert result.stderr == ""
    assert result.stdout == ""


@pytest.mark.realtree
def test_flake8_on_a_real_handler_module_with_the_check_removed() -> None:
    tree = real_tree("openstack-placement", "16.0.0")
    source = (tree / "placement" / "handlers" / "trait.py").read_text().replace(
        "    context.can(policies.TRAITS_LIST)\n", "")
    result = run_flake8("--select", "RVL5", "--stdin-display-name", "placement/handlers/trait.py", "-",
                        cwd=tree, stdin=source)
    assert findings_of(result.stdout) == [("placement/handlers/trait.py", 152, "RVL501")]


def test_config_routes_names_the_one_routes_module(tmp_path: Path) -> None:
    public = CASES / "rvl5" / "public"
    (tmp_path / "svc").mkdir()
    for name in ("__init__.py", "handler.py", "wsgi_wrapper.py"):
        (tmp_path / "svc" / name).write_text((public / "svc" / name).read_text())
    (tmp_path / "svc" / "handlers").mkdir()
    for name in ("__init__.py", "root.py"):
        (tmp_path / "svc" / "handlers" / name).write_text((public / "svc" / "handlers" / name).read_text())
    # A second, smaller declaration that routes `status` at the root.
    (tmp_path / "svc" / "old_handler.py").write_text(
        "from svc.handlers import root\n\nROUTE_DECLARATIONS = {'/': {'GET': root.status}}\n")
    # Without config the larger declaration is the routes module: home and index are public.
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    assert [line for _, line, _ in lint_tree(tmp_path, select=["RVL501"])] == [17, 22, 27, 32, 37, 41]
    (tmp_path / "setup.cfg").write_text("[reviewlint]\nroutes = svc.old_handler\n")
    assert [line for _, line, _ in lint_tree(tmp_path, select=["RVL501"])] == [7, 12, 22, 27, 32, 37]
