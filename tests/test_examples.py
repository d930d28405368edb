"""Every rule's documented examples are tests (Fixit's VALID/INVALID, hacking's `Okay:` lines).

The `bad` example gives exactly its rule's code on its marked lines, the
`good` one (written over `bad`) gives nothing; neither is malformed (RVL9xx).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import lint_snippet
from reviewlint.rules import rule_classes
from reviewlint.rules.base import Rule, example_files, example_marks

RULES = rule_classes()


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_bad_example_gives_the_rule_on_the_marked_lines(tmp_path: Path, rule: type[Rule]) -> None:
    marks = example_marks(rule.bad)
    assert marks, f"{rule.code}: the bad example marks no line with '# <-'"
    rows = lint_snippet(tmp_path, example_files(rule.bad), select=[rule.code, "RVL9"])
    assert rows == [(path, line, rule.code) for path, line in marks]


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_good_example_gives_nothing(tmp_path: Path, rule: type[Rule]) -> None:
    assert rule.good, f"{rule.code} has no good example"
    assert not example_marks(rule.good)
    files = {**example_files(rule.bad), **example_files(rule.good)}
    assert lint_snippet(tmp_path, files, select=[rule.code, "RVL9"]) == []
