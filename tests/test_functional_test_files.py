"""Which YAML files are functional tests (issue 27, item 5).

By default the `gabbits/` directories of the project's test packages; a
`gabbits/` directory elsewhere (placement's sdist ships `gate/gabbits/`, a
load fixture a separate job runs) is listed by --show-project as seen and
not counted, and the `functional-tests` key can add it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import EXAMPLE, Command, findings_of

LOAD = '''\
tests:
- name: crates of a shelf under load
  GET: /shelves/$ENVIRON['SHELF_UUID']/crates
  request_headers:
    openstack-api-version: depot 1.3
  status: 200
'''


def _example_with_load_fixture(tmp_path: Path) -> Path:
    root = Path(shutil.copytree(EXAMPLE, tmp_path / "example"))
    (root / "gate" / "gabbits").mkdir(parents=True)
    (root / "gate" / "gabbits" / "perfload.yaml").write_text(LOAD)
    return root


def test_a_gabbits_directory_outside_the_test_packages_is_not_counted(command: Command, tmp_path: Path) -> None:
    # Before: the load fixture counted, and hid the real RVL401 of the gate it happens to request.
    root = _example_with_load_fixture(tmp_path)
    rows = findings_of(command("--no-cache", "--select", "RVL4", ".", cwd=root).stdout)
    assert ("depot/handlers/shelf.py", 70, "RVL401") in rows
    shown = command("--show-project", cwd=root).stdout.splitlines()
    assert "functional tests: 2 files, 14 requests (0 left out with an unknown URL, 1 skipped, 0 malformed)" in shown
    at = shown.index("other gabbi-like YAML, not counted (1 files; the functional-tests key can add them):")
    assert shown[at + 1] == "  gate/gabbits/ (1 files)"


def test_the_functional_tests_key_can_count_them(command: Command, tmp_path: Path) -> None:
    root = _example_with_load_fixture(tmp_path)
    with open(root / "setup.cfg", "a") as config:
        config.write("\n[reviewlint]\nfunctional-tests =\n    depot/tests/functional/gabbits\n    gate/gabbits\n")
    rows = findings_of(command("--no-cache", "--select", "RVL4", ".", cwd=root).stdout)
    assert ("depot/handlers/shelf.py", 70, "RVL401") not in rows
    shown = command("--show-project", cwd=root).stdout
    assert "functional tests: 3 files, 15 requests" in shown and "not counted" not in shown


def test_show_project_says_what_is_unknown(command: Command, tmp_path: Path) -> None:
    root = Path(shutil.copytree(EXAMPLE, tmp_path / "example"))
    with open(root / "depot" / "handler.py", "a") as stream:
        stream.write("BIG = [" + ", ".join(["1"] * 30000) + "]\n")
    shown = command("--show-project", cwd=root).stdout.splitlines()
    assert shown[1] == "routes: unknown (a module that may hold them cannot be analysed: see below)"
    assert shown[-2:] == [
        "cannot analyse (1; each is an RVL900, and what rests on it is unknown):",
        "  depot/handler.py:1: too large to analyse (more than 50000 tokens; limit max-tokens = 50000)"]
