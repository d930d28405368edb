"""A buffer whose place in the project is unknown (flake8's `stdin`, pylsp outside a workspace).

flake8 reads stdin as `stdin` unless told a display name, and so does
`reviewlint --stdin-filename stdin`. The file then has no package: its
relative imports resolve to nothing and its module name is `stdin`. No
finding may rest on that failed resolution: what an unresolvable helper
does is unknown, not "nothing".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Command, findings_of, real_source_tree, run_cli, run_flake8
from harness import lint_tree, write_service

UTIL = '''\
import jsonschema


def read_body(req):
    return req.body


def authorize(req):
    req.environ['svc.context'].can('svc:update')


def validate(data):
    jsonschema.validate(data, {'type': 'object', 'additionalProperties': False})
'''

HANDLERS = '''\
import json

from . import util
from . import wsgi_wrapper


@wsgi_wrapper.PlacementWsgify
@util.require_content('application/json')
def update(req):
    util.authorize(req)
    return util.read_body(req)


@wsgi_wrapper.PlacementWsgify
@util.require_content('application/json')
def create(req):
    util.authorize(req)
    data = json.loads(req.body)
    util.validate(data)
    return data


@wsgi_wrapper.PlacementWsgify
def replace(req):
    util.authorize(req)
    return _decode(req)


def _decode(req):
    data = json.loads(req.body)
    util.validate(data)
    return data
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_service(tmp_path, {"svc/util.py": UTIL, "svc/handlers.py": HANDLERS})


def test_named_buffer_resolves_its_helpers(flake8: Command, project: Path) -> None:
    named = flake8("--select", "RVL", "--stdin-display-name", "svc/handlers.py", "-", cwd=project,
                   stdin=HANDLERS)
    assert findings_of(named.stdout) == [("svc/handlers.py", 24, "RVL101")]


def test_flake8_stdin_without_a_name_says_nothing_that_rests_on_failed_resolution(
        flake8: Command, project: Path) -> None:
    # Before: RVL104 on update and create ("never reads the body": the module
    # `stdin` was not found, nor its own helper _decode) and RVL201 on the
    # decode handed to the unresolvable util.validate.
    result = flake8("--select", "RVL", "-", cwd=project, stdin=HANDLERS)
    assert result.stderr == ""
    assert findings_of(result.stdout) == [("stdin", 24, "RVL101")]


def test_cli_stdin_filename_stdin_agrees(project: Path) -> None:
    assert lint_tree(project, stdin=("stdin", HANDLERS)) == [("stdin", 24, "RVL101")]


def test_a_buffer_run_from_outside_its_project_says_nothing_its_calls_would_decide(
        flake8: Command, tmp_path: Path) -> None:
    """pylsp with the file outside its workspace: flake8 reads `stdin` in a directory of another project."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "setup.cfg").write_text("")
    absolute = HANDLERS.replace("from . import util\nfrom . import wsgi_wrapper\n",
                                "from svc import util\nfrom svc import wsgi_wrapper\n")
    result = flake8("--select", "RVL", "-", cwd=elsewhere, stdin=absolute)
    assert result.stderr == ""
    assert findings_of(result.stdout) == [("stdin", 24, "RVL101")]


def test_an_unsaved_buffer_judges_its_own_handlers(flake8: Command, project: Path) -> None:
    """A new file an editor has not saved yet is in no listing of the tree; its decodes still count."""
    fresh = HANDLERS.replace("    util.validate(data)\n    return data\n\n\n@", "    return data\n\n\n@", 1)
    result = flake8("--select", "RVL", "--stdin-display-name", "svc/fresh.py", "-", cwd=project, stdin=fresh)
    assert findings_of(result.stdout) == [("svc/fresh.py", 18, "RVL201"), ("svc/fresh.py", 23, "RVL101")]


@pytest.mark.realtree
def test_the_root_handler_piped_without_a_name_stays_public() -> None:
    """Version discovery at `/` needs no policy check; unnamed, `home` is still the root route's."""
    root = real_source_tree("openstack-placement", "16.0.0")
    source = (root / "placement/handlers/root.py").read_text()
    for result in (run_flake8("--select", "RVL", "-", cwd=root, stdin=source),
                   run_cli("--stdin-filename", "stdin", cwd=root, stdin=source)):
        assert result.stdout == ""


@pytest.mark.realtree
@pytest.mark.parametrize("name", ["trait", "reshaper", "resource_provider"])
def test_placement_handlers_piped_without_a_name_match_their_named_run(name: str) -> None:
    """Before: RVL104 on trait.py:219, reshaper.py:45, resource_provider.py:77 and :276."""
    root = real_source_tree("openstack-placement", "16.0.0")
    path = f"placement/handlers/{name}.py"
    source = (root / path).read_text()
    named = run_flake8("--select", "RVL", "--stdin-display-name", path, "-", cwd=root, stdin=source)
    expected = [(line, code) for _, line, code in findings_of(named.stdout)]
    assert expected == ([(87, "RVL302")] if name == "reshaper" else [])
    for result in (run_flake8("--select", "RVL", "-", cwd=root, stdin=source),
                   run_cli("--stdin-filename", "stdin", cwd=root, stdin=source)):
        assert result.stderr == ""
        assert [(line, code) for _, line, code in findings_of(result.stdout)] == expected
