"""RVL4xx on real releases: placement 16.0.0 and the placement API inside nova 18.0.2.

The triaged results (docs/real-world.md) are pinned here: no RVL401-RVL405
finding on either tree, every gate covered on both sides of each boundary,
and the RVL406/RVL407 findings, each a test of what a gate changes that is
really missing. To show that this is earned, the same trees with some test
files withheld (the `functional-tests` key) or one test deleted give
exactly the findings a reviewer would.
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


# What placement 16.0.0 leaves untested of what its gates change (docs/real-world.md triages each).
UNTESTED_CHANGES = [
    ("placement/handlers/aggregate.py", 39, "RVL407"),
    ("placement/handlers/allocation.py", 159, "RVL407"),
    ("placement/schemas/allocation.py", 64, "RVL406"),
    ("placement/schemas/allocation.py", 67, "RVL406"),
    ("placement/schemas/allocation.py", 87, "RVL406"),
    ("placement/schemas/allocation.py", 151, "RVL406"),
    ("placement/schemas/allocation.py", 161, "RVL406"),
    ("placement/schemas/allocation.py", 197, "RVL406"),
    ("placement/schemas/allocation_candidate.py", 84, "RVL406"),
    ("placement/schemas/allocation_candidate.py", 102, "RVL406"),
    ("placement/schemas/resource_provider.py", 93, "RVL406"),
    ("placement/schemas/usage.py", 45, "RVL406"),
]


def nova() -> Path:
    return real_tree("nova", "18.0.2")


def test_placement_16_has_no_rvl4_finding() -> None:
    # None but RVL406/RVL407 (what the gates change, not whether they are reached).
    result = run_cli("--select", "RVL4,RVL901", ".", cwd=placement())
    assert result.stderr == ""
    assert findings_of(result.stdout) == UNTESTED_CHANGES
    assert result.returncode == 1


def test_nova_18_has_no_rvl4_finding() -> None:
    # Before $LOCATION was resolved from the location header the previous
    # test asserts, inventory.py:120 was a false RVL401 (docs/real-world.md).
    result = run_cli("--select", "RVL4,RVL901", ".", cwd=nova())
    assert result.stderr == ""
    nova_placement = "nova/api/openstack/placement"
    assert findings_of(result.stdout) == [  # None but RVL406/RVL407, the same gaps as placement's
        (f"{nova_placement}/handlers/aggregate.py", 40, "RVL407"),
        (f"{nova_placement}/handlers/allocation.py", 149, "RVL407"),
        (f"{nova_placement}/handlers/resource_provider.py", 56, "RVL407"),
        (f"{nova_placement}/handlers/resource_provider.py", 57, "RVL407"),
        (f"{nova_placement}/schemas/allocation.py", 62, "RVL406"),
        (f"{nova_placement}/schemas/allocation.py", 65, "RVL406"),
        (f"{nova_placement}/schemas/allocation.py", 85, "RVL406"),
        (f"{nova_placement}/schemas/allocation.py", 149, "RVL406"),
        (f"{nova_placement}/schemas/allocation.py", 159, "RVL406"),
        (f"{nova_placement}/schemas/resource_provider.py", 93, "RVL406"),
    ]


def test_flake8_on_placement_16_handlers_agrees() -> None:
    result = run_flake8("--select", "RVL4", "placement/handlers", "placement/util.py", cwd=placement())
    assert result.stderr == ""
    assert findings_of(result.stdout) == [row for row in UNTESTED_CHANGES if row[0].startswith("placement/handlers/")]


def test_withholding_usage_tests_leaves_get_usages_untested_before_it_existed(tmp_path: Path) -> None:
    config = tmp_path / "setup.cfg"
    config.write_text("[reviewlint]\nfunctional-tests = placement/tests/functional/gabbits/[!u]*.yaml\n")
    result = run_cli("--config", str(config), "--select", "RVL4", ".", cwd=placement())
    assert [line for line in result.stdout.splitlines() if " RVL406 " not in line and " RVL407 " not in line] == [
        "placement/handlers/usage.py:84:1: RVL404 microversion gate >= 1.9: the far side of its boundary at 1.9 "
        "is untested: no functional test of GET /usages at 1.0..1.8"]
    assert [row for row in findings_of(result.stdout) if row[2] in ("RVL406", "RVL407")] == UNTESTED_CHANGES


def test_withholding_resource_class_and_provider_tests(tmp_path: Path) -> None:
    config = tmp_path / "setup.cfg"
    config.write_text("[reviewlint]\nfunctional-tests = placement/tests/functional/gabbits/[!r]*.yaml\n")
    result = run_cli("--config", str(config), "--select", "RVL4", ".", cwd=placement())
    rows = findings_of(result.stdout)
    assert sorted(rows) == sorted([
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
    ] + UNTESTED_CHANGES + [
        # PUT /resource_providers/{uuid} answers with these from 1.14: resource-provider.yaml asserted them.
        ("placement/handlers/resource_provider.py", 57, "RVL407"),
        ("placement/handlers/resource_provider.py", 58, "RVL407"),
        # ... and the tests sending these parameters one version early were r*.yaml's too.
        ("placement/schemas/allocation.py", 173, "RVL406"),
        ("placement/schemas/resource_provider.py", 41, "RVL406"),
        ("placement/schemas/resource_provider.py", 73, "RVL406"),
        ("placement/schemas/resource_provider.py", 83, "RVL406"),
        ("placement/schemas/resource_provider.py", 104, "RVL406"),
    ])
    line = next(line for line in result.stdout.splitlines()
                if line.startswith("placement/handlers/resource_class.py:169"))
    assert line.endswith("RVL401 microversion gate 1.2..1.6 is untested in its range: "
                         "no functional test of PUT /resource_classes/{name} at 1.2..1.6")


def _delete_test(gabbi_file: Path, name: str) -> None:
    """Remove the test called `name` from a gabbi file, as an author who forgot it would have left it."""
    text = gabbi_file.read_text()
    start = text.index(f"- name: {name}\n")
    end = text.find("\n- name: ", start + 1)
    gabbi_file.write_text(text[:start] + (text[end + 1:] if end >= 0 else ""))


def test_deleting_the_far_side_test_of_a_parameter_gate_makes_rvl406_appear(tmp_path: Path) -> None:
    import shutil

    root = shutil.copytree(placement(), tmp_path / "placement")
    gabbits = root / "placement/tests/functional/gabbits"
    # root_required (1.35) is sent at 1.34 by one test, consumer_type (1.38) to POST /reshaper by one.
    _delete_test(gabbits / "allocation-candidates-root-required.yaml", "root_required before microversion")
    _delete_test(gabbits / "consumer-types-1.38.yaml", "reshaper refuses consumer type earlier microversion")
    result = run_cli("--select", "RVL4", ".", cwd=root)
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    new = [line for line in lines if findings_of(line)[0] not in UNTESTED_CHANGES]
    assert new == [
        "placement/schemas/allocation_candidate.py:96:50: RVL406 request parameter root_required (query) is "
        "accepted only from 1.35: no functional test sends it to GET /allocation_candidates at 1.10..1.34 "
        "(handler allocation_candidate.list_allocation_candidates (>= 1.10))"]
    consumer_type = next(line for line in lines if line.startswith("placement/schemas/allocation.py:197:"))
    assert "POST /reshaper at 1.30..1.37 (handler reshaper.reshape (>= 1.30))" in consumer_type
    clean = run_cli("--select", "RVL406", "placement/schemas/allocation.py", cwd=placement()).stdout
    assert "POST /reshaper" not in clean


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
