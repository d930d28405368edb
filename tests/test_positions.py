"""Node positions are LibCST's PositionProvider's, exactly, at a fraction of its cost (model/positions.py)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import EXAMPLE, REPO, real_tree
from reviewlint.model import positions as positions_module
from reviewlint.model.positions import positions

ODD = {
    "no final newline": "x = 1",
    "empty": "",
    "only a comment": "# hello\n",
    "tabs and continuation": "def f(a,\n\tb):\n\treturn (a +\n\t\tb)  # c\n",
    "decorators and blank lines": "@d\n\n@e(1)\nclass C:\n\n    '''doc'''\n\n    def m(self): pass\n",
    "strings spanning lines": 'x = """a\nb\n"""\ny = f"{x!r:>{10}}"\n',
    "backslash continuation": "x = 1 + \\\n    2\n",
    "carriage returns": "x = 1\r\ny = 2\r\n",
    "form feed and semicolons": "\x0cimport os; import sys\nif x: y = 1; z = 2\n",
}


def mismatches(source: str) -> list[str]:
    tree = cst.parse_module(source)
    expected = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    locate = positions(tree)
    found = []
    for node, where in expected.items():
        wanted = ((where.start.line, where.start.column), (where.end.line, where.end.column))
        if locate(node) != wanted:
            found.append(f"{type(node).__name__}: {locate(node)} != {wanted}")
    return found


@pytest.mark.parametrize("source", list(ODD.values()), ids=list(ODD))
def test_every_node_is_where_position_provider_puts_it(source: str) -> None:
    assert mismatches(source) == []


def test_every_node_of_the_example() -> None:
    files = sorted(EXAMPLE.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        assert mismatches(path.read_text(encoding="utf-8")) == [], path


@pytest.mark.slow
def test_every_node_of_our_fixtures_and_of_reviewlint_itself() -> None:
    files = sorted((REPO / "reviewlint").rglob("*.py"))
    assert len(files) > 100
    for path in files:
        assert mismatches(path.read_text(encoding="utf-8")) == [], path


def test_a_text_with_carriage_returns_is_positioned_by_position_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    # A token may end in "\r" and the next start with "\n": one newline or two, as PositionProvider counts
    # them per token; the spans would count them in the joined text, so such a text is not theirs.
    used = []
    monkeypatch.setattr(positions_module, "MetadataWrapper",
                        lambda *a, **k: used.append(1) or MetadataWrapper(*a, **k))
    tree = cst.parse_module("x = 1\r\ny = 2\r\n")
    assert positions(tree)(tree.body[1]) == ((2, 0), (2, 5)) and used == [1]
    positions(cst.parse_module("x = 1\ny = 2\n"))
    assert used == [1]


@pytest.mark.realtree
@pytest.mark.slow
def test_every_node_of_a_real_tree() -> None:
    root = real_tree("openstack-placement", "16.0.0") / "placement"
    files = sorted(Path(root).rglob("*.py"))
    assert len(files) > 100
    for path in files:
        assert mismatches(path.read_text(encoding="utf-8")) == [], path
