"""reviewlint next to hacking, as an OpenStack project's pep8 job runs them.

A cached venv holds the hacking that openstack-placement 16.0.0's
test-requirements.txt names (and the flake8 it pins) with reviewlint;
flake8 runs from placement's root with placement's own [flake8]
configuration (tox.ini), so both plugins' findings come out of one run.
"""

from __future__ import annotations

import re

import pytest

from conftest import findings_of, real_source_tree, run_cli, run_in_venv, tool_venv

pytestmark = [pytest.mark.realtree, pytest.mark.slow]

# What placement 16.0.0's tree gives (docs/real-world.md triages these).
PLACEMENT_16_RVL = [
    ("placement/handlers/aggregate.py", 39, "RVL407"),
    ("placement/handlers/allocation.py", 159, "RVL407"),
    ("placement/handlers/inventory.py", 45, "RVL301"),
    ("placement/handlers/reshaper.py", 87, "RVL302"),
    ("placement/schemas/allocation.py", 64, "RVL406"),
    ("placement/schemas/allocation.py", 67, "RVL406"),
    ("placement/schemas/allocation.py", 87, "RVL406"),
    ("placement/schemas/allocation.py", 151, "RVL406"),
    ("placement/schemas/allocation.py", 161, "RVL406"),
    ("placement/schemas/allocation.py", 173, "RVL203"),
    ("placement/schemas/allocation.py", 197, "RVL406"),
    ("placement/schemas/allocation_candidate.py", 84, "RVL406"),
    ("placement/schemas/allocation_candidate.py", 102, "RVL406"),
    ("placement/schemas/inventory.py", 81, "RVL203"),
    ("placement/schemas/resource_provider.py", 93, "RVL406"),
    ("placement/schemas/usage.py", 45, "RVL406"),
]


def _hacking_requirement(test_requirements: str) -> str:
    """The hacking line of a test-requirements.txt, without its comment."""
    line = next(line for line in test_requirements.splitlines() if line.startswith("hacking"))
    return line.split("#", 1)[0].strip()


def test_rvl_findings_come_beside_hackings_from_placements_own_flake8_config() -> None:
    root = real_source_tree("openstack-placement", "16.0.0")
    requirement = _hacking_requirement((root / "test-requirements.txt").read_text())
    assert requirement == "hacking>=6.1.0,<6.2.0"
    python = tool_venv("hacking", [requirement])
    version = run_in_venv(python, "-m", "flake8", "--version", cwd=root)
    assert re.search(r"hacking: 6\.1\.\d+", version.stdout) and "reviewlint: " in version.stdout, version.stdout

    # The whole tree with tox.ini's [flake8] (enable-extensions, ignore, exclude): hacking finds nothing
    # here, reviewlint what the CLI finds.
    tree = run_in_venv(python, "-m", "flake8", "placement", cwd=root)
    assert tree.stderr == ""
    assert sorted(findings_of(tree.stdout)) == PLACEMENT_16_RVL
    # The CLI also reads the API reference (RVL6xx), which flake8 never sees.
    cli = findings_of(run_cli(".", cwd=root).stdout)
    assert [row for row in cli if row[0].startswith("placement/")] == PLACEMENT_16_RVL

    # An edited handler as an editor or a pre-commit run hands it over: one run, both plugins.
    source = (root / "placement/handlers/trait.py").read_text()
    edited = source.replace("    context.can(policies.RP_TRAIT_UPDATE)\n", "    # TODO check policy\n")
    line = source.index("    context.can(policies.RP_TRAIT_UPDATE)\n")
    todo_line = source[:line].count("\n") + 1
    handler_line = source[:source.index("def update_traits_for_resource_provider(")].count("\n") + 1
    result = run_in_venv(python, "-m", "flake8", "--stdin-display-name", "placement/handlers/trait.py", "-",
                         cwd=root, stdin=edited)
    # hacking writes its codes with a colon ("H101: Use TODO(NAME)").
    rows = [(path, number, code.rstrip(":")) for path, number, code in findings_of(result.stdout)]
    assert rows == [("placement/handlers/trait.py", handler_line, "RVL501"),
                    ("placement/handlers/trait.py", todo_line, "H101")]
