"""--baseline-commit on a git copy of the placement 16.0.0 source release whose head commit makes one change."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import findings_of, real_source_tree, run_cli
from test_review import git

pytestmark = [pytest.mark.realtree, pytest.mark.skipif(shutil.which("git") is None, reason="needs git")]


def placement_repository(tmp_path: Path) -> Path:
    repo = tmp_path / "placement"
    shutil.copytree(real_source_tree("openstack-placement", "16.0.0"), repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "placement 16.0.0")
    return repo


def review(repo: Path) -> subprocess.CompletedProcess:
    git(repo, "commit", "-qam", "The change")
    return run_cli("--baseline-commit", "HEAD~1", cwd=repo)


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) >= 1
    path.write_text(text.replace(old, new, 1))


def test_a_schema_object_opened(tmp_path: Path) -> None:
    repo = placement_repository(tmp_path)
    replace_once(repo / "placement/schemas/trait.py",
                 "    'required': ['traits'],\n    'additionalProperties': False\n", "    'required': ['traits'],\n")
    result = review(repo)
    assert result.returncode == 1
    assert result.stdout == (
        "placement/schemas/trait.py:27:21: RVL203 schema SET_TRAITS_FOR_RP_SCHEMA: object at $ accepts keys other "
        "than its properties, with any value (no \"additionalProperties\"); in force for handler "
        "trait.update_traits_for_resource_provider (PUT /resource_providers/{uuid}/traits; >= 1.6) at 1.6..1.39\n")
    assert "reviewlint: 1 new finding(s), 0 fixed" in result.stderr


def test_a_gabbi_test_removed(tmp_path: Path) -> None:
    repo = placement_repository(tmp_path)
    replace_once(repo / "placement/tests/functional/gabbits/usage.yaml",
                 "- name: get total usages earlier version\n  GET: /usages?project_id=$ENVIRON['PROJECT_ID']\n"
                 "  request_headers:\n      openstack-api-version: placement 1.8\n  status: 404\n\n", "")
    result = review(repo)
    assert result.stdout == (
        "placement/handlers/usage.py:84:1: RVL404 microversion gate >= 1.9: the far side of its boundary at 1.9 is "
        "untested: no functional test of GET /usages at 1.0..1.8 "
        "(after the change to placement/tests/functional/gabbits/usage.yaml)\n")


def test_a_policy_check_removed(tmp_path: Path) -> None:
    repo = placement_repository(tmp_path)
    replace_once(repo / "placement/handlers/trait.py", "    context.can(policies.TRAITS_UPDATE)\n", "")
    result = review(repo)
    assert findings_of(result.stdout) == [("placement/handlers/trait.py", 67, "RVL501")]
    assert "handler trait.put_trait (PUT /traits/{name}; >= 1.6) never checks policy" in result.stdout


def _move_to_end(path: Path, start: str, end: str) -> None:
    text = path.read_text()
    first, last = text.index(start), text.index(end)
    path.write_text(text[:first] + text[last:].rstrip("\n") + "\n\n\n" + text[first:last].rstrip("\n") + "\n")


def test_a_handler_moved_within_its_file_reports_nothing(tmp_path: Path) -> None:
    repo = placement_repository(tmp_path)
    allocation = repo / "placement/handlers/allocation.py"
    # The handler of GET /resource_providers/{uuid}/allocations and its serializer, whose gates the
    # RVL602 finding in the API reference names by line; four lines above the imports move the rest.
    _move_to_end(allocation, "def _serialize_allocations_for_resource_provider(",
                 "def create_allocation_list(")
    _move_to_end(allocation, "@wsgi_wrapper.PlacementWsgify\n@util.check_accept('application/json')\n"
                             "def list_for_resource_provider(", "def _resource_providers_by_uuid(")
    allocation.write_text("# Moved.\n#\n# Moved.\n\n" + allocation.read_text())
    git(repo, "commit", "-qam", "Move")
    assert run_cli(cwd=repo).stdout.count("set at placement/handlers/allocation.py:") >= 1
    result = run_cli("--baseline-commit", "HEAD~1", cwd=repo)
    assert (result.returncode, result.stdout) == (0, "")
    assert "reviewlint: 0 new finding(s), 0 fixed" in result.stderr


def test_the_issue_s_baseline_file_survives_four_lines_above_the_imports(tmp_path: Path) -> None:
    repo = placement_repository(tmp_path)
    assert run_cli("--write-baseline", "baseline.json", cwd=repo).returncode == 0
    allocation = repo / "placement/handlers/allocation.py"
    allocation.write_text("# One.\n\n# Two.\n\n" + allocation.read_text())
    result = run_cli("--baseline", "baseline.json", cwd=repo)
    assert (result.returncode, result.stdout) == (0, "")
