"""Every handler-level finding names its handler, its routes and its version range, in the same words.

`shelf.stock_shelf (POST /shelves/{uuid}/crates; >= 1.3)`: the handler as
`module.function`, then its routes, then the range of its own
`version_handler` (issue 27, item 4). RVL203 names the versions at which
the schema is in force for each handler, and says what the object accepts
rather than prescribing a fix that may reject valid input (item 7).
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLE, Command, real_tree, run_cli

# Before: RVL201 and RVL202 named no handler at all, RVL101-RVL104 no route, and RVL501/RVL502 the
# route instead of the handler ("handler GET /shelves/{uuid}/crates (>= 1.3) never checks policy").
HANDLER_LEVEL = {
    "RVL101": "depot/handlers/shelf.py:27:1: RVL101 handler shelf.update_shelf (PUT /shelves/{uuid}) reads the "
              "request body without @require_content",
    "RVL102": "depot/handlers/shelf.py:36:1: RVL102 @require_content on handler shelf.resize_shelf "
              "(POST /shelves/{uuid}/size) must sit below @PlacementWsgify",
    "RVL103": "depot/handlers/shelf.py:48:1: RVL103 handler shelf.rename_shelf (PUT /shelves/{uuid}/name) requires "
              "content 'text/plain' but decodes the body as JSON",
    "RVL104": "depot/handlers/shelf.py:60:1: RVL104 handler shelf.delete_shelf (DELETE /shelves/{uuid}) has "
              "@require_content but never reads the request body",
    "RVL201": "depot/handlers/shelf.py:31:12: RVL201 JSON body decoded here for handler shelf.update_shelf "
              "(PUT /shelves/{uuid}) is never validated against a schema (use util.extract_json)",
    "RVL202": "depot/handlers/shelf.py:53:12: RVL202 extract_json() called with an empty schema {} for handler "
              "shelf.rename_shelf (PUT /shelves/{uuid}/name): the body is not validated",
    "RVL203": "depot/schemas/crate.py:22:21: RVL203 schema PUT_CRATE: object at $.properties.contents accepts keys "
              "other than its properties, with any value (no \"additionalProperties\"); in force for handler "
              "crate.replace_crate (PUT /crates/{uuid}; >= 1.2) at 1.2..1.4",
    "RVL501": "depot/handlers/shelf.py:71:1: RVL501 handler shelf.show_shelf_crates (GET /shelves/{uuid}/crates; "
              ">= 1.3) never checks policy: no can() or authorize() in it or in a helper it passes the request to",
    "RVL502": "depot/handlers/shelf.py:84:30: RVL502 handler shelf.stock_shelf (POST /shelves/{uuid}/crates; >= 1.3) "
              "reads the request body before its first policy check (line 85)",
}


def test_handler_level_findings_name_handler_routes_and_versions(command: Command) -> None:
    lines = command("--no-cache", "--select", ",".join(HANDLER_LEVEL), ".", cwd=EXAMPLE).stdout.splitlines()
    assert lines == sorted(HANDLER_LEVEL.values())


def test_flake8_says_the_same(flake8: Command) -> None:
    result = flake8("--select", "RVL1,RVL2,RVL5", "depot", cwd=EXAMPLE)
    assert [line.removeprefix("./") for line in result.stdout.splitlines()] == sorted(HANDLER_LEVEL.values())


@pytest.mark.realtree
def test_rvl203_on_placement_names_the_versions_the_schema_is_in_force() -> None:
    # Before: "... declares patternProperties without "additionalProperties": False; request body of
    # allocation.set_allocations (>= 1.13), ...": a fix that rejects the valid '' group key, and
    # 1.13 for a schema in force from 1.34 only.
    placement = real_tree("openstack-placement", "16.0.0")
    result = run_cli("--select", "RVL203", "placement/schemas/allocation.py", cwd=placement)
    [line] = result.stdout.splitlines()
    assert "object at $.properties.mappings accepts keys that no pattern of its patternProperties matches, " \
           "with any value (no \"additionalProperties\"); in force for handlers allocation.set_allocations " \
           "(POST /allocations; >= 1.13) at 1.34..1.39, " in line
    assert line.endswith(" and reshaper.reshape (POST /reshaper; >= 1.30) at 1.34..1.39")
