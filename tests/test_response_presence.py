"""RVL605's response facts: whether a field is written on every path that builds its object, or only on some.

Each case replaces the serializer of `GET /teapots/{uuid}` in the RVL605 case
(reviewlint/fixtures/cases/rvl6/required, VERSIONS 1.0..1.3) and reads
analysis/response_presence.py's verdict on one field: "always", "sometimes",
or None (not known either way: nothing is said). False verdicts are worse
than none, so most cases are ones that must say nothing.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import CASES
from reviewlint.core.config import Config
from reviewlint.model.project import Project, forget_projects

CASE = CASES / "rvl6" / "required"
HANDLERS = "teapot/handlers/teapot.py"


def verdicts(tmp_path: Path, serializer: str) -> dict[str, str | None]:
    """Each field of GET /teapots/{uuid} with `_serialize_teapot` as given: always, sometimes or None (at 1.0)."""
    from reviewlint.analysis.response_presence import field_presence
    from reviewlint.analysis.route_contract import route_contracts

    root = tmp_path / "case"
    shutil.copytree(CASE, root)
    handlers = root / HANDLERS
    text = handlers.read_text()
    start = text.index("def _serialize_teapot(")
    end = text.index("@wsgi_wrapper.PlacementWsgify", start)
    handlers.write_text(text[:start] + textwrap.dedent(serializer).strip() + "\n\n\n" + text[end:])
    forget_projects()
    try:
        contracts = route_contracts(Project(root, Config()))
        contract = next(c for route, c in contracts.items() if route.label == "GET /teapots/{uuid}")
        found = field_presence(contract)
    finally:
        forget_projects()
    return {name: "always" if presence.always & 1 else "sometimes" if presence.sometimes & 1 else None
            for name, presence in found.items()}


CASES_ = {
    "a literal's keys": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            return {'uuid': pot['uuid']}
    ''', "uuid", "always"),
    "an assignment every path runs": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {}
            data['uuid'] = pot['uuid']
            return data
    ''', "uuid", "always"),
    "one branch of an if, the other falling through": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if pot['lid']:
                data['lid'] = pot['lid']
            return data
    ''', "lid", "sometimes"),
    "the else branch, the body falling through": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if not pot['lid']:
                pass
            else:
                data['lid'] = pot['lid']
            return data
    ''', "lid", "sometimes"),
    "an if whose other branch raises": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if pot['lid']:
                data['lid'] = pot['lid']
            else:
                raise ValueError(pot)
            return data
    ''', "lid", None),
    "both branches": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if pot['lid']:
                data['lid'] = 'on'
            else:
                data['lid'] = 'off'
            return data
    ''', "lid", None),
    "two ifs that may cover each other": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if pot['lid']:
                data['lid'] = 'on'
            if not pot['lid']:
                data['lid'] = 'off'
            return data
    ''', "lid", None),
    "a try body whose handler lets the path through": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            try:
                data['lid'] = pot['lid']
            except KeyError:
                pass
            return data
    ''', "lid", None),
    "a try body whose handler raises": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            try:
                data['lid'] = pot['lid']
            except KeyError:
                raise ValueError(pot)
            return data
    ''', "lid", "always"),
    "an early return before the write": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if pot['empty']:
                return data
            data['lid'] = pot['lid']
            return data
    ''', "lid", None),
    "a loop": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            for lid in pot['lids']:
                data['lid'] = lid
            return data
    ''', "lid", None),
    "a dict built in a loop, written after it": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            found = []
            for lid in pot['lids']:
                data = {'uuid': pot['uuid']}
                found.append(data)
            data['lid'] = 'last'
            return {'lids': found}
    ''', "lid", None),
    "a dict let out only inside the branch": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            found = []
            data = {'uuid': pot['uuid']}
            if pot['lid']:
                data['lid'] = pot['lid']
                found.append(data)
            return {'lids': found}
    ''', "lid", None),
    "a dict another function built": ('''
        def _base(pot, want_version):
            return {'uuid': pot['uuid']}


        def _serialize_teapot(pot, want_version, owner=None):
            data = _base(pot, want_version)
            data['lid'] = pot['lid']
            return data
    ''', "lid", None),
    "a write in a helper": ('''
        def _add_lid(data, pot):
            data['lid'] = pot['lid']


        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            _add_lid(data, pot)
            return data
    ''', "lid", None),
    "an if on a parameter the caller passes": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if owner:
                data['owner'] = owner['name']
            return data
    ''', "owner", None),
    "an if on such a parameter and on data": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if pot['lid'] and owner:
                data['owner'] = owner['name']
            return data
    ''', "owner", "sometimes"),
    "an if deciding by the version": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            data = {'uuid': pot['uuid']}
            if want_version.matches((1, 0), (1, 1)):
                data['lid'] = pot['lid']
            return data
    ''', "lid", "always"),
    "a sibling object without it": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            if pot['lid']:
                return {'uuid': pot['uuid'], 'lid': pot['lid']}
            return {'uuid': pot['uuid']}
    ''', "lid", None),
    "a sibling object with it": ('''
        def _serialize_teapot(pot, want_version, owner=None):
            if pot['lid']:
                return {'uuid': pot['uuid'], 'lid': pot['lid']}
            return {'uuid': pot['uuid'], 'lid': None}
    ''', "lid", "always"),
}


@pytest.mark.parametrize("serializer, name, verdict", CASES_.values(), ids=list(CASES_))
def test_the_verdict_on_a_field(tmp_path: Path, serializer: str, name: str, verdict: str | None) -> None:
    found = verdicts(tmp_path, serializer)
    assert name in found  # the field is seen in the response: the verdict is the analysis's, not a miss
    assert found[name] == verdict
