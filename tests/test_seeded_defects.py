"""Seeded defects: a copy of placement 16.0.0 with one mistake per rule code.

Each mutation is what a careless change to Placement would look like (a
decorator dropped, a policy check removed, a schema opened, a test file
deleted, a gate on a version that does not exist...). The run must find each
one at the right line, and nothing else beyond what the clean tree already
reports (docs/real-world.md). The API reference rules (RVL6xx) are seeded in
a copy of the 16.0.0 source release, whose `api-ref/` the wheel lacks.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from conftest import findings_of, real_source_tree, real_tree, run_cli, run_flake8

pytestmark = pytest.mark.realtree

Row = tuple[str, int, str]

HANDLERS = "placement/handlers"
GABBITS = "placement/tests/functional/gabbits"

# What the clean tree reports (pinned in test_real_trees.py and docs/real-world.md).
CLEAN = [
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


def edit(root: Path, path: str, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in `path` with `new`."""
    file = root / path
    text = file.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    file.write_text(text.replace(old, new))


def line_of(root: Path, path: str, needle: str) -> int:
    """The line number of the one line of `path` that contains `needle`."""
    lines = [n for n, line in enumerate((root / path).read_text().splitlines(), 1) if needle in line]
    assert len(lines) == 1, f"{needle!r} is on lines {lines} of {path}"
    return lines[0]


class At(NamedTuple):
    """The line of a mutated file that holds `needle` (plus `offset`), looked up once all mutations are made."""

    needle: str
    offset: int = 0


