"""Every handler's facts, gates and route contracts stay what they were (tests/snapshot.py).

The snapshots were taken before the analysis core was rebuilt; a change to one is a change of
what reviewlint knows about handlers, made on purpose and triaged (REVIEWLINT_UPDATE_SNAPSHOTS=1).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLE, FIXTURES, real_tree
from snapshot import compare

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize("name, root", [("example", EXAMPLE), ("harbor", FIXTURES / "services" / "harbor")])
def test_the_fixture_services_facts_are_the_snapshot(name: str, root: Path) -> None:
    compare(name, root, SNAPSHOTS)


@pytest.mark.realtree
@pytest.mark.parametrize("dist, version", [("openstack-placement", "16.0.0"), ("nova", "18.0.2")])
def test_the_real_trees_facts_are_the_snapshot(dist: str, version: str) -> None:
    compare(f"{dist}-{version}", real_tree(dist, version), SNAPSHOTS)
