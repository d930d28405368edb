"""RVL1xx/RVL2xx on the real openstack-placement 16.0.0 release, run from its root."""

from __future__ import annotations

import pytest

from conftest import findings_of, real_tree, run_cli, run_flake8

pytestmark = pytest.mark.realtree

# The two open objects of placement 16.0.0's request-body schemas (triaged
# in docs/real-world.md): both declare patternProperties and let any key
# that does not match the pattern through unvalidated.
PLACEMENT_16_RVL2 = [
    ("placement/schemas/allocation.py", 173, "RVL203"),  # mappings of POST /allocations >= 1.34, reshaper
    ("placement/schemas/inventory.py", 81, "RVL203"),  # inventories of PUT .../inventories, reshaper
]


def test_cli_on_placement_16_finds_only_the_open_schema_objects() -> None:
    tree = real_tree("openstack-placement", "16.0.0")
    result = run_cli("--select", "RVL1,RVL2,RVL9", ".", cwd=tree)
    assert result.stderr == ""
    assert findings_of(result.stdout) == PLACEMENT_16_RVL2
    lines = result.stdout.splitlines()
    assert "schema PUT_INVENTORY_SCHEMA (also POST_RESHAPER_SCHEMA" in lines[1]
    # Before: "declares patternProperties without "additionalProperties": False; request body of
    # inventory.set_inventories, reshaper.reshape (>= 1.30)".
    assert "object at $.properties.inventories accepts keys that no pattern of its patternProperties " \
           "matches, with any value" in lines[1]
    assert lines[1].endswith("in force for handlers inventory.set_inventories (PUT /resource_providers/{uuid}/"
                             "inventories) at 1.0..1.39 and reshaper.reshape (POST /reshaper; >= 1.30) at 1.30..1.39")


def test_flake8_on_placement_16_agrees_with_the_cli() -> None:
    tree = real_tree("openstack-placement", "16.0.0")
    result = run_flake8("--select", "RVL1,RVL2,RVL9", "placement", cwd=tree)
    assert sorted(findings_of(result.stdout)) == PLACEMENT_16_RVL2
