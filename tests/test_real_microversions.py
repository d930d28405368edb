"""RVL4xx on real releases: placement 16.0.0 and the placement API inside nova 18.0.2.

The triaged results (docs/real-world.md) are pinned here: no RVL4xx finding
on either tree, every gate covered on both sides of each boundary. To show
that this silence is earned, the same trees with some test files withheld
(the `functional-tests` key) give exactly the findings a reviewer would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import findings_of, real_tree, run_cli, run_flake8

pytestmark = pytest.mark.realtree


def placement() -> Path:
    return real_tree("openstack-placement", "16.0.0")


def nova() -> Path:
    return real_tree("nova", "18.0.2")


def test_placement_16_has_no_rvl4_finding() -> None:
    result = run_cli("--select", "RVL4,RVL901", ".", cwd=placement())
    assert result.stderr == ""
    assert findings_of(result.stdout) == []
    assert result.returncode == 0


def test_nova_18_has_no_rvl4_finding() -> None:
    # Before $LOCATION was resolved from the location header the previous
    # test asserts, inventory.py:120 was a false RVL401 (docs/real-world.md).
    result = run_cli("--select", "RVL4,RVL901", ".", cwd=nova())
    assert result.stderr == ""
    assert findings_of(result.stdout) == []


def test_flake8_on_placement_16_handlers_agrees() -> None:
    result = run_flake8("--select", "RVL4", "placement/handlers", "placement/util.py", cwd=placement())
    assert result.stderr == ""
    assert findings_of(result.stdout) == []


def test_withholding_usage_tests_leaves_get_usages_untested_before_it_existed(tmp_path: Path) -> None:
    config = tmp_path / "setup.cfg"
    config.write_text("[reviewlint]\nfunctional-tests = placement/tests/functional/gabbits/[!u]*.yaml\n")
    result = run_cli("--config", str(config), "--select", "RVL4", ".", cwd=placement())
    assert result.stdout.splitlines() == [
        "placement/handlers/usage.py:84:1: RVL404 microversion gate >= 1.9: the far side of its boundary at 1.9 "
        "is untested: no functional test of GET /usages at 1.0..1.8"]


def test_withholding_resource_class_and_provider_tests(tmp_path: Path) -> None:
    config = tmp_path / "setup.cfg"
    config.write_text("[reviewlint]\nfunctional-tests = placement/tests/functional/gabbits/[!r]*.yaml\n")
    result = run_cli("--config", str(config), "--select", "RVL4", ".", cwd=placement())
    rows = findings_of(result.stdout)
    assert rows == [
        ("placement/handlers/reshaper.py", 43, "RVL404"),  # POST /reshaper is never asked for before 1.30
        ("placement/handlers/reshaper.py", 53, "RVL404"),  # ... nor at 1.30..1.33
        ("placement/handlers/resource_class.py", 45, "RVL401"),
        ("placement/handlers/resource_class.py", 45, "RVL404"),
        ("placement/handlers/resource_class.py", 56, "RVL401"),
        ("placement/handlers/resource_class.py", 56, "RVL404"),
        ("placement/handlers/resource_class.py", 89, "RVL401"),
        ("placement/handlers/resource_class.py", 89, "RVL404"),
        ("placement/handlers/resource_class.py", 114, "RVL401"),
        ("placement/handlers/resource_class.py", 114, "RVL404"),
        ("placement/handlers/resource_class.py", 133, "RVL401"),
        ("placement/handlers/resource_class.py", 133, "RVL404"),
        ("placement/handlers/resource_class.py", 144, "RVL401"),
        ("placement/handlers/resource_class.py", 144, "RVL404"),
        ("placement/handlers/resource_class.py", 162, "RVL401"),
        ("placement/handlers/resource_class.py", 162, "RVL404"),
        ("placement/handlers/resource_class.py", 169, "RVL401"),
        ("placement/handlers/resource_class.py", 169, "RVL404"),
        ("placement/handlers/resource_class.py", 208, "RVL404"),
        # _serialize_links and friends, reached from PUT /resource_providers/{uuid}
        # (the other provider routes are still tested elsewhere):
        ("placement/handlers/resource_provider.py", 38, "RVL401"),
        ("placement/handlers/resource_provider.py", 40, "RVL401"),
        ("placement/handlers/resource_provider.py", 42, "RVL401"),
        ("placement/handlers/resource_provider.py", 56, "RVL401"),
        ("placement/handlers/resource_provider.py", 292, "RVL401"),
        ("placement/handlers/resource_provider.py", 295, "RVL401"),
        ("placement/handlers/resource_provider.py", 320, "RVL401"),
    ]
    line = next(line for line in result.stdout.splitlines()
                if line.startswith("placement/handlers/resource_class.py:169"))
    assert line.endswith("RVL401 microversion gate 1.2..1.6 is untested in its range: "
                         "no functional test of PUT /resource_classes/{name} at 1.2..1.6")


def test_show_project_on_placement_16() -> None:
    lines = run_cli("--show-project", ".", cwd=placement()).stdout.splitlines()
    assert ("routes: placement/handler.py (placement.handler), ROUTE_DECLARATIONS (a dict of templates to "
            "{method: handler}), 37 routes, 37 resolve to handlers") in lines
    assert ("versions: placement/microversion.py (placement.microversion), 1.0..1.39 (40 versions), "
            "service type 'placement'") in lines
    assert "handler modules (10):" in lines
    assert ("functional tests: 79 files, 1307 requests (9 left out with an unknown URL, 0 skipped, "
            "0 malformed)") in lines
    assert "version history: placement/rest_api_version_history.rst (40 sections)" in lines
    assert "microversion gates: 90" in lines


def test_show_project_on_nova_18_picks_the_placement_modules() -> None:
    # nova defines VERSIONS three times (metadata, compute, placement) and has
    # two rest_api_version_history.rst: the placement ones are those its
    # handler modules import and live beside.
    lines = run_cli("--show-project", ".", cwd=nova()).stdout.splitlines()
    assert ("routes: nova/api/openstack/placement/handler.py (nova.api.openstack.placement.handler), "
            "ROUTE_DECLARATIONS (a dict of templates to {method: handler}), 36 routes, 36 resolve to handlers"
            ) in lines
    assert ("versions: nova/api/openstack/placement/microversion.py (nova.api.openstack.placement.microversion), "
            "1.0..1.29 (30 versions), service type 'placement'") in lines
    assert "handler modules (9):" in lines
    assert "  nova/tests/functional/api/openstack/placement/gabbits/ (47 files)" in lines
    assert "version history: nova/api/openstack/placement/rest_api_version_history.rst (30 sections)" in lines
    assert "microversion gates: 79" in lines


def test_gabbi_reader_and_coverage_on_placement_16() -> None:
    # How long this takes is measured by bench/run.py, not asserted here.
    from reviewlint.core.config import load_config
    from reviewlint.service.gabbi import functional_tests
    from reviewlint.model.project import Project
    from reviewlint.rules.microversions import judge

    root = placement()
    project = Project(root, load_config(root))
    tests = functional_tests(project)
    assert len(tests.requests) == 1307
    assert not judge(project)
    # 1307 is not read off our own output: every test of every gabbi file is
    # one request, or left out because its URL is wholly unknown ($LOCATION or
    # $HISTORY of a response reviewlint cannot follow), or skipped.
    written = sum(len((yaml.safe_load(path.read_text()) or {}).get("tests") or [])
                  for path in (root / "placement/tests/functional/gabbits").glob("*.yaml"))
    assert written == 1316
    assert (len(tests.requests), tests.left_out, tests.skipped) == (1307, 9, 0)


def test_gate_count_on_placement_16_is_the_text_count_triaged() -> None:
    # The 90 gates of --show-project, derived from the text and triaged by hand.
    from reviewlint.core.config import load_config
    from reviewlint.analysis.summary import project_gates
    from reviewlint.model.project import Project

    root = placement()
    texts = [path.read_text() for path in (root / "placement").rglob("*.py") if "tests" not in path.parts]
    decorators = sum(len(re.findall(r"@microversion\.version_handler\(", text)) for text in texts)
    matches = sum(len(re.findall(r"\b(?:want_)?version\.matches\(", text)) for text in texts)
    comparisons = sum(len(re.findall(r"\bwant_version [<>]=? \(1, \d+\)", text)) for text in texts)
    assert (decorators, matches, comparisons) == (26, 63, 3)
    # Two `matches` calls are not gates of a handler, and rightly not counted:
    # - handlers/allocation_candidate.py `_get_schema`: `matches((maj, min))` over a
    #   table of versions picks a query schema (the contract reader follows that table);
    # - util.py `json_error_formatter`: `matches(ERROR_CODE_MICROVERSION)` formats
    #   webob's error bodies and is reached from no handler.
    gates = project_gates(Project(root, load_config(root)))
    assert len(gates) == decorators + matches + comparisons - 2 == 90
