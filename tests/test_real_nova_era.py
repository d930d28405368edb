"""RVL6xx on nova-era source releases: Placement inside nova, beside nova's own API reference.

Until August 2018 Placement lived in nova, and a nova source release holds
two references: `api-ref/source` (nova's compute API) and
`placement-api-ref/source` (Placement's). With zero configuration the
reference is the one that documents the routes of the route table
(`nova/api/openstack/placement/handler.py`), whatever the names. The
findings are pinned in docs/real-world.md ("nova-era source releases"),
each triaged there by reading.
"""

from __future__ import annotations

import re

import pytest

from conftest import REPO, findings_of, real_source_tree, run_cli

pytestmark = pytest.mark.realtree

TREES = [("nova", "17.0.13"), ("nova", "18.0.2")]
_SECTION = "## nova-era source releases"
_TREE = re.compile(r"^### (?P<dist>[\w-]+) (?P<version>\d+\.\d+\.\d+) sdist\b", re.M)
_ROW = re.compile(r"^\| `(?P<path>[^`:]+):(?P<line>\d+)` \| (?P<code>RVL\d{3}) \|", re.M)


def triaged() -> dict[tuple[str, str], list[tuple[str, int, str]]]:
    """The RVL6xx findings docs/real-world.md lists per nova-era source release."""
    text = (REPO / "docs" / "real-world.md").read_text()
    body = text.split(_SECTION, 1)[1].split("\n## ", 1)[0]
    heads = list(_TREE.finditer(body))
    found = {}
    for head, after in zip(heads, heads[1:] + [None]):
        part = body[head.end():after.start() if after else len(body)]
        found[head["dist"], head["version"]] = sorted(
            (row["path"], int(row["line"]), row["code"]) for row in _ROW.finditer(part))
    return found


def test_the_document_pins_each_tree() -> None:
    assert sorted(triaged()) == sorted(TREES)
    assert all(triaged().values())


@pytest.mark.parametrize("dist, version", TREES)
def test_zero_config_reads_the_placement_reference_and_reports_exactly_the_triaged_findings(
        dist: str, version: str) -> None:
    result = run_cli("--select", "RVL6,RVL9", cwd=real_source_tree(dist, version))
    assert result.stderr == ""
    assert findings_of(result.stdout) == triaged()[dist, version]
    assert all(path.startswith("placement-api-ref/source/") for path, _, _ in findings_of(result.stdout))


@pytest.mark.parametrize("dist, version", TREES)
def test_show_project_names_both_references_and_the_choice(dist: str, version: str) -> None:
    lines = run_cli("--show-project", cwd=real_source_tree(dist, version)).stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("api reference: "))
    assert re.fullmatch(r"api reference: placement-api-ref/source \(16 \.inc files, 35 route sections, \d+ "
                        r"parameters, 0 malformed\): it documents the most routes", lines[start])
    assert lines[start + 1:] == ["  candidate api-ref/source: documents 1 of 35 routes",
                                 "  candidate placement-api-ref/source: documents 34 of 35 routes (used)"]


def test_the_api_ref_key_still_wins_on_a_nova_era_tree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "setup.cfg"
    config.write_text("[reviewlint]\napi-ref = api-ref/source\n")
    result = run_cli("--config", str(config), "--show-project", cwd=real_source_tree("nova", "17.0.13"))
    assert ("api reference: api-ref/source (63 .inc files, 244 route sections, 823 parameters, 93 malformed): "
            "the api-ref key names it") in result.stdout.splitlines()