def seed(root: Path) -> dict[str, list[Row]]:
    """Apply every mutation to the tree at `root`; the findings each one must cause, by code."""
    rc, rp, trait, inv, reshaper, usage, allocation = (
        f"{HANDLERS}/{name}.py"
        for name in ("resource_class", "resource_provider", "trait", "inventory", "reshaper", "usage", "allocation"))
    expected: dict[str, list[tuple[str, int | At, str]]] = {}

    # RVL101: POST /resource_classes loses its content-type check.
    edit(root, rc, "@util.require_content('application/json')\ndef create_resource_class(req):",
         "def create_resource_class(req):")
    expected["RVL101"] = [(rc, At("def create_resource_class("), "RVL101")]

    # RVL102: POST /resource_providers checks content outside the wsgify wrapper.
    edit(root, rp, "@wsgi_wrapper.PlacementWsgify\n@util.require_content('application/json')\n"
         "def create_resource_provider(req):",
         "@util.require_content('application/json')\n@wsgi_wrapper.PlacementWsgify\n"
         "def create_resource_provider(req):")
    expected["RVL102"] = [(rp, At("def create_resource_provider(", -2), "RVL102")]

    # RVL103: PUT /resource_providers/{uuid}/traits asks for text and decodes JSON.
    edit(root, trait, "@util.require_content('application/json')", "@util.require_content('text/plain')")
    expected["RVL103"] = [(trait, At("@util.require_content('text/plain')"), "RVL103")]

    # RVL104: DELETE /traits/{name} refuses clients that send no body.
    edit(root, trait, "@microversion.version_handler('1.6')\ndef delete_trait(req):",
         "@microversion.version_handler('1.6')\n@util.require_content('application/json')\ndef delete_trait(req):")
    expected["RVL104"] = [(trait, At("def delete_trait("), "RVL104")]

    # RVL201: PUT /resource_classes/{name} (1.2..1.6) decodes without a schema.
    edit(root, rc, "    data = util.extract_json(req.body, schema.PUT_RC_SCHEMA_V1_2)\n",
         "    data = jsonutils.loads(req.body)\n")
    expected["RVL201"] = [(rc, At("jsonutils.loads(req.body)"), "RVL201")]

    # RVL202: PUT /resource_providers/{uuid} validates against an empty schema.
    edit(root, rp, "matches((1, 37))\n\n    data = util.extract_json(req.body, schema)\n",
         "matches((1, 37))\n\n    data = util.extract_json(req.body, {})\n")
    expected["RVL202"] = [(rp, At("util.extract_json(req.body, {})"), "RVL202")]

    # RVL203: the resource class schema lets any other key through.
    schema = "placement/schemas/resource_class.py"
    edit(root, schema, '    "additionalProperties": False,\n', "")
    expected["RVL203"] = [(schema, At("POST_RC_SCHEMA_V1_2 = {"), "RVL203")]

    # RVL301/RVL302: a new undocumented constant, read by the reshaper.
    (root / inv).write_text((root / inv).read_text() + "\n\nINVENTORY_LIMIT = 1000\n")
    (root / reshaper).write_text((root / reshaper).read_text() + "\n\n_LIMIT = inventory.INVENTORY_LIMIT\n")
    expected["RVL301"] = [(inv, At("INVENTORY_LIMIT = 1000"), "RVL301")]
    expected["RVL302"] = [(reshaper, At("inventory.INVENTORY_LIMIT"), "RVL302")]

    # RVL303: the shared make_inventory_object loses its docstring (a comment is not one).
    edit(root, inv, '    """Single place to catch malformed Inventories."""',
         "    # Single place to catch malformed Inventories.")
    expected["RVL303"] = [(reshaper, At("inventory.make_inventory_object("), "RVL303")]

    # RVL401/RVL404: the consumer-type tests (1.38) are deleted: every 1.38
    # gate loses its in-range requests, and nothing asks for PUT
    # /allocations/{consumer_uuid} at 1.38 any more, the far side of the
    # 1.34..1.37 definition's upper boundary.
    (root / GABBITS / "consumer-types-1.38.yaml").unlink()
    expected["RVL401"] = [(allocation, 405, "RVL401"), (allocation, 534, "RVL401"), (allocation, 552, "RVL401"),
                          (f"{HANDLERS}/util.py", 128, "RVL401"), (f"{HANDLERS}/util.py", 129, "RVL401")]
    # ... and the usage tests: GET /usages is never asked for before 1.9.
    (root / GABBITS / "usage.yaml").unlink()
    expected["RVL404"] = [(allocation, 527, "RVL404"), (usage, At("version_handler('1.9')"), "RVL404")]
    # ... which also leaves the 1.38 consumer_count of GET /usages asserted nowhere.
    expected["RVL407"] = [(usage, At("usage[ct]['consumer_count'] = cc"), "RVL407")]

    # RVL406: the test that sends root_required (1.35) to GET /allocation_candidates at 1.34 is deleted.
    root_required = root / GABBITS / "allocation-candidates-root-required.yaml"
    text = root_required.read_text()
    start = text.index("- name: root_required before microversion\n")
    root_required.write_text(text[:start] + text[text.index("\n- name: ", start) + 1:])
    expected["RVL406"] = [("placement/schemas/allocation_candidate.py", At("['root_required'] = {"), "RVL406")]

    # RVL405: a route to a handler that was renamed away.
    edit(root, "placement/handler.py", "        'GET': trait.list_traits,\n",
         "        'GET': trait.list_traits,\n        'POST': trait.create_traits,\n")
    expected["RVL405"] = [("placement/handler.py", At("'POST': trait.create_traits"), "RVL405")]

    # RVL402: a gate on a microversion VERSIONS does not declare.
    edit(root, trait, "    context.can(policies.TRAITS_SHOW)\n",
         "    context.can(policies.TRAITS_SHOW)\n"
         "    if req.environ[microversion.MICROVERSION_ENVIRON].matches((1, 40)):\n        pass\n")
    expected["RVL402"] = [(trait, At("matches((1, 40))"), "RVL402")]

    # RVL403: the 1.37 section of the history is lost.
    edit(root, "placement/rest_api_version_history.rst", "1.37 - Allow re-parenting", "Allow re-parenting")
    expected["RVL403"] = [(rp, At("allow_reparenting = want_version.matches((1, 37))"), "RVL403")]

    # RVL501: GET /traits no longer checks policy.
    edit(root, trait, "    context.can(policies.TRAITS_LIST)\n", "")
    expected["RVL501"] = [(trait, At("def list_traits("), "RVL501")]

    # RVL502: POST /resource_providers/{uuid}/inventories parses before it authorizes.
    edit(root, inv, "    context.can(policies.CREATE)\n    uuid = util.wsgi_path_item(req.environ, 'uuid')\n"
         "    resource_provider = rp_obj.ResourceProvider.get_by_uuid(\n        context, uuid)\n"
         "    data = _extract_inventory(req.body, schema.POST_INVENTORY_SCHEMA)\n",
         "    uuid = util.wsgi_path_item(req.environ, 'uuid')\n"
         "    resource_provider = rp_obj.ResourceProvider.get_by_uuid(\n        context, uuid)\n"
         "    data = _extract_inventory(req.body, schema.POST_INVENTORY_SCHEMA)\n    context.can(policies.CREATE)\n")
    expected["RVL502"] = [(inv, At("data = _extract_inventory(req.body, schema.POST_INV"), "RVL502")]

    # RVL900: a handler module that does not parse, and one that is not UTF-8. (A module no rule
    # reads is left to flake8's E999 when it is met walking the tree.)
    handlers = root / "placement" / "handlers"
    (handlers / "seeded_syntax.py").write_text("@wsgi_wrapper.PlacementWsgify\ndef broken(:\n    pass\n")
    # (flake8 decodes what is not UTF-8 as Latin-1: there, it is a handler that checks policy.)
    (handlers / "seeded_latin1.py").write_bytes(b"@wsgi_wrapper.PlacementWsgify\ndef f(req):\n"
                                                b"    req.environ['placement.context'].can('x')\n"
                                                b"    return 'caf\xe9'\n")
    (root / "placement" / "seeded_unused.py").write_text("def broken(:\n    pass\n")
    expected["RVL900"] = [("placement/handlers/seeded_latin1.py", 4, "RVL900"),
                          ("placement/handlers/seeded_syntax.py", 2, "RVL900")]

    # RVL901: a gabbi file that is not YAML.
    (root / GABBITS / "seeded-malformed.yaml").write_text("tests:\n- name: unclosed\n  GET: [/traits\n")
    expected["RVL901"] = [(f"{GABBITS}/seeded-malformed.yaml", 3, "RVL901")]
    return {code: [(path, line if isinstance(line, int) else line_of(root, path, line.needle) + line.offset, code)
                   for path, line, code in rows] for code, rows in expected.items()}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Row]], list[Row]]:
    root = tmp_path_factory.mktemp("seeded") / "placement-16.0.0"
    shutil.copytree(real_tree("openstack-placement", "16.0.0"), root)
    expected = seed(root)
    result = run_cli(cwd=root)
    assert result.stderr == "" and result.returncode == 1
    return root, expected, findings_of(result.stdout)


