"""Calls through instances, and decorators that validate, seen by every family alike.

The ferry fixture (reviewlint/fixtures/services/ferry) is a Placement-derived service whose
handlers hand the decoded body to methods of controller objects: a factory's cached instance
(`action = controllers.get_crossings(); action.create(context, body=data)`), a module-level
instance (`controllers.TICKETS.book(...)`), an attribute bound in `__init__`
(`self.crossings.update(...)`). The one call resolver follows each (tests/analysis/test_calls.py
tests its forms), so RVL2xx (validation), RVL5xx (policy) and RVL6xx (the route contract the
API-reference family compares) see the same validations.
"""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, REPO, Command, expected_of, findings_of
from harness import lint_tree
from reviewlint.analysis.route_contract import route_contracts
from reviewlint.core.config import load_config
from reviewlint.model.project import Project

FERRY = FIXTURES / "services" / "ferry"
EXPECTED = expected_of(REPO / "tests" / "expected" / "ferry.txt")


def test_zero_config_reports_exactly_the_seeded_mistakes() -> None:
    assert lint_tree(FERRY) == EXPECTED


def test_the_cli_and_flake8_report_the_same(command: Command, flake8: Command) -> None:
    result = command(cwd=FERRY)
    assert (result.returncode, result.stderr) == (1, "")
    assert sorted(findings_of(result.stdout)) == EXPECTED
    result = flake8("--select", "RVL", ".", cwd=FERRY)
    assert sorted(findings_of(result.stdout)) == EXPECTED


def test_validation_through_an_instance_is_seen_by_rvl2xx() -> None:
    rvl2 = lint_tree(FERRY, select=["RVL2"])
    # create, update (the factory's instance), book (a module global), rebook (self.crossings): validated.
    assert rvl2 == [("ferry/handlers/crossing.py", 36, "RVL202")]


def test_a_policy_check_in_an_instance_method_is_seen_by_rvl5xx() -> None:
    # delete_crossing checks nothing itself: CrossingController.delete does.
    assert lint_tree(FERRY, select=["RVL5"]) == [("ferry/handlers/crossing.py", 66, "RVL502")]


def _body_names(root: Path) -> dict[str, list[object]]:
    project = Project(root, load_config(root))
    return {route.label: sorted((sorted(a.names) if a is not None else None for mask, a in contract.body_schemas()
                                 if mask), key=repr)
            for route, contract in route_contracts(project).items()}


def test_the_route_contract_sees_the_same_validations_for_rvl6xx() -> None:
    assert _body_names(FERRY) == {
        "POST /crossings": [["from", "to"]],  # the factory's cached instance, validated by decorator
        "PUT /crossings/{uuid}": [["departs"]],  # called straight on the factory's result
        "POST /crossings/{uuid}/delay": [None],  # validated by nobody: not known what it accepts
        "DELETE /crossings/{uuid}": [[]],  # no body
        "POST /tickets": [["crossing"]],  # a module-level instance
        "PUT /tickets/{uuid}": [["departs"]],  # self.crossings, bound in TicketController.__init__
    }


def test_a_body_passed_otherwise_than_the_decorator_takes_it_is_not_validated_for_rvl6xx() -> None:
    # harbor's rename_boat passes the body by position to a decorator that validates kwargs['body'] (RVL201).
    names = _body_names(FIXTURES / "services" / "harbor")
    assert names["PUT /boats/{uuid}/name"] == [None]
    assert names["PUT /boats/{uuid}"] == [["length", "name"]]


def test_each_file_alone_reports_what_the_whole_run_does() -> None:
    # A save of controllers.py or of a schema module must reach the handlers that call them through
    # instances: the prefilter and the reach of handlers over-approximate what the resolver follows.
    for path in sorted({row[0] for row in EXPECTED} | {"ferry/controllers.py", "ferry/schemas/crossing.py"}):
        assert lint_tree(FERRY, path) == [row for row in EXPECTED if row[0] == path], path
