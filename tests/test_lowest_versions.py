"""The dependency floors of setup.cfg really install and pass: a venv with the lowest allowed versions.

Each `>=` floor of `install_requires` (whose marker applies to this Python)
is pinned, installed in a cached venv, and a representative part of the
suite runs there: the CLI, the flake8 plugin (flake8 5.0.4 is what
hacking 6.0.x allows), `# noqa`, the rule cases, the reporters and the node positions.
"""

from __future__ import annotations

import configparser

import pytest
from packaging.requirements import Requirement

from conftest import REPO, run_in_venv, tool_venv

pytestmark = pytest.mark.slow

SUBSET = ["tests/test_cli.py", "tests/test_flake8_plugin.py", "tests/test_noqa.py", "tests/test_unknown_place.py",
          "tests/test_rule_cases.py", "tests/test_reporters.py", "tests/test_example.py", "tests/test_positions.py"]


def lowest_pins() -> list[str]:
    """`name==floor` for every install requirement that applies here."""
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg")
    pins = []
    for line in parser["options"]["install_requires"].strip().splitlines():
        requirement = Requirement(line.strip())
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert floors, f"{line!r} has no floor"
        pins.append(f"{requirement.name}=={floors[0]}")
    return pins


def test_every_floor_is_pinned_for_this_python() -> None:
    names = {pin.split("==")[0].lower() for pin in lowest_pins()}
    assert {"libcst", "flake8", "pyyaml"} <= names


def test_the_suite_passes_on_the_lowest_allowed_versions() -> None:
    pins = lowest_pins()
    python = tool_venv("lowest", ["pytest", "jsonschema[format-nongpl]"], constraints=pins)
    installed = run_in_venv(python, "-m", "pip", "list", "--format=freeze")
    for pin in pins:
        assert pin.lower() in installed.stdout.lower(), (pin, installed.stdout)
    result = run_in_venv(python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m",
                         "not realtree and not slow", *SUBSET, cwd=REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