SEEDED_CODES = ["RVL101", "RVL102", "RVL103", "RVL104", "RVL201", "RVL202", "RVL203", "RVL301", "RVL302",
                "RVL303", "RVL401", "RVL402", "RVL403", "RVL404", "RVL405", "RVL406", "RVL407", "RVL501", "RVL502",
                "RVL900", "RVL901"]


@pytest.mark.parametrize("code", SEEDED_CODES)
def test_each_seeded_defect_is_found_at_its_line(seeded: tuple[Path, dict[str, list[Row]], list[Row]],
                                                 code: str) -> None:
    _, expected, found = seeded
    assert sorted(row for row in found if row[2] == code and row not in CLEAN) == sorted(expected[code])


def test_nothing_else_is_reported(seeded: tuple[Path, dict[str, list[Row]], list[Row]]) -> None:
    _, expected, found = seeded
    assert sorted(found) == sorted(CLEAN + [row for rows in expected.values() for row in rows])


def test_every_rule_code_is_seeded() -> None:
    from reviewlint.rules import rule_classes

    assert set(SEEDED_CODES) | set(REFERENCE_CODES) | {"RVL400"} == {rule.code for rule in rule_classes()}


def test_flake8_finds_the_same_defects_in_python_files(seeded: tuple[Path, dict[str, list[Row]], list[Row]]) -> None:
    # flake8 reads only .py files and reports a file it cannot parse as its
    # own E999 (or E902), so RVL900 and RVL901 are the CLI's alone.
    root, _, found = seeded
    result = run_flake8("--select", "RVL", cwd=root)
    assert sorted(findings_of(result.stdout)) == sorted(row for row in found if row[2] not in ("RVL900", "RVL901"))


def test_a_tree_without_functional_tests_says_so_once(tmp_path: Path) -> None:
    root = tmp_path / "placement-16.0.0"
    shutil.copytree(real_tree("openstack-placement", "16.0.0"), root,
                    ignore=shutil.ignore_patterns("gabbits"))
    result = run_cli(cwd=root)
    rows = findings_of(result.stdout)
    assert [row for row in rows if row not in CLEAN] == [("placement/handlers/aggregate.py", 1, "RVL400")]
    assert "cannot check microversion coverage" in result.stdout


# -- the API reference, in the source release ---------------------------------------------------

REFERENCE = "api-ref/source"
# What the clean source tree reports beyond CLEAN (pinned in test_real_trees.py and docs/real-world.md).
CLEAN_REFERENCE = [
    (f"{REFERENCE}/allocations.inc", 61, "RVL604"),
    (f"{REFERENCE}/allocations.inc", 108, "RVL605"),
    (f"{REFERENCE}/allocations.inc", 118, "RVL604"),
    (f"{REFERENCE}/allocations.inc", 124, "RVL604"),
    (f"{REFERENCE}/allocations.inc", 175, "RVL604"),
    (f"{REFERENCE}/parameters.yaml", 420, "RVL605"),
    (f"{REFERENCE}/parameters.yaml", 561, "RVL605"),
    (f"{REFERENCE}/parameters.yaml", 626, "RVL605"),
    (f"{REFERENCE}/parameters.yaml", 884, "RVL605"),
    (f"{REFERENCE}/reshaper.inc", 41, "RVL605"),
    (f"{REFERENCE}/resource_provider_allocations.inc", 30, "RVL602"),
    (f"{REFERENCE}/usages.inc", 48, "RVL604"),
    (f"{REFERENCE}/usages.inc", 55, "RVL604"),
]
REFERENCE_CODES = ["RVL601", "RVL602", "RVL603", "RVL604", "RVL605"]


def seed_reference(root: Path) -> dict[str, list[Row]]:
    """One mistake per RVL6xx code in the reference; the findings each must cause, by code."""
    parameters, expected = f"{REFERENCE}/parameters.yaml", {}

    # RVL601: the consumer_type filter of GET /usages is said to come with 1.37 (the 1.38 schema adds it).
    edit(root, parameters, "    required: false\n    min_version: 1.38\n",
         "    required: false\n    min_version: 1.37\n")
    expected["RVL601"] = [(parameters, line_of(root, parameters, "min_version: 1.37"), "RVL601")]

    # RVL602: root_provider_uuid of allocation candidates (set from 1.29) loses its min_version (commented
    # out, so that the findings below it keep their lines).
    edit(root, parameters, "    UUID of the top-most provider in this provider tree.\n  min_version: 1.29\n",
         "    UUID of the top-most provider in this provider tree.\n  # min_version: 1.29\n")
    expected["RVL602"] = [(parameters, line_of(root, parameters, "resource_provider_root_provider_uuid_1_29:"),
                           "RVL602")]

    # RVL603: GET /resource_providers documents a `limit` only GET /allocation_candidates has.
    providers = f"{REFERENCE}/resource_providers.inc"
    edit(root, providers, "  - required: resource_provider_required_query\n",
         "  - required: resource_provider_required_query\n  - limit: allocation_candidates_limit\n")
    expected["RVL603"] = [(providers, line_of(root, providers, "- limit: allocation_candidates_limit"), "RVL603")]

    # RVL604: an allocation candidates example stops at 1.27; the next starts at 1.29.
    candidates = f"{REFERENCE}/allocation_candidates.inc"
    edit(root, candidates, "Response Example (microversions 1.17 - 1.28)",
         "Response Example (microversions 1.17 - 1.27)")
    expected["RVL604"] = [(candidates, line_of(root, candidates, "(microversions 1.17 - 1.27)"), "RVL604")]

    # RVL605: the reshaper's inventories (POST_RESHAPER_SCHEMA requires them) are said to be optional.
    edit(root, parameters, "reshaper_inventories:\n  type: object\n  in: body\n  required: true\n",
         "reshaper_inventories:\n  type: object\n  in: body\n  required: false\n")
    expected["RVL605"] = [(parameters, line_of(root, parameters, "reshaper_inventories:") + 3, "RVL605")]
    return expected


@pytest.fixture(scope="module")
def seeded_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[Row]], list[Row]]:
    root = tmp_path_factory.mktemp("seeded-source") / "placement-16.0.0"
    shutil.copytree(real_source_tree("openstack-placement", "16.0.0"), root)
    expected = seed_reference(root)
    result = run_cli(cwd=root)
    assert result.stderr == "" and result.returncode == 1
    return expected, findings_of(result.stdout)


Seeded = tuple[dict[str, list[Row]], list[Row]]


@pytest.mark.parametrize("code", REFERENCE_CODES)
def test_each_seeded_reference_defect_is_found_at_its_line(seeded_reference: Seeded, code: str) -> None:
    expected, found = seeded_reference
    assert sorted(row for row in found if row[2] == code and row not in CLEAN_REFERENCE) == sorted(expected[code])


def test_nothing_else_is_reported_in_the_seeded_source(seeded_reference: Seeded) -> None:
    expected, found = seeded_reference
    assert sorted(found) == sorted(CLEAN + CLEAN_REFERENCE + [row for rows in expected.values() for row in rows])
